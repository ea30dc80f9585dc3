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

#include "core/code_cache.h"

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
  // Compiles `source` as "<eval>" from `cache`'s bytes when it has some
  // (V8 checks them: cache->status says whether it took them), else from
  // source (status COMPILED). Not kept: such code is long.
  bool CompileWithCodeCache(v8::Local<v8::Context> context,
                            v8::Local<v8::String> source, CodeCacheRun* cache,
                            v8::Local<v8::Script>* script);
  // Makes a code cache of `script` into cache->made (empty if V8 could
  // not). After the script has run: its lazily compiled functions are in.
  static void MakeCodeCache(v8::Local<v8::Script> script, CodeCacheRun* cache);

 private:
  v8::Isolate* isolate_;
  v8::Global<v8::String> origin_;
  std::unordered_map<std::u16string, v8::Global<v8::UnboundScript>> scripts_;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_SCRIPT_CACHE_H_
