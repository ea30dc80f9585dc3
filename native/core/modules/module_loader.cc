#include "core/modules/module_loader.h"

#include "core/sandbox.h"
#include "wire/exception_description.h"
#include "wire/failure.h"
#include "wire/source_excerpt.h"

namespace mini_racer {
namespace {

std::string Utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text != nullptr ? std::string(*text, text.length()) : std::string();
}

v8::Local<v8::String> V8String(v8::Isolate* isolate, const std::string& text) {
  return v8::String::NewFromUtf8(isolate, text.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

// An element of a FixedArray (V8 14 dropped the context parameter).
v8::Local<v8::Data> ElementOf(v8::Local<v8::Context> context,
                              v8::Local<v8::FixedArray> array, int index) {
#if V8_MAJOR_VERSION >= 14
  return array->Get(index);
#else
  return array->Get(context, index);
#endif
}

// Whether a request's import attributes ([key, value, location, ...] on
// every supported V8) ask for a JSON module.
bool WantsJson(v8::Isolate* isolate, v8::Local<v8::Context> context,
               v8::Local<v8::FixedArray> attributes, int stride) {
  if (attributes.IsEmpty()) return false;
  for (int i = 0; i + 1 < attributes->Length(); i += stride) {
    v8::Local<v8::Data> key = ElementOf(context, attributes, i);
    v8::Local<v8::Data> value = ElementOf(context, attributes, i + 1);
    if (!key->IsValue() || !value->IsValue()) continue;
    if (Utf8(isolate, key.As<v8::Value>()) == "type" &&
        Utf8(isolate, value.As<v8::Value>()) == "json") {
      return true;
    }
  }
  return false;
}

v8::Local<v8::FixedArray> AttributesOf(v8::Local<v8::ModuleRequest> request) {
#if V8_MAJOR_VERSION >= 12
  return request->GetImportAttributes();
#else  // Node 20: import assertions
  return request->GetImportAssertions();
#endif
}

v8::ScriptOrigin ModuleOrigin(v8::Isolate* isolate, v8::Local<v8::String> name) {
#if V8_MAJOR_VERSION >= 12
  return v8::ScriptOrigin(name, 0, 0, false, -1, v8::Local<v8::Value>(), false,
                          false, /*is_module=*/true);
#else  // Node 20; V8 12 dropped the isolate parameter
  return v8::ScriptOrigin(isolate, name, 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false,
                          /*is_module=*/true);
#endif
}

// What the callbacks of the functions a load makes find: their isolate,
// context and the array their state was made into (Function::New's data).
struct CallbackData {
  explicit CallbackData(const v8::FunctionCallbackInfo<v8::Value>& info)
      : isolate(info.GetIsolate()),
        context(isolate->GetCurrentContext()),
        data(info.Data().As<v8::Array>()) {}
  // Undefined if it cannot be read (execution is terminating).
  v8::Local<v8::Value> item(uint32_t i) const {
    return data->Get(context, i).FromMaybe(
        v8::Undefined(isolate).As<v8::Value>());
  }
  // The callbacks' state is what they made: only termination can spoil it.
  bool usable(uint32_t number, uint32_t string) const {
    return !isolate->IsExecutionTerminating() && item(number)->IsNumber() &&
           item(string)->IsString();
  }
  v8::Isolate* isolate;
  v8::Local<v8::Context> context;
  v8::Local<v8::Array> data;
};

}  // namespace

ModuleLoader::ModuleLoader(Sandbox* sandbox, v8::Isolate* isolate,
                           MemoryBudget* budget)
    : sandbox_(sandbox), isolate_(isolate), map_(isolate, budget) {
  failure_tag_.Reset(isolate, v8::Private::New(isolate));
}

ModuleLoader::~ModuleLoader() { Clear(); }

void ModuleLoader::Clear() {
  loads_.clear();
  evaluations_.clear();
  map_.Clear();
  failure_tag_.Reset();
}

void ModuleLoader::InstallHooks(v8::Isolate* isolate) {
  isolate->SetHostImportModuleDynamicallyCallback(&DynamicImportHook);
  isolate->SetHostInitializeImportMetaObjectCallback(&ImportMetaHook);
}

ModuleLoader* ModuleLoader::From(v8::Isolate* isolate) {
  return static_cast<Sandbox*>(isolate->GetData(Sandbox::kSandboxSlot))
      ->modules_.get();
}

// ---- Entry points ----

uint64_t ModuleLoader::Begin(v8::Local<v8::Context> context,
                             v8::Local<v8::Promise::Resolver> resolver,
                             uint64_t owner) {
  uint64_t id = next_load_id_++;
  auto load = std::make_unique<Load>();
  load->owner = owner;
  load->resolver.Reset(isolate_, resolver);
  loads_.emplace(id, std::move(load));
  return id;
}

v8::MaybeLocal<v8::Promise> ModuleLoader::EvalSource(v8::Local<v8::Context> context,
                                                v8::Local<v8::String> source,
                                                const std::string& name,
                                                uint64_t owner) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  uint64_t id = Begin(context, resolver, owner);
  v8::Local<v8::Module> module;
  v8::Local<v8::Value> error;
  if (!Compile(context, name, source, /*json=*/false, &module, &error)) {
    Fail(context, id, error);
  } else {
    size_t root = Register(context, id, name, module);
    if (root != ModuleMap::kNone) {
      Load* load = Find(id);
      load->root = root;
      load->todo.push_back(root);
      Drain(context, id);
    }
  }
  return resolver->GetPromise();
}

v8::MaybeLocal<v8::Promise> ModuleLoader::Import(v8::Local<v8::Context> context,
                                            v8::Local<v8::String> specifier,
                                            const std::string& referrer,
                                            bool json, uint64_t owner) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  uint64_t id = Begin(context, resolver, owner);
  StartImport(context, id, specifier, referrer, json);
  return resolver->GetPromise();
}

