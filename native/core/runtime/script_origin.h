// The ScriptOrigin of a script or module by its resource name. V8 12 (Node
// 22+) dropped the isolate parameter of ScriptOrigin's constructor; this is
// the one place that knows.
#ifndef MINI_RACER_CORE_RUNTIME_SCRIPT_ORIGIN_H_
#define MINI_RACER_CORE_RUNTIME_SCRIPT_ORIGIN_H_

#include <v8.h>

namespace mini_racer {

enum class ScriptKind { kClassic, kModule };

inline v8::ScriptOrigin ScriptOriginOf(v8::Isolate* isolate,
                                       v8::Local<v8::Value> resource_name,
                                       ScriptKind kind = ScriptKind::kClassic) {
  const bool is_module = kind == ScriptKind::kModule;
#if V8_MAJOR_VERSION >= 12
  (void)isolate;
  return v8::ScriptOrigin(resource_name, 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false, is_module);
#else  // Node 20
  return v8::ScriptOrigin(isolate, resource_name, 0, 0, false, -1,
                          v8::Local<v8::Value>(), false, false, is_module);
#endif
}

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_RUNTIME_SCRIPT_ORIGIN_H_
