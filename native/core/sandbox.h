// Sandbox: one isolate and its one context, with the limits that make it
// safe to run untrusted code: a memory cap (MemoryMonitor, MemoryBudget), a
// wall-clock limit per call (Watchdog), V8's own foreground tasks run on
// the thread that holds it (ForegroundTaskQueue), timers (TimerQueue) and a
// thread of its own for async calls (SandboxThread).
//
// Every stretch of JavaScript goes through RunSlice, which owns the order
// of things: lock, limits, run, settle microtasks, encode the result,
// classify failures, recover. A synchronous call is one slice on the
// caller's thread; an async call is a first slice and, while its promise is
// pending, one more slice per wake-up of the sandbox's thread.
#ifndef MINI_RACER_SANDBOX_H_
#define MINI_RACER_SANDBOX_H_

#include <v8.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "capi/mini_racer.h"
#include "core/handle_table.h"
#include "core/host_bridge.h"
#include "core/limits/charged_objects.h"
#include "core/limits/memory_budget.h"
#include "core/limits/memory_monitor.h"
#include "core/limits/natives_syntax_guard.h"
#include "core/limits/watchdog.h"
#include "core/runtime/call_owned_promises.h"
#include "core/runtime/foreground_task_queue.h"
#include "core/runtime/isolate_holder.h"
#include "core/runtime/parked_thread_state.h"
#include "core/runtime/sandbox_thread.h"
#include "core/runtime/timer_queue.h"
#include "core/value_codec.h"

namespace mini_racer {

class Sandbox {
 public:
  using Clock = Watchdog::Clock;

  static std::unique_ptr<Sandbox> Create(const mr_sandbox_options& options,
                                         mr_value* error);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // flags: MR_EVAL_DISCARD_RESULT, MR_RESULT_HANDLES.
  void Eval(const uint16_t* code, size_t units, double timeout_ms, int flags,
            mr_value* out);
  void Call(const uint16_t* path, size_t units, const mr_value* args,
            size_t argc, double timeout_ms, int flags, mr_value* out);
  void Cancel() { watchdog_->Cancel(); }

  uint64_t EvalAsync(const uint16_t* code, size_t units, double timeout_ms,
                     int flags, mr_completion completion, void* user_data);
  uint64_t CallAsync(const uint16_t* path, size_t units, const mr_value* args,
                     size_t argc, double timeout_ms, int flags,
                     mr_completion completion, void* user_data);
  void CancelAsync(uint64_t call_id);
  // See mr_call_nest.
  void NestAsync(uint64_t call_id, uint64_t parent_id);

  // Handles (see mr_handle_op_run).
  void HandleOp(int op, uint32_t handle, const mr_value* args, size_t argc,
                double timeout_ms, int flags, mr_value* out);
  uint64_t HandleCallAsync(uint32_t handle, const mr_value* args, size_t argc,
                           double timeout_ms, int flags,
                           mr_completion completion, void* user_data);
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

 private:
  explicit Sandbox(size_t max_memory);

  // How a slice's body ended.
  enum class Step { kFailed, kValue, kPending };
  // What a slice's body reports besides its value.
  struct Outcome {
    mr_value_type failure = MR_ERROR_EXCEPTION;
    ValueCodec::Mode mode = ValueCodec::Mode::kCopy;
  };
  // The state of one async call between its slices.
  struct AsyncState {
    AsyncCall* call;
    Clock::time_point deadline;
    v8::Global<v8::Promise> promise;
    Clock::time_point next_timer = Clock::time_point::max();
  };

