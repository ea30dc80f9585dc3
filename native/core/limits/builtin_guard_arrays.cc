// BuiltinGuard's Array.prototype stage: sort and toSorted, concat, flat and
// flatMap in JavaScript, chunked searches and fill, and the wrappers of the
// methods that loop over a receiver's length.
#include "core/limits/builtin_guard_sources.h"

namespace mini_racer {

const char kBuiltinGuardArrays[] = R"JS(
(function (kit, maxBytes) {
  "use strict";
  const {
    apply, construct, getOwnPropertyDescriptor, reflectSet, NativeArray, ArrayProto, isArray,
    ObjectOf, TypeErr, RangeErr, speciesSymbol, spreadableSymbol, MAX_SAFE, CHEAP, COPY, HEAVY,
    LOCALE, DEFAULT_COMPARE_MIN, SORT_MAX, replace, isProxy, interruptible, toLength,
    makeWrapper, viaProxy, viaProxyWithCallback,
  } = kit;
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
  // (same order, same values: the bounds are numbers by then), and any
  // other receiver through the interruptible path. V8's fill also grows the
  // heap in C++ past the cap until it aborts the process: a fill whose
  // elements alone exceed the cap is refused. The length and bounds are read
  // once, so a getter or valueOf cannot say one thing here and another to V8.
  const originalFill = ArrayProto.fill;
  function relativeIndex(value, length, fallback) {
    if (value === undefined) return fallback;
    const n = toInteger(value);
    return n < 0 ? Math.max(length + n, 0) : Math.min(n, length);
  }
  replace(ArrayProto, "fill", makeWrapper("fill", originalFill, HEAVY, function (receiver, args) {
    if (receiver === null || receiver === undefined) return apply(originalFill, receiver, args);
    const target = ObjectOf(receiver);
    const length = toLength(target.length);
    const value = args[0];
    const start = relativeIndex(args[1], length, 0), end = relativeIndex(args[2], length, length);
    if ((end - start) * 8 > maxBytes) {
      throw new RangeErr(`Array.prototype.fill: ${end - start} elements do not fit the sandbox's memory cap`);
    }
    if (!isArray(target) || isProxy(target)) {
      apply(originalFill, interruptible(target, length), [value, start, end]);
      return target;
    }
    for (let from = start; from < end; from += HEAVY) apply(originalFill, target, [value, from, Math.min(from + HEAVY, end)]);
    return target;
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
})
)JS";

}  // namespace mini_racer
