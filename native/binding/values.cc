#include "values.h"

#include "errors.h"

namespace mr_binding {

namespace {
// Results this large are handed to JavaScript without a copy.
constexpr size_t kExternalBufferThreshold = 64 * 1024;
}  // namespace

bool Utf16Arg::Read(Napi::Env env, napi_value value) {
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
            [](Napi::Env, uint8_t* data) {
              mr_value owner{};
              owner.data = data;
              mr_value_release(&owner);
            });
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
    return ThrowError(env, MR_ERROR_VALUE, "RangeError",
                      "the result string is too large for the host");
  }
  return Napi::Value(env, result);
}

Napi::Object ReportToJs(Napi::Env env, const mr_call_report& report) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("wallMs", report.wall_ms);
  out.Set("cpuMs", report.cpu_ms);
  out.Set("cpuMeasured", report.cpu_measured != 0);
  out.Set("heapUsed", static_cast<double>(report.heap_used));
  out.Set("hostCalls", static_cast<double>(report.host_calls));
  out.Set("hostMs", report.host_ms);
  out.Set("gcMs", report.gc_ms);
  return out;
}

}  // namespace mr_binding
