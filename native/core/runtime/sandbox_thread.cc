#include "core/runtime/sandbox_thread.h"

#include <algorithm>

#include "wire/failure.h"
#include "wire/value_codec.h"

namespace mini_racer {
namespace {
// How long an idle sandbox thread polls for the next call before sleeping.
constexpr std::chrono::microseconds kIdlePoll{50};
}  // namespace

void AsyncCall::CopyArgs(const mr_value* values, size_t count) {
  args.assign(values, values + count);
  arg_bytes.resize(count);
  for (size_t i = 0; i < count; ++i) {
    if (values[i].data != nullptr && values[i].length > 0) {
      arg_bytes[i].assign(values[i].data, values[i].data + values[i].length);
      args[i].data = arg_bytes[i].data();
    } else {
      args[i].data = nullptr;
      args[i].length = 0;
    }
  }
}

void AsyncCall::Complete(mr_value* result, const mr_call_report* report) {
  mr_completion done = completion.exchange(nullptr, std::memory_order_acq_rel);
  if (done != nullptr) {
    static constexpr mr_call_report kNothing{};
    // The receiver owns the result from here on.
    done(user_data, id, result, report != nullptr ? report : &kNothing);
  } else {
    mr_value_release(result);
  }
}

bool AsyncCall::Cancelled() const {
  for (const AsyncCall* call = this; call != nullptr; call = call->outer) {
    if (call->cancelled.load(std::memory_order_acquire)) return true;
  }
  return false;
}

SandboxThread::SandboxThread(Runner runner)
    : runner_(std::move(runner)), thread_(&SandboxThread::Run, this) {}

SandboxThread::~SandboxThread() {
  Stop([] {});
}

bool SandboxThread::Post(std::unique_ptr<AsyncCall>& call) {
  {
    MutexLock lock(mutex_);
    if (stopping()) return false;
    queue_.push_back(std::move(call));
    queued_.fetch_add(1, std::memory_order_release);
  }
  wake_.NotifyOne();
  return true;
}

std::unique_ptr<AsyncCall> SandboxThread::Cancel(uint64_t id,
                                                 uint64_t* running) {
  *running = 0;
  MutexLock lock(mutex_);
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if ((*it)->id == id) {
      std::unique_ptr<AsyncCall> call = std::move(*it);
      queue_.erase(it);
      queued_.fetch_sub(1, std::memory_order_release);
      return call;
    }
  }
  AsyncCall* found = running_ != nullptr && running_->id == id ? running_
                                                                : nullptr;
  for (AsyncCall* nested : nested_) {
    if (nested->id == id) found = nested;
  }
  if (found != nullptr) {
    // The calls nested in it see it through Cancelled().
    found->cancelled.store(true, std::memory_order_release);
    *running = nested_.empty() ? running_->id : nested_.back()->id;
    woken_ = true;
    wake_.NotifyOne();
  }
  return nullptr;
}

bool SandboxThread::IsRunning(uint64_t id) {
  MutexLock lock(mutex_);
  if (running_ != nullptr && running_->id == id) return true;
  for (AsyncCall* nested : nested_) {
    if (nested->id == id) return true;
  }
  return false;
}

void SandboxThread::Nest(uint64_t id, uint64_t parent) {
  {
    MutexLock lock(mutex_);
    for (auto& call : queue_) {
      if (call->id == id) call->parent = parent;
    }
    if (running_ == nullptr) return;
    woken_ = true;
  }
  wake_.NotifyOne();
}

bool SandboxThread::RunNestedCalls(AsyncCall& parent,
                                   const std::function<void(AsyncCall&)>& run) {
  bool ran = false;
  for (;;) {
    std::unique_ptr<AsyncCall> call;
    {
      MutexLock lock(mutex_);
      for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if ((*it)->parent == parent.id) {
          call = std::move(*it);
          queue_.erase(it);
          queued_.fetch_sub(1, std::memory_order_release);
          break;
        }
      }
      if (!call) return ran;
      call->outer = &parent;
      nested_.push_back(call.get());
    }
    run(*call);
    {
      MutexLock lock(mutex_);
      nested_.pop_back();
    }
    ran = true;
  }
}

void SandboxThread::CompleteRunning(uint64_t id, const mr_value& failure) {
  MutexLock lock(mutex_);
  CompleteRunningLocked(id, failure);
}

