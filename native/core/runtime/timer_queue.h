// TimerQueue: setTimeout, setInterval, their clear functions and
// queueMicrotask inside a sandbox. Timers belong to the call that set them
// (and to the timers that call's timers set): the sandbox's event loop runs
// them only while that call waits for its promise, under that call's time
// limit, and drops whatever is left when the call ends. Nothing runs in a
// sandbox outside a call.
#ifndef MINI_RACER_TIMER_QUEUE_H_
#define MINI_RACER_TIMER_QUEUE_H_

#include <v8.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace mini_racer {

class TimerQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // Pending timers a sandbox may hold at once; more is a RangeError.
  static constexpr size_t kMaxTimers = 100000;

  explicit TimerQueue(v8::Isolate* isolate) : isolate_(isolate) {}
  ~TimerQueue() { Clear(); }
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Defines the timer functions and queueMicrotask on the context's global.
  bool Install(v8::Local<v8::Context> context);

  // Timers set from now on belong to call `owner`.
  void set_owner(uint64_t owner) { owner_ = owner; }

  // When the earliest timer of `owner` is due (max() if it has none).
  Clock::time_point NextDue(uint64_t owner) const;

  // Runs the timers of `owner` that are due now, each followed by a
  // microtask checkpoint. Timers they set wait for the next round. Returns
  // false when a callback threw (the exception is left to the caller's
  // TryCatch) or execution is terminating. Isolate locked and entered.
  bool RunDue(v8::Local<v8::Context> context, uint64_t owner);

  // Drops the timers of `owner`, or all timers.
  void ClearOwner(uint64_t owner);
  void Clear();

  size_t size() const { return timers_.size(); }

 private:
  struct Timer {
    uint64_t owner = 0;
    Clock::time_point due;
    Clock::duration interval{};
    bool repeat = false;
    v8::Global<v8::Function> callback;
    std::vector<v8::Global<v8::Value>> args;
  };

  static void SetTimeout(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void SetInterval(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void ClearTimer(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void QueueMicrotask(const v8::FunctionCallbackInfo<v8::Value>& info);
  void Add(const v8::FunctionCallbackInfo<v8::Value>& info, bool repeat);
  void Remove(uint32_t id);

  v8::Isolate* isolate_;
  uint64_t owner_ = 0;
  uint32_t next_id_ = 1;
  std::map<uint32_t, Timer> timers_;
  // (due, id): the order in which timers fire; ids break ties in the order
  // the timers were set.
  std::set<std::pair<Clock::time_point, uint32_t>> order_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_TIMER_QUEUE_H_
