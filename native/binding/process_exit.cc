#include "process_exit.h"

#include <unistd.h>

#include <cstdio>

#include "mini_racer.h"

namespace mr_binding {
namespace {

struct ExitGuard {
  int exit_code = 0;
};

// Registered at load, before any sandbox exists, so it runs after every
// sandbox's hook (hooks run in reverse order of registration).
void FinishTeardown(void* data) {
  auto* guard = static_cast<ExitGuard*>(data);
  int exit_code = guard->exit_code;
  delete guard;
  if (mr_abandoned_sandboxes() == 0) return;
  std::fflush(nullptr);
  _exit(exit_code);
}

}  // namespace

Napi::Value GuardProcessExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* guard = new ExitGuard();
  napi_add_env_cleanup_hook(env, &FinishTeardown, guard);
  return Napi::Function::New(
      env,
      [guard](const Napi::CallbackInfo& note) {
        if (note.Length() >= 1 && note[0].IsNumber()) {
          guard->exit_code = note[0].As<Napi::Number>().Int32Value();
        }
      },
      "noteExitCode");
}

}  // namespace mr_binding
