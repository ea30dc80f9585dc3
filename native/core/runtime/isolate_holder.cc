#include "core/runtime/isolate_holder.h"

#include <node.h>
#include <uv.h>

#include <mutex>

#include "core/runtime/foreground_task_queue.h"

// Exported by the node binary (Node 20 to 26) but not declared in node.h. Given no snapshot, it uses the process's own startup snapshot and
// writes its blob and external references into `params`: that is how we
// learn which snapshot every isolate of this process must come from.
namespace node {
NODE_EXTERN v8::Isolate* NewIsolate(v8::Isolate::CreateParams* params,
                                    uv_loop_t* event_loop,
                                    MultiIsolatePlatform* platform,
                                    const SnapshotData* snapshot_data,
                                    const IsolateSettings& settings);
}  // namespace node

namespace mini_racer {
namespace {

// How the Node lines differ for an embedder, kept here so that the next
// major is a change to this file only:
// - Node 24+ (V8 13+) tears an isolate down with Deinitialize, unregister,
//   free (MultiIsolatePlatform::DisposeIsolate): V8's CppHeap sweeper still
//   asks the platform for the isolate's task runner during Heap::TearDown, so
//   unregister-then-Dispose aborts there. Node 20 and 22 have no
//   DisposeIsolate and want unregister, then Dispose.
// - Node 24+ (V8 13, 14): optimized code for a loop can miss
//   TerminateExecution for seconds or for good. Turbofan's on-stack
//   replacement code for a loop allocating an array of 17+ elements
//   (`for (;;) x = new Array(100)`) never stopped, at the time limit or the
//   memory cap, nor could a Node Worker running it be terminated; with
//   concurrent OSR off (the first remedy), a function whose loop had been
//   stopped once ran 0.2-4.8 s past later deadlines (`while (Date.now() <
//   end) {}`). Both come from Turboshaft's loop unrolling: with it off, every
//   shape stops at once and concurrent OSR stays on. V8 flags have no
//   per-isolate form, so this is process-wide: the host's own optimized
//   loops are not unrolled either. See DisableLoopUnrolling.
// - Node 25+ puts every isolate in an isolate group the way
//   node::GetOrCreateIsolateGroup does (not exported): a group of its own
//   where V8 can make one (pointer-compression builds), else the default.
void DisposeRegisteredIsolate(node::MultiIsolatePlatform* platform,
                              v8::Isolate* isolate) {
#if NODE_MAJOR_VERSION >= 24
  platform->DisposeIsolate(isolate);
#else
  platform->UnregisterIsolate(isolate);
  isolate->Dispose();
#endif
}

v8::Isolate* AllocateIsolate() {
#if NODE_MAJOR_VERSION >= 25
  return v8::Isolate::Allocate(v8::IsolateGroup::CanCreateNewGroups()
                                   ? v8::IsolateGroup::Create()
                                   : v8::IsolateGroup::GetDefault());
#else
  return v8::Isolate::Allocate();
#endif
}

void DisableLoopUnrolling() {
#if NODE_MAJOR_VERSION >= 24
  // Node leaves V8's flags writable after startup (it runs with
  // --no-freeze-flags-after-init, as v8.setFlagsFromString needs).
  v8::V8::SetFlagsFromString("--no-turboshaft-loop-unrolling");
#endif
}

// The one-time, process-wide setup: Node's platform and the snapshot that
// all isolates of this process share a read-only heap with.
struct ProcessRuntime {
  node::MultiIsolatePlatform* platform = nullptr;
  const v8::StartupData* snapshot_blob = nullptr;
  // Node's external references, then the embedder's, then the null.
  std::vector<intptr_t> external_references;
  bool ready = false;
};

ProcessRuntime& Runtime() {
  static ProcessRuntime runtime;
  return runtime;
}

// Creates and disposes a throw-away isolate through node::NewIsolate to read
// back the snapshot parameters Node chose for this process.
void LearnSnapshot(ProcessRuntime* runtime) {
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* probe = node::NewIsolate(&params, &loop, runtime->platform,
                                        nullptr, node::IsolateSettings());
  if (probe != nullptr) {
    runtime->snapshot_blob = params.snapshot_blob;
    for (const intptr_t* reference = params.external_references;
         reference != nullptr && *reference != 0; ++reference) {
      runtime->external_references.push_back(*reference);
    }
    bool finished = false;
    runtime->platform->AddIsolateFinishedCallback(
        probe, [](void* data) { *static_cast<bool*>(data) = true; },
        &finished);
    DisposeRegisteredIsolate(runtime->platform, probe);
    while (!finished) uv_run(&loop, UV_RUN_ONCE);
  }
  uv_loop_close(&loop);
}

}  // namespace

// Node's platform asks this for the task runner of our isolate: V8's own
// foreground tasks (GC finalization, memory reducer, FinalizationRegistry
// cleanup) land in the sandbox's queue and run on the sandbox's thread.
class IsolateHolder::PlatformDelegate final
    : public node::IsolatePlatformDelegate {
 public:
  explicit PlatformDelegate(std::shared_ptr<ForegroundTaskQueue> tasks)
      : tasks_(std::move(tasks)) {}
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner() override {
    return tasks_;
  }
  bool IdleTasksEnabled() override { return false; }

 private:
  std::shared_ptr<ForegroundTaskQueue> tasks_;
};

bool IsolateHolder::InitializeProcess(
    std::vector<intptr_t> embedder_references) {
  static std::once_flag once;
  std::call_once(once, [&embedder_references] {
    v8::Isolate* host = v8::Isolate::GetCurrent();
    if (host == nullptr) return;
    v8::HandleScope scope(host);
    v8::Local<v8::Context> context = host->GetCurrentContext();
    if (context.IsEmpty()) return;
    node::Environment* env = node::GetCurrentEnvironment(context);
    if (env == nullptr) return;
    ProcessRuntime& runtime = Runtime();
    runtime.platform = node::GetMultiIsolatePlatform(env);
    if (runtime.platform == nullptr) return;
    DisableLoopUnrolling();
    LearnSnapshot(&runtime);
    if (runtime.snapshot_blob == nullptr) return;
    runtime.external_references.insert(runtime.external_references.end(),
                                       embedder_references.begin(),
                                       embedder_references.end());
    runtime.external_references.push_back(0);
    runtime.ready = true;
  });
  return Runtime().ready;
}

// A holder with its delegate and an isolate allocated and registered with
// Node's platform, not yet initialized; `params` gets the snapshot (Node's,
// or `blob`) and the external references. Null when V8 cannot allocate.
std::unique_ptr<IsolateHolder> IsolateHolder::Allocate(
    v8::Isolate::CreateParams* params,
    std::shared_ptr<ForegroundTaskQueue> tasks, const v8::StartupData* blob) {
  ProcessRuntime& runtime = Runtime();
  if (!runtime.ready) return nullptr;
  std::unique_ptr<IsolateHolder> holder(new IsolateHolder());
  holder->delegate_ = std::make_unique<PlatformDelegate>(std::move(tasks));
  params->snapshot_blob = blob != nullptr ? blob : runtime.snapshot_blob;
  params->external_references = runtime.external_references.data();
  v8::Isolate* isolate = AllocateIsolate();
  if (isolate == nullptr) return nullptr;
  // Registration must precede Initialize: V8 asks for the foreground task
  // runner while it initializes, and Node aborts for unknown isolates.
  runtime.platform->RegisterIsolate(isolate, holder->delegate_.get());
  holder->isolate_ = isolate;
  return holder;
}

std::unique_ptr<IsolateHolder> IsolateHolder::Create(
    v8::Isolate::CreateParams params,
    std::shared_ptr<ForegroundTaskQueue> tasks, const v8::StartupData* blob) {
  std::unique_ptr<IsolateHolder> holder =
      Allocate(&params, std::move(tasks), blob);
  if (holder != nullptr) v8::Isolate::Initialize(holder->isolate_, params);
  return holder;
}

bool IsolateHolder::CanMakeSnapshots() {
  return NODE_MAJOR_VERSION >= 22 && Runtime().ready;
}

std::unique_ptr<IsolateHolder> IsolateHolder::CreateSnapshotting(
    v8::Isolate::CreateParams params,
    std::shared_ptr<ForegroundTaskQueue> tasks) {
#if NODE_MAJOR_VERSION >= 22
  if (!CanMakeSnapshots()) return nullptr;
  std::unique_ptr<IsolateHolder> holder =
      Allocate(&params, std::move(tasks), nullptr);
  if (holder == nullptr) return nullptr;
  // Initializes the isolate from Node's blob (so the snapshot shares its
  // read-only heap with every isolate of the process) and enters it; it
  // does not own the isolate, which the destructor disposes after it.
  holder->creator_ =
      std::make_unique<v8::SnapshotCreator>(holder->isolate_, params);
  return holder;
#else
  (void)params;
  (void)tasks;
  return nullptr;
#endif
}

IsolateHolder::~IsolateHolder() {
  // Exits the isolate (made and entered by CreateSnapshotting).
  creator_.reset();
  if (isolate_ == nullptr) return;
  // Isolates registered with a delegate must not use
  // AddIsolateFinishedCallback: their teardown is synchronous.
  DisposeRegisteredIsolate(Runtime().platform, isolate_);
}

}  // namespace mini_racer
