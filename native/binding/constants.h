// The C API's shared constants as one JavaScript object. Why this exists:
// src/ needs the value kinds, failure kinds, handle operations and flags of
// mini_racer.h too; exported from here, they have one source, the header's
// own enums, instead of numbers copied into TypeScript.
#ifndef MINI_RACER_BINDING_CONSTANTS_H_
#define MINI_RACER_BINDING_CONSTANTS_H_

#include <napi.h>

namespace mr_binding {

// A frozen plain object: each constant under its C name, e.g.
// {MR_VALUE_UNDEFINED: 0, ..., MR_HANDLE_CALL: 0, ..., MR_RESULT_HANDLES: 2}.
Napi::Object MakeConstants(Napi::Env env);

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_CONSTANTS_H_
