// The Node-API binding: maps the C API in mini_racer.h onto JavaScript and
// nothing more. Argument shapes are checked here only so that misuse cannot
// crash the process; friendly validation and every user-facing type live in
// src/ (TypeScript).
//
// Values: primitives cross as JavaScript primitives; anything else crosses
// as a Uint8Array of V8 serialization bytes, produced and consumed in src/.
// Failures are thrown as whatever the error factory registered by src/
// builds from (kind, name, message, stack).
#include <napi.h>
#include <node_version.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mini_racer.h"

namespace {

// Results this large are handed to JavaScript without a copy.
constexpr size_t kExternalBufferThreshold = 64 * 1024;

struct AddonData {
  Napi::FunctionReference error_factory;
};

// Owns an output mr_value for the duration of a binding call.
struct OwnedValue {
  mr_value value{};
  ~OwnedValue() { mr_value_release(&value); }
};

Napi::Value Throw(Napi::Env env, int kind, const std::string& name,
                  const std::string& message, const std::string& stack) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_factory.IsEmpty()) {
    Napi::Value error = data->error_factory.Call(
        {Napi::Number::New(env, kind), Napi::String::New(env, name),
         Napi::String::New(env, message), Napi::String::New(env, stack)});
    if (!env.IsExceptionPending()) {
      napi_throw(env, error);
    }
  } else {
    Napi::Error::New(env, name + ": " + message).ThrowAsJavaScriptException();
  }
  return Napi::Value();
}

// Completions of async calls travel from the sandbox's thread to Node's
// event loop through one thread-safe function per sandbox. The channel is
// the thread-safe function's context and lives until it is finalized.
class SandboxWrap;
void RunHostRequestsFor(SandboxWrap* owner);

struct AsyncChannel {
  napi_threadsafe_function tsfn = nullptr;
  // Answers the host calls the sandbox's thread asks for; null once closed.
  SandboxWrap* owner = nullptr;
  // Calls issued and not yet delivered; while any, the channel keeps
  // Node's event loop alive, as pending I/O does. Main thread only.
  size_t pending = 0;
  bool released = false;
};

struct Completion {
  uint64_t id;  // 0: not a completion, but host calls to answer
  mr_value value;
};

// Runs on the sandbox's thread when it waits for host calls.
void OnHostWakeup(void* user_data) {
  auto* channel = static_cast<AsyncChannel*>(user_data);
  auto* item = new Completion{0, mr_value{}};
  if (napi_call_threadsafe_function(channel->tsfn, item,
                                    napi_tsfn_nonblocking) != napi_ok) {
    delete item;
  }
}

// Runs on the sandbox's thread (or wherever the C API completes a call).
void OnCallComplete(void* user_data, uint64_t id, mr_value* result) {
  auto* channel = static_cast<AsyncChannel*>(user_data);
  auto* item = new Completion{id, *result};
  *result = mr_value{};
  if (napi_call_threadsafe_function(channel->tsfn, item,
                                    napi_tsfn_nonblocking) != napi_ok) {
    mr_value_release(&item->value);
    delete item;
  }
}

Napi::Value ToJs(Napi::Env env, mr_value* value, bool borrowed = false);

// Runs on Node's thread: hands (id, ok, value or error) to the JavaScript
// completion handler. env is null when the channel is torn down unsent.
void DeliverCompletion(napi_env env, napi_value handler, void* context,
                       void* data) {
  auto* item = static_cast<Completion*>(data);
  auto* channel = static_cast<AsyncChannel*>(context);
  if (env != nullptr && item->id == 0) {
    if (channel->owner != nullptr) RunHostRequestsFor(channel->owner);
  } else if (env != nullptr) {
    if (channel->pending > 0 && --channel->pending == 0 &&
        !channel->released) {
      napi_unref_threadsafe_function(env, channel->tsfn);
    }
    Napi::Env napi_env(env);
    Napi::HandleScope scope(napi_env);
    Napi::Value value = ToJs(napi_env, &item->value);
    bool ok = !napi_env.IsExceptionPending();
    napi_value args[3] = {
        Napi::Number::New(napi_env, static_cast<double>(item->id)),
        Napi::Boolean::New(napi_env, ok),
        ok ? static_cast<napi_value>(value)
           : static_cast<napi_value>(
                 napi_env.GetAndClearPendingException().Value())};
    napi_value ignored;
    napi_call_function(env, napi_env.Undefined(), handler, 3, args, &ignored);
  }
  mr_value_release(&item->value);
  delete item;
}

Napi::Value ThrowFailure(Napi::Env env, const mr_value& failure) {
  const char* text = reinterpret_cast<const char*>(failure.data);
  std::string parts[3];
  size_t part = 0;
  for (size_t i = 0; i < failure.length && part < 3; ++i) {
    if (text[i] == '\0') {
      ++part;
    } else {
      parts[part].push_back(text[i]);
    }
  }
  return Throw(env, failure.type, parts[0], parts[1], parts[2]);
}

