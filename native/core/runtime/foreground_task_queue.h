// ForegroundTaskQueue: the V8 TaskRunner of one sandbox isolate. V8 posts
// tasks from any thread; the thread that holds the isolate runs them with
// RunDueTasks at the end of each call, and the sandbox's event loop wakes
// for them while an async call waits.
#ifndef MINI_RACER_FOREGROUND_TASK_QUEUE_H_
#define MINI_RACER_FOREGROUND_TASK_QUEUE_H_

#include <v8-platform.h>
#include <v8-version.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/runtime/thread_annotations.h"

namespace mini_racer {

class ForegroundTaskQueue : public v8::TaskRunner {
 public:
  using Clock = std::chrono::steady_clock;

#if V8_MAJOR_VERSION >= 12
  // V8 12 (Node 22+) routes every post through these; from V8 13 the plain
  // Post* methods are no longer virtual.
  void PostTaskImpl(std::unique_ptr<v8::Task> task,
                    const v8::SourceLocation& location) override {
    Enqueue(std::move(task));
  }
  void PostNonNestableTaskImpl(std::unique_ptr<v8::Task> task,
                               const v8::SourceLocation& location) override {
    Enqueue(std::move(task));
  }
  void PostDelayedTaskImpl(std::unique_ptr<v8::Task> task,
                           double delay_in_seconds,
                           const v8::SourceLocation& location) override {
    EnqueueDelayed(std::move(task), delay_in_seconds);
  }
  void PostNonNestableDelayedTaskImpl(
      std::unique_ptr<v8::Task> task, double delay_in_seconds,
      const v8::SourceLocation& location) override {
    EnqueueDelayed(std::move(task), delay_in_seconds);
  }
  void PostIdleTaskImpl(std::unique_ptr<v8::IdleTask> task,
                        const v8::SourceLocation& location) override {}
#else
  void PostTask(std::unique_ptr<v8::Task> task) override {
    Enqueue(std::move(task));
  }
  void PostNonNestableTask(std::unique_ptr<v8::Task> task) override {
    Enqueue(std::move(task));
  }
  void PostDelayedTask(std::unique_ptr<v8::Task> task,
                       double delay_in_seconds) override {
    EnqueueDelayed(std::move(task), delay_in_seconds);
  }
  void PostNonNestableDelayedTask(std::unique_ptr<v8::Task> task,
                                  double delay_in_seconds) override {
    EnqueueDelayed(std::move(task), delay_in_seconds);
  }
  void PostIdleTask(std::unique_ptr<v8::IdleTask> task) override {}
#endif
  // Idle tasks are off, so V8 never posts any.
  bool IdleTasksEnabled() override { return false; }
  bool NonNestableTasksEnabled() const override { return true; }
  bool NonNestableDelayedTasksEnabled() const override { return true; }

  // The call whose JavaScript runs on `thread` now (0 and no thread
  // between slices). A task V8 posts from that thread (an Atomics.waitAsync
  // timeout, a FinalizationRegistry cleanup) belongs to that call.
  void SetRunningCall(uint64_t call_id, std::thread::id thread);

  // Called after each task RunDueTasks runs, with the call it belongs to (0
  // when unknown: posted from another thread, or between calls).
  using AfterTask = void (*)(void* context, uint64_t owner);

  // Runs the tasks that are due now (not those they post) and returns how
  // many ran. Call with the isolate locked and entered. Cheap when nothing
  // is queued.
  size_t RunDueTasks(AfterTask after = nullptr, void* context = nullptr);

  // Drops every queued task without running it (the isolate is going away).
  void Clear();

  // When the earliest queued task is due (now if one is ready, max() if
  // none is queued).
  Clock::time_point NextDue();

  // Called, with the queue's lock held, after every post: the sandbox's
  // event loop uses it to wake up. Pass an empty function to remove it.
  void SetWaker(std::function<void()> waker);

 private:
  // Tasks only ever run at the top level, outside any script, so nestable
  // and non-nestable tasks share one queue.
  void Enqueue(std::unique_ptr<v8::Task> task);
  void EnqueueDelayed(std::unique_ptr<v8::Task> task, double delay_in_seconds);

  struct ReadyTask {
    uint64_t owner;
    std::unique_ptr<v8::Task> task;
  };
  struct DelayedTask {
    Clock::time_point due;
    uint64_t owner;
    std::unique_ptr<v8::Task> task;
  };

  // The running call, if the posting thread is the one running it.
  uint64_t OwnerOfPost() const;

  std::atomic<uint64_t> running_call_{0};
  std::atomic<std::thread::id> running_thread_{};
  Mutex mutex_;
  std::deque<ReadyTask> ready_ MR_GUARDED_BY(mutex_);
  std::vector<DelayedTask> delayed_ MR_GUARDED_BY(mutex_);
  std::function<void()> waker_ MR_GUARDED_BY(mutex_);
  // Lets RunDueTasks skip the lock on the hot path when nothing is queued.
  std::atomic<size_t> queued_{0};
};

}  // namespace mini_racer

#endif  // MINI_RACER_FOREGROUND_TASK_QUEUE_H_
