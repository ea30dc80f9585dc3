#include "core/handle_table.h"

namespace mini_racer {

bool HandleTable::Hash(v8::Local<v8::Value> value, int* hash) {
  if (value->IsObject()) {
    *hash = value.As<v8::Object>()->GetIdentityHash();
    return true;
  }
  if (value->IsSymbol()) {
    *hash = value.As<v8::Symbol>()->GetIdentityHash();
    return true;
  }
  return false;
}

uint32_t HandleTable::Add(v8::Local<v8::Value> value) {
  // A release queued for this value's id must not be applied after the
  // id is handed out again.
  ApplyReleases();
  int hash = 0;
  bool hashed = Hash(value, &hash);
  if (hashed) {
    auto range = by_hash_.equal_range(hash);
    for (auto it = range.first; it != range.second; ++it) {
      Entry& entry = values_[it->second];
      if (entry.value == value) {
        ++entry.refs;
        live_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
    }
  }
  if (!ChargeOrCollect(isolate_, budget_, kBytesPerHandle)) return 0;
  uint32_t id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  Entry& entry = values_[id];
  entry.value.Reset(isolate_, value);
  entry.hash = hash;
  entry.refs = 1;
  if (hashed) by_hash_.emplace(hash, id);
  live_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

v8::MaybeLocal<v8::Value> HandleTable::Get(uint32_t id) {
  ApplyReleases();
  auto it = values_.find(id);
  if (it == values_.end()) return {};
  return it->second.value.Get(isolate_);
}

void HandleTable::Release(uint32_t id) {
  MutexLock lock(released_mutex_);
  released_.push_back(id);
  has_released_.store(true, std::memory_order_release);
  // Counted now, so that the count is exact even while the sandbox is busy;
  // callers release each reference once.
  live_.fetch_sub(1, std::memory_order_relaxed);
}

void HandleTable::Erase(uint32_t id) {
  auto it = values_.find(id);
  if (it == values_.end()) return;
  auto range = by_hash_.equal_range(it->second.hash);
  for (auto at = range.first; at != range.second; ++at) {
    if (at->second == id) {
      by_hash_.erase(at);
      break;
    }
  }
  values_.erase(it);
  budget_->Release(kBytesPerHandle);
}

void HandleTable::ApplyReleases() {
  if (!has_released_.load(std::memory_order_acquire)) return;
  std::vector<uint32_t> ids;
  {
    MutexLock lock(released_mutex_);
    ids.swap(released_);
    has_released_.store(false, std::memory_order_release);
  }
  for (uint32_t id : ids) {
    auto it = values_.find(id);
    if (it == values_.end()) continue;
    if (--it->second.refs == 0) Erase(id);
  }
}

void HandleTable::Clear() {
  budget_->Release(kBytesPerHandle * values_.size());
  values_.clear();
  by_hash_.clear();
  live_.store(0, std::memory_order_relaxed);
  MutexLock lock(released_mutex_);
  released_.clear();
  has_released_.store(false, std::memory_order_release);
}

}  // namespace mini_racer
