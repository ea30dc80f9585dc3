// The slice runner: every stretch of JavaScript, sync or async, runs
// through RunSlice, which owns the order of things (lock, limits, run,
// settle, copy out, classify the failure, recover). See sandbox.h.
#include <chrono>
#include <string>

#include "core/runtime/queued_work.h"
#include "core/sandbox.h"
#include "wire/exception_description.h"
#include "wire/failure.h"

namespace mini_racer {
namespace {

const char kExhaustedMessage[] =
    "the sandbox reached its memory cap and could not free enough memory; "
    "create a new MiniRacer";

// Releases *out and marks the step failed: a value the call may not give.
void DropValue(mr_value* out, Step* step) {
  mr_value_release(out);
  *out = mr_value{};
  *step = Step::kFailed;
}

}  // namespace

bool Slice::Refuse(mr_value_type kind, const char* message) {
  failure = kind;
  isolate_->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8(isolate_, message).ToLocalChecked()));
  return false;
}

bool Sandbox::RunSlice(uint64_t call_id, Deadline deadline_spec,
                       const std::atomic<bool>* cancelled, bool sync,
                       mr_value* out, CallMeter* meter, SliceBody body) {
  // A synchronous caller stops counting as waiting once it holds the
  // isolate, or gives up: exactly once on every path.
  auto stop_waiting = [&] {
    if (sync) {
      sync_waiting_.fetch_sub(1, std::memory_order_relaxed);
      sync = false;
    }
  };
  if (exhausted_.load(std::memory_order_relaxed)) {
    stop_waiting();
    SetFailure(out, MR_ERROR_OUT_OF_MEMORY, "", kExhaustedMessage);
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
    stop_waiting();
    return RunNestedSlice(deadline, out, meter, body);
  }
  bool parks = sync;
  // Wakes a host thread waiting for the isolate once it is released (this
  // is destroyed after `turn`).
  struct ReleaseNotice {
    HostBridge* bridge;
    ~ReleaseNotice() { bridge->NotifyReleased(); }
  } release_notice{&bridge_};
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (!turn.owns_lock()) {
    // Waiting for the isolate is not the call's CPU (the report leaves it
    // out).
    Clock::time_point wait_start = Clock::now();
    struct WaitMeter {
      CallMeter* meter;
      Clock::time_point start;
      ~WaitMeter() {
        meter->wait_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                              Clock::now() - start)
                              .count();
      }
    } wait_meter{meter, wait_start};
    Acquired acquired = Acquired::kLocked;
    if (sync && bridge_.OnHostThread()) {
      bool finished = true;
      acquired = AcquireOnHostThread(&turn, deadline, [&] {
        finished =
            RunSlice(call_id, deadline, cancelled, false, out, meter, body);
      });
      if (acquired == Acquired::kHandedOver) {
        stop_waiting();
        return finished;
      }
    } else if (deadline == Clock::time_point::max()) {
      turn.lock();
    } else if (!turn.try_lock_until(deadline)) {
      acquired = Acquired::kTimedOut;
    }
    if (acquired == Acquired::kTimedOut) {
      stop_waiting();
      SetFailure(out, MR_ERROR_TIMEOUT, "",
                 "the call exceeded its time limit waiting for the sandbox, "
                 "which an async call was using");
      return true;
    }
  }
  // The first synchronous caller's thread state stays archived between
  // calls, so this Locker restores it instead of rebuilding it.
  if (parks) parked_host_state_.ParkOnce(isolate_);
  v8::Locker locker(isolate_);
  stop_waiting();
  slice_owner_.store(std::this_thread::get_id(), std::memory_order_release);
  struct OwnerReset {
    std::atomic<std::thread::id>* owner;
    ~OwnerReset() { owner->store(std::thread::id(), std::memory_order_release); }
  } owner_reset{&slice_owner_};
  current_call_id_ = call_id;
  meter_ = meter;
  stopped_for_unsafe_flags_ = false;
  tasks_->SetRunningCall(call_id, std::this_thread::get_id());
  v8::Isolate::Scope isolate_scope(isolate_);
  stack_limit_.FitToThisThread(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  handles_->ApplyReleases();

  timers_->set_owner(call_id);
  owned_promises_->set_owner(call_id);
  memory_->BeginCall();
  // Async slices always read the CPU clock (for the report); a sync call
  // only when limited, the read costing as much as a small call.
  watchdog_->Begin(deadline, call_id,
                   Watchdog::CpuSpec{meter->cpu_limited() ? meter->cpu_left_ns()
                                                          : 0,
                                     !parks});
  // A cancel or close that came before Begin found nothing to terminate.
  if ((cancelled != nullptr && cancelled->load(std::memory_order_acquire)) ||
      closing()) {
    watchdog_->CancelCall(call_id);
  }
  mr_value described{};
  Step step;
  bool terminated;
  {
    // The call's values (its arguments above all) die with this scope, so
    // that a GC after a cap hit can free them.
    v8::HandleScope call_scope(isolate_);
    v8::TryCatch try_catch(isolate_);
    Slice slice(isolate_, context);
    step = RefuseIfUnsafeFlags(slice) || RefuseIfOverCap(slice)
               ? Step::kFailed
               : body(slice);
    memory_->CheckAfterRun();
    if (memory_->HeapCapReachedInCall()) step = Step::kFailed;
    // Describing an error may run sandbox code (getters on the error), so
    // it happens while the watchdog still guards the call.
    CopyOutOrDescribe(slice, try_catch, &step, out, &described);
    // Work the call queued after its last checkpoint (a getter run while
    // the result was copied, a script that threw) runs now, under its
    // limit: never at the start of the next call. A primitive result ran
    // no code since that checkpoint.
    if (step != Step::kPending &&
        (step == Step::kFailed ||
         (!slice.result.IsEmpty() && slice.result->IsObject())) &&
        !isolate_->IsExecutionTerminating()) {
      QueuedWork::Run(isolate_, tasks_.get(), &Sandbox::AfterTask, this);
      if (isolate_->IsExecutionTerminating() && step == Step::kValue) {
        DropValue(out, &step);
      }
    }
    terminated = try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
  }
  memory_->LeaveCall();
  int64_t cpu_used_ns = -1;
  Watchdog::Stop stop = watchdog_->End(&cpu_used_ns);
  if (cpu_used_ns >= 0) {
    meter->cpu_ns += cpu_used_ns;
    meter->cpu_measured = true;
  }
  bool cap_reached = memory_->CapReachedInCall();
  if (terminated || stop != Watchdog::Stop::kNone || cap_reached) {
    isolate_->CancelTerminateExecution();
    // A stopped call's queued microtasks would run at the start of the
    // next call (outside this call's limit): they are dropped.
    QueuedWork::DropMicrotasks(isolate_);
    // A call stopped here is over, even if its script got through: it ran
    // past its limit (or was cancelled), so its result is not given.
    if (stop != Watchdog::Stop::kNone && step == Step::kValue) {
      DropValue(out, &step);
    }
    if (step == Step::kPending) step = Step::kFailed;
  }
  if (step == Step::kFailed) {
    // (described is empty when terminated: CopyOutOrDescribe skips it.)
    SetCallFailure(out, cap_reached, stop, closing(), terminated, &described);
  }
  mr_value_release(&described);
  if (cap_reached && !memory_->RecoverAfterCap()) {
    exhausted_.store(true, std::memory_order_relaxed);
  }
  memory_->EndCall();
  if (!parks) {
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
  if (finished) DropCallState(call_id);
  current_call_id_ = 0;
  meter_ = nullptr;
  tasks_->SetRunningCall(0, std::thread::id());
  return finished;
}

bool Sandbox::RunNestedSlice(Clock::time_point deadline, mr_value* out,
                             CallMeter* meter, SliceBody body) {
  // Host functions of the nested call count into its own meter.
  CallMeter* outer_meter = meter_;
  meter_ = meter;
  struct MeterReset {
    Sandbox* self;
    CallMeter* outer;
    ~MeterReset() { self->meter_ = outer; }
  } meter_reset{this, outer_meter};
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  v8::Local<v8::Context> context = context_.Get(isolate_);
  v8::Context::Scope context_scope(context);
  mr_value described{};
  Step step;
  bool terminated;
  {
    v8::TryCatch try_catch(isolate_);
    Slice slice(isolate_, context);
    watchdog_->BeginNested(
        deadline, Watchdog::CpuSpec{meter->cpu_limited() ? meter->cpu_left_ns()
                                                         : 0,
                                    false});
    ++nesting_;
    step = RefuseIfUnsafeFlags(slice) ? Step::kFailed : body(slice);
    --nesting_;
    if (step == Step::kPending) step = Step::kFailed;  // sync bodies only
    CopyOutOrDescribe(slice, try_catch, &step, out, &described);
    terminated =
        try_catch.HasTerminated() || isolate_->IsExecutionTerminating();
  }
  // Stopped by its own deadline only: the termination is cancelled and the
  // enclosing call goes on (the host function sees JSTimeoutError). Any
  // other stop is left pending: the outer slice ends with it too.
  bool cap_reached = memory_->CapReachedInCall();
  Watchdog::NestedEnd end = watchdog_->EndNested(!cap_reached);
  if (end.cpu_used_ns >= 0) {
    meter->cpu_ns += end.cpu_used_ns;
    meter->cpu_measured = true;
  }
  if ((terminated || end.stop != Watchdog::Stop::kNone) &&
      step == Step::kValue) {
    DropValue(out, &step);
  }
  if (step == Step::kFailed) {
    // A close shows as a cancel here: the outer slice reports the close.
    SetCallFailure(out, cap_reached, end.stop, /*closing=*/false, terminated,
                   &described);
  }
  mr_value_release(&described);
  return true;
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

bool Sandbox::RefuseIfUnsafeFlags(Slice& slice) {
  if (natives_guard_.Safe(isolate_, slice.context())) return false;
  slice.failure = MR_ERROR_UNSAFE_FLAGS;
  isolate_->ThrowException(v8::Exception::Error(
      v8::String::NewFromUtf8Literal(isolate_, NativesSyntaxGuard::kRefusal)));
  return true;
}

bool Sandbox::RefuseIfOverCap(Slice& slice) {
  if (!recheck_cap_.load(std::memory_order_relaxed)) return false;
  // (SetMemoryLimits collected the garbage: these are live bytes.)
  if (!budget_.over()) {
    recheck_cap_.store(false, std::memory_order_relaxed);
    return false;
  }
  slice.failure = MR_ERROR_OUT_OF_MEMORY;
  std::string message =
      "the sandbox's live heap and buffers (" +
      std::to_string(budget_.heap_used() + budget_.external_bytes()) +
      " bytes) are over its memory cap (" +
      std::to_string(budget_.max_bytes()) +
      " bytes), lowered by setLimits: raise maxMemory or create a new "
      "MiniRacer";
  isolate_->ThrowException(v8::Exception::RangeError(
      v8::String::NewFromUtf8(isolate_, message.c_str()).ToLocalChecked()));
  return true;
}

void Sandbox::CopyOutOrDescribe(Slice& slice, const v8::TryCatch& try_catch,
                                Step* step, mr_value* out,
                                mr_value* described) {
  if (*step == Step::kValue) {
    bool clone_error = false;
    CopyBudget budget(max_result_bytes_);
    if (!ValueCodec::Encode(isolate_, slice.context(), slice.result,
                            slice.mode, handles_.get(), &budget, out,
                            &clone_error)) {
      *step = Step::kFailed;
      if (clone_error) slice.failure = MR_ERROR_VALUE;
    }
  }
  if (*step == Step::kFailed && try_catch.HasCaught() &&
      !try_catch.HasTerminated()) {
    // An error's name, message and stack go to the host together: each
    // gets a third of maxResultBytes (a UTF-16 unit is at most 3 bytes of
    // UTF-8).
    DescribeException(isolate_, slice.context(), try_catch, slice.failure,
                      max_result_bytes_ / 9, described);
  }
}

void Sandbox::SetCallFailure(mr_value* out, bool cap_reached,
                             Watchdog::Stop stop, bool closing,
                             bool terminated, mr_value* described) {
  // In order of precedence: the cap, the time limit, a cancel (or close),
  // then the sandbox's own exception, if termination did not cut it short.
  if (cap_reached) {
    SetFailure(out, MR_ERROR_OUT_OF_MEMORY, "",
               "the sandbox reached its memory cap");
  } else if (stop == Watchdog::Stop::kTimedOut) {
    SetFailure(out, MR_ERROR_TIMEOUT, "", "the call exceeded its time limit",
               watchdog_->StoppedStack());
  } else if (stop == Watchdog::Stop::kCpuTimedOut) {
    SetFailure(out, MR_ERROR_CPU_TIMEOUT, "",
               "the call exceeded its CPU time limit",
               watchdog_->StoppedStack());
  } else if (stop == Watchdog::Stop::kCancelled && closing) {
    SetFailure(out, MR_ERROR_CLOSED, "",
               "the MiniRacer was closed during the call");
  } else if (stop == Watchdog::Stop::kCancelled) {
    SetFailure(out, MR_ERROR_CANCELLED, "", "the call was cancelled");
  } else if (described->data != nullptr && !terminated) {
    *out = *described;
    *described = mr_value{};
  } else if (terminated && stopped_for_unsafe_flags_) {
    SetFailure(out, MR_ERROR_UNSAFE_FLAGS, "", NativesSyntaxGuard::kRefusal);
  } else {
    SetFailure(out, MR_ERROR_INTERNAL, "Error",
               terminated ? "the call was terminated"
                          : "the call failed without an exception");
  }
}

void Sandbox::RunQueuedWork() {
  if (nesting_ == 0) {
    QueuedWork::Run(isolate_, tasks_.get(), &Sandbox::AfterTask, this);
  }
}

Step Sandbox::Settle(Slice& slice) {
  RunQueuedWork();
  if (isolate_->IsExecutionTerminating()) return Step::kFailed;
  if (!slice.result->IsPromise()) return Step::kValue;
  auto promise = slice.result.As<v8::Promise>();
  switch (promise->State()) {
    case v8::Promise::kFulfilled:
      slice.result = promise->Result();
      return Step::kValue;
    case v8::Promise::kRejected:
      promise->MarkAsHandled();
      // A failed import (module loading tags its errors) keeps its kind.
      slice.failure = modules_->FailureKindOf(
          slice.context(), promise->Result(), MR_ERROR_PROMISE_REJECTED);
      isolate_->ThrowException(promise->Result());
      return Step::kFailed;
    case v8::Promise::kPending:
      break;
  }
  return Step::kPending;
}

Step Sandbox::SettleSync(Slice& slice) {
  Step step = Settle(slice);
  if (step != Step::kPending) return step;
  isolate_->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8Literal(
          isolate_,
          "the result is a Promise that has not settled; a synchronous call "
          "cannot wait for it (use evalAsync or callAsync)")));
  return Step::kFailed;
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
  MutexLock lock(thread_mutex_);
  return thread_ && thread_->IsRunning(call_id);
}

void Sandbox::DropCallState(uint64_t call_id) {
  timers_->ClearOwner(call_id);
  owned_promises_->DropOwner(call_id);
  host_promises_.DropOwner(call_id);
  modules_->DropOwner(call_id);
}

}  // namespace mini_racer
