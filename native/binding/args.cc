#include "args.h"

#include "errors.h"
#include "snapshot_wrap.h"

namespace mr_binding {

namespace {
// Ids are whole numbers JavaScript holds exactly.
constexpr double kMaxId = 9.0e15;
// Byte counts JavaScript holds exactly.
constexpr double kMaxBytes = 9.0e15;

bool IsA(Napi::Value value, Arg type) {
  switch (type) {
    case Arg::kAny:
      return true;
    case Arg::kNumber:
      return value.IsNumber();
    case Arg::kString:
      return value.IsString();
    case Arg::kArray:
      return value.IsArray();
    case Arg::kBoolean:
      return value.IsBoolean();
    case Arg::kFunction:
      return value.IsFunction();
  }
  return false;
}
}  // namespace

bool HasArgs(const Napi::CallbackInfo& info, std::initializer_list<Arg> shape,
             const char* usage) {
  bool ok = info.Length() >= shape.size();
  size_t index = 0;
  for (Arg type : shape) {
    if (!ok) break;
    ok = IsA(info[index++], type);
  }
  if (!ok) ThrowTypeError(info.Env(), usage);
  return ok;
}

bool SandboxOptionsArg(const Napi::CallbackInfo& info, size_t first,
                       mr_sandbox_options* out) {
  Napi::Env env = info.Env();
  if (info.Length() < first + 2 || !info[first].IsNumber() ||
      !info[first + 1].IsNumber()) {
    ThrowTypeError(env, "Sandbox(maxMemory, softMemory) takes two numbers");
    return false;
  }
  double max_memory = info[first].As<Napi::Number>().DoubleValue();
  double soft_memory = info[first + 1].As<Napi::Number>().DoubleValue();
  double max_result = info.Length() > first + 2 && info[first + 2].IsNumber()
                          ? info[first + 2].As<Napi::Number>().DoubleValue()
                          : 0;
  for (double bytes : {max_memory, soft_memory, max_result}) {
    if (!(bytes >= 0 && bytes < kMaxBytes)) {
      Napi::RangeError::New(env, "memory limits must be non-negative")
          .ThrowAsJavaScriptException();
      return false;
    }
  }
  *out = mr_sandbox_options{};
  if (info.Length() > first + 3 && !info[first + 3].IsUndefined()) {
    out->snapshot = SnapshotWrap::SnapshotOf(info[first + 3]);
    if (out->snapshot == nullptr) {
      ThrowTypeError(env, "a Sandbox's fourth argument must be a Snapshot");
      return false;
    }
  }
  out->max_memory = static_cast<uint64_t>(max_memory);
  out->soft_memory = static_cast<uint64_t>(soft_memory);
  out->max_result_bytes = static_cast<uint64_t>(max_result);
  return true;
}

mr_limits LimitsArg(const Napi::CallbackInfo& info, size_t index) {
  mr_limits limits{};
  if (info.Length() <= index) return limits;
  Napi::Value value = info[index];
  if (value.IsNumber()) {
    limits.timeout_ms = value.As<Napi::Number>().DoubleValue();
  } else if (value.IsArray()) {
    auto pair = value.As<Napi::Array>();
    auto at = [&](uint32_t i) {
      Napi::Value part = pair.Get(i);
      return part.IsNumber() ? part.As<Napi::Number>().DoubleValue() : 0.0;
    };
    limits.timeout_ms = at(0);
    limits.cpu_ms = at(1);
  }
  return limits;
}

int FlagsArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsNumber()) return 0;
  return info[index].As<Napi::Number>().Int32Value() &
         (MR_EVAL_DISCARD_RESULT | MR_RESULT_HANDLES | MR_EVAL_CODE_CACHE |
          MR_MODULE_IMPORT);
}

CacheBytes CacheArg(const Napi::CallbackInfo& info, size_t index) {
  CacheBytes bytes;
  if (info.Length() <= index || !info[index].IsTypedArray()) return bytes;
  Napi::TypedArray array = info[index].As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_uint8_array) return bytes;
  Napi::Uint8Array u8 = array.As<Napi::Uint8Array>();
  bytes.data = u8.Data();
  bytes.length = u8.ElementLength();
  return bytes;
}

bool IdArg(const Napi::CallbackInfo& info, size_t index, uint64_t* id) {
  if (info.Length() <= index || !info[index].IsNumber()) return false;
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 1 && value < kMaxId)) return false;
  *id = static_cast<uint64_t>(value);
  return true;
}

bool ArgList::Read(Napi::Env env, Napi::Array array) {
  uint32_t count = array.Length();
  Reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value arg = array.Get(i);
    if (env.IsExceptionPending()) return false;
    if (!ReadOne(env, arg, i)) return false;
  }
  return true;
}

bool ArgList::Read(const Napi::CallbackInfo& info, size_t first) {
  size_t count = info.Length() > first ? info.Length() - first : 0;
  Reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (!ReadOne(info.Env(), info[first + i], i)) return false;
  }
  return true;
}

void ArgList::Reserve(size_t count) {
  if (count > kInline) {
    heap_.resize(count);
    values_ = heap_.data();
  }
}

bool ArgList::ReadOne(Napi::Env env, Napi::Value arg, size_t i) {
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
  return true;
}

}  // namespace mr_binding
