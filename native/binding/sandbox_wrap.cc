#include "sandbox_wrap.h"

#include <utility>

#include "addon_data.h"
#include "args.h"
#include "host_calls.h"
#include "sandbox_creation.h"

namespace mr_binding {

Napi::Function SandboxWrap::Define(Napi::Env env) {
  return DefineClass(
      env, "Sandbox",
      {
          Open<&SandboxWrap::Eval>("eval"),
          Open<&SandboxWrap::Call>("call"),
          Open<&SandboxWrap::HandleOp>("handleOp"),
          Open<&SandboxWrap::CallHandle>("callHandle"),
          Open<&SandboxWrap::Expose>("expose"),
          Open<&SandboxWrap::SetHost>("setHost"),
          Open<&SandboxWrap::HandleCount>("handleCount"),
          Open<&SandboxWrap::HeapStats>("heapStats"),
          Open<&SandboxWrap::LastCall>("lastCall"),
          Open<&SandboxWrap::Usage>("usage"),
          Open<&SandboxWrap::SetMemoryLimits>("setMemoryLimits"),
          Open<&SandboxWrap::HeapSnapshot>("heapSnapshot"),
          Open<&SandboxWrap::LowMemoryNotification>("lowMemoryNotification"),
          Open<&SandboxWrap::TakeCodeCache>("takeCodeCache"),
          Open<&SandboxWrap::StartAsync>("startAsync"),
          Started<&SandboxWrap::EvalAsync>("evalAsync"),
          Started<&SandboxWrap::CallAsync>("callAsync"),
          Started<&SandboxWrap::HandleCallAsync>("handleCallAsync"),
          Quiet<&SandboxWrap::Cancel>("cancel"),
          Quiet<&SandboxWrap::CancelCall>("cancelCall"),
          Quiet<&SandboxWrap::NestCall>("nestCall"),
          Quiet<&SandboxWrap::ReleaseHandle>("releaseHandle"),
          Quiet<&SandboxWrap::SettleHostPromise>("settleHostPromise"),
          Quiet<&SandboxWrap::SetConsole>("setConsole"),
          Open<&SandboxWrap::EvalModule>("evalModule"),
          Started<&SandboxWrap::EvalModuleAsync>("evalModuleAsync"),
          Open<&SandboxWrap::SetModuleLoader>("setModuleLoader"),
          InstanceMethod<&SandboxWrap::Close>("close"),
          StaticMethod<&SandboxCreation::Start>("create"),
      });
}

SandboxWrap::SandboxWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SandboxWrap>(info) {
  // A sandbox made in the background (SandboxCreation): its slot is handed
  // over and emptied, so the sandbox has exactly one owner at any time.
  // Only the binding sets `adopting`, and only around this constructor.
  AddonData* data = GetAddonData(info.Env());
  if (data->adopting != nullptr) {
    sandbox_ = std::exchange(*std::exchange(data->adopting, nullptr), nullptr);
    if (sandbox_ == nullptr) ThrowClosed(info.Env());
    return;
  }
  mr_sandbox_options options;
  if (!SandboxOptionsArg(info, 0, &options)) return;
  OwnedValue error;
  sandbox_ = mr_sandbox_new(&options, &error.value);
  if (sandbox_ == nullptr) ThrowFailure(info.Env(), error.value);
}

void SandboxWrap::RunHostRequests() {
  if (sandbox_ == nullptr) return;
  ActiveCall active(this);
  mr_sandbox_run_host_requests(sandbox_);
}

// eval(code: string, timeoutMs?, flags?, cache?: Uint8Array) -> value.
// With MR_EVAL_CODE_CACHE, what came of the cache waits for
// takeCodeCache(0).
Napi::Value SandboxWrap::Eval(const Napi::CallbackInfo& info) {
  Utf16Arg code;
  if (!HasArgs(info, {Arg::kString}, "code must be a string") ||
      !code.Read(info.Env(), info[0])) {
    return Napi::Value();
  }
  int flags = FlagsArg(info, 2);
  if (flags & MR_EVAL_CODE_CACHE) {
    CacheBytes cache = CacheArg(info, 3);
    mr_code_cache made{};
    Napi::Value result = Sync(info.Env(), [&](mr_value* out) {
      mr_eval_cached(sandbox_, code.data(), code.size(), cache.data,
                     cache.length, LimitsArg(info, 1), flags, out, &made);
    });
    mr_code_cache_release(&sync_code_cache_);
    sync_code_cache_ = made;
    return result;
  }
  return Sync(info.Env(), [&](mr_value* out) {
    mr_eval(sandbox_, code.data(), code.size(), LimitsArg(info, 1), flags,
            out);
  });
}

// takeCodeCache(callId) -> [status, bytes?]: what came of the code cache
// of async eval `callId`, or of the last synchronous one for 0.
Napi::Value SandboxWrap::TakeCodeCache(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  mr_code_cache taken{};
  uint64_t id = 0;
  if (IdArg(info, 0, &id)) {
    mr_code_cache_take(sandbox_, id, &taken);
  } else {
    taken = sync_code_cache_;
    sync_code_cache_ = mr_code_cache{};
  }
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(0u, Napi::Number::New(env, taken.status));
  if (taken.data != nullptr) {
    pair.Set(1u, Napi::Buffer<uint8_t>::Copy(env, taken.data, taken.length));
  }
  mr_code_cache_release(&taken);
  return pair;
}

// call(path: string, args: WireValue[], timeoutMs?, flags?) -> value
Napi::Value SandboxWrap::Call(const Napi::CallbackInfo& info) {
  Utf16Arg path;
  ArgList args;
  if (!HasArgs(info, {Arg::kString, Arg::kArray},
               "call(path, args, timeout) needs a string and an array") ||
      !path.Read(info.Env(), info[0]) ||
      !args.Read(info.Env(), info[1].As<Napi::Array>())) {
    return Napi::Value();
  }
  return Sync(info.Env(), [&](mr_value* out) {
    mr_call(sandbox_, path.data(), path.size(), args.data(), args.size(),
            LimitsArg(info, 2), FlagsArg(info, 3), out);
  });
}

// handleOp(op, handle, args, timeoutMs?, flags?) -> value
Napi::Value SandboxWrap::HandleOp(const Napi::CallbackInfo& info) {
  ArgList args;
  if (!HasArgs(info, {Arg::kNumber, Arg::kNumber, Arg::kArray},
               "handleOp(op, handle, args, ...)") ||
      !args.Read(info.Env(), info[2].As<Napi::Array>())) {
    return Napi::Value();
  }
  return Sync(info.Env(), [&](mr_value* out) {
    mr_handle_op_run(sandbox_, info[0].As<Napi::Number>().Int32Value(),
                     info[1].As<Napi::Number>().Uint32Value(), args.data(),
                     args.size(), LimitsArg(info, 3), FlagsArg(info, 4), out);
  });
}

// callHandle(handle, timeoutMs, flags, this, ...args) -> value:
// MR_HANDLE_CALL with the arguments read straight from this call (the hot
// path of a function handle).
Napi::Value SandboxWrap::CallHandle(const Napi::CallbackInfo& info) {
  ArgList args;
  if (!HasArgs(info, {Arg::kNumber, Arg::kAny, Arg::kAny, Arg::kAny},
               "callHandle(handle, timeout, flags, this, ...args)") ||
      !args.Read(info, 3)) {
    return Napi::Value();
  }
  return Sync(info.Env(), [&](mr_value* out) {
    mr_handle_op_run(sandbox_, MR_HANDLE_CALL,
                     info[0].As<Napi::Number>().Uint32Value(), args.data(),
                     args.size(), LimitsArg(info, 1), FlagsArg(info, 2), out);
  });
}

// expose(path: string, functionId: number)
Napi::Value SandboxWrap::Expose(const Napi::CallbackInfo& info) {
  Utf16Arg path;
  if (!HasArgs(info, {Arg::kString, Arg::kNumber},
               "expose(path, functionId)") ||
      !path.Read(info.Env(), info[0])) {
    return Napi::Value();
  }
  // On success *out stays undefined, the method's result.
  return Sync(info.Env(), [&](mr_value* out) {
    mr_sandbox_expose(sandbox_, path.data(), path.size(),
                      info[1].As<Napi::Number>().Uint32Value(), out);
  });
}

// setHost(dispatch): see host_calls.h for the protocol. Idempotent.
Napi::Value SandboxWrap::SetHost(const Napi::CallbackInfo& info) {
  if (!HasArgs(info, {Arg::kFunction}, "setHost needs a function")) {
    return Napi::Value();
  }
  if (dispatch_.IsEmpty()) {
    // Weak: the MiniRacer keeps it alive; a strong reference here would
    // keep the MiniRacer (and so the sandbox) alive forever.
    dispatch_ = Napi::Weak(info[0].As<Napi::Function>());
    mr_sandbox_set_host(sandbox_, &SandboxWrap::CallHost,
                        &SandboxWrap::WakeHost, this);
  }
  return info.Env().Undefined();
}

Napi::Value SandboxWrap::HandleCount(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(),
                           static_cast<double>(mr_handle_count(sandbox_)));
}

