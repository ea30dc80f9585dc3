// The vocabulary of a slice: one stretch of JavaScript run with the
// isolate locked by the running thread (see SliceRunner in sandbox.h).
//  - Slice: what a slice's body works with, and the proof that it runs
//    inside one. Only the slice runner makes a Slice; code that needs the
//    isolate locked and entered takes a Slice&, so calling it from outside
//    a slice does not compile.
//  - Step: how a body ended.
//  - SliceBody: a body, passed without a copy or an allocation.
#ifndef MINI_RACER_CORE_SLICE_H_
#define MINI_RACER_CORE_SLICE_H_

#include <v8.h>

#include <type_traits>
#include <utility>

#include "capi/mini_racer.h"
#include "wire/value_codec.h"

namespace mini_racer {

class Sandbox;

class Slice {
 public:
  Slice(const Slice&) = delete;
  Slice& operator=(const Slice&) = delete;

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_; }

  // What the body produced (kValue), or the promise it waits for.
  v8::Local<v8::Value> result;
  // The kind a failure is reported as (the script's exception by default).
  mr_value_type failure = MR_ERROR_EXCEPTION;
  // How the result leaves the sandbox.
  ValueCodec::Mode mode = ValueCodec::Mode::kCopy;

  // The result mode asked for by a call's flags (MR_RESULT_HANDLES).
  void UseResultFlags(int flags) {
    if (flags & MR_RESULT_HANDLES) mode = ValueCodec::Mode::kHandles;
  }
  // Sets `failure` and throws a TypeError with `message`; returns false.
  bool Refuse(mr_value_type kind, const char* message);

 private:
  friend class Sandbox;
  Slice(v8::Isolate* isolate, v8::Local<v8::Context> context)
      : isolate_(isolate), context_(context) {}

  v8::Isolate* isolate_;
  v8::Local<v8::Context> context_;
};

// How a slice's body ended.
enum class Step { kFailed, kValue, kPending };

// A non-owning reference to a callable `Step(Slice&)`: the bodies are
// lambdas on the caller's stack, alive for the whole slice.
class SliceBody {
 public:
  template <typename F,
            typename = std::enable_if_t<
                !std::is_same_v<std::decay_t<F>, SliceBody>>>
  SliceBody(F&& body)  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&body))),
        call_([](void* object, Slice& slice) {
          return (*static_cast<std::remove_reference_t<F>*>(object))(slice);
        }) {}

  Step operator()(Slice& slice) const { return call_(object_, slice); }

 private:
  void* object_;
  Step (*call_)(void*, Slice&);
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_SLICE_H_
