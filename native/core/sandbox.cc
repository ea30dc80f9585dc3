// Sandbox setup, teardown and heap statistics. See sandbox.h for the map
// of the other files.
#include "core/sandbox.h"

#include <v8-profiler.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "core/limits/builtin_guard.h"
#include "core/limits/fault_injection.h"
#include "core/limits/guard_base.h"
#include "core/limits/wasm_memory_guard.h"
#include "core/snapshot/setup_snapshot.h"
#include "wire/failure.h"

namespace mini_racer {
namespace {

constexpr size_t kDefaultMaxMemory = 128u << 20;

// The first setup step that fails names the failure: an internal one, or
// a refusal of its own kind (unsafe host flags).
bool Check(bool ok, const char* what, mr_value* error,
           mr_value_type kind = MR_ERROR_INTERNAL) {
  if (!ok) {
    SetFailure(error, kind, kind == MR_ERROR_INTERNAL ? "Error" : "", what);
  }
  return ok;
}

}  // namespace

Sandbox::Sandbox(size_t max_memory)
    : budget_(max_memory),
      allocator_(&budget_),
      tasks_(std::make_shared<ForegroundTaskQueue>()) {}

size_t Sandbox::MaxMemoryOrDefault(uint64_t max_memory) {
  return max_memory != 0 ? static_cast<size_t>(max_memory) : kDefaultMaxMemory;
}

std::unique_ptr<Sandbox> Sandbox::Create(
    const mr_sandbox_options& options,
    std::shared_ptr<const SetupSnapshot> snapshot, mr_value* error) {
  size_t max_memory = snapshot != nullptr
                          ? snapshot->max_memory()
                          : MaxMemoryOrDefault(options.max_memory);
  if (snapshot != nullptr && options.max_memory != 0 &&
      options.max_memory != max_memory) {
    SetFailure(error, MR_ERROR_INVALID_ARGUMENT, "RangeError",
               "max_memory must be the snapshot's");
    return nullptr;
  }
  std::unique_ptr<Sandbox> sandbox(new Sandbox(max_memory));
  Sandbox& self = *sandbox;
  self.max_result_bytes_ =
      options.max_result_bytes ? options.max_result_bytes : max_memory;
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = &self.allocator_;
  MemoryMonitor::ConfigureHeap(max_memory, &params.constraints);
  self.snapshot_ = std::move(snapshot);
  self.holder_ = IsolateHolder::Create(
      params, self.tasks_,
      self.snapshot_ != nullptr ? self.snapshot_->blob() : nullptr);
  if (!Check(self.holder_ != nullptr, "could not create a V8 isolate", error)) {
    return nullptr;
  }
  v8::Isolate* isolate = self.isolate_ = self.holder_->isolate();
  {
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handle_scope(isolate);
    isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
    self.memory_ = std::make_unique<MemoryMonitor>(isolate, &self.budget_,
                                                   options.soft_memory);
    self.gc_clock_ = std::make_unique<GcPauseClock>(isolate, &self.meter_);
    self.timers_ = std::make_unique<TimerQueue>(isolate);
    self.handles_ = std::make_unique<HandleTable>(isolate, &self.budget_);
    self.scripts_ = std::make_unique<ScriptCache>(isolate);
    self.modules_ = std::make_unique<ModuleLoader>(&self, isolate, &self.budget_);
    ModuleLoader::InstallHooks(isolate);
    self.charged_objects_ =
        std::make_unique<ChargedObjects>(isolate, &self.budget_);
    self.owned_promises_ = std::make_unique<CallOwnedPromises>(isolate);
    isolate->SetData(kSandboxSlot, sandbox.get());
    self.guard_state_ = GuardState{&self.budget_, self.charged_objects_.get()};
    SetGuardState(isolate, &self.guard_state_);
    // From a snapshot, the context comes with its guards (and the setup's
    // state): see setup_snapshot.h. The guards' hooks then guard what V8
    // installs only in contexts it deserializes (features behind flags).
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    if (!Check(!context.IsEmpty(), "could not create a V8 context", error)) {
      return nullptr;
    }
    v8::Local<v8::Object> base;
    bool guarded =
        self.snapshot_ != nullptr
            ? context
                      ->GetDataFromSnapshotOnce<v8::Object>(
                          self.snapshot_->guard_base_index())
                      .ToLocal(&base) &&
                  GuardBase::RunDeserializedHooks(isolate, context, base)
            : GuardBase::Install(isolate, context).ToLocal(&base) &&
                  self.charged_objects_->Install(context, base) &&
                  BuiltinGuard::Install(isolate, context, max_memory, base);
    // The WebAssembly guard goes last in both cases: V8 adds `WebAssembly`
    // to each context it makes, never to one it serializes.
    if (!Check(guarded,
               "could not install the builtin guards and off-heap charges",
               error) ||
        !Check(WasmMemoryGuard::Install(isolate, context, max_memory, base),
               "could not install the WebAssembly memory guard", error) ||
        !Check(self.timers_->Install(context),
               "could not install the timer functions", error)) {
      return nullptr;
    }
    v8::Context::Scope context_scope(context);
    v8::Local<v8::Value> probe;
    // Call-owned promises go after the WebAssembly guard, whose compile
    // and instantiate they wrap.
    if (!Check(self.owned_promises_->Install(context),
               "could not install the call-owned promises", error) ||
        !Check(self.natives_guard_.ProbeSafe(isolate, context),
               NativesSyntaxGuard::kRefusal, error, MR_ERROR_UNSAFE_FLAGS) ||
        !Check(self.InstallConsole(context), "could not install the console",
               error) ||
        !Check(InstallFaultInjection(isolate, context),
               "could not install the fault injection", error) ||
        !Check(v8::Script::Compile(context, v8::String::NewFromUtf8Literal(
                                                isolate, "(function () {})"))
                       .ToLocalChecked()
                       ->Run(context)
                       .ToLocal(&probe) &&
                   probe->IsFunction(),
               "could not create the interrupt probe", error)) {
      return nullptr;
    }
    self.interrupt_probe_.Reset(isolate, probe.As<v8::Function>());
    self.context_.Reset(isolate, context);
  }
  self.watchdog_ = std::make_unique<Watchdog>(
      isolate, [raw = &self](uint64_t call_id) {
        raw->SettleOverdueCall(call_id);
      });
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
    host_promises_.ClearPromises();
    scripts_.reset();
    modules_.reset();
    interrupt_probe_.Reset();
    context_.Reset();
    memory_.reset();
    gc_clock_.reset();
    tasks_->Clear();
  }
  holder_.reset();
  tasks_->Clear();
}

