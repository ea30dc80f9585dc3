#include "host_bridge.h"

namespace mini_racer {

HostBridge::Request::~Request() {
  for (mr_value& arg : args) mr_value_release(&arg);
  mr_value_release(&result);
}

HostBridge::~HostBridge() = default;

void HostBridge::SetHost(mr_host_function function, mr_host_wakeup wakeup,
                         void* user_data) {
  function_ = function;
  wakeup_ = wakeup;
  user_data_ = user_data;
  host_thread_ = std::this_thread::get_id();
}

void HostBridge::CallOnHostThread(uint64_t call_id, uint32_t function_id,
                                  const mr_value* args, size_t argc,
                                  mr_value* result) {
  ++host_depth_;
  function_(user_data_, call_id, function_id, args, argc, result);
  --host_depth_;
}

bool HostBridge::CallFromSandboxThread(std::shared_ptr<Request> request,
                                       const std::function<bool()>& give_up) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
  }
  changed_.notify_all();
  wakeup_(user_data_);
  if (request->one_way) return true;
  std::unique_lock<std::mutex> lock(mutex_);
  ++sandbox_waiting_;
  bool answered = true;
  while (!request->done) {
    if (!tasks_.empty()) {
      Task* task = tasks_.front();
      tasks_.pop_front();
      lock.unlock();
      (*task->run)();
      lock.lock();
      task->done = true;
      changed_.notify_all();
      continue;
    }
    if (give_up()) {
      answered = false;
      // Not taken yet: it never runs. Taken: its answer is dropped.
      for (auto it = requests_.begin(); it != requests_.end(); ++it) {
        if (*it == request) {
          requests_.erase(it);
          break;
        }
      }
      break;
    }
    // Woken by the answer or a task; the timeout bounds how late a
    // cancellation or deadline is noticed.
    changed_.wait_for(lock, std::chrono::milliseconds(2));
  }
  --sandbox_waiting_;
  // A host thread handing over a task must learn that nobody will take it.
  changed_.notify_all();
  return answered;
}

bool HostBridge::RunHostRequests() {
  bool ran = false;
  for (;;) {
    std::shared_ptr<Request> request;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (requests_.empty()) return ran;
      request = std::move(requests_.front());
      requests_.pop_front();
    }
    ran = true;
    mr_value result{};
    CallOnHostThread(request->call_id, request->function_id,
                     request->args.data(), request->args.size(), &result);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      request->result = result;
      request->done = true;
    }
    changed_.notify_all();
  }
}

bool HostBridge::SandboxThreadWaiting() {
  std::lock_guard<std::mutex> lock(mutex_);
  return sandbox_waiting_ > 0;
}

bool HostBridge::RunOnSandboxThread(const std::function<void()>& run) {
  Task task{&run};
  std::unique_lock<std::mutex> lock(mutex_);
  if (sandbox_waiting_ == 0) return false;
  tasks_.push_back(&task);
  changed_.notify_all();
  while (!task.done) {
    if (sandbox_waiting_ == 0) {
      // The sandbox thread stopped waiting (its call ended) before it took
      // the task: withdraw it.
      for (auto it = tasks_.begin(); it != tasks_.end(); ++it) {
        if (*it == &task) {
          tasks_.erase(it);
          return false;
        }
      }
    }
    if (!requests_.empty()) {
      lock.unlock();
      RunHostRequests();
      lock.lock();
      continue;
    }
    changed_.wait(lock);
  }
  return true;
}

void HostBridge::WaitForWork(std::chrono::microseconds max) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!requests_.empty()) return;
  host_waiters_.fetch_add(1, std::memory_order_relaxed);
  changed_.wait_for(lock, max);
  host_waiters_.fetch_sub(1, std::memory_order_relaxed);
}

void HostBridge::NotifyReleased() {
  if (host_waiters_.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard<std::mutex> lock(mutex_);
  changed_.notify_all();
}

}  // namespace mini_racer
