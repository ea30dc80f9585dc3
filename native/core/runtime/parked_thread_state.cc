#include "core/runtime/parked_thread_state.h"

namespace mini_racer {

ParkedThreadState::~ParkedThreadState() { Release(); }

void ParkedThreadState::ParkOnce(v8::Isolate* isolate) {
#if V8_MAJOR_VERSION == 13
  // V8 13 (Node 24) restores an archived thread state inside a DebugScope
  // that needs a HandleScope the Locker cannot have yet: the first sync call
  // after another thread used the isolate aborts the process ("Cannot
  // create a handle without a HandleScope"). V8 11, 12 and 14 restore it
  // fine. On Node 24 every Locker stays top level (~250 ns more per call).
  return;
#endif
  if (locker_ != nullptr) return;
  locker_ = std::make_unique<v8::Locker>(isolate);
  // Archives this thread's state (lazily) and unlocks the isolate.
  unlocker_ = std::make_unique<v8::Unlocker>(isolate);
}

void ParkedThreadState::Release() {
  // In this order: the Unlocker relocks and restores the state, the Locker
  // (top level again) frees it and unlocks.
  unlocker_.reset();
  locker_.reset();
}

}  // namespace mini_racer
