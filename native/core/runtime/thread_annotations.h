// Threading rules the compiler checks. Clang's -Wthread-safety analysis
// reads these annotations: a member marked MR_GUARDED_BY(mutex_) may only
// be touched with mutex_ held, a function marked MR_REQUIRES(mutex_) only
// called with it held, and so on; a violation is a compile error in the
// thread-safety build (npm run check:threads, CMake option
// MINI_RACER_THREAD_SAFETY). Other compilers see plain code.
//
// Mutex and MutexLock stand in for std::mutex and std::lock_guard /
// std::unique_lock, whose libstdc++ versions carry no annotations.
#ifndef MINI_RACER_CORE_RUNTIME_THREAD_ANNOTATIONS_H_
#define MINI_RACER_CORE_RUNTIME_THREAD_ANNOTATIONS_H_

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define MR_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define MR_THREAD_ANNOTATION(x)
#endif

#define MR_CAPABILITY(name) MR_THREAD_ANNOTATION(capability(name))
#define MR_SCOPED_CAPABILITY MR_THREAD_ANNOTATION(scoped_lockable)
#define MR_GUARDED_BY(mutex) MR_THREAD_ANNOTATION(guarded_by(mutex))
#define MR_PT_GUARDED_BY(mutex) MR_THREAD_ANNOTATION(pt_guarded_by(mutex))
#define MR_REQUIRES(...) \
  MR_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define MR_EXCLUDES(...) MR_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define MR_ACQUIRE(...) MR_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define MR_RELEASE(...) MR_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define MR_TRY_ACQUIRE(...) \
  MR_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// For an accessor whose rule the analysis cannot express; say the rule.
#define MR_NO_THREAD_SAFETY_ANALYSIS \
  MR_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace mini_racer {

// A std::mutex the analysis knows as a capability.
class MR_CAPABILITY("mutex") Mutex {
 public:
  void lock() MR_ACQUIRE() { mutex_.lock(); }
  void unlock() MR_RELEASE() { mutex_.unlock(); }
  bool try_lock() MR_TRY_ACQUIRE(true) { return mutex_.try_lock(); }

 private:
  friend class MutexLock;
  std::mutex mutex_;
};

// Holds a Mutex for its scope; it can wait on a CondVar (which releases
// the mutex while it sleeps, as std::condition_variable does).
class MR_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) MR_ACQUIRE(mutex) : lock_(mutex.mutex_) {}
  ~MutexLock() MR_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Lets go of the mutex for a while (to call out, or notify) and takes it
  // again.
  void Unlock() MR_RELEASE() { lock_.unlock(); }
  void Lock() MR_ACQUIRE() { lock_.lock(); }

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

// A std::condition_variable for a MutexLock. Callers loop on their own
// condition, so that the analysis sees it read with the mutex held.
class CondVar {
 public:
  void Wait(MutexLock& lock) { cv_.wait(lock.lock_); }
  // False once `until` has passed.
  template <typename TimePoint>
  bool WaitUntil(MutexLock& lock, TimePoint until) {
    return cv_.wait_until(lock.lock_, until) == std::cv_status::no_timeout;
  }
  template <typename Duration>
  bool WaitFor(MutexLock& lock, Duration duration) {
    return cv_.wait_for(lock.lock_, duration) == std::cv_status::no_timeout;
  }
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_RUNTIME_THREAD_ANNOTATIONS_H_
