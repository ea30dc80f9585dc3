// Watchdog: enforces the wall-clock and CPU-time limits of each stretch of
// JavaScript and cancellation. One thread per sandbox sleeps until the armed deadline and
// terminates the running script when it passes. Arming and disarming take an
// uncontended lock and wake the thread only when the new deadline is earlier
// than the one it sleeps towards, so the synchronous hot path pays no thread
// hop. Each arming names the call it runs for, so that cancelling one call
// never terminates another call's script.
//
// A call made from inside a host function (nested) runs under the earlier
// of its own deadline and the enclosing call's. When its own deadline stops
// it, the enclosing call goes on; a cancel, or the enclosing deadline
// passing, stops both.
//
// The CPU-time limit counts the CPU the script's own thread uses, read from
// that thread's CPU clock (ThreadCpuClock): the watchdog sleeps for what is
// left of the budget (a thread cannot use CPU faster than wall time), reads
// the clock, and stops the script once the budget is spent. Time inside host
// functions is not the script's: the meter pauses around them.
//
// At a deadline the script is interrupted once before it is terminated, to
// record where it was stopped (JSTimeoutError's jsStack). A script still
// running kOverdue after its deadline is inside code that never looks at
// the termination request (a V8 builtin working through a huge input): the
// watchdog then tells the sandbox, which settles an async call at once
// rather than when that code returns.
#ifndef MINI_RACER_WATCHDOG_H_
#define MINI_RACER_WATCHDOG_H_

#include <v8.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/limits/thread_cpu_clock.h"
#include "core/runtime/thread_annotations.h"

namespace mini_racer {

// The CPU side of a slice: what is left of its call's CPU-time limit (ns;
// 0: none), and whether to read the thread's CPU clock without one (for the
// call's report).
struct WatchdogCpuSpec {
  int64_t budget_ns = 0;
  bool measure = false;
};

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  // kCpuTimedOut: the CPU-time limit; kTimedOut: the wall-clock one.
  enum class Stop { kNone, kTimedOut, kCpuTimedOut, kCancelled };
  static bool IsTimeout(Stop stop) {
    return stop == Stop::kTimedOut || stop == Stop::kCpuTimedOut;
  }

  using CpuSpec = WatchdogCpuSpec;

  // Called on the watchdog's thread, with no lock held, with the id of a
  // call still running kOverdue after its deadline.
  using OverdueHandler = std::function<void(uint64_t call_id)>;
  static constexpr std::chrono::milliseconds kOverdue{100};

  Watchdog(v8::Isolate* isolate, OverdueHandler on_overdue);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Converts a per-call limit in ms (<= 0: none) into a deadline.
  static Clock::time_point DeadlineAfter(double timeout_ms);

  // Marks script of call `call_id` as running until `deadline`
  // (time_point::max(): no limit).
  void Begin(Clock::time_point deadline, uint64_t call_id, CpuSpec cpu = {});
  // Marks the script as finished and says whether it was stopped. When it
  // was, the isolate's termination is still pending: cancel it once the
  // script has unwound. *cpu_used_ns (if given): the CPU the script used,
  // host functions excluded; -1 when it was not measured.
  Stop End(int64_t* cpu_used_ns = nullptr);

  // A call nested in the running one (same thread, isolate held), limited
  // to `deadline` too.
  // Its CPU is its own: the enclosing call's meter is paused (it runs
  // inside a host function).
  void BeginNested(Clock::time_point deadline, CpuSpec cpu = {});
  // Ends it: how it was stopped, and whether the enclosing call goes on.
  // When only its own deadline stopped it (and `may_resume`: nothing else,
  // such as the memory cap, ended it), the termination is cancelled here,
  // atomically with respect to a cancel, and the enclosing call goes on.
  struct NestedEnd {
    Stop stop;
    bool outer_goes_on;
    int64_t cpu_used_ns;  // -1: not measured
  };
  NestedEnd EndNested(bool may_resume);

  // Around a host function called by the script, on the script's thread:
  // its CPU time is not the script's.
  void PauseCpu();
  void ResumeCpu();
  // Whether the running script's CPU is metered (pausing costs clock reads
  // only then). On the script's thread, which sets it: no lock, since every
  // host call asks.
  bool MeteringCpu() const {
    return metering_.load(std::memory_order_relaxed);
  }

