#include "parked_thread_state.h"

namespace mini_racer {

ParkedThreadState::~ParkedThreadState() { Release(); }

void ParkedThreadState::ParkOnce(v8::Isolate* isolate) {
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
