// NativeLook: the functions the guards put in place of builtins (wrappers
// of Intl constructors, ArrayBuffer, WebAssembly.Memory, Array.prototype
// methods...) show what a builtin shows: Function.prototype.toString gives
// "function name() { [native code] }", and name and length are the
// original's. Sandbox code cannot tell a guarded builtin from V8's by its
// text, nor read the guard's source.
//
// One bootstrap, run first in every context, replaces
// Function.prototype.toString and returns looksNative(wrapper, original),
// which every later bootstrap (ChargedObjects, BuiltinGuard,
// WasmMemoryGuard) calls on each function it installs. A wrapper of a
// wrapper shows the first one's original.
#ifndef MINI_RACER_NATIVE_LOOK_H_
#define MINI_RACER_NATIVE_LOOK_H_

#include <v8.h>

namespace mini_racer {

class NativeLook {
 public:
  // Before any other bootstrap, inside a HandleScope: the context's
  // looksNative function, or empty if the bootstrap failed.
  static v8::MaybeLocal<v8::Function> Install(v8::Isolate* isolate,
                                              v8::Local<v8::Context> context);
};

}  // namespace mini_racer

#endif  // MINI_RACER_NATIVE_LOOK_H_
