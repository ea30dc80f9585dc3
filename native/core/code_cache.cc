#include "core/code_cache.h"

#include <cstdlib>
#include <cstring>
#include <utility>

namespace mini_racer {

void CodeCacheRun::MoveTo(mr_code_cache* out) {
  out->status = status;
  out->data = nullptr;
  out->length = 0;
  if (made.empty()) return;
  // malloc: mr_code_cache_release frees it, as mr_value_release does.
  auto* bytes = static_cast<uint8_t*>(std::malloc(made.size()));
  if (bytes == nullptr) return;  // no cache this time; the eval is fine
  std::memcpy(bytes, made.data(), made.size());
  out->data = bytes;
  out->length = made.size();
  made.clear();
}

void CodeCacheOutbox::Put(uint64_t call_id, CodeCacheRun&& run) {
  run.in = nullptr;  // the borrowed input ends with the call's first slice
  run.in_length = 0;
  MutexLock lock(mutex_);
  runs_[call_id] = std::move(run);
}

bool CodeCacheOutbox::Take(uint64_t call_id, CodeCacheRun* run) {
  MutexLock lock(mutex_);
  auto it = runs_.find(call_id);
  if (it == runs_.end()) return false;
  *run = std::move(it->second);
  runs_.erase(it);
  return true;
}

}  // namespace mini_racer
