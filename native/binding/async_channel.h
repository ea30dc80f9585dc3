// The way back from the sandbox's own thread to Node's. Why this exists:
// async calls complete on that thread, and host functions it calls must run
// on Node's, but JavaScript may only be entered from Node's thread. One
// thread-safe function per sandbox carries both to Node's event loop: each
// completion to the onComplete handler src/ passed to startAsync, each
// request for host calls to the sandbox (SandboxWrap::RunHostRequests).
#ifndef MINI_RACER_BINDING_ASYNC_CHANNEL_H_
#define MINI_RACER_BINDING_ASYNC_CHANNEL_H_

#include <napi.h>

#include "mini_racer.h"

namespace mr_binding {

class SandboxWrap;

class AsyncChannel {
 public:
  // Opens a channel delivering to on_complete(id, ok, valueOrError), with
  // host requests answered by `owner`. Null, with an exception pending,
  // when it cannot. The channel frees itself once Release()d and drained.
  static AsyncChannel* Open(Napi::Env env, Napi::Function on_complete,
                            SandboxWrap* owner);

  // The C API's callbacks (user_data: the channel), on the sandbox's thread
  // or wherever the C API completes a call. mr_completion:
  static void OnComplete(void* user_data, uint64_t id, mr_value* result);
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

 private:
  struct Item {
    uint64_t id;  // 0: not a completion, but host calls to answer
    mr_value value;
  };
  static void Deliver(Napi::Env env, Napi::Function handler,
                      AsyncChannel* channel, Item* item);
  using Function = Napi::TypedThreadSafeFunction<AsyncChannel, Item,
                                                 &AsyncChannel::Deliver>;

  void Post(Item* item);

  Function function_;
  SandboxWrap* owner_ = nullptr;
  // Calls issued and not yet delivered. Node's thread only.
  size_t pending_ = 0;
  bool released_ = false;
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_ASYNC_CHANNEL_H_
