// Values between JavaScript and the C API's mr_value. Why this exists: every
// argument goes one way and every result, async completion and host-function
// argument the other, through the same wire shapes, which src/ produces and
// consumes: primitives as themselves, other copies as a Uint8Array of V8
// serialization bytes, sandbox handles as [type, id].
#ifndef MINI_RACER_BINDING_VALUES_H_
#define MINI_RACER_BINDING_VALUES_H_

#include <napi.h>

#include <string>

#include "mini_racer.h"

namespace mr_binding {

// Owns an output mr_value for the duration of a binding call.
struct OwnedValue {
  OwnedValue() = default;
  OwnedValue(const OwnedValue&) = delete;
  OwnedValue& operator=(const OwnedValue&) = delete;
  ~OwnedValue() { mr_value_release(&value); }

  mr_value value{};
};

// Reads a JavaScript string as UTF-16. Short strings (the common case) are
// read in one call into inline storage; longer ones are measured first.
class Utf16Arg {
 public:
  bool Read(Napi::Env env, napi_value value);
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
// serialization bytes, or [type, id] (a handle). A string is read into
// *storage, which `out` then points into. False, with a TypeError pending,
// for anything else.
bool ReadValue(Napi::Env env, Napi::Value arg, napi_valuetype type,
               mr_value* out, Utf16Arg* storage);

// Converts an output value: a failure is thrown (the empty value is
// returned). Takes over a large buffer where that avoids a copy, unless
// `borrowed` (a value the caller does not own).
Napi::Value ToJs(Napi::Env env, mr_value* value, bool borrowed = false);

// A call's report as src/ reads it: { wallMs, cpuMs, cpuMeasured, heapUsed,
// hostCalls, hostMs, gcMs }.
Napi::Object ReportToJs(Napi::Env env, const mr_call_report& report);

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_VALUES_H_
