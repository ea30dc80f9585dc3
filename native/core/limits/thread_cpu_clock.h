// ThreadCpuClock: the CPU time one thread has used, readable from any
// thread while it lives (the CPU-time limit is enforced by the watchdog's
// thread reading the clock of the thread running the script). A read is a
// system call (~0.3-0.7 us; thread clocks have no vDSO fast path), so the
// synchronous hot path reads it only when a CPU limit asks for it.
#ifndef MINI_RACER_THREAD_CPU_CLOCK_H_
#define MINI_RACER_THREAD_CPU_CLOCK_H_

#include <pthread.h>
#include <time.h>

#include <cstdint>

namespace mini_racer {

class ThreadCpuClock {
 public:
  // The clock of the calling thread.
  static ThreadCpuClock OfThisThread() {
    ThreadCpuClock clock;
    if (pthread_getcpuclockid(pthread_self(), &clock.id_) == 0) {
      clock.valid_ = true;
    }
    return clock;
  }

  // CPU nanoseconds the thread has used; 0 when the clock is unavailable.
  int64_t NowNs() const {
    timespec ts{};
    if (!valid_ || clock_gettime(id_, &ts) != 0) return 0;
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  bool valid() const { return valid_; }

 private:
  clockid_t id_{};
  bool valid_ = false;
};

}  // namespace mini_racer

#endif  // MINI_RACER_THREAD_CPU_CLOCK_H_
