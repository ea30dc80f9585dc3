#include "memory_monitor.h"

#include <algorithm>

namespace mini_racer {
namespace {
// Room V8 gets past the cap to unwind a terminated script.
constexpr size_t kMinHeadroom = 16u << 20;
// A sandbox whose live heap is still above this share of the cap after a
// full GC is not given back to the caller.
constexpr double kUsableAfterCapShare = 0.9;
}  // namespace

MemoryMonitor::MemoryMonitor(v8::Isolate* isolate, MemoryBudget* budget,
                             size_t soft_limit)
    : isolate_(isolate), budget_(budget), soft_limit_(soft_limit) {
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  initial_heap_limit_ = stats.heap_size_limit();
  budget_->set_heap_used(stats.used_heap_size());
  isolate_->AddNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, this);
  isolate_->AddGCEpilogueCallback(&MemoryMonitor::AfterGC, this);
}

MemoryMonitor::~MemoryMonitor() {
  isolate_->RemoveGCEpilogueCallback(&MemoryMonitor::AfterGC, this);
  isolate_->RemoveNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, 0);
}

size_t MemoryMonitor::NearHeapLimit(void* data, size_t current_limit,
                                    size_t initial_limit) {
  auto* self = static_cast<MemoryMonitor*>(data);
  self->heap_cap_reached_.store(true, std::memory_order_relaxed);
  self->isolate_->TerminateExecution();
  return current_limit + std::max(kMinHeadroom, initial_limit / 4);
}

void MemoryMonitor::AfterGC(v8::Isolate* isolate, v8::GCType, 
                            v8::GCCallbackFlags, void* data) {
  auto* self = static_cast<MemoryMonitor*>(data);
  v8::HeapStatistics stats;
  isolate->GetHeapStatistics(&stats);
  self->budget_->set_heap_used(stats.used_heap_size());
}

void MemoryMonitor::BeginCall() {
  heap_cap_reached_.store(false, std::memory_order_relaxed);
  budget_->reset_refused();
}

bool MemoryMonitor::CapReachedInCall() const {
  return heap_cap_reached_.load(std::memory_order_relaxed) ||
         budget_->refused();
}

bool MemoryMonitor::RecoverAfterCap() {
  cap_ever_reached_ = true;
  isolate_->LowMemoryNotification();
  // Re-registering with a limit restores the heap limit we raised (V8 keeps
  // it above the live heap if that is bigger).
  isolate_->RemoveNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit,
                                        initial_heap_limit_);
  isolate_->AddNearHeapLimitCallback(&MemoryMonitor::NearHeapLimit, this);
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  size_t live = stats.used_heap_size() + budget_->external_bytes();
  return live < static_cast<size_t>(budget_->max_bytes() *
                                    kUsableAfterCapShare);
}

void MemoryMonitor::EndCall() {
  if (soft_limit_ == 0) return;
  v8::HeapStatistics stats;
  isolate_->GetHeapStatistics(&stats);
  if (stats.used_heap_size() + budget_->external_bytes() > soft_limit_) {
    soft_limit_reached_ = true;
    isolate_->LowMemoryNotification();
  }
}

}  // namespace mini_racer
