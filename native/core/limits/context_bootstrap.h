// RunContextBootstrap: how the guards (WasmMemoryGuard, BuiltinGuard) change
// a fresh context before any sandbox code runs. The script evaluates to a
// function; it is called with `argv`, the global as `this`. Whatever the
// function captures (pristine intrinsics, the native callbacks in `argv`)
// stays in its closure, out of the sandbox code's reach.
//
// BootstrapScript: the scripts are the same for every sandbox, and parsing
// them was about a fifth of creating one. So the first sandbox of the
// process to run a script leaves V8's code cache of it (functions compiled
// while it ran included) in the script's BootstrapScript, and later
// sandboxes, on any thread, compile from that. The cache is set once and
// never changed (one-time setup, like V8's own); V8 checks it against its
// version and flags and compiles from source when it does not match.
#ifndef MINI_RACER_CONTEXT_BOOTSTRAP_H_
#define MINI_RACER_CONTEXT_BOOTSTRAP_H_

#include <v8.h>

#include <atomic>

namespace mini_racer {

class BootstrapScript {
 public:
  explicit constexpr BootstrapScript(const char* source) : source_(source) {}
  BootstrapScript(const BootstrapScript&) = delete;
  BootstrapScript& operator=(const BootstrapScript&) = delete;

  const char* source() const { return source_; }
  // A view of the code cache for ScriptCompiler::Source to own, or null
  // while there is none.
  v8::ScriptCompiler::CachedData* CacheView() const;
  // Keeps `cache` if there is none yet (else drops it).
  void Offer(v8::ScriptCompiler::CachedData* cache);

 private:
  const char* const source_;
  // Set once, by the first Offer; kept for the process's life.
  std::atomic<v8::ScriptCompiler::CachedData*> cache_{nullptr};
};

// Call inside a HandleScope. Returns false if the script did not compile,
// did not evaluate to a function, or the function threw; else the
// function's return value goes to *result, if given.
bool RunContextBootstrap(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         BootstrapScript& script, int argc,
                         v8::Local<v8::Value>* argv,
                         v8::Local<v8::Value>* result = nullptr);

}  // namespace mini_racer

#endif  // MINI_RACER_CONTEXT_BOOTSTRAP_H_
