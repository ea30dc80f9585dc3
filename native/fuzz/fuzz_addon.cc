// libFuzzer target over mini-racer's value transfer (issue 5).
//
// V8 lives inside the node binary, so the fuzzer cannot be a standalone
// executable: this file is a second Node addon, mini_racer_fuzz.node, built
// from the same native/core/ and native/capi/ (not native/binding/) with
// coverage instrumentation. Its one export, run(args), creates a sandbox through the
// C API and hands control to libFuzzer (LLVMFuzzerRunDriver), which then
// runs inside node until it is done or finds a crash, and exits the process.
// scripts/fuzz.mjs builds and drives it; see native/fuzz/README.md.
//
// An input is one of:
//  - V8 serialization bytes (first byte 0xFF, the format's version tag): the
//    whole input crosses as an MR_VALUE_SERIALIZED argument into the identity
//    function and a function that walks the value, and the results are
//    encoded back, copied and as handles (then poked at with handle ops);
//  - anything else: a small program (FuzzedDataProvider) of C API calls with
//    arbitrary mr_value arguments (any type, number, length, handle id),
//    handle operations, host-function results, async calls and host-promise
//    settlements.
// Every result is checked against the API's contract (valid type, even
// UTF-16 length, integral handle ids, failure text shape) and released.
//
// Files: fuzz.h (shared declarations), fuzz_sandbox.cc (the sandbox and
// host side), fuzz_contract.cc (checks and feedback), fuzz_values.cc
// (value pickers), fuzz_programs.cc (the two kinds of input), and this one
// (the driver and the addon).
#include <node_api.h>

#include <cstdio>
#include <string>
#include <vector>

#include "fuzz.h"

extern "C" int LLVMFuzzerRunDriver(int* argc, char*** argv,
                                   int (*callback)(const uint8_t* data,
                                                   size_t size));

namespace {

using namespace mini_racer_fuzz;

int TestOneInput(const uint8_t* data, size_t size) {
  if (g.recreate) RecreateSandbox();
  if (size > 0 && data[0] == 0xFF) {
    RunSerialized(data, size);
  } else {
    RunProgram(data, size);
  }
  ReleaseAllHandles();
  g.answers.clear();
  g.recycled.clear();
  mr_sandbox_set_console(g.sandbox, 0);
  if (++g.inputs % 50000 == 0) g.recreate = true;
  return 0;
}

// ---------------------------------------------------------------------------
// The addon: run(args: string[]) -> never returns normally (libFuzzer exits)
// ---------------------------------------------------------------------------
napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv_js;
  napi_get_cb_info(env, info, &argc, &argv_js, nullptr, nullptr);
  uint32_t count = 0;
  if (argc < 1 || napi_get_array_length(env, argv_js, &count) != napi_ok) {
    napi_throw_type_error(env, nullptr, "run(args: string[])");
    return nullptr;
  }
  static std::vector<std::string> strings;
  static std::vector<char*> pointers;
  strings.assign(1, "mini_racer_fuzz");
  for (uint32_t i = 0; i < count; ++i) {
    napi_value item;
    napi_get_element(env, argv_js, i, &item);
    size_t length = 0;
    napi_get_value_string_utf8(env, item, nullptr, 0, &length);
    std::string s(length, '\0');
    napi_get_value_string_utf8(env, item, s.data(), length + 1, &length);
    strings.push_back(std::move(s));
  }
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  if (mr_init() != 0 || !CreateSandbox()) {
    napi_throw_error(env, nullptr, "could not set up the fuzzing sandbox");
    return nullptr;
  }
  std::fprintf(stderr, "mini_racer_fuzz: V8 %s, sandbox ready\n",
               mr_v8_version());
  int fuzz_argc = static_cast<int>(strings.size());
  char** fuzz_argv = pointers.data();
  int rc = LLVMFuzzerRunDriver(&fuzz_argc, &fuzz_argv, TestOneInput);
  napi_value result;
  napi_create_int32(env, rc, &result);
  return result;
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "run", NAPI_AUTO_LENGTH, Run, nullptr, &fn);
  napi_set_named_property(env, exports, "run", fn);
  return exports;
}
