#include "async_channel.h"

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

void AsyncChannel::OnComplete(void* user_data, uint64_t id, mr_value* result) {
  auto* item = new Item{id, *result};
  *result = mr_value{};
  static_cast<AsyncChannel*>(user_data)->Post(item);
}

void AsyncChannel::OnWakeup(void* user_data) {
  static_cast<AsyncChannel*>(user_data)->Post(new Item{0, mr_value{}});
}

void AsyncChannel::Track(Napi::Env env) {
  if (pending_++ == 0) function_.Ref(env);
}

void AsyncChannel::Release() {
  released_ = true;
  function_.Release();
}

// On Node's thread: answers host calls, or hands (id, ok, value or error) to
// the completion handler. env is null when the channel is torn down with
// the item unsent.
void AsyncChannel::Deliver(Napi::Env env, Napi::Function handler,
                           AsyncChannel* channel, Item* item) {
  OwnedValue value;
  value.value = item->value;
  uint64_t id = item->id;
  delete item;
  if (static_cast<napi_env>(env) == nullptr) return;
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
                Napi::Boolean::New(env, ok), result});
}

}  // namespace mr_binding