Napi::Value SandboxWrap::HeapStats(const Napi::CallbackInfo& info) {
  mr_heap_stats stats{};
  mr_heap_stats_get(sandbox_, &stats);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("totalHeapSize", static_cast<double>(stats.total_heap_size));
  out.Set("usedHeapSize", static_cast<double>(stats.used_heap_size));
  out.Set("heapSizeLimit", static_cast<double>(stats.heap_size_limit));
  out.Set("externalMemory", static_cast<double>(stats.external_memory));
  out.Set("maxMemory", static_cast<double>(stats.max_memory));
  out.Set("softLimitReached", stats.soft_limit_reached != 0);
  out.Set("memoryCapReached", stats.memory_cap_reached != 0);
  return out;
}

// lastCall() -> the report of the last synchronous call, or undefined.
Napi::Value SandboxWrap::LastCall(const Napi::CallbackInfo& info) {
  mr_call_report report{};
  if (mr_last_call_report(sandbox_, &report) == 0) {
    return info.Env().Undefined();
  }
  return ReportToJs(info.Env(), report);
}

// usage() -> { calls, wallMs, cpuMs, hostCalls, hostMs, gcMs }, summed.
Napi::Value SandboxWrap::Usage(const Napi::CallbackInfo& info) {
  mr_usage usage{};
  mr_usage_get(sandbox_, &usage);
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("calls", static_cast<double>(usage.calls));
  out.Set("wallMs", usage.wall_ms);
  out.Set("cpuMs", usage.cpu_ms);
  out.Set("hostCalls", static_cast<double>(usage.host_calls));
  out.Set("hostMs", usage.host_ms);
  out.Set("gcMs", usage.gc_ms);
  return out;
}

