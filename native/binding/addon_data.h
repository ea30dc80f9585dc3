// AddonData: what the addon keeps per Node environment (main thread and
// each worker), as Node-API instance data: nothing of it is process-wide.
#ifndef MINI_RACER_BINDING_ADDON_DATA_H_
#define MINI_RACER_BINDING_ADDON_DATA_H_

#include <napi.h>

#include "mini_racer.h"

namespace mr_binding {

struct AddonData {
  // src/'s error factory (errors.h).
  Napi::FunctionReference error_factory;
  // Set by SandboxCreation only while it constructs the Sandbox object
  // that adopts the sandbox it made: the constructor empties it. Never
  // reachable from JavaScript (an External would be, and costs Node a
  // tracker per object until it is collected).
  mr_sandbox** adopting = nullptr;
  // The same for SnapshotWrap's creation.
  mr_snapshot** adopting_snapshot = nullptr;
  // The Snapshot class, to tell its objects from look-alikes.
  Napi::FunctionReference snapshot_class;
};

// Made at module init; the environment frees it.
inline AddonData* GetAddonData(Napi::Env env) {
  return env.GetInstanceData<AddonData>();
}

}  // namespace mr_binding

#endif  // MINI_RACER_BINDING_ADDON_DATA_H_
