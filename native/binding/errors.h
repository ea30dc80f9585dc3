// Failures reaching JavaScript. Why this exists: src/ decides what a
// mini-racer error looks like (its classes, codes, messages), so the binding
// never builds one itself. src/ registers a factory once (setErrorFactory)
// and every failure the binding throws, the sandbox's own or the binding's,
// goes through it as (kind, name, message, stack).
#ifndef MINI_RACER_BINDING_ERRORS_H_
#define MINI_RACER_BINDING_ERRORS_H_

#include <napi.h>

#include <string>

#include "mini_racer.h"

namespace mr_binding {

// Gives the environment the slot the factory is kept in (at module init).
void InitErrors(Napi::Env env);

// setErrorFactory(factory(kind, name, message, stack) -> Error)
Napi::Value SetErrorFactory(const Napi::CallbackInfo& info);

// Each throws and returns the empty value, for `return Throw...(...)`.
// A failure of `kind` (an MR_ERROR_* value).
Napi::Value ThrowError(Napi::Env env, int kind, const std::string& name,
                       const std::string& message,
                       const std::string& stack = "");
// A failure from the C API: its "name\0message\0stack" text.
Napi::Value ThrowFailure(Napi::Env env, const mr_value& failure);
// Misuse of the binding itself (the wrong argument shapes).
Napi::Value ThrowTypeError(Napi::Env env, const char* message);
// A call on a sandbox that is closed or closing.
Napi::Value ThrowClosed(Napi::Env env);

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_ERRORS_H_
