// ValueCodec: moves values across the sandbox boundary. Primitives take a
// fast path (numbers, booleans, strings as Latin-1 or UTF-16 bytes);
// everything else crosses as V8 ValueSerializer bytes, which carry the
// structured-clone set (Date, RegExp, Map, Set, typed arrays, BigInt,
// cycles, errors). Functions, symbols, SharedArrayBuffers and host objects
// cannot cross and fail with a DataCloneError inside the sandbox.
#ifndef MINI_RACER_VALUE_CODEC_H_
#define MINI_RACER_VALUE_CODEC_H_

#include <v8.h>

#include <string_view>

#include "handle_table.h"
#include "mini_racer.h"

namespace mini_racer {

class ValueCodec {
 public:
  // What leaves the sandbox as a handle rather than a copy.
  enum class Mode {
    kCopy,           // functions and symbols only (they cannot be copied)
    kHandles,        // every object, function and symbol
    kRenderUncopyable  // console: no handles; what cannot be copied becomes
                       // its string rendering
  };

  // Writes `value` to *out. Returns false, with an exception pending in the
  // isolate, when it cannot; *clone_error tells whether the value itself
  // could not be cloned (rather than a getter throwing or the script being
  // terminated). `handles` receives the values that leave as handles.
  // A copy larger than `max_bytes` is refused (a RangeError, a clone error)
  // before it is made in full.
  static bool Encode(v8::Isolate* isolate, v8::Local<v8::Context> context,
                     v8::Local<v8::Value> value, Mode mode,
                     HandleTable* handles, size_t max_bytes, mr_value* out,
                     bool* clone_error);

  // Builds a sandbox value from a host value (a handle gives back its very
  // value). Empty, with an exception pending, when the bytes are malformed
  // or the handle is unknown.
  static v8::MaybeLocal<v8::Value> Decode(v8::Isolate* isolate,
                                          v8::Local<v8::Context> context,
                                          HandleTable* handles,
                                          const mr_value& in,
                                          bool* clone_error);
};

// Fills *out with a failure of `type` carrying "name\0message\0stack".
void SetFailure(mr_value* out, mr_value_type type, std::string_view name,
                std::string_view message, std::string_view stack = {});

}  // namespace mini_racer

#endif  // MINI_RACER_VALUE_CODEC_H_
