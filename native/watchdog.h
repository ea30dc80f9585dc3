// Watchdog: enforces the wall-clock limit of each call and cancellation.
// One thread per sandbox sleeps until the armed deadline and terminates the
// running script when it passes. Arming and disarming take an uncontended
// lock and wake the thread only when the new deadline is earlier than the
// one it sleeps towards, so the synchronous hot path pays no thread hop.
#ifndef MINI_RACER_WATCHDOG_H_
#define MINI_RACER_WATCHDOG_H_

#include <v8.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mini_racer {

class Watchdog {
 public:
  enum class Stop { kNone, kTimedOut, kCancelled };

  explicit Watchdog(v8::Isolate* isolate);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Marks a call as running, with a limit unless timeout_ms <= 0.
  void Begin(double timeout_ms);
  // Marks the call as finished and says whether it was stopped. When it
  // was, the isolate's termination is still pending: cancel it once the
  // script has unwound.
  Stop End();
  // Stops the running call, if any. Thread-safe.
  void Cancel();

 private:
  using Clock = std::chrono::steady_clock;
  void Run();

  v8::Isolate* isolate_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool in_call_ = false;
  bool armed_ = false;
  bool stopping_ = false;
  Stop stop_ = Stop::kNone;
  Clock::time_point deadline_;
  // The deadline the thread sleeps towards; max() while it sleeps unarmed.
  Clock::time_point sleeping_until_ = Clock::time_point::max();
};

}  // namespace mini_racer

#endif  // MINI_RACER_WATCHDOG_H_
