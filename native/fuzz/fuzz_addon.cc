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
#include <node_api.h>

#include <fuzzer/FuzzedDataProvider.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "mini_racer.h"

extern "C" int LLVMFuzzerRunDriver(int* argc, char*** argv,
                                   int (*callback)(const uint8_t* data,
                                                   size_t size));

namespace {

const char kPrelude[] =
#include "prelude.inc"
    ;

// Feedback from inside V8 (which is not instrumented): libFuzzer treats
// this array like its own coverage counters.
constexpr size_t kExtraCounters = 1 << 14;
__attribute__((section("__libfuzzer_extra_counters"), used))
uint8_t g_extra_counters[kExtraCounters];

uint64_t Hash(const void* data, size_t size, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    h ^= bytes[i];
    h *= 1099511628211ull;
  }
  return h;
}

// Presence only: counts (how many times a tag appeared) would make every
// input with one more array element look new and bloat the corpus.
void Bump(uint64_t h) { g_extra_counters[h % kExtraCounters] = 1; }

constexpr double kCallTimeoutMs = 1000;
constexpr double kAsyncTimeoutMs = 300;
constexpr size_t kMaxOps = 24;
constexpr size_t kMaxArgs = 5;

[[noreturn]] void Violation(const char* what, const mr_value& v) {
  std::fprintf(stderr,
               "mini_racer_fuzz: contract violation: %s (type %d, number %g, "
               "data %p, length %zu)\n",
               what, v.type, v.number, static_cast<const void*>(v.data),
               v.length);
  std::abort();
}

std::u16string U16(const char* ascii) {
  std::u16string out;
  for (const char* p = ascii; *p; ++p) out.push_back(static_cast<char16_t>(*p));
  return out;
}

// ---------------------------------------------------------------------------
// Fuzzing state: one sandbox for many inputs.
// ---------------------------------------------------------------------------
struct HostAnswer {
  mr_value value{};            // borrows `bytes`
  std::vector<uint8_t> bytes;  // data of value
  bool reenter = false;        // answer with mr_call(fz.id, value) instead
  bool settle_now = false;     // for HOST_PROMISE: also settle it at once
  mr_value settle{};
  std::vector<uint8_t> settle_bytes;
};

struct State {
  mr_sandbox* sandbox = nullptr;
  std::vector<uint32_t> live_handles;     // ours to release, each once
  std::deque<HostAnswer> answers;         // host function results to give
  std::vector<std::vector<uint8_t>> recycled;  // serialized results
  int host_depth = 0;
  bool recreate = false;
  uint64_t inputs = 0;
  int roundtrip_reports = 0;
  // Async calls.
  std::mutex mutex;
  std::condition_variable changed;
  std::atomic<bool> wake{false};
};
State g;

void Wakeup(void*) {
  g.wake.store(true);
  g.changed.notify_all();
}

bool ValidType(int32_t t) {
  return (t >= MR_VALUE_UNDEFINED && t <= MR_VALUE_SYMBOL) ||
         (t >= MR_ERROR_FIRST && t <= MR_ERROR_PROMISE_REJECTED);
}

// Checks an output value and records it: handles join the live set,
// serialized bytes are kept to be sent back in later steps, and the
// outcome feeds the extra counters. Does not release it.
const bool g_trace = std::getenv("MR_FUZZ_TRACE") != nullptr;