Napi::Value ThrowTypeError(Napi::Env env, const char* message) {
  Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  return Napi::Value();
}

// Converts an output value, taking over its buffer where that avoids a copy
// (unless `borrowed`). A handle becomes [type, id] for src/ to wrap.
Napi::Value ToJs(Napi::Env env, mr_value* value, bool borrowed) {
  napi_value result = nullptr;
  napi_status status = napi_ok;
  switch (value->type) {
    case MR_VALUE_UNDEFINED:
      return env.Undefined();
    case MR_VALUE_NULL:
      return env.Null();
    case MR_VALUE_BOOLEAN:
      return Napi::Boolean::New(env, value->number != 0);
    case MR_VALUE_NUMBER:
      return Napi::Number::New(env, value->number);
    case MR_VALUE_STRING_LATIN1:
      status = napi_create_string_latin1(
          env, reinterpret_cast<const char*>(value->data), value->length,
          &result);
      break;
    case MR_VALUE_STRING_UTF16:
      status = napi_create_string_utf16(
          env, reinterpret_cast<const char16_t*>(value->data),
          value->length / 2, &result);
      break;
    case MR_VALUE_FUNCTION:
    case MR_VALUE_OBJECT:
    case MR_VALUE_ARRAY:
    case MR_VALUE_SYMBOL: {
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(uint32_t{0}, Napi::Number::New(env, value->type));
      pair.Set(uint32_t{1}, Napi::Number::New(env, value->number));
      return pair;
    }
    case MR_VALUE_SERIALIZED:
      if (!borrowed && value->length >= kExternalBufferThreshold) {
        auto* bytes = const_cast<uint8_t*>(value->data);
        Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(
            env, bytes, value->length,
            [](Napi::Env, uint8_t* data) { std::free(data); });
        if (env.IsExceptionPending()) return Napi::Value();
        value->data = nullptr;
        value->length = 0;
        return buffer;
      }
      return Napi::Buffer<uint8_t>::Copy(env, value->data, value->length);
    default:
      return ThrowFailure(env, *value);
  }
  if (status != napi_ok) {
    return Throw(env, MR_ERROR_VALUE, "RangeError",
                 "the result string is too large for the host", "");
  }
  return Napi::Value(env, result);
}

// Reads a JavaScript string as UTF-16. Short strings (the common case) are
// read in one call into inline storage; longer ones are measured first.
class Utf16Arg {
 public:
  bool Read(Napi::Env env, napi_value value) {
    size_t copied = 0;
    if (napi_get_value_string_utf16(env, value, inline_, kInline, &copied) !=
        napi_ok) {
      return false;
    }
    if (copied + 1 < kInline) {
      data_ = inline_;
      size_ = copied;
      return true;
    }
    size_t length = 0;
    if (napi_get_value_string_utf16(env, value, nullptr, 0, &length) !=
        napi_ok) {
      return false;
    }
    heap_.resize(length);
    if (napi_get_value_string_utf16(env, value, heap_.data(), length + 1,
                                    &copied) != napi_ok) {
      return false;
    }
    data_ = heap_.data();
    size_ = copied;
    return true;
  }
  const uint16_t* data() const {
    return reinterpret_cast<const uint16_t*>(data_);
  }
  size_t size() const { return size_; }

 private:
  static constexpr size_t kInline = 256;
  char16_t inline_[kInline];
  std::u16string heap_;
  const char16_t* data_ = nullptr;
  size_t size_ = 0;
};

// Reads one value for the sandbox: a primitive, a Uint8Array of
// serialization bytes, or [type, id] (a handle).
// Strings are read into *storage, which `out` points into.
bool ReadValue(Napi::Env env, Napi::Value arg, napi_valuetype type,
               mr_value* out, Utf16Arg* storage) {
  *out = mr_value{};
  switch (type) {
    case napi_undefined:
      out->type = MR_VALUE_UNDEFINED;
      return true;
    case napi_null:
      out->type = MR_VALUE_NULL;
      return true;
    case napi_boolean:
      out->type = MR_VALUE_BOOLEAN;
      out->number = arg.As<Napi::Boolean>().Value() ? 1 : 0;
      return true;
    case napi_number:
      out->type = MR_VALUE_NUMBER;
      out->number = arg.As<Napi::Number>().DoubleValue();
      return true;
    case napi_string:
      if (!storage->Read(env, arg)) return false;
      out->type = MR_VALUE_STRING_UTF16;
      out->data = reinterpret_cast<const uint8_t*>(storage->data());
      out->length = storage->size() * 2;
      return true;
    default:
      break;
  }
  if (arg.IsArray()) {
    Napi::Array array = arg.As<Napi::Array>();
    uint32_t length = array.Length();
    Napi::Value first = array.Get(uint32_t{0});
    if (env.IsExceptionPending()) return false;
    Napi::Value id = array.Get(uint32_t{1});
    if (env.IsExceptionPending()) return false;
    if (length == 2 && first.IsNumber() && id.IsNumber()) {
      int32_t kind = first.As<Napi::Number>().Int32Value();
      if (kind >= MR_VALUE_FUNCTION && kind <= MR_VALUE_SYMBOL) {
        out->type = kind;
        out->number = id.As<Napi::Number>().DoubleValue();
        return true;
      }
    }
    ThrowTypeError(env, "malformed handle argument");
    return false;
  }
  if (arg.IsTypedArray() &&
      arg.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    auto bytes = arg.As<Napi::Uint8Array>();
    out->type = MR_VALUE_SERIALIZED;
    out->data = bytes.Data();
    out->length = bytes.ByteLength();
    return true;
  }
  ThrowTypeError(env, "arguments must be primitives or serialized bytes");
  return false;
}

