// Host functions and the console: sandbox code calling out to the host.
// The arguments are copied out (all of one call within maxResultBytes
// together), the host function runs on the host's thread (directly, or
// through the HostBridge while the sandbox's thread waits), and its result
// or failure comes back as the call's value, a thrown Error, or a promise
// the host settles later (HostPromiseTable). See sandbox.h.
#include <optional>

#include "core/path_binder.h"
#include "core/sandbox.h"
#include "wire/failure.h"

namespace mini_racer {
namespace {

// Limit for defining an exposed function (the path may run getters).
constexpr double kExposeTimeoutMs = 1000;

// console.<method> and the level it is reported at.
const char* const kConsoleMethods[][2] = {
    {"log", "log"},     {"info", "info"},   {"warn", "warn"},
    {"error", "error"}, {"debug", "debug"}, {"trace", "debug"},
    {"dir", "log"}};

}  // namespace

void Sandbox::SetHost(mr_host_function function, mr_host_wakeup wakeup,
                      void* user_data) {
  bridge_.SetHost(function, wakeup, user_data);
  host_isolate_ = v8::Isolate::TryGetCurrent();
}

bool Sandbox::Expose(const uint16_t* path, size_t units, uint32_t function_id,
                     mr_value* error) {
  mr_value out{};
  // Not a call of the host's: the last call's report and the sums stay.
  mr_call_report last_report = last_report_;
  mr_usage usage = sync_usage_;
  RunSyncCall(mr_limits{kExposeTimeoutMs, 0}, 0, &out, [&](Slice& slice) {
    // Named after the last part of the path.
    size_t last = units;
    while (last > 0 && path[last - 1] != u'.') --last;
    v8::Local<v8::String> name;
    v8::Local<v8::Function> function;
    if (!v8::String::NewFromTwoByte(isolate_, path + last,
                                    v8::NewStringType::kNormal,
                                    static_cast<int>(units - last))
             .ToLocal(&name) ||
        !v8::Function::New(slice.context(), &Sandbox::HostFunctionCallback,
                           v8::Integer::NewFromUnsigned(isolate_, function_id),
                           0, v8::ConstructorBehavior::kThrow)
             .ToLocal(&function)) {
      return Step::kFailed;
    }
    function->SetName(name);
    if (!PathBinder(isolate_, slice.context(), path, units)
             .Bind(function, &slice.failure)) {
      return Step::kFailed;
    }
    slice.result = v8::Undefined(isolate_);
    return Step::kValue;
  });
  last_report_ = last_report;
  sync_usage_ = usage;
  if (out.type >= MR_ERROR_FIRST) {
    *error = out;
    return false;
  }
  mr_value_release(&out);
  return true;
}

void Sandbox::SettleHostPromise(uint64_t promise_id, const mr_value& value) {
  if (host_promises_.Settle(promise_id, value)) WakeAsyncCall();
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

bool Sandbox::ExchangeWithHost(
    v8::Local<v8::Context> context,
    const std::shared_ptr<HostBridge::Request>& request) {
  bool answered = true;
  // The host function's time is the host's: counted in the call's report,
  // and paused on its CPU meter.
  struct HostTime {
    Sandbox* self;
    CallMeter* meter;
    bool cpu;
    Clock::time_point start = Clock::now();
    HostTime(Sandbox* sandbox, CallMeter* call_meter)
        : self(sandbox),
          meter(call_meter),
          cpu(sandbox->watchdog_->MeteringCpu()) {
      if (cpu) self->watchdog_->PauseCpu();
    }
    ~HostTime() {
      if (cpu) self->watchdog_->ResumeCpu();
      if (meter == nullptr) return;
      ++meter->host_calls;
      meter->host_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                            Clock::now() - start)
                            .count();
    }
  };
  std::optional<HostTime> host_time;
  host_time.emplace(this, meter_);
  if (bridge_.OnHostThread()) {
    // The host function is JavaScript of Node's isolate, on this thread.
    auto call = [&] {
      bridge_.CallOnHostThread(request->call_id, request->function_id,
                               request->args.data(), request->args.size(),
                               &request->result);
    };
    if (host_isolate_ != nullptr) {
      v8::Isolate::Scope host_scope(host_isolate_);
      call();
    } else {
      call();
    }
  } else {
    answered = bridge_.CallFromSandboxThread(request, [this] {
      return watchdog_->Peek() != Watchdog::Stop::kNone || closing();
    });
  }
  host_time.reset();
  if (!answered) {
    // The call was stopped (time limit, cancel, close) while the host
    // function ran: end the script; the watchdog says why.
    watchdog_->StopHere();
    isolate_->TerminateExecution();
    return false;
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
    if (isolate_->IsExecutionTerminating()) return false;
    watchdog_->StopHere();
    v8::Local<v8::Function> probe = interrupt_probe_.Get(isolate_);
    probe->Call(context, v8::Undefined(isolate_), 0, nullptr).IsEmpty();
    return false;
  }
  if (!natives_guard_.Safe(isolate_, context)) {
    // The host function turned --allow-natives-syntax on: the script must
    // not go on to eval `%` code.
    stopped_for_unsafe_flags_ = true;
    isolate_->TerminateExecution();
    return false;
  }
  return true;
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
    if (console) {
      v8::TryCatch render(isolate_);
      if (!ValueCodec::Encode(isolate_, context, info[i],
                              ValueCodec::Mode::kRenderUncopyable,
                              handles_.get(), &budget, &arg, &clone_error)) {
        if (render.HasTerminated()) return;
        arg = mr_value{};  // undefined stands for what cannot be shown
      }
    } else if (!ValueCodec::Encode(isolate_, context, info[i],
                                   ValueCodec::Mode::kCopy, handles_.get(),
                                   &budget, &arg, &clone_error)) {
      // A value that cannot cross (a WeakMap) throws in the sandbox.
      return;
    }
    request->args.push_back(arg);
  }
  if (!ExchangeWithHost(context, request)) return;
  if (console || isolate_->IsExecutionTerminating()) return;
  const mr_value& result = request->result;
  if (result.type >= MR_ERROR_FIRST) {
    isolate_->ThrowException(ErrorFromFailure(isolate_, result));
    return;
  }
  v8::Local<v8::Value> value;
  if (result.type == MR_VALUE_HOST_PROMISE) {
    v8::Local<v8::Promise> promise;
    if (!host_promises_
             .Create(isolate_, context, static_cast<uint64_t>(result.number),
                     current_call_id_)
             .ToLocal(&promise)) {
      return;
    }
    value = promise;
  } else if (!ValueCodec::Decode(isolate_, context, handles_.get(), result,
                                 budget_.max_bytes(), &clone_error)
                  .ToLocal(&value)) {
    return;
  }
  info.GetReturnValue().Set(value);
}

}  // namespace mini_racer
