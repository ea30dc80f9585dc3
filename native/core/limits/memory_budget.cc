#include "core/limits/memory_budget.h"

#include <cstdlib>

namespace mini_racer {

bool MemoryBudget::TryCharge(size_t bytes, bool record_refusal) {
  size_t heap = heap_used_.load(std::memory_order_relaxed);
  if (bytes >= kProbeAbove) {
    HeapProbe probe = probe_.load(std::memory_order_acquire);
    size_t now = probe != nullptr
                     ? probe(probe_data_.load(std::memory_order_relaxed))
                     : kNoProbe;
    if (now != kNoProbe && now > heap) heap = now;
  }
  size_t current = external_.load(std::memory_order_relaxed);
  size_t max = max_bytes();
  do {
    if (bytes > max || current + heap > max - bytes) {
      if (record_refusal) {
        refused_bytes_.store(bytes, std::memory_order_relaxed);
        refused_.store(true, std::memory_order_relaxed);
      }
      return false;
    }
  } while (!external_.compare_exchange_weak(current, current + bytes,
                                            std::memory_order_relaxed));
  return true;
}

void MemoryBudget::Release(size_t bytes) {
  external_.fetch_sub(bytes, std::memory_order_relaxed);
}

bool ChargeOrCollect(v8::Isolate* isolate, MemoryBudget* budget,
                     size_t bytes) {
  if (budget->TryCharge(bytes, /*record_refusal=*/false)) return true;
  // Garbage V8 has had no reason to collect yet (formatters or memories
  // made in a loop and dropped are small on its heap) counts until a GC.
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kCritical);
  isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kNone);
  return budget->TryCharge(bytes);
}

void* BudgetedAllocator::AllocateCharged(size_t length, bool zeroed) {
  if (!budget_->TryCharge(length)) return nullptr;
  budget_->Recovered(length);
  // malloc(0) may return null, which V8 would read as failure.
  size_t size = length == 0 ? 1 : length;
  void* data = zeroed ? std::calloc(1, size) : std::malloc(size);
  if (data == nullptr) budget_->Release(length);
  return data;
}

void* BudgetedAllocator::Allocate(size_t length) {
  return AllocateCharged(length, true);
}

void* BudgetedAllocator::AllocateUninitialized(size_t length) {
  return AllocateCharged(length, false);
}

void BudgetedAllocator::Free(void* data, size_t length) {
  std::free(data);
  budget_->Release(length);
}

}  // namespace mini_racer
