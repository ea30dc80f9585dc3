// ChargedObjects: charges the host memory that V8 keeps outside its heap
// for some sandbox objects to the sandbox's MemoryBudget, where neither the
// heap cap nor the ArrayBuffer allocator sees it:
//  - the ICU objects behind Intl: an Intl.DateTimeFormat is ~80 bytes of
//    V8 heap but ~31 KB of ICU objects in the host's malloc heap, so 20,000
//    of them under a 32 MB cap took ~530 MB of host memory;
//  - Atomics.waitAsync waiters: ~470 bytes of host memory each (a wait-list
//    node and a delayed task), alive until the wait ends;
//  - Temporal's ZonedDateTime, PlainDateTime and Duration (Node 26): ~220-370
//    bytes each beside 64 on V8's heap (32 MB of ZonedDateTimes took 172 MB).
// The functions that make them (each Intl constructor, Intl.Segmenter's
// segment() and its iterators, Atomics.waitAsync, every Temporal function)
// are wrapped before any
// sandbox code runs, as WasmMemoryGuard does for WebAssembly; each object is
// charged an estimate measured per kind (the table in the .cc), credited
// back when V8 collects it (a weak handle, whose callback runs inside the
// GC: no task has to run first). A charge that does not fit first has V8
// collect garbage (formatters made in a loop and dropped), then fails with
// a RangeError in the sandbox.
#ifndef MINI_RACER_CHARGED_OBJECTS_H_
#define MINI_RACER_CHARGED_OBJECTS_H_

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "core/limits/memory_budget.h"

namespace mini_racer {

class ChargedObjects {
 public:
  ChargedObjects(v8::Isolate* isolate, MemoryBudget* budget)
      : isolate_(isolate), budget_(budget) {}
  // Needs the isolate locked: drops the weak handles still held.
  ~ChargedObjects();
  ChargedObjects(const ChargedObjects&) = delete;
  ChargedObjects& operator=(const ChargedObjects&) = delete;

  // Wraps the functions above; the wrappers charge the isolate's
  // GuardState (see guard_state.h) and look native through GuardBase's
  // `base`. False if the bootstrap failed.
  bool Install(v8::Local<v8::Context> context, v8::Local<v8::Object> base);

  // The callback's address, for a snapshot's external references.
  static void AddExternalReferences(std::vector<intptr_t>* references);

  // Objects charged and still alive.
  size_t live_objects() const { return charges_.size(); }

  // Bytes charged for objects still alive.
  size_t charged() const { return charged_; }

 private:
  struct Charge {
    ChargedObjects* guard;
    size_t bytes;
    v8::Global<v8::Object> object;
  };
  static void ChargeCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void Collected(const v8::WeakCallbackInfo<Charge>& info);
  bool ChargeFor(v8::Local<v8::Object> object, size_t bytes);

  v8::Isolate* isolate_;
  MemoryBudget* budget_;
  std::unordered_set<Charge*> charges_;
  size_t charged_ = 0;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CHARGED_OBJECTS_H_