// Call arguments read from a JavaScript array or the call itself: inline
// for the usual handful; strings get storage of their own, which the
// mr_values point into.
class ArgList {
 public:
  ArgList() = default;
  ArgList(const ArgList&) = delete;
  ArgList& operator=(const ArgList&) = delete;

  bool Read(Napi::Env env, Napi::Array array) {
    uint32_t count = array.Length();
    Reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
      Napi::Value arg = array.Get(i);
      if (env.IsExceptionPending()) return false;
      if (!ReadOne(env, arg, i)) return false;
    }
    return true;
  }

  // The call's own arguments from `first` on: no array in between.
  bool Read(const Napi::CallbackInfo& info, size_t first) {
    size_t count = info.Length() > first ? info.Length() - first : 0;
    Reserve(count);
    for (size_t i = 0; i < count; ++i) {
      if (!ReadOne(info.Env(), info[first + i], i)) return false;
    }
    return true;
  }
  const mr_value* data() const { return values_; }
  size_t size() const { return size_; }

 private:
  void Reserve(size_t count) {
    if (count > kInline) {
      heap_.resize(count);
      values_ = heap_.data();
    }
  }

  bool ReadOne(Napi::Env env, Napi::Value arg, size_t i) {
    {
      Utf16Arg* storage = nullptr;
      napi_valuetype type = arg.Type();
      if (type == napi_string) {
        if (inline_used_ < kInlineStrings) {
          storage = &inline_strings_[inline_used_++];
        } else {
          strings_.push_back(std::make_unique<Utf16Arg>());
          storage = strings_.back().get();
        }
      }
      if (!ReadValue(env, arg, type, &values_[i], storage)) return false;
      size_ = i + 1;
    }
    return true;
  }

  static constexpr size_t kInline = 8;
  static constexpr size_t kInlineStrings = 2;
  mr_value inline_[kInline];
  std::vector<mr_value> heap_;
  mr_value* values_ = inline_;
  size_t size_ = 0;
  Utf16Arg inline_strings_[kInlineStrings];
  size_t inline_used_ = 0;
  std::vector<std::unique_ptr<Utf16Arg>> strings_;
};

