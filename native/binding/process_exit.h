// The end of a process that had to leave a sandbox running. Why this
// exists: a V8 builtin that never looks at the termination request cannot
// be stopped, so at teardown a sandbox stuck in one is given up
// (mr_sandbox_abandon) after a wait. Node's teardown then calls
// v8::V8::Dispose(), which on V8 13+ (Node 24+) aborts the process because
// that isolate still exists. So once the main thread's environment has run
// every other cleanup of this addon, a process with such a sandbox ends
// with _exit and the exit code Node was about to use.
#ifndef MINI_RACER_BINDING_PROCESS_EXIT_H_
#define MINI_RACER_BINDING_PROCESS_EXIT_H_

#include <napi.h>

namespace mr_binding {

// guardProcessExit() -> noteExitCode(code): on the main thread, once, at
// load (its cleanup hook must run after every sandbox's). src/ calls
// noteExitCode from process.on("exit").
Napi::Value GuardProcessExit(const Napi::CallbackInfo& info);

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_PROCESS_EXIT_H_
