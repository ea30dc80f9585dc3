#include "core/sandbox.h"

#include <pthread.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <vector>

#include "core/limits/builtin_guard.h"
#include "core/limits/wasm_memory_guard.h"
#include "core/path_binder.h"
#include "core/runtime/call_owned_promises.h"
#include "core/runtime/queued_work.h"
#include "core/source_excerpt.h"
#include "core/value_codec.h"

namespace mini_racer {
namespace {

constexpr size_t kDefaultMaxMemory = 128u << 20;
// Stack the sandbox may use below the point where a call enters it. Node's
// own isolate stops at about 1 MB, so a call starts at most that deep and
// this fits in the smallest stack a Node thread has (4 MB for workers).
constexpr uintptr_t kStackBudget = 896u << 10;
// Stack kept free below the sandbox's limit for V8 to throw its RangeError
// and for the C++ (and host code) that runs under the deepest JS frame.
constexpr uintptr_t kStackMargin = 192u << 10;

// The lowest address of the calling thread's stack, or 0 if unknown.
uintptr_t ThreadStackLow() {
#if defined(__linux__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* address = nullptr;
  size_t size = 0;
  int status = pthread_attr_getstack(&attr, &address, &size);
  pthread_attr_destroy(&attr);
  return status == 0 ? reinterpret_cast<uintptr_t>(address) : 0;
#elif defined(__APPLE__)
  pthread_t self = pthread_self();
  return reinterpret_cast<uintptr_t>(pthread_get_stackaddr_np(self)) -
         pthread_get_stacksize_np(self);
#else
  return 0;
#endif
}

// Compiled scripts kept per sandbox, and the longest source kept.
constexpr size_t kMaxCachedScripts = 64;
constexpr size_t kMaxCachedScriptUnits = 4096;

// Isolate data slot holding the Sandbox, for V8 callbacks.
constexpr uint32_t kSandboxSlot = 0;
// Limit for defining an exposed function (the path may run getters).
constexpr double kExposeTimeoutMs = 1000;

const char* const kConsoleMethods[][2] = {
    {"log", "log"},     {"info", "info"},   {"warn", "warn"},
    {"error", "error"}, {"debug", "debug"}, {"trace", "debug"},
    {"dir", "log"}};

// A sandbox Error made from a host failure: the name picks the constructor
// for the standard kinds, and is set as `name` otherwise; no host stack.
v8::Local<v8::Value> ErrorFromFailure(v8::Isolate* isolate,
                                      const mr_value& failure) {
  const char* text = reinterpret_cast<const char*>(failure.data);
  std::string parts[2];
  size_t part = 0;
  for (size_t i = 0; i < failure.length && part < 2; ++i) {
    if (text[i] == '\0') {
      ++part;
    } else {
      parts[part].push_back(text[i]);
    }
  }
  v8::Local<v8::String> message =
      v8::String::NewFromUtf8(isolate, parts[1].data(),
                              v8::NewStringType::kNormal,
                              static_cast<int>(parts[1].size()))
          .FromMaybe(v8::String::Empty(isolate));
  const std::string& name = parts[0];
  if (name == "TypeError") return v8::Exception::TypeError(message);
  if (name == "RangeError") return v8::Exception::RangeError(message);
  if (name == "SyntaxError") return v8::Exception::SyntaxError(message);
  if (name == "ReferenceError") return v8::Exception::ReferenceError(message);
  v8::Local<v8::Value> error = v8::Exception::Error(message);
  if (!name.empty() && name != "Error" && error->IsObject()) {
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    error.As<v8::Object>()
        ->CreateDataProperty(
            context, v8::String::NewFromUtf8Literal(isolate, "name"),
            v8::String::NewFromUtf8(isolate, name.data(),
                                    v8::NewStringType::kNormal,
                                    static_cast<int>(name.size()))
                .FromMaybe(v8::String::Empty(isolate)))
        .FromMaybe(false);
  }
  return error;
}

// Deep copy of an input value (its data is borrowed).
mr_value CopyValue(const mr_value& in) {
  mr_value copy = in;
  copy.data = nullptr;
  if (in.data != nullptr && in.length > 0) {
    auto* bytes = static_cast<uint8_t*>(std::malloc(in.length));
    if (bytes == nullptr) {
      SetFailure(&copy, MR_ERROR_EXCEPTION, "RangeError", "out of memory");
      return copy;
    }
    std::memcpy(bytes, in.data, in.length);
    copy.data = bytes;
  } else {
    copy.length = 0;
  }
  return copy;
}

const char kExhaustedMessage[] =
    "the sandbox reached its memory cap and could not free enough memory; "
    "create a new MiniRacer";

}  // namespace

Sandbox::Sandbox(size_t max_memory)
    : budget_(max_memory),
      allocator_(&budget_),
      tasks_(std::make_shared<ForegroundTaskQueue>()) {}

std::unique_ptr<Sandbox> Sandbox::Create(const mr_sandbox_options& options,
                                         mr_value* error) {
  size_t max_memory =
      options.max_memory ? options.max_memory : kDefaultMaxMemory;
  std::unique_ptr<Sandbox> sandbox(new Sandbox(max_memory));
  sandbox->max_result_bytes_ =
      options.max_result_bytes ? options.max_result_bytes : max_memory;
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = &sandbox->allocator_;
  MemoryMonitor::ConfigureHeap(max_memory, &params.constraints);
  sandbox->holder_ = IsolateHolder::Create(params, sandbox->tasks_);
  if (!sandbox->holder_) {
    SetFailure(error, MR_ERROR_INTERNAL, "Error",
               "could not create a V8 isolate");
    return nullptr;
  }
  v8::Isolate* isolate = sandbox->isolate_ = sandbox->holder_->isolate();
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    sandbox->memory_ = std::make_unique<MemoryMonitor>(
        isolate, &sandbox->budget_, options.soft_memory);
    sandbox->timers_ = std::make_unique<TimerQueue>(isolate);
    sandbox->handles_ =
        std::make_unique<HandleTable>(isolate, &sandbox->budget_);
    isolate->SetData(kSandboxSlot, sandbox.get());
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    if (context.IsEmpty()) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not create a V8 context");
      return nullptr;
    }
    if (!WasmMemoryGuard::Install(isolate, context, &sandbox->budget_)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the WebAssembly memory guard");
      return nullptr;
    }
    sandbox->charged_objects_ =
        std::make_unique<ChargedObjects>(isolate, &sandbox->budget_);
    if (!sandbox->charged_objects_->Install(context)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the off-heap memory charges");
      return nullptr;
    }
    if (!BuiltinGuard::Install(isolate, context, max_memory)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the builtin guard");
      return nullptr;
    }
    if (!sandbox->timers_->Install(context)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the timer functions");
      return nullptr;
    }
    v8::Context::Scope context_scope(context);
    // After the WebAssembly guard, whose compile and instantiate it wraps.
    sandbox->owned_promises_ = std::make_unique<CallOwnedPromises>(isolate);
    if (!sandbox->owned_promises_->Install(context)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the call-owned promises");
      return nullptr;
    }
    if (!sandbox->natives_guard_.ProbeSafe(isolate, context)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 NativesSyntaxGuard::kRefusal);
      return nullptr;
    }
    if (!sandbox->InstallConsole(context)) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not install the console");
      return nullptr;
    }
    v8::Local<v8::Value> probe;
    if (!v8::Script::Compile(
             context,
             v8::String::NewFromUtf8Literal(isolate, "(function () {})"))
             .ToLocalChecked()
             ->Run(context)
             .ToLocal(&probe) ||
        !probe->IsFunction()) {
      SetFailure(error, MR_ERROR_INTERNAL, "Error",
                 "could not create the interrupt probe");
      return nullptr;
    }
    sandbox->interrupt_probe_.Reset(isolate, probe.As<v8::Function>());
    sandbox->context_.Reset(isolate, context);
    sandbox->eval_origin_.Reset(
        isolate, v8::String::NewFromUtf8Literal(isolate, "<eval>"));
  }
  sandbox->watchdog_ = std::make_unique<Watchdog>(isolate);
  return sandbox;
}