// setMemoryLimits(maxMemory, softMemory) -> whether maxMemory was within
// the cap the sandbox was made with (src/ validates the numbers).
Napi::Value SandboxWrap::SetMemoryLimits(const Napi::CallbackInfo& info) {
  auto number = [&](size_t i) {
    return info.Length() > i && info[i].IsNumber()
               ? info[i].As<Napi::Number>().DoubleValue()
               : 0.0;
  };
  int rc = mr_sandbox_set_memory_limits(
      sandbox_, static_cast<uint64_t>(number(0)),
      static_cast<uint64_t>(number(1)));
  return Napi::Boolean::New(info.Env(), rc == 0);
}

// heapSnapshot(maxBytes, timeoutMs) -> the snapshot's JSON text.
Napi::Value SandboxWrap::HeapSnapshot(const Napi::CallbackInfo& info) {
  double max_bytes = info.Length() > 0 && info[0].IsNumber()
                         ? info[0].As<Napi::Number>().DoubleValue()
                         : 0;
  double timeout_ms = info.Length() > 1 && info[1].IsNumber()
                          ? info[1].As<Napi::Number>().DoubleValue()
                          : 0;
  return Sync(info.Env(), [&](mr_value* out) {
    mr_heap_snapshot(sandbox_, static_cast<uint64_t>(max_bytes), timeout_ms,
                     out);
  });
}

