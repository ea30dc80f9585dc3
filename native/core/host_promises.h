// HostPromiseTable: the promises that async host functions returned to
// sandbox code, and the results the host sends for them. Results arrive on
// the host's thread at any time; they are queued here and applied by the
// sandbox's next slice. A promise belongs to the call that made it: when
// that call ends, its promises are dropped, and a result that comes later
// is freed on arrival instead of queued for nobody.
#ifndef MINI_RACER_CORE_HOST_PROMISES_H_
#define MINI_RACER_CORE_HOST_PROMISES_H_

#include <v8.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/runtime/thread_annotations.h"
#include "capi/mini_racer.h"
#include "core/handle_table.h"

namespace mini_racer {

class HostPromiseTable {
 public:
  HostPromiseTable() = default;
  ~HostPromiseTable();
  HostPromiseTable(const HostPromiseTable&) = delete;
  HostPromiseTable& operator=(const HostPromiseTable&) = delete;

  // Inside a slice: a new promise for host promise `id`, owned by call
  // `owner`.
  v8::MaybeLocal<v8::Promise> Create(v8::Isolate* isolate,
                                     v8::Local<v8::Context> context,
                                     uint64_t id, uint64_t owner);
  // Any thread: queues a copy of the result (`value` is borrowed). False
  // when the promise's call is over and the result was dropped.
  bool Settle(uint64_t id, const mr_value& value);
  // Inside a slice: resolves or rejects the promises whose results came.
  void Apply(v8::Isolate* isolate, v8::Local<v8::Context> context,
             HandleTable* handles, size_t max_value_bytes);
  // Inside a slice, when call `owner` ends.
  void DropOwner(uint64_t owner);
  // With the isolate locked, before it goes.
  void ClearPromises() { promises_.clear(); }

 private:
  struct Pending {
    uint64_t owner;
    v8::Global<v8::Promise::Resolver> resolver;
  };
  // Touched inside slices only (the isolate's lock guards it).
  std::unordered_map<uint64_t, Pending> promises_;
  Mutex mutex_;
  // Guarded by mutex_: ids dropped with their call, and results queued.
  std::unordered_set<uint64_t> abandoned_ MR_GUARDED_BY(mutex_);
  std::vector<std::pair<uint64_t, mr_value>> settlements_ MR_GUARDED_BY(mutex_);
  // Whether settlements_ may be non-empty: read without the mutex.
  std::atomic<bool> has_settlements_{false};
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_HOST_PROMISES_H_
