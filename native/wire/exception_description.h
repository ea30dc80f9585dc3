// Turns an exception caught in the sandbox into a failure for the host:
// its name, message and stack as bounded UTF-8, read so that the sandbox's
// getters on the error (which may throw again) cannot escape or make the
// host copy more than the bound.
#ifndef MINI_RACER_WIRE_EXCEPTION_DESCRIPTION_H_
#define MINI_RACER_WIRE_EXCEPTION_DESCRIPTION_H_

#include <v8.h>

#include <cstddef>

#include "capi/mini_racer.h"

namespace mini_racer {

// Fills *out with a failure of `type` describing what `try_catch` caught.
// Each part is at most `max_part_units` UTF-16 units of the original. A
// parse failure (MR_ERROR_PARSE) gets the source position as its stack.
void DescribeException(v8::Isolate* isolate, v8::Local<v8::Context> context,
                       const v8::TryCatch& try_catch, mr_value_type type,
                       size_t max_part_units, mr_value* out);

}  // namespace mini_racer

#endif  // MINI_RACER_WIRE_EXCEPTION_DESCRIPTION_H_
