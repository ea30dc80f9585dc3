#include "async_channel.h"

#include <cstdint>
#include <utility>

#include "errors.h"
#include "sandbox_wrap.h"
#include "values.h"

namespace mr_binding {

AsyncChannel* AsyncChannel::Open(Napi::Env env, Napi::Function on_complete,
                                 SandboxWrap* owner) {
  auto* channel = new AsyncChannel();
  // The channel is the context every delivery sees, and is freed by the
  // thread-safe function's finalizer.
  channel->function_ = Function::New(
      env, on_complete, "mini-racer:async", 0, 1, channel,
      [](Napi::Env, AsyncChannel*, AsyncChannel* context) { delete context; },
      channel);
  if (static_cast<napi_threadsafe_function>(channel->function_) == nullptr) {
    delete channel;
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    ThrowError(env, MR_ERROR_INTERNAL, "Error",
               "could not create the async channel");
    return nullptr;
  }
  channel->function_.Unref(env);
  channel->owner_ = owner;
  return channel;
}

void AsyncChannel::Post(Item* item) {
  if (function_.NonBlockingCall(item) != napi_ok) {
    mr_value_release(&item->value);
    delete item;
  }
}

void AsyncChannel::OnComplete(void* user_data, uint64_t id, mr_value* result,
                              const mr_call_report* report) {
  auto* item = new Item{id, *result, *report};
  *result = mr_value{};
  static_cast<AsyncChannel*>(user_data)->Post(item);
}

void AsyncChannel::OnWakeup(void* user_data) {
  static_cast<AsyncChannel*>(user_data)->Post(
      new Item{0, mr_value{}, mr_call_report{}});
}

void AsyncChannel::Track(Napi::Env env) {
  if (pending_++ == 0) function_.Ref(env);
}

void AsyncChannel::Release() {
  released_ = true;
  function_.Release();
}

void AsyncChannel::FreeSandbox(Napi::Env env, mr_sandbox* sandbox,
                               bool at_teardown) {
  auto relay = std::make_unique<StopRelay>(this);
  if (mr_sandbox_stop(sandbox, at_teardown ? kTeardownWaitMs : kStopGraceMs,
                      &StopRelay::OnStopped, relay.get()) == 1) {
    mr_sandbox_free(sandbox);
    Release();
    return;
  }
  stuck_sandbox_ = sandbox;
  relay_ = std::move(relay);
  if (at_teardown) {
    GiveUp(std::move(relay_));
    return;
  }
  env_ = env;
  // Like the sandbox's own hook (see SandboxWrap::StartAsync), this runs
  // before the thread-safe function's teardown.
  napi_add_env_cleanup_hook(env, &AsyncChannel::OnEnvCleanup, this);
}

void AsyncChannel::StopRelay::OnStopped(void* user_data) {
  auto* relay = static_cast<StopRelay*>(user_data);
  std::lock_guard<std::mutex> lock(relay->mutex_);
  if (relay->channel_ != nullptr) {
    relay->channel_->Post(new Item{kStoppedId, {}, {}});
  }
}

void AsyncChannel::StopRelay::Disconnect(mr_sandbox* left_behind) {
  std::lock_guard<std::mutex> lock(mutex_);
  channel_ = nullptr;
  left_behind_ = left_behind;
}

void AsyncChannel::OnEnvCleanup(void* data) {
  static_cast<AsyncChannel*>(data)->FreeStopped(/*at_teardown=*/true);
}

void AsyncChannel::FreeStopped(bool at_teardown) {
  if (stuck_sandbox_ == nullptr) return;
  if (at_teardown) {
    if (mr_sandbox_stop(stuck_sandbox_, kTeardownWaitMs,
                        &StopRelay::OnStopped, relay_.get()) == 0) {
      GiveUp(std::move(relay_));
      return;
    }
  } else {
    napi_remove_env_cleanup_hook(env_, &AsyncChannel::OnEnvCleanup, this);
  }
  mr_sandbox_free(std::exchange(stuck_sandbox_, nullptr));
  relay_.reset();
  Release();
}

void AsyncChannel::GiveUp(std::unique_ptr<StopRelay> relay) {
  // The thread may still call the relay, and owns the sandbox's memory
  // from here: both are left to the process's (or worker's) end.
  mr_sandbox_abandon(stuck_sandbox_);
  relay->Disconnect(std::exchange(stuck_sandbox_, nullptr));
  relay.release();  // NOLINT(bugprone-unused-return-value): left on purpose
  Release();
}

// On Node's thread: answers host calls, or hands (id, ok, value or error) to
// the completion handler. env is null when the channel is torn down with
// the item unsent.
void AsyncChannel::Deliver(Napi::Env env, Napi::Function handler,
                           AsyncChannel* channel, Item* item) {
  OwnedValue value;
  value.value = item->value;
  uint64_t id = item->id;
  mr_call_report report = item->report;
  delete item;
  if (static_cast<napi_env>(env) == nullptr) return;
  if (id == kStoppedId) {
    channel->FreeStopped(/*at_teardown=*/false);
    return;
  }
  if (id == 0) {
    if (channel->owner_ != nullptr) channel->owner_->RunHostRequests();
    return;
  }
  if (channel->pending_ > 0 && --channel->pending_ == 0 &&
      !channel->released_) {
    channel->function_.Unref(env);
  }
  Napi::HandleScope scope(env);
  Napi::Value result = ToJs(env, &value.value);
  bool ok = !env.IsExceptionPending();
  if (!ok) result = env.GetAndClearPendingException().Value();
  handler.Call({Napi::Number::New(env, static_cast<double>(id)),
                Napi::Boolean::New(env, ok), result,
                ReportToJs(env, report)});
}

}  // namespace mr_binding
