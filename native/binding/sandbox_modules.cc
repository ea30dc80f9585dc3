// SandboxWrap's ES module methods: each reads its arguments and names its
// C API call (see sandbox_wrap.h).
#include "args.h"
#include "sandbox_wrap.h"

namespace mr_binding {
namespace {

// (code, name, ...): both read, or false with a TypeError thrown.
bool ReadCodeAndName(const Napi::CallbackInfo& info, Utf16Arg* code,
                     Utf16Arg* name) {
  return HasArgs(info, {Arg::kString, Arg::kString},
                 "a module call needs code and a name, two strings") &&
         code->Read(info.Env(), info[0]) && name->Read(info.Env(), info[1]);
}

}  // namespace

// evalModule(code, name, limits?, flags?) -> namespace (copy or handle)
Napi::Value SandboxWrap::EvalModule(const Napi::CallbackInfo& info) {
  Utf16Arg code;
  Utf16Arg name;
  if (!ReadCodeAndName(info, &code, &name)) return Napi::Value();
  return Sync(info.Env(), [&](mr_value* out) {
    mr_eval_module(sandbox_, code.data(), code.size(), name.data(),
                   name.size(), LimitsArg(info, 2), FlagsArg(info, 3), out);
  });
}

// evalModuleAsync(code, name, limits?, flags?) -> call id
Napi::Value SandboxWrap::EvalModuleAsync(const Napi::CallbackInfo& info) {
  Utf16Arg code;
  Utf16Arg name;
  if (!ReadCodeAndName(info, &code, &name)) return Napi::Value();
  return Async(info.Env(), [&](mr_completion done, void* channel) {
    return mr_eval_module_async(sandbox_, code.data(), code.size(),
                                name.data(), name.size(), LimitsArg(info, 2),
                                FlagsArg(info, 3), done, channel);
  });
}

// setModuleLoader(functionId): a host function id from the dispatcher.
Napi::Value SandboxWrap::SetModuleLoader(const Napi::CallbackInfo& info) {
  if (!HasArgs(info, {Arg::kNumber}, "setModuleLoader(functionId)")) {
    return Napi::Value();
  }
  mr_sandbox_set_module_loader(sandbox_,
                               info[0].As<Napi::Number>().Uint32Value());
  return info.Env().Undefined();
}

}  // namespace mr_binding
