// The Sandbox class src/ sees: one JavaScript object per mr_sandbox. Why
// this exists: it owns the sandbox's lifetime on Node's side (garbage
// collection, close() from anywhere, including from inside a call on it,
// environment teardown) and maps each method onto one C API call. What a
// method needs of the sandbox (open, open with async started, or merely
// not freed) is checked once, in the method table, and the sync and async
// call sequences are one helper each, so each method only reads its
// arguments and names its C API call.
#ifndef MINI_RACER_BINDING_SANDBOX_WRAP_H_
#define MINI_RACER_BINDING_SANDBOX_WRAP_H_

#include <napi.h>

#include "async_channel.h"
#include "errors.h"
#include "mini_racer.h"
#include "values.h"

namespace mr_binding {

class SandboxWrap : public Napi::ObjectWrap<SandboxWrap> {
 public:
  static Napi::Function Define(Napi::Env env);

  // new Sandbox(maxMemoryBytes, softMemoryBytes, maxResultBytes?), made
  // on this thread; Sandbox.create(...) makes one in the background
  // (sandbox_creation.h) and adopts it here.
  explicit SandboxWrap(const Napi::CallbackInfo& info);
  ~SandboxWrap() override {
    FreeNow();
    mr_code_cache_release(&sync_code_cache_);
  }

  // Answers the host calls the sandbox's thread waits for (AsyncChannel).
  void RunHostRequests();

 private:
  using Method = Napi::Value (SandboxWrap::*)(const Napi::CallbackInfo&);

  // The method table's three kinds of method, by what they need:
  // a sandbox not closed (else ContextClosedError) ...
  template <Method method>
  static PropertyDescriptor Open(const char* name) {
    return InstanceMethod<&SandboxWrap::IfOpen<method>>(name);
  }
  // ... and startAsync called first (the async calls) ...
  template <Method method>
  static PropertyDescriptor Started(const char* name) {
    return InstanceMethod<&SandboxWrap::IfStarted<method>>(name);
  }
  // ... or only a sandbox not freed: harmless after close, they do nothing.
  template <Method method>
  static PropertyDescriptor Quiet(const char* name) {
    return InstanceMethod<&SandboxWrap::IfAllocated<method>>(name);
  }
  template <Method method>
  Napi::Value IfOpen(const Napi::CallbackInfo& info) {
    if (!IsOpen()) return ThrowClosed(info.Env());
    return (this->*method)(info);
  }
  template <Method method>
  Napi::Value IfStarted(const Napi::CallbackInfo& info) {
    if (!IsOpen()) return ThrowClosed(info.Env());
    if (channel_ == nullptr) {
      return ThrowError(info.Env(), MR_ERROR_INTERNAL, "Error",
                        "startAsync was not called");
    }
    return (this->*method)(info);
  }
  template <Method method>
  Napi::Value IfAllocated(const Napi::CallbackInfo& info) {
    if (sandbox_ == nullptr) return info.Env().Undefined();
    return (this->*method)(info);
  }
  bool IsOpen() const { return sandbox_ != nullptr && !close_pending_; }

  // Marks a native call on this sandbox in progress on this thread: a
  // close() from inside it (a host function, a console handler) must not
  // free the sandbox under the call's feet, so it is finished here instead.
  class ActiveCall {
   public:
    explicit ActiveCall(SandboxWrap* wrap) : wrap_(wrap) { ++wrap_->active_; }
    ~ActiveCall() {
      if (--wrap_->active_ == 0 && wrap_->close_pending_) wrap_->FreeNow();
    }

   private:
    SandboxWrap* wrap_;
  };

  // The sync call sequence: run(mr_value* out) makes the C API call as an
  // ActiveCall; its result is returned, or its failure thrown.
  template <typename Run>
  Napi::Value Sync(Napi::Env env, Run run) {
    OwnedValue result;
    {
      ActiveCall active(this);
      run(&result.value);
    }
    return ToJs(env, &result.value);
  }

  // The async call sequence: start(completion, user_data) queues the C API
  // call, which completes through the channel; returns its id.
  template <typename Start>
  Napi::Value Async(Napi::Env env, Start start) {
    channel_->Track(env);
    uint64_t id = start(&AsyncChannel::OnComplete, channel_);
    return Napi::Number::New(env, static_cast<double>(id));
  }

  // The methods, in the order of the method table.
  Napi::Value Eval(const Napi::CallbackInfo& info);
  Napi::Value Call(const Napi::CallbackInfo& info);
  Napi::Value HandleOp(const Napi::CallbackInfo& info);
  Napi::Value CallHandle(const Napi::CallbackInfo& info);
  Napi::Value Expose(const Napi::CallbackInfo& info);
  Napi::Value SetHost(const Napi::CallbackInfo& info);
  Napi::Value HandleCount(const Napi::CallbackInfo& info);
  Napi::Value HeapStats(const Napi::CallbackInfo& info);
  Napi::Value LastCall(const Napi::CallbackInfo& info);
  Napi::Value Usage(const Napi::CallbackInfo& info);
  Napi::Value SetMemoryLimits(const Napi::CallbackInfo& info);
  Napi::Value HeapSnapshot(const Napi::CallbackInfo& info);
  Napi::Value LowMemoryNotification(const Napi::CallbackInfo& info);
  Napi::Value TakeCodeCache(const Napi::CallbackInfo& info);
  Napi::Value StartAsync(const Napi::CallbackInfo& info);
  Napi::Value EvalAsync(const Napi::CallbackInfo& info);
  Napi::Value CallAsync(const Napi::CallbackInfo& info);
  Napi::Value HandleCallAsync(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value CancelCall(const Napi::CallbackInfo& info);
  Napi::Value NestCall(const Napi::CallbackInfo& info);
  Napi::Value ReleaseHandle(const Napi::CallbackInfo& info);
  Napi::Value SettleHostPromise(const Napi::CallbackInfo& info);
  Napi::Value SetConsole(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  // ES modules (sandbox_modules.cc).
  Napi::Value EvalModule(const Napi::CallbackInfo& info);
  Napi::Value EvalModuleAsync(const Napi::CallbackInfo& info);
  Napi::Value SetModuleLoader(const Napi::CallbackInfo& info);

  // The C API's host callbacks (user_data: this).
  static void CallHost(void* user_data, uint64_t call_id,
                       uint32_t function_id, const mr_value* args,
                       size_t argc, mr_value* result);
  static void WakeHost(void* user_data);
  static void OnEnvCleanup(void* data);

  bool CloseNow();
  // Frees the sandbox; see AsyncChannel::FreeSandbox for an async call
  // stuck in a builtin, and `at_teardown`.
  void FreeNow(bool at_teardown = false);

  mr_sandbox* sandbox_ = nullptr;
  AsyncChannel* channel_ = nullptr;
  // Native calls on this sandbox in progress on this thread, and whether a
  // close() made inside one waits for them to end.
  int active_ = 0;
  bool close_pending_ = false;
  // src/'s host-function dispatcher (see host_calls.h), held weakly.
  Napi::FunctionReference dispatch_;
  // What came of the last synchronous eval's code cache (takeCodeCache).
  mr_code_cache sync_code_cache_{};
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_SANDBOX_WRAP_H_
