// HandleTable: sandbox values the host keeps, by id. A handle keeps its
// value alive until the host releases it (explicitly, through its garbage
// collector, or by closing the sandbox). Releases may come from any thread
// at any time; they are queued and applied the next time the isolate is
// held, so releasing never waits for a running script.
//
// One id per value: handing the same function or object out again (a
// sandbox passing one callback to a host function in a loop) adds a
// reference to its id instead of a new entry, and each release drops one
// reference. Each entry is charged kBytesPerHandle against the sandbox's
// MemoryBudget (its Global, its table slot and the host's wrapper live
// outside the V8 heap): distinct values handed out faster than the host
// releases them end at the memory cap instead of growing the host.
#ifndef MINI_RACER_HANDLE_TABLE_H_
#define MINI_RACER_HANDLE_TABLE_H_

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/runtime/thread_annotations.h"
#include "core/limits/memory_budget.h"

namespace mini_racer {

class HandleTable {
 public:
  // Host memory per live entry, measured: ~430 bytes (native entry, the
  // host's handle object and its FinalizationRegistry cell), rounded up.
  static constexpr size_t kBytesPerHandle = 512;

  HandleTable(v8::Isolate* isolate, MemoryBudget* budget)
      : isolate_(isolate), budget_(budget) {}
  ~HandleTable() { Clear(); }
  HandleTable(const HandleTable&) = delete;
  HandleTable& operator=(const HandleTable&) = delete;

  // The calls below need the isolate locked.
  // Takes a reference to `value` and returns its id (never 0); 0 when a
  // new entry does not fit the memory budget.
  uint32_t Add(v8::Local<v8::Value> value);
  // The value of a live handle; empty when the id is unknown or released.
  v8::MaybeLocal<v8::Value> Get(uint32_t id);
  // Applies the releases queued by Release.
  void ApplyReleases();
  void Clear();

  // Thread-safe, never blocks on the isolate. Drops one reference.
  void Release(uint32_t id);
  // References neither released nor cleared (each handle object the host
  // holds is one).
  size_t live() const { return live_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    v8::Global<v8::Value> value;
    int hash = 0;
    uint32_t refs = 0;
  };
  static bool Hash(v8::Local<v8::Value> value, int* hash);
  void Erase(uint32_t id);

  v8::Isolate* isolate_;
  MemoryBudget* budget_;
  uint32_t next_id_ = 1;
  std::unordered_map<uint32_t, Entry> values_;
  // Ids by the identity hash of their value.
  std::unordered_multimap<int, uint32_t> by_hash_;
  Mutex released_mutex_;
  std::vector<uint32_t> released_ MR_GUARDED_BY(released_mutex_);
  std::atomic<bool> has_released_{false};
  std::atomic<size_t> live_{0};
};

}  // namespace mini_racer

#endif  // MINI_RACER_HANDLE_TABLE_H_
