// The failure payload of an mr_value (a type >= MR_ERROR_FIRST): the bytes
// "name\0message\0stack", UTF-8. One packer and one reader for the C++
// side, so that the core's failures, the host's failures coming into the
// sandbox and the exceptions described on the way out agree on the format.
#ifndef MINI_RACER_WIRE_FAILURE_H_
#define MINI_RACER_WIRE_FAILURE_H_

#include <v8.h>

#include <string>
#include <string_view>

#include "capi/mini_racer.h"

namespace mini_racer {

// Fills *out with a failure of `type`. A NUL inside a part (a sandbox's
// own error message) would let it forge the next part: it becomes U+FFFD.
// `name` is a JavaScript error name (TypeError) or empty: the core reports
// kinds and messages, and the wrapper picks its own classes from the kind.
void SetFailure(mr_value* out, mr_value_type type, std::string_view name,
                std::string_view message, std::string_view stack = {});

// The three parts of a failure payload (missing parts are empty).
struct FailureParts {
  std::string name;
  std::string message;
  std::string stack;
};
FailureParts ReadFailure(const mr_value& failure);

// A deep copy of a value whose bytes are borrowed, into *out (malloc'd
// bytes, freed by mr_value_release). False, with *out holding no bytes,
// when they cannot be allocated.
bool TryCopyValue(const mr_value& in, mr_value* out);
// The same, where a copy that cannot be allocated becomes a RangeError
// failure.
mr_value CopyValue(const mr_value& in);

// A sandbox Error made from a host failure: the name picks the constructor
// for the standard kinds and is set as `name` otherwise; the host's stack
// is not given to the sandbox.
v8::Local<v8::Value> ErrorFromFailure(v8::Isolate* isolate,
                                      const mr_value& failure);

}  // namespace mini_racer

#endif  // MINI_RACER_WIRE_FAILURE_H_
