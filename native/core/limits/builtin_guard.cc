#include "core/limits/builtin_guard.h"

#include "core/limits/builtin_guard_sources.h"
#include "core/limits/context_bootstrap.h"

namespace mini_racer {
namespace {
BootstrapScript kit_script(kBuiltinGuardKit);
BootstrapScript arrays_script(kBuiltinGuardArrays);
BootstrapScript calls_and_typed_script(kBuiltinGuardCallsAndTyped);
BootstrapScript lists_script(kBuiltinGuardLists);
BootstrapScript matches_script(kBuiltinGuardMatches);
}  // namespace

// Runs once per context, before any sandbox code (and before WasmMemoryGuard,
// which V8's snapshots make run last).
bool BuiltinGuard::Install(v8::Isolate* isolate,
                           v8::Local<v8::Context> context, size_t max_memory,
                           v8::Local<v8::Function> looks_native,
                           v8::Local<v8::Object>* kit) {
  v8::EscapableHandleScope handle_scope(isolate);
  v8::Local<v8::Value> max_bytes =
      v8::Number::New(isolate, static_cast<double>(max_memory));
  v8::Local<v8::Value> kit_args[] = {max_bytes, looks_native};
  v8::Local<v8::Value> made;
  if (!RunContextBootstrap(isolate, context, kit_script, 2, kit_args,
                           &made) ||
      !made->IsObject()) {
    return false;
  }
  v8::Local<v8::Value> args[] = {made, max_bytes};
  if (!RunContextBootstrap(isolate, context, arrays_script, 2, args) ||
      !RunContextBootstrap(isolate, context, calls_and_typed_script, 2,
                           args) ||
      !RunContextBootstrap(isolate, context, lists_script, 2, args) ||
      !RunContextBootstrap(isolate, context, matches_script, 2, args)) {
    return false;
  }
  *kit = handle_scope.Escape(made.As<v8::Object>());
  return true;
}

bool BuiltinGuard::GuardDeserialized(v8::Isolate* isolate,
                                     v8::Local<v8::Context> context,
                                     v8::Local<v8::Value> kit,
                                     v8::Local<v8::Function>* looks_native) {
  v8::EscapableHandleScope handle_scope(isolate);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate);
  if (kit.IsEmpty() || !kit->IsObject()) return false;
  v8::Local<v8::Object> object = kit.As<v8::Object>();
  v8::Local<v8::Value> hooks, found;
  if (!object->Get(context, v8::String::NewFromUtf8Literal(isolate, "deserialized"))
           .ToLocal(&hooks) ||
      !hooks->IsFunction() ||
      hooks.As<v8::Function>()->Call(context, object, 0, nullptr).IsEmpty() ||
      !object->Get(context, v8::String::NewFromUtf8Literal(isolate, "looksNative"))
           .ToLocal(&found) ||
      !found->IsFunction()) {
    return false;
  }
  *looks_native = handle_scope.Escape(found.As<v8::Function>());
  return true;
}

}  // namespace mini_racer