Sandbox::~Sandbox() {
  closing_.store(true, std::memory_order_release);
  // The async thread goes first: it may be running or waiting in a call,
  // which ends as closed; queued calls complete as closed too.
  if (thread_) {
    tasks_->SetWaker(nullptr);
    thread_->Stop([this] { watchdog_->Cancel(); });
  }
  // The watchdog thread must be gone before the isolate it terminates.
  watchdog_.reset();
  // Sandboxes are freed on the thread that made their synchronous calls
  // (the binding's JavaScript thread), which owns the parked state.
  parked_host_state_.Release();
  if (isolate_ != nullptr) {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    timers_.reset();
    owned_promises_.reset();
    handles_.reset();
    charged_objects_.reset();
    host_promises_.clear();
    script_cache_.clear();
    eval_origin_.Reset();
    interrupt_probe_.Reset();
    context_.Reset();
    memory_.reset();
    tasks_->Clear();
  }
  holder_.reset();
  tasks_->Clear();
  for (auto& settlement : settlements_) mr_value_release(&settlement.second);
}

void Sandbox::FitStackLimitToThisThread() {
  std::thread::id current = std::this_thread::get_id();
  if (current == stack_limit_thread_) return;
  stack_limit_thread_ = current;
  auto here = reinterpret_cast<uintptr_t>(&current);
  uintptr_t limit = here > kStackBudget ? here - kStackBudget : 0;
  // Never past the thread's own stack, whatever depth the first call comes
  // from or however small the thread's stack is (a Worker may have 512 KB):
  // keep room for the C++ that runs below the last JS frame.
  uintptr_t low = ThreadStackLow();
  if (low != 0 && limit < low + kStackMargin) limit = low + kStackMargin;
  isolate_->SetStackLimit(limit);
}

std::string Sandbox::ToUtf8(v8::Local<v8::Value> value) {
  v8::Local<v8::String> text;
  if (value.IsEmpty() ||
      !value->ToString(isolate_->GetCurrentContext()).ToLocal(&text)) {
    return {};
  }
  // An error's name, message and stack go to the host together: each gets
  // a third of maxResultBytes (a UTF-16 unit is at most 3 bytes of UTF-8).
  return Utf8Excerpt(isolate_, text, 0, max_result_bytes_ / 9);
}

template <typename Body>
bool Sandbox::RunSlice(uint64_t call_id, Deadline deadline_spec,
                       const std::atomic<bool>* cancelled, bool sync,
                       mr_value* out, Body&& body) {
  if (exhausted_.load(std::memory_order_relaxed)) {
    if (sync) sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
    SetFailure(out, MR_ERROR_OUT_OF_MEMORY, "JSOOMError", kExhaustedMessage);
    return true;
  }
  // A call's limit counts from its start: time spent waiting for the
  // isolate (an async step holding it) is part of it.
  Clock::time_point deadline =
      std::holds_alternative<SyncDeadline>(deadline_spec)
          ? Watchdog::DeadlineAfter(
                std::get<SyncDeadline>(deadline_spec).timeout_ms)
          : std::get<Clock::time_point>(deadline_spec);
  if (slice_owner_.load(std::memory_order_acquire) ==
      std::this_thread::get_id()) {
    // Called back from a host function of a call running on this thread.
    if (sync) sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
    return RunNestedSlice(deadline, out, body);
  }
  // Wakes a host thread waiting for the isolate once it is released (this
  // is destroyed after `turn`).
  struct ReleaseNotice {
    HostBridge* bridge;
    ~ReleaseNotice() { bridge->NotifyReleased(); }
  } release_notice{&bridge_};
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (!turn.owns_lock()) {
    Acquired acquired = Acquired::kLocked;
    if (sync && bridge_.OnHostThread()) {
      bool finished = true;
      acquired = AcquireOnHostThread(&turn, deadline, [&] {
        finished = RunSlice(call_id, deadline, cancelled, false, out, body);
      });
      if (acquired == Acquired::kHandedOver) {
        sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
        return finished;
      }
    } else if (deadline == Clock::time_point::max()) {
      turn.lock();
    } else if (!turn.try_lock_until(deadline)) {
      acquired = Acquired::kTimedOut;
    }
    if (acquired == Acquired::kTimedOut) {
      if (sync) sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
      SetFailure(out, MR_ERROR_TIMEOUT, "JSTimeoutError",
                 "the call exceeded its time limit waiting for the sandbox, "
                 "which an async call was using");
      return true;
    }
  }
  // The first synchronous caller's thread state stays archived between
  // calls, so this Locker restores it instead of rebuilding it.
  if (sync) parked_host_state_.ParkOnce(isolate_);
  v8::Locker locker(isolate_);
  if (sync) sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
  slice_owner_.store(std::this_thread::get_id(), std::memory_order_release);
  struct OwnerReset {
    std::atomic<std::thread::id>* owner;
    ~OwnerReset() { owner->store(std::thread::id(), std::memory_order_release); }
  } owner_reset{&slice_owner_};
  current_call_id_ = call_id;
  tasks_->SetRunningCall(call_id, std::this_thread::get_id());
  v8::Isolate::Scope isolate_scope(isolate_);
  FitStackLimitToThisThread();
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  handles_->ApplyReleases();

  timers_->set_owner(call_id);
  owned_promises_->set_owner(call_id);
  memory_->BeginCall();
  watchdog_->Begin(deadline, call_id);
  // A cancel or close that came before Begin found nothing to terminate.
  if ((cancelled != nullptr && cancelled->load(std::memory_order_acquire)) ||
      closing_.load(std::memory_order_acquire)) {
    watchdog_->CancelCall(call_id);
  }
  Outcome outcome;
  mr_value described{};
  Step step;
  bool terminated;
  {
    // The call's values (its arguments above all) die with this scope, so
    // that a GC after a cap hit can free them.
    v8::HandleScope call_scope(isolate_);
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::Value> result;
    step = RefuseIfUnsafeFlags(&outcome) ? Step::kFailed
                                         : body(context, &result, &outcome);
    memory_->CheckAfterRun();
    if (memory_->HeapCapReachedInCall()) step = Step::kFailed;
    // Describing an error may run sandbox code (getters on the error), so
    // it happens while the watchdog still guards the call.
    CopyOutOrDescribe(context, try_catch, result, &step, &outcome, out,
                      &described);
    // Work the call queued after its last checkpoint (a getter run while
    // the result was copied, a script that threw) runs now, under its
    // limit: never at the start of the next call. A primitive result ran
    // no code since that checkpoint.
    if (step != Step::kPending &&
        (step == Step::kFailed || (!result.IsEmpty() && result->IsObject())) &&
        !isolate_->IsExecutionTerminating()) {
      QueuedWork::Run(isolate_, tasks_.get(), &Sandbox::AfterTask, this);
      if (isolate_->IsExecutionTerminating() && step == Step::kValue) {
        mr_value_release(out);
        *out = mr_value{};
        step = Step::kFailed;
      }
    }
    terminated = try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
  }
  memory_->LeaveCall();
  Watchdog::Stop stop = watchdog_->End();
  bool cap_reached = memory_->CapReachedInCall();
  if (terminated || stop != Watchdog::Stop::kNone || cap_reached) {
    isolate_->CancelTerminateExecution();
    // A stopped call's queued microtasks would run at the start of the
    // next call (outside this call's limit): they are dropped.
    QueuedWork::DropMicrotasks(isolate_);
    // A call stopped here is over, even if its script got through: it ran
    // past its limit (or was cancelled), so its result is not given.
    if (stop != Watchdog::Stop::kNone && step == Step::kValue) {
      mr_value_release(out);
      *out = mr_value{};
      step = Step::kFailed;
    }
    if (step == Step::kPending) step = Step::kFailed;
  }
  if (step == Step::kFailed) {
    // (described is empty when terminated: CopyOutOrDescribe skips it.)
    SetCallFailure(out, cap_reached, stop,
                   closing_.load(std::memory_order_acquire), terminated,
                   &described);
  }
  mr_value_release(&described);
  if (cap_reached && !memory_->RecoverAfterCap()) {
    exhausted_.store(true, std::memory_order_relaxed);
  }
  memory_->EndCall();
  if (!sync) {
    // Async steps are few and slow enough to refresh the figures that
    // heapStats reports while the sandbox is busy.
    v8::HeapStatistics stats;
    isolate_->GetHeapStatistics(&stats);
    memory_->RecordHeapFigures(stats);
  }
  // A load first: the exchange (a locked write) only when it was asked for.
  if (low_memory_requested_.load(std::memory_order_relaxed) &&
      low_memory_requested_.exchange(false, std::memory_order_relaxed)) {
    isolate_->LowMemoryNotification();
  }
  bool finished = step != Step::kPending;
  if (finished) {
    timers_->ClearOwner(call_id);
    owned_promises_->DropOwner(call_id);
    DropHostPromises(call_id);
  }
  current_call_id_ = 0;
  tasks_->SetRunningCall(0, std::thread::id());
  return finished;
}

