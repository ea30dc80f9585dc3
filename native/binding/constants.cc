#include "constants.h"

#include "mini_racer.h"

namespace mr_binding {

namespace {

struct Constant {
  const char* name;
  int value;
};

// The table: every enumerator of mini_racer.h, the name spelled once (the
// macro makes the string and reads the value from the header). A new
// enumerator belongs here too; test/native-load.test.ts compares this
// export with the header.
#define MR_CONSTANT(name) \
  Constant { #name, name }
constexpr Constant kConstants[] = {
    // mr_value_type: what an mr_value holds.
    MR_CONSTANT(MR_VALUE_UNDEFINED),
    MR_CONSTANT(MR_VALUE_NULL),
    MR_CONSTANT(MR_VALUE_BOOLEAN),
    MR_CONSTANT(MR_VALUE_NUMBER),
    MR_CONSTANT(MR_VALUE_STRING_LATIN1),
    MR_CONSTANT(MR_VALUE_STRING_UTF16),
    MR_CONSTANT(MR_VALUE_SERIALIZED),
    MR_CONSTANT(MR_VALUE_FUNCTION),
    MR_CONSTANT(MR_VALUE_OBJECT),
    MR_CONSTANT(MR_VALUE_ARRAY),
    MR_CONSTANT(MR_VALUE_SYMBOL),
    MR_CONSTANT(MR_VALUE_HOST_PROMISE),
    // mr_value_type: failure kinds.
    MR_CONSTANT(MR_ERROR_FIRST),
    MR_CONSTANT(MR_ERROR_EXCEPTION),
    MR_CONSTANT(MR_ERROR_PARSE),
    MR_CONSTANT(MR_ERROR_TIMEOUT),
    MR_CONSTANT(MR_ERROR_OUT_OF_MEMORY),
    MR_CONSTANT(MR_ERROR_CANCELLED),
    MR_CONSTANT(MR_ERROR_VALUE),
    MR_CONSTANT(MR_ERROR_INVALID_ARGUMENT),
    MR_CONSTANT(MR_ERROR_CLOSED),
    MR_CONSTANT(MR_ERROR_INTERNAL),
    MR_CONSTANT(MR_ERROR_PROMISE_REJECTED),
    MR_CONSTANT(MR_ERROR_UNSAFE_FLAGS),
    MR_CONSTANT(MR_ERROR_CPU_TIMEOUT),
    MR_CONSTANT(MR_ERROR_MODULE_NOT_FOUND),
    MR_CONSTANT(MR_ERROR_MODULE_LOAD),
    MR_CONSTANT(MR_ERROR_MODULE_LINK),
    MR_CONSTANT(MR_ERROR_SNAPSHOT),
    // Call flags.
    MR_CONSTANT(MR_RESULT_HANDLES),
    MR_CONSTANT(MR_EVAL_DISCARD_RESULT),
    MR_CONSTANT(MR_EVAL_CODE_CACHE),
    MR_CONSTANT(MR_MODULE_IMPORT),
    // mr_code_cache_status.
    MR_CONSTANT(MR_CODE_CACHE_NONE),
    MR_CONSTANT(MR_CODE_CACHE_ACCEPTED),
    MR_CONSTANT(MR_CODE_CACHE_REJECTED),
    MR_CONSTANT(MR_CODE_CACHE_COMPILED),
    // mr_handle_op.
    MR_CONSTANT(MR_HANDLE_CALL),
    MR_CONSTANT(MR_HANDLE_GET),
    MR_CONSTANT(MR_HANDLE_SET),
    MR_CONSTANT(MR_HANDLE_DELETE),
    MR_CONSTANT(MR_HANDLE_HAS),
    MR_CONSTANT(MR_HANDLE_KEYS),
};
#undef MR_CONSTANT

}  // namespace

Napi::Object MakeConstants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  for (const Constant& constant : kConstants) {
    constants.Set(constant.name, constant.value);
  }
  constants.Freeze();
  return constants;
}

}  // namespace mr_binding
