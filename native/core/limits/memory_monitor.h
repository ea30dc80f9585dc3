// MemoryMonitor: keeps a sandbox's heap under its cap. V8 kills the whole
// process when a heap reaches its own limit, so the cap is checked after
// each GC and the running script terminated there; V8's limit stays far
// above, and should it still be reached the script is terminated and V8
// given headroom to unwind; afterwards the
// sandbox either gets its memory back or is marked as needing recreation.
#ifndef MINI_RACER_MEMORY_MONITOR_H_
#define MINI_RACER_MEMORY_MONITOR_H_

#include <v8.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <vector>

#include "core/limits/memory_budget.h"

namespace mini_racer {

class MemoryMonitor {
 public:
  MemoryMonitor(v8::Isolate* isolate, MemoryBudget* budget,
                size_t soft_limit);
  ~MemoryMonitor();
  MemoryMonitor(const MemoryMonitor&) = delete;
  MemoryMonitor& operator=(const MemoryMonitor&) = delete;

  // Gives memory freed by closed sandboxes back to the OS: their threads
  // leave it in glibc's per-thread arenas, which glibc keeps, so RSS creeps
  // up with sandboxes created and closed all day. It walks every arena
  // (~4 ms), so callers on a hot path ask for it at most once a second.
  static void ReturnFreedMemory(bool at_most_every_second);

  // Sets V8's heap limits for a sandbox capped at `max_bytes`.
  static void ConfigureHeap(size_t max_bytes,
                            v8::ResourceConstraints* constraints);

  void BeginCall();
  // The script has stopped running: GCs from here on (ours) must not
  // terminate anything.
  void LeaveCall();
  // Whether the running call hit the cap (heap or off-heap budget).
  bool CapReachedInCall() const;
  // Whether the running call took the heap itself past the cap: such a call
  // fails even if the script finished.
  bool HeapCapReachedInCall() const;
  // Checks the heap once the script has run, before its result is copied.
  void CheckAfterRun();
  // After a call that hit the cap, with termination cancelled: collects
  // garbage, restores the heap limit and returns whether the sandbox has
  // room to go on.
  bool RecoverAfterCap();
  // After every call: applies the soft limit.
  void EndCall();

  bool soft_limit_reached() const { return soft_limit_reached_.load(); }
  // Between calls (0: none); whether it is reached is decided anew.
  void set_soft_limit(size_t bytes) {
    soft_limit_.store(bytes, std::memory_order_relaxed);
    soft_limit_reached_ = false;
  }
  bool cap_ever_reached() const { return cap_ever_reached_.load(); }

  // Heap figures as of the last GC or RecordHeapFigures call: readable from
  // any thread without the isolate's lock.
  struct HeapFigures {
    size_t total = 0;
    size_t used = 0;
    size_t limit = 0;
  };
  void RecordHeapFigures(v8::HeapStatistics& stats);
  HeapFigures LastHeapFigures() const;

 private:
  static size_t NearHeapLimit(void* data, size_t current_limit,
                              size_t initial_limit);
  // MemoryBudget's probe: the heap's used size now, on the isolate's own
  // thread only (V8 may allocate backing stores on helper threads).
  static size_t HeapUsedNow(void* data);
  static void FullCheckInterrupt(v8::Isolate* isolate, void* data);
  // A GC found the heap over the cap. V8's figures then still count
  // garbage (a scavenge does not look at the old generation, and even a
  // full GC may leave some), so the call is not stopped on them: a full
  // collection decides, run at the script's next interrupt check.
  void RequestFullCheck();
  // Collects all garbage and then enforces the cap on what is live; when
  // `stop` the running script is terminated if it is over.
  void RunFullCheck(bool stop);
  // A compacting full collection, then the heap's figures.
  void CollectUnderPressure(v8::HeapStatistics* stats);
  bool OverCap(v8::HeapStatistics& stats) const;
  static void AfterGC(v8::Isolate* isolate, v8::GCType type,
                      v8::GCCallbackFlags flags, void* data);

  size_t LargeObjectBytes();

  v8::Isolate* isolate_;
  // Indexes of V8's large-object heap spaces, and their size after the last GC.
  std::vector<size_t> large_object_spaces_;
  size_t large_objects_at_last_gc_ = 0;
  MemoryBudget* budget_;
  std::atomic<size_t> soft_limit_;
  size_t initial_heap_limit_ = 0;
  bool in_call_ = false;
  // A full check was requested and has not run; our own collection runs.
  std::atomic<bool> full_check_pending_{false};
  bool collecting_ = false;
  std::chrono::steady_clock::time_point call_started_;
  std::atomic<bool> heap_cap_reached_{false};
  std::atomic<bool> cap_ever_reached_{false};
  std::atomic<bool> soft_limit_reached_{false};
  std::atomic<size_t> last_total_{0};
  std::atomic<size_t> last_used_{0};
  std::atomic<size_t> last_limit_{0};
};

}  // namespace mini_racer

#endif  // MINI_RACER_MEMORY_MONITOR_H_
