// The C API: a translation onto Sandbox. Besides unwrapping, it keeps the
// C API's own contract where the core has none of its own: a close from
// inside a call (mr_sandbox_close) and the value helpers a host needs to
// build values the sandbox will release (mr_value_copy, mr_failure_new).
#include "capi/mini_racer.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

#include "core/limits/memory_monitor.h"
#include "core/runtime/isolate_holder.h"
#include "core/limits/guard_state.h"
#include "core/sandbox.h"
#include "core/snapshot/setup_snapshot.h"
#include "wire/value_codec.h"

using mini_racer::Sandbox;

// What an mr_sandbox* points to: the core's Sandbox and whether the host has
// closed it from inside a call (mr_sandbox_close).
struct mr_sandbox {
  std::unique_ptr<Sandbox> core;
  std::atomic<bool> closing{false};
};

// What an mr_snapshot* points to: a share of the immutable snapshot, which
// the sandboxes made from it share too.
struct mr_snapshot {
  std::shared_ptr<const mini_racer::SetupSnapshot> core;
};

namespace {
Sandbox* Unwrap(mr_sandbox* sandbox) { return sandbox->core.get(); }

// A synchronous call cut short by mr_sandbox_close ended as a cancel in the
// core (which sees only mr_sandbox_cancel's stop): report the close.
void ReportClose(mr_sandbox* sandbox, mr_value* out) {
  if (out->type != MR_ERROR_CANCELLED ||
      !sandbox->closing.load(std::memory_order_acquire)) {
    return;
  }
  mr_value_release(out);
  mini_racer::SetFailure(out, MR_ERROR_CLOSED, "ContextClosedError",
                         "the MiniRacer was closed during the call");
}

// Process-wide, like the V8 state it mirrors: V8 counts every isolate of
// the process, and refuses to tear down while one is left.
std::atomic<size_t> abandoned_sandboxes{0};
}  // namespace

