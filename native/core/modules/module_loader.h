// ModuleLoader: ES module graphs loaded through the host's loadModule, for
// one sandbox. It exists to turn V8's module hooks (a synchronous resolve
// callback during instantiation, a dynamic-import hook that wants a
// promise) into one protocol with the host:
//
//  1. A load starts from an entry (evalModule's source, importModule's or
//     import()'s specifier) and owns a promise resolver for its namespace.
//  2. Each module request not yet resolved goes to the host loader (a host
//     function, so it runs on the host's thread as host functions do: at
//     once during a synchronous call, through the HostBridge during an
//     async one). Its answer is a source with a canonical name (compiled
//     once per name, ModuleMap), undefined (not found), a failure (the
//     loader threw), or a host promise (async calls only) whose
//     settlement continues the load in a later microtask.
//  3. When no request is outstanding, the whole static graph is compiled
//     and every specifier resolved: the entry is instantiated (the resolve
//     callback only looks up the map) and evaluated; the resolver follows
//     the evaluation's promise (top-level await) to the namespace.
//
// Failures reject the resolver with an Error tagged (a private symbol,
// invisible to sandbox code) with its mr_value_type, so that the call
// reports ModuleNotFound / ModuleLoad / ModuleLink / Parse precisely.
// A load belongs to the call that started it and is dropped when that
// call ends. Everything here runs inside slices.
#ifndef MINI_RACER_CORE_MODULES_MODULE_LOADER_H_
#define MINI_RACER_CORE_MODULES_MODULE_LOADER_H_

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "capi/mini_racer.h"
#include "core/modules/module_map.h"

namespace mini_racer {

class Sandbox;

class ModuleLoader {
 public:
  ModuleLoader(Sandbox* sandbox, v8::Isolate* isolate, MemoryBudget* budget);
  ~ModuleLoader();
  ModuleLoader(const ModuleLoader&) = delete;
  ModuleLoader& operator=(const ModuleLoader&) = delete;

  // Sets V8's module hooks on the isolate (dynamic import, import.meta).
  static void InstallHooks(v8::Isolate* isolate);

  // The host function that loads modules (mr_sandbox_set_module_loader);
  // 0: none, every import fails as not found.
  void set_loader_id(uint32_t id) {
    loader_id_.store(id, std::memory_order_release);
  }

  // A promise for the namespace of `source` compiled as a module named
  // `name` (registered under it if no module has that name yet).
  // Empty (an exception pending) only when no promise could be made.
  v8::MaybeLocal<v8::Promise> EvalSource(v8::Local<v8::Context> context,
                                         v8::Local<v8::String> source,
                                         const std::string& name,
                                         uint64_t owner);
  // A promise for the namespace of the module `specifier` names, asked of
  // the loader with `referrer` as the importing module's name ("" for the
  // host, which may also name a module already loaded).
  v8::MaybeLocal<v8::Promise> Import(v8::Local<v8::Context> context,
                                     v8::Local<v8::String> specifier,
                                     const std::string& referrer, bool json,
                                     uint64_t owner);

  // The failure kind a rejection reason was tagged with, or `otherwise`.
  mr_value_type FailureKindOf(v8::Local<v8::Context> context,
                              v8::Local<v8::Value> reason,
                              mr_value_type otherwise);
  // A copy of a namespace as a plain object (what crosses as a copy);
  // *copyable false when an export is a function or a symbol.
  static v8::MaybeLocal<v8::Object> CopyNamespace(
      v8::Local<v8::Context> context, v8::Local<v8::Object> ns,
      bool* copyable);

  // When call `owner` ends: its unfinished loads go.
  void DropOwner(uint64_t owner);
  // With the isolate locked, before it goes.
  void Clear();

