// ModuleLoader's side facing V8: the hooks it sets on the isolate (resolve
// during instantiation, dynamic import, import.meta, JSON modules' steps),
// the failure tags, and the namespace copy. See module_loader.h.
#include "core/modules/module_helpers.h"
#include "core/modules/module_loader.h"
#include "core/sandbox.h"

namespace mini_racer {

// ---- Failure tags ----

v8::Local<v8::Value> ModuleLoader::TaggedError(v8::Local<v8::Context> context,
                                               mr_value_type kind,
                                               const std::string& message) {
  v8::Local<v8::Value> error =
      v8::Exception::Error(V8String(isolate_, message));
  Tag(context, error, kind);
  return error;
}

void ModuleLoader::Tag(v8::Local<v8::Context> context,
                       v8::Local<v8::Value> error, mr_value_type kind) {
  if (!error->IsObject()) return;
  error.As<v8::Object>()
      ->SetPrivate(context, failure_tag_.Get(isolate_),
                   v8::Integer::New(isolate_, kind))
      .FromMaybe(false);
}

mr_value_type ModuleLoader::FailureKindOf(v8::Local<v8::Context> context,
                                          v8::Local<v8::Value> reason,
                                          mr_value_type otherwise) {
  v8::Local<v8::Value> tag;
  if (!reason->IsObject() ||
      !reason.As<v8::Object>()
           ->GetPrivate(context, failure_tag_.Get(isolate_))
           .ToLocal(&tag) ||
      !tag->IsInt32()) {
    return otherwise;
  }
  return static_cast<mr_value_type>(tag.As<v8::Int32>()->Value());
}

v8::MaybeLocal<v8::Object> ModuleLoader::CopyNamespace(
    v8::Local<v8::Context> context, v8::Local<v8::Object> ns,
    bool* copyable) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Array> keys;
  if (!ns->GetOwnPropertyNames(context).ToLocal(&keys)) return {};
  v8::Local<v8::Object> copy = v8::Object::New(isolate);
  for (uint32_t i = 0; i < keys->Length(); ++i) {
    v8::Local<v8::Value> key, value;
    if (!keys->Get(context, i).ToLocal(&key) ||
        !ns->Get(context, key).ToLocal(&value) ||
        copy->CreateDataProperty(context, key.As<v8::Name>(), value)
            .IsNothing()) {
      return {};
    }
    if (value->IsFunction() || value->IsSymbol()) *copyable = false;
  }
  return copy;
}

// ---- V8's hooks ----

v8::MaybeLocal<v8::Module> ModuleLoader::ResolveHook(
    v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
    v8::Local<v8::FixedArray> attributes, v8::Local<v8::Module> referrer) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  ModuleLoader* self = From(isolate);
  size_t index = self->map_.Of(referrer);
  if (index != ModuleMap::kNone) {
    auto& resolved = self->map_.at(index).resolved;
    auto it = resolved.find(Utf8(isolate, specifier));
    if (it != resolved.end()) {
      return self->map_.at(it->second).module.Get(isolate);
    }
  }
  // Loading resolves every request before instantiating: not reached.
  isolate->ThrowException(v8::Exception::Error(
      v8::String::NewFromUtf8Literal(isolate, "module not loaded")));
  return {};
}

v8::MaybeLocal<v8::Promise> ModuleLoader::DynamicImportHook(
    v8::Local<v8::Context> context, v8::Local<v8::Data> options,
    v8::Local<v8::Value> resource_name, v8::Local<v8::String> specifier,
    v8::Local<v8::FixedArray> attributes) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  // The load starts in a microtask, as import() is asynchronous: the code
  // after it runs first. The job's state is its data (garbage-collected
  // if the call ends before it runs).
  v8::Local<v8::Value> items[] = {
      resolver, specifier,
      resource_name.IsEmpty() || !resource_name->IsString()
          ? v8::String::Empty(isolate).As<v8::Value>()
          : resource_name,
      v8::Boolean::New(isolate, WantsJson(isolate, context, attributes, 2))};
  v8::Local<v8::Function> job;
  if (!v8::Function::New(context, &DynamicImportJob,
                         v8::Array::New(isolate, items, 4), 0,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&job)) {
    return {};
  }
  isolate->EnqueueMicrotask(job);
  return resolver->GetPromise();
}

void ModuleLoader::DynamicImportJob(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  CallbackData call(info);
  if (call.isolate->IsExecutionTerminating() || !call.item(0)->IsPromise() ||
      !call.item(1)->IsString()) {
    return;
  }
  ModuleLoader* self = From(call.isolate);
  auto resolver = call.item(0).As<v8::Promise::Resolver>();
  std::string referrer = Utf8(call.isolate, call.item(2));
  // A script's import() names its referrer "<eval>"; never "" (the host).
  if (referrer.empty()) referrer = "<eval>";
  uint64_t id = self->Begin(call.context, resolver,
                            self->sandbox_->current_call_id_);
  self->StartImport(call.context, id, call.item(1).As<v8::String>(), referrer,
                    call.item(3)->IsTrue());
}

void ModuleLoader::ImportMetaHook(v8::Local<v8::Context> context,
                                  v8::Local<v8::Module> module,
                                  v8::Local<v8::Object> meta) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  ModuleLoader* self = From(isolate);
  size_t index = self->map_.Of(module);
  if (index == ModuleMap::kNone) return;
  meta->CreateDataProperty(context,
                           v8::String::NewFromUtf8Literal(isolate, "url"),
                           V8String(isolate, self->map_.at(index).name))
      .FromMaybe(false);
}

v8::MaybeLocal<v8::Value> ModuleLoader::JsonModuleSteps(
    v8::Local<v8::Context> context, v8::Local<v8::Module> module) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  ModuleLoader* self = From(isolate);
  size_t index = self->map_.Of(module);
  v8::Local<v8::Value> value =
      index == ModuleMap::kNone || self->map_.at(index).json.IsEmpty()
          ? v8::Undefined(isolate).As<v8::Value>()
          : self->map_.at(index).json.Get(isolate);
  if (module
          ->SetSyntheticModuleExport(
              isolate, v8::String::NewFromUtf8Literal(isolate, "default"),
              value)
          .IsNothing()) {
    return {};
  }
  v8::Local<v8::Promise::Resolver> done;
  if (!v8::Promise::Resolver::New(context).ToLocal(&done)) return {};
  done->Resolve(context, v8::Undefined(isolate)).FromMaybe(false);
  return done->GetPromise();
}

}  // namespace mini_racer