void Inspect(const mr_value& v, uint64_t site) {
  if (g_trace) {
    // MR_FUZZ_TRACE=1: every value seen, for reading a reproducer's run.
    std::string text;
    if (v.data != nullptr && v.type != MR_VALUE_SERIALIZED) {
      for (size_t i = 0; i < v.length && i < 160; ++i) {
        char c = static_cast<char>(v.data[i]);
        text.push_back(c >= 32 && c < 127 ? c : '|');
      }
    }
    static auto t0 = std::chrono::steady_clock::now();
    double ms = std::chrono::duration<double, std::milli>(
                    std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "  [trace %8.1f ms] site %llx: type %d number %g length %zu %s\n",
                 ms, static_cast<unsigned long long>(site), v.type, v.number,
                 v.length, text.c_str());
  }
  if (!ValidType(v.type)) Violation("unknown result type", v);
  if (v.length > 0 && v.data == nullptr) Violation("length without data", v);
  switch (v.type) {
    case MR_VALUE_BOOLEAN:
      if (v.number != 0 && v.number != 1) Violation("boolean not 0/1", v);
      break;
    case MR_VALUE_STRING_UTF16:
      if (v.length % 2 != 0) Violation("odd UTF-16 byte length", v);
      break;
    case MR_VALUE_SERIALIZED:
      if (v.length < 2 || v.data[0] != 0xFF) {
        Violation("serialized result without header", v);
      }
      if (g.recycled.size() < 16) {
        g.recycled.emplace_back(v.data, v.data + v.length);
      }
      break;
    case MR_VALUE_FUNCTION:
    case MR_VALUE_OBJECT:
    case MR_VALUE_ARRAY:
    case MR_VALUE_SYMBOL:
      if (!(v.number >= 1 && v.number <= UINT32_MAX &&
            v.number == std::floor(v.number))) {
        Violation("bad handle id", v);
      }
      g.live_handles.push_back(static_cast<uint32_t>(v.number));
      break;
    default:
      break;
  }
  uint64_t h = Hash(&v.type, sizeof v.type, site);
  if (v.type >= MR_ERROR_FIRST) {
    // "name\0message\0stack": the name and message say which failure.
    size_t nuls = 0;
    for (size_t i = 0; i < v.length; ++i) nuls += v.data[i] == 0;
    if (v.data != nullptr && nuls < 2) Violation("failure text shape", v);
    // The name, and the message's length (not its text, which may echo a
    // thrown value and would make every input look new).
    size_t name_end = 0;
    while (name_end < v.length && name_end < 48 && v.data[name_end] != 0) {
      ++name_end;
    }
    h = Hash(v.data, name_end, h);
    size_t message_end = name_end + 1;
    while (message_end < v.length && v.data[message_end] != 0) ++message_end;
    size_t message_length = message_end - name_end;
    int bucket = 0;
    while (message_length >>= 1) ++bucket;
    h = Hash(&bucket, sizeof bucket, h);
    if (v.type == MR_ERROR_OUT_OF_MEMORY) g.recreate = true;
  }
  Bump(h);
}

// Feeds a string result of fz.walk (tags) into the extra counters.
void FeedTags(const mr_value& v) {
  if (v.type != MR_VALUE_STRING_LATIN1 || v.data == nullptr) return;
  const char* s = reinterpret_cast<const char*>(v.data);
  size_t start = 0;
  uint64_t prev = 0;
  for (size_t i = 0; i <= v.length; ++i) {
    if (i < v.length && s[i] != ',') continue;
    uint64_t h = Hash(s + start, i - start, 0x7a65);
    Bump(h);
    Bump(h * 31 + prev);  // consecutive pairs: some sense of structure
    prev = h;
    start = i + 1;
  }
}

void Finish(mr_value* out, uint64_t site) {
  Inspect(*out, site);
  mr_value_release(out);
  if (out->data != nullptr || out->length != 0) {
    Violation("release left data", *out);
  }
}

void ReleaseAllHandles() {
  for (uint32_t id : g.live_handles) mr_handle_release(g.sandbox, id);
  g.live_handles.clear();
}

// ---------------------------------------------------------------------------
// Sandbox lifecycle
// ---------------------------------------------------------------------------
void HostFunction(void*, uint64_t call_id, uint32_t function_id,
                  const mr_value* args, size_t argc, mr_value* result);

bool CreateSandbox() {
  mr_value error{};
  mr_sandbox_options options{};
  options.max_memory = 64u << 20;
  g.sandbox = mr_sandbox_new(&options, &error);
  if (g.sandbox == nullptr) {
    std::fprintf(stderr, "mini_racer_fuzz: mr_sandbox_new failed: %.*s\n",
                 static_cast<int>(error.length),
                 reinterpret_cast<const char*>(error.data));
    mr_value_release(&error);
    return false;
  }
  mr_sandbox_set_host(g.sandbox, HostFunction, Wakeup, nullptr);
  std::u16string path = U16("host.fn");
  if (mr_sandbox_expose(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
                        path.size(), 1, &error) != 0) {
    std::fprintf(stderr, "mini_racer_fuzz: expose failed\n");
    mr_value_release(&error);
    return false;
  }
  std::u16string code = U16(kPrelude);
  mr_value out{};
  mr_eval(g.sandbox, reinterpret_cast<const uint16_t*>(code.data()),
          code.size(), 10000, MR_EVAL_DISCARD_RESULT, &out);
  if (out.type >= MR_ERROR_FIRST) {
    std::fprintf(stderr, "mini_racer_fuzz: prelude failed: %.*s\n",
                 static_cast<int>(out.length),
                 reinterpret_cast<const char*>(out.data));
    mr_value_release(&out);
    return false;
  }
  mr_value_release(&out);
  return true;
}

