// The way back from the sandbox's own thread to Node's. Why this exists:
// async calls complete on that thread, and host functions it calls must run
// on Node's, but JavaScript may only be entered from Node's thread. One
// thread-safe function per sandbox carries both to Node's event loop: each
// completion to the onComplete handler src/ passed to startAsync, each
// request for host calls to the sandbox (SandboxWrap::RunHostRequests).
#ifndef MINI_RACER_BINDING_ASYNC_CHANNEL_H_
#define MINI_RACER_BINDING_ASYNC_CHANNEL_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "mini_racer.h"

namespace mr_binding {

class SandboxWrap;

class AsyncChannel {
 public:
  // Opens a channel delivering to on_complete(id, ok, valueOrError,
  // report), with
  // host requests answered by `owner`. Null, with an exception pending,
  // when it cannot. The channel frees itself once Release()d and drained.
  static AsyncChannel* Open(Napi::Env env, Napi::Function on_complete,
                            SandboxWrap* owner);

  // The C API's callbacks (user_data: the channel), on the sandbox's thread
  // or wherever the C API completes a call. mr_completion:
  static void OnComplete(void* user_data, uint64_t id, mr_value* result,
                         const mr_call_report* report);
  // mr_host_wakeup:
  static void OnWakeup(void* user_data);

  // A call was issued: while any is undelivered the channel keeps Node's
  // event loop alive, as pending I/O does. Node's thread.
  void Track(Napi::Env env);
  // No more host requests are answered (the sandbox is going).
  void Detach() { owner_ = nullptr; }
  // Lets the channel go once what is queued (the completions the sandbox's
  // free produced) has been delivered.
  void Release();

  // Frees the sandbox (its async calls end as closed) and then lets the
  // channel go. A call stuck in a builtin that ignores the interrupt does
  // not hold close() up: after a short grace the sandbox is freed on
  // Node's thread once that call is out, the channel meanwhile not keeping
  // the event loop alive. At Node's teardown (`at_teardown`) it is waited
  // for a while, then left running: the process or worker must be able to
  // exit. Node's thread.
  void FreeSandbox(Napi::Env env, mr_sandbox* sandbox, bool at_teardown);

 private:
  struct Item {
    uint64_t id;  // 0: not a completion, but host calls to answer
    mr_value value;
    mr_call_report report;
  };
  static void Deliver(Napi::Env env, Napi::Function handler,
                      AsyncChannel* channel, Item* item);
  using Function = Napi::TypedThreadSafeFunction<AsyncChannel, Item,
                                                 &AsyncChannel::Deliver>;

  // What a stuck sandbox's thread reaches when it gets out (the user data
  // of mr_sandbox_stopped): the channel, until the channel gives the
  // sandbox up at teardown; then nothing, and the relay, holding the
  // sandbox, is left to that thread (reachable from it, never freed).
  class StopRelay {
   public:
    explicit StopRelay(AsyncChannel* channel) : channel_(channel) {}
    static void OnStopped(void* user_data);
    void Disconnect(mr_sandbox* left_behind);

   private:
    std::mutex mutex_;
    AsyncChannel* channel_;
    mr_sandbox* left_behind_ = nullptr;
  };

  // Item id of StopRelay::OnStopped; call ids start at 1, never reach it.
  static constexpr uint64_t kStoppedId = UINT64_MAX;
  // How long close() waits for a stopped async call before it leaves the
  // sandbox to be freed later. A call stops within milliseconds unless a
  // builtin ignores the interrupt.
  static constexpr uint32_t kStopGraceMs = 50;
  // How long Node's teardown waits for such a call.
  static constexpr uint32_t kTeardownWaitMs = 1000;

  void Post(Item* item);
  static void OnEnvCleanup(void* data);
  // Frees the sandbox left stuck by FreeSandbox (once its thread is out,
  // or, at teardown, after waiting) and lets the channel go.
  void FreeStopped(bool at_teardown);
  // At teardown, the sandbox's thread still stuck: the sandbox and relay
  // are left to it (never freed), the channel goes.
  void GiveUp(std::unique_ptr<StopRelay> relay);

  Function function_;
  SandboxWrap* owner_ = nullptr;
  // Calls issued and not yet delivered. Node's thread only.
  size_t pending_ = 0;
  bool released_ = false;
  // A sandbox stuck in a builtin, until FreeStopped. Node's thread only.
  mr_sandbox* stuck_sandbox_ = nullptr;
  std::unique_ptr<StopRelay> relay_;
  napi_env env_ = nullptr;
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_ASYNC_CHANNEL_H_
