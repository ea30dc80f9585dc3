// Watchdog: enforces the wall-clock limit of each stretch of JavaScript and
// cancellation. One thread per sandbox sleeps until the armed deadline and
// terminates the running script when it passes. Arming and disarming take an
// uncontended lock and wake the thread only when the new deadline is earlier
// than the one it sleeps towards, so the synchronous hot path pays no thread
// hop. Each arming names the call it runs for, so that cancelling one call
// never terminates another call's script.
#ifndef MINI_RACER_WATCHDOG_H_
#define MINI_RACER_WATCHDOG_H_

#include <v8.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace mini_racer {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Stop { kNone, kTimedOut, kCancelled };

  explicit Watchdog(v8::Isolate* isolate);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Converts a per-call limit in ms (<= 0: none) into a deadline.
  static Clock::time_point DeadlineAfter(double timeout_ms);

  // Marks script of call `call_id` as running until `deadline`
  // (time_point::max(): no limit).
  void Begin(Clock::time_point deadline, uint64_t call_id);
  // Marks the script as finished and says whether it was stopped. When it
  // was, the isolate's termination is still pending: cancel it once the
  // script has unwound.
  Stop End();
  // How the running script has been stopped so far (kNone if not).
  Stop Peek();
  // Stops the running script, whichever call it belongs to. Thread-safe.
  void Cancel();
  // Stops the running script if it belongs to `call_id`. Thread-safe.
  void CancelCall(uint64_t call_id);

 private:
  void Run();
  void CancelLocked();

  v8::Isolate* isolate_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool in_call_ = false;
  bool armed_ = false;
  bool stopping_ = false;
  uint64_t call_id_ = 0;
  Stop stop_ = Stop::kNone;
  Clock::time_point deadline_;
  // The deadline the thread sleeps towards; max() while it sleeps unarmed.
  Clock::time_point sleeping_until_ = Clock::time_point::max();
};

}  // namespace mini_racer

#endif  // MINI_RACER_WATCHDOG_H_