void Sandbox::AfterTask(void* context, uint64_t owner) {
  auto* self = static_cast<Sandbox*>(context);
  v8::Isolate* isolate = self->isolate_;
  // A call being stopped drops everything queued when it ends.
  if (isolate->IsExecutionTerminating() ||
      self->watchdog_->Peek() != Watchdog::Stop::kNone) {
    return;
  }
  // A task posted from another thread (an async WebAssembly compile that
  // finished) is the waiting async call's, if one waits: only such a call
  // can be waiting for it.
  bool open = owner != 0
                  ? self->CallOpen(owner)
                  : self->async_running_.load(std::memory_order_acquire);
  if (open) {
    // Its continuations run now, in order with the tasks after it.
    isolate->PerformMicrotaskCheckpoint();
  } else {
    // A task of a call that has ended (an Atomics.waitAsync timeout that
    // came after the call returned): what it settled belongs to that call,
    // and nothing of it may run in this one.
    QueuedWork::DropMicrotasks(isolate);
  }
}

bool Sandbox::CallOpen(uint64_t call_id) {
  if (call_id == current_call_id_) return true;
  std::lock_guard<std::mutex> lock(thread_mutex_);
  return thread_ && thread_->IsRunning(call_id);
}

template <typename Body>
bool Sandbox::RunNestedSlice(Clock::time_point deadline, mr_value* out,
                             Body&& body) {
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  Outcome outcome;
  mr_value described{};
  Step step;
  bool terminated;
  {
    v8::TryCatch try_catch(isolate_);
    v8::Local<v8::Value> result;
    watchdog_->BeginNested(deadline);
    ++nesting_;
    step = RefuseIfUnsafeFlags(&outcome) ? Step::kFailed
                                         : body(context, &result, &outcome);
    --nesting_;
    if (step == Step::kPending) step = Step::kFailed;  // sync bodies only
    CopyOutOrDescribe(context, try_catch, result, &step, &outcome, out,
                      &described);
    terminated =
        try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
  }
  // Stopped by its own deadline only: the termination is cancelled and the
  // enclosing call goes on (the host function sees JSTimeoutError). Any
  // other stop is left pending: the outer slice ends with it too.
  bool cap_reached = memory_->CapReachedInCall();
  Watchdog::NestedEnd end = watchdog_->EndNested(!cap_reached);
  if ((terminated || end.stop != Watchdog::Stop::kNone) &&
      step == Step::kValue) {
    mr_value_release(out);
    *out = mr_value{};
    step = Step::kFailed;
  }
  if (step == Step::kFailed) {
    // A close shows as a cancel here: the outer slice reports the close.
    SetCallFailure(out, cap_reached, end.stop, /*closing=*/false, terminated,
                   &described);
  }
  mr_value_release(&described);
  return true;
}

bool Sandbox::RefuseIfUnsafeFlags(Outcome* outcome) {
  if (natives_guard_.Safe(isolate_, isolate_->GetCurrentContext())) {
    return false;
  }
  outcome->failure = MR_ERROR_INTERNAL;
  isolate_->ThrowException(v8::Exception::Error(
      v8::String::NewFromUtf8Literal(isolate_, NativesSyntaxGuard::kRefusal)));
  return true;
}

void Sandbox::SetCallFailure(mr_value* out, bool cap_reached,
                             Watchdog::Stop stop, bool closing,
                             bool terminated, mr_value* described) {
  // In order of precedence: the cap, the time limit, a cancel (or close),
  // then the sandbox's own exception, if termination did not cut it short.
  if (cap_reached) {
    SetFailure(out, MR_ERROR_OUT_OF_MEMORY, "JSOOMError",
               "the sandbox reached its memory cap");
  } else if (stop == Watchdog::Stop::kTimedOut) {
    SetFailure(out, MR_ERROR_TIMEOUT, "JSTimeoutError",
               "the call exceeded its time limit", watchdog_->StoppedStack());
  } else if (stop == Watchdog::Stop::kCancelled && closing) {
    SetFailure(out, MR_ERROR_CLOSED, "ContextClosedError",
               "the MiniRacer was closed during the call");
  } else if (stop == Watchdog::Stop::kCancelled) {
    SetFailure(out, MR_ERROR_CANCELLED, "JSCancelledError",
               "the call was cancelled");
  } else if (described->data != nullptr && !terminated) {
    *out = *described;
    *described = mr_value{};
  } else {
    SetFailure(out, MR_ERROR_INTERNAL, "Error",
               terminated ? "the call was terminated"
                          : "the call failed without an exception");
  }
}

Sandbox::Acquired Sandbox::AcquireOnHostThread(
    std::unique_lock<std::timed_mutex>* turn, Clock::time_point deadline,
    const std::function<void()>& run_elsewhere) {
  for (;;) {
    // Inside one of our host functions, called from the sandbox's thread,
    // which holds the isolate while it waits: the call goes to it.
    if (bridge_.host_depth() > 0 && bridge_.SandboxThreadWaiting() &&
        bridge_.RunOnSandboxThread(run_elsewhere)) {
      return Acquired::kHandedOver;
    }
    // Else the sandbox's thread may be waiting for host calls only this
    // thread can answer.
    bridge_.RunHostRequests();
    if (turn->try_lock()) return Acquired::kLocked;
    if (Clock::now() >= deadline) return Acquired::kTimedOut;
    bridge_.WaitForWork(std::chrono::microseconds(500));
    if (turn->try_lock()) return Acquired::kLocked;
  }
}

