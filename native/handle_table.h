// HandleTable: sandbox values the host keeps, by id. A handle keeps its
// value alive until the host releases it (explicitly, through its garbage
// collector, or by closing the sandbox). Releases may come from any thread
// at any time; they are queued and applied the next time the isolate is
// held, so releasing never waits for a running script.
#ifndef MINI_RACER_HANDLE_TABLE_H_
#define MINI_RACER_HANDLE_TABLE_H_

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace mini_racer {

class HandleTable {
 public:
  explicit HandleTable(v8::Isolate* isolate) : isolate_(isolate) {}
  ~HandleTable() { Clear(); }
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // The calls below need the isolate locked.
  // Keeps `value` and returns its new id (never 0).
  uint32_t Add(v8::Local<v8::Value> value);
  // The value of a live handle; empty when the id is unknown or released.
  v8::MaybeLocal<v8::Value> Get(uint32_t id);
  // Applies the releases queued by Release.
  void ApplyReleases();
  void Clear();

  // Thread-safe, never blocks on the isolate. Each id once.
  void Release(uint32_t id);
  // Handles neither released nor cleared.
  size_t live() const { return live_.load(std::memory_order_relaxed); }

 private:
  v8::Isolate* isolate_;
  uint32_t next_id_ = 1;
  std::unordered_map<uint32_t, v8::Global<v8::Value>> values_;
  std::mutex released_mutex_;
  std::vector<uint32_t> released_;
  std::atomic<bool> has_released_{false};
  std::atomic<size_t> live_{0};
};

}  // namespace mini_racer

#endif  // MINI_RACER_HANDLE_TABLE_H_