void ModuleLoader::StartImport(v8::Local<v8::Context> context,
                               uint64_t load_id,
                               v8::Local<v8::String> specifier,
                               const std::string& referrer, bool json) {
  if (referrer.empty()) {
    // The host names a module it loaded before by its canonical name.
    size_t known = map_.Find(Utf8(isolate_, specifier));
    if (known != ModuleMap::kNone) {
      Load* load = Find(load_id);
      load->root = known;
      load->todo.push_back(known);
      Drain(context, load_id);
      return;
    }
  }
  Request(context, load_id, ModuleMap::kNone, referrer, specifier, json);
  Drain(context, load_id);
}

ModuleLoader::Load* ModuleLoader::Find(uint64_t load_id) {
  auto it = loads_.find(load_id);
  return it == loads_.end() ? nullptr : it->second.get();
}

// ---- Talking to the host loader ----

ModuleLoader::Answer ModuleLoader::CallLoader(v8::Local<v8::Context> context,
                                              const std::string& referrer,
                                              v8::Local<v8::String> specifier,
                                              v8::Local<v8::Value>* result) {
  Sandbox& sandbox = *sandbox_;
  uint32_t loader_id = loader_id_.load(std::memory_order_acquire);
  if (loader_id == 0 || !sandbox.bridge_.has_host()) {
    *result = TaggedError(
        context, MR_ERROR_MODULE_NOT_FOUND,
        "Cannot import \"" + Utf8(isolate_, specifier) +
            "\": no module loader was given (the loadModule option)");
    return Answer::kFailed;
  }
  auto request = std::make_shared<HostBridge::Request>();
  request->call_id = sandbox.current_call_id_;
  request->function_id = loader_id;
  CopyBudget budget(sandbox.max_result_bytes_);
  bool clone_error = false;
  v8::Local<v8::Value> args[] = {specifier, V8String(isolate_, referrer)};
  for (v8::Local<v8::Value> arg : args) {
    mr_value wire{};
    if (!ValueCodec::Encode(isolate_, context, arg, ValueCodec::Mode::kCopy,
                            sandbox.handles_.get(), &budget, &wire,
                            &clone_error)) {
      return Answer::kStopped;  // an exception (RangeError) is pending
    }
    request->args.push_back(wire);
  }
  if (!sandbox.ExchangeWithHost(context, request) ||
      isolate_->IsExecutionTerminating()) {
    return Answer::kStopped;
  }
  const mr_value& answer = request->result;
  if (answer.type >= MR_ERROR_FIRST) {
    // The loader threw: its name and message, nothing of the host's stack.
    *result = ErrorFromFailure(isolate_, answer);
    Tag(context, *result, MR_ERROR_MODULE_LOAD);
    return Answer::kFailed;
  }
  if (answer.type == MR_VALUE_HOST_PROMISE) {
    v8::Local<v8::Promise> promise;
    if (!sandbox.host_promises_
             .Create(isolate_, context, static_cast<uint64_t>(answer.number),
                     sandbox.current_call_id_)
             .ToLocal(&promise)) {
      return Answer::kStopped;
    }
    if (sandbox.bridge_.OnHostThread()) {
      // A synchronous call cannot wait; the promise goes with the call.
      *result = TaggedError(
          context, MR_ERROR_MODULE_LOAD,
          "loadModule returned a Promise for \"" + Utf8(isolate_, specifier) +
              "\"; a synchronous call cannot wait for it (use "
              "evalModuleAsync or importModuleAsync)");
      return Answer::kFailed;
    }
    *result = promise;
    return Answer::kPromise;
  }
  v8::TryCatch decode(isolate_);
  if (!ValueCodec::Decode(isolate_, context, sandbox.handles_.get(), answer,
                          sandbox.budget_.max_bytes(), &clone_error)
           .ToLocal(result)) {
    // A source larger than the memory cap: the load fails with what Decode
    // threw (a RangeError), reported as the cap (JSOOMError).
    if (decode.HasTerminated() || !decode.HasCaught()) return Answer::kStopped;
    *result = decode.Exception();
    Tag(context, *result, MR_ERROR_OUT_OF_MEMORY);
    return Answer::kFailed;
  }
  return Answer::kValue;
}

