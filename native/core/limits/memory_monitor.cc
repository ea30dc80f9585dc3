#include "core/limits/memory_monitor.h"

#include <algorithm>
#include <cstdint>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <string>

namespace mini_racer {
namespace {
// Room V8 gets past its own limit to unwind a terminated script.
constexpr size_t kMinHeadroom = 16u << 20;
// A sandbox whose live heap is still above this share of the cap after a
// full GC is not given back to the caller.
constexpr double kUsableAfterCapShare = 0.9;
// How far V8's own heap limit sits above the cap. V8 aborts the process
// when one allocation does not fit under its limit even after a last-resort
// GC, without asking the near-limit callback; the largest single heap
// object (a 1 GiB FixedArray or two-byte string) must always fit.
constexpr size_t kAllocationSlack = size_t{3} << 29;
// The most V8 is told to let the old generation reach before its first
// full GC (see ConfigureHeap).
constexpr size_t kMaxInitialOldGeneration = size_t{256} << 20;
// Growth of the large-object spaces since the last GC past which the end of
// a call measures the whole heap.
constexpr size_t kLargeObjectGrowthToCheck = 4u << 20;
// A GC that finds the heap over the cap by up to 1/kGarbageShareToCheck of
// it has a full collection decide; further over, the call stops at once.
constexpr size_t kGarbageShareToCheck = 2;
// Calls shorter than this cannot have written that much memory (4 MiB at
// 40 GB/s takes 100 µs).
constexpr std::chrono::microseconds kMinCallToCheck{50};
// Full collections that age the compilation cache's code out (V8 flushes
// bytecode unused for --bytecode-old-age collections: 6 on Node 26, 5
// before), and the time they may take together.
constexpr int kAgingCollections = 8;
constexpr std::chrono::milliseconds kAgingCollectionsBudget{100};
}  // namespace

MemoryMonitor::MemoryMonitor(v8::Isolate* isolate, MemoryBudget* budget,
                             size_t soft_limit)
    : isolate_(isolate), budget_(budget), soft_limit_(soft_limit) {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  RecordHeapFigures(stats);
  initial_heap_limit_ = stats.heap_size_limit();
  budget_->set_heap_used(stats.used_heap_size());
  for (size_t i = 0; i < isolate_->NumberOfHeapSpaces(); ++i) {
    v8::HeapSpaceStatistics space;
    if (!isolate_->GetHeapSpaceStatistics(&space, i)) continue;
    std::string name = space.space_name();
    if (name.find("large_object") != std::string::npos) {
      large_object_spaces_.push_back(i);
    }
  }
  large_objects_at_last_gc_ = LargeObjectBytes();
  isolate_->AddNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, this);
  isolate_->AddGCEpilogueCallback(&MemoryMonitor::AfterGC, this);
  // The isolate, not the monitor, is the probe's data: a helper thread
  // that read the probe just before ~MemoryMonitor compares a pointer only.
  budget_->set_heap_probe(&MemoryMonitor::HeapUsedNow, isolate_);
}

MemoryMonitor::~MemoryMonitor() {
  budget_->set_heap_probe(nullptr, nullptr);
  isolate_->RemoveGCEpilogueCallback(&MemoryMonitor::AfterGC, this);
  isolate_->RemoveNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, 0);
}

void MemoryMonitor::ReturnFreedMemory(bool at_most_every_second) {
#if defined(__GLIBC__)
  // The timestamp is allocator housekeeping shared by the process's
  // sandboxes, not state any sandbox depends on.
  static std::atomic<int64_t> last_trim_ms{0};
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now().time_since_epoch())
                    .count();
  int64_t last = last_trim_ms.load(std::memory_order_relaxed);
  if (at_most_every_second &&
      (now - last < 1000 ||
       !last_trim_ms.compare_exchange_strong(last, now,
                                             std::memory_order_relaxed))) {
    return;
  }
  last_trim_ms.store(now, std::memory_order_relaxed);
  malloc_trim(0);
#else
  (void)at_most_every_second;
#endif
}

void MemoryMonitor::ConfigureHeap(size_t max_bytes,
                                  v8::ResourceConstraints* constraints) {
  // V8 derives its space sizes from this and aborts the process unless
  // they are whole pages: it gets the cap rounded up to a MiB (the cap
  // itself, enforced by the budget, stays exact).
  constexpr size_t kHeapGranule = size_t{1} << 20;
  size_t heap_bytes = max_bytes + (kHeapGranule - max_bytes % kHeapGranule) %
                                      kHeapGranule;
  constraints->ConfigureDefaultsFromHeapSize(0, heap_bytes);
  constraints->set_max_old_generation_size_in_bytes(
      constraints->max_old_generation_size_in_bytes() + kAllocationSlack);
  // V8 puts its first full GC at a share of its own limit, ~0.9 GB above:
  // a sandbox whose garbage goes straight to the old generation (a script
  // function bound per call) would grow the host by hundreds of MB past
  // its cap before V8 collected any of it, or fail a call when a young GC
  // finally saw the heap far over. At half the cap it collects in time;
  // later GCs are placed from the live size (plus V8's step of a few MB).
  // At most 256 MiB: V8 sizes other structures from it, and half of a
  // terabyte cap made it fail allocations of its own (std::bad_alloc).
  constraints->set_initial_old_generation_size_in_bytes(
      std::min(heap_bytes / 2, kMaxInitialOldGeneration));
}

