#include "core/runtime/stack_limit.h"

#include <pthread.h>

#include <cstdint>

namespace mini_racer {
namespace {

// Stack the sandbox may use below the point where a call enters it. Node's
// own isolate stops at about 1 MB, so a call starts at most that deep and
// this fits in the smallest stack a Node thread has (4 MB for workers).
constexpr uintptr_t kStackBudget = 896u << 10;
// Stack kept free below the sandbox's limit for V8 to throw its RangeError
// and for the C++ (and host code) that runs under the deepest JS frame.
constexpr uintptr_t kStackMargin = 192u << 10;

// The lowest address of the calling thread's stack, or 0 if unknown.
uintptr_t ThreadStackLow() {
#if defined(__linux__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* address = nullptr;
  size_t size = 0;
  int status = pthread_attr_getstack(&attr, &address, &size);
  pthread_attr_destroy(&attr);
  return status == 0 ? reinterpret_cast<uintptr_t>(address) : 0;
#elif defined(__APPLE__)
  pthread_t self = pthread_self();
  return reinterpret_cast<uintptr_t>(pthread_get_stackaddr_np(self)) -
         pthread_get_stacksize_np(self);
#else
  return 0;
#endif
}

}  // namespace

void StackLimit::FitToThisThread(v8::Isolate* isolate) {
  std::thread::id current = std::this_thread::get_id();
  if (current == thread_) return;
  thread_ = current;
  auto here = reinterpret_cast<uintptr_t>(&current);
  uintptr_t limit = here > kStackBudget ? here - kStackBudget : 0;
  // Never past the thread's own stack, whatever depth the first call comes
  // from or however small the thread's stack is (a Worker may have 512 KB):
  // keep room for the C++ that runs below the last JS frame.
  uintptr_t low = ThreadStackLow();
  if (low != 0 && limit < low + kStackMargin) limit = low + kStackMargin;
  isolate->SetStackLimit(limit);
}

}  // namespace mini_racer
