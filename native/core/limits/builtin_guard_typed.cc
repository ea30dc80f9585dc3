// BuiltinGuard's last stage: argument lists (Function.prototype.apply,
// Reflect.apply, Reflect.construct), typed-array methods in chunks, and
// String.prototype.lastIndexOf on long inputs in windows.
#include "core/limits/builtin_guard_sources.h"

namespace mini_racer {

const char kBuiltinGuardCallsAndTyped[] = R"JS(
(function (kit) {
  "use strict";
  const {
    apply, construct, getOwnPropertyDescriptor, NativeArray, isArray, RangeErr, LOCALE, replace,
    isProxy, toLength, afterDeserializing,
  } = kit;
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
  // list missed Float16Array (V8 13+), whose methods then ran unguarded. On
  // Node 24 Float16Array is behind a flag, so V8 installs it only in the
  // contexts it makes from a snapshot: looked for again there.
  const TypedArray = Object.getPrototypeOf(Uint8Array);
  const global = globalThis;
  const ownNames = Object.getOwnPropertyNames, protoOf = Object.getPrototypeOf;
  const kinds = { __proto__: null };
  function findKinds() {
    const names = ownNames(global);
    for (let i = 0; i < names.length; i++) {
      const value = getOwnPropertyDescriptor(global, names[i]).value;
      if (typeof value === "function" && protoOf(value) === TypedArray && kinds[names[i]] === undefined) kinds[names[i]] = value;
    }
  }
  findKinds();
  afterDeserializing(findKinds);
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

  // -------------------------------------------------- strings
  // String.prototype.lastIndexOf compares the pattern forward at each
  // position, with no interrupt check: length x pattern length steps, hours
  // for a 1 M-character pattern ending in a mismatch in a 32 M-character
  // string, and no time limit or close() could stop it. Past STRING_WORK
  // steps the search runs here: V8 finds the pattern's last TAIL characters
  // in windows of WINDOW characters (at most WINDOW x TAIL steps each), and
  // startsWith checks each candidate (one pattern's length); the loop
  // between them can be stopped. (indexOf, includes, split, replaceAll and
  // search use V8's linear-time search and need no guard.)
  const StringProto = String.prototype;
  const nativeLastIndexOf = StringProto.lastIndexOf;
  const nativeStartsWith = StringProto.startsWith;
  const nativeSlice = StringProto.slice;
  const STRING_WORK = 2 ** 25, WINDOW = 2 ** 20, TAIL = 32;
  function windowedLastIndexOf(text, pattern, last) {
    const tailOffset = pattern.length > TAIL ? pattern.length - TAIL : 0;
    const tail = tailOffset > 0 ? apply(nativeSlice, pattern, [tailOffset]) : pattern;
    // The tail of a match at `candidate` starts at candidate + tailOffset.
    for (let hi = last + tailOffset; hi >= tailOffset; ) {
      const lo = hi - WINDOW + 1 > tailOffset ? hi - WINDOW + 1 : tailOffset;
      const window = apply(nativeSlice, text, [lo, hi + tail.length]);
      for (let at = apply(nativeLastIndexOf, window, [tail]); at >= 0; ) {
        const candidate = lo + at - tailOffset;
        if (tailOffset === 0 || apply(nativeStartsWith, text, [pattern, candidate])) return candidate;
        if (at === 0) break;
        at = apply(nativeLastIndexOf, window, [tail, at - 1]);
      }
      hi = lo - 1;
    }
    return -1;
  }
  const lastIndexOf = ({ lastIndexOf(searchString) {
    if (this === null || this === undefined) return apply(nativeLastIndexOf, this, arguments);
    // ToString (a Symbol throws), then ToNumber of the position, in the
    // builtin's order.
    const text = `${this}`;
    const pattern = `${searchString}`;
    const position = +arguments[1];
    if (text.length * (pattern.length || 1) <= STRING_WORK) return apply(nativeLastIndexOf, text, [pattern, position]);
    const start = position !== position ? text.length : Math.min(Math.max(Math.trunc(position), 0), text.length);
    const last = Math.min(start, text.length - pattern.length);
    if (last < 0) return -1;
    if (pattern.length === 0) return last;
    return windowedLastIndexOf(text, pattern, last);
  } }).lastIndexOf;
  replace(StringProto, "lastIndexOf", lastIndexOf);
})

)JS";

}  // namespace mini_racer