void Sandbox::CopyOutOrDescribe(v8::Local<v8::Context> context,
                                const v8::TryCatch& try_catch,
                                v8::Local<v8::Value> result, Step* step,
                                Outcome* outcome, mr_value* out,
                                mr_value* described) {
  if (*step == Step::kValue) {
    bool clone_error = false;
    CopyBudget budget(max_result_bytes_);
    if (!ValueCodec::Encode(isolate_, context, result, outcome->mode,
                            handles_.get(), &budget, out, &clone_error)) {
      *step = Step::kFailed;
      if (clone_error) outcome->failure = MR_ERROR_VALUE;
    }
  }
  if (*step == Step::kFailed && try_catch.HasCaught() &&
      !try_catch.HasTerminated()) {
    DescribeException(context, try_catch, outcome->failure, described);
  }
}

Sandbox::Step Sandbox::Settle(v8::Local<v8::Context> context,
                              v8::Local<v8::Value>* result,
                              Outcome* outcome) {
  if (nesting_ == 0) QueuedWork::Run(isolate_, tasks_.get(), &Sandbox::AfterTask, this);
  if (isolate_->IsExecutionTerminating()) return Step::kFailed;
  if (!(*result)->IsPromise()) return Step::kValue;
  auto promise = result->As<v8::Promise>();
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      *result = promise->Result();
      return Step::kValue;
    case v8::Promise::kRejected:
      promise->MarkAsHandled();
      outcome->failure = MR_ERROR_PROMISE_REJECTED;
      isolate_->ThrowException(promise->Result());
      return Step::kFailed;
    case v8::Promise::kPending:
      break;
  }
  return Step::kPending;
}

Sandbox::Step Sandbox::SettleSync(v8::Local<v8::Context> context,
                                  v8::Local<v8::Value>* result,
                                  Outcome* outcome) {
  Step step = Settle(context, result, outcome);
  if (step != Step::kPending) return step;
  isolate_->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8Literal(
          isolate_,
          "the result is a Promise that has not settled; a synchronous call "
          "cannot wait for it (use evalAsync or callAsync)")));
  return Step::kFailed;
}

void Sandbox::WakeAsyncCall() {
  if (!async_running_.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(thread_mutex_);
  if (thread_) thread_->Wake();
}

uint64_t Sandbox::PostAsync(std::unique_ptr<AsyncCall> call) {
  uint64_t id = call->id =
      next_call_id_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(thread_mutex_);
    if (!thread_ && !closing_.load(std::memory_order_acquire)) {
      thread_ = std::make_unique<SandboxThread>(
          [this](AsyncCall& call) { RunAsync(call); });
      SandboxThread* thread = thread_.get();
      // V8 posting a task (async wasm compilation done, a GC finalizer)
      // may be what a waiting call needs.
      tasks_->SetWaker([thread] { thread->Wake(); });
    }
    if (thread_ && thread_->Post(call)) return id;
  }
  mr_value closed{};
  SetFailure(&closed, MR_ERROR_CLOSED, "ContextClosedError",
             "the MiniRacer is closed");
  call->Complete(&closed);
  return id;
}

uint64_t Sandbox::EvalAsync(const uint16_t* code, size_t units,
                            double timeout_ms, int flags,
                            mr_completion completion, void* user_data) {
  auto call = std::make_unique<AsyncCall>();
  call->kind = AsyncCall::Kind::kEval;
  call->flags = flags;
  call->text.assign(reinterpret_cast<const char16_t*>(code), units);
  call->timeout_ms = timeout_ms;
  call->completion = completion;
  call->user_data = user_data;
  return PostAsync(std::move(call));
}

uint64_t Sandbox::CallAsync(const uint16_t* path, size_t units,
                            const mr_value* args, size_t argc,
                            double timeout_ms, int flags,
                            mr_completion completion, void* user_data) {
  auto call = std::make_unique<AsyncCall>();
  call->kind = AsyncCall::Kind::kCall;
  call->flags = flags;
  call->text.assign(reinterpret_cast<const char16_t*>(path), units);
  CopyArgs(call.get(), args, argc);
  call->timeout_ms = timeout_ms;
  call->completion = completion;
  call->user_data = user_data;
  return PostAsync(std::move(call));
}

uint64_t Sandbox::HandleCallAsync(uint32_t handle, const mr_value* args,
                                  size_t argc, double timeout_ms, int flags,
                                  mr_completion completion, void* user_data) {
  auto call = std::make_unique<AsyncCall>();
  call->kind = AsyncCall::Kind::kHandleCall;
  call->flags = flags;
  call->handle = handle;
  CopyArgs(call.get(), args, argc);
  call->timeout_ms = timeout_ms;
  call->completion = completion;
  call->user_data = user_data;
  return PostAsync(std::move(call));
}

void Sandbox::CopyArgs(AsyncCall* call, const mr_value* args, size_t argc) {
  call->args.assign(args, args + argc);
  call->arg_bytes.resize(argc);
  for (size_t i = 0; i < argc; ++i) {
    // Inputs are borrowed only for the duration of this function.
    if (args[i].data != nullptr && args[i].length > 0) {
      call->arg_bytes[i].assign(args[i].data, args[i].data + args[i].length);
      call->args[i].data = call->arg_bytes[i].data();
    } else {
      call->args[i].data = nullptr;
      call->args[i].length = 0;
    }
  }
}

void Sandbox::CancelAsync(uint64_t call_id) {
  std::unique_ptr<AsyncCall> queued;
  uint64_t running = 0;
  {
    std::lock_guard<std::mutex> lock(thread_mutex_);
    if (!thread_) return;
    queued = thread_->Cancel(call_id, &running);
  }
  if (queued) {
    mr_value cancelled{};
    SetFailure(&cancelled, MR_ERROR_CANCELLED, "JSCancelledError",
               "the call was cancelled before it ran");
    queued->Complete(&cancelled);
  } else if (running != 0) {
    // The script running is the call's own, or that of a call nested in it.
    watchdog_->CancelCall(running);
  }
}

void Sandbox::NestAsync(uint64_t call_id, uint64_t parent_id) {
  std::lock_guard<std::mutex> lock(thread_mutex_);
  if (thread_) thread_->Nest(call_id, parent_id);
}

