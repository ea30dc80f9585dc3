// GcPauseClock: adds the time the isolate's thread spends in V8's
// garbage-collection pauses to the running call's meter (mr_call_report's
// gc_ms). Why: a pause is atomic, so a call that grows a large heap can end
// past its deadline by one (tens of milliseconds at hundreds of MB); the
// report says how much of a call's time that was. Pauses outside a call
// (LowMemoryNotification between calls) count nowhere.
//
// Threading: V8 calls the prologue and epilogue on the thread that holds
// the isolate, the one running the call whose meter the slot points to.
#ifndef MINI_RACER_CORE_GC_PAUSE_CLOCK_H_
#define MINI_RACER_CORE_GC_PAUSE_CLOCK_H_

#include <v8.h>

#include "core/call_meter.h"

namespace mini_racer {

class GcPauseClock {
 public:
  // `meter_slot` holds the running call's meter (nullptr between calls)
  // and outlives this clock. Made and freed with the isolate locked.
  GcPauseClock(v8::Isolate* isolate, CallMeter* const* meter_slot);
  ~GcPauseClock();

  GcPauseClock(const GcPauseClock&) = delete;
  GcPauseClock& operator=(const GcPauseClock&) = delete;

 private:
  static void BeforeGC(v8::Isolate* isolate, v8::GCType type,
                       v8::GCCallbackFlags flags, void* data);
  static void AfterGC(v8::Isolate* isolate, v8::GCType type,
                      v8::GCCallbackFlags flags, void* data);

  v8::Isolate* const isolate_;
  CallMeter* const* const meter_slot_;
  // Pauses can nest (a scavenge V8 runs inside a full collection): only
  // the outermost one is timed.
  int depth_ = 0;
  CallMeter::Clock::time_point started_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_GC_PAUSE_CLOCK_H_
