#include "host_calls.h"

#include <string>
#include <vector>

#include "values.h"

namespace mr_binding {

namespace {

// An MR_ERROR_EXCEPTION failure (thrown in the sandbox as a new Error).
void SetFailure(const std::string& name, const std::string& message,
                mr_value* out) {
  mr_failure_new(MR_ERROR_EXCEPTION, name.data(), name.size(), message.data(),
                 message.size(), out);
}

// Reads a string property or element over `text` if it is one; a throwing
// getter leaves `text` as it was.
template <typename Key>
void ReadText(Napi::Env env, Napi::Object object, Key key, std::string* text) {
  Napi::Value value = object.Get(key);
  if (value.IsString()) *text = value.As<Napi::String>().Utf8Value();
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
}

// A failure from [name, message] (src/'s shape of a rejection).
void FailureFromPair(Napi::Env env, Napi::Value pair, mr_value* out) {
  std::string name = "Error";
  std::string message;
  if (pair.IsArray()) {
    ReadText(env, pair.As<Napi::Object>(), uint32_t{0}, &name);
    ReadText(env, pair.As<Napi::Object>(), uint32_t{1}, &message);
  }
  SetFailure(name, message, out);
}

// A failure from what dispatch threw: {name, message}, or anything else.
void FailureFromThrown(Napi::Env env, Napi::Value thrown, mr_value* out) {
  std::string name = "Error";
  std::string message = "the host function failed";
  if (thrown.IsObject()) {
    ReadText(env, thrown.As<Napi::Object>(), "name", &name);
    ReadText(env, thrown.As<Napi::Object>(), "message", &message);
  }
  SetFailure(name, message, out);
}

// The result from what dispatch returned.
void ResultFromReply(Napi::Env env, Napi::Value reply, mr_value* out) {
  if (reply.IsObject() && !reply.IsArray() && !reply.IsTypedArray()) {
    Napi::Value id = reply.As<Napi::Object>().Get("promise");
    if (id.IsNumber()) {
      out->type = MR_VALUE_HOST_PROMISE;
      out->number = id.As<Napi::Number>().DoubleValue();
      return;
    }
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    SetFailure("TypeError", "malformed host reply", out);
    return;
  }
  // A value the sandbox will release: copied out of the storage it was
  // read into, which ends here.
  Utf16Arg storage;
  mr_value read;
  if (!ReadValue(env, reply, reply.Type(), &read, &storage)) {
    Napi::Value error = env.GetAndClearPendingException().Value();
    std::string message = "bad value";
    if (error.IsObject()) {
      message.clear();
      ReadText(env, error.As<Napi::Object>(), "message", &message);
    }
    SetFailure("TypeError", message, out);
    return;
  }
  mr_value_copy(&read, out);
}

}  // namespace

void CallHostFunction(Napi::Env env, Napi::Function dispatch,
                      uint64_t call_id, uint32_t function_id,
                      const mr_value* args, size_t argc, mr_value* result) {
  *result = mr_value{};
  if (dispatch.IsEmpty()) {
    SetFailure("Error", "the MiniRacer is gone", result);
    return;
  }
  constexpr size_t kInlineArgs = 8;
  napi_value inline_argv[kInlineArgs + 2];
  std::vector<napi_value> heap_argv;
  napi_value* argv = inline_argv;
  if (argc > kInlineArgs) {
    heap_argv.resize(argc + 2);
    argv = heap_argv.data();
  }
  argv[0] = Napi::Number::New(env, static_cast<double>(call_id));
  argv[1] = Napi::Number::New(env, function_id);
  for (size_t i = 0; i < argc; ++i) {
    mr_value arg = args[i];
    Napi::Value value = ToJs(env, &arg, /*borrowed=*/true);
    if (env.IsExceptionPending()) {
      env.GetAndClearPendingException();
      value = env.Undefined();
    }
    argv[i + 2] = value;
  }
  // napi_call_function, not Function::Call: a failed call with nothing
  // thrown (a terminating worker) must not become a made-up exception.
  napi_value reply = nullptr;
  napi_status status = napi_call_function(env, env.Undefined(), dispatch,
                                          argc + 2, argv, &reply);
  if (status != napi_ok || env.IsExceptionPending()) {
    Napi::Value thrown = env.Undefined();
    if (env.IsExceptionPending()) {
      thrown = env.GetAndClearPendingException().Value();
    }
    FailureFromThrown(env, thrown, result);
    return;
  }
  ResultFromReply(env, Napi::Value(env, reply), result);
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
}

bool SettleHostPromise(Napi::Env env, mr_sandbox* sandbox, uint64_t id,
                       bool ok, Napi::Value value) {
  if (!ok) {
    OwnedValue failure;
    FailureFromPair(env, value, &failure.value);
    mr_host_promise_settle(sandbox, id, &failure.value);
    return true;
  }
  Utf16Arg storage;
  mr_value borrowed;
  if (!ReadValue(env, value, value.Type(), &borrowed, &storage)) return false;
  mr_host_promise_settle(sandbox, id, &borrowed);
  return true;
}

}  // namespace mr_binding
