#include "wire/exception_description.h"

#include <string>

#include "wire/failure.h"
#include "wire/source_excerpt.h"

namespace mini_racer {

void DescribeException(v8::Isolate* isolate, v8::Local<v8::Context> context,
                       const v8::TryCatch& try_catch, mr_value_type type,
                       size_t max_part_units, mr_value* out) {
  auto text_of = [&](v8::Local<v8::Value> value) {
    return ValueExcerpt(isolate, value, max_part_units);
  };
  v8::Local<v8::Value> exception = try_catch.Exception();
  v8::Local<v8::Message> message = try_catch.Message();
  std::string name, text, stack;
  {
    // Reading the error may throw again (a throwing getter): keep what we
    // have and do not let it escape.
    v8::TryCatch inner(isolate);
    if (exception->IsNativeError()) {
      auto error = exception.As<v8::Object>();
      v8::Local<v8::Value> value;
      if (error->Get(context, v8::String::NewFromUtf8Literal(isolate, "name"))
              .ToLocal(&value)) {
        name = text_of(value);
      }
      if (error
              ->Get(context,
                    v8::String::NewFromUtf8Literal(isolate, "message"))
              .ToLocal(&value)) {
        text = text_of(value);
      }
      if (try_catch.StackTrace(context).ToLocal(&value) && value->IsString()) {
        stack = text_of(value);
      } else if (error
                     ->Get(context,
                           v8::String::NewFromUtf8Literal(isolate, "stack"))
                     .ToLocal(&value) &&
                 value->IsString()) {
        // A rejection reason thrown again by the sandbox (a rejected
        // promise's result), which TryCatch does not see as thrown here.
        stack = text_of(value);
      }
    } else if (!message.IsEmpty()) {
      // Not an Error: V8's own rendering of the thrown value runs no
      // sandbox code. It reads "Uncaught <value>".
      text = text_of(message->Get());
      static const char kPrefix[] = "Uncaught ";
      if (text.rfind(kPrefix, 0) == 0) text.erase(0, sizeof(kPrefix) - 1);
    }
  }
  if (type == MR_ERROR_PARSE && !message.IsEmpty()) {
    // A syntax error has no JS stack; show where in the source it is.
    // (V8 knows no position when its parser ran out of stack.)
    std::string where = DescribeSourcePosition(isolate, context, message);
    stack = (where.empty() ? "" : where + "\n") + name + ": " + text;
  }
  SetFailure(out, type, name, text, stack);
}

}  // namespace mini_racer
