#include "wire/source_excerpt.h"

#include <algorithm>
#include <vector>

namespace mini_racer {
namespace {

// Source shown around the error's column, and the longest script name.
constexpr size_t kSnippetUnits = 200;
constexpr size_t kMaxNameUnits = 200;
const char kEllipsis[] = "\xE2\x80\xA6";

}  // namespace

std::string Utf8Excerpt(v8::Isolate* isolate, v8::Local<v8::String> text,
                        size_t start, size_t max_units) {
  size_t length = static_cast<size_t>(text->Length());
  if (start > length) start = length;
  size_t count = std::min(max_units, length - start);
  if (count == 0) return {};
  if (count == length) {
    v8::String::Utf8Value whole(isolate, text);
    return *whole != nullptr ? std::string(*whole, whole.length())
                             : std::string();
  }
  std::vector<uint16_t> units(count);
#if V8_MAJOR_VERSION >= 13  // Node 24+; V8 14 dropped String::Write
  text->WriteV2(isolate, static_cast<uint32_t>(start),
                static_cast<uint32_t>(count), units.data());
#else
  text->Write(isolate, units.data(), static_cast<int>(start),
              static_cast<int>(count), v8::String::NO_NULL_TERMINATION);
#endif
  v8::Local<v8::String> part;
  if (!v8::String::NewFromTwoByte(isolate, units.data(),
                                  v8::NewStringType::kNormal,
                                  static_cast<int>(count))
           .ToLocal(&part)) {
    return {};
  }
  v8::String::Utf8Value utf8(isolate, part);
  std::string excerpt;
  if (start > 0) excerpt += kEllipsis;
  if (*utf8 != nullptr) excerpt.append(*utf8, utf8.length());
  if (start + count < length) excerpt += kEllipsis;
  return excerpt;
}

std::string DescribeSourcePosition(v8::Isolate* isolate,
                                   v8::Local<v8::Context> context,
                                   v8::Local<v8::Message> message) {
  std::string where;
  v8::Local<v8::Value> name = message->GetScriptResourceName();
  if (!name.IsEmpty() && name->IsString()) {
    where = Utf8Excerpt(isolate, name.As<v8::String>(), 0, kMaxNameUnits);
  }
  int line = message->GetLineNumber(context).FromMaybe(0);
  int column = message->GetStartColumn(context).FromMaybe(-1);
  if (line > 0) {
    where += ":" + std::to_string(line);
    if (column >= 0) where += ":" + std::to_string(column + 1);
  }
  v8::Local<v8::String> source_line;
  if (line <= 0 || !message->GetSourceLine(context).ToLocal(&source_line) ||
      source_line->Length() == 0) {
    return where;
  }
  // A window of the line that holds the column (a minified script is one
  // long line), with the caret under the column inside the window.
  size_t at = column >= 0 ? static_cast<size_t>(column) : 0;
  size_t start = at > kSnippetUnits / 2 ? at - kSnippetUnits / 2 : 0;
  std::string snippet =
      Utf8Excerpt(isolate, source_line, start, kSnippetUnits);
  if (column < 0) return where + "\n" + snippet;
  // The caret counts units of the window (plus the leading ellipsis).
  size_t indent = at - start + (start > 0 ? 1 : 0);
  return where + "\n" + snippet + "\n" + std::string(indent, ' ') + "^";
}

std::string ValueExcerpt(v8::Isolate* isolate, v8::Local<v8::Value> value,
                         size_t max_units) {
  v8::Local<v8::String> text;
  if (value.IsEmpty() ||
      !value->ToString(isolate->GetCurrentContext()).ToLocal(&text)) {
    return {};
  }
  return Utf8Excerpt(isolate, text, 0, max_units);
}

}  // namespace mini_racer