size_t MemoryMonitor::LargeObjectBytes() {
  size_t bytes = 0;
  for (size_t index : large_object_spaces_) {
    v8::HeapSpaceStatistics space;
    if (isolate_->GetHeapSpaceStatistics(&space, index)) {
      bytes += space.space_used_size();
    }
  }
  return bytes;
}

size_t MemoryMonitor::NearHeapLimit(void* data, size_t current_limit,
                                    size_t initial_limit) {
  auto* self = static_cast<MemoryMonitor*>(data);
  self->heap_cap_reached_.store(true, std::memory_order_relaxed);
  self->isolate_->TerminateExecution();
  return current_limit + std::max(kMinHeadroom, initial_limit / 4);
}

size_t MemoryMonitor::HeapUsedNow(void* data) {
  auto* isolate = static_cast<v8::Isolate*>(data);
  if (v8::Isolate::TryGetCurrent() != isolate) return MemoryBudget::kNoProbe;
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  return stats.used_heap_size();
}

void MemoryMonitor::AfterGC(v8::Isolate* isolate, v8::GCType,
                            v8::GCCallbackFlags, void* data) {
  auto* self = static_cast<MemoryMonitor*>(data);
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  size_t used = stats.used_heap_size();
  self->budget_->set_heap_used(used);
  self->RecordHeapFigures(stats);
  self->large_objects_at_last_gc_ = self->LargeObjectBytes();
  // The cap itself is enforced from here, at each GC: V8's own limit sits
  // far above it (see ConfigureHeap) so that no single allocation can reach
  // V8's fatal out-of-memory path. Live data counts, not garbage: over the
  // cap, a full collection decides (a long-lived sandbox with a large live
  // set failed garbage-making calls at random otherwise).
  size_t total = used + self->budget_->external_bytes();
  size_t max = self->budget_->max_bytes();
  if (self->in_call_ && !self->collecting_ && total > max) {
    // A young GC's figure counts the old generation's garbage too (on
    // Node 24, 120,000 `new Function` in one call under an 8 MiB cap made
    // 12.8 MB), but inside a builtin that never checks interrupts (a huge
    // JSON.parse) only young GCs may run: the figure must decide there.
    if (total - max > max / kGarbageShareToCheck) {
      // Too far over for garbage to explain (the full check would have run
      // at the first interrupt check past the cap, unless a builtin that
      // never checks is filling the heap): stop at once.
      self->heap_cap_reached_.store(true, std::memory_order_relaxed);
      isolate->TerminateExecution();
    } else {
      self->RequestFullCheck();
    }
  }
}

void MemoryMonitor::RequestFullCheck() {
  if (full_check_pending_.exchange(true, std::memory_order_relaxed)) return;
  // Termination, too, only takes effect at the next interrupt check: the
  // script runs no further on this path than it did when terminated at once.
  isolate_->RequestInterrupt(&MemoryMonitor::FullCheckInterrupt, this);
}

void MemoryMonitor::FullCheckInterrupt(v8::Isolate*, void* data) {
  static_cast<MemoryMonitor*>(data)->RunFullCheck(/*stop=*/true);
}

void MemoryMonitor::RunFullCheck(bool stop) {
  if (!full_check_pending_.exchange(false, std::memory_order_relaxed) ||
      !in_call_) {
    return;
  }
  collecting_ = true;
  using Clock = std::chrono::steady_clock;
  v8::HeapStatistics stats;
  Clock::time_point started = Clock::now();
  CollectUnderPressure(&stats);
  Clock::duration one_collection = Clock::now() - started;
  if (OverCap(stats)) {
    // Still over: V8's compilation cache keeps the scripts of recent
    // sources through such GCs (30,000 distinct evals filled a 16 MiB cap
    // with them). Only a low-memory collection drops it; it runs only here,
    // at the cap, so its cost is paid once per cap reached.
    isolate_->LowMemoryNotification();
    isolate_->GetHeapStatistics(&stats);
  }
  // Still over: the code of `eval` and `new Function` sources stays in the
  // compilation cache until its bytecode has aged through a few full GCs,
  // and a low-memory collection does not age it (60,000 `new Function` in
  // one call kept 6-7 MB there, over a 16 MiB cap under load). More
  // collections age it out, bounded in number and time; none on a heap
  // where one collection alone takes the whole budget. Paid only at the cap.
  Clock::time_point aging_started = Clock::now();
  for (int round = 0;
       OverCap(stats) && round < kAgingCollections &&
       one_collection < kAgingCollectionsBudget &&
       Clock::now() - aging_started < kAgingCollectionsBudget;
       ++round) {
    CollectUnderPressure(&stats);
  }
  collecting_ = false;
  budget_->set_heap_used(stats.used_heap_size());
  RecordHeapFigures(stats);
  large_objects_at_last_gc_ = LargeObjectBytes();
  if (OverCap(stats)) {
    heap_cap_reached_.store(true, std::memory_order_relaxed);
    if (stop) isolate_->TerminateExecution();
  }
}

