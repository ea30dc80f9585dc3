// The C API: a flat translation onto Sandbox. No logic lives here.
#include "capi/mini_racer.h"

#include <cstdlib>

#include "core/limits/memory_monitor.h"
#include "core/runtime/isolate_holder.h"
#include "core/sandbox.h"
#include "wire/value_codec.h"

using mini_racer::Sandbox;

namespace {
Sandbox* Unwrap(mr_sandbox* sandbox) {
  return reinterpret_cast<Sandbox*>(sandbox);
}
}  // namespace

extern "C" {

const char* mr_v8_version(void) { return v8::V8::GetVersion(); }

int mr_init(void) {
  return mini_racer::IsolateHolder::InitializeProcess() ? 0 : -1;
}

mr_sandbox* mr_sandbox_new(const mr_sandbox_options* options,
                           mr_value* error) {
  mr_sandbox_options defaults{};
  std::unique_ptr<Sandbox> sandbox =
      Sandbox::Create(options ? *options : defaults, error);
  return reinterpret_cast<mr_sandbox*>(sandbox.release());
}

void mr_sandbox_free(mr_sandbox* sandbox) {
  delete Unwrap(sandbox);
  mini_racer::MemoryMonitor::ReturnFreedMemory(/*at_most_every_second=*/true);
}

void mr_eval(mr_sandbox* sandbox, const uint16_t* code, size_t code_units,
             double timeout_ms, int flags, mr_value* out) {
  Unwrap(sandbox)->Eval(code, code_units, timeout_ms, flags, out);
}

void mr_call(mr_sandbox* sandbox, const uint16_t* path, size_t path_units,
             const mr_value* args, size_t argc, double timeout_ms, int flags,
             mr_value* out) {
  Unwrap(sandbox)->Call(path, path_units, args, argc, timeout_ms, flags, out);
}

void mr_sandbox_cancel(mr_sandbox* sandbox) { Unwrap(sandbox)->Cancel(); }

uint64_t mr_eval_async(mr_sandbox* sandbox, const uint16_t* code,
                       size_t code_units, double timeout_ms, int flags,
                       mr_completion completion, void* user_data) {
  return Unwrap(sandbox)->EvalAsync(code, code_units, timeout_ms, flags,
                                    completion, user_data);
}

uint64_t mr_call_async(mr_sandbox* sandbox, const uint16_t* path,
                       size_t path_units, const mr_value* args, size_t argc,
                       double timeout_ms, int flags, mr_completion completion,
                       void* user_data) {
  return Unwrap(sandbox)->CallAsync(path, path_units, args, argc, timeout_ms,
                                    flags, completion, user_data);
}

void mr_handle_op_run(mr_sandbox* sandbox, int op, uint32_t handle,
                      const mr_value* args, size_t argc, double timeout_ms,
                      int flags, mr_value* out) {
  Unwrap(sandbox)->HandleOp(op, handle, args, argc, timeout_ms, flags, out);
}

uint64_t mr_handle_call_async(mr_sandbox* sandbox, uint32_t handle,
                              const mr_value* args, size_t argc,
                              double timeout_ms, int flags,
                              mr_completion completion, void* user_data) {
  return Unwrap(sandbox)->HandleCallAsync(handle, args, argc, timeout_ms,
                                          flags, completion, user_data);
}

void mr_handle_release(mr_sandbox* sandbox, uint32_t handle) {
  Unwrap(sandbox)->ReleaseHandle(handle);
}

size_t mr_handle_count(mr_sandbox* sandbox) {
  return Unwrap(sandbox)->HandleCount();
}

void mr_sandbox_set_host(mr_sandbox* sandbox, mr_host_function function,
                         mr_host_wakeup wakeup, void* user_data) {
  Unwrap(sandbox)->SetHost(function, wakeup, user_data);
}

void mr_sandbox_run_host_requests(mr_sandbox* sandbox) {
  Unwrap(sandbox)->RunHostRequests();
}

int mr_sandbox_expose(mr_sandbox* sandbox, const uint16_t* path,
                      size_t path_units, uint32_t function_id,
                      mr_value* error) {
  return Unwrap(sandbox)->Expose(path, path_units, function_id, error) ? 0
                                                                       : -1;
}

void mr_host_promise_settle(mr_sandbox* sandbox, uint64_t promise_id,
                            const mr_value* value) {
  Unwrap(sandbox)->SettleHostPromise(promise_id, *value);
}

void mr_sandbox_set_console(mr_sandbox* sandbox, int enabled) {
  Unwrap(sandbox)->SetConsole(enabled != 0);
}

void mr_call_cancel(mr_sandbox* sandbox, uint64_t call_id) {
  Unwrap(sandbox)->CancelAsync(call_id);
}

void mr_call_nest(mr_sandbox* sandbox, uint64_t call_id, uint64_t parent_id) {
  Unwrap(sandbox)->NestAsync(call_id, parent_id);
}

void mr_heap_stats_get(mr_sandbox* sandbox, mr_heap_stats* out) {
  Unwrap(sandbox)->GetHeapStats(out);
}

void mr_low_memory_notification(mr_sandbox* sandbox) {
  Unwrap(sandbox)->LowMemoryNotification();
}

void mr_value_release(mr_value* value) {
  if (value == nullptr) return;
  std::free(const_cast<uint8_t*>(value->data));
  value->data = nullptr;
  value->length = 0;
}

}  // extern "C"
