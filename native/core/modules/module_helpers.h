// Small helpers of the module loader's two files (module_loader.cc, the
// loading; module_hooks.cc, V8's hooks): text in and out of V8, import
// attributes, and the state the loader's JavaScript callbacks carry. The
// V8-version differences of the module API are kept here.
#ifndef MINI_RACER_CORE_MODULES_MODULE_HELPERS_H_
#define MINI_RACER_CORE_MODULES_MODULE_HELPERS_H_

#include <v8.h>

#include <cstdint>
#include <string>

namespace mini_racer {

inline std::string Utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text != nullptr ? std::string(*text, text.length()) : std::string();
}

inline v8::Local<v8::String> V8String(v8::Isolate* isolate,
                                      const std::string& text) {
  return v8::String::NewFromUtf8(isolate, text.data(),
                                 v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .ToLocalChecked();
}

// An element of a FixedArray (V8 14 dropped the context parameter).
inline v8::Local<v8::Data> ElementOf(v8::Local<v8::Context> context,
                                     v8::Local<v8::FixedArray> array,
                                     int index) {
#if V8_MAJOR_VERSION >= 14
  return array->Get(index);
#else
  return array->Get(context, index);
#endif
}

// Whether a request's import attributes ([key, value, location, ...] on
// every supported V8) ask for a JSON module.
inline bool WantsJson(v8::Isolate* isolate, v8::Local<v8::Context> context,
                      v8::Local<v8::FixedArray> attributes, int stride) {
  if (attributes.IsEmpty()) return false;
  for (int i = 0; i + 1 < attributes->Length(); i += stride) {
    v8::Local<v8::Data> key = ElementOf(context, attributes, i);
    v8::Local<v8::Data> value = ElementOf(context, attributes, i + 1);
    if (!key->IsValue() || !value->IsValue()) continue;
    if (Utf8(isolate, key.As<v8::Value>()) == "type" &&
        Utf8(isolate, value.As<v8::Value>()) == "json") {
      return true;
    }
  }
  return false;
}

inline v8::Local<v8::FixedArray> AttributesOf(
    v8::Local<v8::ModuleRequest> request) {
#if V8_MAJOR_VERSION >= 12
  return request->GetImportAttributes();
#else  // Node 20: import assertions
  return request->GetImportAssertions();
#endif
}

// What the callbacks of the functions a load makes find: their isolate,
// context and the array their state was made into (Function::New's data).
struct CallbackData {
  explicit CallbackData(const v8::FunctionCallbackInfo<v8::Value>& info)
      : isolate(info.GetIsolate()),
        context(isolate->GetCurrentContext()),
        data(info.Data().As<v8::Array>()) {}
  // Undefined if it cannot be read (execution is terminating).
  v8::Local<v8::Value> item(uint32_t i) const {
    return data->Get(context, i).FromMaybe(
        v8::Undefined(isolate).As<v8::Value>());
  }
  // The callbacks' state is what they made: only termination can spoil it.
  bool usable(uint32_t number, uint32_t string) const {
    return !isolate->IsExecutionTerminating() && item(number)->IsNumber() &&
           item(string)->IsString();
  }
  v8::Isolate* isolate;
  v8::Local<v8::Context> context;
  v8::Local<v8::Array> data;
};

}  // namespace mini_racer

#endif  // MINI_RACER_CORE_MODULES_MODULE_HELPERS_H_