void RecreateSandbox() {
  ReleaseAllHandles();
  mr_sandbox_free(g.sandbox);
  g.sandbox = nullptr;
  g.answers.clear();
  if (!CreateSandbox()) std::abort();
  g.recreate = false;
}

// ---------------------------------------------------------------------------
// Values from the fuzzer's bytes
// ---------------------------------------------------------------------------
// Arguments borrow their bytes from here for the length of one input.
struct Arena {
  std::deque<std::vector<uint8_t>> blocks;
  const uint8_t* Keep(std::vector<uint8_t> bytes) {
    blocks.push_back(std::move(bytes));
    // An exact-size heap block, so ASan sees reads past `length`.
    return blocks.back().empty() ? nullptr : blocks.back().data();
  }
};

double PickNumber(FuzzedDataProvider& fdp) {
  switch (fdp.ConsumeIntegralInRange<int>(0, 7)) {
    case 0: return 0;
    case 1: return -0.0;
    case 2: return std::numeric_limits<double>::quiet_NaN();
    case 3: return std::numeric_limits<double>::infinity();
    case 4: return fdp.ConsumeIntegral<int32_t>();
    case 5: return static_cast<double>(fdp.ConsumeIntegral<uint32_t>()) + 1;
    case 6: return 4294967296.0 * fdp.ConsumeIntegralInRange<int>(-2, 2);
    default: return fdp.ConsumeFloatingPoint<double>();
  }
}

double PickHandleId(FuzzedDataProvider& fdp) {
  if (!g.live_handles.empty() && fdp.ConsumeBool()) {
    return g.live_handles[fdp.ConsumeIntegralInRange<size_t>(
        0, g.live_handles.size() - 1)];
  }
  switch (fdp.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: return fdp.ConsumeIntegralInRange<uint32_t>(0, 64);
    case 1: return 1.5;
    case 2: return -1;
    case 3: return std::numeric_limits<double>::quiet_NaN();
    default: return PickNumber(fdp);
  }
}

std::vector<uint8_t> PickBytes(FuzzedDataProvider& fdp, size_t max) {
  size_t n = fdp.ConsumeIntegralInRange<size_t>(0, max);
  return fdp.ConsumeBytes<uint8_t>(n);
}

