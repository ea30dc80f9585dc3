#include "core/limits/watchdog.h"

#include <algorithm>
#include <utility>

namespace mini_racer {
namespace {

// How long a timed-out script may take to reach an interrupt check (where
// its stack is recorded) before it is terminated without the record. A
// safety net only: V8 acts on a termination request at the same checks, so
// a script that never reaches one is not stopped sooner without it. Long
// enough that a script thread descheduled on a busy machine still records.
constexpr auto kStackGrace = std::chrono::milliseconds(50);
constexpr int kStackFrames = 10;

std::string Utf8(v8::Isolate* isolate, v8::Local<v8::String> text) {
  if (text.IsEmpty()) return {};
  v8::String::Utf8Value utf8(isolate, text);
  return *utf8 ? std::string(*utf8, utf8.length()) : std::string();
}

// The current JavaScript stack, formatted as V8 formats Error.stack frames.
std::string CurrentStack(v8::Isolate* isolate) {
  v8::HandleScope scope(isolate);
  v8::Local<v8::StackTrace> trace =
      v8::StackTrace::CurrentStackTrace(isolate, kStackFrames);
  std::string out;
  for (int i = 0; i < trace->GetFrameCount(); ++i) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate, i);
    std::string where = Utf8(isolate, frame->GetScriptName());
    if (where.empty()) where = "<anonymous>";
    where += ":" + std::to_string(frame->GetLineNumber()) + ":" +
             std::to_string(frame->GetColumn());
    std::string name = Utf8(isolate, frame->GetFunctionName());
    if (!out.empty()) out += "\n";
    out += name.empty() ? "    at " + where : "    at " + name + " (" + where + ")";
  }
  return out;
}

}  // namespace

Watchdog::Watchdog(v8::Isolate* isolate, OverdueHandler on_overdue)
    : isolate_(isolate), on_overdue_(std::move(on_overdue)) {}