void ModuleLoader::Request(v8::Local<v8::Context> context, uint64_t load_id,
                           size_t referrer, const std::string& referrer_name,
                           v8::Local<v8::String> specifier, bool json) {
  v8::Local<v8::Value> answer;
  switch (CallLoader(context, referrer_name, specifier, &answer)) {
    case Answer::kStopped:
      return;  // the call is ending; its loads go with it
    case Answer::kFailed:
      Fail(context, load_id, answer);
      return;
    case Answer::kValue:
      Loaded(context, load_id, referrer, referrer_name, specifier, json,
             answer);
      return;
    case Answer::kPromise:
      break;
  }
  Load* load = Find(load_id);
  if (load == nullptr) return;
  // What the settled promise continues with: [load id, referrer entry,
  // referrer name, specifier, json, fulfilled].
  auto make = [&](bool fulfilled) {
    v8::Local<v8::Value> items[] = {
        v8::Number::New(isolate_, static_cast<double>(load_id)),
        v8::Number::New(isolate_, referrer == ModuleMap::kNone
                                      ? -1.0
                                      : static_cast<double>(referrer)),
        V8String(isolate_, referrer_name),
        specifier,
        v8::Boolean::New(isolate_, json),
        v8::Boolean::New(isolate_, fulfilled)};
    return v8::Function::New(context, &LoaderSettled,
                             v8::Array::New(isolate_, items, 6), 1,
                             v8::ConstructorBehavior::kThrow);
  };
  v8::Local<v8::Function> on_fulfilled, on_rejected;
  if (!make(true).ToLocal(&on_fulfilled) ||
      !make(false).ToLocal(&on_rejected) ||
      answer.As<v8::Promise>()->Then(context, on_fulfilled, on_rejected)
          .IsEmpty()) {
    return;
  }
  ++load->pending;
}

