#include "core/snapshot/setup_snapshot.h"

#include <string>

#include "core/limits/builtin_guard.h"
#include "core/limits/charged_objects.h"
#include "core/limits/guard_base.h"
#include "core/limits/guard_state.h"
#include "core/limits/memory_budget.h"
#include "core/limits/memory_monitor.h"
#include "core/limits/watchdog.h"
#include "core/runtime/foreground_task_queue.h"
#include "core/runtime/isolate_holder.h"
#include "core/runtime/script_origin.h"
#include "core/snapshot/context_additions.h"
#include "wire/exception_description.h"
#include "wire/failure.h"

namespace mini_racer {
namespace {

// An exception's name, message and stack, each at most this many UTF-16
// units: the setup is the embedder's own code, its errors are for them.
constexpr size_t kMaxDescribedUnits = 64 * 1024;

// V8 cannot put compiled WebAssembly in a startup snapshot (the serializer
// aborts the process), so none can be made while the setup runs.
bool RefuseWasmCodeGeneration(v8::Local<v8::Context>, v8::Local<v8::String>) {
  return false;
}


// What the recipe runs in: the snapshotting isolate and the limits that
// every sandbox call has.
class SnapshotRun {
 public:
  SnapshotRun(v8::Isolate* isolate, MemoryBudget* budget, double timeout_ms)
      : isolate_(isolate),
        memory_(isolate, budget, 0),
        watchdog_(isolate, [](uint64_t) {}),
        timeout_ms_(timeout_ms) {}

  // Runs one script of the recipe and the microtasks it queued. False with
  // *error set when it did not compile, threw, or hit a limit.
  bool RunStep(v8::Local<v8::Context> context, const std::string& code,
               const char* name, mr_value* error) {
    v8::HandleScope handle_scope(isolate_);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::String> source;
    if (!v8::String::NewFromUtf8(isolate_, code.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(code.size()))
             .ToLocal(&source)) {
      SetFailure(error, MR_ERROR_VALUE, "RangeError",
                 "the snapshot's setup is longer than V8's string limit");
      return false;
    }
    memory_.BeginCall();
    watchdog_.Begin(Watchdog::DeadlineAfter(timeout_ms_), 1);
    v8::ScriptOrigin origin = ScriptOriginOf(
        isolate_, v8::String::NewFromUtf8(isolate_, name).ToLocalChecked());
    v8::Local<v8::Script> script;
    mr_value_type failure = MR_ERROR_EXCEPTION;
    bool ok = false;
    if (!v8::Script::Compile(context, source, &origin).ToLocal(&script)) {
      failure = MR_ERROR_PARSE;
    } else if (!script->Run(context).IsEmpty()) {
      isolate_->PerformMicrotaskCheckpoint();
      ok = !try_catch.HasCaught();
    }
    memory_.CheckAfterRun();
    mr_value described{};
    if (!ok && try_catch.HasCaught() && !try_catch.HasTerminated()) {
      DescribeException(isolate_, context, try_catch, failure,
                        kMaxDescribedUnits, &described);
    }
    memory_.LeaveCall();
    Watchdog::Stop stop = watchdog_.End();
    bool cap_reached = memory_.CapReachedInCall();
    if (try_catch.HasTerminated() || isolate_->IsExecutionTerminating()) {
      isolate_->CancelTerminateExecution();
    }
    memory_.EndCall();
    if (cap_reached) {
      SetFailure(error, MR_ERROR_OUT_OF_MEMORY, "",
                 "the snapshot's setup reached its memory cap");
    } else if (Watchdog::IsTimeout(stop)) {
      SetFailure(error, MR_ERROR_TIMEOUT, "",
                 "the snapshot's setup exceeded its time limit");
    } else if (!ok) {
      *error = described;
      described = mr_value{};
    }
    mr_value_release(&described);
    return ok && !cap_reached && !Watchdog::IsTimeout(stop);
  }