class SandboxWrap : public Napi::ObjectWrap<SandboxWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(
        env, "Sandbox",
        {
            InstanceMethod<&SandboxWrap::Eval>("eval"),
            InstanceMethod<&SandboxWrap::Call>("call"),
            InstanceMethod<&SandboxWrap::Cancel>("cancel"),
            InstanceMethod<&SandboxWrap::HeapStats>("heapStats"),
            InstanceMethod<&SandboxWrap::LowMemoryNotification>(
                "lowMemoryNotification"),
            InstanceMethod<&SandboxWrap::Close>("close"),
            InstanceMethod<&SandboxWrap::StartAsync>("startAsync"),
            InstanceMethod<&SandboxWrap::EvalAsync>("evalAsync"),
            InstanceMethod<&SandboxWrap::CallAsync>("callAsync"),
            InstanceMethod<&SandboxWrap::CancelCall>("cancelCall"),
            InstanceMethod<&SandboxWrap::NestCall>("nestCall"),
            InstanceMethod<&SandboxWrap::HandleOp>("handleOp"),
            InstanceMethod<&SandboxWrap::CallHandle>("callHandle"),
            InstanceMethod<&SandboxWrap::HandleCallAsync>("handleCallAsync"),
            InstanceMethod<&SandboxWrap::ReleaseHandle>("releaseHandle"),
            InstanceMethod<&SandboxWrap::HandleCount>("handleCount"),
            InstanceMethod<&SandboxWrap::SetHost>("setHost"),
            InstanceMethod<&SandboxWrap::Expose>("expose"),
            InstanceMethod<&SandboxWrap::SettleHostPromise>(
                "settleHostPromise"),
            InstanceMethod<&SandboxWrap::SetConsole>("setConsole"),
        });
  }

  // new Sandbox(maxMemoryBytes, softMemoryBytes, maxResultBytes?)
  explicit SandboxWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SandboxWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) {
      ThrowTypeError(env, "Sandbox(maxMemory, softMemory) takes two numbers");
      return;
    }
    double max_memory = info[0].As<Napi::Number>().DoubleValue();
    double soft_memory = info[1].As<Napi::Number>().DoubleValue();
    double max_result = info.Length() > 2 && info[2].IsNumber()
                            ? info[2].As<Napi::Number>().DoubleValue()
                            : 0;
    if (!(max_memory >= 0 && max_memory < 9.0e15) ||
        !(soft_memory >= 0 && soft_memory < 9.0e15) ||
        !(max_result >= 0 && max_result < 9.0e15)) {
      Napi::RangeError::New(env, "memory limits must be non-negative")
          .ThrowAsJavaScriptException();
      return;
    }
    mr_sandbox_options options{};
    options.max_memory = static_cast<uint64_t>(max_memory);
    options.soft_memory = static_cast<uint64_t>(soft_memory);
    options.max_result_bytes = static_cast<uint64_t>(max_result);
    OwnedValue error;
    sandbox_ = mr_sandbox_new(&options, &error.value);
    if (sandbox_ == nullptr) ThrowFailure(env, error.value);
  }

  ~SandboxWrap() override { FreeNow(); }

 private:
  // Marks a native call on this sandbox in progress on this thread: a
  // close() from inside it (a host function, a console handler) must not
  // free the isolate under the call's feet, so it is finished here instead.
  class ActiveCall {
   public:
    explicit ActiveCall(SandboxWrap* wrap) : wrap_(wrap) { ++wrap_->active_; }
    ~ActiveCall() {
      if (--wrap_->active_ == 0 && wrap_->close_pending_) wrap_->FreeNow();
    }

   private:
    SandboxWrap* wrap_;
  };

 public:
  void RunHostRequests() {
    if (sandbox_ == nullptr) return;
    ActiveCall active(this);
    mr_sandbox_run_host_requests(sandbox_);
  }

 private:
  // A result, or the failure thrown; a call cut short by a close() from
  // inside it says so.
  Napi::Value Result(Napi::Env env, mr_value* value) {
    if ((close_pending_ || sandbox_ == nullptr) &&
        value->type == MR_ERROR_CANCELLED) {
      mr_value_release(value);
      return Throw(env, MR_ERROR_CLOSED, "ContextClosedError",
                   "the MiniRacer was closed during the call", "");
    }
    return ToJs(env, value);
  }

  bool EnsureOpen(Napi::Env env) {
    if (sandbox_ != nullptr && !close_pending_) return true;
    Throw(env, MR_ERROR_CLOSED, "ContextClosedError",
          "this MiniRacer is closed", "");
    return false;
  }

  static double TimeoutArg(const Napi::CallbackInfo& info, size_t index) {
    if (info.Length() <= index || !info[index].IsNumber()) return 0;
    return info[index].As<Napi::Number>().DoubleValue();
  }

  // MR_EVAL_DISCARD_RESULT | MR_RESULT_HANDLES, as a number.
  static int FlagsArg(const Napi::CallbackInfo& info, size_t index) {
    if (info.Length() <= index || !info[index].IsNumber()) return 0;
    return info[index].As<Napi::Number>().Int32Value() &
           (MR_EVAL_DISCARD_RESULT | MR_RESULT_HANDLES);
  }

  // eval(code: string, timeoutMs: number, flags?: number)
  Napi::Value Eval(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 1 || !info[0].IsString()) {
      return ThrowTypeError(env, "code must be a string");
    }
    Utf16Arg code;
    if (!code.Read(env, info[0])) return Napi::Value();
    OwnedValue result;
    {
      ActiveCall active(this);
      mr_eval(sandbox_, code.data(), code.size(), TimeoutArg(info, 1),
              FlagsArg(info, 2), &result.value);
    }
    return Result(env, &result.value);
  }

  // call(path: string, args: unknown[], timeoutMs: number); each argument
  // is a primitive or a Uint8Array of serialization bytes.
  Napi::Value Call(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
      return ThrowTypeError(env, "call(path, args, timeout) needs a string "
                                 "and an array");
    }
    Utf16Arg path;
    if (!path.Read(env, info[0])) return Napi::Value();
    ArgList args;
    if (!args.Read(env, info[1].As<Napi::Array>())) return Napi::Value();
    OwnedValue result;
    {
      ActiveCall active(this);
      mr_call(sandbox_, path.data(), path.size(), args.data(), args.size(),
              TimeoutArg(info, 2), FlagsArg(info, 3), &result.value);
    }
    return Result(env, &result.value);
  }

  // startAsync(onComplete(id, ok, valueOrError)): opens the channel that
  // async results arrive through. Idempotent.
  Napi::Value StartAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (channel_ != nullptr) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      return ThrowTypeError(env, "startAsync needs a function");
    }
    auto* channel = new AsyncChannel();
    napi_value name = Napi::String::New(env, "mini-racer:async");
    // The channel is both the finalizer's data (freed there) and the
    // context every delivery sees.
    napi_status status = napi_create_threadsafe_function(
        env, info[0], nullptr, name, 0, 1, channel,
        [](napi_env, void* finalize_data, void*) {
          delete static_cast<AsyncChannel*>(finalize_data);
        },
        channel, DeliverCompletion, &channel->tsfn);
    if (status != napi_ok) {
      delete channel;
      return Throw(env, MR_ERROR_INTERNAL, "Error",
                   "could not create the async channel", "");
    }
    napi_unref_threadsafe_function(env, channel->tsfn);
    channel->owner = this;
    channel_ = channel;
    // Runs before the thread-safe function's own teardown (hooks run in
    // reverse order), so the sandbox's thread is gone before the channel.
    napi_add_env_cleanup_hook(env, &SandboxWrap::OnEnvCleanup, this);
    return env.Undefined();
  }

  static void OnEnvCleanup(void* data) {
    static_cast<SandboxWrap*>(data)->FreeNow();
  }

  bool EnsureAsync(Napi::Env env) {
    if (!EnsureOpen(env)) return false;
    if (channel_ != nullptr) return true;
    Throw(env, MR_ERROR_INTERNAL, "Error", "startAsync was not called", "");
    return false;
  }

  void TrackCall(Napi::Env env) {
    if (channel_->pending++ == 0) {
      napi_ref_threadsafe_function(env, channel_->tsfn);
    }
  }

  // evalAsync(code, timeoutMs, discardResult?) -> call id
  Napi::Value EvalAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureAsync(env)) return Napi::Value();
    if (info.Length() < 1 || !info[0].IsString()) {
      return ThrowTypeError(env, "code must be a string");
    }
    Utf16Arg code;
    if (!code.Read(env, info[0])) return Napi::Value();
    TrackCall(env);
    uint64_t id = mr_eval_async(sandbox_, code.data(), code.size(),
                                TimeoutArg(info, 1), FlagsArg(info, 2),
                                OnCallComplete, channel_);
    return Napi::Number::New(env, static_cast<double>(id));
  }

  // callAsync(path, args, timeoutMs) -> call id
  Napi::Value CallAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureAsync(env)) return Napi::Value();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsArray()) {
      return ThrowTypeError(env, "callAsync(path, args, timeout) needs a "
                                 "string and an array");
    }
    Utf16Arg path;
    if (!path.Read(env, info[0])) return Napi::Value();
    ArgList args;
    if (!args.Read(env, info[1].As<Napi::Array>())) return Napi::Value();
    TrackCall(env);
    uint64_t id = mr_call_async(sandbox_, path.data(), path.size(),
                                args.data(), args.size(), TimeoutArg(info, 2),
                                FlagsArg(info, 3), OnCallComplete, channel_);
    return Napi::Number::New(env, static_cast<double>(id));
  }

  // cancelCall(id)
  Napi::Value CancelCall(const Napi::CallbackInfo& info) {
    if (sandbox_ != nullptr && info.Length() >= 1 && info[0].IsNumber()) {
      double id = info[0].As<Napi::Number>().DoubleValue();
      if (id >= 1 && id < 9.0e15) {
        mr_call_cancel(sandbox_, static_cast<uint64_t>(id));
      }
    }
    return info.Env().Undefined();
  }

  // nestCall(id, parentId): see mr_call_nest.
  Napi::Value NestCall(const Napi::CallbackInfo& info) {
    if (sandbox_ != nullptr && info.Length() >= 2 && info[0].IsNumber() &&
        info[1].IsNumber()) {
      double id = info[0].As<Napi::Number>().DoubleValue();
      double parent = info[1].As<Napi::Number>().DoubleValue();
      if (id >= 1 && id < 9.0e15 && parent >= 1 && parent < 9.0e15) {
        mr_call_nest(sandbox_, static_cast<uint64_t>(id),
                     static_cast<uint64_t>(parent));
      }
    }
    return info.Env().Undefined();
  }

  // handleOp(op, handle, args, timeoutMs, flags) -> value
  Napi::Value HandleOp(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() ||
        !info[2].IsArray()) {
      return ThrowTypeError(env, "handleOp(op, handle, args, ...)");
    }
    ArgList args;
    if (!args.Read(env, info[2].As<Napi::Array>())) return Napi::Value();
    OwnedValue result;
    {
      ActiveCall active(this);
      mr_handle_op_run(sandbox_, info[0].As<Napi::Number>().Int32Value(),
                       info[1].As<Napi::Number>().Uint32Value(), args.data(),
                       args.size(), TimeoutArg(info, 3), FlagsArg(info, 4),
                       &result.value);
    }
    return Result(env, &result.value);
  }

  // callHandle(handle, timeoutMs, flags, this, ...args): MR_HANDLE_CALL
  // with the arguments read straight from this call (the hot path of a
  // function handle).
  Napi::Value CallHandle(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 4 || !info[0].IsNumber()) {
      return ThrowTypeError(env, "callHandle(handle, timeout, flags, this, ...args)");
    }
    ArgList args;
    if (!args.Read(info, 3)) return Napi::Value();
    OwnedValue result;
    {
      ActiveCall active(this);
      mr_handle_op_run(sandbox_, MR_HANDLE_CALL,
                       info[0].As<Napi::Number>().Uint32Value(), args.data(),
                       args.size(), TimeoutArg(info, 1), FlagsArg(info, 2),
                       &result.value);
    }
    return Result(env, &result.value);
  }

  // handleCallAsync(handle, [this, ...args], timeoutMs, flags) -> call id
  Napi::Value HandleCallAsync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureAsync(env)) return Napi::Value();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsArray()) {
      return ThrowTypeError(env, "handleCallAsync(handle, args, ...)");
    }
    ArgList args;
    if (!args.Read(env, info[1].As<Napi::Array>())) return Napi::Value();
    TrackCall(env);
    uint64_t id = mr_handle_call_async(
        sandbox_, info[0].As<Napi::Number>().Uint32Value(), args.data(),
        args.size(), TimeoutArg(info, 2), FlagsArg(info, 3), OnCallComplete,
        channel_);
    return Napi::Number::New(env, static_cast<double>(id));
  }

  Napi::Value ReleaseHandle(const Napi::CallbackInfo& info) {
    if (sandbox_ != nullptr && info.Length() >= 1 && info[0].IsNumber()) {
      mr_handle_release(sandbox_, info[0].As<Napi::Number>().Uint32Value());
    }
    return info.Env().Undefined();
  }

  Napi::Value HandleCount(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    return Napi::Number::New(env,
                             static_cast<double>(mr_handle_count(sandbox_)));
  }

  // setHost(dispatch(callId, functionId, args) -> [0, value] |
  //   [1, promiseId] | [2, name, message]). Idempotent.
  Napi::Value SetHost(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      return ThrowTypeError(env, "setHost needs a function");
    }
    if (!dispatch_.IsEmpty()) return env.Undefined();
    // Weak: the MiniRacer keeps it alive; a strong reference here would
    // keep the MiniRacer (and so the sandbox) alive forever.
    dispatch_ = Napi::Weak(info[0].As<Napi::Function>());
    mr_sandbox_set_host(sandbox_, &SandboxWrap::CallHost, &OnHostWakeupThunk,
                        this);
    return env.Undefined();
  }

  // expose(path, functionId)
  Napi::Value Expose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
      return ThrowTypeError(env, "expose(path, functionId)");
    }
    Utf16Arg path;
    if (!path.Read(env, info[0])) return Napi::Value();
    OwnedValue error;
    int failed;
    {
      ActiveCall active(this);
      failed = mr_sandbox_expose(sandbox_, path.data(), path.size(),
                                 info[1].As<Napi::Number>().Uint32Value(),
                                 &error.value);
    }
    if (failed != 0) return Result(env, &error.value);
    return env.Undefined();
  }

  // settleHostPromise(promiseId, ok, value | [name, message])
  Napi::Value SettleHostPromise(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (sandbox_ == nullptr) return env.Undefined();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsBoolean()) {
      return ThrowTypeError(env, "settleHostPromise(id, ok, value)");
    }
    uint64_t id =
        static_cast<uint64_t>(info[0].As<Napi::Number>().DoubleValue());
    if (info[1].As<Napi::Boolean>().Value()) {
      Utf16Arg storage;
      mr_value value;
      if (!ReadValue(env, info[2], info[2].Type(), &value, &storage)) {
        return Napi::Value();
      }
      mr_host_promise_settle(sandbox_, id, &value);
    } else {
      OwnedValue failure;
      MakeFailure(env, info[2], &failure.value);
      mr_host_promise_settle(sandbox_, id, &failure.value);
    }
    return env.Undefined();
  }

  Napi::Value SetConsole(const Napi::CallbackInfo& info) {
    if (sandbox_ != nullptr && info.Length() >= 1) {
      mr_sandbox_set_console(sandbox_, info[0].ToBoolean().Value() ? 1 : 0);
    }
    return info.Env().Undefined();
  }

  // An MR_ERROR_EXCEPTION failure from [name, message].
  static void MakeFailure(Napi::Env env, Napi::Value pair, mr_value* out) {
    std::string name = "Error";
    std::string message;
    if (pair.IsArray()) {
      Napi::Array array = pair.As<Napi::Array>();
      Napi::Value n = array.Get(uint32_t{0});
      Napi::Value m = array.Get(uint32_t{1});
      if (n.IsString()) name = n.As<Napi::String>().Utf8Value();
      if (m.IsString()) message = m.As<Napi::String>().Utf8Value();
    }
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    // The parts are NUL-separated (see SetFailure in the core): a NUL in
    // the host's text becomes U+FFFD rather than a boundary.
    for (std::string* part : {&name, &message}) {
      std::string clean;
      for (char c : *part) {
        if (c == '\0') {
          clean += "\xEF\xBF\xBD";
        } else {
          clean += c;
        }
      }
      part->swap(clean);
    }
    size_t length = name.size() + 1 + message.size() + 1;
    auto* bytes = static_cast<uint8_t*>(std::malloc(length));
    out->type = MR_ERROR_EXCEPTION;
    out->number = 0;
    out->data = bytes;
    out->length = bytes ? length : 0;
    if (bytes == nullptr) return;
    std::memcpy(bytes, name.data(), name.size());
    bytes[name.size()] = 0;
    std::memcpy(bytes + name.size() + 1, message.data(), message.size());
    bytes[length - 1] = 0;
  }

  // A value for the sandbox, owning its bytes (it outlives this scope).
  static void MakeOwnedValue(Napi::Env env, Napi::Value value,
                             mr_value* out) {
    Utf16Arg storage;
    mr_value read;
    if (!ReadValue(env, value, value.Type(), &read, &storage)) {
      Napi::Value error = env.GetAndClearPendingException().Value();
      Napi::Array pair = Napi::Array::New(env, 2);
      pair.Set(uint32_t{0}, Napi::String::New(env, "TypeError"));
      pair.Set(uint32_t{1}, error.IsObject()
                                ? error.As<Napi::Object>().Get("message")
                                : Napi::String::New(env, "bad value"));
      MakeFailure(env, pair, out);
      return;
    }
    *out = read;
    out->data = nullptr;
    out->length = 0;
    if (read.data != nullptr && read.length > 0) {
      auto* bytes = static_cast<uint8_t*>(std::malloc(read.length));
      if (bytes != nullptr) {
        std::memcpy(bytes, read.data, read.length);
        out->data = bytes;
        out->length = read.length;
      }
    }
  }

  // The host side of a sandbox's call to a host function: on the host
  // thread, inside a sync call or answering the sandbox thread. Calls
  // dispatch(callId, functionId, ...args), which returns the wire value,
  // returns {promise: id} for a promise, or throws {name, message}.
  static void CallHost(void* user_data, uint64_t call_id, uint32_t function_id,
                       const mr_value* args, size_t argc, mr_value* result) {
    auto* self = static_cast<SandboxWrap*>(user_data);
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    *result = mr_value{};
    Napi::Function dispatch = self->dispatch_.Value();
    if (dispatch.IsEmpty()) {
      SetHostFailure(env, "Error", "the MiniRacer is gone", result);
      return;
    }
    constexpr size_t kInlineArgs = 8;
    napi_value inline_argv[kInlineArgs + 2];
    std::vector<napi_value> heap_argv;
    napi_value* argv = inline_argv;
    if (argc > kInlineArgs) {
      heap_argv.resize(argc + 2);
      argv = heap_argv.data();
    }
    argv[0] = Napi::Number::New(env, static_cast<double>(call_id));
    argv[1] = Napi::Number::New(env, function_id);
    for (size_t i = 0; i < argc; ++i) {
      mr_value arg = args[i];
      Napi::Value value = ToJs(env, &arg, true);
      if (env.IsExceptionPending()) {
        env.GetAndClearPendingException();
        value = env.Undefined();
      }
      argv[i + 2] = value;
    }
    napi_value answer = nullptr;
    napi_status status = napi_call_function(env, env.Undefined(), dispatch,
                                            argc + 2, argv, &answer);
    if (status != napi_ok || env.IsExceptionPending()) {
      Napi::Value thrown = env.IsExceptionPending()
                               ? env.GetAndClearPendingException().Value()
                               : env.Undefined();
      // src/ throws {name, message} plain data; anything else is opaque.
      std::string name = "Error";
      std::string message = "the host function failed";
      if (thrown.IsObject()) {
        Napi::Object parts = thrown.As<Napi::Object>();
        Napi::Value n = parts.Get("name");
        Napi::Value m = parts.Get("message");
        if (n.IsString()) name = n.As<Napi::String>().Utf8Value();
        if (m.IsString()) message = m.As<Napi::String>().Utf8Value();
        if (env.IsExceptionPending()) env.GetAndClearPendingException();
      }
      SetHostFailure(env, name, message, result);
      return;
    }
    Napi::Value reply(env, answer);
    if (reply.IsObject() && !reply.IsArray() && !reply.IsTypedArray()) {
      Napi::Value id = reply.As<Napi::Object>().Get("promise");
      if (id.IsNumber()) {
        result->type = MR_VALUE_HOST_PROMISE;
        result->number = id.As<Napi::Number>().DoubleValue();
        return;
      }
      if (env.IsExceptionPending()) env.GetAndClearPendingException();
      SetHostFailure(env, "TypeError", "malformed host reply", result);
      return;
    }
    MakeOwnedValue(env, reply, result);
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
  }

  static void SetHostFailure(Napi::Env env, const std::string& name,
                             const std::string& message, mr_value* out) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(uint32_t{0}, Napi::String::New(env, name));
    pair.Set(uint32_t{1}, Napi::String::New(env, message));
    MakeFailure(env, pair, out);
  }

  static void OnHostWakeupThunk(void* user_data) {
    auto* self = static_cast<SandboxWrap*>(user_data);
    // Only async calls run on the sandbox's thread, so the channel exists.
    if (self->channel_ != nullptr) OnHostWakeup(self->channel_);
  }

  // Closes the sandbox: now, or, when called from inside a call on it, as
  // soon as that call has unwound (its script is terminated meanwhile).
  bool CloseNow() {
    if (sandbox_ == nullptr || close_pending_) return false;
    if (active_ > 0) {
      close_pending_ = true;
      mr_sandbox_cancel(sandbox_);
      return true;
    }
    FreeNow();
    return true;
  }

  // Frees the sandbox (its thread completes what is pending, as closed) and
  // then lets the channel go once it has delivered that.
  bool FreeNow() {
    close_pending_ = false;
    bool was_open = sandbox_ != nullptr;
    if (channel_ != nullptr) channel_->owner = nullptr;
    if (was_open) {
      mr_sandbox_free(sandbox_);
      sandbox_ = nullptr;
    }
    if (channel_ != nullptr) {
      napi_remove_env_cleanup_hook(Env(), &SandboxWrap::OnEnvCleanup, this);
      channel_->released = true;
      napi_release_threadsafe_function(channel_->tsfn, napi_tsfn_release);
      channel_ = nullptr;
    }
    return was_open;
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    if (sandbox_ != nullptr) mr_sandbox_cancel(sandbox_);
    return info.Env().Undefined();
  }

  Napi::Value HeapStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    mr_heap_stats stats{};
    mr_heap_stats_get(sandbox_, &stats);
    Napi::Object out = Napi::Object::New(env);
    out.Set("totalHeapSize", static_cast<double>(stats.total_heap_size));
    out.Set("usedHeapSize", static_cast<double>(stats.used_heap_size));
    out.Set("heapSizeLimit", static_cast<double>(stats.heap_size_limit));
    out.Set("externalMemory", static_cast<double>(stats.external_memory));
    out.Set("maxMemory", static_cast<double>(stats.max_memory));
    out.Set("softLimitReached", stats.soft_limit_reached != 0);
    out.Set("memoryCapReached", stats.memory_cap_reached != 0);
    return out;
  }

  Napi::Value LowMemoryNotification(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!EnsureOpen(env)) return Napi::Value();
    mr_low_memory_notification(sandbox_);
    return env.Undefined();
  }

  // Frees the isolate now. Returns whether this call closed it.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), CloseNow());
  }

  mr_sandbox* sandbox_ = nullptr;
  AsyncChannel* channel_ = nullptr;
  // Native calls on this sandbox in progress on this thread, and whether a
  // close() made inside one waits for them to end.
  int active_ = 0;
  bool close_pending_ = false;
  Napi::FunctionReference dispatch_;
};