void ModuleLoader::LoaderSettled(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  CallbackData call(info);
  if (!call.usable(0, 3)) return;
  v8::Isolate* isolate = call.isolate;
  v8::Local<v8::Context> context = call.context;
  ModuleLoader* self = From(isolate);
  auto item = [&](uint32_t i) { return call.item(i); };
  auto load_id = static_cast<uint64_t>(item(0).As<v8::Number>()->Value());
  double referrer_number = item(1).As<v8::Number>()->Value();
  size_t referrer = referrer_number < 0 ? ModuleMap::kNone
                                        : static_cast<size_t>(referrer_number);
  std::string referrer_name = Utf8(isolate, item(2));
  v8::Local<v8::String> specifier = item(3).As<v8::String>();
  bool json = item(4)->IsTrue();
  bool fulfilled = item(5)->IsTrue();
  Load* load = self->Find(load_id);
  if (load == nullptr) return;  // failed meanwhile, or its call ended
  --load->pending;
  v8::Local<v8::Value> value =
      info.Length() > 0 ? info[0] : v8::Undefined(isolate).As<v8::Value>();
  if (!fulfilled) {
    // The loader's promise rejected: its message, as for a throw.
    self->Tag(context, value, MR_ERROR_MODULE_LOAD);
    self->Fail(context, load_id, value);
    return;
  }
  self->Loaded(context, load_id, referrer, referrer_name, specifier, json,
               value);
  self->Drain(context, load_id);
}

void ModuleLoader::Loaded(v8::Local<v8::Context> context, uint64_t load_id,
                          size_t referrer, const std::string& referrer_name,
                          v8::Local<v8::String> specifier, bool json,
                          v8::Local<v8::Value> answer) {
  if (Find(load_id) == nullptr) return;
  std::string written = Utf8(isolate_, specifier);
  if (answer->IsUndefined()) {
    Fail(context, load_id,
         TaggedError(context, MR_ERROR_MODULE_NOT_FOUND,
                     "Cannot find module \"" + written + "\" imported from \"" +
                         referrer_name + "\""));
    return;
  }
  // The wrapper hands [canonical name, source] (src/internal/modules.ts).
  v8::Local<v8::Value> name_value, source_value;
  if (!answer->IsArray() ||
      !answer.As<v8::Array>()->Get(context, 0).ToLocal(&name_value) ||
      !answer.As<v8::Array>()->Get(context, 1).ToLocal(&source_value) ||
      !name_value->IsString() || !source_value->IsString()) {
    Fail(context, load_id,
         TaggedError(context, MR_ERROR_MODULE_LOAD,
                     "loadModule gave no source for \"" + written + "\""));
    return;
  }
  std::string name = Utf8(isolate_, name_value);
  size_t child = map_.Find(name);
  if (child == ModuleMap::kNone) {
    v8::Local<v8::Value> parsed;
    if (json) {
      // Parsed now, so that a malformed file fails as a parse error.
      v8::TryCatch try_catch(isolate_);
      if (!v8::JSON::Parse(context, source_value.As<v8::String>())
               .ToLocal(&parsed)) {
        if (try_catch.HasTerminated() || !try_catch.HasCaught()) return;
        v8::Local<v8::Value> thrown = try_catch.Exception();
        Tag(context, thrown, MR_ERROR_PARSE);
        Fail(context, load_id, thrown);
        return;
      }
    }
    v8::Local<v8::Module> module;
    v8::Local<v8::Value> error;
    if (!Compile(context, name, source_value.As<v8::String>(), json, &module,
                 &error)) {
      Fail(context, load_id, error);
      return;
    }
    child = Register(context, load_id, name, module);
    if (child == ModuleMap::kNone) return;
    if (json) map_.at(child).json.Reset(isolate_, parsed);
  }
  if (referrer != ModuleMap::kNone) {
    map_.at(referrer).resolved[written] = child;
  }
  Load* load = Find(load_id);
  if (load == nullptr) return;
  if (referrer == ModuleMap::kNone) load->root = child;
  load->todo.push_back(child);
}

