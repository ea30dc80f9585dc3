#include "core/limits/guard_base.h"

#include "core/limits/context_bootstrap.h"

namespace mini_racer {
namespace {

const char kGuardBase[] = R"JS(
(function () {
  "use strict";
  const { apply, defineProperty } = Reflect;
  const nativeToString = Function.prototype.toString;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const endsWith = String.prototype.endsWith;
  // wrapper -> what toString shows for it: the original function, or the
  // text of a native function of its name when the original is itself not
  // native (a bootstrap's function wrapped again).
  const originals = new WeakMap();
  const nativeSuffix = "{ [native code] }";
  function looksNative(wrapper, original) {
    defineProperty(wrapper, "name", { value: original.name, configurable: true });
    defineProperty(wrapper, "length", { value: original.length, configurable: true });
    let shown = apply(weakGet, originals, [original]);
    if (shown === undefined) {
      const text = apply(nativeToString, original, []);
      shown = apply(endsWith, text, [nativeSuffix]) ? original : `function ${original.name}() ${nativeSuffix}`;
    }
    apply(weakSet, originals, [wrapper, shown]);
    return wrapper;
  }
  const toString = ({ toString() {
    const original = apply(weakGet, originals, [this]);
    if (typeof original === "string") return original;
    return apply(nativeToString, original === undefined ? this : original, []);
  } }).toString;
  looksNative(toString, nativeToString);
  defineProperty(Function.prototype, "toString", { value: toString, writable: true, configurable: true, enumerable: false });

  const hooks = [];
  function afterDeserializing(hook) {
    hooks[hooks.length] = hook;
  }
  function deserialized() {
    for (let i = 0; i < hooks.length; i++) hooks[i]();
  }
  // use(value) runs once, with the global's own `name` as V8 put it there,
  // as soon as it exists: now, or after deserializing (Node 26's Temporal).
  // Read before any sandbox code runs, so a setup cannot have replaced it.
  const global = globalThis;
  const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
  function withGlobal(name, use) {
    let used = false;
    function tryUse() {
      if (used) return;
      const found = getOwnPropertyDescriptor(global, name);
      const value = found === undefined ? undefined : found.value;
      if (value === null || (typeof value !== "object" && typeof value !== "function")) return;
      used = true;
      use(value);
    }
    tryUse();
    afterDeserializing(tryUse);
  }
  return Object.freeze({ __proto__: null, looksNative, afterDeserializing, withGlobal, deserialized });
})
)JS";

BootstrapScript guard_base_script(kGuardBase);

}  // namespace

v8::MaybeLocal<v8::Object> GuardBase::Install(v8::Isolate* isolate,
                                              v8::Local<v8::Context> context) {
  v8::Local<v8::Value> base;
  if (!RunContextBootstrap(isolate, context, guard_base_script, 0, nullptr,
                           &base) ||
      !base->IsObject()) {
    return {};
  }
  return base.As<v8::Object>();
}

bool GuardBase::RunDeserializedHooks(v8::Isolate* isolate,
                                     v8::Local<v8::Context> context,
                                     v8::Local<v8::Value> base) {
  v8::HandleScope handle_scope(isolate);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate);
  if (base.IsEmpty() || !base->IsObject()) return false;
  v8::Local<v8::Value> run;
  return base.As<v8::Object>()
             ->Get(context,
                   v8::String::NewFromUtf8Literal(isolate, "deserialized"))
             .ToLocal(&run) &&
         run->IsFunction() &&
         !run.As<v8::Function>()
              ->Call(context, base, 0, nullptr)
              .IsEmpty();
}

}  // namespace mini_racer
