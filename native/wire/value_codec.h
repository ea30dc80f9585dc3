// ValueCodec: moves values across the sandbox boundary. Primitives take a
// fast path (numbers, booleans, strings as Latin-1 or UTF-16 bytes);
// everything else crosses as V8 ValueSerializer bytes, which carry the
// structured-clone set (Date, RegExp, Map, Set, typed arrays, BigInt,
// cycles, errors). Functions, symbols, SharedArrayBuffers and host objects
// cannot cross and fail with a DataCloneError inside the sandbox.
#ifndef MINI_RACER_WIRE_VALUE_CODEC_H_
#define MINI_RACER_WIRE_VALUE_CODEC_H_

#include <v8.h>

#include <cstddef>
#include <string_view>

#include "capi/mini_racer.h"
#include "core/handle_table.h"
#include "wire/failure.h"

namespace mini_racer {

// The bytes one crossing out of the sandbox may still make the host
// allocate: a result, or all the values of one host-function or console
// call together (so one big value passed many times is counted each time).
// Each copy is charged before it is handed out, and refused before it is
// made in full once it would not fit.
class CopyBudget {
 public:
  explicit CopyBudget(size_t limit) : limit_(limit) {}
  size_t limit() const { return limit_; }
  size_t used() const { return used_; }
  size_t left() const { return limit_ - used_; }
  void Charge(size_t bytes) { used_ += bytes < left() ? bytes : left(); }

 private:
  size_t limit_;
  size_t used_ = 0;
};

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
  // A copy that does not fit in what is left of `budget` is refused (a
  // RangeError, a clone error) before it is made in full; one that fits is
  // charged to it.
  static bool Encode(v8::Isolate* isolate, v8::Local<v8::Context> context,
                     v8::Local<v8::Value> value, Mode mode,
                     HandleTable* handles, CopyBudget* budget, mr_value* out,
                     bool* clone_error);

  // Builds a sandbox value from a host value (a handle gives back its very
  // value). Empty, with an exception pending, when the bytes are malformed,
  // the handle is unknown, or the value's bytes alone exceed `max_bytes`
  // (the sandbox's memory cap: it could never hold it).
  static v8::MaybeLocal<v8::Value> Decode(v8::Isolate* isolate,
                                          v8::Local<v8::Context> context,
                                          HandleTable* handles,
                                          const mr_value& in, size_t max_bytes,
                                          bool* clone_error);
};

}  // namespace mini_racer

#endif  // MINI_RACER_WIRE_VALUE_CODEC_H_