void Sandbox::SettleOverdueCall(uint64_t call_id) {
  SandboxThread* thread;
  {
    MutexLock lock(thread_mutex_);
    thread = thread_.get();
  }
  // (A synchronous call holds Node's thread itself: nothing to settle.)
  if (thread == nullptr) return;
  mr_value failure{};
  SetFailure(&failure, MR_ERROR_TIMEOUT, "",
             "the call exceeded its time limit inside a builtin that does "
             "not stop when asked; the sandbox stays busy until it returns");
  thread->CompleteRunning(call_id, failure);
  mr_value_release(&failure);
}

bool Sandbox::StopWithin(Clock::duration grace,
                         std::function<void()> on_stopped) {
  closing_.store(true, std::memory_order_release);
  SandboxThread* thread;
  {
    // Not held while waiting: thread_ itself changes only in the
    // destructor.
    MutexLock lock(thread_mutex_);
    thread = thread_.get();
  }
  if (thread == nullptr) return true;
  tasks_->SetWaker(nullptr);
  if (thread->StopWithin(grace, [this] { watchdog_->Cancel(); },
                         std::move(on_stopped))) {
    return true;
  }
  bridge_.DisconnectWakeups();
  return false;
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

bool Sandbox::SetMemoryLimits(uint64_t max_memory, uint64_t soft_memory) {
  if (!budget_.set_max_bytes(static_cast<size_t>(max_memory))) return false;
  memory_->set_soft_limit(static_cast<size_t>(soft_memory));
  recheck_cap_.store(true, std::memory_order_relaxed);
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (turn.owns_lock()) {
    // What is live now, not the last GC's figure with its garbage, decides
    // whether the next call may run (RefuseIfOverCap); a raised cap may
    // revive a sandbox given up after a cap hit.
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    isolate_->LowMemoryNotification();
    ReviveIfRoomAgain();
  }
  return true;
}

namespace {

// Collects a heap snapshot's JSON up to a size, and gives up on a snapshot
// that takes past its deadline.
class SnapshotWriter : public v8::OutputStream, public v8::ActivityControl {
 public:
  static constexpr uint64_t kJsonBytesPerObject = 100;

  SnapshotWriter(size_t max_bytes, Watchdog::Clock::time_point deadline)
      : max_bytes_(max_bytes), deadline_(deadline) {}

  // v8::OutputStream
  void EndOfStream() override {}
  int GetChunkSize() override { return 64 * 1024; }
  WriteResult WriteAsciiChunk(char* data, int size) override {
    if (size < 0 || text_.size() + static_cast<size_t>(size) > max_bytes_) {
      too_large_ = true;
      return v8::OutputStream::kAbort;
    }
    text_.append(data, static_cast<size_t>(size));
    return v8::OutputStream::kContinue;
  }

  // v8::ActivityControl: called as the snapshot is built, with the number
  // of objects it will hold. V8 uses ~1 KB of host memory per object while
  // it builds one, and writes ~100-150 bytes of JSON for it: a heap with
  // more objects than the JSON limit allows is refused at the first report,
  // before that memory is spent.
  ControlOption ReportProgressValue(uint32_t, uint32_t total) override {
    if (static_cast<uint64_t>(total) * kJsonBytesPerObject > max_bytes_) {
      too_large_ = true;
      return v8::ActivityControl::kAbort;
    }
    if (Watchdog::Clock::now() < deadline_) {
      return v8::ActivityControl::kContinue;
    }
    timed_out_ = true;
    return v8::ActivityControl::kAbort;
  }

  std::string& text() { return text_; }
  bool too_large() const { return too_large_; }
  bool timed_out() const { return timed_out_; }

 private:
  const size_t max_bytes_;
  const Watchdog::Clock::time_point deadline_;
  std::string text_;
  bool too_large_ = false;
  bool timed_out_ = false;
};

}  // namespace

void Sandbox::HeapSnapshot(uint64_t max_bytes, double timeout_ms,
                           mr_value* out) {
  if (slice_owner_.load(std::memory_order_acquire) ==
          std::this_thread::get_id() ||
      bridge_.host_depth() > 0) {
    // From a host function of a call on this sandbox, which holds the
    // isolate until the function returns: waiting for it would never end.
    SetFailure(out, MR_ERROR_INVALID_ARGUMENT, "",
               "heapSnapshot cannot be taken from inside a call on the same "
               "MiniRacer");
    return;
  }
  Clock::time_point deadline = Watchdog::DeadlineAfter(timeout_ms);
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::defer_lock);
  Acquired acquired = turn.try_lock()
                          ? Acquired::kLocked
                          : AcquireOnHostThread(&turn, deadline, [] {});
  if (acquired != Acquired::kLocked) {
    SetFailure(out, MR_ERROR_TIMEOUT, "",
               "the heap snapshot exceeded its time limit waiting for the "
               "sandbox, which an async call was using");
    return;
  }
  SnapshotWriter writer(static_cast<size_t>(max_bytes), deadline);
  {
    v8::Locker locker(isolate_);
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HandleScope handle_scope(isolate_);
    v8::HeapProfiler* profiler = isolate_->GetHeapProfiler();
    v8::HeapProfiler::HeapSnapshotOptions options;
    options.control = &writer;
    const v8::HeapSnapshot* snapshot = profiler->TakeHeapSnapshot(options);
    if (snapshot != nullptr) {
      snapshot->Serialize(&writer, v8::HeapSnapshot::kJSON);
      const_cast<v8::HeapSnapshot*>(snapshot)->Delete();
    }
    profiler->DeleteAllHeapSnapshots();
  }
  if (writer.timed_out()) {
    SetFailure(out, MR_ERROR_TIMEOUT, "",
               "the heap snapshot exceeded its time limit");
  } else if (writer.too_large()) {
    SetFailure(out, MR_ERROR_VALUE, "RangeError",
               "the heap snapshot would be larger than its limit of " +
                   std::to_string(max_bytes) + " bytes");
  } else {
    std::string& text = writer.text();
    // The JSON is ASCII: V8 escapes every other character.
    auto* bytes = static_cast<uint8_t*>(std::malloc(text.size() + 1));
    if (bytes == nullptr) {
      SetFailure(out, MR_ERROR_VALUE, "RangeError",
                 "no memory for the heap snapshot");
      return;
    }
    std::memcpy(bytes, text.data(), text.size());
    *out = mr_value{MR_VALUE_STRING_LATIN1, 0, bytes, text.size()};
  }
}

}  // namespace mini_racer
