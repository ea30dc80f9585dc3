// SandboxThread: the thread of its own on which a sandbox runs its async
// calls (PyMiniRacer's IsolateManager message pump). Calls arrive from any
// thread and run one at a time, in arrival order; while a call waits for its
// promise the thread sleeps until the next timer, a V8 task, a wake-up
// (cancel, a sync call that may have settled the promise) or the deadline.
// It knows nothing of V8: the sandbox hands it a function that runs a call.
#ifndef MINI_RACER_SANDBOX_THREAD_H_
#define MINI_RACER_SANDBOX_THREAD_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/runtime/thread_annotations.h"
#include "capi/mini_racer.h"

namespace mini_racer {

// One asynchronous call: what to run, with copies of its inputs, and where
// its result goes.
struct AsyncCall {
  enum class Kind { kEval, kCall, kHandleCall, kModule };

  uint64_t id = 0;
  Kind kind = Kind::kEval;
  // Eval, module: the source code (or, to import, the specifier). Call: the
  // dotted path of the function. A module's name is args[0] (UTF-16).
  std::u16string text;
  // Eval with MR_EVAL_CODE_CACHE: the cache bytes to compile from (may be
  // empty).
  std::vector<uint8_t> code_cache;
  // Call: the arguments, each pointing into `arg_bytes`.
  std::vector<mr_value> args;
  std::vector<std::vector<uint8_t>> arg_bytes;
  mr_limits limits{};
  // MR_EVAL_DISCARD_RESULT, MR_RESULT_HANDLES.
  int flags = 0;
  // kHandleCall: the function's handle; args[0] is `this`.
  uint32_t handle = 0;
  // Taken by the one Complete() that delivers: the sandbox's thread, or
  // the thread that gave up waiting for it (SandboxThread::StopWithin).
  std::atomic<mr_completion> completion{nullptr};
  void* user_data = nullptr;
  std::atomic<bool> cancelled{false};
  // The running call this one was made for (see mr_call_nest), 0 if none;
  // guarded by the thread's lock until the call starts.
  uint64_t parent = 0;
  // While it runs nested: the call it runs in.
  AsyncCall* outer = nullptr;

  // Copies the code or path (borrowed by the caller) into `text`.
  void SetText(const uint16_t* units, size_t count) {
    text.assign(reinterpret_cast<const char16_t*>(units), count);
  }
  // Copies the arguments (borrowed by the caller) into `args`.
  void CopyArgs(const mr_value* values, size_t count);
  // Hands the result and what the call took (all zero when not given) to
  // the completion (exactly once, from any thread) and releases it.
  void Complete(mr_value* result, const mr_call_report* report = nullptr);
  // Whether it, or a call it runs nested in, was cancelled.
  bool Cancelled() const;
};

class SandboxThread {
 public:
  using Clock = std::chrono::steady_clock;
  using Runner = std::function<void(AsyncCall&)>;

  explicit SandboxThread(Runner runner);
  // Stops the thread; see Stop().
  ~SandboxThread();
  SandboxThread(const SandboxThread&) = delete;
  SandboxThread& operator=(const SandboxThread&) = delete;

  // Queues a call. Returns false once stopping (the call is left with the
  // caller).
  bool Post(std::unique_ptr<AsyncCall>& call);

  // Cancels call `id`: a queued call is removed and returned (for the
  // caller to complete); a running one (or one running nested) is flagged,
  // woken, and the innermost running call's id, whose script is the one to
  // stop, returned in *running (0 if `id` is not running).
  std::unique_ptr<AsyncCall> Cancel(uint64_t id, uint64_t* running);

  // Whether call `id` is running (between its steps too), nested or not.
  bool IsRunning(uint64_t id);

  // Marks queued call `id` as made for running call `parent`; see
  // mr_call_nest.
  void Nest(uint64_t id, uint64_t parent);
  // Runs with `run`, nested in `parent` (the innermost running call), the
  // queued calls made for it, in order. Returns whether it ran any.
  bool RunNestedCalls(AsyncCall& parent,
                      const std::function<void(AsyncCall&)>& run);

  // Completes running call `id`, and the calls running nested in it, with
  // `failure` now, from any thread; the thread's own completion of them
  // later does nothing. Does nothing if `id` is not running.
  void CompleteRunning(uint64_t id, const mr_value& failure);

  // For the running call: sleeps until `until`, or earlier if woken.
  void WaitUntil(Clock::time_point until);
  // Ends the running call's WaitUntil early (or the next one, if it is not
  // waiting yet). Thread-safe.
  void Wake();

  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Makes the running call end (the runner sees stopping()), completes the
  // queued ones with MR_ERROR_CLOSED and joins the thread. `interrupt` is
  // called once stopping is visible, to terminate a running script.
  void Stop(const std::function<void()>& interrupt);

  // Stop() that waits at most `grace` for the running call to end. A call
  // stuck in code that never checks for interrupts (a V8 builtin working
  // through a huge input) may not: then the running, nested and queued
  // calls are completed with MR_ERROR_CLOSED at once (no completion comes
  // from the thread afterwards), and false is returned. The thread ends on
  // its own once that code returns, calling `on_exit` from the thread on
  // its way out; Stop() then joins it without waiting.
  bool StopWithin(Clock::duration grace,
                  const std::function<void()>& interrupt,
                  std::function<void()> on_exit);

 private:
  void Run();
  // Completes the queued calls with MR_ERROR_CLOSED.
  void CloseQueued();
  // CompleteRunning with the lock held; id 0: every running call.
  void CompleteRunningLocked(uint64_t id, const mr_value& failure)
      MR_REQUIRES(mutex_);

  Runner runner_;
  Mutex mutex_;
  CondVar wake_;
  std::deque<std::unique_ptr<AsyncCall>> queue_ MR_GUARDED_BY(mutex_);
  AsyncCall* running_ MR_GUARDED_BY(mutex_) = nullptr;
  // Calls running nested in running_, outermost first.
  std::vector<AsyncCall*> nested_ MR_GUARDED_BY(mutex_);
  // Calls queued, readable without the lock: the idle thread polls it for
  // a moment before it sleeps.
  std::atomic<size_t> queued_{0};
  bool woken_ MR_GUARDED_BY(mutex_) = false;
  std::atomic<bool> stopping_{false};
  // Run() has returned from its last call; signalled on exited_cv_.
  bool exited_ MR_GUARDED_BY(mutex_) = false;
  CondVar exited_cv_;
  // Set by a StopWithin() that gave up waiting.
  std::function<void()> on_exit_ MR_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_SANDBOX_THREAD_H_
