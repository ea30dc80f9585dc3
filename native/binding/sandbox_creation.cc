#include "sandbox_creation.h"

#include "addon_data.h"
#include "args.h"
#include "errors.h"

namespace mr_binding {

SandboxCreation::SandboxCreation(Napi::Env env, Napi::Function constructor,
                                 const mr_sandbox_options& options)
    : Napi::AsyncWorker(env, "MiniRacerSandboxCreation"),
      constructor_(Napi::Persistent(constructor)),
      deferred_(Napi::Promise::Deferred::New(env)),
      options_(options) {}

SandboxCreation::~SandboxCreation() {
  if (sandbox_ != nullptr) mr_sandbox_free(sandbox_);
}

Napi::Value SandboxCreation::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info.This().IsFunction()) {
    return ThrowTypeError(env, "Sandbox.create must be called on Sandbox");
  }
  mr_sandbox_options options;
  if (!SandboxOptionsArg(info, 0, &options)) return Napi::Value();
  auto* creation =
      new SandboxCreation(env, info.This().As<Napi::Function>(), options);
  if (options.snapshot != nullptr) {
    creation->snapshot_ = Napi::Persistent(info[3].As<Napi::Object>());
  }
  Napi::Promise promise = creation->deferred_.Promise();
  // Deletes itself once OnOK has run (or the work was cancelled).
  creation->Queue();
  return promise;
}

void SandboxCreation::Execute() {
  sandbox_ = mr_sandbox_new(&options_, &error_.value);
}

void SandboxCreation::OnOK() {
  Napi::Env env = Env();
  if (sandbox_ == nullptr) {
    ThrowFailure(env, error_.value);
    deferred_.Reject(env.GetAndClearPendingException().Value());
    return;
  }
  AddonData* data = GetAddonData(env);
  data->adopting = &sandbox_;
  Napi::Object wrap = constructor_.New({});
  data->adopting = nullptr;  // (already, unless the constructor never ran)
  if (env.IsExceptionPending()) {
    deferred_.Reject(env.GetAndClearPendingException().Value());
    return;
  }
  deferred_.Resolve(wrap);
}

}  // namespace mr_binding
