#include "wire/failure.h"

#include <cstdlib>
#include <cstring>

namespace mini_racer {
namespace {

std::string WithoutNul(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  for (char c : text) {
    if (c == '\0') {
      clean += "\xEF\xBF\xBD";
    } else {
      clean += c;
    }
  }
  return clean;
}

v8::Local<v8::String> Utf8String(v8::Isolate* isolate,
                                 const std::string& text) {
  return v8::String::NewFromUtf8(isolate, text.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .FromMaybe(v8::String::Empty(isolate));
}

}  // namespace

void SetFailure(mr_value* out, mr_value_type type, std::string_view raw_name,
                std::string_view raw_message, std::string_view raw_stack) {
  std::string name_text = WithoutNul(raw_name);
  std::string message_text = WithoutNul(raw_message);
  std::string stack_text = WithoutNul(raw_stack);
  std::string_view name = name_text, message = message_text, stack = stack_text;
  size_t length = name.size() + 1 + message.size() + 1 + stack.size();
  auto* buffer = static_cast<char*>(std::malloc(length));
  out->type = type;
  out->number = 0;
  if (buffer == nullptr) {
    out->data = nullptr;
    out->length = 0;
    return;
  }
  // string_view::copy, unlike memcpy, is defined for empty views.
  char* cursor = buffer;
  cursor += name.copy(cursor, name.size());
  *cursor++ = '\0';
  cursor += message.copy(cursor, message.size());
  *cursor++ = '\0';
  stack.copy(cursor, stack.size());
  out->data = reinterpret_cast<const uint8_t*>(buffer);
  out->length = length;
}

FailureParts ReadFailure(const mr_value& failure) {
  FailureParts parts;
  std::string* part[] = {&parts.name, &parts.message, &parts.stack};
  const char* text = reinterpret_cast<const char*>(failure.data);
  size_t index = 0;
  for (size_t i = 0; text != nullptr && i < failure.length; ++i) {
    if (text[i] == '\0') {
      if (++index == 3) break;
    } else {
      part[index]->push_back(text[i]);
    }
  }
  return parts;
}

bool TryCopyValue(const mr_value& in, mr_value* out) {
  *out = in;
  out->data = nullptr;
  out->length = 0;
  if (in.data == nullptr || in.length == 0) return true;
  auto* bytes = static_cast<uint8_t*>(std::malloc(in.length));
  if (bytes == nullptr) return false;
  std::memcpy(bytes, in.data, in.length);
  out->data = bytes;
  out->length = in.length;
  return true;
}

mr_value CopyValue(const mr_value& in) {
  mr_value copy{};
  if (!TryCopyValue(in, &copy)) {
    SetFailure(&copy, MR_ERROR_EXCEPTION, "RangeError", "out of memory");
  }
  return copy;
}

v8::Local<v8::Value> ErrorFromFailure(v8::Isolate* isolate,
                                      const mr_value& failure) {
  FailureParts parts = ReadFailure(failure);
  v8::Local<v8::String> message = Utf8String(isolate, parts.message);
  const std::string& name = parts.name;
  if (name == "TypeError") return v8::Exception::TypeError(message);
  if (name == "RangeError") return v8::Exception::RangeError(message);
  if (name == "SyntaxError") return v8::Exception::SyntaxError(message);
  if (name == "ReferenceError") return v8::Exception::ReferenceError(message);
  v8::Local<v8::Value> error = v8::Exception::Error(message);
  if (!name.empty() && name != "Error" && error->IsObject()) {
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    error.As<v8::Object>()
        ->CreateDataProperty(context,
                             v8::String::NewFromUtf8Literal(isolate, "name"),
                             Utf8String(isolate, name))
        .FromMaybe(false);
  }
  return error;
}

}  // namespace mini_racer
