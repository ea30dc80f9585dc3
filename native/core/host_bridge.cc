#include "core/host_bridge.h"

namespace mini_racer {

HostBridge::Request::~Request() {
  for (mr_value& arg : args) mr_value_release(&arg);
  mr_value_release(&result);
}

HostBridge::~HostBridge() = default;

void HostBridge::SetHost(mr_host_function function, mr_host_wakeup wakeup,
                         void* user_data) {
  function_ = function;
  {
    MutexLock lock(wakeup_mutex_);
    wakeup_ = wakeup;
  }
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

namespace {
// Bounds of the one-way queue (console output): a few large lines or many
// small ones, never an unbounded backlog.
constexpr size_t kMaxOneWayQueued = 256;
constexpr size_t kMaxOneWayBytes = 4u << 20;
// Long enough for Node's event loop to turn between two batches.
constexpr std::chrono::milliseconds kEventLoopTurn{1};
}  // namespace

size_t HostBridge::BytesOf(const Request& request) {
  size_t bytes = sizeof(Request);
  for (const mr_value& arg : request.args) bytes += sizeof(mr_value) + arg.length;
  return bytes;
}

void HostBridge::PostWakeup() {
  if (!wakeup_posted_.exchange(true, std::memory_order_acq_rel)) {
    MutexLock lock(wakeup_mutex_);
    if (wakeup_ != nullptr) wakeup_(user_data_);
  }
}

void HostBridge::DisconnectWakeups() {
  MutexLock lock(wakeup_mutex_);
  wakeup_ = nullptr;
}

bool HostBridge::CallFromSandboxThread(std::shared_ptr<Request> request,
                                       const std::function<bool()>& give_up) {
  MutexLock lock(mutex_);
  if (request->one_way) {
    size_t bytes = BytesOf(*request);
    // Backpressure: wait for the host to take what is queued (one request
    // always fits, whatever its size).
    while (one_way_queued_ > 0 &&
           (one_way_queued_ >= kMaxOneWayQueued ||
            one_way_bytes_ + bytes > kMaxOneWayBytes)) {
      if (give_up()) return false;
      WaitForHostTurn(lock);
    }
    ++one_way_queued_;
    one_way_bytes_ += bytes;
    requests_.push_back(request);
    queued_.store(requests_.size(), std::memory_order_release);
    lock.Unlock();
    changed_.NotifyAll();
    PostWakeup();
    return true;
  }
  requests_.push_back(request);
  queued_.store(requests_.size(), std::memory_order_release);
  lock.Unlock();
  changed_.NotifyAll();
  PostWakeup();
  lock.Lock();
  ++sandbox_waiting_;
  bool answered = true;
  while (!request->done) {
    if (!tasks_.empty()) {
      Task* task = tasks_.front();
      tasks_.pop_front();
      lock.Unlock();
      (*task->run)();
      lock.Lock();
      task->done = true;
      changed_.NotifyAll();
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
      queued_.store(requests_.size(), std::memory_order_release);
      break;
    }
    if (!request->taken && !wakeup_posted_.load(std::memory_order_acquire)) {
      // Queued while a batch ran, which leaves the next wake-up to us.
      lock.Unlock();
      PostWakeup();
      lock.Lock();
      continue;
    }
    // Woken by the answer or a task; the timeout bounds how late a
    // cancellation or deadline is noticed.
    changed_.WaitFor(lock, std::chrono::milliseconds(2));
  }
  --sandbox_waiting_;
  // A host thread handing over a task must learn that nobody will take it.
  changed_.NotifyAll();
  return answered;
}

bool HostBridge::DrainOneWay(const std::function<bool()>& give_up) {
  MutexLock lock(mutex_);
  while (one_way_queued_ > 0) {
    if (give_up()) return false;
    WaitForHostTurn(lock);
  }
  return true;
}

// The analysis cannot follow a scoped lock passed in and let go of inside:
// callers are checked to hold mutex_ (the declaration), and it is held
// again on return.
void HostBridge::WaitForHostTurn(MutexLock& lock)
    MR_NO_THREAD_SAFETY_ANALYSIS {
  if (!wakeup_posted_.load(std::memory_order_acquire) &&
      Clock::now() - last_batch_end_ >= kEventLoopTurn) {
    lock.Unlock();
    PostWakeup();
    lock.Lock();
  }
  changed_.WaitFor(lock, kEventLoopTurn);
}

void HostBridge::WakeIfQueued() {
  if (queued_.load(std::memory_order_acquire) > 0 &&
      !wakeup_posted_.load(std::memory_order_acquire)) {
    PostWakeup();
  }
}

bool HostBridge::RunHostRequests() {
  bool ran = false;
  size_t budget;
  {
    MutexLock lock(mutex_);
    budget = requests_.size();
  }
  // Only the requests queued now: those queued meanwhile wait for another
  // turn of Node's event loop.
  for (; budget > 0; --budget) {
    std::shared_ptr<Request> request;
    {
      MutexLock lock(mutex_);
      if (requests_.empty()) break;
      request = std::move(requests_.front());
      requests_.pop_front();
      queued_.store(requests_.size(), std::memory_order_release);
      request->taken = true;
      if (request->one_way) {
        --one_way_queued_;
        one_way_bytes_ -= BytesOf(*request);
      }
    }
    if (request->one_way) changed_.NotifyAll();
    ran = true;
    mr_value result{};
    CallOnHostThread(request->call_id, request->function_id,
                     request->args.data(), request->args.size(), &result);
    {
      MutexLock lock(mutex_);
      request->result = result;
      request->done = true;
    }
    changed_.NotifyAll();
  }
  {
    MutexLock lock(mutex_);
    last_batch_end_ = Clock::now();
    // Cleared only now, and no wake-up sent from here: one sent before this
    // wake-up's handler returns runs in the same turn of Node's event loop.
    // What was queued during the batch is woken for by the sandbox thread
    // (its next request, its wait for room or an answer, the end of its
    // slice), after the loop has turned.
    wakeup_posted_.store(false, std::memory_order_release);
  }
  return ran;
}

bool HostBridge::SandboxThreadWaiting() {
  MutexLock lock(mutex_);
  return sandbox_waiting_ > 0;
}

bool HostBridge::RunOnSandboxThread(const std::function<void()>& run) {
  Task task{&run};
  MutexLock lock(mutex_);
  if (sandbox_waiting_ == 0) return false;
  tasks_.push_back(&task);
  changed_.NotifyAll();
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
      lock.Unlock();
      RunHostRequests();
      lock.Lock();
      continue;
    }
    changed_.Wait(lock);
  }
  return true;
}

void HostBridge::WaitForWork(std::chrono::microseconds max) {
  MutexLock lock(mutex_);
  if (!requests_.empty()) return;
  host_waiters_.fetch_add(1, std::memory_order_relaxed);
  changed_.WaitFor(lock, max);
  host_waiters_.fetch_sub(1, std::memory_order_relaxed);
}

void HostBridge::NotifyReleased() {
  WakeIfQueued();
  if (host_waiters_.load(std::memory_order_relaxed) == 0) return;
  MutexLock lock(mutex_);
  changed_.NotifyAll();
}

}  // namespace mini_racer
