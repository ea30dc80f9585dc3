// ScriptCache: the compiled scripts of recent evals, so that the same
// source skips V8's string creation and compilation-cache lookup. A host's
// hot loop is usually a handful of short snippets: the cache is small,
// keeps only short sources, and is dropped whole when full.
// Isolate thread only, inside a slice (it holds V8 handles).
#ifndef MINI_RACER_CORE_SCRIPT_CACHE_H_
#define MINI_RACER_CORE_SCRIPT_CACHE_H_

#include <v8.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace mini_racer {

class ScriptCache {
 public:
  // Needs the isolate entered, with a HandleScope.
  explicit ScriptCache(v8::Isolate* isolate);
  ScriptCache(const ScriptCache&) = delete;
  ScriptCache& operator=(const ScriptCache&) = delete;

  // The script compiled earlier for this exact source, bound to the
  // current context.
  bool Find(const uint16_t* code, size_t units, v8::Local<v8::Script>* script);
  // Compiles `source` (the string of `code`) as "<eval>" and keeps it when
  // short. False, with the SyntaxError pending, when it does not compile.
  bool Compile(v8::Local<v8::Context> context, const uint16_t* code,
               size_t units, v8::Local<v8::String> source,
               v8::Local<v8::Script>* script);

 private:
  v8::Isolate* isolate_;
  v8::Global<v8::String> origin_;
  std::unordered_map<std::u16string, v8::Global<v8::UnboundScript>> scripts_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_SCRIPT_CACHE_H_
