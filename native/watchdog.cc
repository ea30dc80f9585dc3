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

void Watchdog::Begin(double timeout_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  in_call_ = true;
  stop_ = Stop::kNone;
  armed_ = timeout_ms > 0;
  if (!armed_) return;
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double, std::milli>(
                                     timeout_ms));
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

void Watchdog::Cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
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