void RunHostRequestsFor(SandboxWrap* owner) { owner->RunHostRequests(); }

Napi::Value SetErrorFactory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    return ThrowTypeError(env, "setErrorFactory needs a function");
  }
  env.GetInstanceData<AddonData>()->error_factory =
      Napi::Persistent(info[0].As<Napi::Function>());
  return env.Undefined();
}

// The addon uses V8's C++ API, which is not stable across Node majors
// (Node-API alone would load it anywhere): a binary built for another line
// must fail here, before it touches V8, with an error saying so.
bool BuiltForThisNode(Napi::Env env) {
  const napi_node_version* running = nullptr;
  if (napi_get_node_version(env, &running) != napi_ok ||
      running->major == NODE_MAJOR_VERSION) {
    return true;
  }
  Napi::Error error = Napi::Error::New(
      env, "the native addon was built for Node " +
               std::to_string(NODE_MAJOR_VERSION) + " (ABI " +
               std::to_string(NODE_MODULE_VERSION) + ") but runs on Node " +
               std::to_string(running->major) + "." +
               std::to_string(running->minor) + "." +
               std::to_string(running->patch));
  error.Set("code", "ERR_MINI_RACER_NO_NATIVE_BUILD");
  error.ThrowAsJavaScriptException();
  return false;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  if (!BuiltForThisNode(env)) return exports;
  if (mr_init() != 0) {
    Napi::Error::New(env,
                     "mini-racer could not attach to Node's V8 platform")
        .ThrowAsJavaScriptException();
    return exports;
  }
  env.SetInstanceData(new AddonData());
  exports.Set("Sandbox", SandboxWrap::Define(env));
  exports.Set("setErrorFactory", Napi::Function::New(env, SetErrorFactory));
  exports.Set("v8Version", Napi::String::New(env, mr_v8_version()));
  return exports;
}

}  // namespace

NODE_API_MODULE(mini_racer, Init)
