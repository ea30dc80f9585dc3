#include "watchdog.h"

namespace mini_racer {

Watchdog::Watchdog(v8::Isolate* isolate) : isolate_(isolate) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Watchdog::Clock::time_point Watchdog::DeadlineAfter(double timeout_ms) {
  // Beyond ~100 years the addition could overflow; treat it as no limit.
  if (!(timeout_ms > 0) || timeout_ms > 3.0e12) {
    return Clock::time_point::max();
  }
  return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double, std::milli>(
                                timeout_ms));
}

void Watchdog::Begin(Clock::time_point deadline, uint64_t call_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  in_call_ = true;
  call_id_ = call_id;
  stop_ = Stop::kNone;
  armed_ = deadline != Clock::time_point::max();
  if (!armed_) return;
  deadline_ = deadline;
  if (!thread_.joinable()) {
    thread_ = std::thread(&Watchdog::Run, this);
  } else if (deadline_ < sleeping_until_) {
    wake_.notify_one();
  }
}

Watchdog::Stop Watchdog::End() {
  std::lock_guard<std::mutex> lock(mutex_);
  in_call_ = false;
  armed_ = false;
  Stop stop = stop_;
  stop_ = Stop::kNone;
  return stop;
}

Watchdog::Stop Watchdog::Peek() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

void Watchdog::Cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  CancelLocked();
}

void Watchdog::CancelCall(uint64_t call_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (call_id_ == call_id) CancelLocked();
}

void Watchdog::CancelLocked() {
  if (!in_call_ || stop_ != Stop::kNone) return;
  stop_ = Stop::kCancelled;
  isolate_->TerminateExecution();
}

void Watchdog::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (!armed_) {
      sleeping_until_ = Clock::time_point::max();
      wake_.wait(lock);
      continue;
    }
    if (Clock::now() >= deadline_) {
      armed_ = false;
      if (in_call_ && stop_ == Stop::kNone) {
        stop_ = Stop::kTimedOut;
        isolate_->TerminateExecution();
      }
      continue;
    }
    sleeping_until_ = deadline_;
    wake_.wait_until(lock, deadline_);
  }
}

}  // namespace mini_racer