size_t ModuleLoader::Register(v8::Local<v8::Context> context,
                              uint64_t load_id, const std::string& name,
                              v8::Local<v8::Module> module) {
  size_t index = map_.Add(name, module, /*canonical=*/true);
  if (index == ModuleMap::kNone) {
    Fail(context, load_id,
         TaggedError(context, MR_ERROR_OUT_OF_MEMORY,
                     "the sandbox's memory cap leaves no room for module \"" +
                         name + "\""));
  }
  return index;
}

bool ModuleLoader::Compile(v8::Local<v8::Context> context,
                           const std::string& name,
                           v8::Local<v8::String> source, bool json,
                           v8::Local<v8::Module>* module,
                           v8::Local<v8::Value>* error) {
  v8::Local<v8::String> v8_name = V8String(isolate_, name);
  if (json) {
    v8::Local<v8::String> exports[] = {
        v8::String::NewFromUtf8Literal(isolate_, "default")};
#if V8_MAJOR_VERSION >= 12
    *module = v8::Module::CreateSyntheticModule(
        isolate_, v8_name, v8::MemorySpan<const v8::Local<v8::String>>(exports, 1),
        &JsonModuleSteps);
#else  // Node 20: a vector
    *module = v8::Module::CreateSyntheticModule(
        isolate_, v8_name, std::vector<v8::Local<v8::String>>(exports, exports + 1),
        &JsonModuleSteps);
#endif
    return true;
  }
  v8::TryCatch try_catch(isolate_);
  v8::ScriptOrigin origin = ModuleOrigin(isolate_, v8_name);
  v8::ScriptCompiler::Source compiled(source, origin);
  if (v8::ScriptCompiler::CompileModule(isolate_, &compiled).ToLocal(module)) {
    return true;
  }
  if (try_catch.HasTerminated() || !try_catch.HasCaught()) {
    *error = v8::Undefined(isolate_);
    return false;
  }
  *error = try_catch.Exception();
  Tag(context, *error, MR_ERROR_PARSE);
  // Where it is (name:line:column and the line), as its stack: the error
  // reaches the host through a promise, past the message V8 made here.
  if (!try_catch.Message().IsEmpty() && (*error)->IsObject()) {
    std::string where =
        DescribeSourcePosition(isolate_, context, try_catch.Message());
    std::string text = Utf8(isolate_, *error);
    (*error)
        .As<v8::Object>()
        ->Set(context, v8::String::NewFromUtf8Literal(isolate_, "stack"),
              V8String(isolate_, where + "\n" + text))
        .FromMaybe(false);
  }
  return false;
}

// ---- Walking and finishing a load ----

void ModuleLoader::Drain(v8::Local<v8::Context> context, uint64_t load_id) {
  for (;;) {
    Load* load = Find(load_id);
    if (load == nullptr || isolate_->IsExecutionTerminating()) return;
    if (load->todo.empty()) break;
    size_t index = load->todo.back();
    load->todo.pop_back();
    if (!load->visited.insert(index).second) continue;
    v8::Local<v8::Module> module = map_.at(index).module.Get(isolate_);
    if (module->IsSyntheticModule()) continue;  // JSON: imports nothing
    v8::Local<v8::FixedArray> requests = module->GetModuleRequests();
    for (int i = 0; i < requests->Length(); ++i) {
      load = Find(load_id);
      if (load == nullptr || isolate_->IsExecutionTerminating()) return;
      auto request = ElementOf(context, requests, i).As<v8::ModuleRequest>();
      v8::Local<v8::String> specifier = request->GetSpecifier();
      std::string written = Utf8(isolate_, specifier);
      auto& resolved = map_.at(index).resolved;
      auto it = resolved.find(written);
      if (it != resolved.end()) {
        load->todo.push_back(it->second);
        continue;
      }
      bool json = WantsJson(isolate_, context, AttributesOf(request), 3);
      Request(context, load_id, index, map_.at(index).name, specifier, json);
    }
  }
  Load* load = Find(load_id);
  if (load->pending == 0) Finish(context, load_id);
}

