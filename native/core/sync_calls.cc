// Synchronous calls: one slice on the host's thread each. See sandbox.h.
#include "core/sandbox.h"

namespace mini_racer {

void Sandbox::RunSyncCall(double timeout_ms, int flags, mr_value* out,
                          SliceBody body) {
  uint64_t id = next_call_id_.fetch_add(1, std::memory_order_relaxed);
  // Counted until the slice holds the isolate: the async thread lets it in.
  sync_waiting_.fetch_add(1, std::memory_order_relaxed);
  RunSlice(id, SyncDeadline{timeout_ms}, nullptr, true, out,
           [&](Slice& slice) {
             slice.UseResultFlags(flags);
             return body(slice);
           });
  WakeAsyncCall();
}

void Sandbox::Eval(const uint16_t* code, size_t units, double timeout_ms,
                   int flags, mr_value* out, CodeCacheRun* cache) {
  if (!(flags & MR_EVAL_CODE_CACHE)) cache = nullptr;
  RunSyncCall(timeout_ms, flags, out, [&](Slice& slice) {
    if (!RunEval(slice, code, units, cache)) return Step::kFailed;
    if (flags & MR_EVAL_DISCARD_RESULT) slice.result = v8::Undefined(isolate_);
    return SettleSync(slice);
  });
}

void Sandbox::Call(const uint16_t* path, size_t units, const mr_value* args,
                   size_t argc, double timeout_ms, int flags, mr_value* out) {
  RunSyncCall(timeout_ms, flags, out, [&](Slice& slice) {
    if (!RunPathCall(slice, path, units, args, argc)) return Step::kFailed;
    return SettleSync(slice);
  });
}

void Sandbox::HandleOp(int op, uint32_t handle, const mr_value* args,
                       size_t argc, double timeout_ms, int flags,
                       mr_value* out) {
  RunSyncCall(timeout_ms, flags, out, [&](Slice& slice) {
    if (!RunHandleOp(slice, op, handle, args, argc)) return Step::kFailed;
    if (op == MR_HANDLE_CALL) return SettleSync(slice);
    // A property read gives what is there, a promise included.
    RunQueuedWork();
    return isolate_->IsExecutionTerminating() ? Step::kFailed : Step::kValue;
  });
}

}  // namespace mini_racer
