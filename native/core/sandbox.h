// Sandbox: one isolate and its one context, with the limits that make it
// safe to run untrusted code: a memory cap (MemoryMonitor, MemoryBudget), a
// wall-clock limit per call (Watchdog), V8's own foreground tasks run on
// the thread that holds it (ForegroundTaskQueue), timers (TimerQueue) and a
// thread of its own for async calls (SandboxThread).
//
// Who runs JavaScript, where and when (the concurrency core):
//  - Every stretch of JavaScript is a slice (RunSlice, slice_runner.cc):
//    it holds slice_mutex_ and V8's Locker, and owns the order of things:
//    limits, run, settle microtasks, copy the result out, classify the
//    failure, recover.
//  - A synchronous call (sync_calls.cc) is one slice on the caller's
//    thread, the host's JavaScript thread.
//  - An async call (async_calls.cc) runs on the sandbox's own thread: a
//    first slice and, while its promise is pending, one more per wake-up.
//    A synchronous caller waiting for the isolate goes first.
//  - A host function (host_functions.cc) called from a slice runs on the
//    host's thread: directly when the slice runs there, else through the
//    HostBridge while the sandbox's thread waits. A call it makes back into
//    the sandbox is a nested slice on the thread holding the isolate.
// The bodies of eval, call-by-path and handle operations are in
// call_bodies.cc; setup, teardown and heap statistics in sandbox.cc.
#ifndef MINI_RACER_CORE_SANDBOX_H_
#define MINI_RACER_CORE_SANDBOX_H_

#include <v8.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "core/runtime/thread_annotations.h"
#include "capi/mini_racer.h"
#include "core/call_meter.h"
#include "core/handle_table.h"
#include "core/code_cache.h"
#include "core/gc_pause_clock.h"
#include "core/host_bridge.h"
#include "core/host_promises.h"
#include "core/limits/charged_objects.h"
#include "core/limits/guard_state.h"
#include "core/limits/memory_budget.h"
#include "core/limits/memory_monitor.h"
#include "core/limits/natives_syntax_guard.h"
#include "core/limits/watchdog.h"
#include "core/modules/module_loader.h"
#include "core/runtime/call_owned_promises.h"
#include "core/runtime/foreground_task_queue.h"
#include "core/runtime/isolate_holder.h"
#include "core/runtime/parked_thread_state.h"
#include "core/runtime/sandbox_thread.h"
#include "core/runtime/stack_limit.h"
#include "core/runtime/timer_queue.h"
#include "core/script_cache.h"
#include "core/slice.h"

namespace mini_racer {

class SetupSnapshot;

class Sandbox {
 public:
  using Clock = Watchdog::Clock;

  // `snapshot` (may be null): start from it instead of a fresh context;
  // its cap is the sandbox's (options.max_memory must be 0 or the same).
  static std::unique_ptr<Sandbox> Create(
      const mr_sandbox_options& options,
      std::shared_ptr<const SetupSnapshot> snapshot, mr_value* error);
  // A cap given as 0 means this default.
  static size_t MaxMemoryOrDefault(uint64_t max_memory);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Synchronous calls, on the host's thread. flags: MR_EVAL_DISCARD_RESULT,
  // MR_RESULT_HANDLES; with a `cache`, MR_EVAL_CODE_CACHE (code_cache.h).
  void Eval(const uint16_t* code, size_t units, mr_limits limits, int flags,
            mr_value* out, CodeCacheRun* cache);
  void Call(const uint16_t* path, size_t units, const mr_value* args,
            size_t argc, mr_limits limits, int flags, mr_value* out);
  // See mr_handle_op_run.
  void HandleOp(int op, uint32_t handle, const mr_value* args, size_t argc,
                mr_limits limits, int flags, mr_value* out);
  // See mr_last_call_report and mr_usage_get.
  bool LastCallReport(mr_call_report* out);
  void GetUsage(mr_usage* out);
  void Cancel() { watchdog_->Cancel(); }

  // ES modules (modules/module_calls.cc): evaluates `code` as a module named
  // `name` (with MR_MODULE_IMPORT, imports the module `code` names through
  // the loader) and gives its namespace. See mr_eval_module.
  void EvalModule(const uint16_t* code, size_t units, const uint16_t* name,
                  size_t name_units, mr_limits limits, int flags,
                  mr_value* out);
  uint64_t EvalModuleAsync(const uint16_t* code, size_t units,
                           const uint16_t* name, size_t name_units,
                           mr_limits limits, int flags,
                           mr_completion completion, void* user_data);
  // The host function that loads modules (0: none).
  void SetModuleLoader(uint32_t function_id);

