#include "core/host_promises.h"

#include "wire/failure.h"
#include "wire/value_codec.h"

namespace mini_racer {

HostPromiseTable::~HostPromiseTable() {
  for (auto& settlement : settlements_) mr_value_release(&settlement.second);
}

v8::MaybeLocal<v8::Promise> HostPromiseTable::Create(
    v8::Isolate* isolate, v8::Local<v8::Context> context, uint64_t id,
    uint64_t owner) {
  v8::Local<v8::Promise::Resolver> resolver;
  if (!v8::Promise::Resolver::New(context).ToLocal(&resolver)) return {};
  Pending& pending = promises_[id];
  pending.owner = owner;
  pending.resolver.Reset(isolate, resolver);
  return resolver->GetPromise();
}

bool HostPromiseTable::Settle(uint64_t id, const mr_value& value) {
  MutexLock lock(mutex_);
  if (abandoned_.erase(id) > 0) return false;
  settlements_.emplace_back(id, CopyValue(value));
  has_settlements_.store(true, std::memory_order_release);
  return true;
}

void HostPromiseTable::Apply(v8::Isolate* isolate,
                             v8::Local<v8::Context> context,
                             HandleTable* handles, size_t max_value_bytes) {
  if (!has_settlements_.load(std::memory_order_acquire)) return;
  std::vector<std::pair<uint64_t, mr_value>> settlements;
  {
    MutexLock lock(mutex_);
    settlements.swap(settlements_);
    has_settlements_.store(false, std::memory_order_release);
  }
  for (auto& [id, value] : settlements) {
    auto it = promises_.find(id);
    if (it != promises_.end()) {
      v8::Local<v8::Promise::Resolver> resolver =
          it->second.resolver.Get(isolate);
      promises_.erase(it);
      if (value.type >= MR_ERROR_FIRST) {
        resolver->Reject(context, ErrorFromFailure(isolate, value))
            .FromMaybe(false);
      } else {
        bool clone_error = false;
        v8::TryCatch decode(isolate);
        v8::Local<v8::Value> decoded;
        if (ValueCodec::Decode(isolate, context, handles, value,
                               max_value_bytes, &clone_error)
                .ToLocal(&decoded)) {
          resolver->Resolve(context, decoded).FromMaybe(false);
        } else if (decode.HasCaught() && !decode.HasTerminated()) {
          resolver->Reject(context, decode.Exception()).FromMaybe(false);
        }
      }
    }
    mr_value_release(&value);
  }
}

void HostPromiseTable::DropOwner(uint64_t owner) {
  if (promises_.empty()) return;
  MutexLock lock(mutex_);
  for (auto it = promises_.begin(); it != promises_.end();) {
    if (it->second.owner == owner) {
      abandoned_.insert(it->first);
      it = promises_.erase(it);
    } else {
      ++it;
    }
  }
  // Results that arrived before the call ended (an async call that timed
  // out) go now too.
  for (auto it = settlements_.begin(); it != settlements_.end();) {
    if (abandoned_.erase(it->first) > 0) {
      mr_value_release(&it->second);
      it = settlements_.erase(it);
    } else {
      ++it;
    }
  }
  has_settlements_.store(!settlements_.empty(), std::memory_order_release);
}

}  // namespace mini_racer