void MemoryMonitor::CollectUnderPressure(v8::HeapStatistics* stats) {
  // One or two compacting full GCs, far cheaper than LowMemoryNotification's
  // up to seven rounds; the level goes back at once (V8 resets it itself
  // after acting on a critical one).
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate_->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  isolate_->GetHeapStatistics(stats);
}

bool MemoryMonitor::OverCap(v8::HeapStatistics& stats) const {
  return stats.used_heap_size() + budget_->external_bytes() >
         budget_->max_bytes();
}

void MemoryMonitor::RecordHeapFigures(v8::HeapStatistics& stats) {
  last_total_.store(stats.total_heap_size(), std::memory_order_relaxed);
  last_used_.store(stats.used_heap_size(), std::memory_order_relaxed);
  last_limit_.store(stats.heap_size_limit(), std::memory_order_relaxed);
}

MemoryMonitor::HeapFigures MemoryMonitor::LastHeapFigures() const {
  return HeapFigures{last_total_.load(std::memory_order_relaxed),
                     last_used_.load(std::memory_order_relaxed),
                     last_limit_.load(std::memory_order_relaxed)};
}

void MemoryMonitor::BeginCall() {
  heap_cap_reached_.store(false, std::memory_order_relaxed);
  budget_->reset_refused();
  in_call_ = true;
  call_started_ = std::chrono::steady_clock::now();
}

void MemoryMonitor::CheckAfterRun() {
  // A GC found the heap over the cap and the script ended before its check
  // ran: it runs now (the call fails if the heap really is over).
  if (full_check_pending_.load(std::memory_order_relaxed)) {
    RunFullCheck(/*stop=*/false);
    return;
  }
  // One huge allocation (a string flattened as the script's last act) can
  // take the heap past the cap with no GC since to notice. Such objects
  // live in the large-object spaces, which are cheap to measure; smaller
  // ones cannot move the heap far between the GCs that check it. Writing
  // the threshold's 4 MiB takes longer than this, so shorter calls skip it.
  if (std::chrono::steady_clock::now() - call_started_ < kMinCallToCheck) {
    return;
  }
  if (LargeObjectBytes() <=
      large_objects_at_last_gc_ + kLargeObjectGrowthToCheck) {
    return;
  }
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  size_t total = stats.used_heap_size() + budget_->external_bytes();
  size_t max = budget_->max_bytes();
  if (total <= max) return;
  if (total - max > max / kGarbageShareToCheck) {
    // Too far over for garbage to explain: a huge object made in one go
    // (a flattened string, a parsed array) was live at some point.
    heap_cap_reached_.store(true, std::memory_order_relaxed);
    return;
  }
  // Maybe garbage: a full collection decides.
  full_check_pending_.store(true, std::memory_order_relaxed);
  RunFullCheck(/*stop=*/false);
}

void MemoryMonitor::LeaveCall() { in_call_ = false; }

bool MemoryMonitor::CapReachedInCall() const {
  return heap_cap_reached_.load(std::memory_order_relaxed) ||
         budget_->refused();
}

bool MemoryMonitor::HeapCapReachedInCall() const {
  return heap_cap_reached_.load(std::memory_order_relaxed);
}

bool MemoryMonitor::RecoverAfterCap() {
  cap_ever_reached_ = true;
  if (!heap_cap_reached_.load(std::memory_order_relaxed)) {
    // Only the off-heap budget refused an allocation: the heap is fine, and
    // the script can free its buffers.
    return true;
  }
  isolate_->LowMemoryNotification();
  // Re-registering with a limit restores a heap limit the near-limit
  // callback raised (V8 keeps it above the live heap if that is bigger).
  isolate_->RemoveNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit,
                                        initial_heap_limit_);
  isolate_->AddNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, this);
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  return stats.used_heap_size() <
         static_cast<size_t>(budget_->max_bytes() * kUsableAfterCapShare);
}

void MemoryMonitor::EndCall() {
  size_t soft_limit = soft_limit_.load(std::memory_order_relaxed);
  if (soft_limit == 0) return;
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  if (stats.used_heap_size() + budget_->external_bytes() > soft_limit) {
    soft_limit_reached_ = true;
    isolate_->LowMemoryNotification();
  }
}

}  // namespace mini_racer