 private:
  v8::Isolate* isolate_;
  MemoryMonitor memory_;
  Watchdog watchdog_;
  double timeout_ms_;
};

// What V8 would abort the process for, in a snapshot or a context made from
// one, kept out of the setup's reach. Made before the setup runs, from the
// pristine intrinsics (the setup may replace any global); Seal() after it.
class SerializableSurface {
 public:
  // The refusal's message, for the setup that made it.
  static constexpr const char* kRegisterRefused =
      "FinalizationRegistry.prototype.register is not available to a "
      "snapshot's setup";

  // False if the context could not be prepared.
  bool Prepare(v8::Isolate* isolate, v8::Local<v8::Context> context,
               const std::string& additions) {
    isolate_ = isolate;
    context_ = context;
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate);
    return ContextAdditions::MakeSealer(isolate, context, additions)
               .ToLocal(&sealer_) &&
           DisarmFinalizationRegistry();
  }

  // Restores register() and deletes what the setup defined where V8 will
  // define it (ContextAdditions). False with *error set when it cannot.
  bool Seal(mr_value* error) {
    v8::Context::Scope context_scope(context_);
    v8::TryCatch try_catch(isolate_);
    if (!SetHidden(registry_prototype_, "register", register_)) {
      SetFailure(error, MR_ERROR_SNAPSHOT, "",
                 "the setup froze FinalizationRegistry.prototype, whose "
                 "register() its snapshot must get back");
      return false;
    }
    v8::Local<v8::Value> refusal;
    if (!sealer_->Call(context_, context_->Global(), 0, nullptr)
             .ToLocal(&refusal) ||
        !refusal->IsString()) {
      SetFailure(error, MR_ERROR_SNAPSHOT, "",
                 "could not check what the setup changed in the builtins");
      return false;
    }
    if (refusal.As<v8::String>()->Length() > 0) {
      v8::String::Utf8Value message(isolate_, refusal);
      SetFailure(error, MR_ERROR_SNAPSHOT, "", *message);
      return false;
    }
    return true;
  }

 private:
  // A registry whose target dies before the snapshot is taken fails a V8
  // check in the serializer (a "dirty" registry), which aborts the process:
  // the setup gets a register() that throws instead.
  bool DisarmFinalizationRegistry() {
    v8::Local<v8::Value> registry;
    v8::Local<v8::Value> prototype;
    v8::Local<v8::Value> refusing;
    if (!context_->Global()->Get(context_, Name("FinalizationRegistry"))
             .ToLocal(&registry) ||
        !registry->IsObject() ||
        !registry.As<v8::Object>()
             ->Get(context_, Name("prototype"))
             .ToLocal(&prototype) ||
        !prototype->IsObject()) {
      return false;
    }
    registry_prototype_ = prototype.As<v8::Object>();
    std::string code = "(function register() { throw new TypeError(\"" +
                       std::string(kRegisterRefused) + "\"); })";
    v8::Local<v8::Script> script;
    return registry_prototype_->Get(context_, Name("register"))
               .ToLocal(&register_) &&
           v8::Script::Compile(context_,
                               v8::String::NewFromUtf8(isolate_, code.c_str())
                                   .ToLocalChecked())
               .ToLocal(&script) &&
           script->Run(context_).ToLocal(&refusing) &&
           SetHidden(registry_prototype_, "register", refusing);
  }

  v8::Local<v8::String> Name(const char* name) {
    return v8::String::NewFromUtf8(isolate_, name).ToLocalChecked();
  }
  // As builtins are: writable, configurable, not enumerable.
  bool SetHidden(v8::Local<v8::Object> holder, const char* name,
                 v8::Local<v8::Value> value) {
    v8::Maybe<bool> set = holder->DefineOwnProperty(context_, Name(name), value,
                                                    v8::DontEnum);
    return set.IsJust() && set.FromJust();
  }

  v8::Isolate* isolate_ = nullptr;
  v8::Local<v8::Context> context_;
  v8::Local<v8::Function> sealer_;
  v8::Local<v8::Object> registry_prototype_;
  v8::Local<v8::Value> register_;
};

}  // namespace

