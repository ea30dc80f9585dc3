// ContextAdditions: what V8 adds to each context it makes from a startup
// snapshot, and to none it serializes. A snapshotting isolate leaves out
// `WebAssembly`, `SharedArrayBuffer`, `Error.stackTraceLimit` and every
// feature behind a flag (Node 22: Iterator helpers, Set methods,
// Object.groupBy...; Node 24: Promise.try, Float16Array, Symbol.dispose on
// %IteratorPrototype%...), and V8 installs them when it deserializes a
// context, with checks that abort the process when the property is already
// there or its holder is frozen. A setup that polyfills one of them
// (`Promise.try = ...`) or freezes a builtin would so crash every sandbox
// made from its snapshot.
//
// The list differs by V8 version and flags, so it is measured, not written
// down: once per process, a probe snapshot of an empty context lists every
// builtin object's own keys (from the global, [[Prototype]] links and the
// intrinsics only syntax reaches), then a context made from it lists them
// again; the difference, by path, is the list. SetupSnapshot then resolves
// those holders before the setup runs and, after it, deletes what the setup
// defined there (the builtin V8 installs replaces a polyfill), or refuses
// the snapshot when it cannot (non-configurable, or a non-extensible
// holder).
#ifndef MINI_RACER_CONTEXT_ADDITIONS_H_
#define MINI_RACER_CONTEXT_ADDITIONS_H_

#include <v8.h>

#include <string>

namespace mini_racer {

class ContextAdditions {
 public:
  // The list as JSON ([[path, [keys]], ...]), measured on the first call
  // (~10-20 ms: two small isolates); empty when it could not be measured.
  // Any thread; needs the process initialized (IsolateHolder).
  static const std::string& Measured();

  // In `context`, before the setup runs (inside a HandleScope): a function
  // that, called after it, deletes the setup's definitions of the listed
  // properties and returns "" or what made it fail. Empty if the script
  // failed.
  static v8::MaybeLocal<v8::Function> MakeSealer(
      v8::Isolate* isolate, v8::Local<v8::Context> context,
      const std::string& additions);
};

}  // namespace mini_racer

#endif  // MINI_RACER_CONTEXT_ADDITIONS_H_