Watchdog::~Watchdog() {
  {
    MutexLock lock(mutex_);
    stopping_ = true;
  }
  wake_.NotifyOne();
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

void Watchdog::ArmLocked() {
  ++arming_;
  force_at_ = Clock::time_point::max();
  armed_ = stop_ == Stop::kNone &&
           (deadline_ != Clock::time_point::max() || cpu_.budget_ns > 0);
  if (!armed_) return;
  // The earliest the call may need stopping: its deadline, or its CPU
  // budget spent at full speed.
  Clock::time_point due = deadline_;
  if (cpu_.budget_ns > 0) {
    due = std::min(due, Clock::now() + std::chrono::nanoseconds(cpu_.budget_ns));
  }
  if (!thread_.joinable()) {
    thread_ = std::thread(&Watchdog::Run, this);
  } else if (due < sleeping_until_) {
    wake_.NotifyOne();
  }
}

void Watchdog::StartMeterLocked(CpuSpec spec) {
  cpu_ = CpuMeter{};
  cpu_.budget_ns = spec.budget_ns > 0 ? spec.budget_ns : 0;
  cpu_.measuring = cpu_.budget_ns > 0 || spec.measure;
  metering_.store(cpu_.measuring, std::memory_order_relaxed);
  if (!cpu_.measuring) return;
  cpu_clock_ = ThreadCpuClock::OfThisThread();
  cpu_.segment_start_ns = cpu_clock_.NowNs();
}

int64_t Watchdog::StopMeterLocked() {
  if (!cpu_.measuring) return -1;
  int64_t used = cpu_.UsedAt(cpu_.segment_start_ns >= 0 ? cpu_clock_.NowNs() : 0);
  cpu_ = CpuMeter{};
  metering_.store(false, std::memory_order_relaxed);
  return used;
}

void Watchdog::Begin(Clock::time_point deadline, uint64_t call_id,
                     CpuSpec cpu) {
  MutexLock lock(mutex_);
  in_call_ = true;
  call_id_ = call_id;
  stop_ = Stop::kNone;
  overdue_at_ = Clock::time_point::max();
  frames_.clear();
  stopped_stack_.clear();
  deadline_ = deadline;
  StartMeterLocked(cpu);
  ArmLocked();
}

Watchdog::Stop Watchdog::End(int64_t* cpu_used_ns) {
  MutexLock lock(mutex_);
  in_call_ = false;
  armed_ = false;
  force_at_ = Clock::time_point::max();
  overdue_at_ = Clock::time_point::max();
  frames_.clear();
  int64_t used = StopMeterLocked();
  if (cpu_used_ns != nullptr) *cpu_used_ns = used;
  Stop stop = stop_;
  stop_ = Stop::kNone;
  return stop;
}

void Watchdog::BeginNested(Clock::time_point deadline, CpuSpec cpu) {
  MutexLock lock(mutex_);
  frames_.push_back(Frame{deadline_, cpu_});
  StartMeterLocked(cpu);
  bool rearm = cpu_.budget_ns > 0;
  if (deadline < deadline_) {
    deadline_ = deadline;
    rearm = true;
  }
  // Already stopped (or about to be, at the enclosing deadline): the
  // nested call is stopped with it, nothing to re-arm.
  if (rearm && stop_ == Stop::kNone) ArmLocked();
}

Watchdog::NestedEnd Watchdog::EndNested(bool may_resume) {
  MutexLock lock(mutex_);
  Stop stop = stop_;
  Clock::time_point own = deadline_;
  bool own_cpu_limit = cpu_.budget_ns > 0;
  int64_t cpu_used = StopMeterLocked();
  deadline_ = frames_.empty() ? Clock::time_point::max()
                              : frames_.back().deadline;
  if (!frames_.empty()) {
    cpu_ = frames_.back().cpu;
    frames_.pop_back();
  }
  metering_.store(cpu_.measuring, std::memory_order_relaxed);
  bool outer_goes_on = stop == Stop::kNone;
  // Only the nested call's own limit passed: its own deadline, or its CPU
  // budget (the enclosing call's meter was paused meanwhile).
  bool own_limit =
      (stop == Stop::kTimedOut && own < deadline_ && Clock::now() < deadline_) ||
      stop == Stop::kCpuTimedOut;
  if (may_resume && own_limit) {
    stop_ = Stop::kNone;
    isolate_->CancelTerminateExecution();
    outer_goes_on = true;
  }
  if (outer_goes_on && (own != deadline_ || own_cpu_limit)) ArmLocked();
  return NestedEnd{stop, outer_goes_on, cpu_used};
}

void Watchdog::PauseCpu() {
  MutexLock lock(mutex_);
  if (!cpu_.measuring || cpu_.paused++ > 0) return;
  cpu_.used_ns = cpu_.UsedAt(cpu_clock_.NowNs());
  cpu_.segment_start_ns = -1;
}

void Watchdog::ResumeCpu() {
  MutexLock lock(mutex_);
  if (!cpu_.measuring || cpu_.paused == 0 || --cpu_.paused > 0) return;
  cpu_.segment_start_ns = cpu_clock_.NowNs();
  if (cpu_.budget_ns <= 0 || stop_ != Stop::kNone) return;
  // The thread may have gone to sleep without a CPU check to make while the
  // meter was paused: woken if the budget could run out before it looks.
  Clock::time_point due =
      Clock::now() + std::chrono::nanoseconds(std::max<int64_t>(
                         0, cpu_.budget_ns - cpu_.used_ns));
  if (due < sleeping_until_) wake_.NotifyOne();
}

Watchdog::Clock::time_point Watchdog::NextCheckLocked() {
  if (cpu_.budget_ns <= 0 || cpu_.segment_start_ns < 0) return deadline_;
  Clock::time_point now = Clock::now();
  int64_t left = cpu_.budget_ns - cpu_.UsedAt(cpu_clock_.NowNs());
  if (left <= 0) return now;
  return std::min(deadline_, now + std::chrono::nanoseconds(left));
}

Watchdog::Stop Watchdog::Peek() {
  MutexLock lock(mutex_);
  return stop_;
}

std::string Watchdog::StoppedStack() {
  MutexLock lock(mutex_);
  return stopped_stack_;
}

void Watchdog::Cancel() {
  MutexLock lock(mutex_);
  CancelLocked();
}

void Watchdog::CancelCall(uint64_t call_id) {
  MutexLock lock(mutex_);
  if (call_id_ == call_id) CancelLocked();
}

void Watchdog::CancelLocked() {
  if (!in_call_ || stop_ != Stop::kNone) return;
  stop_ = Stop::kCancelled;
  isolate_->TerminateExecution();
  // The thread repeats the request until the call ends (see Run).
  if (!thread_.joinable()) {
    thread_ = std::thread(&Watchdog::Run, this);
  } else {
    wake_.NotifyOne();
  }
}

void Watchdog::TimeOutLocked(Stop why) {
  stop_ = why;
  stopped_stack_.clear();
  recorded_ = false;
  interrupt_arming_ = arming_;
  force_at_ = Clock::now() + kStackGrace;
  overdue_at_ = Clock::now() + kOverdue;
  isolate_->RequestInterrupt(&Watchdog::OnTimeoutInterrupt, this);
}

// On the script's thread, at its next interrupt check.
void Watchdog::OnTimeoutInterrupt(v8::Isolate* isolate, void* data) {
  auto* self = static_cast<Watchdog*>(data);
  MutexLock lock(self->mutex_);
  // A stale request (the call ended, or was re-armed, before the script
  // reached a check) does nothing.
  if (!self->in_call_ || !IsTimeout(self->stop_) ||
      self->interrupt_arming_ != self->arming_) {
    return;
  }
  self->RecordAndTerminateLocked();
}

void Watchdog::StopHere() {
  MutexLock lock(mutex_);
  if (IsTimeout(stop_)) {
    RecordAndTerminateLocked();
  } else if (stop_ != Stop::kNone) {
    isolate_->TerminateExecution();
  }
}

void Watchdog::RecordAndTerminateLocked() {
  force_at_ = Clock::time_point::max();
  // The first record of a stop is where it happened; later ones (the same
  // stop seen again on the way out) would only be shallower.
  if (!recorded_) stopped_stack_ = CurrentStack(isolate_);
  recorded_ = true;
  isolate_->TerminateExecution();
}

void Watchdog::Run() {
  MutexLock lock(mutex_);
  while (!stopping_) {
    if (force_at_ != Clock::time_point::max()) {
      if (Clock::now() >= force_at_) {
        force_at_ = Clock::time_point::max();
        if (in_call_ && IsTimeout(stop_)) {
          isolate_->TerminateExecution();
        }
        continue;
      }
      sleeping_until_ = force_at_;
      wake_.WaitUntil(lock, force_at_);
      continue;
    }
    if (in_call_ && IsTimeout(stop_) && Clock::now() >= overdue_at_) {
      overdue_at_ = Clock::time_point::max();
      if (on_overdue_) {
        uint64_t call_id = call_id_;
        lock.Unlock();
        on_overdue_(call_id);
        lock.Lock();
      }
      continue;
    }
    if (in_call_ && stop_ != Stop::kNone) {
      // A stopped call may still run sandbox code while it unwinds
      // (describing its error, copying its result). V8 12+ (Node 22+)
      // forgets a termination once a TryCatch outside all JavaScript has
      // seen it, so that code would run unguarded: the request is repeated
      // until the call ends.
      isolate_->TerminateExecution();
      sleeping_until_ = Clock::now() + kRepeatStop;
      wake_.WaitUntil(lock, sleeping_until_);
      continue;
    }
    if (!armed_) {
      sleeping_until_ = Clock::time_point::max();
      wake_.Wait(lock);
      continue;
    }
    if (Clock::now() >= deadline_) {
      armed_ = false;
      if (in_call_ && stop_ == Stop::kNone) TimeOutLocked(Stop::kTimedOut);
      continue;
    }
    Clock::time_point next = NextCheckLocked();
    if (next <= Clock::now()) {
      armed_ = false;
      if (in_call_ && stop_ == Stop::kNone) TimeOutLocked(Stop::kCpuTimedOut);
      continue;
    }
    sleeping_until_ = next;
    if (next == Clock::time_point::max()) {
      wake_.Wait(lock);
    } else {
      wake_.WaitUntil(lock, next);
    }
  }
}

}  // namespace mini_racer
