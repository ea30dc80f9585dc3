#include "core/modules/module_loader.h"

#include "core/modules/module_helpers.h"
#include "core/runtime/script_origin.h"

#include "core/sandbox.h"
#include "wire/exception_description.h"
#include "wire/failure.h"
#include "wire/source_excerpt.h"

namespace mini_racer {

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

v8::MaybeLocal<v8::Promise> ModuleLoader::EvalSource(
    v8::Local<v8::Context> context, v8::Local<v8::String> source,
    const std::string& name, uint64_t owner) {
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

v8::MaybeLocal<v8::Promise> ModuleLoader::Import(
    v8::Local<v8::Context> context, v8::Local<v8::String> specifier,
    const std::string& referrer, bool json, uint64_t owner) {
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
        isolate_, v8_name,
        v8::MemorySpan<const v8::Local<v8::String>>(exports, 1),
        &JsonModuleSteps);
#else  // Node 20: a vector
    *module = v8::Module::CreateSyntheticModule(
        isolate_, v8_name,
        std::vector<v8::Local<v8::String>>(exports, exports + 1),
        &JsonModuleSteps);
#endif
    return true;
  }
  v8::TryCatch try_catch(isolate_);
  v8::ScriptOrigin origin = ScriptOriginOf(isolate_, v8_name, ScriptKind::kModule);
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

}  // namespace mini_racer
