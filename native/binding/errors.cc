#include "errors.h"

#include "addon_data.h"

namespace mr_binding {

void InitErrors(Napi::Env env) { env.SetInstanceData(new AddonData()); }

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    return ThrowTypeError(env, "setErrorFactory needs a function");
  }
  env.GetInstanceData<AddonData>()->error_factory =
      Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value ThrowError(Napi::Env env, int kind, const std::string& name,
                       const std::string& message, const std::string& stack) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_factory.IsEmpty()) {
    Napi::Value error = data->error_factory.Call(
        {Napi::Number::New(env, kind), Napi::String::New(env, name),
         Napi::String::New(env, message), Napi::String::New(env, stack)});
    if (!env.IsExceptionPending()) {
      napi_throw(env, error);
    }
  } else {
    Napi::Error::New(env, name + ": " + message).ThrowAsJavaScriptException();
  }
  return Napi::Value();
}

Napi::Value ThrowFailure(Napi::Env env, const mr_value& failure) {
  const char* text = reinterpret_cast<const char*>(failure.data);
  std::string parts[3];
  size_t part = 0;
  for (size_t i = 0; i < failure.length && part < 3; ++i) {
    if (text[i] == '\0') {
      ++part;
    } else {
      parts[part].push_back(text[i]);
    }
  }
  return ThrowError(env, failure.type, parts[0], parts[1], parts[2]);
}

Napi::Value ThrowTypeError(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return Napi::Value();
}

Napi::Value ThrowClosed(Napi::Env env) {
  return ThrowError(env, MR_ERROR_CLOSED, "ContextClosedError",
                    "this MiniRacer is closed");
}

}  // namespace mr_binding
