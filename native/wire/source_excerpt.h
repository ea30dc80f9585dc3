// Bounded text from the sandbox for error descriptions. Everything here
// reads sandbox-controlled strings and V8's positions of a parse failure,
// which may be absent (a parser that ran out of stack reports line 0 and
// column -1): nothing it returns grows with the sandbox's input beyond the
// bound its caller gives, and a missing part is left out, never guessed.
#ifndef MINI_RACER_WIRE_SOURCE_EXCERPT_H_
#define MINI_RACER_WIRE_SOURCE_EXCERPT_H_

#include <v8.h>

#include <cstddef>
#include <string>

namespace mini_racer {

// UTF-8 of at most `max_units` UTF-16 units of `text`, from `start`; "…"
// marks a cut at either end. Only the excerpt is copied.
std::string Utf8Excerpt(v8::Isolate* isolate, v8::Local<v8::String> text,
                        size_t start, size_t max_units);

// UTF-8 of `value` converted to a string (which may run sandbox code: a
// toString), at most `max_units` UTF-16 units; empty if the conversion
// throws.
std::string ValueExcerpt(v8::Isolate* isolate, v8::Local<v8::Value> value,
                         size_t max_units);

// Where a syntax error is: "name:line:column", then the source line (a
// window of it around the column) and a caret under the column, each when
// V8 knows it.
std::string DescribeSourcePosition(v8::Isolate* isolate,
                                   v8::Local<v8::Context> context,
                                   v8::Local<v8::Message> message);

}  // namespace mini_racer

#endif  // MINI_RACER_WIRE_SOURCE_EXCERPT_H_