void SandboxThread::CompleteRunningLocked(uint64_t id,
                                          const mr_value& failure) {
  // The thread removes calls from running_ / nested_ under this lock
  // before it frees them, so those found here are alive.
  std::vector<AsyncCall*> chain;
  if (running_ != nullptr) chain.push_back(running_);
  chain.insert(chain.end(), nested_.begin(), nested_.end());
  auto first = id == 0 ? chain.begin()
                       : std::find_if(chain.begin(), chain.end(),
                                      [id](AsyncCall* call) {
                                        return call->id == id;
                                      });
  for (auto it = chain.end(); it != first;) {
    --it;
    mr_value copy = CopyValue(failure);
    (*it)->Complete(&copy);
  }
}

void SandboxThread::WaitUntil(Clock::time_point until) {
  MutexLock lock(mutex_);
  if (!woken_ && !stopping()) {
    if (until == Clock::time_point::max()) {
      while (!woken_ && !stopping()) wake_.Wait(lock);
    } else {
      while (!woken_ && !stopping() && wake_.WaitUntil(lock, until)) {
      }
    }
  }
  woken_ = false;
}

void SandboxThread::Wake() {
  {
    MutexLock lock(mutex_);
    // Also set when no wait has begun yet: the next wait then re-checks
    // instead of sleeping past what woke us.
    if (running_ == nullptr) return;
    woken_ = true;
  }
  wake_.NotifyOne();
}

void SandboxThread::Stop(const std::function<void()>& interrupt) {
  if (!thread_.joinable()) return;
  {
    MutexLock lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  interrupt();
  wake_.NotifyAll();
  thread_.join();
}

bool SandboxThread::StopWithin(Clock::duration grace,
                               const std::function<void()>& interrupt,
                               std::function<void()> on_exit) {
  if (!thread_.joinable()) return true;
  {
    MutexLock lock(mutex_);
    stopping_.store(true, std::memory_order_release);
  }
  interrupt();
  wake_.NotifyAll();
  {
    MutexLock lock(mutex_);
    auto until = Clock::now() + grace;
    while (!exited_ && exited_cv_.WaitUntil(lock, until)) {
    }
    if (!exited_) {
      on_exit_ = std::move(on_exit);
      // Still inside the call: its result, and its nested calls', are now
      // decided.
      mr_value closed{};
      SetFailure(&closed, MR_ERROR_CLOSED, "ContextClosedError",
                 "the MiniRacer was closed before the call finished");
      CompleteRunningLocked(/*id=*/0, closed);
      mr_value_release(&closed);
    }
  }
  // (Calls queued now never start: the thread is stopping.)
  CloseQueued();
  MutexLock lock(mutex_);
  if (!exited_) return false;
  lock.Unlock();
  thread_.join();
  return true;
}

void SandboxThread::Run() {
  for (;;) {
    // A caller awaiting one call after another sends the next one within
    // microseconds; polling briefly saves the sleep and the wake-up, which
    // on a busy machine cost more than the call itself.
    auto poll_until = Clock::now() + kIdlePoll;
    while (queued_.load(std::memory_order_acquire) == 0 && !stopping() &&
           Clock::now() < poll_until) {
      std::this_thread::yield();
    }
    std::unique_ptr<AsyncCall> call;
    {
      MutexLock lock(mutex_);
      while (queue_.empty() && !stopping()) wake_.Wait(lock);
      if (stopping()) break;
      call = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_release);
      running_ = call.get();
      woken_ = false;
    }
    runner_(*call);
    {
      MutexLock lock(mutex_);
      running_ = nullptr;
    }
  }
  CloseQueued();
  std::function<void()> on_exit;
  {
    MutexLock lock(mutex_);
    exited_ = true;
    on_exit.swap(on_exit_);
  }
  exited_cv_.NotifyAll();
  // From here the thread touches nothing of this object.
  if (on_exit) on_exit();
}

void SandboxThread::CloseQueued() {
  // Calls that never started end as closed.
  std::deque<std::unique_ptr<AsyncCall>> left;
  {
    MutexLock lock(mutex_);
    left.swap(queue_);
  }
  for (auto& call : left) {
    mr_value closed{};
    SetFailure(&closed, MR_ERROR_CLOSED, "ContextClosedError",
               "the MiniRacer was closed before the call ran");
    call->Complete(&closed);
  }
}

}  // namespace mini_racer
