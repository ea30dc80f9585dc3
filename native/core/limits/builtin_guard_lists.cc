// BuiltinGuard's stage for builtins that walk a list or an object's keys in
// one loop: Array.from and %TypedArray%.from, JSON.stringify's replacer
// array, the locale lists of Intl and of every toLocale*String /
// localeCompare, and the own keys of a long string (Object.keys, assign,
// entries, ...).
#include "core/limits/builtin_guard_sources.h"

namespace mini_racer {

const char kBuiltinGuardLists[] = R"JS(
(function (kit) {
  "use strict";
  const {
    apply, construct, getOwnPropertyDescriptor, NativeArray, ArrayProto, isArray, ObjectOf, CHEAP, replace,
    isProxy, interruptible, toLength, withGlobal,
  } = kit;
  const defineProperty = Reflect.defineProperty, ownKeys = Reflect.ownKeys;

  // -------------------------------------------------- Array.from
  // Array.from of an array-like ({ length: 2**32 - 1 }), a sparse array or a
  // long string copies it in one loop without interrupt checks, as does
  // %TypedArray%.from ({ length: 1e7 }: seconds). With a mapping function V8
  // calls JavaScript for every element, which can be stopped: anything but
  // a small real array or string gets one that returns its argument (nothing
  // observable: it never throws, and its this is unused). The argument count
  // is kept: V8's fast path takes one argument only.
  const sameValue = (value) => value;
  function guardFrom(holder) {
    const nativeFrom = holder.from;
    const callFrom = apply(Function.prototype.bind, Function.prototype.call, [nativeFrom]);
    replace(holder, "from", ({ from(items, mapfn, thisArg) {
      if (mapfn !== undefined || items === null || items === undefined ||
          (typeof items === "string" ? items.length <= CHEAP
            : typeof items !== "object" && typeof items !== "function" || isArray(items) && !isProxy(items) && items.length <= CHEAP)) {
        return arguments.length === 1 ? callFrom(this, items) : apply(nativeFrom, this, arguments);
      }
      return callFrom(this, items, sameValue);
    } }).from);
  }
  guardFrom(NativeArray);
  guardFrom(Object.getPrototypeOf(Uint8Array));

  // -------------------------------------------------- JSON.stringify
  // A replacer array is read index by index up to its length in one loop:
  // a sparse one of length 2**32 - 1 never ended. Past REPLACER_KEYS (or a
  // Proxy, whose reads may run no trap) it is read through the
  // interruptible path, its length read once as the builtin reads it.
  const REPLACER_KEYS = 2 ** 16;
  const JSONObject = JSON;
  const nativeStringify = JSONObject.stringify;
  const stringify = ({ stringify(value, replacer, space) {
    if (replacer === null || typeof replacer !== "object" || !isArray(replacer) ||
        (!isProxy(replacer) && replacer.length <= REPLACER_KEYS)) {
      return apply(nativeStringify, JSONObject, arguments);
    }
    const list = interruptible(replacer, toLength(replacer.length));
    return arguments.length > 2 ? apply(nativeStringify, JSONObject, [value, list, space]) : apply(nativeStringify, JSONObject, [value, list]);
  } }).stringify;
  replace(JSONObject, "stringify", stringify);

  // -------------------------------------------------- locale lists
  // CanonicalizeLocaleList reads a list's indices up to its length in C++:
  // Intl.getCanonicalLocales({ length: 2**32 - 1 }) never ended, and a
  // million real locales took seconds. A list that is not a small real
  // array is read through the interruptible path (length read once); a
  // string or an Intl.Locale is one locale and goes through as it is.
  const LOCALE_LIST = 2 ** 10;
  const I = Intl;
  const localeBaseName = getOwnPropertyDescriptor(I.Locale.prototype, "baseName").get;
  function isLocale(value) {
    try {
      apply(localeBaseName, value, []);
      return true;
    } catch {
      return false;
    }
  }
  function guardedLocales(locales) {
    if (locales === null || (typeof locales !== "object" && typeof locales !== "function")) return locales;
    if (isArray(locales) && !isProxy(locales) && locales.length <= LOCALE_LIST) return locales;
    if (isLocale(locales)) return locales;
    return interruptible(locales, toLength(locales.length));
  }
  function withGuardedLocales(args, at) {
    if (args.length <= at) return args;
    const list = [];
    for (let i = 0; i < args.length; i++) list[i] = i === at ? guardedLocales(args[i]) : args[i];
    return list;
  }
  // A method whose argument `at` is a locale list.
  function guardLocaleMethod(holder, key, at) {
    const found = getOwnPropertyDescriptor(holder, key);
    if (found === undefined || typeof found.value !== "function") return;
    const original = found.value;
    const wrapper = ({ [key](...args) {
      const list = args.length > at ? args[at] : undefined;
      if (list === null || (typeof list !== "object" && typeof list !== "function") ||
          (isArray(list) && !isProxy(list) && list.length <= LOCALE_LIST)) {
        return apply(original, this, args);
      }
      return apply(original, this, withGuardedLocales(args, at));
    } })[key];
    replace(holder, key, wrapper);
  }
  guardLocaleMethod(I, "getCanonicalLocales", 0);
  // Every Intl constructor that takes locales (all but Locale, whose first
  // argument is one tag): the constructor and its supportedLocalesOf.
  for (const name of ownKeys(I)) {
    const found = getOwnPropertyDescriptor(I, name);
    const Current = found.value;
    if (typeof name !== "string" || name === "Locale" || typeof Current !== "function" || typeof Current.prototype !== "object") continue;
    guardLocaleMethod(Current, "supportedLocalesOf", 0);
    // Callable without new where the constructor is (legacy formatters).
    const Wrapped = function (...args) {
      const list = withGuardedLocales(args, 0);
      return new.target === undefined ? apply(Current, this, list) : construct(Current, list, new.target);
    };
    for (const key of ownKeys(Current)) {
      if (key !== "prototype") defineProperty(Wrapped, key, getOwnPropertyDescriptor(Current, key));
    }
    defineProperty(Wrapped, "prototype", { value: Current.prototype, writable: false, enumerable: false, configurable: false });
    defineProperty(Current.prototype, "constructor", { value: Wrapped, writable: true, configurable: true, enumerable: false });
    replace(I, name, Wrapped);
  }
  // The toLocale*String methods of the prototypes that have their own
  // (Number, BigInt, Date, Array, typed arrays, Temporal's where it exists),
  // and String's toLocale*Case and localeCompare. (A fixed list: walking
  // every global cost each sandbox ~0.4 ms; test/limits/builtins.test.ts
  // walks them to find any this list misses.)
  const localeMethods = ["toLocaleString", "toLocaleDateString", "toLocaleTimeString", "toLocaleUpperCase", "toLocaleLowerCase"];
  const prototypes = [Number.prototype, BigInt.prototype, Date.prototype, ArrayProto, Object.getPrototypeOf(Uint8Array.prototype), String.prototype];
  for (const proto of prototypes) {
    for (const key of localeMethods) guardLocaleMethod(proto, key, 0);
  }
  // Temporal's, where it exists (behind a flag on Node 26: installed only in
  // contexts made from a snapshot, after a setup's code: index loops).
  withGlobal("Temporal", (T) => {
    const names = ownKeys(T);
    for (let i = 0; i < names.length; i++) {
      const value = getOwnPropertyDescriptor(T, names[i]).value;
      if (typeof value !== "function" || value.prototype === null || typeof value.prototype !== "object") continue;
      for (let k = 0; k < localeMethods.length; k++) guardLocaleMethod(value.prototype, localeMethods[k], 0);
    }
  });
  guardLocaleMethod(String.prototype, "localeCompare", 1);

  // -------------------------------------------------- keys of long strings
  // Object.keys and its kin make a key of every index of a string in one
  // uninterruptible loop (~0.6 us a key: 0.7 s for a 1 M-character string,
  // seconds before V8's own "Too many properties" for longer ones). Past
  // STRING_KEYS characters a string primitive's keys, values and entries are
  // made here, in loops that can be stopped. (A String object, a typed
  // array, for-in and object spread still go to V8; see the README.)
  const STRING_KEYS = 2 ** 15;
  const isLongString = (value) => typeof value === "string" && value.length > STRING_KEYS;
  function stringMethod(name, long) {
    const original = Object[name];
    const wrapper = ({ [name](value) {
      return isLongString(value) ? long(value) : apply(original, Object, arguments);
    } })[name];
    replace(Object, name, wrapper);
  }
  function indexKeys(text) {
    const keys = [];
    for (let i = 0; i < text.length; i++) keys[i] = `${i}`;
    return keys;
  }
  stringMethod("keys", indexKeys);
  stringMethod("getOwnPropertyNames", (text) => {
    const keys = indexKeys(text);
    keys[keys.length] = "length";
    return keys;
  });
  stringMethod("values", (text) => {
    const values = [];
    for (let i = 0; i < text.length; i++) values[i] = text[i];
    return values;
  });
  stringMethod("entries", (text) => {
    const entries = [];
    for (let i = 0; i < text.length; i++) entries[i] = [`${i}`, text[i]];
    return entries;
  });
  stringMethod("getOwnPropertyDescriptors", (text) => {
    const descriptors = {};
    for (let i = 0; i < text.length; i++) descriptors[i] = { value: text[i], writable: false, enumerable: true, configurable: false };
    descriptors.length = { value: text.length, writable: false, enumerable: false, configurable: false };
    return descriptors;
  });
  // Object.assign: the sources that are long strings are copied here, index
  // by index as [[Set]]s (a failed one throws), in their turn among the others.
  const nativeAssign = Object.assign;
  const assign = ({ assign(target, source) {
    let long = isLongString(source);
    for (let i = 2; !long && i < arguments.length; i++) long = isLongString(arguments[i]);
    if (!long) return apply(nativeAssign, Object, arguments);
    const to = ObjectOf(target === null || target === undefined ? apply(nativeAssign, Object, [target]) : target);
    for (let i = 1; i < arguments.length; i++) {
      const next = arguments[i];
      if (!isLongString(next)) {
        apply(nativeAssign, Object, [to, next]);
        continue;
      }
      for (let k = 0; k < next.length; k++) to[k] = next[k];
    }
    return to;
  } }).assign;
  replace(Object, "assign", assign);
  // defineProperties and create fail at a string's first index (a character
  // is no property descriptor) after listing all of its keys: V8 throws its
  // own error on the first character alone.
  const nativeStringSlice = String.prototype.slice;
  for (const name of ["defineProperties", "create"]) {
    const original = Object[name];
    replace(Object, name, ({ [name](object, properties) {
      if (!isLongString(properties)) return apply(original, Object, arguments);
      return apply(original, Object, [object, apply(nativeStringSlice, properties, [0, 1])]);
    } })[name]);
  }
})
)JS";

}  // namespace mini_racer
