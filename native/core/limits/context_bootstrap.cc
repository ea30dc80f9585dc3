#include "core/limits/context_bootstrap.h"

#include <memory>

#include "core/limits/guard_state.h"

namespace mini_racer {

v8::ScriptCompiler::CachedData* BootstrapScript::CacheView() const {
  const v8::ScriptCompiler::CachedData* cache =
      cache_.load(std::memory_order_acquire);
  if (cache == nullptr) return nullptr;
  return new v8::ScriptCompiler::CachedData(
      cache->data, cache->length,
      v8::ScriptCompiler::CachedData::BufferNotOwned);
}

void BootstrapScript::Offer(v8::ScriptCompiler::CachedData* cache) {
  std::unique_ptr<v8::ScriptCompiler::CachedData> owned(cache);
  v8::ScriptCompiler::CachedData* none = nullptr;
  if (owned && cache_.compare_exchange_strong(none, owned.get(),
                                              std::memory_order_acq_rel)) {
    owned.release();  // NOLINT(bugprone-unused-return-value): kept in cache_
  }
}

bool RunContextBootstrap(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         BootstrapScript& bootstrap, int argc,
                         v8::Local<v8::Value>* argv,
                         v8::Local<v8::Value>* result) {
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::String> text;
  if (!v8::String::NewFromUtf8(isolate, bootstrap.source()).ToLocal(&text)) {
    return false;
  }
  v8::ScriptCompiler::CachedData* view = bootstrap.CacheView();
  v8::ScriptCompiler::Source source(text, view);  // owns the view
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> installer;
  if (!v8::ScriptCompiler::Compile(context, &source,
                                   view != nullptr
                                       ? v8::ScriptCompiler::kConsumeCodeCache
                                       : v8::ScriptCompiler::kNoCompileOptions)
           .ToLocal(&script) ||
      !script->Run(context).ToLocal(&installer) || !installer->IsFunction()) {
    return false;
  }
  v8::Local<v8::Value> returned;
  if (!installer.As<v8::Function>()
           ->Call(context, context->Global(), argc, argv)
           .ToLocal(&returned)) {
    return false;
  }
  // After the call, so that the functions it compiled are in the cache.
  if (view == nullptr && !GuardStateOf(isolate).serializing) {
    bootstrap.Offer(
        v8::ScriptCompiler::CreateCodeCache(script->GetUnboundScript()));
  }
  if (result != nullptr) *result = returned;
  return true;
}

}  // namespace mini_racer
