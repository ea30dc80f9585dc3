#include "core/runtime/call_owned_promises.h"

namespace mini_racer {
namespace {

// The isolate data slot holding the Sandbox is 0; this class finds itself
// through the wrapper functions' data instead: [External self, index].
CallOwnedPromises* Self(v8::Local<v8::Value> data) {
  return static_cast<CallOwnedPromises*>(
      data.As<v8::Array>()
          ->Get(v8::Isolate::GetCurrent()->GetCurrentContext(), 0)
          .ToLocalChecked()
          .As<v8::External>()
          ->Value());
}

}  // namespace

bool CallOwnedPromises::Install(v8::Local<v8::Context> context) {
  v8::Local<v8::Object> global = context->Global();
  auto object = [&](const char* name, v8::Local<v8::Object>* out) {
    v8::Local<v8::Value> value;
    if (!global->Get(context, v8::String::NewFromUtf8(isolate_, name)
                                  .ToLocalChecked())
             .ToLocal(&value) ||
        !value->IsObject()) {
      return false;
    }
    *out = value.As<v8::Object>();
    return true;
  };
  v8::Local<v8::Object> atomics, wasm;
  // A V8 without them (flags) has nothing to wrap.
  if (object("Atomics", &atomics) &&
      !Wrap(context, atomics, "waitAsync", 4)) {
    return false;
  }
  if (object("WebAssembly", &wasm) &&
      (!Wrap(context, wasm, "compile", 1) ||
       !Wrap(context, wasm, "instantiate", 1))) {
    return false;
  }
  return true;
}

bool CallOwnedPromises::Wrap(v8::Local<v8::Context> context,
                             v8::Local<v8::Object> holder, const char* name,
                             int length) {
  v8::Local<v8::String> key =
      v8::String::NewFromUtf8(isolate_, name).ToLocalChecked();
  v8::Local<v8::Value> original;
  if (!holder->Get(context, key).ToLocal(&original)) return false;
  if (!original->IsFunction()) return true;
  v8::Local<v8::Array> data = v8::Array::New(isolate_, 2);
  if (data->Set(context, 0, v8::External::New(isolate_, this)).IsNothing() ||
      data->Set(context, 1,
                v8::Integer::NewFromUnsigned(
                    isolate_, static_cast<uint32_t>(originals_.size())))
          .IsNothing()) {
    return false;
  }
  v8::Local<v8::Function> wrapper;
  if (!v8::Function::New(context, &CallOwnedPromises::Wrapper, data,
                         length,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&wrapper)) {
    return false;
  }
  wrapper->SetName(key);
  originals_.emplace_back(isolate_, original.As<v8::Function>());
  // The same attributes as the builtin: writable, configurable, not
  // enumerable.
  return holder->DefineOwnProperty(context, key, wrapper, v8::DontEnum)
      .FromMaybe(false);
}

void CallOwnedPromises::Wrapper(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  CallOwnedPromises* self = Self(info.Data());
  uint32_t index = info.Data()
                       .As<v8::Array>()
                       ->Get(context, 1)
                       .ToLocalChecked()
                       .As<v8::Uint32>()
                       ->Value();
  std::vector<v8::Local<v8::Value>> args(info.Length());
  for (int i = 0; i < info.Length(); ++i) args[i] = info[i];
  v8::Local<v8::Value> result;
  if (!self->originals_[index]
           .Get(isolate)
           ->Call(context, info.This(), static_cast<int>(args.size()),
                  args.data())
           .ToLocal(&result)) {
    return;  // the builtin threw: it propagates
  }
  v8::Local<v8::Promise> owned;
  if (result->IsPromise()) {
    // WebAssembly.compile / instantiate.
    if (self->Own(context, result.As<v8::Promise>()).ToLocal(&owned)) {
      info.GetReturnValue().Set(owned);
    }
    return;
  }
  // Atomics.waitAsync: { async, value }, value a promise when async.
  info.GetReturnValue().Set(result);
  if (!result->IsObject()) return;
  v8::Local<v8::Object> record = result.As<v8::Object>();
  v8::Local<v8::String> value_key = v8::String::NewFromUtf8Literal(isolate, "value");
  v8::Local<v8::Value> value;
  if (!record->Get(context, value_key).ToLocal(&value) ||
      !value->IsPromise() ||
      !self->Own(context, value.As<v8::Promise>()).ToLocal(&owned)) {
    return;
  }
  record->CreateDataProperty(context, value_key, owned).FromMaybe(false);
}

v8::MaybeLocal<v8::Promise> CallOwnedPromises::Own(
    v8::Local<v8::Context> context, v8::Local<v8::Promise> promise) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  uint64_t id = next_id_++;
  v8::Local<v8::Array> data = v8::Array::New(isolate_, 2);
  v8::Local<v8::Function> on_fulfilled, on_rejected;
  if (data->Set(context, 0, v8::External::New(isolate_, this)).IsNothing() ||
      data->Set(context, 1,
                v8::Number::New(isolate_, static_cast<double>(id)))
          .IsNothing() ||
      !v8::Function::New(context, &CallOwnedPromises::OnFulfilled, data, 1,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&on_fulfilled) ||
      !v8::Function::New(context, &CallOwnedPromises::OnRejected, data, 1,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&on_rejected) ||
      promise->Then(context, on_fulfilled, on_rejected).IsEmpty()) {
    return {};
  }
  pending_.emplace(id, Pending{owner_, v8::Global<v8::Promise::Resolver>(
                                           isolate_, resolver)});
  return resolver->GetPromise();
}

void CallOwnedPromises::OnFulfilled(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  Settle(info, true);
}

void CallOwnedPromises::OnRejected(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  Settle(info, false);
}

void CallOwnedPromises::Settle(const v8::FunctionCallbackInfo<v8::Value>& info,
                               bool fulfilled) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  CallOwnedPromises* self = Self(info.Data());
  auto id = static_cast<uint64_t>(info.Data()
                                      .As<v8::Array>()
                                      ->Get(context, 1)
                                      .ToLocalChecked()
                                      .As<v8::Number>()
                                      ->Value());
  auto it = self->pending_.find(id);
  if (it == self->pending_.end()) return;  // its call has ended
  v8::Local<v8::Promise::Resolver> resolver = it->second.resolver.Get(isolate);
  self->pending_.erase(it);
  v8::Local<v8::Value> value = info[0];
  if (fulfilled) {
    resolver->Resolve(context, value).FromMaybe(false);
  } else {
    resolver->Reject(context, value).FromMaybe(false);
  }
}

void CallOwnedPromises::DropOwner(uint64_t owner) {
  if (pending_.empty()) return;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.owner == owner) {
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace mini_racer
