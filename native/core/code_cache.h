// The native half of the code cache (README "Code cache"): an eval asked
// for it (MR_EVAL_CODE_CACHE) compiles from cache bytes the host hands in,
// and once its script has run, makes a cache of it for the host to keep.
// The cache itself, its key and its trust checks live in the host
// (src/internal/code_cache.ts): no process-wide state here.
//
// V8 checks a cache's version, flags and source *length*, not the source:
// bytes made for other code of the same length would be accepted and run
// that code's functions. The host therefore hands in only bytes it made for
// this exact code (keyed by a SHA-256 of it), or read from a file whose
// hashes it has verified.
#ifndef MINI_RACER_CORE_CODE_CACHE_H_
#define MINI_RACER_CORE_CODE_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "capi/mini_racer.h"
#include "core/runtime/thread_annotations.h"

namespace mini_racer {

// One eval's side of it: the bytes handed in (borrowed), and what came of
// them.
struct CodeCacheRun {
  const uint8_t* in = nullptr;
  size_t in_length = 0;
  // An mr_code_cache_status.
  int status = MR_CODE_CACHE_NONE;
  // The cache made after the script ran (empty: none).
  std::vector<uint8_t> made;

  // Moves the outcome into the C API's struct (which then owns the bytes).
  void MoveTo(mr_code_cache* out);
};

// The outcome of each async eval that asked for a cache, kept by call id
// from the call's first slice (the sandbox's thread) until the host takes
// it after the call's completion (Node's thread).
class CodeCacheOutbox {
 public:
  void Put(uint64_t call_id, CodeCacheRun&& run) MR_EXCLUDES(mutex_);
  // False when there is none (the call never compiled).
  bool Take(uint64_t call_id, CodeCacheRun* run) MR_EXCLUDES(mutex_);

 private:
  Mutex mutex_;
  std::unordered_map<uint64_t, CodeCacheRun> runs_ MR_GUARDED_BY(mutex_);
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_CODE_CACHE_H_
