// NativesSyntaxGuard: keeps V8's internal `%` functions away from sandboxed
// code. V8's flags are the process's: a host that turns on
// --allow-natives-syntax (at startup, or later with v8.setFlagsFromString)
// would let every sandbox parse `%DebugPrint(x)` and the like, which are not
// safe against hostile arguments. The flag cannot be read through V8's API,
// but any flag change changes ScriptCompiler::CachedDataVersionTag() (it
// hashes the flags), which costs a few nanoseconds to read: each call reads
// it, and only a changed tag pays for a probe compilation.
#ifndef MINI_RACER_NATIVES_SYNTAX_GUARD_H_
#define MINI_RACER_NATIVES_SYNTAX_GUARD_H_

#include <v8.h>

#include <cstdint>

namespace mini_racer {

class NativesSyntaxGuard {
 public:
  static constexpr const char kRefusal[] =
      "mini-racer refuses to run sandboxes in a process started with "
      "--allow-natives-syntax: sandboxed code could call V8's internal "
      "functions";

  // Whether V8's flags are as they were at the last probe that found them
  // safe. Any thread.
  bool Unchanged() const {
    return v8::ScriptCompiler::CachedDataVersionTag() == safe_tag_;
  }
  // Isolate locked, `context` entered: whether `%` syntax is refused; if so,
  // remembers the flags as safe.
  bool ProbeSafe(v8::Isolate* isolate, v8::Local<v8::Context> context);
  // Unchanged() or, failing that, ProbeSafe().
  bool Safe(v8::Isolate* isolate, v8::Local<v8::Context> context) {
    return Unchanged() || ProbeSafe(isolate, context);
  }

 private:
  // 0 is never the tag of safe flags until a probe has run (a tag of 0 only
  // costs one more probe).
  uint32_t safe_tag_ = 0;
  uint64_t probes_ = 0;
};

}  // namespace mini_racer

#endif  // MINI_RACER_NATIVES_SYNTAX_GUARD_H_
