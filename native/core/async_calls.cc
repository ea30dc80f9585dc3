// Async calls: queued for the sandbox's own thread (SandboxThread), run as
// a first slice and, while the call's promise is pending, one more slice
// per wake-up (a timer due, a host promise's result, a V8 task). See
// sandbox.h.
#include <algorithm>
#include <chrono>

#include "core/sandbox.h"
#include "wire/failure.h"

namespace mini_racer {
namespace {

const char kCancelledBeforeRun[] = "the call was cancelled before it ran";

}  // namespace

std::unique_ptr<AsyncCall> Sandbox::NewAsyncCall(AsyncCall::Kind kind,
                                                 mr_limits limits, int flags,
                                                 mr_completion completion,
                                                 void* user_data) {
  auto call = std::make_unique<AsyncCall>();
  call->kind = kind;
  call->flags = flags;
  call->limits = limits;
  call->completion = completion;
  call->user_data = user_data;
  return call;
}

uint64_t Sandbox::EvalAsync(const uint16_t* code, size_t units,
                            const uint8_t* cache, size_t cache_length,
                            mr_limits limits, int flags,
                            mr_completion completion, void* user_data) {
  auto call = NewAsyncCall(AsyncCall::Kind::kEval, limits, flags,
                           completion, user_data);
  call->SetText(code, units);
  if ((flags & MR_EVAL_CODE_CACHE) && cache != nullptr) {
    call->code_cache.assign(cache, cache + cache_length);
  }
  return PostAsync(std::move(call));
}

uint64_t Sandbox::CallAsync(const uint16_t* path, size_t units,
                            const mr_value* args, size_t argc,
                            mr_limits limits, int flags,
                            mr_completion completion, void* user_data) {
  auto call = NewAsyncCall(AsyncCall::Kind::kCall, limits, flags,
                           completion, user_data);
  call->SetText(path, units);
  call->CopyArgs(args, argc);
  return PostAsync(std::move(call));
}

uint64_t Sandbox::HandleCallAsync(uint32_t handle, const mr_value* args,
                                  size_t argc, mr_limits limits, int flags,
                                  mr_completion completion, void* user_data) {
  auto call = NewAsyncCall(AsyncCall::Kind::kHandleCall, limits, flags,
                           completion, user_data);
  call->handle = handle;
  call->CopyArgs(args, argc);
  return PostAsync(std::move(call));
}

uint64_t Sandbox::PostAsync(std::unique_ptr<AsyncCall> call) {
  uint64_t id = call->id =
      next_call_id_.fetch_add(1, std::memory_order_relaxed);
  {
    MutexLock lock(thread_mutex_);
    if (!thread_ && !closing()) {
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
  SetFailure(&closed, MR_ERROR_CLOSED, "", "the MiniRacer is closed");
  call->Complete(&closed);
  return id;
}

void Sandbox::CancelAsync(uint64_t call_id) {
  std::unique_ptr<AsyncCall> queued;
  uint64_t running = 0;
  {
    MutexLock lock(thread_mutex_);
    if (!thread_) return;
    queued = thread_->Cancel(call_id, &running);
  }
  if (queued) {
    mr_value cancelled{};
    SetFailure(&cancelled, MR_ERROR_CANCELLED, "", kCancelledBeforeRun);
    queued->Complete(&cancelled);
  } else if (running != 0) {
    // The script running is the call's own, or that of a call nested in it.
    watchdog_->CancelCall(running);
  }
}

void Sandbox::NestAsync(uint64_t call_id, uint64_t parent_id) {
  MutexLock lock(thread_mutex_);
  if (thread_) thread_->Nest(call_id, parent_id);
}

void Sandbox::WakeAsyncCall() {
  if (!async_running_.load(std::memory_order_acquire)) return;
  MutexLock lock(thread_mutex_);
  if (thread_) thread_->Wake();
}

void Sandbox::RunAsync(AsyncCall& call, Clock::time_point outer_deadline) {
  // Nested calls (see mr_call_nest) end with the call they run in: its flag
  // is restored afterwards.
  bool was_running = async_running_.exchange(true, std::memory_order_acq_rel);
  Clock::time_point start = Clock::now();
  AsyncState state{&call,
                   std::min(Watchdog::DeadlineAfter(call.limits.timeout_ms),
                            outer_deadline),
                   CallMeter(call.limits.cpu_ms),
                   {}};
  mr_value out{};
  if (call.outer != nullptr && call.Cancelled()) {
    SetFailure(&out, MR_ERROR_CANCELLED, "", kCancelledBeforeRun);
    async_running_.store(was_running, std::memory_order_release);
    call.Complete(&out);
    return;
  }
  YieldToSyncCallers();
  bool finished = RunSlice(
      call.id, state.deadline, &call.cancelled, false, &out, &state.meter,
      [&](Slice& slice) { return RunAsyncSlice(slice, state); });
  while (!finished) finished = StepAsync(state, &out);
  if (!state.promise.IsEmpty()) {
    std::lock_guard<std::timed_mutex> turn(slice_mutex_);
    v8::Locker locker(isolate_);
    state.promise.Reset();
  }
  async_running_.store(was_running, std::memory_order_release);
  // Its console output goes to the host before its result.
  bridge_.DrainOneWay([this] { return closing(); });
  mr_call_report report{};
  state.meter.Report(Clock::now() - start, memory_->LastHeapFigures().used,
                     &report);
  {
    MutexLock lock(async_usage_mutex_);
    AddToUsage(report, &async_usage_);
  }
  call.Complete(&out, &report);
}

Step Sandbox::RunAsyncSlice(Slice& slice, AsyncState& state) {
  AsyncCall& call = *state.call;
  slice.UseResultFlags(call.flags);
  bool ran = false;
  if (state.promise.IsEmpty()) {
    // The first slice: run the call's body.
    const auto* text = reinterpret_cast<const uint16_t*>(call.text.data());
    switch (call.kind) {
      case AsyncCall::Kind::kEval:
        if (call.flags & MR_EVAL_CODE_CACHE) {
          CodeCacheRun cache;
          cache.in = call.code_cache.empty() ? nullptr : call.code_cache.data();
          cache.in_length = call.code_cache.size();
          ran = RunEval(slice, text, call.text.size(), &cache);
          // Kept before the call completes: the host takes it then.
          code_caches_.Put(call.id, std::move(cache));
          call.code_cache.clear();
          call.code_cache.shrink_to_fit();
        } else {
          ran = RunEval(slice, text, call.text.size(), nullptr);
        }
        break;
      case AsyncCall::Kind::kCall:
        ran = RunPathCall(slice, text, call.text.size(), call.args.data(),
                          call.args.size());
        break;
      case AsyncCall::Kind::kHandleCall:
        ran = RunHandleOp(slice, MR_HANDLE_CALL, call.handle,
                          call.args.data(), call.args.size());
        break;
      case AsyncCall::Kind::kModule:
        ran = RunModule(slice, text, call.text.size(),
                        reinterpret_cast<const uint16_t*>(call.args[0].data),
                        call.args[0].length / sizeof(uint16_t), call.flags);
        break;
    }
  } else {
    // A later slice: what the wait was for, then the promise again.
    host_promises_.Apply(isolate_, slice.context(), handles_.get(),
                         budget_.max_bytes());
    ran = timers_->RunDue(slice.context(), call.id);
    if (ran) slice.result = state.promise.Get(isolate_);
  }
  if (!ran) return Step::kFailed;
  Step step = Settle(slice);
  if (call.kind == AsyncCall::Kind::kModule) {
    step = FinishModuleStep(slice, step, /*sync=*/false);
  }
  if (step == Step::kPending) {
    if (state.promise.IsEmpty()) {
      state.promise.Reset(isolate_, slice.result.As<v8::Promise>());
    }
    state.next_timer = timers_->NextDue(call.id);
  } else if (step == Step::kValue && (call.flags & MR_EVAL_DISCARD_RESULT)) {
    slice.result = v8::Undefined(isolate_);
  }
  return step;
}

bool Sandbox::StepAsync(AsyncState& state, mr_value* out) {
  AsyncCall& call = *state.call;
  // Console output of the last slice reaches the host while this waits.
  bridge_.DrainOneWay([&] {
    return closing() || call.Cancelled() || Clock::now() >= state.deadline;
  });
  // Calls its host functions made (and may wait for) run now, nested: queued
  // behind it they would never run.
  bool ran_nested = !closing() && !call.Cancelled() &&
                    Clock::now() < state.deadline &&
                    OwnThread().RunNestedCalls(call, [&](AsyncCall& nested) {
                      RunAsync(nested, state.deadline);
                    });
  Clock::time_point wake_at =
      std::min({state.deadline, state.next_timer, tasks_->NextDue()});
  if (!ran_nested && wake_at > Clock::now() && !call.Cancelled() &&
      !closing()) {
    OwnThread().WaitUntil(wake_at);
  }
  if (closing()) {
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
  if (state.meter.cpu_limited() && state.meter.cpu_left_ns() <= 0) {
    AbandonAsync(state, MR_ERROR_CPU_TIMEOUT, out);
    return true;
  }
  YieldToSyncCallers();
  return RunSlice(
      call.id, state.deadline, &call.cancelled, false, out, &state.meter,
      [&](Slice& slice) { return RunAsyncSlice(slice, state); });
}

void Sandbox::AbandonAsync(AsyncState& state, mr_value_type type,
                           mr_value* out) {
  switch (type) {
    case MR_ERROR_TIMEOUT:
      SetFailure(out, type, "", "the call exceeded its time limit");
      break;
    case MR_ERROR_CPU_TIMEOUT:
      SetFailure(out, type, "", "the call exceeded its CPU time limit");
      break;
    case MR_ERROR_CANCELLED:
      SetFailure(out, type, "", "the call was cancelled");
      break;
    default:
      SetFailure(out, type, "", "the MiniRacer was closed during the call");
      break;
  }
  std::lock_guard<std::timed_mutex> turn(slice_mutex_);
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HandleScope handle_scope(isolate_);
  DropCallState(state.call->id);
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

}  // namespace mini_racer