 private:
  struct Load {
    uint64_t owner = 0;
    v8::Global<v8::Promise::Resolver> resolver;
    size_t root = ModuleMap::kNone;
    int pending = 0;  // loader promises outstanding
    std::vector<size_t> todo;
    std::unordered_set<size_t> visited;
  };
  // An evaluation (top-level await) still under way when its load ended:
  // if its call ends first, the modules it was first to evaluate can never
  // finish (their timers and promises went with the call), so their names
  // are taken back.
  struct Evaluation {
    uint64_t owner = 0;
    v8::Global<v8::Promise> promise;
    std::vector<size_t> entries;
  };
  // What the host loader answered.
  enum class Answer { kValue, kPromise, kFailed, kStopped };

  static ModuleLoader* From(v8::Isolate* isolate);
  uint64_t Begin(v8::Local<v8::Context> context,
                 v8::Local<v8::Promise::Resolver> resolver, uint64_t owner);
  void StartImport(v8::Local<v8::Context> context, uint64_t load_id,
                   v8::Local<v8::String> specifier, const std::string& referrer,
                   bool json);
  Load* Find(uint64_t load_id);
  // Asks the loader for (referrer, specifier) and goes on with its answer.
  void Request(v8::Local<v8::Context> context, uint64_t load_id,
               size_t referrer, const std::string& referrer_name,
               v8::Local<v8::String> specifier, bool json);
  Answer CallLoader(v8::Local<v8::Context> context,
                    const std::string& referrer,
                    v8::Local<v8::String> specifier,
                    v8::Local<v8::Value>* result);
  // The loader's answer for a request: compiles and records the module.
  void Loaded(v8::Local<v8::Context> context, uint64_t load_id,
              size_t referrer, const std::string& referrer_name,
              v8::Local<v8::String> specifier, bool json,
              v8::Local<v8::Value> answer);
  // Adds a compiled module to the map; kNone (the load failed) when the
  // memory cap has no room for it.
  size_t Register(v8::Local<v8::Context> context, uint64_t load_id,
                  const std::string& name, v8::Local<v8::Module> module);
  // Compiles a module (JSON or JavaScript); false with *error set.
  bool Compile(v8::Local<v8::Context> context, const std::string& name,
               v8::Local<v8::String> source, bool json,
               v8::Local<v8::Module>* module, v8::Local<v8::Value>* error);
  // Requests what the modules on the load's to-do list import, then
  // finishes the load when nothing is outstanding.
  void Drain(v8::Local<v8::Context> context, uint64_t load_id);
  void Finish(v8::Local<v8::Context> context, uint64_t load_id);
  void Fail(v8::Local<v8::Context> context, uint64_t load_id,
            v8::Local<v8::Value> error);
  // An Error with `message`, tagged with `kind`.
  v8::Local<v8::Value> TaggedError(v8::Local<v8::Context> context,
                                   mr_value_type kind,
                                   const std::string& message);
  void Tag(v8::Local<v8::Context> context, v8::Local<v8::Value> error,
           mr_value_type kind);

  // V8's hooks and the callbacks of the promises this makes.
  static v8::MaybeLocal<v8::Module> ResolveHook(
      v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
      v8::Local<v8::FixedArray> attributes, v8::Local<v8::Module> referrer);
  static v8::MaybeLocal<v8::Promise> DynamicImportHook(
      v8::Local<v8::Context> context, v8::Local<v8::Data> options,
      v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
      v8::Local<v8::FixedArray> attributes);
  static void ImportMetaHook(v8::Local<v8::Context> context,
                             v8::Local<v8::Module> module,
                             v8::Local<v8::Object> meta);
  static v8::MaybeLocal<v8::Value> JsonModuleSteps(
      v8::Local<v8::Context> context, v8::Local<v8::Module> module);
  static void DynamicImportJob(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void LoaderSettled(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void ReturnData(const v8::FunctionCallbackInfo<v8::Value>& info);

  Sandbox* sandbox_;
  v8::Isolate* isolate_;
  std::atomic<uint32_t> loader_id_{0};
  ModuleMap map_;
  // unique_ptr: a Load keeps its address while host calls add others.
  std::unordered_map<uint64_t, std::unique_ptr<Load>> loads_;
  std::vector<Evaluation> evaluations_;
  uint64_t next_load_id_ = 1;
  v8::Global<v8::Private> failure_tag_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_MODULES_MODULE_LOADER_H_
