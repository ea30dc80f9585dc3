// Shared by the files of the fuzz addon (see fuzz_addon.cc): the one
// sandbox and its state, the contract checks, the value pickers, and the
// two kinds of input.
#ifndef MINI_RACER_FUZZ_FUZZ_H_
#define MINI_RACER_FUZZ_FUZZ_H_

#include <fuzzer/FuzzedDataProvider.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "mini_racer.h"

namespace mini_racer_fuzz {

constexpr mr_limits kCallLimits = {1000, 0};
constexpr mr_limits kAsyncLimits = {300, 0};
constexpr size_t kMaxOps = 24;
constexpr size_t kMaxArgs = 5;

// ---- Fuzzing state: one sandbox for many inputs (fuzz_sandbox.cc) ----
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
extern State g;

std::u16string U16(const char* ascii);
bool CreateSandbox();
void RecreateSandbox();
void ReleaseAllHandles();
// Host function 1 and the console (function 0).
void HostFunction(void*, uint64_t call_id, uint32_t function_id,
                  const mr_value* args, size_t argc, mr_value* result);
// Async calls: wait on the host thread, answering host requests.
struct Completion {
  bool done = false;
  mr_value result{};
};

void OnComplete(void* user_data, uint64_t, mr_value* result,
                const mr_call_report*);
void Await(Completion* c, uint64_t site);

// ---- The API's contract, and feedback for libFuzzer (fuzz_contract.cc) ----
uint64_t Hash(const void* data, size_t size, uint64_t seed);
void Bump(uint64_t h);
[[noreturn]] void Violation(const char* what, const mr_value& v);
// Checks an output value and records it: handles join the live set,
// serialized bytes are kept to be sent back in later steps, and the
// outcome feeds the extra counters. Does not release it.
void Inspect(const mr_value& v, uint64_t site);
// Feeds a string result of fz.walk (tags) into the extra counters.
void FeedTags(const mr_value& v);
// Inspects and releases.
void Finish(mr_value* out, uint64_t site);

// ---- Values from the fuzzer's bytes (fuzz_values.cc) ----
// Arguments borrow their bytes from here for the length of one input.
struct Arena {
  std::deque<std::vector<uint8_t>> blocks;
  const uint8_t* Keep(std::vector<uint8_t> bytes) {
    blocks.push_back(std::move(bytes));
    // An exact-size heap block, so ASan sees reads past `length`.
    return blocks.back().empty() ? nullptr : blocks.back().data();
  }
};

double PickNumber(FuzzedDataProvider& fdp);
double PickHandleId(FuzzedDataProvider& fdp);
mr_value PickValue(FuzzedDataProvider& fdp, Arena* arena);
// A deep copy into malloc'd memory: what a host function returns is owned
// (and freed) by the sandbox.
mr_value Owned(const mr_value& in);
std::u16string PickPath(FuzzedDataProvider& fdp);

// ---- The two kinds of input (fuzz_programs.cc) ----
// V8 serialization bytes, sent through the identity, walk and host paths.
void RunSerialized(const uint8_t* data, size_t size);
// A small program of C API calls.
void RunProgram(const uint8_t* data, size_t size);

}  // namespace mini_racer_fuzz

#endif  // MINI_RACER_FUZZ_FUZZ_H_
