// BuiltinGuard's first stage: captures the pristine intrinsics, brands
// every Proxy, and builds the interruptible path and the wrapper makers;
// returns them as a frozen kit (with GuardBase's looksNative and
// afterDeserializing).
#include "core/limits/builtin_guard_sources.h"

namespace mini_racer {

const char kBuiltinGuardKit[] = R"JS(
(function (maxBytes, base) {
  "use strict";
  const { looksNative, afterDeserializing, withGlobal } = base;
  const { apply, construct, defineProperty, getOwnPropertyDescriptor, ownKeys } = Reflect;
  const reflectGet = Reflect.get, reflectSet = Reflect.set, reflectHas = Reflect.has;
  const reflectDelete = Reflect.deleteProperty;
  const NativeProxy = Proxy;
  const nativeRevocable = Proxy.revocable;
  const NativeArray = Array;
  const ArrayProto = Array.prototype;
  const isArray = Array.isArray;
  const ObjectOf = Object;
  const freeze = Object.freeze;
  const TypeErr = TypeError, RangeErr = RangeError;
  const bind = Function.prototype.bind;
  const callMethod = Function.prototype.call;
  const speciesSymbol = Symbol.species;
  const spreadableSymbol = Symbol.isConcatSpreadable;
  const MAX_SAFE = 2 ** 53 - 1;

  // Real arrays up to these lengths go to V8's builtin directly: even as a
  // dictionary-mode (sparse) array their uninterruptible loop then stays
  // within ~0.1 s on a 2-core machine (per element it costs ~5-50 ns for
  // searches and visits, ~100-300 ns for copies, ~0.5-1 us for the rest).
  const CHEAP = 2 ** 21, COPY = 2 ** 19, HEAVY = 2 ** 17;
  // toLocaleString formats each number with ICU: ~0.5 us on V8 11-13, but
  // ~23 us on V8 14 (Node 26), where 2^17 elements took 3 s without an
  // interrupt check. 2^10 elements stay within ~30 ms on every line.
  const LOCALE = 2 ** 10;
  // Above this many elements V8's default comparator (number to string
  // conversions, no interrupt checks) is replaced by an equivalent JS one.
  const DEFAULT_COMPARE_MIN = 2 ** 12;
  // V8 sorts an array-like through one work array of its whole length: past
  // this it aborts the process ("invalid array length") or never ends.
  const SORT_MAX = Math.max(2 ** 16, Math.min(2 ** 22, Math.floor(maxBytes / 32)));

  function replace(holder, key, wrapper) {
    const found = getOwnPropertyDescriptor(holder, key);
    looksNative(wrapper, found.value);
    defineProperty(holder, key, { value: wrapper, writable: found.writable, configurable: found.configurable, enumerable: found.enumerable });
  }

  // -------------------------------------------------- proxies carry a brand
  // A Proxy can answer `length` differently on each read and serve elements
  // without running any trap, so the hot path must know a real array from a
  // Proxy of one. Every proxy is made through these two functions and gets a
  // private brand, which `#brand in x` reads without running any trap.
  class Brand extends function (object) { return object; } {
    #brand;
    static is(object) { return #brand in object; }
  }
  const isProxy = Brand.is;
  function ProxyConstructor(target, handler) {
    if (new.target === undefined) throw new TypeErr("Constructor Proxy requires 'new'");
    const proxy = construct(NativeProxy, [target, handler]);
    new Brand(proxy);
    return proxy;
  }
  // A bound function is a constructor without a prototype property, as Proxy is.
  const BoundProxy = apply(bind, ProxyConstructor, [null]);
  const revocable = ({ revocable(target, handler) {
    const result = apply(nativeRevocable, NativeProxy, [target, handler]);
    new Brand(result.proxy);
    return result;
  } }).revocable;
  looksNative(revocable, nativeRevocable);
  defineProperty(BoundProxy, "revocable", { value: revocable, writable: true, configurable: true, enumerable: false });
  looksNative(BoundProxy, NativeProxy);
  defineProperty(globalThis, "Proxy", { value: BoundProxy, writable: true, configurable: true, enumerable: false });

  // -------------------------------------------------- the interruptible path
  // Every operation a builtin makes on this proxy runs a trap, that is
  // JavaScript, so the builtin stops at the deadline. The traps act on the
  // target with the target as receiver: getters and setters see the object
  // the sandbox code passed. `length` can be pinned to a value read once.
  const forwarding = freeze({
    __proto__: null,
    get(target, key) { return reflectGet(target, key); },
    set(target, key, value) { return reflectSet(target, key, value); },
    has(target, key) { return reflectHas(target, key); },
    deleteProperty(target, key) { return reflectDelete(target, key); },
    defineProperty(target, key, descriptor) { return Reflect.defineProperty(target, key, descriptor); },
    getOwnPropertyDescriptor(target, key) { return getOwnPropertyDescriptor(target, key); },
  });
  function interruptible(target, pinnedLength) {
    let handler = forwarding;
    if (pinnedLength !== undefined) {
      handler = freeze({
        __proto__: forwarding,
        get(object, key) { return key === "length" ? pinnedLength : reflectGet(object, key); },
      });
    }
    const proxy = construct(NativeProxy, [target, handler]);
    new Brand(proxy);
    return proxy;
  }

  function toLength(value) {
    let n = +value;
    if (n !== n || n <= 0) return 0;
    n = Math.trunc(n);
    return n > MAX_SAFE ? MAX_SAFE : n;
  }

  // -------------------------------------------------- wrappers
  // The wrapper of a method: V8's builtin directly for a small real array
  // (the argument count kept: lastIndexOf(x) and lastIndexOf(x, undefined)
  // differ), `slow` for everything else. Methods that call back get a
  // function literal of their own (compiled from its own source): with one
  // shared literal the call of the original is megamorphic and TurboFan no
  // longer inlines forEach/map/reduce and their callback (3-5x slower).
  const wrapperBody = `
      if (isArray(this) && !isProxy(this) && this.length <= limit) {
        switch (arguments.length) {
          case 0: return call(this);
          case 1: return call(this, a);
          case 2: return call(this, a, b);
          default: return apply(original, this, arguments);
        }
      }
      return slow(this, arguments);`;
  const NativeFunction = Function;
  const wrapperParams = ["isArray", "isProxy", "apply", "original", "call", "limit", "slow"];
  function wrapperFactory(name) {
    return apply(NativeFunction, undefined, [...wrapperParams,
      `"use strict"; return ({ ${name}(a, b) {${wrapperBody}} }).${name};`]);
  }
  // One literal for the methods without a callback (replace() names each).
  const sharedWrapper = wrapperFactory("wrapper");
  function makeWrapper(name, original, limit, slow, ownLiteral = false) {
    const call = apply(bind, callMethod, [original]);
    const factory = ownLiteral ? wrapperFactory(name) : sharedWrapper;
    return factory(isArray, isProxy, apply, original, call, limit, slow);
  }

  // The receiver a builtin would work on; null and undefined make the
  // original throw its own TypeError.
  function viaProxy(original) {
    return function (receiver, args) {
      if (receiver === null || receiver === undefined) return apply(original, receiver, args);
      const object = ObjectOf(receiver);
      const proxy = interruptible(object);
      const result = apply(original, proxy, args);
      return result === proxy ? object : result;
    };
  }
  // Methods whose callback receives the array as its last argument: it must
  // receive the object the sandbox code passed, not the proxy.
  function viaProxyWithCallback(original, reduce) {
    return function (receiver, args) {
      const callback = args[0];
      if (receiver === null || receiver === undefined || typeof callback !== "function") {
        return apply(original, receiver === null || receiver === undefined ? receiver : interruptible(ObjectOf(receiver)), args);
      }
      const object = ObjectOf(receiver);
      const proxy = interruptible(object);
      if (reduce) {
        const step = (accumulator, value, index) => apply(callback, undefined, [accumulator, value, index, object]);
        return apply(original, proxy, args.length > 1 ? [step, args[1]] : [step]);
      }
      const thisArg = args[1];
      return apply(original, proxy, [(value, index) => apply(callback, thisArg, [value, index, object])]);
    };
  }

  // What the other stages use, captured before any sandbox code runs.
  return freeze({
    __proto__: null,
    apply, construct, getOwnPropertyDescriptor, reflectSet, NativeArray, ArrayProto, isArray,
    ObjectOf, TypeErr, RangeErr, speciesSymbol, spreadableSymbol, MAX_SAFE, CHEAP, COPY, HEAVY,
    LOCALE, DEFAULT_COMPARE_MIN, SORT_MAX, replace, isProxy, interruptible, toLength,
    makeWrapper, viaProxy, viaProxyWithCallback, looksNative, afterDeserializing, withGlobal,
  });
})
)JS";

}  // namespace mini_racer