Napi::Value SandboxWrap::LowMemoryNotification(
    const Napi::CallbackInfo& info) {
  mr_low_memory_notification(sandbox_);
  return info.Env().Undefined();
}

// startAsync(onComplete(id, ok, valueOrError)): opens the channel async
// results arrive through. Idempotent.
Napi::Value SandboxWrap::StartAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (channel_ != nullptr) return env.Undefined();
  if (!HasArgs(info, {Arg::kFunction}, "startAsync needs a function")) {
    return Napi::Value();
  }
  channel_ = AsyncChannel::Open(env, info[0].As<Napi::Function>(), this);
  if (channel_ == nullptr) return Napi::Value();
  // Runs before the thread-safe function's own teardown (hooks run in
  // reverse order), so the sandbox's thread is gone before the channel.
  // napi_add_env_cleanup_hook, not Env::AddCleanupHook: the hook removes
  // itself (FreeNow), which Env::CleanupHook would free twice.
  napi_add_env_cleanup_hook(env, &SandboxWrap::OnEnvCleanup, this);
  return env.Undefined();
}

// evalAsync(code, timeoutMs?, flags?) -> call id
Napi::Value SandboxWrap::EvalAsync(const Napi::CallbackInfo& info) {
  Utf16Arg code;
  if (!HasArgs(info, {Arg::kString}, "code must be a string") ||
      !code.Read(info.Env(), info[0])) {
    return Napi::Value();
  }
  int flags = FlagsArg(info, 2);
  CacheBytes cache = CacheArg(info, 3);
  return Async(info.Env(), [&](mr_completion done, void* channel) {
    return (flags & MR_EVAL_CODE_CACHE)
               ? mr_eval_async_cached(sandbox_, code.data(), code.size(),
                                      cache.data, cache.length,
                                      LimitsArg(info, 1), flags, done,
                                      channel)
               : mr_eval_async(sandbox_, code.data(), code.size(),
                               LimitsArg(info, 1), flags, done, channel);
  });
}

// callAsync(path, args, timeoutMs?, flags?) -> call id
Napi::Value SandboxWrap::CallAsync(const Napi::CallbackInfo& info) {
  Utf16Arg path;
  ArgList args;
  if (!HasArgs(info, {Arg::kString, Arg::kArray},
               "callAsync(path, args, timeout) needs a string and an array") ||
      !path.Read(info.Env(), info[0]) ||
      !args.Read(info.Env(), info[1].As<Napi::Array>())) {
    return Napi::Value();
  }
  return Async(info.Env(), [&](mr_completion done, void* channel) {
    return mr_call_async(sandbox_, path.data(), path.size(), args.data(),
                         args.size(), LimitsArg(info, 2), FlagsArg(info, 3),
                         done, channel);
  });
}

// handleCallAsync(handle, [this, ...args], timeoutMs?, flags?) -> call id
Napi::Value SandboxWrap::HandleCallAsync(const Napi::CallbackInfo& info) {
  ArgList args;
  if (!HasArgs(info, {Arg::kNumber, Arg::kArray},
               "handleCallAsync(handle, args, ...)") ||
      !args.Read(info.Env(), info[1].As<Napi::Array>())) {
    return Napi::Value();
  }
  return Async(info.Env(), [&](mr_completion done, void* channel) {
    return mr_handle_call_async(
        sandbox_, info[0].As<Napi::Number>().Uint32Value(), args.data(),
        args.size(), LimitsArg(info, 2), FlagsArg(info, 3), done, channel);
  });
}

Napi::Value SandboxWrap::Cancel(const Napi::CallbackInfo& info) {
  mr_sandbox_cancel(sandbox_);
  return info.Env().Undefined();
}