  // Async calls: queued for the sandbox's thread; `completion` gets the
  // result there. Each returns the call's id.
  // `cache` (copied) as mr_eval_async_cached: see TakeCodeCache.
  uint64_t EvalAsync(const uint16_t* code, size_t units, const uint8_t* cache,
                     size_t cache_length, mr_limits limits, int flags,
                     mr_completion completion, void* user_data);
  // What came of an async eval's code cache (see mr_code_cache_take).
  void TakeCodeCache(uint64_t call_id, CodeCacheRun* run) {
    code_caches_.Take(call_id, run);
  }
  uint64_t CallAsync(const uint16_t* path, size_t units, const mr_value* args,
                     size_t argc, mr_limits limits, int flags,
                     mr_completion completion, void* user_data);
  uint64_t HandleCallAsync(uint32_t handle, const mr_value* args, size_t argc,
                           mr_limits limits, int flags,
                           mr_completion completion, void* user_data);
  void CancelAsync(uint64_t call_id);
  // See mr_call_nest.
  void NestAsync(uint64_t call_id, uint64_t parent_id);

  void ReleaseHandle(uint32_t handle) { handles_->Release(handle); }
  size_t HandleCount() const { return handles_->live(); }

  // Host functions and the console (see mr_sandbox_set_host).
  void SetHost(mr_host_function function, mr_host_wakeup wakeup,
               void* user_data);
  void RunHostRequests() { bridge_.RunHostRequests(); }
  bool Expose(const uint16_t* path, size_t units, uint32_t function_id,
              mr_value* error);
  void SettleHostPromise(uint64_t promise_id, const mr_value& value);
  void SetConsole(bool enabled) { console_enabled_.store(enabled); }

  void GetHeapStats(mr_heap_stats* out);
  void LowMemoryNotification();
  // See mr_sandbox_set_memory_limits and mr_heap_snapshot (sandbox.cc).
  bool SetMemoryLimits(uint64_t max_memory, uint64_t soft_memory);
  void HeapSnapshot(uint64_t max_bytes, double timeout_ms, mr_value* out);

  // Before the destructor, so that it never waits long: stops the async
  // thread, waiting at most `grace` for a running call to end (see
  // SandboxThread::StopWithin). On false the calls have ended as closed
  // and the host hears nothing more (no completion, no wake-up);
  // `on_stopped` is called from the thread once it is out, and the
  // destructor may run after that.
  bool StopWithin(Clock::duration grace, std::function<void()> on_stopped);

 private:
  explicit Sandbox(size_t max_memory);
  // Isolate data slot holding the Sandbox, for V8 callbacks.
  static constexpr uint32_t kSandboxSlot = 0;

  // ---- The slice runner (slice_runner.cc) ----
  // A slice's limit: an absolute deadline (async steps) or a timeout that
  // starts when the slice gets the isolate (sync calls).
  struct SyncDeadline {
    double timeout_ms;
  };
  using Deadline = std::variant<Clock::time_point, SyncDeadline>;
  // Runs one stretch of JavaScript for call `call_id`. Returns true when
  // the call is over (its result or failure is in *out), false when its
  // body returned kPending. `sync`: a synchronous caller, counted in
  // sync_waiting_ until it holds the isolate. `meter`: the call's CPU
  // limit and report, across its slices.
  bool RunSlice(uint64_t call_id, Deadline deadline,
                const std::atomic<bool>* cancelled, bool sync, mr_value* out,
                CallMeter* meter, SliceBody body);
  // A slice inside a host function called from a slice on this thread: it
  // runs under its own deadline and the outer slice's, and its own CPU
  // limit; a stop other than its own limits is left to the outer slice.
  bool RunNestedSlice(Clock::time_point deadline, mr_value* out,
                      CallMeter* meter, SliceBody body);
  // Host thread, isolate taken: waits for it (until `deadline`), answering
  // host requests, or hands the slice to the sandbox thread.
  enum class Acquired { kLocked, kHandedOver, kTimedOut };
  Acquired AcquireOnHostThread(std::unique_lock<std::timed_mutex>* turn,
                               Clock::time_point deadline,
                               const std::function<void()>& run_elsewhere);
  // Throws (and returns true) when V8's flags now allow `%` syntax.
  bool RefuseIfUnsafeFlags(Slice& slice);
  // Throws (and returns true) while the live heap is over a cap that
  // SetMemoryLimits lowered under it.
  bool RefuseIfOverCap(Slice& slice);
  // After a slice's body: copies a value out (kValue) or describes the
  // exception of a failure into *described.
  void CopyOutOrDescribe(Slice& slice, const v8::TryCatch& try_catch,
                         Step* step, mr_value* out, mr_value* described);
  // The failure a call that did not produce a value ends with.
  void SetCallFailure(mr_value* out, bool cap_reached, Watchdog::Stop stop,
                      bool closing, bool terminated, mr_value* described);
  // Runs the microtasks and V8 tasks the slice queued (not when nested:
  // they wait for the outermost slice).
  void RunQueuedWork();
  // Drains queued work, then reads a promise result: kValue with the
  // value, kFailed with the rejection thrown, kPending.
  Step Settle(Slice& slice);
  // Settle for a synchronous call, which cannot wait: pending is an error.
  Step SettleSync(Slice& slice);
  // ForegroundTaskQueue::AfterTask: runs the microtasks a V8 task queued,
  // or drops them when the call it belongs to has ended.
  static void AfterTask(void* context, uint64_t owner);
  // Whether call `call_id` is running (this slice's, or an async call
  // waiting between its steps).
  bool CallOpen(uint64_t call_id);
  // What a finished call leaves behind: its timers, promises, host
  // promises.
  void DropCallState(uint64_t call_id);

