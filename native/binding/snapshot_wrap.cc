#include "snapshot_wrap.h"

#include <utility>

#include "addon_data.h"
#include "errors.h"

namespace mr_binding {

// Runs mr_snapshot_new on a thread of libuv's pool; the Snapshot object made
// on Node's thread adopts the result (as SandboxCreation does a sandbox).
class SnapshotWrap::Creation final : public Napi::AsyncWorker {
 public:
  Creation(Napi::Env env, Napi::Function constructor, std::string setup,
           std::string warmup, bool has_warmup, double max_memory,
           double timeout_ms)
      : Napi::AsyncWorker(env, "MiniRacerSnapshotCreation"),
        constructor_(Napi::Persistent(constructor)),
        deferred_(Napi::Promise::Deferred::New(env)),
        setup_(std::move(setup)),
        warmup_(std::move(warmup)),
        has_warmup_(has_warmup),
        max_memory_(max_memory),
        timeout_ms_(timeout_ms) {}
  ~Creation() override {
    if (snapshot_ != nullptr) mr_snapshot_free(snapshot_);
  }

  Napi::Promise Promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    mr_snapshot_recipe recipe{};
    recipe.setup = setup_.data();
    recipe.setup_length = setup_.size();
    recipe.warmup = has_warmup_ ? warmup_.data() : nullptr;
    recipe.warmup_length = warmup_.size();
    recipe.max_memory = static_cast<uint64_t>(max_memory_);
    recipe.timeout_ms = timeout_ms_;
    snapshot_ = mr_snapshot_new(&recipe, &error_.value);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (snapshot_ == nullptr) {
      ThrowFailure(env, error_.value);
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    AddonData* data = GetAddonData(env);
    data->adopting_snapshot = &snapshot_;
    Napi::Object wrap = constructor_.New({});
    data->adopting_snapshot = nullptr;
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    deferred_.Resolve(wrap);
  }

 private:
  Napi::FunctionReference constructor_;
  Napi::Promise::Deferred deferred_;
  std::string setup_;
  std::string warmup_;
  bool has_warmup_;
  double max_memory_;
  double timeout_ms_;
  mr_snapshot* snapshot_ = nullptr;
  OwnedValue error_;
};

Napi::Function SnapshotWrap::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(
      env, "Snapshot",
      {StaticMethod<&SnapshotWrap::Create>("create"),
       StaticValue("supported",
                   Napi::Boolean::New(env, mr_snapshots_supported() == 1)),
       InstanceAccessor<&SnapshotWrap::Bytes>("bytes"),
       InstanceAccessor<&SnapshotWrap::MaxMemory>("maxMemory")});
  GetAddonData(env)->snapshot_class = Napi::Persistent(constructor);
  return constructor;
}

SnapshotWrap::SnapshotWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SnapshotWrap>(info) {
  AddonData* data = GetAddonData(info.Env());
  if (data->adopting_snapshot == nullptr) {
    ThrowTypeError(info.Env(), "Snapshot objects come from Snapshot.create");
    return;
  }
  snapshot_ =
      std::exchange(*std::exchange(data->adopting_snapshot, nullptr), nullptr);
}

SnapshotWrap::~SnapshotWrap() {
  if (snapshot_ != nullptr) mr_snapshot_free(snapshot_);
}

const mr_snapshot* SnapshotWrap::SnapshotOf(Napi::Value value) {
  if (!value.IsObject()) return nullptr;
  Napi::Object object = value.As<Napi::Object>();
  Napi::Env env = value.Env();
  // InstanceOf on the class itself: any other object (one with the same
  // shape, a subclass instance made elsewhere) is not a Snapshot.
  Napi::Function constructor = GetAddonData(env)->snapshot_class.Value();
  bool is_snapshot = false;
  if (constructor.IsEmpty() ||
      napi_instanceof(env, object, constructor, &is_snapshot) != napi_ok ||
      !is_snapshot) {
    return nullptr;
  }
  SnapshotWrap* wrap = SnapshotWrap::Unwrap(object);
  return wrap != nullptr ? wrap->snapshot_ : nullptr;
}

Napi::Value SnapshotWrap::Create(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info.This().IsFunction() || info.Length() < 4 || !info[0].IsString() ||
      !(info[1].IsString() || info[1].IsUndefined()) || !info[2].IsNumber() ||
      !info[3].IsNumber()) {
    return ThrowTypeError(env,
                          "Snapshot.create(setup, warmup, maxMemory, "
                          "timeoutMs) takes two strings (the second may be "
                          "undefined) and two numbers");
  }
  double max_memory = info[2].As<Napi::Number>().DoubleValue();
  if (!(max_memory >= 0 && max_memory < 9.0e15)) {
    Napi::RangeError::New(env, "maxMemory must be a non-negative byte count")
        .ThrowAsJavaScriptException();
    return Napi::Value();
  }
  bool has_warmup = info[1].IsString();
  auto* creation = new Creation(
      env, info.This().As<Napi::Function>(),
      info[0].As<Napi::String>().Utf8Value(),
      has_warmup ? info[1].As<Napi::String>().Utf8Value() : std::string(),
      has_warmup, max_memory, info[3].As<Napi::Number>().DoubleValue());
  Napi::Promise promise = creation->Promise();
  creation->Queue();  // deletes itself once OnOK has run
  return promise;
}

Napi::Value SnapshotWrap::Bytes(const Napi::CallbackInfo& info) {
  if (snapshot_ == nullptr) return info.Env().Undefined();
  return Napi::Number::New(info.Env(),
                           static_cast<double>(mr_snapshot_bytes(snapshot_)));
}

Napi::Value SnapshotWrap::MaxMemory(const Napi::CallbackInfo& info) {
  if (snapshot_ == nullptr) return info.Env().Undefined();
  return Napi::Number::New(
      info.Env(), static_cast<double>(mr_snapshot_max_memory(snapshot_)));
}

}  // namespace mr_binding
