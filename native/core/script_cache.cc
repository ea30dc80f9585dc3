#include "core/script_cache.h"

#include <cstdint>
#include <memory>

#include "core/runtime/script_origin.h"

namespace mini_racer {
namespace {

// Scripts kept, and the longest source kept.
constexpr size_t kMaxScripts = 64;
constexpr size_t kMaxScriptUnits = 4096;

}  // namespace

ScriptCache::ScriptCache(v8::Isolate* isolate)
    : isolate_(isolate),
      origin_(isolate, v8::String::NewFromUtf8Literal(isolate, "<eval>")) {}

bool ScriptCache::Find(const uint16_t* code, size_t units,
                       v8::Local<v8::Script>* script) {
  if (units > kMaxScriptUnits || scripts_.empty()) return false;
  auto it = scripts_.find(
      std::u16string(reinterpret_cast<const char16_t*>(code), units));
  if (it == scripts_.end()) return false;
  *script = it->second.Get(isolate_)->BindToCurrentContext();
  return true;
}


bool ScriptCache::Compile(v8::Local<v8::Context> context, const uint16_t* code,
                          size_t units, v8::Local<v8::String> source,
                          v8::Local<v8::Script>* script) {
  v8::ScriptOrigin origin = ScriptOriginOf(isolate_, origin_.Get(isolate_));
  if (!v8::Script::Compile(context, source, &origin).ToLocal(script)) {
    return false;
  }
  if (units <= kMaxScriptUnits) {
    if (scripts_.size() >= kMaxScripts) scripts_.clear();
    scripts_.emplace(
        std::u16string(reinterpret_cast<const char16_t*>(code), units),
        v8::Global<v8::UnboundScript>(isolate_, (*script)->GetUnboundScript()));
  }
  return true;
}

bool ScriptCache::CompileWithCodeCache(v8::Local<v8::Context> context,
                                       v8::Local<v8::String> source,
                                       CodeCacheRun* cache,
                                       v8::Local<v8::Script>* script) {
  v8::ScriptOrigin origin = ScriptOriginOf(isolate_, origin_.Get(isolate_));
  if (cache->in == nullptr || cache->in_length == 0 ||
      cache->in_length > static_cast<size_t>(INT32_MAX)) {
    cache->status = MR_CODE_CACHE_COMPILED;
    return v8::Script::Compile(context, source, &origin).ToLocal(script);
  }
  // Source owns the CachedData, which borrows the bytes.
  v8::ScriptCompiler::Source with_cache(
      source, origin,
      new v8::ScriptCompiler::CachedData(cache->in,
                                         static_cast<int>(cache->in_length)));
  if (!v8::ScriptCompiler::Compile(context, &with_cache,
                                   v8::ScriptCompiler::kConsumeCodeCache)
           .ToLocal(script)) {
    return false;
  }
  cache->status = with_cache.GetCachedData()->rejected
                      ? MR_CODE_CACHE_REJECTED
                      : MR_CODE_CACHE_ACCEPTED;
  return true;
}

void ScriptCache::MakeCodeCache(v8::Local<v8::Script> script,
                                CodeCacheRun* cache) {
  std::unique_ptr<v8::ScriptCompiler::CachedData> made(
      v8::ScriptCompiler::CreateCodeCache(script->GetUnboundScript()));
  if (made == nullptr || made->length <= 0) return;
  cache->made.assign(made->data, made->data + made->length);
}

}  // namespace mini_racer
