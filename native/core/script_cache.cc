#include "core/script_cache.h"

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
#if V8_MAJOR_VERSION >= 12
  v8::ScriptOrigin origin(origin_.Get(isolate_));
#else  // Node 20; V8 12 dropped the isolate parameter
  v8::ScriptOrigin origin(isolate_, origin_.Get(isolate_));
#endif
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

}  // namespace mini_racer