  // How the running script has been stopped so far (kNone if not).
  Stop Peek();
  // Where the last script stopped by its deadline was running ("" when the
  // interrupt found no JavaScript on the stack).
  std::string StoppedStack();
  // On the script's thread, once Peek() says it was stopped (a host call
  // returned, a wait gave up): records where it is, if the deadline stopped
  // it, and terminates it now.
  void StopHere();
  // Stops the running script, whichever call it belongs to. Thread-safe.
  void Cancel();
  // Stops the running script if it belongs to `call_id`. Thread-safe.
  void CancelCall(uint64_t call_id);

 private:
  // The enclosing calls' deadlines and stops while a nested call runs.
  // The CPU meter of one call (the running one, or an enclosing one while
  // a nested call runs).
  struct CpuMeter {
    int64_t budget_ns = 0;  // 0: no limit
    bool measuring = false;
    int64_t used_ns = 0;  // before the running segment
    // The clock when the running segment started; -1 while paused.
    int64_t segment_start_ns = -1;
    int paused = 0;
    int64_t UsedAt(int64_t now_ns) const {
      return used_ns + (segment_start_ns >= 0 ? now_ns - segment_start_ns : 0);
    }
  };
  struct Frame {
    Clock::time_point deadline;
    CpuMeter cpu;
  };

  void Run();
  void CancelLocked() MR_REQUIRES(mutex_);
  void ArmLocked() MR_REQUIRES(mutex_);
  void TimeOutLocked(Stop why) MR_REQUIRES(mutex_);
  void StartMeterLocked(CpuSpec spec) MR_REQUIRES(mutex_);
  int64_t StopMeterLocked() MR_REQUIRES(mutex_);
  // When the thread must look next: the deadline, or when the CPU budget
  // could be spent at the earliest (checking it now, and timing the call
  // out if it is).
  Clock::time_point NextCheckLocked() MR_REQUIRES(mutex_);
  static void OnTimeoutInterrupt(v8::Isolate* isolate, void* data);
  void RecordAndTerminateLocked() MR_REQUIRES(mutex_);

  // How often a stopped call's termination is requested again until the
  // call ends.
  static constexpr std::chrono::milliseconds kRepeatStop{5};

  v8::Isolate* isolate_;
  const OverdueHandler on_overdue_;
  Mutex mutex_;
  CondVar wake_;
  std::thread thread_;
  bool in_call_ MR_GUARDED_BY(mutex_) = false;
  bool armed_ MR_GUARDED_BY(mutex_) = false;
  bool stopping_ MR_GUARDED_BY(mutex_) = false;
  uint64_t call_id_ MR_GUARDED_BY(mutex_) = 0;
  Stop stop_ MR_GUARDED_BY(mutex_) = Stop::kNone;
  // The effective deadline: the innermost call's, never later than the
  // enclosing ones'.
  Clock::time_point deadline_ MR_GUARDED_BY(mutex_) = Clock::time_point::max();
  std::vector<Frame> frames_ MR_GUARDED_BY(mutex_);
  CpuMeter cpu_ MR_GUARDED_BY(mutex_);
  // cpu_.measuring, readable without the lock (MeteringCpu).
  std::atomic<bool> metering_{false};
  // The clock of the thread running the script.
  ThreadCpuClock cpu_clock_ MR_GUARDED_BY(mutex_);
  // The deadline the thread sleeps towards; max() while it sleeps unarmed.
  Clock::time_point sleeping_until_ MR_GUARDED_BY(mutex_) = Clock::time_point::max();
  // A timeout interrupt in flight: which arming it is for, and when the
  // thread terminates without it (a script that does not look at
  // interrupts would never run it).
  uint64_t arming_ MR_GUARDED_BY(mutex_) = 0;
  uint64_t interrupt_arming_ MR_GUARDED_BY(mutex_) = 0;
  Clock::time_point force_at_ MR_GUARDED_BY(mutex_) = Clock::time_point::max();
  // When a timed-out call that is still running is overdue; max() when
  // none is, or it has been reported.
  Clock::time_point overdue_at_ MR_GUARDED_BY(mutex_) =
      Clock::time_point::max();
  std::string stopped_stack_ MR_GUARDED_BY(mutex_);
  bool recorded_ MR_GUARDED_BY(mutex_) = false;
};

}  // namespace mini_racer

#endif  // MINI_RACER_WATCHDOG_H_
