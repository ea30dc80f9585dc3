// MemoryBudget: the one byte budget of a sandbox, shared by the V8 heap
// (tracked after each GC) and off-heap buffers (charged on allocation).
// BudgetedAllocator: the ArrayBuffer allocator that charges it, so that
// `new ArrayBuffer(2**32)` fails inside the sandbox instead of succeeding
// outside any limit.
#ifndef MINI_RACER_MEMORY_BUDGET_H_
#define MINI_RACER_MEMORY_BUDGET_H_

#include <v8-array-buffer.h>
#include <v8-isolate.h>

#include <atomic>
#include <cstddef>

namespace mini_racer {

class MemoryBudget {
 public:
  explicit MemoryBudget(size_t max_bytes)
      : capacity_(max_bytes), max_bytes_(max_bytes) {}

  // Charges `bytes` of off-heap memory if heap + off-heap stays within the
  // cap. Thread-safe: V8 may allocate backing stores on helper threads.
  // A refusal is recorded (see refused()) unless `record_refusal` is false:
  // a caller that will collect garbage and retry records only its last try.
  bool TryCharge(size_t bytes, bool record_refusal = true);
  void Release(size_t bytes);

  // Called after each GC with the live heap size.
  void set_heap_used(size_t bytes) {
    heap_used_.store(bytes, std::memory_order_relaxed);
  }

  // The heap grows between GCs: a charge of kProbeAbove bytes or more asks
  // `probe` for the heap's size now instead of trusting the last GC's
  // figure (objects made since it would not count). The probe returns
  // kNoProbe when it cannot measure (called off the isolate's thread).
  // Garbage counts too; V8 answers a refused buffer with a full GC and a
  // retry, which then measures what is live.
  using HeapProbe = size_t (*)(void* data);
  static constexpr size_t kProbeAbove = size_t{1} << 20;
  static constexpr size_t kNoProbe = ~size_t{0};
  void set_heap_probe(HeapProbe probe, void* data) {
    probe_data_.store(data, std::memory_order_relaxed);
    probe_.store(probe, std::memory_order_release);
  }

  size_t max_bytes() const {
    return max_bytes_.load(std::memory_order_relaxed);
  }
  // Moves the cap, between calls, within the capacity the sandbox was made
  // with (V8's heap was sized for it). False, unchanged, above it.
  bool set_max_bytes(size_t bytes) {
    if (bytes > capacity_) return false;
    max_bytes_.store(bytes, std::memory_order_relaxed);
    return true;
  }
  size_t heap_used() const {
    return heap_used_.load(std::memory_order_relaxed);
  }
  // Heap and buffers now over the cap (a cap lowered under the live set).
  bool over() const {
    return heap_used_.load(std::memory_order_relaxed) + external_bytes() >
           max_bytes();
  }
  size_t external_bytes() const {
    return external_.load(std::memory_order_relaxed);
  }

  // Whether a charge was refused since the last reset (a call that then
  // fails reports the memory cap rather than a bare RangeError).
  bool refused() const { return refused_.load(std::memory_order_relaxed); }
  void reset_refused() { refused_.store(false, std::memory_order_relaxed); }
  // A charge of `bytes` that succeeded where the last refusal was of the
  // same size: V8 answers a refused buffer with GCs and up to three
  // retries, so that refusal counted garbage and is withdrawn (it made a
  // call that ran on to its deadline fail with JSOOMError).
  void Recovered(size_t bytes) {
    if (refused_.load(std::memory_order_relaxed) &&
        refused_bytes_.load(std::memory_order_relaxed) == bytes) {
      refused_.store(false, std::memory_order_relaxed);
    }
  }

 private:
  const size_t capacity_;
  std::atomic<size_t> max_bytes_;
  std::atomic<size_t> external_{0};
  std::atomic<size_t> heap_used_{0};
  std::atomic<bool> refused_{false};
  std::atomic<size_t> refused_bytes_{0};
  std::atomic<HeapProbe> probe_{nullptr};
  std::atomic<void*> probe_data_{nullptr};
};

// Charges `bytes`, and when refused collects garbage and tries once more:
// what V8 does for a refused ArrayBuffer, for the charges it knows nothing
// of (Intl objects, WebAssembly memories). The heap's figure then counts
// only what is live, and only the second refusal is recorded. On the
// isolate's thread, inside a call.
bool ChargeOrCollect(v8::Isolate* isolate, MemoryBudget* budget, size_t bytes);

class BudgetedAllocator : public v8::ArrayBuffer::Allocator {
 public:
  explicit BudgetedAllocator(MemoryBudget* budget) : budget_(budget) {}

  void* Allocate(size_t length) override;
  void* AllocateUninitialized(size_t length) override;
  void Free(void* data, size_t length) override;

 private:
  void* AllocateCharged(size_t length, bool zeroed);
  MemoryBudget* budget_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_MEMORY_BUDGET_H_
