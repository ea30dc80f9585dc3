// StackLimit: the isolate's stack limit, fitted to the thread that runs a
// slice. A sandbox runs on the host's thread (sync calls) and on a thread
// of its own (async calls); V8 keeps one limit per isolate, as an address,
// so each switch of thread must move it, or deep recursion would overrun
// that thread's stack (a crash) or stop far too early.
// Isolate thread only, with the isolate locked.
#ifndef MINI_RACER_CORE_RUNTIME_STACK_LIMIT_H_
#define MINI_RACER_CORE_RUNTIME_STACK_LIMIT_H_

#include <v8.h>

#include <thread>

namespace mini_racer {

class StackLimit {
 public:
  // Sets the limit for the calling thread unless it was the last to run.
  void FitToThisThread(v8::Isolate* isolate);

 private:
  std::thread::id thread_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_RUNTIME_STACK_LIMIT_H_
