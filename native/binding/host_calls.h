// The host side of host functions. Why this exists: the core calls a host
// function through a C pointer with mr_values, but host functions are
// JavaScript in src/. This turns the arguments into JavaScript, calls src/'s
// dispatcher and turns its answer into the result the C API expects. The
// reply protocol with src/ (src/mini_racer.ts, HostReply in src/native.ts):
//   dispatch(callId, functionId, ...args)
//     returns the wire value             -> that value (a copy it owns)
//     returns {promise: id}              -> MR_VALUE_HOST_PROMISE: src/
//                                           settles it later (SettlePromise)
//     throws {name, message}             -> MR_ERROR_EXCEPTION failure
#ifndef MINI_RACER_BINDING_HOST_CALLS_H_
#define MINI_RACER_BINDING_HOST_CALLS_H_

#include <napi.h>

#include "mini_racer.h"

namespace mr_binding {

// Answers one host call on Node's thread, inside the caller's handle
// scope. `dispatch` is empty when src/'s MiniRacer is gone. Leaves no
// exception pending.
void CallHostFunction(Napi::Env env, Napi::Function dispatch,
                      uint64_t call_id, uint32_t function_id,
                      const mr_value* args, size_t argc, mr_value* result);

// Settles host promise `id` with `value` (a wire value), or rejects it with
// an Error made from `value` as [name, message]. False, with a TypeError
// pending, when a fulfilment value cannot cross.
bool SettleHostPromise(Napi::Env env, mr_sandbox* sandbox, uint64_t id,
                       bool ok, Napi::Value value);

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_HOST_CALLS_H_
