// RunContextBootstrap: how the guards (WasmMemoryGuard, BuiltinGuard) change
// a fresh context before any sandbox code runs. `source` is a script that
// evaluates to a function; it is called with `argv`, the global as `this`.
// Whatever the function captures (pristine intrinsics, the native callbacks
// in `argv`) stays in its closure, out of the sandbox code's reach.
#ifndef MINI_RACER_CONTEXT_BOOTSTRAP_H_
#define MINI_RACER_CONTEXT_BOOTSTRAP_H_

#include <v8.h>

namespace mini_racer {

// Call inside a HandleScope. Returns false if the script did not compile,
// did not evaluate to a function, or the function threw; else the
// function's return value goes to *result, if given.
bool RunContextBootstrap(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         const char* source, int argc,
                         v8::Local<v8::Value>* argv,
                         v8::Local<v8::Value>* result = nullptr);

}  // namespace mini_racer

#endif  // MINI_RACER_CONTEXT_BOOTSTRAP_H_
