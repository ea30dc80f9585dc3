// Synchronous calls: one slice on the host's thread each. See sandbox.h.
#include "core/sandbox.h"

namespace mini_racer {

void Sandbox::RunSyncCall(mr_limits limits, int flags, mr_value* out,
                          SliceBody body) {
  Clock::time_point start = Clock::now();
  uint64_t id = next_call_id_.fetch_add(1, std::memory_order_relaxed);
  CallMeter meter(limits.cpu_ms);
  // Counted until the slice holds the isolate: the async thread lets it in.
  sync_waiting_.fetch_add(1, std::memory_order_relaxed);
  RunSlice(id, SyncDeadline{limits.timeout_ms}, nullptr, true, out, &meter,
           [&](Slice& slice) {
             slice.UseResultFlags(flags);
             return body(slice);
           });
  // heap_used is read when asked for (LastCallReport).
  meter.Report(Clock::now() - start, 0, &last_report_);
  AddToUsage(last_report_, &sync_usage_);
  WakeAsyncCall();
}

void Sandbox::GetUsage(mr_usage* out) {
  *out = sync_usage_;
  MutexLock lock(async_usage_mutex_);
  out->calls += async_usage_.calls;
  out->wall_ms += async_usage_.wall_ms;
  out->cpu_ms += async_usage_.cpu_ms;
  out->host_ms += async_usage_.host_ms;
  out->gc_ms += async_usage_.gc_ms;
  out->host_calls += async_usage_.host_calls;
}

bool Sandbox::LastCallReport(mr_call_report* out) {
  if (sync_usage_.calls == 0) return false;
  *out = last_report_;
  // The heap as the call left it, unless an async call is running (its
  // slices record the figures heapStats reads).
  std::unique_lock<std::timed_mutex> turn(slice_mutex_, std::try_to_lock);
  if (!turn.owns_lock()) {
    out->heap_used = memory_->LastHeapFigures().used;
    return true;
  }
  // As a sync call does: the host thread's V8 state stays parked, so this
  // Locker does not rebuild it.
  parked_host_state_.ParkOnce(isolate_);
  v8::Locker locker(isolate_);
  v8::Isolate::Scope isolate_scope(isolate_);
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  out->heap_used = stats.used_heap_size();
  return true;
}

void Sandbox::Eval(const uint16_t* code, size_t units, mr_limits limits,
                   int flags, mr_value* out, CodeCacheRun* cache) {
  if (!(flags & MR_EVAL_CODE_CACHE)) cache = nullptr;
  RunSyncCall(limits, flags, out, [&](Slice& slice) {
    if (!RunEval(slice, code, units, cache)) return Step::kFailed;
    if (flags & MR_EVAL_DISCARD_RESULT) slice.result = v8::Undefined(isolate_);
    return SettleSync(slice);
  });
}

void Sandbox::Call(const uint16_t* path, size_t units, const mr_value* args,
                   size_t argc, mr_limits limits, int flags, mr_value* out) {
  RunSyncCall(limits, flags, out, [&](Slice& slice) {
    if (!RunPathCall(slice, path, units, args, argc)) return Step::kFailed;
    return SettleSync(slice);
  });
}

void Sandbox::HandleOp(int op, uint32_t handle, const mr_value* args,
                       size_t argc, mr_limits limits, int flags,
                       mr_value* out) {
  RunSyncCall(limits, flags, out, [&](Slice& slice) {
    if (!RunHandleOp(slice, op, handle, args, argc)) return Step::kFailed;
    if (op == MR_HANDLE_CALL) return SettleSync(slice);
    // A property read gives what is there, a promise included.
    RunQueuedWork();
    return isolate_->IsExecutionTerminating() ? Step::kFailed : Step::kValue;
  });
}

}  // namespace mini_racer
