// CallOwnedPromises: the builtins whose promises V8 settles from its own
// tasks, later (Atomics.waitAsync, WebAssembly.compile and instantiate),
// return instead a promise that belongs to the call that made it. It
// settles only while that call is running; once the call has ended it never
// settles, so none of its continuations can run inside a later call (the
// same rule as for timers: nothing of a call runs after it).
#ifndef MINI_RACER_CALL_OWNED_PROMISES_H_
#define MINI_RACER_CALL_OWNED_PROMISES_H_

#include <v8.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace mini_racer {

class CallOwnedPromises {
 public:
  explicit CallOwnedPromises(v8::Isolate* isolate) : isolate_(isolate) {}
  CallOwnedPromises(const CallOwnedPromises&) = delete;
  CallOwnedPromises& operator=(const CallOwnedPromises&) = delete;

  // Replaces the builtins on the context's globals. Isolate locked, context
  // entered, before any sandbox code runs.
  bool Install(v8::Local<v8::Context> context);

  // Promises made from now on belong to call `owner`.
  void set_owner(uint64_t owner) { owner_ = owner; }
  // Call `owner` has ended: its promises never settle.
  void DropOwner(uint64_t owner);

 private:
  struct Pending {
    uint64_t owner;
    v8::Global<v8::Promise::Resolver> resolver;
  };

  static void Wrapper(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void OnFulfilled(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void OnRejected(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void Settle(const v8::FunctionCallbackInfo<v8::Value>& info,
                     bool fulfilled);
  // `length`: the builtin's own (its `length` property).
  bool Wrap(v8::Local<v8::Context> context, v8::Local<v8::Object> holder,
            const char* name, int length);
  // A promise of the running call that settles as `promise` does.
  v8::MaybeLocal<v8::Promise> Own(v8::Local<v8::Context> context,
                                  v8::Local<v8::Promise> promise);

  v8::Isolate* isolate_;
  uint64_t owner_ = 0;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, Pending> pending_;
  // The builtins replaced, by index (the wrappers' data).
  std::vector<v8::Global<v8::Function>> originals_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CALL_OWNED_PROMISES_H_