mr_value PickValue(FuzzedDataProvider& fdp, Arena* arena) {
  mr_value v{};
  int kind = fdp.ConsumeIntegralInRange<int>(0, 17);
  switch (kind) {
    case 0: v.type = MR_VALUE_UNDEFINED; break;
    case 1: v.type = MR_VALUE_NULL; break;
    case 2:
      v.type = MR_VALUE_BOOLEAN;
      v.number = fdp.ConsumeBool() ? fdp.ConsumeBool() : PickNumber(fdp);
      break;
    case 3: v.type = MR_VALUE_NUMBER; v.number = PickNumber(fdp); break;
    case 4:
    case 5: {
      // Strings of any length, odd UTF-16 byte counts included.
      v.type = kind == 4 ? MR_VALUE_STRING_LATIN1 : MR_VALUE_STRING_UTF16;
      std::vector<uint8_t> bytes = PickBytes(fdp, 64);
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
    case 6:
    case 7: {
      v.type = MR_VALUE_SERIALIZED;
      std::vector<uint8_t> bytes;
      if (kind == 7 && !g.recycled.empty()) {
        bytes = g.recycled[fdp.ConsumeIntegralInRange<size_t>(
            0, g.recycled.size() - 1)];
        // Maybe cut or flip it.
        if (!bytes.empty() && fdp.ConsumeBool()) {
          size_t at = fdp.ConsumeIntegralInRange<size_t>(0, bytes.size() - 1);
          if (fdp.ConsumeBool()) {
            bytes.resize(at);
          } else {
            bytes[at] ^= fdp.ConsumeIntegral<uint8_t>();
          }
        }
      } else {
        if (fdp.ConsumeBool()) {
          bytes = {0xFF, 0x0F};  // the header of Node 20's V8
        }
        std::vector<uint8_t> body = PickBytes(fdp, 128);
        bytes.insert(bytes.end(), body.begin(), body.end());
      }
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
    case 8: case 9: case 10: case 11:
      v.type = MR_VALUE_FUNCTION + (kind - 8);
      v.number = PickHandleId(fdp);
      break;
    case 12:
      v.type = MR_VALUE_HOST_PROMISE;
      v.number = PickNumber(fdp);
      break;
    default: {
      // Any type at all (failures, gaps, garbage), with or without data.
      v.type = fdp.ConsumeBool()
                   ? fdp.ConsumeIntegralInRange<int32_t>(-2, 30)
                   : fdp.ConsumeIntegral<int32_t>();
      v.number = PickNumber(fdp);
      std::vector<uint8_t> bytes = PickBytes(fdp, 32);
      v.length = bytes.size();
      v.data = arena->Keep(std::move(bytes));
      break;
    }
  }
  return v;
}

// A deep copy into malloc'd memory: what a host function returns is owned
// (and freed) by the sandbox.
mr_value Owned(const mr_value& in) {
  mr_value out = in;
  out.data = nullptr;
  if (in.length > 0) {
    auto* bytes = static_cast<uint8_t*>(std::malloc(in.length));
    std::memcpy(bytes, in.data, in.length);
    out.data = bytes;
  }
  return out;
}

const char* const kPaths[] = {
    "fz.id",   "fz.walk",    "fz.args",    "fz.pair",      "fz.mk",
    "fz.throwIt", "fz.resolve", "fz.reject", "fz.host", "fz.hostWalk",
    "fz.hostAwait", "fz.log", "fz",        "nope.x",       "fz.id.call",
};

std::u16string PickPath(FuzzedDataProvider& fdp) {
  if (fdp.ConsumeIntegralInRange<int>(0, 15) == 0) {
    // A path of any UTF-16 text.
    std::vector<uint8_t> bytes = PickBytes(fdp, 16);
    std::u16string path(bytes.size() / 2, u'\0');
    std::memcpy(path.data(), bytes.data(), path.size() * 2);
    return path;
  }
  return U16(kPaths[fdp.ConsumeIntegralInRange<size_t>(
      0, sizeof kPaths / sizeof kPaths[0] - 1)]);
}

// ---------------------------------------------------------------------------
// Host function 1 and the console (function 0)
// ---------------------------------------------------------------------------
void HostFunction(void*, uint64_t call_id, uint32_t function_id,
                  const mr_value* args, size_t argc, mr_value* result) {
  for (size_t i = 0; i < argc; ++i) {
    Inspect(args[i], 0x4057 + function_id);
    if (args[i].type >= MR_ERROR_FIRST) Violation("failure as host arg", args[i]);
  }
  if (function_id == 0) {
    if (argc == 0 || (args[0].type != MR_VALUE_STRING_LATIN1 &&
                      args[0].type != MR_VALUE_STRING_UTF16)) {
      Violation("console call without a level", argc ? args[0] : mr_value{});
    }
    return;
  }
  if (function_id != 1) {
    Violation("unknown host function id", mr_value{});
  }
  if (g.answers.empty()) {
    *result = argc > 0 ? Owned(args[0]) : mr_value{};
    return;
  }
  HostAnswer answer = std::move(g.answers.front());
  g.answers.pop_front();
  if (answer.reenter && g.host_depth < 2) {
    // Back into the same sandbox from inside the host function.
    ++g.host_depth;
    std::u16string path = U16("fz.pair");
    mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
            path.size(), &answer.value, 1, kCallTimeoutMs, 0, result);
    --g.host_depth;
    Inspect(*result, 0x4e57);  // the sandbox takes it back and frees it
    return;
  }
  *result = Owned(answer.value);
  if (answer.value.type == MR_VALUE_HOST_PROMISE && answer.settle_now) {
    mr_host_promise_settle(g.sandbox,
                           static_cast<uint64_t>(answer.value.number),
                           &answer.settle);
  }
}

// ---------------------------------------------------------------------------
// Async calls: wait on the host thread, answering host requests.
// ---------------------------------------------------------------------------
struct Completion {
  bool done = false;
  mr_value result{};
};

void OnComplete(void* user_data, uint64_t, mr_value* result) {
  auto* c = static_cast<Completion*>(user_data);
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    c->result = *result;  // ours now
    c->done = true;
  }
  g.changed.notify_all();
}

void Await(Completion* c, uint64_t site) {
  std::unique_lock<std::mutex> lock(g.mutex);
  while (!c->done) {
    lock.unlock();
    mr_sandbox_run_host_requests(g.sandbox);
    lock.lock();
    if (c->done) break;
    g.changed.wait_for(lock, std::chrono::milliseconds(1),
                       [&] { return c->done || g.wake.load(); });
    g.wake.store(false);
  }
  lock.unlock();
  Finish(&c->result, site);
}