// cancelCall(id)
Napi::Value SandboxWrap::CancelCall(const Napi::CallbackInfo& info) {
  uint64_t id;
  if (IdArg(info, 0, &id)) mr_call_cancel(sandbox_, id);
  return info.Env().Undefined();
}

// nestCall(id, parentId): see mr_call_nest.
Napi::Value SandboxWrap::NestCall(const Napi::CallbackInfo& info) {
  uint64_t id, parent;
  if (IdArg(info, 0, &id) && IdArg(info, 1, &parent)) {
    mr_call_nest(sandbox_, id, parent);
  }
  return info.Env().Undefined();
}

// releaseHandle(handle)
Napi::Value SandboxWrap::ReleaseHandle(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1 && info[0].IsNumber()) {
    mr_handle_release(sandbox_, info[0].As<Napi::Number>().Uint32Value());
  }
  return info.Env().Undefined();
}

// settleHostPromise(promiseId, ok, value | [name, message])
Napi::Value SandboxWrap::SettleHostPromise(const Napi::CallbackInfo& info) {
  uint64_t id;
  if (!HasArgs(info, {Arg::kNumber, Arg::kBoolean, Arg::kAny},
               "settleHostPromise(id, ok, value)")) {
    return Napi::Value();
  }
  if (IdArg(info, 0, &id) &&
      !mr_binding::SettleHostPromise(info.Env(), sandbox_, id,
                                     info[1].As<Napi::Boolean>().Value(),
                                     info[2])) {
    return Napi::Value();
  }
  return info.Env().Undefined();
}

// setConsole(enabled)
Napi::Value SandboxWrap::SetConsole(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1) {
    mr_sandbox_set_console(sandbox_, info[0].ToBoolean().Value() ? 1 : 0);
  }
  return info.Env().Undefined();
}

// close() -> whether this call closed it
Napi::Value SandboxWrap::Close(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), CloseNow());
}

void SandboxWrap::CallHost(void* user_data, uint64_t call_id,
                           uint32_t function_id, const mr_value* args,
                           size_t argc, mr_value* result) {
  auto* self = static_cast<SandboxWrap*>(user_data);
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  CallHostFunction(env, self->dispatch_.Value(), call_id, function_id, args,
                   argc, result);
}

void SandboxWrap::WakeHost(void* user_data) {
  auto* self = static_cast<SandboxWrap*>(user_data);
  // Only async calls run on the sandbox's thread, so the channel exists.
  if (self->channel_ != nullptr) AsyncChannel::OnWakeup(self->channel_);
}

void SandboxWrap::OnEnvCleanup(void* data) {
  static_cast<SandboxWrap*>(data)->FreeNow(/*at_teardown=*/true);
}

// Closes the sandbox: now, or, when called from inside a call on it, as
// soon as that call has unwound (ActiveCall); meanwhile mr_sandbox_close
// stops its script and has it end with MR_ERROR_CLOSED.
bool SandboxWrap::CloseNow() {
  if (sandbox_ == nullptr || close_pending_) return false;
  if (active_ > 0) {
    close_pending_ = true;
    mr_sandbox_close(sandbox_);
    return true;
  }
  FreeNow();
  return true;
}

// Frees the sandbox (its thread completes what is pending, as closed) and
// then lets the channel go once it has delivered that.
void SandboxWrap::FreeNow(bool at_teardown) {
  close_pending_ = false;
  mr_sandbox* sandbox = std::exchange(sandbox_, nullptr);
  AsyncChannel* channel = std::exchange(channel_, nullptr);
  if (channel == nullptr) {
    // No async call was ever made, so no thread to wait for.
    if (sandbox != nullptr) mr_sandbox_free(sandbox);
    return;
  }
  channel->Detach();
  napi_remove_env_cleanup_hook(Env(), &SandboxWrap::OnEnvCleanup, this);
  if (sandbox != nullptr) {
    channel->FreeSandbox(Env(), sandbox, at_teardown);
  } else {
    channel->Release();
  }
}

}  // namespace mr_binding
