#include "core/limits/builtin_guard.h"

#include "core/limits/context_bootstrap.h"

namespace mini_racer {
namespace {

// Runs once per context, before any sandbox code, after WasmMemoryGuard (so
// its Array.prototype.fill is the one wrapped here). Receives the memory cap.
const char kBootstrap[] = R"JS(
(function (maxBytes) {
  "use strict";
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
  const nativeToString = Function.prototype.toString;
  const bind = Function.prototype.bind;
  const callMethod = Function.prototype.call;
  const speciesSymbol = Symbol.species;
  const spreadableSymbol = Symbol.isConcatSpreadable;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
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

  // -------------------------------------------------- looking native
  // wrapper -> original: Function.prototype.toString shows the original.
  const originals = new WeakMap();
  function looksNative(wrapper, original) {
    defineProperty(wrapper, "name", { value: original.name, configurable: true });
    defineProperty(wrapper, "length", { value: original.length, configurable: true });
    apply(weakSet, originals, [wrapper, original]);
    return wrapper;
  }
  const toString = ({ toString() {
    const original = apply(weakGet, originals, [this]);
    return apply(nativeToString, original === undefined ? this : original, []);
  } }).toString;
  looksNative(toString, nativeToString);
  defineProperty(Function.prototype, "toString", { value: toString, writable: true, configurable: true, enumerable: false });

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
  function makeWrapper(name, original, limit, slow, ownLiteral = false) {
    const call = apply(bind, callMethod, [original]);
    if (ownLiteral) {
      const factory = NativeFunction("isArray", "isProxy", "apply", "original", "call", "limit", "slow",
        `"use strict"; return ({ ${name}(a, b) {${wrapperBody}} }).${name};`);
      return factory(isArray, isProxy, apply, original, call, limit, slow);
    }
    return ({ [name](a, b) {
      if (isArray(this) && !isProxy(this) && this.length <= limit) {
        switch (arguments.length) {
          case 0: return call(this);
          case 1: return call(this, a);
          case 2: return call(this, a, b);
          default: return apply(original, this, arguments);
        }
      }
      return slow(this, arguments);
    } })[name];
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

  // The spec's default order (SortCompare without a comparator): undefined
  // never reaches it; strings of the values compared by code units.
  function defaultCompare(x, y) {
    const a = `${x}`, b = `${y}`;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  function checkComparator(comparefn, name) {
    if (comparefn !== undefined && typeof comparefn !== "function") {
      throw new TypeErr(`The comparison function must be either a function or undefined`);
    }
  }
  function guardSort(name) {
    const original = ArrayProto[name];
    const sortSlow = function (receiver, args) {
      const comparefn = args[0];
      checkComparator(comparefn, name);
      if (receiver === null || receiver === undefined) return apply(original, receiver, args);
      const object = ObjectOf(receiver);
      const length = toLength(object.length);
      if (length > SORT_MAX) {
        throw new RangeErr(`Array.prototype.${name}: an array-like or sparse array of length ${length} is more than the sandbox sorts (${SORT_MAX})`);
      }
      const proxy = interruptible(object, length);
      const result = apply(original, proxy, [comparefn === undefined && length > DEFAULT_COMPARE_MIN ? defaultCompare : comparefn]);
      return result === proxy ? object : result;
    };
    const sort = ({ [name](comparefn) {
      if (isArray(this) && !isProxy(this)) {
        const length = this.length;
        if (length <= CHEAP) {
          if (comparefn === undefined) return apply(original, this, length > DEFAULT_COMPARE_MIN ? [defaultCompare] : []);
          return apply(original, this, [comparefn]);
        }
      }
      return sortSlow(this, [comparefn]);
    } })[name];
    replace(ArrayProto, name, sort);
  }

  // ArraySpeciesCreate(original, 0), as the spec writes it.
  function speciesCreate(object) {
    if (!isArray(object)) return new NativeArray(0);
    let C = object.constructor;
    if (C !== null && (typeof C === "object" || typeof C === "function")) {
      C = C[speciesSymbol];
      if (C === null) C = undefined;
    }
    if (C === undefined) return new NativeArray(0);
    try {
      construct(function () {}, [], C);
    } catch {
      throw new TypeErr("object.constructor[Symbol.species] is not a constructor");
    }
    return construct(C, [0]);
  }
  function createDataProperty(target, index, value) {
    if (!Reflect.defineProperty(target, index, { value, writable: true, enumerable: true, configurable: true })) {
      throw new TypeErr(`Cannot add property ${index}, object is not extensible`);
    }
  }
  function isConcatSpreadable(value) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
    const spreadable = value[spreadableSymbol];
    return spreadable !== undefined ? !!spreadable : isArray(value);
  }

  // concat in JavaScript for anything but small real arrays and primitives:
  // its loops check for interrupts, and nested spreadable values are its own.
  const nativeConcat = ArrayProto.concat;
  const concat = ({ concat(...items) {
    if (isArray(this) && !isProxy(this)) {
      let total = this.length;
      let plain = total <= CHEAP;
      for (let i = 0; plain && i < items.length; i++) {
        const item = items[i];
        if (item !== null && (typeof item === "object" || typeof item === "function")) {
          plain = isArray(item) && !isProxy(item) && (total += item.length) <= CHEAP;
        }
      }
      if (plain) return apply(nativeConcat, this, items);
    }
    if (this === null || this === undefined) return apply(nativeConcat, this, items);
    const object = ObjectOf(this);
    const result = speciesCreate(object);
    let n = 0;
    for (let i = -1; i < items.length; i++) {
      const item = i < 0 ? object : items[i];
      if (isConcatSpreadable(item)) {
        const length = toLength(item.length);
        if (n + length > MAX_SAFE) throw new TypeErr("Invalid array length");
        for (let k = 0; k < length; k++, n++) {
          if (k in item) createDataProperty(result, n, item[k]);
        }
      } else {
        if (n >= MAX_SAFE) throw new TypeErr("Invalid array length");
        createDataProperty(result, n++, item);
      }
    }
    if (!reflectSet(result, "length", n)) throw new TypeErr("Cannot assign to read only property 'length'");
    return result;
  } }).concat;
  replace(ArrayProto, "concat", concat);

  // flat and flatMap in JavaScript: they descend into nested arrays (and into
  // what the mapper returns), which no check on the receiver can bound.
  function flattenInto(target, source, sourceLength, start, depth, mapper, thisArg) {
    let targetIndex = start;
    for (let k = 0; k < sourceLength; k++) {
      if (!(k in source)) continue;
      let element = source[k];
      if (mapper !== undefined) element = apply(mapper, thisArg, [element, k, source]);
      if (depth > 0 && isArray(element)) {
        targetIndex = flattenInto(target, element, toLength(element.length), targetIndex, depth - 1);
      } else {
        if (targetIndex >= MAX_SAFE) throw new TypeErr("Invalid array length");
        createDataProperty(target, targetIndex++, element);
      }
    }
    return targetIndex;
  }
  const nativeFlat = ArrayProto.flat, nativeFlatMap = ArrayProto.flatMap;
  const flat = ({ flat(depth = undefined) {
    if (this === null || this === undefined) return apply(nativeFlat, this, []);
    const object = ObjectOf(this);
    const length = toLength(object.length);
    let depthNumber = 1;
    if (depth !== undefined) {
      depthNumber = +depth;
      depthNumber = depthNumber !== depthNumber ? 0 : Math.trunc(depthNumber);
      if (depthNumber < 0) depthNumber = 0;
    }
    const result = speciesCreate(object);
    flattenInto(result, object, length, 0, depthNumber);
    return result;
  } }).flat;
  const flatMap = ({ flatMap(mapper, thisArg = undefined) {
    if (this === null || this === undefined) return apply(nativeFlatMap, this, [mapper]);
    const object = ObjectOf(this);
    const length = toLength(object.length);
    if (typeof mapper !== "function") throw new TypeErr("flatMap mapper function is not callable");
    const result = speciesCreate(object);
    flattenInto(result, object, length, 0, 1, mapper, thisArg);
    return result;
  } }).flatMap;
  replace(ArrayProto, "flat", flat);
  replace(ArrayProto, "flatMap", flatMap);

  // indexOf, lastIndexOf and includes on a real array past their limit (a
  // dense one may hold a few million elements under a large cap): V8's
  // builtin on CHUNK-element slices, so the search runs at V8's speed and
  // stops at the deadline. Only when slicing cannot run sandbox code: the
  // array's prototype, constructor and species are the original ones.
  // (An element getter past the match may then run, as slice reads every
  // element of its chunk.)
  const nativeSlice = ArrayProto.slice;
  const getPrototypeOf = Reflect.getPrototypeOf;
  const speciesGetter = getOwnPropertyDescriptor(NativeArray, speciesSymbol).get;
  const SEARCH_CHUNK = 2 ** 16;
  function slicesPlainly(array) {
    if (getPrototypeOf(array) !== ArrayProto || getOwnPropertyDescriptor(array, "constructor") !== undefined) return false;
    const constructor = getOwnPropertyDescriptor(ArrayProto, "constructor");
    const species = getOwnPropertyDescriptor(NativeArray, speciesSymbol);
    return constructor !== undefined && constructor.value === NativeArray && species !== undefined && species.get === speciesGetter;
  }
  function toInteger(value) {
    const n = +value;
    return n !== n ? 0 : Math.trunc(n);
  }
  function chunkedSearch(name, original) {
    const proxied = viaProxy(original);
    const backwards = name === "lastIndexOf";
    return function (receiver, args) {
      if (!isArray(receiver) || isProxy(receiver) || !slicesPlainly(receiver)) return proxied(receiver, args);
      const length = receiver.length;
      const target = args[0];
      if (!backwards) {
        let from = toInteger(args[1]);
        if (from < 0) from = Math.max(length + from, 0);
        for (let start = from; start < length; start += SEARCH_CHUNK) {
          const part = apply(nativeSlice, receiver, [start, Math.min(start + SEARCH_CHUNK, length)]);
          const found = apply(original, part, [target]);
          if (name === "includes") { if (found) return true; } else if (found >= 0) return start + found;
        }
        return name === "includes" ? false : -1;
      }
      let from = args.length > 1 ? toInteger(args[1]) : length - 1;
      from = from < 0 ? length + from : Math.min(from, length - 1);
      for (let end = from + 1; end > 0; end -= SEARCH_CHUNK) {
        const start = Math.max(end - SEARCH_CHUNK, 0);
        const found = apply(original, apply(nativeSlice, receiver, [start, end]), [target]);
        if (found >= 0) return start + found;
      }
      return -1;
    };
  }
  for (const name of ["indexOf", "lastIndexOf", "includes"]) {
    const original = ArrayProto[name];
    replace(ArrayProto, name, makeWrapper(name, original, CHEAP, chunkedSearch(name, original)));
  }

  const arrayMethods = [
    ["reverse", CHEAP],
    ["shift", CHEAP], ["unshift", CHEAP], ["splice", CHEAP],
    ["join", COPY], ["slice", COPY], ["toReversed", COPY],
    ["copyWithin", HEAVY], ["toLocaleString", LOCALE], ["toSpliced", HEAVY], ["with", HEAVY],
  ];
  for (const [name, limit] of arrayMethods) {
    const original = ArrayProto[name];
    replace(ArrayProto, name, makeWrapper(name, original, limit, viaProxy(original)));
  }
  // fill: a sparse real array with an element costs V8 ~0.5 us per index,
  // so past HEAVY elements a real array is filled HEAVY indices at a time
  // (same order, same values: the bounds are numbers by then);
  // WasmMemoryGuard's fill, wrapped here, refuses fills larger than the cap.
  const originalFill = ArrayProto.fill;
  function relativeIndex(value, length, fallback) {
    if (value === undefined) return fallback;
    const n = toInteger(value);
    return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
  }
  replace(ArrayProto, "fill", makeWrapper("fill", originalFill, HEAVY, function (receiver, args) {
    if (!isArray(receiver) || isProxy(receiver)) return viaProxy(originalFill)(receiver, args);
    const length = receiver.length;
    const value = args[0];
    const start = relativeIndex(args[1], length, 0), end = relativeIndex(args[2], length, length);
    if (end - start > maxBytes / 8) return apply(originalFill, receiver, [value, start, end]);
    for (let from = start; from < end; from += HEAVY) apply(originalFill, receiver, [value, from, Math.min(from + HEAVY, end)]);
    return receiver;
  }));

  const callbackMethods = [
    ["forEach", CHEAP], ["filter", CHEAP], ["some", CHEAP], ["every", CHEAP], ["map", COPY],
  ];
  for (const [name, limit] of callbackMethods) {
    const original = ArrayProto[name];
    replace(ArrayProto, name, makeWrapper(name, original, limit, viaProxyWithCallback(original, false), true));
  }
  for (const name of ["reduce", "reduceRight"]) {
    const original = ArrayProto[name];
    replace(ArrayProto, name, makeWrapper(name, original, CHEAP, viaProxyWithCallback(original, true), true));
  }
  guardSort("sort");
  guardSort("toSorted");

  // -------------------------------------------------- argument lists
  // Function.prototype.apply, Reflect.apply and Reflect.construct copy an
  // array-like into an argument list in one uninterruptible loop (seconds
  // for { length: 1e8 }, before V8 finds the list too long). A real array
  // up to MAX_ARGUMENTS goes straight through; any other array-like is
  // copied here (its length read once, each element got once, as
  // CreateListFromArrayLike does), and a longer list is refused.
  const MAX_ARGUMENTS = 2 ** 16;
  function argumentList(value, name) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return value;
    if (isArray(value) && !isProxy(value) && value.length <= MAX_ARGUMENTS) return value;
    const length = toLength(value.length);
    if (length > MAX_ARGUMENTS) {
      throw new RangeErr(`${name}: ${length} arguments are more than the sandbox passes in one call (${MAX_ARGUMENTS})`);
    }
    const list = new NativeArray(length);
    for (let k = 0; k < length; k++) list[k] = value[k];
    return list;
  }
  const nativeApply = Function.prototype.apply;
  const functionApply = ({ apply(thisArg, argArray) {
    if (argArray === null || argArray === undefined) return apply(nativeApply, this, arguments.length > 0 ? [thisArg] : []);
    if (typeof this !== "function") return apply(nativeApply, this, [thisArg, argArray]);
    return apply(nativeApply, this, [thisArg, argumentList(argArray, "Function.prototype.apply")]);
  } }).apply;
  replace(Function.prototype, "apply", functionApply);
  const reflectApply = ({ apply(target, thisArgument, argumentsList) {
    if (typeof target !== "function") return apply(target, thisArgument, argumentsList);
    return apply(target, thisArgument, argumentList(argumentsList, "Reflect.apply"));
  } }).apply;
  replace(Reflect, "apply", reflectApply);
  const reflectConstruct = ({ construct(target, argumentsList, newTarget = target) {
    if (typeof target !== "function") return arguments.length > 2 ? construct(target, argumentsList, newTarget) : construct(target, argumentsList);
    return construct(target, argumentList(argumentsList, "Reflect.construct"), newTarget);
  } }).construct;
  replace(Reflect, "construct", reflectConstruct);

  // -------------------------------------------------- typed arrays
  // Their length is bounded by the memory cap, but at a 128 MB cap join,
  // toLocaleString and sort run for seconds without an interrupt check (and
  // sort with a comparator first boxes every element). Past CHUNK elements
  // they run chunk by chunk: V8's builtin on views of CHUNK elements of the
  // same buffer, joined or merged by JavaScript loops, which can be stopped.
  const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
  const getter = (key) => getOwnPropertyDescriptor(TypedArrayProto, key).get;
  const kindOf = getter(Symbol.toStringTag), lengthOf = getter("length");
  const bufferOf = getter("buffer"), byteOffsetOf = getter("byteOffset");
  // Every typed-array constructor this V8 has, found rather than listed: a
  // list missed Float16Array (V8 13+), whose methods then ran unguarded.
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const kinds = { __proto__: null };
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    const value = getOwnPropertyDescriptor(globalThis, name).value;
    if (typeof value === "function" && Object.getPrototypeOf(value) === TypedArray) kinds[name] = value;
  }
  const CHUNK = 2 ** 16;
  // The typed array's constructor, or undefined for anything else. Reads
  // internal slots only: sandbox code cannot make it lie.
  function typedKind(value) {
    const kind = apply(kindOf, value, []);
    return kind === undefined ? undefined : kinds[kind];
  }
  function view(Kind, array, start, count) {
    return new Kind(apply(bufferOf, array, []), apply(byteOffsetOf, array, []) + start * Kind.BYTES_PER_ELEMENT, count);
  }
  // join (its separator converted once, as V8 does) and toLocaleString
  // (V8 separates elements with ","), chunk by chunk.
  function chunkedText(original, isJoin, chunk) {
    return function (array, Kind, length, args) {
      const separator = isJoin ? (args[0] === undefined ? "," : `${args[0]}`) : ",";
      const partArgs = isJoin ? [separator] : args;
      let text = "";
      for (let start = 0; start < length; start += chunk) {
        const part = apply(original, view(Kind, array, start, Math.min(chunk, length - start)), partArgs);
        text = start === 0 ? part : text + separator + part;
      }
      return text;
    };
  }
  // Typed-array sort order without a comparator: numbers ascending, -0
  // before +0, NaN last.
  function typedBefore(a, b) {
    if (a < b) return true;
    if (a > b || a !== a) return false;
    if (b !== b) return true;
    return a === 0 && b === 0 && 1 / a < 0 && 1 / b > 0;
  }
  // Sorts CHUNK-sized runs with V8's builtin, then merges runs through a
  // scratch array of the same kind, alternating between the two.
  function chunkedSort(array, Kind, length, comparefn, originalSort) {
    for (let start = 0; start < length; start += CHUNK) {
      apply(originalSort, view(Kind, array, start, Math.min(CHUNK, length - start)), comparefn === undefined ? [] : [comparefn]);
    }
    const before = comparefn === undefined ? typedBefore : (a, b) => {
      const order = +comparefn(a, b);
      return order < 0;
    };
    let from = array, to = new Kind(length);
    for (let width = CHUNK; width < length; width *= 2) {
      for (let left = 0; left < length; left += 2 * width) {
        const middle = Math.min(left + width, length), right = Math.min(left + 2 * width, length);
        let i = left, j = middle, k = left;
        while (i < middle && j < right) to[k++] = before(from[j], from[i]) ? from[j++] : from[i++];
        while (i < middle) to[k++] = from[i++];
        while (j < right) to[k++] = from[j++];
      }
      const swap = from; from = to; to = swap;
    }
    if (from !== array) for (let k = 0; k < length; k++) array[k] = from[k];
    return array;
  }
  function guardTyped(name, chunked, chunk = CHUNK) {
    const original = TypedArrayProto[name];
    const wrapper = ({ [name](...args) {
      const Kind = typedKind(this);
      if (Kind !== undefined) {
        const length = apply(lengthOf, this, []);
        if (length > chunk) return chunked(this, Kind, length, args, original);
      }
      return apply(original, this, args);
    } })[name];
    replace(TypedArrayProto, name, wrapper);
  }
  guardTyped("join", chunkedText(TypedArrayProto.join, true, CHUNK));
  guardTyped("toLocaleString", chunkedText(TypedArrayProto.toLocaleString, false, LOCALE), LOCALE);
  const originalTypedSort = TypedArrayProto.sort;
  guardTyped("sort", (array, Kind, length, args, original) => {
    const comparefn = args[0];
    if (comparefn !== undefined && typeof comparefn !== "function") return apply(original, array, args);
    return chunkedSort(array, Kind, length, comparefn, original);
  });
  guardTyped("toSorted", (array, Kind, length, args, original) => {
    const comparefn = args[0];
    if (comparefn !== undefined && typeof comparefn !== "function") return apply(original, array, args);
    const copy = new Kind(length);
    for (let k = 0; k < length; k++) copy[k] = array[k];
    return chunkedSort(copy, Kind, length, comparefn, originalTypedSort);
  });
  guardTyped("reverse", (array, Kind, length) => {
    for (let lower = 0, upper = length - 1; lower < upper; lower++, upper--) {
      const value = array[lower];
      array[lower] = array[upper];
      array[upper] = value;
    }
    return array;
  });
  guardTyped("toReversed", (array, Kind, length) => {
    const copy = new Kind(length);
    for (let k = 0; k < length; k++) copy[k] = array[length - 1 - k];
    return copy;
  });
})
)JS";

}  // namespace

bool BuiltinGuard::Install(v8::Isolate* isolate,
                           v8::Local<v8::Context> context, size_t max_memory) {
  v8::HandleScope handle_scope(isolate);
  v8::Local<v8::Value> args[] = {
      v8::Number::New(isolate, static_cast<double>(max_memory))};
  return RunContextBootstrap(isolate, context, kBootstrap, 1, args);
}

}  // namespace mini_racer
