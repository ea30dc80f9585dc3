#include "handle_table.h"

namespace mini_racer {

uint32_t HandleTable::Add(v8::Local<v8::Value> value) {
  uint32_t id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  values_[id].Reset(isolate_, value);
  live_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

v8::MaybeLocal<v8::Value> HandleTable::Get(uint32_t id) {
  ApplyReleases();
  auto it = values_.find(id);
  if (it == values_.end()) return {};
  return it->second.Get(isolate_);
}

void HandleTable::Release(uint32_t id) {
  std::lock_guard<std::mutex> lock(released_mutex_);
  released_.push_back(id);
  has_released_.store(true, std::memory_order_release);
  // Counted now, so that the count is exact even while the sandbox is busy;
  // callers release each id once.
  live_.fetch_sub(1, std::memory_order_relaxed);
}

void HandleTable::ApplyReleases() {
  if (!has_released_.load(std::memory_order_acquire)) return;
  std::vector<uint32_t> ids;
  {
    std::lock_guard<std::mutex> lock(released_mutex_);
    ids.swap(released_);
    has_released_.store(false, std::memory_order_release);
  }
  for (uint32_t id : ids) values_.erase(id);
}

void HandleTable::Clear() {
  values_.clear();
  live_.store(0, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(released_mutex_);
  released_.clear();
  has_released_.store(false, std::memory_order_release);
}

}  // namespace mini_racer
