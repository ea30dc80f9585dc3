// HostBridge: calls from a sandbox into host functions, and back.
//
// Host functions run on the host thread: the thread whose Node environment
// owns the sandbox. During a synchronous call that is the calling thread,
// so the call is direct. During an async call the sandbox's own thread
// queues a request, wakes the host thread (through a callback the binding
// provides) and waits for the answer, holding the isolate. Two things keep
// that from deadlocking:
//  - a synchronous call on the host thread that finds the isolate taken
//    answers the queued host requests while it waits for it;
//  - a host function that calls back into the same sandbox (a callback it
//    was handed) hands that call to the waiting sandbox thread, which runs
//    it nested in the host call, and answers host requests meanwhile.
// It knows nothing of V8; the sandbox supplies what runs.
#ifndef MINI_RACER_HOST_BRIDGE_H_
#define MINI_RACER_HOST_BRIDGE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/runtime/thread_annotations.h"
#include "capi/mini_racer.h"

namespace mini_racer {

class HostBridge {
 public:
  // One host function call from the sandbox's thread. Owns its values.
  struct Request {
    uint64_t call_id = 0;
    uint32_t function_id = 0;
    std::vector<mr_value> args;
    mr_value result{};
    // Console output and other notifications need no answer.
    bool one_way = false;
    bool done = false;  // guarded by the bridge's mutex
    bool taken = false;  // by the host thread; guarded likewise
    ~Request();
  };

  HostBridge() = default;
  ~HostBridge();
  HostBridge(const HostBridge&) = delete;
  HostBridge& operator=(const HostBridge&) = delete;

  // Makes the calling thread the host thread.
  void SetHost(mr_host_function function, mr_host_wakeup wakeup,
               void* user_data);
  bool has_host() const { return function_ != nullptr; }
  // From now on no wake-up reaches the host (whose user data may be gone
  // once this returns). Any thread.
  void DisconnectWakeups();
  bool OnHostThread() const {
    return has_host() && std::this_thread::get_id() == host_thread_;
  }

  // Host thread: calls a host function now. Args are borrowed.
  void CallOnHostThread(uint64_t call_id, uint32_t function_id,
                        const mr_value* args, size_t argc, mr_value* result);

  // Sandbox thread: queues the request and wakes the host. Unless it is
  // one-way, waits for the answer, running handed-over tasks meanwhile;
  // returns false, abandoning the request, once `give_up` says so.
  bool CallFromSandboxThread(std::shared_ptr<Request> request,
                             const std::function<bool()>& give_up);

  // Host thread: answers the requests queued when it is called (not those
  // queued meanwhile, so that a sandbox logging in a loop cannot hold
  // Node's event loop; those get a wake-up of their own). Returns whether
  // it ran any.
  bool RunHostRequests();

  // Host thread, inside a host function: whether the sandbox's thread is
  // waiting for a host call (so a call into the sandbox must be handed to
  // it), and handing it over: runs `task` on that thread and waits,
  // answering host requests meanwhile.
  // Returns false, without running it, when no sandbox thread waits to
  // take it.
  bool SandboxThreadWaiting();
  bool RunOnSandboxThread(const std::function<void()>& task);
  // Host functions running on the host thread right now.
  int host_depth() const { return host_depth_; }

  // Sandbox thread, between slices: waits until the host has taken every
  // one-way request (console output reaches the host before the call's
  // result, and never waits for a later call). False once `give_up` says so.
  bool DrainOneWay(const std::function<bool()>& give_up);
  // Sandbox thread, its slice over: wakes the host for requests left
  // queued (one-way requests queued while a batch ran).
  void WakeIfQueued();

  // Host thread: sleeps until a request arrives, the isolate may be free,
  // or `max` passes.
  void WaitForWork(std::chrono::microseconds max);
  // A slice released the isolate: wakes a host thread waiting for it.
  void NotifyReleased();

 private:
  // Wakes the host thread unless a wake-up is already on its way.
  void PostWakeup();
  // Sandbox thread, `lock` held, one-way requests queued: waits a moment for
  // the host to take some. The host ends a batch without waking itself for
  // the next one while the sandbox waits; the wake-up goes out from here
  // once Node's event loop has had a turn since that batch (a wake-up sent
  // at once would run in the same turn, and the loop would stand still for
  // as long as the sandbox logs).
  void WaitForHostTurn(MutexLock& lock) MR_REQUIRES(mutex_);
  static size_t BytesOf(const Request& request);

  using Clock = std::chrono::steady_clock;

  struct Task {
    const std::function<void()>* run;
    bool done = false;
  };

  mr_host_function function_ = nullptr;
  // Guards the call of wakeup_ against DisconnectWakeups().
  Mutex wakeup_mutex_;
  mr_host_wakeup wakeup_ MR_GUARDED_BY(wakeup_mutex_) = nullptr;
  void* user_data_ = nullptr;
  std::thread::id host_thread_;
  int host_depth_ = 0;  // host thread only

  Mutex mutex_;
  CondVar changed_;
  std::deque<std::shared_ptr<Request>> requests_ MR_GUARDED_BY(mutex_);
  // One-way requests queued and their bytes: past either bound the sandbox
  // thread waits for the host to take some (console output in a loop must
  // not pile up in the host without end).
  size_t one_way_queued_ MR_GUARDED_BY(mutex_) = 0;
  size_t one_way_bytes_ MR_GUARDED_BY(mutex_) = 0;
  // A wake-up is on its way to the host thread, or a batch is running: no
  // need for another.
  std::atomic<bool> wakeup_posted_{false};
  // Requests in requests_, readable without the mutex.
  std::atomic<size_t> queued_{0};
  std::chrono::steady_clock::time_point last_batch_end_ MR_GUARDED_BY(mutex_);
  std::deque<Task*> tasks_ MR_GUARDED_BY(mutex_);
  // Sandbox-thread waits in CallFromSandboxThread, nested or not.
  int sandbox_waiting_ MR_GUARDED_BY(mutex_) = 0;
  std::atomic<int> host_waiters_{0};
};

}  // namespace mini_racer

#endif  // MINI_RACER_HOST_BRIDGE_H_
