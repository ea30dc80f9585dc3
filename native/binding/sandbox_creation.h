// Makes a sandbox off Node's thread. Why this exists: creating an isolate
// and its context takes milliseconds (~4-6 ms with Node's snapshot), which
// `new Sandbox()` spends on Node's thread, blocking its event loop; a pool
// that replaces sandboxes as it goes would stall every request meanwhile.
// Sandbox.create(maxMemory, softMemory, maxResultBytes?, snapshot?) runs
// mr_sandbox_new on a thread of libuv's pool and resolves its promise, on
// Node's thread, with a Sandbox object that adopts the new sandbox (see
// mr_sandbox_new in mini_racer.h for why that thread may make it).
//
// Ownership: the sandbox belongs to this worker until a Sandbox object has
// taken it (the constructor empties the slot it is handed); whatever is
// still here when the worker is destroyed (the promise could not be
// resolved, the environment is going away) is freed then, on Node's thread.
#ifndef MINI_RACER_BINDING_SANDBOX_CREATION_H_
#define MINI_RACER_BINDING_SANDBOX_CREATION_H_

#include <napi.h>

#include "mini_racer.h"
#include "values.h"

namespace mr_binding {

class SandboxCreation final : public Napi::AsyncWorker {
 public:
  // Sandbox.create(maxMemory, softMemory, maxResultBytes?) -> Promise<Sandbox>
  // (a static method: `this` is the Sandbox class).
  static Napi::Value Start(const Napi::CallbackInfo& info);

  ~SandboxCreation() override;

 protected:
  // libuv's thread: no JavaScript, no Node-API.
  void Execute() override;
  // Node's thread.
  void OnOK() override;

 private:
  SandboxCreation(Napi::Env env, Napi::Function constructor,
                  const mr_sandbox_options& options);

  Napi::FunctionReference constructor_;
  // The Snapshot the options point into, kept alive until the work is done.
  Napi::ObjectReference snapshot_;
  Napi::Promise::Deferred deferred_;
  mr_sandbox_options options_;
  mr_sandbox* sandbox_ = nullptr;
  OwnedValue error_;
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_SANDBOX_CREATION_H_
