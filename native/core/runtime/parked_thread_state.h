// Keeps one thread's V8 thread state archived between its calls instead of
// freed and rebuilt on every call.
//
// A v8::Locker on a thread with no archived state is "top level": taking it
// allocates the thread's per-isolate data, its first handle block and its
// entry-stack item, and releasing it frees them all again (~250 ns of each
// synchronous call, a quarter of an empty one). A Locker on a thread whose
// state was archived (by a v8::Unlocker, or a nested Locker) restores that
// state instead, and V8 archives it lazily on release: when the same thread
// locks again and nobody else locked meanwhile, nothing is copied at all.
//
// ParkedThreadState gives the host thread such an archived state: it takes
// a Locker and at once an Unlocker, both kept until Release(). Between calls
// the isolate is unlocked as before, so the sandbox's own thread (async
// calls) takes it as usual; V8 then archives the host thread's state eagerly
// and hands it back on the host's next call.
#ifndef MINI_RACER_PARKED_THREAD_STATE_H_
#define MINI_RACER_PARKED_THREAD_STATE_H_

#include <v8.h>

#include <memory>
#include <thread>

namespace mini_racer {

class ParkedThreadState {
 public:
  ParkedThreadState() = default;
  ParkedThreadState(const ParkedThreadState&) = delete;
  ParkedThreadState& operator=(const ParkedThreadState&) = delete;
  ~ParkedThreadState();

  // Parks the calling thread's state, once: the first thread to call owns
  // it; calls from other threads do nothing (their Lockers stay top level).
  // The caller must not hold the isolate's lock.
  void ParkOnce(v8::Isolate* isolate);

  // Drops the parked state (locks the isolate, then frees the thread's
  // state). Call before the isolate is disposed, on the owning thread,
  // while no other thread can take the isolate.
  void Release();

 private:
  std::unique_ptr<v8::Locker> locker_;
  std::unique_ptr<v8::Unlocker> unlocker_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_PARKED_THREAD_STATE_H_