  // ---- Synchronous calls (sync_calls.cc) ----
  // One slice on the calling thread with the result mode from `flags`,
  // then a wake-up for an async call waiting meanwhile.
  void RunSyncCall(mr_limits limits, int flags, mr_value* out,
                   SliceBody body);

  // ---- Call bodies (call_bodies.cc): false with an exception pending ----
  // `cache`: compile from (and make) a code cache, or nullptr.
  bool RunEval(Slice& slice, const uint16_t* code, size_t units,
               CodeCacheRun* cache);
  // The code as a string of the sandbox; false (a RangeError thrown) when
  // it is too long or larger than the memory cap.
  bool SourceString(Slice& slice, const uint16_t* code, size_t units,
                    v8::Local<v8::String>* source);
  bool RunPathCall(Slice& slice, const uint16_t* path, size_t units,
                   const mr_value* args, size_t argc);
  bool RunHandleOp(Slice& slice, int op, uint32_t handle, const mr_value* args,
                   size_t argc);
  v8::MaybeLocal<v8::Value> DecodeArg(Slice& slice, const mr_value& arg);

  // ---- ES modules (modules/module_calls.cc) ----
  friend class ModuleLoader;
  // Starts the module (or import) of a call: slice.result is the promise
  // of its namespace.
  bool RunModule(Slice& slice, const uint16_t* code, size_t units,
                 const uint16_t* name, size_t name_units, int flags);
  // After Settle: a module's failures are its own kinds, not a rejected
  // promise's, and its namespace crosses as a plain object.
  Step FinishModuleStep(Slice& slice, Step step, bool sync);

  // ---- Async calls (async_calls.cc) ----
  // The state of one async call between its slices.
  struct AsyncState {
    AsyncCall* call;
    Clock::time_point deadline;
    CallMeter meter;
    v8::Global<v8::Promise> promise;
    Clock::time_point next_timer = Clock::time_point::max();
  };
  std::unique_ptr<AsyncCall> NewAsyncCall(AsyncCall::Kind kind,
                                          mr_limits limits, int flags,
                                          mr_completion completion,
                                          void* user_data);
  uint64_t PostAsync(std::unique_ptr<AsyncCall> call);
  // The async thread's runner. `outer_deadline`: the deadline of the call
  // it runs nested in, if any.
  void RunAsync(AsyncCall& call,
                Clock::time_point outer_deadline = Clock::time_point::max());
  // The first slice of an async call, and each one after a wake-up.
  Step RunAsyncSlice(Slice& slice, AsyncState& state);
  bool StepAsync(AsyncState& state, mr_value* out);
  // Ends a waiting async call with a failure of the given kind.
  void AbandonAsync(AsyncState& state, mr_value_type type, mr_value* out);
  // Lets a waiting synchronous caller take the isolate first.
  void YieldToSyncCallers();
  // After a sync call or a host promise's result: the async call waiting
  // meanwhile may be able to go on.
  void WakeAsyncCall();
  // The watchdog's OverdueHandler: an async call past its deadline is
  // stuck in a builtin; it is settled (JSTimeoutError) now, and the
  // sandbox stays busy until that builtin returns.
  void SettleOverdueCall(uint64_t call_id);
  bool closing() const { return closing_.load(std::memory_order_acquire); }
  // On the sandbox's own thread only: thread_ is set before that thread
  // starts and reset only after it has been joined, so it needs no lock
  // there.
  SandboxThread& OwnThread() MR_NO_THREAD_SAFETY_ANALYSIS { return *thread_; }

