#include "core/gc_pause_clock.h"

#include <chrono>

namespace mini_racer {

GcPauseClock::GcPauseClock(v8::Isolate* isolate, CallMeter* const* meter_slot)
    : isolate_(isolate), meter_slot_(meter_slot) {
  isolate_->AddGCPrologueCallback(&GcPauseClock::BeforeGC, this);
  isolate_->AddGCEpilogueCallback(&GcPauseClock::AfterGC, this);
}

GcPauseClock::~GcPauseClock() {
  isolate_->RemoveGCEpilogueCallback(&GcPauseClock::AfterGC, this);
  isolate_->RemoveGCPrologueCallback(&GcPauseClock::BeforeGC, this);
}

void GcPauseClock::BeforeGC(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                            void* data) {
  auto* self = static_cast<GcPauseClock*>(data);
  if (self->depth_++ == 0) self->started_ = CallMeter::Clock::now();
}

void GcPauseClock::AfterGC(v8::Isolate*, v8::GCType, v8::GCCallbackFlags,
                           void* data) {
  auto* self = static_cast<GcPauseClock*>(data);
  if (self->depth_ == 0 || --self->depth_ != 0) return;
  CallMeter* meter = *self->meter_slot_;
  if (meter == nullptr) return;
  meter->gc_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                      CallMeter::Clock::now() - self->started_)
                      .count();
}

}  // namespace mini_racer
