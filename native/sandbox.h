// Sandbox: one isolate and its one context, with the limits that make it
// safe to run untrusted code: a memory cap (MemoryMonitor, MemoryBudget), a
// wall-clock limit per call (Watchdog) and V8's own foreground tasks run on
// the thread that holds it (ForegroundTaskQueue). Every call goes through
// RunCall, which owns the order of things: lock, limits, run, settle
// microtasks, encode the result, classify failures, recover.
#ifndef MINI_RACER_SANDBOX_H_
#define MINI_RACER_SANDBOX_H_

#include <v8.h>

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <thread>

#include "foreground_task_queue.h"
#include "isolate_holder.h"
#include "memory_budget.h"
#include "memory_monitor.h"
#include "mini_racer.h"
#include "watchdog.h"

namespace mini_racer {

class Sandbox {
 public:
  static std::unique_ptr<Sandbox> Create(const mr_sandbox_options& options,
                                         mr_value* error);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  void Eval(const uint16_t* code, size_t units, double timeout_ms,
            mr_value* out);
  void Call(const uint16_t* path, size_t units, const mr_value* args,
            size_t argc, double timeout_ms, mr_value* out);
  void Cancel() { watchdog_->Cancel(); }
  void GetHeapStats(mr_heap_stats* out);
  void LowMemoryNotification();

 private:
  explicit Sandbox(size_t max_memory);

  // What a call body reports besides its value.
  struct Outcome {
    mr_value_type failure = MR_ERROR_EXCEPTION;
  };

  template <typename Body>
  void RunCall(double timeout_ms, mr_value* out, Body&& body);
  bool Settle(v8::Local<v8::Context> context, v8::Local<v8::Value>* result);
  void DescribeException(v8::Local<v8::Context> context,
                         const v8::TryCatch& try_catch, mr_value_type type,
                         mr_value* out);
  void FitStackLimitToThisThread();
  // Compiled-script cache for eval: the same source skips V8's string
  // creation and compilation-cache lookup.
  bool FindCachedScript(const uint16_t* code, size_t units,
                        v8::Local<v8::Script>* script);
  bool CompileCached(v8::Local<v8::Context> context, const uint16_t* code,
                     size_t units, v8::Local<v8::String> source,
                     v8::Local<v8::Script>* script);
  std::string ToUtf8(v8::Local<v8::Value> value);

  // Declaration order is teardown order in reverse: the allocator and the
  // task queue outlive the isolate that uses them.
  MemoryBudget budget_;
  BudgetedAllocator allocator_;
  std::shared_ptr<ForegroundTaskQueue> tasks_;
  std::unique_ptr<IsolateHolder> holder_;
  v8::Isolate* isolate_ = nullptr;
  std::unique_ptr<MemoryMonitor> memory_;
  std::unique_ptr<Watchdog> watchdog_;
  v8::Global<v8::Context> context_;
  v8::Global<v8::String> eval_origin_;
  std::unordered_map<std::u16string, v8::Global<v8::UnboundScript>>
      script_cache_;
  // Set when a memory-cap hit left no room to go on.
  std::atomic<bool> exhausted_{false};
  std::thread::id stack_limit_thread_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_SANDBOX_H_
