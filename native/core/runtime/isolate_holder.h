// IsolateHolder: creates and disposes one sandbox isolate the way Node
// requires (registered with Node's platform before it initializes, from the
// same startup snapshot as Node's own isolate). This file pair is the only
// place in the native core that knows about node.h: when the next Node major
// changes how isolates must be created, this is the file to change.
#ifndef MINI_RACER_ISOLATE_HOLDER_H_
#define MINI_RACER_ISOLATE_HOLDER_H_

#include <v8.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace mini_racer {

class ForegroundTaskQueue;

class IsolateHolder {
 public:
  // Learns Node's platform and startup snapshot. Must first run on a thread
  // where Node's isolate is entered. Thread-safe and idempotent; the first
  // call's `embedder_references` (the addresses of native callbacks that a
  // startup snapshot made here may hold) are appended to Node's external
  // references for every isolate.
  static bool InitializeProcess(std::vector<intptr_t> embedder_references);

  // Creates an isolate whose foreground tasks go to `tasks`. Returns null
  // when V8 cannot allocate one. `params` supplies limits and the allocator;
  // the external references are filled in here, and the snapshot: Node's,
  // or `blob`, one that a snapshotting holder of this process made (it must
  // outlive the isolate).
  static std::unique_ptr<IsolateHolder> Create(
      v8::Isolate::CreateParams params,
      std::shared_ptr<ForegroundTaskQueue> tasks,
      const v8::StartupData* blob = nullptr);

  // Whether this Node line can make startup snapshots that come back right:
  // V8 11.3 (Node 20) restores some state wrong (DESIGN.md, "Custom startup
  // snapshots").
  static bool CanMakeSnapshots();

  // Creates an isolate from Node's snapshot, entered on this thread, set up
  // to be serialized by snapshot_creator(). Null where CanMakeSnapshots()
  // is false or V8 cannot allocate one. The holder must be freed on this
  // thread.
  static std::unique_ptr<IsolateHolder> CreateSnapshotting(
      v8::Isolate::CreateParams params,
      std::shared_ptr<ForegroundTaskQueue> tasks);

  v8::SnapshotCreator* snapshot_creator() const { return creator_.get(); }

  ~IsolateHolder();
  IsolateHolder(const IsolateHolder&) = delete;
  IsolateHolder& operator=(const IsolateHolder&) = delete;

  v8::Isolate* isolate() const { return isolate_; }

 private:
  class PlatformDelegate;
  IsolateHolder() = default;
  static std::unique_ptr<IsolateHolder> Allocate(
      v8::Isolate::CreateParams* params,
      std::shared_ptr<ForegroundTaskQueue> tasks, const v8::StartupData* blob);

  std::unique_ptr<PlatformDelegate> delegate_;
  // Only in a snapshotting holder; goes before the isolate.
  std::unique_ptr<v8::SnapshotCreator> creator_;
  v8::Isolate* isolate_ = nullptr;
};

}  // namespace mini_racer

#endif  // MINI_RACER_ISOLATE_HOLDER_H_
