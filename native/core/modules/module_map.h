// ModuleMap: the ES modules one sandbox has compiled, by canonical name, and
// how each one's import specifiers resolved. It exists because V8 leaves
// module resolution to the embedder: InstantiateModule asks, synchronously,
// for the module behind each (referrer, specifier) pair, and the answer
// must be the same module every time. The host decides the names (its
// loadModule); this map only remembers what it decided, so that a module
// is compiled and instantiated once per sandbox per canonical name.
//
// It belongs to the sandbox's context: made after it, cleared (its Globals
// reset) with the isolate locked before the isolate goes. Touched only
// inside slices (the isolate's lock guards it).
#ifndef MINI_RACER_CORE_MODULES_MODULE_MAP_H_
#define MINI_RACER_CORE_MODULES_MODULE_MAP_H_

#include <v8.h>

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

#include "core/limits/memory_budget.h"

namespace mini_racer {

class ModuleMap {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  struct Entry {
    std::string name;
    v8::Global<v8::Module> module;
    // A JSON module: its parsed value, exported as `default`.
    v8::Global<v8::Value> json;
    // Specifier as written in this module -> the entry it resolved to.
    std::unordered_map<std::string, size_t> resolved;
  };

  // Host memory per entry besides its name (the entry, its Global, its
  // index slots), charged against the sandbox's budget: modules made
  // without end (evalModule in a loop) end at the memory cap.
  static constexpr size_t kBytesPerEntry = 256;

  ModuleMap(v8::Isolate* isolate, MemoryBudget* budget)
      : isolate_(isolate), budget_(budget) {}
  ~ModuleMap() { Clear(); }
  ModuleMap(const ModuleMap&) = delete;
  ModuleMap& operator=(const ModuleMap&) = delete;

  // Adds a module and returns its index (kNone when the budget has no room
  // for it). `canonical`: registered under its name (Find finds it), unless
  // a module of that name is there already.
  size_t Add(const std::string& name, v8::Local<v8::Module> module,
             bool canonical);
  // Takes a module's name back (Find no longer finds it): a later import
  // of that name loads a new instance.
  void Unregister(size_t index);
  // The module registered under `name`, or kNone.
  size_t Find(const std::string& name) const;
  // The entry of a module V8 hands back (a referrer), or kNone.
  size_t Of(v8::Local<v8::Module> module) const;
  Entry& at(size_t index) { return entries_[index]; }
  size_t size() const { return entries_.size(); }
  // With the isolate locked: resets every Global.
  void Clear();

 private:
  v8::Isolate* isolate_;
  MemoryBudget* budget_;
  size_t charged_ = 0;
  // A deque: entries keep their address as modules are added.
  std::deque<Entry> entries_;
  std::unordered_map<std::string, size_t> by_name_;
  // Identity hash -> entries (hashes may collide; Of compares modules).
  std::unordered_multimap<int, size_t> by_hash_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_MODULES_MODULE_MAP_H_
