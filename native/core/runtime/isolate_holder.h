// IsolateHolder: creates and disposes one sandbox isolate the way Node
// requires (registered with Node's platform before it initializes, from the
// same startup snapshot as Node's own isolate). This file pair is the only
// place in the native core that knows about node.h: when the next Node major
// changes how isolates must be created, this is the file to change.
#ifndef MINI_RACER_ISOLATE_HOLDER_H_
#define MINI_RACER_ISOLATE_HOLDER_H_

#include <v8.h>

#include <memory>

namespace mini_racer {

class ForegroundTaskQueue;

class IsolateHolder {
 public:
  // Learns Node's platform and startup snapshot. Must first run on a thread
  // where Node's isolate is entered. Thread-safe and idempotent.
  static bool InitializeProcess();

  // Creates an isolate whose foreground tasks go to `tasks`. Returns null
  // when V8 cannot allocate one. `params` supplies limits and the allocator;
  // the snapshot and external references are filled in here.
  static std::unique_ptr<IsolateHolder> Create(
      v8::Isolate::CreateParams params,
      std::shared_ptr<ForegroundTaskQueue> tasks);

  ~IsolateHolder();
  IsolateHolder(const IsolateHolder&) = delete;
  IsolateHolder& operator=(const IsolateHolder&) = delete;

  v8::Isolate* isolate() const { return isolate_; }

 private:
  class PlatformDelegate;
  IsolateHolder() = default;

  std::unique_ptr<PlatformDelegate> delegate_;
  v8::Isolate* isolate_ = nullptr;
};

}  // namespace mini_racer

#endif  // MINI_RACER_ISOLATE_HOLDER_H_
