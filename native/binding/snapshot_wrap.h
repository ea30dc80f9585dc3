// The Snapshot class: one startup snapshot of a setup (mr_snapshot), made
// off Node's thread by Snapshot.create(setup, warmup, maxMemory, timeoutMs)
// -> Promise<Snapshot> (mr_snapshot_new takes as long as the setup runs,
// ~150 ms for Babel). A Snapshot is passed to Sandbox and Sandbox.create as
// their fourth argument; `new Snapshot()` from JavaScript is refused.
#ifndef MINI_RACER_BINDING_SNAPSHOT_WRAP_H_
#define MINI_RACER_BINDING_SNAPSHOT_WRAP_H_

#include <napi.h>

#include <string>

#include "mini_racer.h"
#include "values.h"

namespace mr_binding {

class SnapshotWrap final : public Napi::ObjectWrap<SnapshotWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit SnapshotWrap(const Napi::CallbackInfo& info);
  ~SnapshotWrap() override;

  // The snapshot of a Snapshot object, or null (with no exception) for
  // anything else.
  static const mr_snapshot* SnapshotOf(Napi::Value value);

 private:
  class Creation;
  static Napi::Value Create(const Napi::CallbackInfo& info);
  Napi::Value Bytes(const Napi::CallbackInfo& info);
  Napi::Value MaxMemory(const Napi::CallbackInfo& info);

  mr_snapshot* snapshot_ = nullptr;
};

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_SNAPSHOT_WRAP_H_
