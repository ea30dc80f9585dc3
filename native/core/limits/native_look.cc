#include "core/limits/native_look.h"

#include "core/limits/context_bootstrap.h"

namespace mini_racer {
namespace {

const char kNativeLook[] = R"JS(
(function () {
  "use strict";
  const { apply, defineProperty } = Reflect;
  const nativeToString = Function.prototype.toString;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
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
      shown = text.endsWith(nativeSuffix) ? original : `function ${original.name}() ${nativeSuffix}`;
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
  return looksNative;
})
)JS";

BootstrapScript native_look_script(kNativeLook);

}  // namespace

v8::MaybeLocal<v8::Function> NativeLook::Install(
    v8::Isolate* isolate, v8::Local<v8::Context> context) {
  v8::Local<v8::Value> looks_native;
  if (!RunContextBootstrap(isolate, context, native_look_script, 0, nullptr,
                           &looks_native) ||
      !looks_native->IsFunction()) {
    return {};
  }
  return looks_native.As<v8::Function>();
}

}  // namespace mini_racer