// ---------------------------------------------------------------------------
// The two kinds of input
// ---------------------------------------------------------------------------
void CallPath(const char* path_ascii, const mr_value* args, size_t argc,
              int flags, mr_value* out) {
  std::u16string path = U16(path_ascii);
  mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
          path.size(), args, argc, kCallTimeoutMs, flags, out);
}

void PokeHandle(uint32_t id) {
  mr_value out{};
  mr_handle_op_run(g.sandbox, MR_HANDLE_KEYS, id, nullptr, 0, kCallTimeoutMs,
                   0, &out);
  Finish(&out, 0x6b);
  const char* key_text[] = {"0", "length", "size", "constructor", "x"};
  for (const char* k : key_text) {
    mr_value key{};
    key.type = MR_VALUE_STRING_LATIN1;
    key.data = reinterpret_cast<const uint8_t*>(k);
    key.length = std::strlen(k);
    for (int op : {MR_HANDLE_GET, MR_HANDLE_HAS}) {
      mr_value r{};
      mr_handle_op_run(g.sandbox, op, id, &key, 1, kCallTimeoutMs,
                       MR_RESULT_HANDLES, &r);
      Finish(&r, 0x70 + op);
    }
  }
}

std::string TagsOf(const mr_value& v) {
  if (v.type != MR_VALUE_STRING_LATIN1 || v.data == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(v.data), v.length);
}

void RunSerialized(const uint8_t* data, size_t size) {
  // Exact-size copy: reads past the end are ASan reports.
  std::vector<uint8_t> bytes(data, data + size);
  mr_value arg{MR_VALUE_SERIALIZED, 0, bytes.data(), bytes.size()};

  mr_value walked{};
  CallPath("fz.walk", &arg, 1, 0, &walked);
  Inspect(walked, 1);
  FeedTags(walked);
  std::string tags = TagsOf(walked);
  mr_value_release(&walked);

  mr_value copy{};
  CallPath("fz.id", &arg, 1, 0, &copy);
  Inspect(copy, 2);
  if (copy.type == MR_VALUE_SERIALIZED) {
    // Round trip: what came out goes back in and must look the same.
    mr_value again{};
    CallPath("fz.walk", &copy, 1, 0, &again);
    Inspect(again, 3);
    std::string tags2 = TagsOf(again);
    if (tags != tags2 && !tags.empty() && !tags2.empty() &&
        g.roundtrip_reports < 5) {
      ++g.roundtrip_reports;
      std::fprintf(stderr,
                   "mini_racer_fuzz: note: round trip changed the value's "
                   "shape:\n  before: %.300s\n  after:  %.300s\n",
                   tags.c_str(), tags2.c_str());
    }
    mr_value_release(&again);
  }
  mr_value_release(&copy);

  mr_value pair{};
  CallPath("fz.pair", &arg, 1, 0, &pair);
  Finish(&pair, 4);

  mr_value handle{};
  CallPath("fz.id", &arg, 1, MR_RESULT_HANDLES, &handle);
  Inspect(handle, 5);
  bool is_handle = handle.type >= MR_VALUE_FUNCTION &&
                   handle.type <= MR_VALUE_SYMBOL;
  uint32_t id = is_handle ? static_cast<uint32_t>(handle.number) : 0;
  mr_value_release(&handle);
  if (is_handle) PokeHandle(id);

  // Through a host function and back: as its argument, and as its result.
  HostAnswer answer;
  answer.bytes = bytes;
  answer.value = {MR_VALUE_SERIALIZED, 0, answer.bytes.data(),
                  answer.bytes.size()};
  g.answers.push_back(std::move(answer));
  mr_value hosted{};
  CallPath("fz.hostWalk", &arg, 1, 0, &hosted);
  Finish(&hosted, 6);
}

