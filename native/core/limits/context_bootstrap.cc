#include "core/limits/context_bootstrap.h"

namespace mini_racer {

bool RunContextBootstrap(v8::Isolate* isolate, v8::Local<v8::Context> context,
                         const char* source, int argc,
                         v8::Local<v8::Value>* argv,
                         v8::Local<v8::Value>* result) {
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::String> text;
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> installer;
  if (!v8::String::NewFromUtf8(isolate, source).ToLocal(&text) ||
      !v8::Script::Compile(context, text).ToLocal(&script) ||
      !script->Run(context).ToLocal(&installer) || !installer->IsFunction()) {
    return false;
  }
  v8::Local<v8::Value> returned;
  if (!installer.As<v8::Function>()
           ->Call(context, context->Global(), argc, argv)
           .ToLocal(&returned)) {
    return false;
  }
  if (result != nullptr) *result = returned;
  return true;
}

}  // namespace mini_racer