  // Runs one stretch of JavaScript for call `call_id`. Returns true when
  // the call is over (its result or failure is in *out), false when its
  // body returned kPending.
  // A slice's limit: an absolute deadline (async steps) or a timeout that
  // starts when the slice gets the isolate (sync calls).
  struct SyncDeadline {
    double timeout_ms;
  };
  using Deadline = std::variant<Clock::time_point, SyncDeadline>;
  template <typename Body>
  bool RunSlice(uint64_t call_id, Deadline deadline,
                const std::atomic<bool>* cancelled, bool sync, mr_value* out,
                Body&& body);
  // The bodies: evaluate code, call a function by path.
  bool RunEval(v8::Local<v8::Context> context, const uint16_t* code,
               size_t units, v8::Local<v8::Value>* result, Outcome* outcome);
  bool RunPathCall(v8::Local<v8::Context> context, const uint16_t* path,
                   size_t units, const mr_value* args, size_t argc,
                   v8::Local<v8::Value>* result, Outcome* outcome);
  // After a slice's body: copies a value out (kValue) or describes the
  // exception of a failure into *described.
  // Throws (and returns true) when V8's flags now allow `%` syntax.
  bool RefuseIfUnsafeFlags(Outcome* outcome);
  // The failure a call that did not produce a value ends with.
  void SetCallFailure(mr_value* out, bool cap_reached, Watchdog::Stop stop,
                      bool closing, bool terminated, mr_value* described);
  void CopyOutOrDescribe(v8::Local<v8::Context> context,
                         const v8::TryCatch& try_catch,
                         v8::Local<v8::Value> result, Step* step,
                         Outcome* outcome, mr_value* out,
                         mr_value* described);
  // Drains microtasks and V8 tasks, then reads a promise result: kValue
  // with the value, kFailed with the rejection thrown, kPending.
  Step Settle(v8::Local<v8::Context> context, v8::Local<v8::Value>* result,
              Outcome* outcome);
  // Settle for a synchronous call, which cannot wait: pending is an error.
  // Nested in a host function, microtasks wait for the outer call.
  Step SettleSync(v8::Local<v8::Context> context,
                  v8::Local<v8::Value>* result, Outcome* outcome);
  // A synchronous call on the calling thread: one slice, with the result
  // mode from `flags` (MR_RESULT_HANDLES), then a wake-up for an async call
  // waiting meanwhile.
  template <typename Body>
  void RunSyncCall(double timeout_ms, int flags, mr_value* out, Body&& body);
  // A slice inside a host function called from a slice on this thread: it
  // runs under its own deadline and the outer slice's; a stop other than
  // its own deadline is left to the outer slice.
  template <typename Body>
  bool RunNestedSlice(Clock::time_point deadline, mr_value* out, Body&& body);
  // Host thread, isolate taken: waits for it (until `deadline`), answering
  // host requests, or hands the slice to the sandbox thread.
  enum class Acquired { kLocked, kHandedOver, kTimedOut };
  Acquired AcquireOnHostThread(std::unique_lock<std::timed_mutex>* turn,
                               Clock::time_point deadline,
                               const std::function<void()>& run_elsewhere);
  bool RunHandleOp(v8::Local<v8::Context> context, int op, uint32_t handle,
                   const mr_value* args, size_t argc,
                   v8::Local<v8::Value>* result, Outcome* outcome);
  v8::MaybeLocal<v8::Value> DecodeArg(v8::Local<v8::Context> context,
                                      const mr_value& arg, Outcome* outcome);
  static void HostFunctionCallback(
      const v8::FunctionCallbackInfo<v8::Value>& info);
  static void ConsoleCallback(const v8::FunctionCallbackInfo<v8::Value>& info);
  void CallHost(const v8::FunctionCallbackInfo<v8::Value>& info,
                uint32_t function_id);
  bool InstallConsole(v8::Local<v8::Context> context);
  void ApplyHostSettlements(v8::Local<v8::Context> context);
  // ForegroundTaskQueue::AfterTask: runs the microtasks a V8 task queued,
  // or drops them when the call it belongs to has ended.
  static void AfterTask(void* context, uint64_t owner);
  // Whether call `call_id` is running (this slice's, or an async call
  // waiting between its steps).
  bool CallOpen(uint64_t call_id);
  void DropHostPromises(uint64_t owner);
  // After a full GC: clears `exhausted_` if the heap has room again.
  void ReviveIfRoomAgain();
  // After a sync call: the async call waiting meanwhile may be able to go on.
  void WakeAsyncCall();
  // The async thread's runner.
  // `outer_deadline`: the deadline of the call it runs nested in, if any.
  void RunAsync(AsyncCall& call,
                Clock::time_point outer_deadline = Clock::time_point::max());
  bool StepAsync(AsyncState& state, mr_value* out);
  // Ends a waiting async call with a failure of the given kind.
  void AbandonAsync(AsyncState& state, mr_value_type type, mr_value* out);
  uint64_t PostAsync(std::unique_ptr<AsyncCall> call);
  // Copies borrowed arguments into the call.
  static void CopyArgs(AsyncCall* call, const mr_value* args, size_t argc);
  // Lets a waiting synchronous caller take the isolate first.
  void YieldToSyncCallers();

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
  std::unique_ptr<TimerQueue> timers_;
  std::unique_ptr<CallOwnedPromises> owned_promises_;
  std::unique_ptr<HandleTable> handles_;
  std::unique_ptr<ChargedObjects> charged_objects_;
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
  // Slices running nested in host functions (microtasks wait for the
  // outermost).
  int nesting_ = 0;
  // Promises returned by async host functions, by id, and the results the
  // host has sent for them.
  struct HostPromise {
    uint64_t owner;
    v8::Global<v8::Promise::Resolver> resolver;
  };
  std::unordered_map<uint64_t, HostPromise> host_promises_;
  std::mutex settlements_mutex_;
  // Promises dropped with their call (a sync call cannot wait for them):
  // their settlement is freed on arrival instead of queued for nobody.
  std::unordered_set<uint64_t> abandoned_host_promises_;
  std::vector<std::pair<uint64_t, mr_value>> settlements_;
  std::atomic<bool> has_settlements_{false};
  std::unique_ptr<Watchdog> watchdog_;
  // The state of the thread making synchronous calls, kept between them.
  ParkedThreadState parked_host_state_;
  v8::Global<v8::Context> context_;
  v8::Global<v8::String> eval_origin_;
  // An empty JS function: calling it makes V8 act on a pending termination.
  v8::Global<v8::Function> interrupt_probe_;
  std::unordered_map<std::u16string, v8::Global<v8::UnboundScript>>
      script_cache_;
  // Checked at the start of every slice and after every host function.
  NativesSyntaxGuard natives_guard_;
  // Set when a memory-cap hit left no room to go on.
  std::atomic<bool> exhausted_{false};
  std::thread::id stack_limit_thread_;
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
  std::mutex thread_mutex_;
  std::unique_ptr<SandboxThread> thread_;
  std::atomic<bool> async_running_{false};
  // Set when the sandbox is being freed: running calls end as closed.
  std::atomic<bool> closing_{false};
};

}  // namespace mini_racer

#endif  // MINI_RACER_SANDBOX_H_