void RunProgram(const uint8_t* data, size_t size) {
  FuzzedDataProvider fdp(data, size);
  Arena arena;
  for (size_t step = 0; step < kMaxOps && fdp.remaining_bytes() > 0; ++step) {
    int op = fdp.ConsumeIntegralInRange<int>(0, 11);
    uint64_t site = 0x1000 + op * 64;
    switch (op) {
      case 0:
      case 1: {  // call a function by path
        std::u16string path = PickPath(fdp);
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        mr_value out{};
        mr_call(g.sandbox, reinterpret_cast<const uint16_t*>(path.data()),
                path.size(), args.data(), args.size(), kCallTimeoutMs, flags,
                &out);
        if (path == U16("fz.walk") || path == U16("fz.hostWalk")) FeedTags(out);
        Finish(&out, site + (path.size() & 31));
        break;
      }
      case 2:
      case 3: {  // a handle operation
        int hop = fdp.ConsumeIntegralInRange<int>(-1, 6);
        uint32_t handle = static_cast<uint32_t>(PickHandleId(fdp));
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        mr_value out{};
        mr_handle_op_run(g.sandbox, hop, handle, args.data(), args.size(),
                         kCallTimeoutMs, flags, &out);
        Finish(&out, site + hop + 1);
        break;
      }
      case 4: {  // let one of ours go
        if (g.live_handles.empty()) break;
        size_t i = fdp.ConsumeIntegralInRange<size_t>(0, g.live_handles.size() - 1);
        mr_handle_release(g.sandbox, g.live_handles[i]);
        g.live_handles.erase(g.live_handles.begin() + i);
        break;
      }
      case 5: {  // what host function 1 answers next
        HostAnswer answer;
        Arena local;
        mr_value v = PickValue(fdp, &local);
        if (v.length > 0) answer.bytes = local.blocks.back();
        answer.value = v;
        answer.value.data = answer.bytes.empty() ? nullptr : answer.bytes.data();
        answer.value.length = answer.bytes.size();
        answer.reenter = fdp.ConsumeIntegralInRange<int>(0, 7) == 0;
        if (fdp.ConsumeBool()) {
          answer.value.type = MR_VALUE_HOST_PROMISE;
          answer.value.number = fdp.ConsumeIntegralInRange<int>(0, 4);
          answer.settle_now = fdp.ConsumeBool();
          Arena local2;
          mr_value s = PickValue(fdp, &local2);
          if (s.length > 0) answer.settle_bytes = local2.blocks.back();
          answer.settle = s;
          answer.settle.data =
              answer.settle_bytes.empty() ? nullptr : answer.settle_bytes.data();
          answer.settle.length = answer.settle_bytes.size();
        }
        if (g.answers.size() < 8) g.answers.push_back(std::move(answer));
        break;
      }
      case 6:
      case 7: {  // async call (by path, or of a handle)
        size_t argc = fdp.ConsumeIntegralInRange<size_t>(0, kMaxArgs);
        std::vector<mr_value> args;
        for (size_t i = 0; i < argc; ++i) args.push_back(PickValue(fdp, &arena));
        int flags = fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0;
        Completion c;
        if (op == 6) {
          std::u16string path = PickPath(fdp);
          mr_call_async(g.sandbox,
                        reinterpret_cast<const uint16_t*>(path.data()),
                        path.size(), args.data(), args.size(), kAsyncTimeoutMs,
                        flags, OnComplete, &c);
        } else {
          uint32_t handle = static_cast<uint32_t>(PickHandleId(fdp));
          mr_handle_call_async(g.sandbox, handle, args.data(), args.size(),
                               kAsyncTimeoutMs, flags, OnComplete, &c);
        }
        // The arguments were copied: scribble over ours.
        for (auto& block : arena.blocks) std::memset(block.data(), 0xA5, block.size());
        Await(&c, site);
        break;
      }
      case 8: {  // settle a host promise, known or not
        uint64_t id = fdp.ConsumeIntegralInRange<uint64_t>(0, 6);
        mr_value v = PickValue(fdp, &arena);
        mr_host_promise_settle(g.sandbox, id, &v);
        break;
      }
      case 9: {  // a value with odd corners, as a handle or a copy
        mr_value n{MR_VALUE_NUMBER, static_cast<double>(fdp.ConsumeIntegral<uint8_t>()),
                   nullptr, 0};
        mr_value out{};
        CallPath("fz.mk", &n, 1, fdp.ConsumeBool() ? MR_RESULT_HANDLES : 0,
                 &out);
        Finish(&out, site + static_cast<int>(n.number) % 64);
        break;
      }
      case 10:
        mr_sandbox_set_console(g.sandbox, fdp.ConsumeBool());
        break;
      case 11: {
        mr_heap_stats stats{};
        mr_heap_stats_get(g.sandbox, &stats);
        if (fdp.ConsumeIntegralInRange<int>(0, 15) == 0) {
          mr_low_memory_notification(g.sandbox);
        }
        break;
      }
    }
  }
}

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