void ModuleLoader::Finish(v8::Local<v8::Context> context, uint64_t load_id) {
  Load* load = Find(load_id);
  v8::Local<v8::Promise::Resolver> resolver = load->resolver.Get(isolate_);
  v8::Local<v8::Module> module = map_.at(load->root).module.Get(isolate_);
  if (module->GetStatus() == v8::Module::kUninstantiated) {
    v8::TryCatch try_catch(isolate_);
    if (module->InstantiateModule(context, &ResolveHook).IsNothing()) {
      if (try_catch.HasTerminated() || !try_catch.HasCaught()) return;
      v8::Local<v8::Value> error = try_catch.Exception();
      Tag(context, error, MR_ERROR_MODULE_LINK);
      Fail(context, load_id, error);
      return;
    }
  }
  // The modules this evaluation is the first to run.
  std::vector<size_t> fresh;
  for (size_t index : load->visited) {
    if (map_.at(index).module.Get(isolate_)->GetStatus() ==
        v8::Module::kInstantiated) {
      fresh.push_back(index);
    }
  }
  uint64_t owner = load->owner;
  v8::Local<v8::Value> evaluated;
  {
    v8::TryCatch try_catch(isolate_);
    if (!module->Evaluate(context).ToLocal(&evaluated)) {
      if (try_catch.HasTerminated() || !try_catch.HasCaught()) {
        // Stopped (time limit, memory cap, cancel) in the middle of their
        // top level, these modules would stay errored with no exception:
        // a later import loads them anew.
        for (size_t index : fresh) map_.Unregister(index);
        return;
      }
      Fail(context, load_id, try_catch.Exception());
      return;
    }
  }
  loads_.erase(load_id);
  v8::Local<v8::Value> ns = module->GetModuleNamespace();
  auto promise = evaluated.As<v8::Promise>();
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      resolver->Resolve(context, ns).FromMaybe(false);
      return;
    case v8::Promise::kRejected:
      promise->MarkAsHandled();
      resolver->Reject(context, promise->Result()).FromMaybe(false);
      return;
    case v8::Promise::kPending:
      break;
  }
  if (!fresh.empty()) {
    Evaluation& evaluation = evaluations_.emplace_back();
    evaluation.owner = owner;
    evaluation.promise.Reset(isolate_, promise);
    evaluation.entries = std::move(fresh);
  }
  // Top-level await: the namespace once the evaluation settles.
  v8::Local<v8::Function> give_namespace;
  v8::Local<v8::Promise> then;
  if (v8::Function::New(context, &ReturnData, ns, 0,
                        v8::ConstructorBehavior::kThrow)
          .ToLocal(&give_namespace) &&
      promise->Then(context, give_namespace).ToLocal(&then)) {
    resolver->Resolve(context, then).FromMaybe(false);
  }
}

void ModuleLoader::ReturnData(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(info.Data());
}

void ModuleLoader::Fail(v8::Local<v8::Context> context, uint64_t load_id,
                        v8::Local<v8::Value> error) {
  Load* load = Find(load_id);
  if (load == nullptr) return;
  v8::Local<v8::Promise::Resolver> resolver = load->resolver.Get(isolate_);
  loads_.erase(load_id);
  resolver->Reject(context, error).FromMaybe(false);
}

void ModuleLoader::DropOwner(uint64_t owner) {
  for (auto it = loads_.begin(); it != loads_.end();) {
    it = it->second->owner == owner ? loads_.erase(it) : std::next(it);
  }
  for (auto it = evaluations_.begin(); it != evaluations_.end();) {
    if (it->owner != owner) {
      ++it;
      continue;
    }
    if (it->promise.Get(isolate_)->State() == v8::Promise::kPending) {
      for (size_t index : it->entries) map_.Unregister(index);
    }
    it = evaluations_.erase(it);
  }
}

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
    v8::Local<v8::Context> context, v8::Local<v8::Object> ns) {
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
    if (it != resolved.end()) return self->map_.at(it->second).module.Get(isolate);
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
  meta->CreateDataProperty(context, v8::String::NewFromUtf8Literal(isolate, "url"),
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