void Sandbox::RunAsync(AsyncCall& call, Clock::time_point outer_deadline) {
  // Nested calls (see mr_call_nest) end with the call they run in: its flag
  // is restored afterwards.
  bool was_running = async_running_.exchange(true, std::memory_order_acq_rel);
  AsyncState state{&call,
                   std::min(Watchdog::DeadlineAfter(call.timeout_ms),
                            outer_deadline),
                   {}};
  mr_value out{};
  if (call.outer != nullptr && call.Cancelled()) {
    SetFailure(&out, MR_ERROR_CANCELLED, "JSCancelledError",
               "the call was cancelled before it ran");
    async_running_.store(was_running, std::memory_order_release);
    call.Complete(&out);
    return;
  }
  YieldToSyncCallers();
  bool finished = RunSlice(
      call.id, state.deadline, &call.cancelled, false, &out,
      [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
          Outcome* outcome) {
        const auto* text = reinterpret_cast<const uint16_t*>(call.text.data());
        if (call.flags & MR_RESULT_HANDLES) {
          outcome->mode = ValueCodec::Mode::kHandles;
        }
        bool ran = false;
        switch (call.kind) {
          case AsyncCall::Kind::kEval:
            ran = RunEval(context, text, call.text.size(), result, outcome);
            break;
          case AsyncCall::Kind::kCall:
            ran = RunPathCall(context, text, call.text.size(),
                              call.args.data(), call.args.size(), result,
                              outcome);
            break;
          case AsyncCall::Kind::kHandleCall:
            ran = RunHandleOp(context, MR_HANDLE_CALL, call.handle,
                              call.args.data(), call.args.size(), result,
                              outcome);
            break;
        }
        if (!ran) return Step::kFailed;
        Step step = Settle(context, result, outcome);
        if (step == Step::kPending) {
          state.promise.Reset(isolate_, result->As<v8::Promise>());
          state.next_timer = timers_->NextDue(call.id);
        } else if (step == Step::kValue &&
                   (call.flags & MR_EVAL_DISCARD_RESULT)) {
          *result = v8::Undefined(isolate_);
        }
        return step;
      });
  while (!finished) finished = StepAsync(state, &out);
  if (!state.promise.IsEmpty()) {
    std::lock_guard<std::timed_mutex> turn(slice_mutex_);
    v8::Locker locker(isolate_);
    state.promise.Reset();
  }
  async_running_.store(was_running, std::memory_order_release);
  // Its console output goes to the host before its result.
  bridge_.DrainOneWay([this] { return closing_.load(std::memory_order_acquire); });
  call.Complete(&out);
}

bool Sandbox::StepAsync(AsyncState& state, mr_value* out) {
  AsyncCall& call = *state.call;
  // Console output of the last slice reaches the host while this waits.
  bridge_.DrainOneWay([&] {
    return closing_.load(std::memory_order_acquire) || call.Cancelled() ||
           Clock::now() >= state.deadline;
  });
  // Calls its host functions made (and may wait for) run now, nested: queued
  // behind it they would never run.
  bool ran_nested = !closing_.load(std::memory_order_acquire) &&
                    !call.Cancelled() && Clock::now() < state.deadline &&
                    thread_->RunNestedCalls(call, [&](AsyncCall& nested) {
                      RunAsync(nested, state.deadline);
                    });
  Clock::time_point wake_at =
      std::min({state.deadline, state.next_timer, tasks_->NextDue()});
  if (!ran_nested && wake_at > Clock::now() && !call.Cancelled() &&
      !closing_.load(std::memory_order_acquire)) {
    thread_->WaitUntil(wake_at);
  }
  if (closing_.load(std::memory_order_acquire)) {
    AbandonAsync(state, MR_ERROR_CLOSED, out);
    return true;
  }
  if (call.Cancelled()) {
    AbandonAsync(state, MR_ERROR_CANCELLED, out);
    return true;
  }
  if (Clock::now() >= state.deadline) {
    AbandonAsync(state, MR_ERROR_TIMEOUT, out);
    return true;
  }
  YieldToSyncCallers();
  return RunSlice(
      call.id, state.deadline, &call.cancelled, false, out,
      [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
          Outcome* outcome) {
        if (call.flags & MR_RESULT_HANDLES) {
          outcome->mode = ValueCodec::Mode::kHandles;
        }
        ApplyHostSettlements(context);
        if (!timers_->RunDue(context, call.id)) return Step::kFailed;
        *result = state.promise.Get(isolate_);
        Step step = Settle(context, result, outcome);
        if (step == Step::kPending) {
          state.next_timer = timers_->NextDue(call.id);
        } else if (step == Step::kValue &&
                   (call.flags & MR_EVAL_DISCARD_RESULT)) {
          *result = v8::Undefined(isolate_);
        }
        return step;
      });
}

void Sandbox::AbandonAsync(AsyncState& state, mr_value_type type,
                           mr_value* out) {
  switch (type) {
    case MR_ERROR_TIMEOUT:
      SetFailure(out, type, "JSTimeoutError",
                 "the call exceeded its time limit");
      break;
    case MR_ERROR_CANCELLED:
      SetFailure(out, type, "JSCancelledError", "the call was cancelled");
      break;
    default:
      SetFailure(out, type, "ContextClosedError",
                 "the MiniRacer was closed during the call");
      break;
  }
  std::lock_guard<std::timed_mutex> turn(slice_mutex_);
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  timers_->ClearOwner(state.call->id);
  owned_promises_->DropOwner(state.call->id);
  DropHostPromises(state.call->id);
  state.promise.Reset();
}

void Sandbox::YieldToSyncCallers() {
  for (int spins = 0; sync_waiting_.load(std::memory_order_relaxed) > 0;
       ++spins) {
    if (spins < 64) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
}

void Sandbox::DescribeException(v8::Local<v8::Context> context,
                                const v8::TryCatch& try_catch,
                                mr_value_type type, mr_value* out) {
  v8::Local<v8::Value> exception = try_catch.Exception();
  v8::Local<v8::Message> message = try_catch.Message();
  std::string name, text, stack;
  {
    // Reading the error may throw again (a throwing getter): keep what we
    // have and do not let it escape.
    v8::TryCatch inner(isolate_);
    if (exception->IsNativeError()) {
      auto error = exception.As<v8::Object>();
      v8::Local<v8::Value> value;
      if (error->Get(context, v8::String::NewFromUtf8Literal(isolate_, "name"))
              .ToLocal(&value)) {
        name = ToUtf8(value);
      }
      if (error
              ->Get(context,
                    v8::String::NewFromUtf8Literal(isolate_, "message"))
              .ToLocal(&value)) {
        text = ToUtf8(value);
      }
      if (try_catch.StackTrace(context).ToLocal(&value) && value->IsString()) {
        stack = ToUtf8(value);
      } else if (error
                     ->Get(context,
                           v8::String::NewFromUtf8Literal(isolate_, "stack"))
                     .ToLocal(&value) &&
                 value->IsString()) {
        // A rejection reason thrown again by the sandbox (a rejected
        // promise's result), which TryCatch does not see as thrown here.
        stack = ToUtf8(value);
      }
    } else if (!message.IsEmpty()) {
      // Not an Error: V8's own rendering of the thrown value runs no
      // sandbox code. It reads "Uncaught <value>".
      text = ToUtf8(message->Get());
      static const char kPrefix[] = "Uncaught ";
      if (text.rfind(kPrefix, 0) == 0) text.erase(0, sizeof(kPrefix) - 1);
    }
  }
  if (type == MR_ERROR_PARSE && !message.IsEmpty()) {
    // A syntax error has no JS stack; show where in the source it is.
    // (V8 knows no position when its parser ran out of stack.)
    std::string where = DescribeSourcePosition(isolate_, context, message);
    stack = (where.empty() ? "" : where + "\n") + name + ": " + text;
  }
  SetFailure(out, type, name, text, stack);
}

template <typename Body>
void Sandbox::RunSyncCall(double timeout_ms, int flags, mr_value* out,
                          Body&& body) {
  uint64_t id = next_call_id_.fetch_add(1, std::memory_order_relaxed);
  // Counted until the slice holds the isolate: the async thread lets it in.
  sync_waiting_.fetch_add(1, std::memory_order_relaxed);
  RunSlice(id, SyncDeadline{timeout_ms}, nullptr, true, out,
           [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
               Outcome* outcome) {
             if (flags & MR_RESULT_HANDLES) {
               outcome->mode = ValueCodec::Mode::kHandles;
             }
             return body(context, result, outcome);
           });
  WakeAsyncCall();
}

void Sandbox::Eval(const uint16_t* code, size_t units, double timeout_ms,
                   int flags, mr_value* out) {
  RunSyncCall(timeout_ms, flags, out,
              [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
                  Outcome* outcome) {
             if (!RunEval(context, code, units, result, outcome)) {
               return Step::kFailed;
             }
             if (flags & MR_EVAL_DISCARD_RESULT) {
               *result = v8::Undefined(isolate_);
             }
             return SettleSync(context, result, outcome);
           });
}

bool Sandbox::RunEval(v8::Local<v8::Context> context, const uint16_t* code,
                      size_t units, v8::Local<v8::Value>* result,
                      Outcome* outcome) {
  v8::Local<v8::Script> script;
  if (FindCachedScript(code, units, &script)) {
    return script->Run(context).ToLocal(result);
  }
  if (units * sizeof(uint16_t) > budget_.max_bytes()) {
    // Its string alone would not fit: refuse it before it fills the heap.
    outcome->failure = MR_ERROR_OUT_OF_MEMORY;
    isolate_->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(
            isolate_, "the code is larger than the sandbox's memory cap")));
    return false;
  }
  v8::Local<v8::String> source;
  if (units > static_cast<size_t>(v8::String::kMaxLength) ||
      !v8::String::NewFromTwoByte(isolate_, code, v8::NewStringType::kNormal,
                                  static_cast<int>(units))
           .ToLocal(&source)) {
    isolate_->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(isolate_, "the code is too long")));
    return false;
  }
  if (!CompileCached(context, code, units, source, &script)) {
    outcome->failure = MR_ERROR_PARSE;
    return false;
  }
  return script->Run(context).ToLocal(result);
}