bool SetupSnapshot::Supported() { return IsolateHolder::CanMakeSnapshots(); }

std::shared_ptr<const SetupSnapshot> SetupSnapshot::Make(const Recipe& recipe,
                                                         mr_value* error) {
  if (!Supported()) {
    SetFailure(error, MR_ERROR_SNAPSHOT, "",
               "this Node line cannot make startup snapshots (V8 11.3 "
               "restores some of their state wrong): use Node 22 or later");
    return nullptr;
  }
  // Measured once per process, before this isolate exists.
  const std::string& additions = ContextAdditions::Measured();
  MemoryBudget budget(recipe.max_memory);
  BudgetedAllocator allocator(&budget);
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = &allocator;
  MemoryMonitor::ConfigureHeap(recipe.max_memory, &params.constraints);
  std::unique_ptr<IsolateHolder> holder = IsolateHolder::CreateSnapshotting(
      params, std::make_shared<ForegroundTaskQueue>());
  if (holder == nullptr) {
    SetFailure(error, MR_ERROR_INTERNAL, "Error",
               "could not create a V8 isolate for the snapshot");
    return nullptr;
  }
  v8::Isolate* isolate = holder->isolate();
  v8::SnapshotCreator* creator = holder->snapshot_creator();
  isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  isolate->SetAllowWasmCodeGenerationCallback(&RefuseWasmCodeGeneration);
  auto charged = std::make_unique<ChargedObjects>(isolate, &budget);
  GuardState guard_state{&budget, charged.get(), /*serializing=*/true};
  SetGuardState(isolate, &guard_state);
  bool made = false;
  size_t guard_base_index = 0;
  {
    SnapshotRun run(isolate, &budget, recipe.timeout_ms);
    v8::HandleScope handle_scope(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    SerializableSurface surface;
    v8::Local<v8::Object> guard_base;
    if (context.IsEmpty() || additions.empty() ||
        !surface.Prepare(isolate, context, additions) ||
        !GuardBase::Install(isolate, context).ToLocal(&guard_base) ||
        !charged->Install(context, guard_base) ||
        !BuiltinGuard::Install(isolate, context, recipe.max_memory,
                               guard_base)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not prepare the snapshot's context");
    } else if (run.RunStep(context, recipe.setup, "setup", error) &&
               (recipe.warmup.empty() ||
                run.RunStep(context, recipe.warmup, "warmup", error)) &&
               surface.Seal(error)) {
      // Objects whose memory lives outside V8's heap (Intl's ICU objects,
      // Atomics.waitAsync waiters) cannot be serialized: the setup may
      // make them, but not leave them alive.
      isolate->LowMemoryNotification();
      if (charged->live_objects() > 0) {
        SetFailure(error, MR_ERROR_SNAPSHOT, "",
                   "the setup left objects that a snapshot cannot hold "
                   "(Intl formatters, collators and the like, or pending "
                   "Atomics.waitAsync waits): make them on first use "
                   "instead");
      } else {
        // For the sandboxes to run the guards' hooks with
        // (GuardBase::RunDeserializedHooks).
        guard_base_index = creator->AddData(context, guard_base);
        creator->SetDefaultContext(context);
        made = true;
      }
    }
  }
  // The weak handles of the charges go before the serializer walks the heap.
  charged.reset();
  SetGuardState(isolate, nullptr);
  if (!made) return nullptr;
  v8::StartupData blob =
      creator->CreateBlob(v8::SnapshotCreator::FunctionCodeHandling::kKeep);
  if (blob.data == nullptr || blob.raw_size <= 0) {
    delete[] blob.data;
    SetFailure(error, MR_ERROR_SNAPSHOT, "",
               "V8 could not serialize the setup's state");
    return nullptr;
  }
  return std::shared_ptr<const SetupSnapshot>(
      new SetupSnapshot(blob, recipe.max_memory, guard_base_index));
}

}  // namespace mini_racer
