#include "wire/value_codec.h"

#include <cstdlib>
#include <string>

namespace mini_racer {
namespace {

// Refuses a copy of `bytes` (0: unknown, more than is left) that does not
// fit in the budget, as a RangeError.
void ThrowTooLarge(v8::Isolate* isolate, size_t bytes,
                   const CopyBudget& budget) {
  std::string limit = std::to_string(budget.limit());
  std::string message;
  if (budget.used() == 0) {
    message = "the value is too large to copy out of the sandbox (";
    message += bytes == 0 ? "more than " + limit : std::to_string(bytes);
    message += " bytes; the limit, maxResultBytes, is " + limit + ")";
  } else {
    message =
        "the values are too large to copy out of the sandbox together (more "
        "than " + limit + " bytes in one call; the limit, maxResultBytes, "
        "counts all the arguments of a call together)";
  }
  isolate->ThrowException(v8::Exception::RangeError(
      v8::String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
}

class SerializerDelegate : public v8::ValueSerializer::Delegate {
 public:
  SerializerDelegate(v8::Isolate* isolate, const CopyBudget& budget)
      : isolate_(isolate), budget_(budget) {}
  void ThrowDataCloneError(v8::Local<v8::String> message) override {
    clone_error = true;
    if (too_large) {
      ThrowTooLarge(isolate_, 0, budget_);
      return;
    }
    isolate_->ThrowException(v8::Exception::TypeError(message));
  }
  // The buffer never grows past the cap: the serializer then fails as out
  // of memory, reported as too large.
  void* ReallocateBufferMemory(void* old_buffer, size_t size,
                               size_t* actual_size) override {
    if (size > budget_.left()) {
      too_large = true;
      return nullptr;
    }
    void* buffer = std::realloc(old_buffer, size);
    *actual_size = buffer != nullptr ? size : 0;
    return buffer;
  }
  void FreeBufferMemory(void* buffer) override { std::free(buffer); }
  // Left to V8's default, a WebAssembly.Module inside an Error's `cause`
  // is written as nothing, garbling what follows: refuse it outright.
  v8::Maybe<uint32_t> GetWasmModuleTransferId(
      v8::Isolate* isolate, v8::Local<v8::WasmModuleObject>) override {
    ThrowDataCloneError(v8::String::NewFromUtf8Literal(
        isolate, "a WebAssembly.Module cannot leave the sandbox"));
    return v8::Nothing<uint32_t>();
  }
  // Shared memory and host objects must not cross: refuse them through the
  // same path as every other uncloneable value.
  v8::Maybe<uint32_t> GetSharedArrayBufferId(
      v8::Isolate* isolate, v8::Local<v8::SharedArrayBuffer>) override {
    ThrowDataCloneError(v8::String::NewFromUtf8Literal(
        isolate, "a SharedArrayBuffer cannot leave the sandbox"));
    return v8::Nothing<uint32_t>();
  }
  v8::Maybe<bool> WriteHostObject(v8::Isolate* isolate,
                                  v8::Local<v8::Object>) override {
    ThrowDataCloneError(v8::String::NewFromUtf8Literal(
        isolate, "a host object cannot leave the sandbox"));
    return v8::Nothing<bool>();
  }
  bool clone_error = false;
  bool too_large = false;

 private:
  v8::Isolate* isolate_;
  const CopyBudget& budget_;
};

void SetOwned(mr_value* out, mr_value_type type, void* data, size_t length) {
  out->type = type;
  out->number = 0;
  out->data = static_cast<const uint8_t*>(data);
  out->length = length;
}

bool EncodeString(v8::Isolate* isolate, v8::Local<v8::String> str,
                  mr_value* out) {
  int length = str->Length();
  if (length == 0) {
    SetOwned(out, MR_VALUE_STRING_LATIN1, nullptr, 0);
    return true;
  }
  if (str->IsOneByte()) {
    auto* buffer = static_cast<uint8_t*>(std::malloc(length));
    if (buffer == nullptr) return false;
#if V8_MAJOR_VERSION >= 13  // Node 24+; V8 14 dropped the old Write*
    str->WriteOneByteV2(isolate, 0, length, buffer);
#else
    str->WriteOneByte(isolate, buffer, 0, length,
                      v8::String::NO_NULL_TERMINATION);
#endif
    SetOwned(out, MR_VALUE_STRING_LATIN1, buffer, length);
  } else {
    auto* buffer =
        static_cast<uint16_t*>(std::malloc(sizeof(uint16_t) * length));
    if (buffer == nullptr) return false;
#if V8_MAJOR_VERSION >= 13
    str->WriteV2(isolate, 0, length, buffer);
#else
    str->Write(isolate, buffer, 0, length, v8::String::NO_NULL_TERMINATION);
#endif
    SetOwned(out, MR_VALUE_STRING_UTF16, buffer, sizeof(uint16_t) * length);
  }
  return true;
}

}  // namespace

bool ValueCodec::Encode(v8::Isolate* isolate, v8::Local<v8::Context> context,
                        v8::Local<v8::Value> value, Mode mode,
                        HandleTable* handles, CopyBudget* budget,
                        mr_value* out, bool* clone_error) {
  *clone_error = false;
  out->data = nullptr;
  out->length = 0;
  out->number = 0;
  if (value->IsNumber()) {
    out->type = MR_VALUE_NUMBER;
    out->number = value.As<v8::Number>()->Value();
    return true;
  }
  if (value->IsString()) {
    auto str = value.As<v8::String>();
    size_t bytes = static_cast<size_t>(str->Length()) *
                   (str->IsOneByte() ? 1 : sizeof(uint16_t));
    if (bytes > budget->left()) {
      *clone_error = true;
      ThrowTooLarge(isolate, bytes, *budget);
      return false;
    }
    if (EncodeString(isolate, str, out)) {
      budget->Charge(out->length);
      return true;
    }
    isolate->ThrowError("out of memory copying a string result");
    return false;
  }
  if (value->IsBoolean()) {
    out->type = MR_VALUE_BOOLEAN;
    out->number = value->IsTrue() ? 1 : 0;
    return true;
  }
  if (value->IsUndefined()) {
    out->type = MR_VALUE_UNDEFINED;
    return true;
  }
  if (value->IsNull()) {
    out->type = MR_VALUE_NULL;
    return true;
  }
  if (mode != Mode::kRenderUncopyable &&
      (value->IsFunction() || value->IsSymbol() ||
       (mode == Mode::kHandles && value->IsObject()))) {
    out->type = value->IsFunction() ? MR_VALUE_FUNCTION
                : value->IsSymbol() ? MR_VALUE_SYMBOL
                : value->IsArray()  ? MR_VALUE_ARRAY
                                    : MR_VALUE_OBJECT;
    uint32_t id = handles->Add(value);
    if (id == 0) {
      isolate->ThrowException(v8::Exception::RangeError(
          v8::String::NewFromUtf8Literal(
              isolate,
              "too many live handles: each counts against the sandbox's "
              "memory cap until the host releases it")));
      return false;
    }
    out->number = id;
    return true;
  }
  SerializerDelegate delegate(isolate, *budget);
  v8::ValueSerializer serializer(isolate, &delegate);
  serializer.WriteHeader();
  bool written;
  {
    v8::TryCatch try_catch(isolate);
    written = serializer.WriteValue(context, value).FromMaybe(false);
    if (!written && try_catch.HasCaught() && !try_catch.HasTerminated()) {
      // Nesting too deep for the serializer's stack is the value's fault,
      // not the script's: report it as a value that cannot cross.
      v8::Local<v8::Value> exception = try_catch.Exception();
      if (!delegate.clone_error && exception->IsNativeError()) {
        v8::String::Utf8Value text(isolate, exception);
        if (*text != nullptr &&
            std::string(*text).find("Maximum call stack size exceeded") !=
                std::string::npos) {
          delegate.clone_error = true;
        }
      }
      try_catch.ReThrow();
    }
  }
  if (!written) {
    *clone_error = delegate.clone_error;
    if (mode == Mode::kRenderUncopyable && delegate.clone_error &&
        !isolate->IsExecutionTerminating()) {
      // Console output: show what cannot be copied as V8 renders it
      // (a function's source, "Symbol(x)", "[object Object]").
      // The rendering (a function's whole source, a symbol's description)
      // is a copy like any other: it must fit in what is left.
      v8::TryCatch render(isolate);
      v8::Local<v8::String> text;
      if (value->ToDetailString(context).ToLocal(&text) &&
          static_cast<size_t>(text->Length()) *
                  (text->IsOneByte() ? 1 : sizeof(uint16_t)) <=
              budget->left() &&
          EncodeString(isolate, text, out)) {
        *clone_error = false;
        budget->Charge(out->length);
        return true;
      }
    }
    return false;
  }
  // The default delegate allocates with realloc, so free() releases it.
  std::pair<uint8_t*, size_t> bytes = serializer.Release();
  SetOwned(out, MR_VALUE_SERIALIZED, bytes.first, bytes.second);
  budget->Charge(bytes.second);
  return true;
}

v8::MaybeLocal<v8::Value> ValueCodec::Decode(v8::Isolate* isolate,
                                             v8::Local<v8::Context> context,
                                             HandleTable* handles,
                                             const mr_value& in,
                                             size_t max_bytes,
                                             bool* clone_error) {
  *clone_error = false;
  // The least the sandbox's heap must hold for it (UTF-16 of Latin-1 text
  // is stored one byte per character).
  size_t least_bytes =
      in.type == MR_VALUE_STRING_UTF16 ? in.length / 2 : in.length;
  if (least_bytes > max_bytes) {
    // Refused before anything is allocated: building it would only fill
    // the heap to the cap and fail there.
    *clone_error = true;
    std::string message =
        "the value is larger than the sandbox's memory cap (at least " +
        std::to_string(least_bytes) + " bytes; maxMemory is " +
        std::to_string(max_bytes) + ")";
    isolate->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8(isolate, message.c_str()).ToLocalChecked()));
    return {};
  }
  switch (in.type) {
    case MR_VALUE_FUNCTION:
    case MR_VALUE_OBJECT:
    case MR_VALUE_ARRAY:
    case MR_VALUE_SYMBOL: {
      v8::Local<v8::Value> value;
      if (in.number >= 1 && in.number <= UINT32_MAX &&
          handles->Get(static_cast<uint32_t>(in.number)).ToLocal(&value)) {
        return value;
      }
      *clone_error = true;
      isolate->ThrowException(v8::Exception::TypeError(
          v8::String::NewFromUtf8Literal(isolate,
                                         "the handle has been released")));
      return {};
    }
    case MR_VALUE_UNDEFINED:
      return v8::Undefined(isolate);
    case MR_VALUE_NULL:
      return v8::Null(isolate);
    case MR_VALUE_BOOLEAN:
      return v8::Boolean::New(isolate, in.number != 0);
    case MR_VALUE_NUMBER:
      return v8::Number::New(isolate, in.number);
    case MR_VALUE_STRING_LATIN1:
      if (in.length > static_cast<size_t>(v8::String::kMaxLength)) break;
      return v8::String::NewFromOneByte(isolate, in.data,
                                        v8::NewStringType::kNormal,
                                        static_cast<int>(in.length))
          .FromMaybe(v8::Local<v8::String>());
    case MR_VALUE_STRING_UTF16:
      if (in.length % 2 != 0 ||
          in.length / 2 > static_cast<size_t>(v8::String::kMaxLength)) {
        break;
      }
      return v8::String::NewFromTwoByte(
          isolate, reinterpret_cast<const uint16_t*>(in.data),
          v8::NewStringType::kNormal, static_cast<int>(in.length / 2))
          .FromMaybe(v8::Local<v8::String>());
    case MR_VALUE_SERIALIZED: {
      v8::ValueDeserializer deserializer(isolate, in.data, in.length);
      if (!deserializer.ReadHeader(context).FromMaybe(false)) {
        *clone_error = true;
        return {};
      }
      v8::MaybeLocal<v8::Value> value = deserializer.ReadValue(context);
      if (value.IsEmpty()) *clone_error = true;
      return value;
    }
    default:
      break;
  }
  *clone_error = true;
  isolate->ThrowException(v8::Exception::TypeError(
      v8::String::NewFromUtf8Literal(isolate, "malformed argument value")));
  return {};
}

}  // namespace mini_racer
