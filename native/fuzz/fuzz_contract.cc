// The C API's contract, checked on every value the fuzzer sees, and the
// feedback (extra coverage counters) that V8's uninstrumented code cannot
// give libFuzzer itself.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "fuzz.h"

namespace mini_racer_fuzz {

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

[[noreturn]] void Violation(const char* what, const mr_value& v) {
  std::fprintf(stderr,
               "mini_racer_fuzz: contract violation: %s (type %d, number %g, "
               "data %p, length %zu)\n",
               what, v.type, v.number, static_cast<const void*>(v.data),
               v.length);
  std::abort();
}

bool ValidType(int32_t t) {
  return (t >= MR_VALUE_UNDEFINED && t <= MR_VALUE_SYMBOL) ||
         (t >= MR_ERROR_FIRST && t <= MR_ERROR_UNSAFE_FLAGS);
}

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

}  // namespace mini_racer_fuzz
