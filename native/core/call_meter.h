// CallMeter: one call's CPU-time limit and the figures of its report
// (mr_call_report), kept across its slices (an async call runs one per
// wake-up). The slice runner fills it; host functions count into the meter
// of the call that is running.
#ifndef MINI_RACER_CORE_CALL_METER_H_
#define MINI_RACER_CORE_CALL_METER_H_

#include <chrono>
#include <cstdint>

#include "capi/mini_racer.h"

namespace mini_racer {

struct CallMeter {
  using Clock = std::chrono::steady_clock;

  explicit CallMeter(double cpu_limit_ms = 0)
      : cpu_limit_ns(cpu_limit_ms > 0 && cpu_limit_ms < 3.0e12
                         ? static_cast<int64_t>(cpu_limit_ms * 1e6)
                         : 0) {}

  // What is left of the CPU-time limit (<= 0: spent); only with one.
  int64_t cpu_left_ns() const { return cpu_limit_ns - cpu_ns; }
  bool cpu_limited() const { return cpu_limit_ns > 0; }

  // Fills *out: `wall` is the call's whole time, from its start to its
  // end. Without a CPU reading (a synchronous call without a CPU limit)
  // the CPU time is the time it ran: a synchronous call never waits but
  // for the isolate and for host functions, both taken out.
  void Report(Clock::duration wall, uint64_t heap_used,
              mr_call_report* out) const {
    auto ms = [](int64_t ns) { return static_cast<double>(ns) / 1e6; };
    int64_t wall_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(wall).count();
    out->wall_ms = ms(wall_ns);
    out->cpu_measured = cpu_measured ? 1 : 0;
    int64_t ran_ns = wall_ns - wait_ns - host_ns;
    out->cpu_ms = ms(cpu_measured ? cpu_ns : (ran_ns > 0 ? ran_ns : 0));
    out->host_calls = host_calls;
    out->host_ms = ms(host_ns);
    out->gc_ms = ms(gc_ns);
    out->heap_used = heap_used;
  }

  const int64_t cpu_limit_ns;
  // CPU the call's script used on its thread (host functions excluded),
  // when measured.
  int64_t cpu_ns = 0;
  bool cpu_measured = false;
  // Host-function and console calls, and the wall time spent in them.
  uint32_t host_calls = 0;
  int64_t host_ns = 0;
  // Time spent waiting for the isolate (another call held it).
  int64_t wait_ns = 0;
  // Time the call's thread spent in V8's garbage-collection pauses
  // (GcPauseClock).
  int64_t gc_ns = 0;
};

// Reports summed (mr_usage).
inline void AddToUsage(const mr_call_report& report, mr_usage* usage) {
  ++usage->calls;
  usage->wall_ms += report.wall_ms;
  usage->cpu_ms += report.cpu_ms;
  usage->host_ms += report.host_ms;
  usage->gc_ms += report.gc_ms;
  usage->host_calls += report.host_calls;
}

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_CALL_METER_H_
