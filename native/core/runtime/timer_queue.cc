#include "core/runtime/timer_queue.h"

#include <cmath>
#include <string>

namespace mini_racer {
namespace {

// Browsers treat longer delays as overflowing; here they are clamped.
constexpr double kMaxDelayMs = 2147483647.0;
// An interval repeats no faster than this, so that setInterval(f, 0) yields
// to the loop between runs.
constexpr double kMinIntervalMs = 1.0;

TimerQueue* Self(const v8::FunctionCallbackInfo<v8::Value>& info) {
  return static_cast<TimerQueue*>(info.Data().As<v8::External>()->Value());
}

// V8 12 added an optional `options` parameter to v8::Exception's factories,
// so they are not taken by address: the error kind is named instead.
enum class ErrorKind { kType, kRange };

void ThrowError(v8::Isolate* isolate, ErrorKind kind, const char* message) {
  v8::Local<v8::String> text =
      v8::String::NewFromUtf8(isolate, message).ToLocalChecked();
  isolate->ThrowException(kind == ErrorKind::kType
                              ? v8::Exception::TypeError(text)
                              : v8::Exception::RangeError(text));
}

bool Define(v8::Local<v8::Context> context, v8::Local<v8::External> data,
            const char* name, v8::FunctionCallback callback, int length) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();  // V8 14 dropped Context::GetIsolate
  v8::Local<v8::Function> function;
  v8::Local<v8::String> key =
      v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  if (!v8::Function::New(context, callback, data, length,
                         v8::ConstructorBehavior::kThrow)
           .ToLocal(&function)) {
    return false;
  }
  function->SetName(key);
  return context->Global()
      ->DefineOwnProperty(context, key, function, v8::DontEnum)
      .FromMaybe(false);
}

}  // namespace

bool TimerQueue::Install(v8::Local<v8::Context> context) {
  v8::Local<v8::External> data = v8::External::New(isolate_, this);
  return Define(context, data, "setTimeout", &TimerQueue::SetTimeout, 1) &&
         Define(context, data, "setInterval", &TimerQueue::SetInterval, 1) &&
         Define(context, data, "clearTimeout", &TimerQueue::ClearTimer, 1) &&
         Define(context, data, "clearInterval", &TimerQueue::ClearTimer, 1) &&
         Define(context, data, "queueMicrotask", &TimerQueue::QueueMicrotask,
                1);
}

void TimerQueue::SetTimeout(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Self(info)->Add(info, false);
}

void TimerQueue::SetInterval(const v8::FunctionCallbackInfo<v8::Value>& info) {
  Self(info)->Add(info, true);
}

void TimerQueue::ClearTimer(const v8::FunctionCallbackInfo<v8::Value>& info) {
  // Like browsers: anything that is not a live timer id is ignored, and
  // nothing here runs sandbox code (no valueOf on the argument).
  if (info.Length() < 1 || !info[0]->IsNumber()) return;
  double id = info[0].As<v8::Number>()->Value();
  if (id >= 1 && id <= UINT32_MAX && id == std::floor(id)) {
    Self(info)->Remove(static_cast<uint32_t>(id));
  }
}

void TimerQueue::QueueMicrotask(
    const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    ThrowError(isolate, ErrorKind::kType,
               "queueMicrotask: the callback must be a function");
    return;
  }
  isolate->EnqueueMicrotask(info[0].As<v8::Function>());
}

void TimerQueue::Add(const v8::FunctionCallbackInfo<v8::Value>& info,
                     bool repeat) {
  const char* name = repeat ? "setInterval" : "setTimeout";
  if (info.Length() < 1 || !info[0]->IsFunction()) {
    std::string message =
        std::string(name) + ": the callback must be a function";
    ThrowError(isolate_, ErrorKind::kType, message.c_str());
    return;
  }
  if (timers_.size() >= kMaxTimers) {
    std::string message = std::string(name) + ": too many pending timers";
    ThrowError(isolate_, ErrorKind::kRange, message.c_str());
    return;
  }
  double delay = 0;
  if (info.Length() >= 2 && !info[1]->IsUndefined()) {
    v8::Local<v8::Number> number;
    // ToNumber may run sandbox code (valueOf) and throw; that is the
    // sandbox's business, reported as its exception.
    if (!info[1]->ToNumber(isolate_->GetCurrentContext()).ToLocal(&number)) {
      return;
    }
    delay = number->Value();
  }
  if (!(delay > 0)) delay = 0;  // NaN and negatives too
  if (delay > kMaxDelayMs) delay = kMaxDelayMs;
  if (repeat && delay < kMinIntervalMs) delay = kMinIntervalMs;

  uint32_t id = next_id_++;
  if (next_id_ == 0) next_id_ = 1;
  Timer& timer = timers_[id];
  timer.owner = owner_;
  timer.interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(delay));
  timer.due = Clock::now() + timer.interval;
  timer.repeat = repeat;
  timer.callback.Reset(isolate_, info[0].As<v8::Function>());
  for (int i = 2; i < info.Length(); ++i) {
    timer.args.emplace_back(isolate_, info[i]);
  }
  order_.emplace(timer.due, id);
  info.GetReturnValue().Set(static_cast<double>(id));
}

void TimerQueue::Remove(uint32_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  order_.erase({it->second.due, id});
  timers_.erase(it);
}

TimerQueue::Clock::time_point TimerQueue::NextDue(uint64_t owner) const {
  for (const auto& [due, id] : order_) {
    auto it = timers_.find(id);
    if (it != timers_.end() && it->second.owner == owner) return due;
  }
  return Clock::time_point::max();
}

bool TimerQueue::RunDue(v8::Local<v8::Context> context, uint64_t owner) {
  Clock::time_point now = Clock::now();
  std::vector<uint32_t> due;
  for (const auto& [when, id] : order_) {
    if (when > now) break;
    auto it = timers_.find(id);
    if (it != timers_.end() && it->second.owner == owner) due.push_back(id);
  }
  for (uint32_t id : due) {
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;  // cleared by an earlier callback
    Timer& timer = it->second;
    v8::Local<v8::Function> callback = timer.callback.Get(isolate_);
    std::vector<v8::Local<v8::Value>> args;
    args.reserve(timer.args.size());
    for (const auto& arg : timer.args) args.push_back(arg.Get(isolate_));
    order_.erase({timer.due, id});
    if (timer.repeat) {
      timer.due = Clock::now() + timer.interval;
      order_.emplace(timer.due, id);
    } else {
      timers_.erase(it);  // `timer` dangles from here on
    }
    if (callback
            ->Call(context, context->Global(), static_cast<int>(args.size()),
                   args.data())
            .IsEmpty()) {
      return false;
    }
    isolate_->PerformMicrotaskCheckpoint();
    if (isolate_->IsExecutionTerminating()) return false;
  }
  return true;
}

void TimerQueue::ClearOwner(uint64_t owner) {
  for (auto it = timers_.begin(); it != timers_.end();) {
    if (it->second.owner == owner) {
      order_.erase({it->second.due, it->first});
      it = timers_.erase(it);
    } else {
      ++it;
    }
  }
}

void TimerQueue::Clear() {
  order_.clear();
  timers_.clear();
}

}  // namespace mini_racer