bool Sandbox::FindCachedScript(const uint16_t* code, size_t units,
                               v8::Local<v8::Script>* script) {
  if (units > kMaxCachedScriptUnits || script_cache_.empty()) return false;
  auto it = script_cache_.find(
      std::u16string(reinterpret_cast<const char16_t*>(code), units));
  if (it == script_cache_.end()) return false;
  *script = it->second.Get(isolate_)->BindToCurrentContext();
  return true;
}

bool Sandbox::CompileCached(v8::Local<v8::Context> context,
                            const uint16_t* code, size_t units,
                            v8::Local<v8::String> source,
                            v8::Local<v8::Script>* script) {
#if V8_MAJOR_VERSION >= 12
  v8::ScriptOrigin origin(eval_origin_.Get(isolate_));
#else  // Node 20; V8 13 dropped the isolate parameter
  v8::ScriptOrigin origin(isolate_, eval_origin_.Get(isolate_));
#endif
  if (!v8::Script::Compile(context, source, &origin).ToLocal(script)) {
    return false;
  }
  if (units <= kMaxCachedScriptUnits) {
    // A small bounded cache: the hot loop of a host is usually a handful of
    // short snippets. Dropping it whole when full keeps it simple.
    if (script_cache_.size() >= kMaxCachedScripts) script_cache_.clear();
    script_cache_.emplace(
        std::u16string(reinterpret_cast<const char16_t*>(code), units),
        v8::Global<v8::UnboundScript>(isolate_,
                                      (*script)->GetUnboundScript()));
  }
  return true;
}

void Sandbox::Call(const uint16_t* path, size_t units, const mr_value* args,
                   size_t argc, double timeout_ms, int flags, mr_value* out) {
  RunSyncCall(timeout_ms, flags, out,
              [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
                  Outcome* outcome) {
             if (!RunPathCall(context, path, units, args, argc, result,
                              outcome)) {
               return Step::kFailed;
             }
             return SettleSync(context, result, outcome);
           });
}

bool Sandbox::RunPathCall(v8::Local<v8::Context> context, const uint16_t* path,
                          size_t units, const mr_value* args, size_t argc,
                          v8::Local<v8::Value>* result, Outcome* outcome) {
  // Walk the dotted path from the global object; the last holder
  // becomes `this`, as in `a.b.f(...)`.
  v8::Local<v8::Value> holder = context->Global();
  v8::Local<v8::Value> target = holder;
  size_t start = 0;
  for (size_t i = 0; i <= units; ++i) {
    if (i < units && path[i] != u'.') continue;
    v8::Local<v8::String> key;
    if (!target->IsObject() ||
        !v8::String::NewFromTwoByte(isolate_, path + start,
                                    v8::NewStringType::kNormal,
                                    static_cast<int>(i - start))
             .ToLocal(&key)) {
      target = v8::Undefined(isolate_);
      break;
    }
    holder = target;
    if (!target.As<v8::Object>()->Get(context, key).ToLocal(&target)) {
      return false;
    }
    start = i + 1;
  }
  if (!target->IsFunction()) {
    std::string message =
        ToUtf8(v8::String::NewFromTwoByte(
                   isolate_, path, v8::NewStringType::kNormal,
                   static_cast<int>(units))
                   .FromMaybe(v8::Local<v8::String>())) +
        " is not a function";
    isolate_->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8(isolate_, message.c_str(),
                                v8::NewStringType::kNormal,
                                static_cast<int>(message.size()))
            .ToLocalChecked()));
    return false;
  }
  std::vector<v8::Local<v8::Value>> argv(argc);
  for (size_t i = 0; i < argc; ++i) {
    if (!DecodeArg(context, args[i], outcome).ToLocal(&argv[i])) {
      return false;
    }
  }
  return target.As<v8::Function>()
      ->Call(context, holder, static_cast<int>(argc), argv.data())
      .ToLocal(result);
}

v8::MaybeLocal<v8::Value> Sandbox::DecodeArg(v8::Local<v8::Context> context,
                                             const mr_value& arg,
                                             Outcome* outcome) {
  bool clone_error = false;
  v8::MaybeLocal<v8::Value> value = ValueCodec::Decode(
      isolate_, context, handles_.get(), arg, budget_.max_bytes(),
      &clone_error);
  if (value.IsEmpty() && clone_error) outcome->failure = MR_ERROR_VALUE;
  return value;
}

void Sandbox::HandleOp(int op, uint32_t handle, const mr_value* args,
                       size_t argc, double timeout_ms, int flags,
                       mr_value* out) {
  RunSyncCall(timeout_ms, flags, out,
              [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
                  Outcome* outcome) {
             if (!RunHandleOp(context, op, handle, args, argc, result,
                              outcome)) {
               return Step::kFailed;
             }
             if (op == MR_HANDLE_CALL) {
               return SettleSync(context, result, outcome);
             }
             // A property read gives what is there, a promise included.
             if (nesting_ == 0) QueuedWork::Run(isolate_, tasks_.get(), &Sandbox::AfterTask, this);
             return isolate_->IsExecutionTerminating() ? Step::kFailed
                                                       : Step::kValue;
           });
}