extern "C" {

const char* mr_v8_version(void) { return v8::V8::GetVersion(); }

int mr_init(void) {
  std::vector<intptr_t> guard_references;
  mini_racer::AddGuardExternalReferences(&guard_references);
  return mini_racer::IsolateHolder::InitializeProcess(
             std::move(guard_references))
             ? 0
             : -1;
}

int mr_snapshots_supported(void) {
  return mini_racer::SetupSnapshot::Supported() ? 1 : 0;
}

mr_snapshot* mr_snapshot_new(const mr_snapshot_recipe* recipe,
                             mr_value* error) {
  mini_racer::SetupSnapshot::Recipe core_recipe;
  core_recipe.setup.assign(recipe->setup, recipe->setup_length);
  if (recipe->warmup != nullptr) {
    core_recipe.warmup.assign(recipe->warmup, recipe->warmup_length);
  }
  core_recipe.max_memory = Sandbox::MaxMemoryOrDefault(recipe->max_memory);
  core_recipe.timeout_ms = recipe->timeout_ms;
  std::shared_ptr<const mini_racer::SetupSnapshot> core =
      mini_racer::SetupSnapshot::Make(core_recipe, error);
  if (!core) return nullptr;
  return new mr_snapshot{std::move(core)};
}

void mr_snapshot_free(mr_snapshot* snapshot) { delete snapshot; }

uint64_t mr_snapshot_bytes(const mr_snapshot* snapshot) {
  return snapshot->core->bytes();
}

uint64_t mr_snapshot_max_memory(const mr_snapshot* snapshot) {
  return snapshot->core->max_memory();
}

mr_sandbox* mr_sandbox_new(const mr_sandbox_options* options,
                           mr_value* error) {
  mr_sandbox_options defaults{};
  const mr_sandbox_options& chosen = options ? *options : defaults;
  std::unique_ptr<Sandbox> core = Sandbox::Create(
      chosen, chosen.snapshot != nullptr ? chosen.snapshot->core : nullptr,
      error);
  if (!core) return nullptr;
  auto* sandbox = new mr_sandbox();
  sandbox->core = std::move(core);
  return sandbox;
}

void mr_sandbox_free(mr_sandbox* sandbox) {
  delete sandbox;
  mini_racer::MemoryMonitor::ReturnFreedMemory(/*at_most_every_second=*/true);
}

int mr_sandbox_stop(mr_sandbox* sandbox, uint32_t grace_ms,
                    mr_sandbox_stopped on_stopped, void* user_data) {
  return Unwrap(sandbox)->StopWithin(
             std::chrono::milliseconds(grace_ms),
             [on_stopped, user_data] { on_stopped(user_data); })
             ? 1
             : 0;
}

void mr_sandbox_abandon(mr_sandbox*) {
  abandoned_sandboxes.fetch_add(1, std::memory_order_acq_rel);
}

size_t mr_abandoned_sandboxes(void) {
  return abandoned_sandboxes.load(std::memory_order_acquire);
}

void mr_sandbox_close(mr_sandbox* sandbox) {
  sandbox->closing.store(true, std::memory_order_release);
  Unwrap(sandbox)->Cancel();
}

void mr_eval(mr_sandbox* sandbox, const uint16_t* code, size_t code_units,
             mr_limits limits, int flags, mr_value* out) {
  Unwrap(sandbox)->Eval(code, code_units, limits, flags, out, nullptr);
  ReportClose(sandbox, out);
}

void mr_eval_cached(mr_sandbox* sandbox, const uint16_t* code,
                    size_t code_units, const uint8_t* cache,
                    size_t cache_length, mr_limits limits, int flags,
                    mr_value* out, mr_code_cache* cache_out) {
  mini_racer::CodeCacheRun run;
  run.in = cache_length > 0 ? cache : nullptr;
  run.in_length = run.in != nullptr ? cache_length : 0;
  bool wanted = (flags & MR_EVAL_CODE_CACHE) != 0;
  Unwrap(sandbox)->Eval(code, code_units, limits, flags, out,
                        wanted ? &run : nullptr);
  ReportClose(sandbox, out);
  if (cache_out != nullptr) run.MoveTo(cache_out);
}

void mr_call(mr_sandbox* sandbox, const uint16_t* path, size_t path_units,
             const mr_value* args, size_t argc, mr_limits limits, int flags,
             mr_value* out) {
  Unwrap(sandbox)->Call(path, path_units, args, argc, limits, flags, out);
  ReportClose(sandbox, out);
}

void mr_sandbox_cancel(mr_sandbox* sandbox) { Unwrap(sandbox)->Cancel(); }

void mr_sandbox_set_module_loader(mr_sandbox* sandbox, uint32_t function_id) {
  Unwrap(sandbox)->SetModuleLoader(function_id);
}

void mr_eval_module(mr_sandbox* sandbox, const uint16_t* code,
                    size_t code_units, const uint16_t* name,
                    size_t name_units, mr_limits limits, int flags,
                    mr_value* out) {
  Unwrap(sandbox)->EvalModule(code, code_units, name, name_units, limits,
                              flags & (MR_RESULT_HANDLES | MR_MODULE_IMPORT),
                              out);
  ReportClose(sandbox, out);
}

uint64_t mr_eval_module_async(mr_sandbox* sandbox, const uint16_t* code,
                              size_t code_units, const uint16_t* name,
                              size_t name_units, mr_limits limits, int flags,
                              mr_completion completion, void* user_data) {
  return Unwrap(sandbox)->EvalModuleAsync(
      code, code_units, name, name_units, limits,
      flags & (MR_RESULT_HANDLES | MR_MODULE_IMPORT), completion, user_data);
}

uint64_t mr_eval_async(mr_sandbox* sandbox, const uint16_t* code,
                       size_t code_units, mr_limits limits, int flags,
                       mr_completion completion, void* user_data) {
  return Unwrap(sandbox)->EvalAsync(code, code_units, nullptr, 0, limits,
                                    flags & ~MR_EVAL_CODE_CACHE, completion,
                                    user_data);
}

uint64_t mr_eval_async_cached(mr_sandbox* sandbox, const uint16_t* code,
                              size_t code_units, const uint8_t* cache,
                              size_t cache_length, mr_limits limits,
                              int flags, mr_completion completion,
                              void* user_data) {
  return Unwrap(sandbox)->EvalAsync(code, code_units, cache, cache_length,
                                    limits, flags, completion, user_data);
}

void mr_code_cache_take(mr_sandbox* sandbox, uint64_t call_id,
                        mr_code_cache* out) {
  mini_racer::CodeCacheRun run;
  Unwrap(sandbox)->TakeCodeCache(call_id, &run);
  run.MoveTo(out);
}

void mr_code_cache_release(mr_code_cache* cache) {
  if (cache == nullptr) return;
  std::free(cache->data);
  cache->data = nullptr;
  cache->length = 0;
}

uint64_t mr_call_async(mr_sandbox* sandbox, const uint16_t* path,
                       size_t path_units, const mr_value* args, size_t argc,
                       mr_limits limits, int flags, mr_completion completion,
                       void* user_data) {
  return Unwrap(sandbox)->CallAsync(path, path_units, args, argc, limits,
                                    flags, completion, user_data);
}

void mr_handle_op_run(mr_sandbox* sandbox, int op, uint32_t handle,
                      const mr_value* args, size_t argc, mr_limits limits,
                      int flags, mr_value* out) {
  Unwrap(sandbox)->HandleOp(op, handle, args, argc, limits, flags, out);
  ReportClose(sandbox, out);
}

uint64_t mr_handle_call_async(mr_sandbox* sandbox, uint32_t handle,
                              const mr_value* args, size_t argc,
                              mr_limits limits, int flags,
                              mr_completion completion, void* user_data) {
  return Unwrap(sandbox)->HandleCallAsync(handle, args, argc, limits,
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
  if (Unwrap(sandbox)->Expose(path, path_units, function_id, error)) return 0;
  ReportClose(sandbox, error);
  return -1;
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

int mr_last_call_report(mr_sandbox* sandbox, mr_call_report* out) {
  return Unwrap(sandbox)->LastCallReport(out) ? 1 : 0;
}

void mr_usage_get(mr_sandbox* sandbox, mr_usage* out) {
  Unwrap(sandbox)->GetUsage(out);
}

int mr_sandbox_set_memory_limits(mr_sandbox* sandbox, uint64_t max_memory,
                                 uint64_t soft_memory) {
  return Unwrap(sandbox)->SetMemoryLimits(max_memory, soft_memory) ? 0 : -1;
}

void mr_heap_snapshot(mr_sandbox* sandbox, uint64_t max_bytes,
                      double timeout_ms, mr_value* out) {
  Unwrap(sandbox)->HeapSnapshot(max_bytes, timeout_ms, out);
  ReportClose(sandbox, out);
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

int mr_value_copy(const mr_value* value, mr_value* out) {
  return mini_racer::TryCopyValue(*value, out) ? 0 : -1;
}

void mr_failure_new(int type, const char* name, size_t name_length,
                    const char* message, size_t message_length,
                    mr_value* out) {
  mini_racer::SetFailure(out, static_cast<mr_value_type>(type),
                         std::string_view(name, name_length),
                         std::string_view(message, message_length));
}

}  // extern "C"
