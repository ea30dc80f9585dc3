// The Node-API addon: maps the C API in mini_racer.h onto JavaScript.
// Argument shapes are checked only so that misuse cannot crash the process;
// friendly validation and every user-facing type live in src/ (TypeScript).
//
// This file is the module: it refuses a Node line it was not built for and
// lists the exports. The rest, one responsibility a file:
//   sandbox_wrap.*   the Sandbox class: lifetime and one C API call a method
//   snapshot_wrap.*  the Snapshot class: startup snapshots of a setup
//   async_channel.*  async completions and host requests back to Node's thread
//   host_calls.*     host functions: arguments out, src/'s reply back
//   values.*         values between JavaScript and mr_value
//   args.*           reading a method's arguments
//   errors.*         failures thrown through src/'s error factory
//   constants.*      the C API's constants, exported as `constants`
//   process_exit.*   the end of a process that had to leave a sandbox running
#include <napi.h>
#include <node_version.h>

#include <string>

#include "constants.h"
#include "errors.h"
#include "mini_racer.h"
#include "process_exit.h"
#include "sandbox_wrap.h"
#include "snapshot_wrap.h"

namespace {

using namespace mr_binding;

// The addon uses V8's C++ API, which is not stable across Node majors
// (Node-API alone would load it anywhere): a binary built for another line
// must fail here, before it touches V8, with an error saying so.
bool BuiltForThisNode(Napi::Env env) {
  const napi_node_version* running = nullptr;
  if (napi_get_node_version(env, &running) != napi_ok ||
      running->major == NODE_MAJOR_VERSION) {
    return true;
  }
  Napi::Error error = Napi::Error::New(
      env, "the native addon was built for Node " +
               std::to_string(NODE_MAJOR_VERSION) + " (ABI " +
               std::to_string(NODE_MODULE_VERSION) + ") but runs on Node " +
               std::to_string(running->major) + "." +
               std::to_string(running->minor) + "." +
               std::to_string(running->patch));
  error.Set("code", "ERR_MINI_RACER_NO_NATIVE_BUILD");
  error.ThrowAsJavaScriptException();
  return false;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!BuiltForThisNode(env)) return exports;
  if (mr_init() != 0) {
    Napi::Error::New(env,
                     "mini-racer could not attach to Node's V8 platform")
        .ThrowAsJavaScriptException();
    return exports;
  }
  InitErrors(env);
  exports.Set("Sandbox", SandboxWrap::Define(env));
  exports.Set("Snapshot", SnapshotWrap::Define(env));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory));
  exports.Set("v8Version", Napi::String::New(env, mr_v8_version()));
  exports.Set("constants", MakeConstants(env));
  exports.Set("guardProcessExit", Napi::Function::New(env, GuardProcessExit));
  return exports;
}

}  // namespace

NODE_API_MODULE(mini_racer, Init)