bool Sandbox::RunHandleOp(v8::Local<v8::Context> context, int op,
                          uint32_t handle, const mr_value* args, size_t argc,
                          v8::Local<v8::Value>* result, Outcome* outcome) {
  auto fail = [&](mr_value_type type, const char* message) {
    outcome->failure = type;
    isolate_->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8(isolate_, message).ToLocalChecked()));
    return false;
  };
  v8::Local<v8::Value> target;
  if (!handles_->Get(handle).ToLocal(&target)) {
    return fail(MR_ERROR_VALUE, "the handle has been released");
  }
  size_t needed = op == MR_HANDLE_KEYS  ? 0
                  : op == MR_HANDLE_SET ? 2
                                        : 1;
  if (argc < needed) {
    return fail(MR_ERROR_INVALID_ARGUMENT, "missing operands");
  }
  if (op == MR_HANDLE_CALL) {
    if (!target->IsFunction()) {
      return fail(MR_ERROR_EXCEPTION, "the handle is not a function");
    }
    v8::Local<v8::Value> receiver;
    if (!DecodeArg(context, args[0], outcome).ToLocal(&receiver)) {
      return false;
    }
    std::vector<v8::Local<v8::Value>> argv(argc - 1);
    for (size_t i = 1; i < argc; ++i) {
      if (!DecodeArg(context, args[i], outcome).ToLocal(&argv[i - 1])) {
        return false;
      }
    }
    return target.As<v8::Function>()
        ->Call(context, receiver, static_cast<int>(argv.size()), argv.data())
        .ToLocal(result);
  }
  if (!target->IsObject()) {
    return fail(MR_ERROR_EXCEPTION, "the handle is not an object");
  }
  v8::Local<v8::Object> object = target.As<v8::Object>();
  if (op == MR_HANDLE_KEYS) {
    // Object.keys: own, enumerable, string keys (indices as strings).
    outcome->mode = ValueCodec::Mode::kCopy;
    v8::Local<v8::Array> keys;
    if (!object
             ->GetOwnPropertyNames(
                 context,
                 static_cast<v8::PropertyFilter>(v8::ONLY_ENUMERABLE |
                                                 v8::SKIP_SYMBOLS),
                 v8::KeyConversionMode::kConvertToString)
             .ToLocal(&keys)) {
      return false;
    }
    *result = keys;
    return true;
  }
  v8::Local<v8::Value> key;
  if (!DecodeArg(context, args[0], outcome).ToLocal(&key)) return false;
  switch (op) {
    case MR_HANDLE_GET:
      return object->Get(context, key).ToLocal(result);
    case MR_HANDLE_SET: {
      v8::Local<v8::Value> value;
      if (!DecodeArg(context, args[1], outcome).ToLocal(&value)) return false;
      if (object->Set(context, key, value).IsNothing()) return false;
      *result = v8::Undefined(isolate_);
      return true;
    }
    case MR_HANDLE_DELETE: {
      bool deleted;
      if (!object->Delete(context, key).To(&deleted)) return false;
      *result = v8::Boolean::New(isolate_, deleted);
      return true;
    }
    case MR_HANDLE_HAS: {
      bool has;
      if (!object->Has(context, key).To(&has)) return false;
      *result = v8::Boolean::New(isolate_, has);
      return true;
    }
    default:
      return fail(MR_ERROR_INVALID_ARGUMENT, "unknown handle operation");
  }
}

void Sandbox::SetHost(mr_host_function function, mr_host_wakeup wakeup,
                      void* user_data) {
  bridge_.SetHost(function, wakeup, user_data);
  host_isolate_ = v8::Isolate::TryGetCurrent();
}

bool Sandbox::Expose(const uint16_t* path, size_t units, uint32_t function_id,
                     mr_value* error) {
  mr_value out{};
  RunSyncCall(
      kExposeTimeoutMs, 0, &out,
      [&](v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
          Outcome* outcome) {
        // Named after the last part of the path.
        size_t last = units;
        while (last > 0 && path[last - 1] != u'.') --last;
        v8::Local<v8::String> name;
        v8::Local<v8::Function> function;
        if (!v8::String::NewFromTwoByte(isolate_, path + last,
                                        v8::NewStringType::kNormal,
                                        static_cast<int>(units - last))
                 .ToLocal(&name) ||
            !v8::Function::New(
                 context, &Sandbox::HostFunctionCallback,
                 v8::Integer::NewFromUnsigned(isolate_, function_id), 0,
                 v8::ConstructorBehavior::kThrow)
                 .ToLocal(&function)) {
          return Step::kFailed;
        }
        function->SetName(name);
        if (!PathBinder(isolate_, context, path, units)
                 .Bind(function, &outcome->failure)) {
          return Step::kFailed;
        }
        *result = v8::Undefined(isolate_);
        return Step::kValue;
      });
  if (out.type >= MR_ERROR_FIRST) {
    *error = out;
    return false;
  }
  mr_value_release(&out);
  return true;
}

bool Sandbox::InstallConsole(v8::Local<v8::Context> context) {
  v8::Local<v8::Object> console = v8::Object::New(isolate_);
  for (const auto& method : kConsoleMethods) {
    v8::Local<v8::String> name =
        v8::String::NewFromUtf8(isolate_, method[0]).ToLocalChecked();
    v8::Local<v8::String> level =
        v8::String::NewFromUtf8(isolate_, method[1]).ToLocalChecked();
    v8::Local<v8::Function> function;
    if (!v8::Function::New(context, &Sandbox::ConsoleCallback, level, 0,
                           v8::ConstructorBehavior::kThrow)
             .ToLocal(&function)) {
      return false;
    }
    function->SetName(name);
    if (!console->CreateDataProperty(context, name, function)
             .FromMaybe(false)) {
      return false;
    }
  }
  return context->Global()
      ->DefineOwnProperty(context,
                          v8::String::NewFromUtf8Literal(isolate_, "console"),
                          console, v8::DontEnum)
      .FromMaybe(false);
}

void Sandbox::HostFunctionCallback(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* self =
      static_cast<Sandbox*>(info.GetIsolate()->GetData(kSandboxSlot));
  self->CallHost(info, info.Data().As<v8::Uint32>()->Value());
}

void Sandbox::ConsoleCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* self =
      static_cast<Sandbox*>(info.GetIsolate()->GetData(kSandboxSlot));
  // Dropped here, before any value is copied, unless someone listens.
  if (!self->console_enabled_.load(std::memory_order_relaxed) ||
      !self->bridge_.has_host()) {
    return;
  }
  self->CallHost(info, 0);
}

