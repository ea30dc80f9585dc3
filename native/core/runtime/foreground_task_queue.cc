#include "core/runtime/foreground_task_queue.h"

namespace mini_racer {

void ForegroundTaskQueue::SetRunningCall(uint64_t call_id,
                                         std::thread::id thread) {
  running_call_.store(call_id, std::memory_order_release);
  running_thread_.store(thread, std::memory_order_release);
}

uint64_t ForegroundTaskQueue::OwnerOfPost() const {
  if (running_thread_.load(std::memory_order_acquire) !=
      std::this_thread::get_id()) {
    return 0;
  }
  return running_call_.load(std::memory_order_acquire);
}

void ForegroundTaskQueue::Enqueue(std::unique_ptr<v8::Task> task) {
  uint64_t owner = OwnerOfPost();
  MutexLock lock(mutex_);
  ready_.push_back(ReadyTask{owner, std::move(task)});
  queued_.fetch_add(1, std::memory_order_release);
  if (waker_) waker_();
}

void ForegroundTaskQueue::EnqueueDelayed(std::unique_ptr<v8::Task> task,
                                         double delay_in_seconds) {
  auto delay = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(delay_in_seconds > 0 ? delay_in_seconds
                                                         : 0));
  uint64_t owner = OwnerOfPost();
  MutexLock lock(mutex_);
  delayed_.push_back(
      DelayedTask{Clock::now() + delay, owner, std::move(task)});
  queued_.fetch_add(1, std::memory_order_release);
  if (waker_) waker_();
}

size_t ForegroundTaskQueue::RunDueTasks(AfterTask after, void* context) {
  if (queued_.load(std::memory_order_acquire) == 0) return 0;
  std::vector<ReadyTask> due;
  {
    MutexLock lock(mutex_);
    while (!ready_.empty()) {
      due.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
    Clock::time_point now = Clock::now();
    for (size_t i = 0; i < delayed_.size();) {
      if (delayed_[i].due <= now) {
        due.push_back(
            ReadyTask{delayed_[i].owner, std::move(delayed_[i].task)});
        delayed_[i] = std::move(delayed_.back());
        delayed_.pop_back();
      } else {
        ++i;
      }
    }
    queued_.fetch_sub(due.size(), std::memory_order_release);
  }
  for (auto& task : due) {
    task.task->Run();
    if (after != nullptr) after(context, task.owner);
  }
  return due.size();
}

ForegroundTaskQueue::Clock::time_point ForegroundTaskQueue::NextDue() {
  if (queued_.load(std::memory_order_acquire) == 0) {
    return Clock::time_point::max();
  }
  MutexLock lock(mutex_);
  if (!ready_.empty()) return Clock::time_point::min();
  Clock::time_point next = Clock::time_point::max();
  for (const DelayedTask& task : delayed_) {
    if (task.due < next) next = task.due;
  }
  return next;
}

void ForegroundTaskQueue::SetWaker(std::function<void()> waker) {
  MutexLock lock(mutex_);
  waker_ = std::move(waker);
}

void ForegroundTaskQueue::Clear() {
  std::deque<ReadyTask> ready;
  std::vector<DelayedTask> delayed;
  {
    MutexLock lock(mutex_);
    ready.swap(ready_);
    delayed.swap(delayed_);
    queued_.store(0, std::memory_order_release);
  }
  // Destroyed outside the lock: a task's destructor may post another task.
}

}  // namespace mini_racer
