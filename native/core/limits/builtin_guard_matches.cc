// BuiltinGuard's stage for the loops over every match in a long string:
// RegExp.prototype[Symbol.replace], [Symbol.match] and [Symbol.split] (which
// String.prototype.replace, replaceAll, match and split call for a regular
// expression), and String.prototype.replaceAll and split with a string.
#include "core/limits/builtin_guard_sources.h"

namespace mini_racer {

const char kBuiltinGuardMatches[] = R"JS(
(function (kit) {
  "use strict";
  const { apply, ArrayProto, ObjectOf, TypeErr, replace, isProxy, toLength } = kit;
  const getPrototypeOf = Reflect.getPrototypeOf, ownKeys = Reflect.ownKeys;
  const bind = Function.prototype.bind, callMethod = Function.prototype.call;
  const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
  // V8 replaces every match of a global pattern in one loop without
  // interrupt checks (~0.45 us a match: a 32 M-character string never ended
  // within seconds; with a function, all matches are collected first, as
  // long); match and split loop alike (1.2-2.8 s at a 128 MiB cap). Up to
  // DIRECT characters (so as many matches) V8 does it; past that the same
  // algorithm runs here, one exec or indexOf per match, and can be stopped.
  const DIRECT = 2 ** 16;
  const RegExpProto = RegExp.prototype;
  const StringProto = String.prototype;
  const nativeExec = RegExpProto.exec;
  const nativeSlice = StringProto.slice, nativeIndexOf = StringProto.indexOf;
  const nativeIncludes = StringProto.includes, nativeCodePointAt = StringProto.codePointAt;
  const join = ArrayProto.join;
  const slice = (text, start, end) => apply(nativeSlice, text, [start, end]);
  const includes = (text, part) => apply(nativeIncludes, text, [part]);

  // The pieces of a result, joined PIECES at a time into flat strings (a
  // rope of millions of pieces would hold far more memory than the text).
  const PIECES = 2 ** 12;
  function makeBuilder() {
    return { parts: [], chunks: [] };
  }
  function append(builder, piece) {
    const parts = builder.parts;
    parts[parts.length] = piece;
    if (parts.length === PIECES) {
      builder.chunks[builder.chunks.length] = apply(join, parts, [""]);
      builder.parts = [];
    }
  }
  function finish(builder) {
    append(builder, "");
    const chunks = builder.chunks;
    chunks[chunks.length] = apply(join, builder.parts, [""]);
    return apply(join, chunks, [""]);
  }

  // GetSubstitution as V8 implements it ($$, $&, $`, $', $1-$99 preferring
  // two digits that name a capture, $<name>); `captures` holds captures 1..m.
  function substitution(matched, text, position, captures, named, template) {
    let dollar = apply(nativeIndexOf, template, ["$"]);
    if (dollar < 0) return template;
    const m = captures.length;
    let out = slice(template, 0, dollar);
    for (;;) {
      const peekAt = dollar + 1;
      if (peekAt >= template.length) return out + "$";
      const peek = template[peekAt];
      let from;
      if (peek === "$") {
        out += "$";
        from = peekAt + 1;
      } else if (peek === "&") {
        out += matched;
        from = peekAt + 1;
      } else if (peek === "`") {
        out += slice(text, 0, position);
        from = peekAt + 1;
      } else if (peek === "'") {
        out += slice(text, position + matched.length);
        from = peekAt + 1;
      } else if (peek >= "0" && peek <= "9") {
        let index = +peek, advance = 1;
        const next = template[peekAt + 1];
        if (next !== undefined && next >= "0" && next <= "9" && index * 10 + +next <= m) {
          index = index * 10 + +next;
          advance = 2;
        }
        if (index === 0 || index > m) {
          out += "$";
          from = peekAt;
        } else {
          const capture = captures[index - 1];
          if (capture !== undefined) out += capture;
          from = peekAt + advance;
        }
      } else if (peek === "<") {
        const close = named === undefined ? -1 : apply(nativeIndexOf, template, [">", peekAt + 1]);
        if (close < 0) {
          out += "$";
          from = peekAt;
        } else {
          const capture = named[slice(template, peekAt + 1, close)];
          if (capture !== undefined) out += `${capture}`;
          from = close + 1;
        }
      } else {
        out += "$";
        from = peekAt;
      }
      dollar = apply(nativeIndexOf, template, ["$", from]);
      if (dollar < 0) return out + slice(template, from);
      out += slice(template, from, dollar);
    }
  }

  // AdvanceStringIndex.
  function advance(text, index, fullUnicode) {
    if (!fullUnicode || index + 1 >= text.length) return index + 1;
    return apply(nativeCodePointAt, text, [index]) > 0xffff ? index + 2 : index + 1;
  }
  function isRealRegExp(value) {
    try {
      apply(globalGetter, value, []);
      return value !== RegExpProto;
    } catch {
      return false;
    }
  }
  // A regular expression none of whose observable parts (exec, the flag
  // getters, its own properties, lastIndex) sandbox code changed: matching
  // it one exec at a time cannot be told apart from V8's loop.
  const flagGetters = [];
  for (const key of ["flags", "global", "ignoreCase", "multiline", "dotAll", "unicode", "unicodeSets", "sticky", "hasIndices"]) {
    const found = getOwnPropertyDescriptor(RegExpProto, key);
    if (found !== undefined) flagGetters[flagGetters.length] = [key, found.get];
  }
  const globalGetter = getOwnPropertyDescriptor(RegExpProto, "global").get;
  function isPristine(rx) {
    if (isProxy(rx) || !isRealRegExp(rx) || getPrototypeOf(rx) !== RegExpProto) return false;
    const keys = ownKeys(rx);
    if (keys.length !== 1) return false;
    const lastIndex = getOwnPropertyDescriptor(rx, "lastIndex");
    if (!lastIndex.writable || typeof lastIndex.value !== "number") return false;
    const exec = getOwnPropertyDescriptor(RegExpProto, "exec");
    if (exec === undefined || exec.value !== nativeExec) return false;
    for (let i = 0; i < flagGetters.length; i++) {
      const found = getOwnPropertyDescriptor(RegExpProto, flagGetters[i][0]);
      if (found === undefined || found.get !== flagGetters[i][1]) return false;
    }
    return true;
  }

  // RegExpExec.
  function regExpExec(rx, text) {
    const exec = rx.exec;
    if (typeof exec !== "function") return apply(nativeExec, rx, [text]);
    const result = apply(exec, rx, [text]);
    if (result !== null && typeof result !== "object" && typeof result !== "function") {
      throw new TypeErr("Result of the exec call must be an object or null");
    }
    return result;
  }

  // A pristine global expression with a replacement string: each match is
  // replaced as it is found (nothing can observe the order).
  function replaceEachMatch(rx, text, template, fullUnicode) {
    rx.lastIndex = 0;
    const builder = makeBuilder();
    const plain = apply(nativeIndexOf, template, ["$"]) < 0;
    let next = 0;
    for (;;) {
      const result = apply(nativeExec, rx, [text]);
      if (result === null) break;
      const matched = result[0], position = result.index;
      if (matched === "") rx.lastIndex = advance(text, rx.lastIndex, fullUnicode);
      let replacement = template;
      if (!plain) {
        const captures = [];
        for (let n = 1; n < result.length; n++) captures[n - 1] = result[n];
        replacement = substitution(matched, text, position, captures, result.groups, template);
      }
      append(builder, slice(text, next, position));
      append(builder, replacement);
      next = position + matched.length;
    }
    append(builder, slice(text, next));
    return finish(builder);
  }

  // RegExp.prototype[Symbol.replace] step by step, as the specification
  // writes it: every match first, then every replacement.
  function replaceAsSpecified(rx, text, functional, template) {
    const flags = `${rx.flags}`;
    const global = includes(flags, "g");
    let fullUnicode = false;
    if (global) {
      fullUnicode = includes(flags, "u") || includes(flags, "v");
      rx.lastIndex = 0;
    }
    const results = [];
    for (;;) {
      const result = regExpExec(rx, text);
      if (result === null) break;
      results[results.length] = result;
      if (!global) break;
      if (`${result[0]}` === "") rx.lastIndex = advance(text, toLength(rx.lastIndex), fullUnicode);
    }
    const builder = makeBuilder();
    let next = 0;
    for (let i = 0; i < results.length; i++) {
      const result = results[i];
      const nCaptures = Math.max(toLength(result.length) - 1, 0);
      const matched = `${result[0]}`;
      let position = +result.index;
      position = position !== position ? 0 : Math.min(Math.max(Math.trunc(position), 0), text.length);
      const captures = [];
      for (let n = 1; n <= nCaptures; n++) {
        const capture = result[n];
        captures[n - 1] = capture === undefined ? undefined : `${capture}`;
      }
      let named = result.groups;
      let replacement;
      if (functional) {
        const args = [matched];
        for (let n = 0; n < nCaptures; n++) args[n + 1] = captures[n];
        args[nCaptures + 1] = position;
        args[nCaptures + 2] = text;
        if (named !== undefined) args[nCaptures + 3] = named;
        replacement = `${apply(template, undefined, args)}`;
      } else {
        if (named !== undefined) named = ObjectOf(named);
        replacement = substitution(matched, text, position, captures, named, template);
      }
      if (position >= next) {
        append(builder, slice(text, next, position));
        append(builder, replacement);
        next = position + matched.length;
      }
    }
    if (next < text.length) append(builder, slice(text, next));
    return finish(builder);
  }

  // The wrapper of RegExp.prototype[symbol]: V8's builtin for a short
  // string (the call String.prototype.replace, match and split make passes
  // a string primitive), `long` for a long one.
  function guardMatcher(symbol, long) {
    const original = RegExpProto[symbol];
    const callOriginal = apply(bind, callMethod, [original]);
    const wrapper = ({ [symbol](string, second) {
      if (typeof string === "string" && string.length <= DIRECT) return callOriginal(this, string, second);
      if (this === null || (typeof this !== "object" && typeof this !== "function")) return apply(original, this, arguments);
      const text = `${string}`;
      if (text.length <= DIRECT) return callOriginal(this, text, second);
      return long(this, text, second);
    } })[symbol];
    replace(RegExpProto, symbol, wrapper);
  }
  const nativeSymbolReplace = RegExpProto[Symbol.replace];
  guardMatcher(Symbol.replace, (rx, text, replaceValue) => {
    const functional = typeof replaceValue === "function";
    const template = functional ? replaceValue : `${replaceValue}`;
    if (!isPristine(rx)) return replaceAsSpecified(rx, text, functional, template);
    // V8's loop runs for one match: a pattern that is not global.
    if (!apply(globalGetter, rx, [])) return apply(nativeSymbolReplace, rx, [text, template]);
    if (functional) return replaceAsSpecified(rx, text, functional, template);
    const flags = `${rx.flags}`;
    return replaceEachMatch(rx, text, template, includes(flags, "u") || includes(flags, "v"));
  });

  // String.prototype.replaceAll: its own loop for a string pattern (a regular
  // expression, or anything with a Symbol.replace method, goes there).
  const nativeReplaceAll = StringProto.replaceAll;
  const callReplaceAll = apply(bind, callMethod, [nativeReplaceAll]);
  function isRegExp(value) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
    const matcher = value[Symbol.match];
    return matcher !== undefined ? !!matcher : isRealRegExp(value);
  }
  const replaceAll = ({ replaceAll(searchValue, replaceValue) {
    if (typeof this === "string" && this.length <= DIRECT) return callReplaceAll(this, searchValue, replaceValue);
    if (this === null || this === undefined) return apply(nativeReplaceAll, this, arguments);
    if (searchValue !== null && searchValue !== undefined) {
      if (isRegExp(searchValue)) {
        const flags = searchValue.flags;
        // (No flags, or no g: V8 throws its own TypeError.)
        if (flags === null || flags === undefined || !includes(`${flags}`, "g")) return apply(nativeReplaceAll, this, arguments);
      }
      const replacer = searchValue[Symbol.replace];
      if (replacer !== undefined && replacer !== null) {
        if (typeof replacer !== "function") return apply(nativeReplaceAll, this, arguments);
        return apply(replacer, searchValue, [this, replaceValue]);
      }
    }
    const text = `${this}`;
    const search = `${searchValue}`;
    const functional = typeof replaceValue === "function";
    const template = functional ? replaceValue : `${replaceValue}`;
    const step = search.length > 0 ? search.length : 1;
    const builder = makeBuilder();
    let next = 0;
    for (let position = apply(nativeIndexOf, text, [search, 0]); position >= 0; position = apply(nativeIndexOf, text, [search, position + step])) {
      const replacement = functional ? `${apply(template, undefined, [search, position, text])}` : substitution(search, text, position, [], undefined, template);
      append(builder, slice(text, next, position));
      append(builder, replacement);
      next = position + search.length;
      if (position + step > text.length) break;
    }
    if (next < text.length) append(builder, slice(text, next));
    return finish(builder);
  } }).replaceAll;
  replace(StringProto, "replaceAll", replaceAll);

  // RegExp.prototype[Symbol.match], step by step as the specification
  // writes it (for a pristine expression nothing tells it from V8's loop).
  function matchAsSpecified(rx, text) {
    const flags = `${rx.flags}`;
    if (!includes(flags, "g")) return regExpExec(rx, text);
    const fullUnicode = includes(flags, "u") || includes(flags, "v");
    rx.lastIndex = 0;
    const matches = [];
    for (;;) {
      const result = regExpExec(rx, text);
      if (result === null) return matches.length === 0 ? null : matches;
      const matched = `${result[0]}`;
      matches[matches.length] = matched;
      if (matched === "") rx.lastIndex = advance(text, toLength(rx.lastIndex), fullUnicode);
    }
  }
  guardMatcher(Symbol.match, matchAsSpecified);

  // RegExp.prototype[Symbol.split]. The specification tries a sticky copy
  // of the expression at every position; for a pristine one (and pristine
  // species) a global copy finds the next position that matches at once,
  // which is the same position: the loop then runs once a match.
  const NativeRegExp = RegExp;
  const speciesGetter = getOwnPropertyDescriptor(NativeRegExp, Symbol.species).get;
  const MAX_UINT32 = 2 ** 32 - 1;
  function speciesPristine() {
    const constructor = getOwnPropertyDescriptor(RegExpProto, "constructor");
    const species = getOwnPropertyDescriptor(NativeRegExp, Symbol.species);
    return constructor !== undefined && constructor.value === NativeRegExp && species !== undefined && species.get === speciesGetter;
  }
  function speciesConstructor(rx) {
    const C = rx.constructor;
    if (C === undefined) return NativeRegExp;
    if (C === null || (typeof C !== "object" && typeof C !== "function")) throw new TypeErr("object.constructor is not an object");
    const S = C[Symbol.species];
    if (S === undefined || S === null) return NativeRegExp;
    if (typeof S !== "function") throw new TypeErr("object.constructor[Symbol.species] is not a constructor");
    return S;
  }
  function pushPart(parts, part, limit) {
    parts[parts.length] = part;
    return parts.length === limit;
  }
  function splitAsSpecified(rx, text, limitValue) {
    const pristine = isPristine(rx) && speciesPristine();
    const C = speciesConstructor(rx);
    const flags = `${rx.flags}`;
    const unicode = includes(flags, "u") || includes(flags, "v");
    let splitter;
    if (pristine) {
      let globalFlags = "g";
      for (let i = 0; i < flags.length; i++) if (flags[i] !== "y" && flags[i] !== "g") globalFlags += flags[i];
      splitter = new NativeRegExp(rx, globalFlags);
    } else {
      splitter = new C(rx, includes(flags, "y") ? flags : `${flags}y`);
    }
    const parts = [];
    const limit = limitValue === undefined ? MAX_UINT32 : limitValue >>> 0;
    if (limit === 0) return parts;
    const size = text.length;
    if (size === 0) {
      if (regExpExec(splitter, text) === null) parts[0] = text;
      return parts;
    }
    let p = 0, q = 0;
    while (q < size) {
      splitter.lastIndex = q;
      const z = pristine ? apply(nativeExec, splitter, [text]) : regExpExec(splitter, text);
      if (pristine && (z === null || z.index >= size)) break;
      if (z === null) {
        q = advance(text, q, unicode);
        continue;
      }
      if (pristine) q = z.index;
      const e = Math.min(toLength(splitter.lastIndex), size);
      if (e === p) {
        q = advance(text, q, unicode);
        continue;
      }
      if (pushPart(parts, slice(text, p, q), limit)) return parts;
      p = e;
      const captures = Math.max(toLength(z.length) - 1, 0);
      for (let i = 1; i <= captures; i++) if (pushPart(parts, z[i], limit)) return parts;
      q = p;
    }
    parts[parts.length] = slice(text, p, size);
    return parts;
  }
  guardMatcher(Symbol.split, splitAsSpecified);

  // String.prototype.split with a string separator, as the specification
  // writes it.
  const nativeSplit = StringProto.split;
  const callSplit = apply(bind, callMethod, [nativeSplit]);
  const split = ({ split(separator, limit) {
    if (typeof this === "string" && this.length <= DIRECT) return callSplit(this, separator, limit);
    if (this === null || this === undefined) return apply(nativeSplit, this, arguments);
    if (separator !== null && separator !== undefined) {
      const splitter = separator[Symbol.split];
      if (splitter !== undefined && splitter !== null) {
        if (typeof splitter !== "function") return apply(nativeSplit, this, arguments);
        return apply(splitter, separator, [this, limit]);
      }
    }
    const text = `${this}`;
    const lim = limit === undefined ? MAX_UINT32 : limit >>> 0;
    const separatorText = `${separator}`;
    const parts = [];
    if (lim === 0) return parts;
    if (separator === undefined) {
      parts[0] = text;
      return parts;
    }
    if (separatorText.length === 0) {
      const count = Math.min(lim, text.length);
      for (let i = 0; i < count; i++) parts[i] = text[i];
      return parts;
    }
    if (text.length === 0) {
      parts[0] = text;
      return parts;
    }
    let from = 0;
    for (let at = apply(nativeIndexOf, text, [separatorText, 0]); at >= 0; at = apply(nativeIndexOf, text, [separatorText, from])) {
      if (pushPart(parts, slice(text, from, at), lim)) return parts;
      from = at + separatorText.length;
    }
    parts[parts.length] = slice(text, from);
    return parts;
  } }).split;
  replace(StringProto, "split", split);
})
)JS";

}  // namespace mini_racer