void Sandbox::CallHost(const v8::FunctionCallbackInfo<v8::Value>& info,
                       uint32_t function_id) {
  v8::Local<v8::Context> context = isolate_->GetCurrentContext();
  bool console = function_id == 0;
  if (!bridge_.has_host()) {
    isolate_->ThrowException(v8::Exception::Error(
        v8::String::NewFromUtf8Literal(isolate_,
                                       "host functions are unavailable")));
    return;
  }
  auto request = std::make_shared<HostBridge::Request>();
  request->call_id = current_call_id_;
  request->function_id = function_id;
  request->one_way = console;
  request->args.reserve(info.Length() + 1);
  bool clone_error = false;
  // All the values of this call together: one big value passed many times
  // counts each time.
  CopyBudget budget(max_result_bytes_);
  if (console) {
    // The level, then the values; what cannot be copied is rendered.
    mr_value level{};
    ValueCodec::Encode(isolate_, context, info.Data(),
                       ValueCodec::Mode::kCopy, handles_.get(), &budget,
                       &level, &clone_error);
    request->args.push_back(level);
  }
  for (int i = 0; i < info.Length(); ++i) {
    mr_value arg{};
    bool encoded;
    if (console) {
      v8::TryCatch render(isolate_);
      encoded = ValueCodec::Encode(isolate_, context, info[i],
                                   ValueCodec::Mode::kRenderUncopyable,
                                   handles_.get(), &budget, &arg,
                                   &clone_error);
      if (!encoded) {
        if (render.HasTerminated()) return;
        arg = mr_value{};  // undefined stands for what cannot be shown
      }
    } else {
      // A value that cannot cross (a WeakMap) throws in the sandbox.
      encoded = ValueCodec::Encode(isolate_, context, info[i],
                                   ValueCodec::Mode::kCopy, handles_.get(),
                                   &budget, &arg, &clone_error);
      if (!encoded) return;
    }
    request->args.push_back(arg);
  }
  bool answered = true;
  if (bridge_.OnHostThread()) {
    // The host function is JavaScript of Node's isolate, on this thread.
    if (host_isolate_ != nullptr) {
      v8::Isolate::Scope host_scope(host_isolate_);
      bridge_.CallOnHostThread(request->call_id, function_id,
                               request->args.data(), request->args.size(),
                               &request->result);
    } else {
      bridge_.CallOnHostThread(request->call_id, function_id,
                               request->args.data(), request->args.size(),
                               &request->result);
    }
  } else {
    answered = bridge_.CallFromSandboxThread(request, [this] {
      return watchdog_->Peek() != Watchdog::Stop::kNone ||
             closing_.load(std::memory_order_acquire);
    });
  }
  if (!answered) {
    // The call was stopped (time limit, cancel, close) while the host
    // function ran: end the script; the watchdog says why.
    watchdog_->StopHere();
    isolate_->TerminateExecution();
    return;
  }
  if (watchdog_->Peek() != Watchdog::Stop::kNone) {
    // Stopped while the host function ran. V8 acts on a termination request
    // at its next interrupt check, and a loop around host calls may not
    // reach one for seconds (loops check when their interrupt budget runs
    // out); entering a JS function checks at once.
    // Already terminating when the stop came in a call the host function
    // made back into this sandbox: returning lets the termination unwind
    // the outer frames. A call into the isolate now would swallow it on
    // V8 12+ (Node 22+), and the script would run on past its limit.
    if (isolate_->IsExecutionTerminating()) return;
    watchdog_->StopHere();
    v8::Local<v8::Function> probe = interrupt_probe_.Get(isolate_);
    probe->Call(context, v8::Undefined(isolate_), 0, nullptr).IsEmpty();
    return;
  }
  if (!natives_guard_.Safe(isolate_, context)) {
    // The host function turned --allow-natives-syntax on: the script must
    // not go on to eval `%` code.
    isolate_->TerminateExecution();
    return;
  }
  if (console) return;
  if (isolate_->IsExecutionTerminating()) return;
  const mr_value& result = request->result;
  if (result.type >= MR_ERROR_FIRST) {
    isolate_->ThrowException(ErrorFromFailure(isolate_, result));
    return;
  }
  if (result.type == MR_VALUE_HOST_PROMISE) {
    v8::Local<v8::Promise::Resolver> resolver;
    if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return;
    HostPromise& pending =
        host_promises_[static_cast<uint64_t>(result.number)];
    pending.owner = current_call_id_;
    pending.resolver.Reset(isolate_, resolver);
    info.GetReturnValue().Set(resolver->GetPromise());
    return;
  }
  v8::Local<v8::Value> value;
  if (!ValueCodec::Decode(isolate_, context, handles_.get(), result,
                          budget_.max_bytes(), &clone_error)
           .ToLocal(&value)) {
    return;
  }
  info.GetReturnValue().Set(value);
}

void Sandbox::SettleHostPromise(uint64_t promise_id, const mr_value& value) {
  {
    std::lock_guard<std::mutex> lock(settlements_mutex_);
    if (abandoned_host_promises_.erase(promise_id) > 0) return;
    settlements_.emplace_back(promise_id, CopyValue(value));
    has_settlements_.store(true, std::memory_order_release);
  }
  WakeAsyncCall();
}

void Sandbox::ApplyHostSettlements(v8::Local<v8::Context> context) {
  if (!has_settlements_.load(std::memory_order_acquire)) return;
  std::vector<std::pair<uint64_t, mr_value>> settlements;
  {
    std::lock_guard<std::mutex> lock(settlements_mutex_);
    settlements.swap(settlements_);
    has_settlements_.store(false, std::memory_order_release);
  }
  for (auto& [id, value] : settlements) {
    auto it = host_promises_.find(id);
    if (it != host_promises_.end()) {
      v8::Local<v8::Promise::Resolver> resolver =
          it->second.resolver.Get(isolate_);
      host_promises_.erase(it);
      if (value.type >= MR_ERROR_FIRST) {
        resolver->Reject(context, ErrorFromFailure(isolate_, value))
            .FromMaybe(false);
      } else {
        bool clone_error = false;
        v8::TryCatch decode(isolate_);
        v8::Local<v8::Value> decoded;
        if (ValueCodec::Decode(isolate_, context, handles_.get(), value,
                               budget_.max_bytes(), &clone_error)
                .ToLocal(&decoded)) {
          resolver->Resolve(context, decoded).FromMaybe(false);
        } else if (decode.HasCaught() && !decode.HasTerminated()) {
          resolver->Reject(context, decode.Exception()).FromMaybe(false);
        }
      }
    }
    mr_value_release(&value);
  }
}

void Sandbox::DropHostPromises(uint64_t owner) {
  if (host_promises_.empty()) return;
  std::lock_guard<std::mutex> lock(settlements_mutex_);
  for (auto it = host_promises_.begin(); it != host_promises_.end();) {
    if (it->second.owner == owner) {
      abandoned_host_promises_.insert(it->first);
      it = host_promises_.erase(it);
    } else {
      ++it;
    }
  }
  // Settlements that arrived before the call ended (an async call that
  // timed out) go now too.
  for (auto it = settlements_.begin(); it != settlements_.end();) {
    if (abandoned_host_promises_.erase(it->first) > 0) {
      mr_value_release(&it->second);
      it = settlements_.erase(it);
    } else {
      ++it;
    }
  }
  has_settlements_.store(!settlements_.empty(), std::memory_order_release);
}

void Sandbox::GetHeapStats(mr_heap_stats* out) {
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (turn.owns_lock()) {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HeapStatistics stats;
    isolate_->GetHeapStatistics(&stats);
    memory_->RecordHeapFigures(stats);
  }
  // While a script runs (on the sandbox's thread) the figures of its last
  // GC or step are reported rather than waiting for it.
  MemoryMonitor::HeapFigures figures = memory_->LastHeapFigures();
  out->total_heap_size = figures.total;
  out->used_heap_size = figures.used;
  out->heap_size_limit = figures.limit;
  out->external_memory = budget_.external_bytes();
  out->max_memory = budget_.max_bytes();
  out->soft_limit_reached = memory_->soft_limit_reached();
  out->memory_cap_reached = memory_->cap_ever_reached();
}

void Sandbox::LowMemoryNotification() {
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (!turn.owns_lock()) {
    // Busy: the running step collects when it ends.
    low_memory_requested_.store(true, std::memory_order_relaxed);
    return;
  }
  {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    isolate_->LowMemoryNotification();
    ReviveIfRoomAgain();
  }
  // An explicit request: the process's freed memory goes back too.
  MemoryMonitor::ReturnFreedMemory(/*at_most_every_second=*/false);
}

void Sandbox::ReviveIfRoomAgain() {
  // A sandbox given up after a cap hit gets another chance if this freed
  // enough (what held the memory may have been a cache V8 has now dropped).
  if (exhausted_.load(std::memory_order_relaxed)) {
    v8::HeapStatistics stats;
    isolate_->GetHeapStatistics(&stats);
    if (stats.used_heap_size() + budget_.external_bytes() <
        budget_.max_bytes() * 9 / 10) {
      exhausted_.store(false, std::memory_order_relaxed);
    }
  }
}

}  // namespace mini_racer
