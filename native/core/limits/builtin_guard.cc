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
                           v8::Local<v8::Object> base) {
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Value> max_bytes =
      v8::Number::New(isolate, static_cast<double>(max_memory));
  v8::Local<v8::Value> kit_args[] = {max_bytes, base};
  v8::Local<v8::Value> kit;
  if (!RunContextBootstrap(isolate, context, kit_script, 2, kit_args, &kit) ||
      !kit->IsObject()) {
    return false;
  }
  v8::Local<v8::Value> args[] = {kit, max_bytes};
  return RunContextBootstrap(isolate, context, arrays_script, 2, args) &&
         RunContextBootstrap(isolate, context, calls_and_typed_script, 2,
                             args) &&
         RunContextBootstrap(isolate, context, lists_script, 2, args) &&
         RunContextBootstrap(isolate, context, matches_script, 2, args);
}

}  // namespace mini_racer