  // ---- Host functions and the console (host_functions.cc) ----
  static void HostFunctionCallback(
      const v8::FunctionCallbackInfo<v8::Value>& info);
  static void ConsoleCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  void CallHost(const v8::FunctionCallbackInfo<v8::Value>& info,
                uint32_t function_id);
  bool InstallConsole(v8::Local<v8::Context> context);
  // Runs `request` on the host's thread (directly or through the bridge)
  // and checks what happened meanwhile. False when the script must stop
  // (a stop, unsafe flags): a termination is then under way.
  bool ExchangeWithHost(v8::Local<v8::Context> context,
                        const std::shared_ptr<HostBridge::Request>& request);

  // ---- Lifecycle (sandbox.cc) ----
  // After a full GC: clears `exhausted_` if the heap has room again.
  void ReviveIfRoomAgain();

  // Declaration order is teardown order in reverse: the allocator and the
  // task queue outlive the isolate that uses them.
  MemoryBudget budget_;
  // What the guards' callbacks read (guard_state.h); set before the context.
  GuardState guard_state_;
  // Kept for the isolate's life: V8 may read the blob it started from.
  std::shared_ptr<const SetupSnapshot> snapshot_;
  BudgetedAllocator allocator_;
  std::shared_ptr<ForegroundTaskQueue> tasks_;
  std::unique_ptr<IsolateHolder> holder_;
  v8::Isolate* isolate_ = nullptr;
  // Made and freed with the isolate locked; used inside slices.
  std::unique_ptr<MemoryMonitor> memory_;
  std::unique_ptr<TimerQueue> timers_;
  std::unique_ptr<CallOwnedPromises> owned_promises_;
  std::unique_ptr<HandleTable> handles_;
  std::unique_ptr<ChargedObjects> charged_objects_;
  std::unique_ptr<ScriptCache> scripts_;
  // ES modules compiled in the context, and loads under way.
  std::unique_ptr<ModuleLoader> modules_;
  // Code caches async evals made, until the host takes them.
  CodeCacheOutbox code_caches_;
  HostPromiseTable host_promises_;
  HostBridge bridge_;
  // Node's isolate on the host thread, entered around host calls made from
  // inside the sandbox there.
  v8::Isolate* host_isolate_ = nullptr;
  std::atomic<bool> console_enabled_{false};
  // The largest copy a value leaving the sandbox may take.
  size_t max_result_bytes_ = 0;
  // The thread holding slice_mutex_ (a slice there may nest), and the call
  // it runs for.
  std::atomic<std::thread::id> slice_owner_{};
  uint64_t current_call_id_ = 0;
  // The running call's meter (host functions count into it), and the
  // report of the last synchronous call (host thread).
  CallMeter* meter_ = nullptr;
  // Adds GC pauses to *meter_ (made with the isolate, after meter_).
  std::unique_ptr<GcPauseClock> gc_clock_;
  mr_call_report last_report_{};
  // The sums of the reports: of synchronous calls (host thread), and of
  // async calls (written by the sandbox's thread).
  mr_usage sync_usage_{};
  Mutex async_usage_mutex_;
  mr_usage async_usage_ MR_GUARDED_BY(async_usage_mutex_){};
  // Slices running nested in host functions (microtasks wait for the
  // outermost).
  int nesting_ = 0;
  std::unique_ptr<Watchdog> watchdog_;
  // The state of the thread making synchronous calls, kept between them.
  ParkedThreadState parked_host_state_;
  v8::Global<v8::Context> context_;
  // An empty JS function: calling it makes V8 act on a pending termination.
  v8::Global<v8::Function> interrupt_probe_;
  // Checked at the start of every slice and after every host function.
  NativesSyntaxGuard natives_guard_;
  // Set when a host function turned unsafe flags on mid-call, and the call
  // was ended for it (the slice runner's thread only).
  bool stopped_for_unsafe_flags_ = false;
  // Set when SetMemoryLimits lowered the cap: the next slice checks the
  // live heap against it.
  std::atomic<bool> recheck_cap_{false};
  // Set when a memory-cap hit left no room to go on.
  std::atomic<bool> exhausted_{false};
  StackLimit stack_limit_;
  // Ids of calls, sync and async: timers and cancellation name them.
  std::atomic<uint64_t> next_call_id_{1};
  // Held for each slice besides V8's Locker: heap statistics try it, so
  // that they never wait for a running script.
  std::timed_mutex slice_mutex_;
  // A lowMemoryNotification that came while a slice ran: done after it.
  std::atomic<bool> low_memory_requested_{false};
  // Synchronous callers waiting for the isolate's lock.
  std::atomic<int> sync_waiting_{0};
  // Started by the first async call; guarded by thread_mutex_.
  Mutex thread_mutex_;
  std::unique_ptr<SandboxThread> thread_ MR_GUARDED_BY(thread_mutex_);
  std::atomic<bool> async_running_{false};
  // Set when the sandbox is being freed: running calls end as closed.
  std::atomic<bool> closing_{false};
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_SANDBOX_H_
