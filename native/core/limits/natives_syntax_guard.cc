#include "core/limits/natives_syntax_guard.h"

#include <string>

namespace mini_racer {

bool NativesSyntaxGuard::ProbeSafe(v8::Isolate* isolate,
                                   v8::Local<v8::Context> context) {
  // Read before the probe: a change racing with it makes the next call
  // probe again rather than trust a stale answer.
  uint32_t tag = v8::ScriptCompiler::CachedDataVersionTag();
  v8::TryCatch try_catch(isolate);
  // Compiled, never run. A source of its own each time: one that parsed
  // while the flag was on would stay in V8's compilation cache and parse
  // again after the flag is off.
  std::string source = "(function () { %IsBeingInterpreted(); }) //" +
                       std::to_string(++probes_);
  v8::Local<v8::String> code;
  if (!v8::String::NewFromUtf8(isolate, source.c_str()).ToLocal(&code)) {
    return false;
  }
  bool parsed = !v8::Script::Compile(context, code).IsEmpty();
  if (parsed) return false;
  safe_tag_ = tag;
  return true;
}

}  // namespace mini_racer
