// GuardBase: what every guard bootstrap of a context shares, made by the
// first one to run.
//  - looksNative(wrapper, original): the functions the guards put in place
//    of builtins (wrappers of Intl constructors, ArrayBuffer,
//    WebAssembly.Memory, Array.prototype methods...) show what a builtin
//    shows: Function.prototype.toString gives "function name() { [native
//    code] }", and name and length are the original's. Sandbox code cannot
//    tell a guarded builtin from V8's by its text, nor read a guard's source.
//    A wrapper of a wrapper shows the first one's original.
//  - afterDeserializing(hook): V8 installs the features behind flags
//    (Node 26's Temporal) only in contexts it makes from a startup
//    snapshot, never in the context it serializes, so a guard that covers
//    one registers a hook, which runs in each context made from a snapshot
//    (RunDeserializedHooks), before any sandbox code.
//  - withGlobal(name, use): use(value) once, with the global V8 put there,
//    now or after deserializing (Temporal's guard and charges go through it).
// The base is a frozen object; a snapshot keeps it (SnapshotCreator::
// AddData) for the contexts made from it.
#ifndef MINI_RACER_GUARD_BASE_H_
#define MINI_RACER_GUARD_BASE_H_

#include <v8.h>

namespace mini_racer {

class GuardBase {
 public:
  // Before any other bootstrap, inside a HandleScope: replaces
  // Function.prototype.toString and returns the context's base, or empty if
  // the bootstrap failed.
  static v8::MaybeLocal<v8::Object> Install(v8::Isolate* isolate,
                                            v8::Local<v8::Context> context);

  // In a context made from a snapshot, with the base the snapshot kept:
  // runs the hooks. False if `base` is not one or a hook threw.
  static bool RunDeserializedHooks(v8::Isolate* isolate,
                                   v8::Local<v8::Context> context,
                                   v8::Local<v8::Value> base);
};

}  // namespace mini_racer

#endif  // MINI_RACER_GUARD_BASE_H_
