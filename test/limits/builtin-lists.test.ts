// Issue 9, item 4: the builtin guard's stages for lists, keys and global
// replacement (native/core/limits/builtin_guard_lists.cc and
// builtin_guard_replace.cc) keep the builtins' results. Their deadlines are
// tested with the other shapes in builtins.test.ts; here each guarded path
// (inputs past the direct-call limits) is compared with the host's V8, which
// is the same engine without the guard.
import { describe, expect, it } from "vitest";
import { JSEvalError, MiniRacer } from "../../src/index.js";

const mr = new MiniRacer();
const ev = (code: string) => mr.eval(`{ ${code} }`, { timeout: 30_000 });

/** Over the replace guard's direct limit (2**16 characters), with varied text: astral characters, words, digits. */
const base = "The quick brown fox jumps over the lazy dog. 12 ab-cd €𝒳 x\u{1F600}y ";
const long = base.repeat(Math.ceil(70_000 / base.length));
mr.eval(`globalThis.L = ${JSON.stringify(long)}`);

describe("global replacement in a long string gives V8's result", () => {
  const regexps = [
    "/o/g", "/(o)(x)?/g", "/(?<w>\\w)(\\w)/g", "/(?:)/g", "/(?:)/gu", "/(?:)/gv", "/x*/g", "/\\b/g", "/^T/gm", "/o/", "/o/y",
    "/o/gy", "/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)?/g", "/.(?=\\s)/g", "/(?<=o)\\w/g", "/[\\u{1F600}]/gu",
  ];
  const templates = ["", "X", "$$", "$&", "$1", "$01", "$2", "$10", "$11", "$0", "$00", "$<w>", "$<nope>", "$<w", "$", "a$", "$9$99", "[$1|$2|$&]", "$<"];
  // $` and $' copy the text around each match: only for patterns that match rarely.
  const rare = ["/^T/gm", "/o/", "/o/y", "/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)?/g"];

  it("every replacement pattern, with every kind of expression", () => {
    const differ: string[] = [];
    for (const regexp of regexps) {
      for (const template of [...templates, ...(rare.includes(regexp) ? ["$`", "$'", "<$'|$`>"] : [])]) {
        const expected = long.replace((0, eval)(regexp) as RegExp, template);
        if (ev(`L.replace(${regexp}, ${JSON.stringify(template)})`) !== expected) differ.push(`${regexp} ${template}`);
      }
    }
    expect(differ).toEqual([]);
  });

  it("a replacement function receives V8's arguments (captures, position, text, groups), and the regexp's lastIndex after all matches", () => {
    const replacer = `(...a) => { const named = typeof a[a.length - 1] === "object"; const args = named ? a.slice(0, -1) : a;
      return JSON.stringify(args.slice(0, -1)) + (named ? JSON.stringify(a[a.length - 1]) : "") + args[args.length - 1].length + ":" + R.lastIndex; }`;
    const differ: string[] = [];
    for (const regexp of regexps) {
      const R = (0, eval)(regexp) as RegExp;
      (globalThis as Record<string, unknown>).R = R;
      const expected = long.replace(R, (0, eval)(replacer) as () => string);
      if (ev(`const R = ${regexp}; L.replace(R, ${replacer})`) !== expected) differ.push(regexp);
    }
    delete (globalThis as Record<string, unknown>).R;
    expect(differ).toEqual([]);
  });

  it("replaceAll with string patterns and with regexps", () => {
    const differ: string[] = [];
    for (const search of ["o", "", "ab", "€", "\uD835", "zz", "𝒳"]) {
      for (const template of [...templates, ...(["ab", "zz"].includes(search) ? ["$`", "$'"] : [])]) {
        const expected = long.replaceAll(search, template);
        if (ev(`L.replaceAll(${JSON.stringify(search)}, ${JSON.stringify(template)})`) !== expected) differ.push(`${search} ${template}`);
      }
      const expected = long.replaceAll(search, (m, p, t) => `${m}${p}${(t as string).length}`);
      if (ev(`L.replaceAll(${JSON.stringify(search)}, (m, p, t) => m + p + t.length)`) !== expected) differ.push(`${search} function`);
    }
    expect(differ).toEqual([]);
    expect(ev("L.replaceAll(/o/g, '0') === L.replace(/o/g, '0')")).toBe(true);
    expect(ev("String.prototype.replaceAll.call(new String(L), 'o', '0') === L.replace(/o/g, '0')")).toBe(true);
    expect(ev("L.replaceAll({ [Symbol.replace]: (s, r) => s.length + r }, '!')")).toBe(`${long.length}!`);
    expect(ev("L.replaceAll({ toString: () => 'o' }, '0') === L.replace(/o/g, '0')")).toBe(true);
  });

  it("V8's errors: non-global regexp in replaceAll, a throwing replacer, exec returning a non-object", () => {
    const message = (body: () => unknown) => {
      try {
        body();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return "no error";
    };
    const sandboxMessage = (code: string) => ev(`try { ${code}; "no error" } catch (e) { e.name + ": " + e.message }`);
    expect(sandboxMessage("L.replaceAll(/o/, 'x')")).toBe(message(() => long.replaceAll(/o/, "x")));
    expect(sandboxMessage("L.replace(/o/g, () => { throw new RangeError('stop') })")).toBe("RangeError: stop");
    expect(sandboxMessage("const r = /o/g; r.exec = () => 5; L.replace(r, 'x')")).toMatch(/^TypeError: /);
  });

  it("an expression sandbox code changed is used as the specification says (exec, flags, lastIndex)", () => {
    // A subclass whose exec logs its calls: each exec, then the replacements.
    expect(
      ev(`const log = []; class R extends RegExp { exec(s) { const m = super.exec(s); log.push(m ? m.index : null); return m; } }
        const out = L.replace(new R("(?:The)", "g"), (m, p) => { log.push("r" + p); return "*"; });
        [out === L.replaceAll("The", "*"), log.indexOf("r0") === log.indexOf(null) + 1, log.filter((x) => typeof x === "number").length]`),
    ).toEqual([true, true, long.split("The").length - 1]);
    expect(ev("const r = /o/g; Object.defineProperty(r, 'flags', { value: '' }); L.replace(r, '0') === L.replace(/o/, '0')")).toBe(true);
    expect(ev("const r = /o/g; r.lastIndex = 5; L.replace(r, '0'); r.lastIndex")).toBe(0);
    expect(ev("const r = /o/y; r.lastIndex = 12; [L.replace(r, '0') === L.slice(0, 12) + '0' + L.slice(13), r.lastIndex]")).toEqual([true, 13]);
  });
});

describe("match and split of a long string give V8's results", () => {
  const regexps = ["/o/g", "/o/", "/(o)(x)?/g", "/(?<w>\\w)(\\w)/gu", "/(?:)/g", "/(?:)/gu", "/(?:)/v", "/x*/g", "/\\b/", "/^T/gm", "/o/y", "/o/gy", "/\\s+/", "/(?<=o)\\w/", "/[\\u{1F600}]/u", "/$/", "/zzz/g"];
  it("match of every kind of expression", () => {
    const differ: string[] = [];
    for (const regexp of regexps) {
      const expected = JSON.stringify(long.match((0, eval)(regexp) as RegExp));
      if (ev(`JSON.stringify(L.match(${regexp}))`) !== expected) differ.push(regexp);
    }
    expect(differ).toEqual([]);
  });
  it("split with every kind of expression and limit, and with strings", () => {
    const differ: string[] = [];
    for (const regexp of regexps) {
      for (const limit of ["", ", 0", ", 7", ", 2 ** 32 + 3", ", -1"]) {
        const expected = JSON.stringify((0, eval)(`(L) => L.split(${regexp}${limit})`)(long));
        if (ev(`JSON.stringify(L.split(${regexp}${limit}))`) !== expected) differ.push(`${regexp}${limit}`);
      }
    }
    for (const separator of ["'o'", "''", "'ab'", "'€'", "'\\uD835'", "'zz'", "undefined", "{ toString: () => 'o' }"]) {
      for (const limit of ["", ", 0", ", 5", ", 2 ** 32 + 3"]) {
        const expected = JSON.stringify((0, eval)(`(L) => L.split(${separator}${limit})`)(long));
        if (ev(`JSON.stringify(L.split(${separator}${limit}))`) !== expected) differ.push(`${separator}${limit}`);
      }
    }
    expect(differ).toEqual([]);
    expect(ev("String.prototype.split.call(new String(L), 'o').length")).toBe(long.split("o").length);
    expect(ev("L.split({ [Symbol.split]: (s, l) => s.length + ':' + l }, 3)")).toBe(`${long.length}:3`);
  });
  it("a RegExp subclass or changed species is used as the specification says", () => {
    // Its exec runs at every position a match does not skip (70,000 - 2 per "The").
    const code = `const log = []; class R extends RegExp { exec(s) { log.push(this.lastIndex); return super.exec(s); } }
      const parts = L.slice(0, 70000).split(new R("The"));
      [parts.length, log.length, log[0], log[1], log[log.length - 1]]`;
    const expected = (0, eval)(`(L) => { ${code.replace(/\n\s*\[parts/, "\n return [parts")} }`)(long) as number[];
    expect(expected[1]).toBe(70_000 - 2 * (long.slice(0, 70_000).split("The").length - 1));
    expect(ev(code)).toEqual(expected);
    expect(ev("let used = 0; class S extends RegExp { static get [Symbol.species]() { used++; return RegExp; } } L.split(new S('o')).length + ':' + used")).toBe(`${long.split("o").length}:1`);
  });
});

describe("own keys of a long string are V8's", () => {
  const text = "ab€😀".repeat(10_000); // 50,000 code units: over the guard's 2**15
  mr.eval(`globalThis.T = ${JSON.stringify(text)}`);
  it("Object.keys, values, entries, getOwnPropertyNames, getOwnPropertyDescriptors, assign", () => {
    const same = (expression: string, expected: unknown) => expect(JSON.stringify(ev(`JSON.stringify(${expression})`))).toBe(JSON.stringify(JSON.stringify(expected)));
    same("Object.keys(T)", Object.keys(text));
    same("Object.values(T)", Object.values(text));
    same("Object.entries(T)", Object.entries(text));
    same("Object.getOwnPropertyNames(T)", Object.getOwnPropertyNames(text));
    same("Object.getOwnPropertyDescriptors(T)", Object.getOwnPropertyDescriptors(text));
    same("Object.assign({ x: 1 }, 'ab', T, { y: 2 })", Object.assign({ x: 1 }, "ab", text, { y: 2 }));
    // A failed [[Set]] throws, after the writes before it.
    expect(ev("const o = Object.defineProperty({}, '3', { value: 0 }); try { Object.assign(o, T) } catch (e) { e.constructor.name + o[2] }")).toBe("TypeError€");
    expect(ev("try { Object.assign(null, T) } catch (e) { e.constructor.name }")).toBe("TypeError");
  });
  it("defineProperties and create fail at once with V8's error for the first character", () => {
    const started = performance.now();
    const expected = (() => {
      try {
        Object.defineProperties({}, text as never);
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    })();
    mr.eval("globalThis.H = 'ab'.repeat(2 ** 24)");
    expect(ev("try { Object.defineProperties({}, H) } catch (e) { e.name + ': ' + e.message }")).toBe(expected);
    expect(ev("try { Object.create(null, H) } catch (e) { e.name + ': ' + e.message }")).toBe(expected);
    expect(ev("try { Object.create(1, H) } catch (e) { e.constructor.name }")).toBe("TypeError");
    expect(performance.now() - started).toBeLessThan(2_000);
    mr.eval("delete globalThis.H");
  });
});

describe("Array.from, JSON.stringify and locale lists past their limits", () => {
  it("Array.from without a mapping function gives V8's arrays (array-likes, sparse arrays, strings, iterables, subclasses)", () => {
    expect(ev("Array.from({ length: 3e6 }).length")).toBe(3e6);
    expect(ev("const a = []; a[3e6] = 1; const b = Array.from(a); [b.length, b[3e6], 3e6 - 1 in b]")).toEqual([3e6 + 1, 1, true]);
    expect(ev("Array.from(T).join('') === T && Array.from(T).length")).toBe([...("ab€😀".repeat(10_000))].length);
    expect(ev("Array.from(new Set(Array.from({ length: 3e6 }, (_, i) => i % 5)))")).toEqual([0, 1, 2, 3, 4]);
    expect(ev("class A extends Array {} const a = A.from({ length: 3e6, 7: 'x' }); [a instanceof A, a[7], a.length]")).toEqual([true, "x", 3e6]);
    expect(ev("Array.from({ length: 3e6 }, undefined).length")).toBe(3e6);
    expect(ev("try { Array.from({ length: 3e6 }, 5) } catch (e) { e.constructor.name }")).toBe("TypeError");
    expect(ev("let n = 0; Array.from({ get length() { n++; return 3e6; } }); n")).toBe(1);
    // %TypedArray%.from alike.
    expect(ev("const t = Float64Array.from({ length: 3e6, 5: 2.5 }); [t.length, t[5], t[0]]")).toEqual([3e6, 2.5, NaN]);
    expect(ev("const a = []; a.length = 3e6; a[7] = 7; const t = Int8Array.from(a); [t.length, t[7], t[8]]")).toEqual([3e6, 7, 0]);
    expect(ev("Uint8Array.from(new Set([1, 2, 2, 3])).join()")).toBe("1,2,3");
    expect(ev("class U extends Uint16Array {} U.from({ length: 3e6 }) instanceof U")).toBe(true);
  });

  it("JSON.stringify with a long replacer array, or a Proxy of one", () => {
    const keys = Array.from({ length: 70_000 }, (_, i) => (i % 3 === 0 ? i : `k${i}`));
    const value = { k1: 1, 3: 2, k70000: 3, nested: { k2: [1] }, k2: { k1: "x" } };
    const expected = JSON.stringify(value, keys as never, 2);
    mr.eval(`globalThis.K = ${JSON.stringify(keys)}`);
    expect(ev(`JSON.stringify(${JSON.stringify(value)}, K, 2)`)).toBe(expected);
    expect(ev(`JSON.stringify(${JSON.stringify(value)}, new Proxy(K, {}), 2)`)).toBe(expected);
    expect(ev(`let n = 0; JSON.stringify({ a: 1 }, new Proxy(["a"], { get: (t, k) => (k === "length" && n++, t[k]) })) + n`)).toBe('{"a":1}1');
    expect(ev("JSON.stringify({ a: [1, 2] }, null, '--')")).toBe(JSON.stringify({ a: [1, 2] }, null, "--"));
  });

  it("locale lists longer than 1,024 entries, array-likes and Locale objects", () => {
    const list = Array.from({ length: 3000 }, (_, i) => ["EN-us", "de", "fr-CA", "zh-Hant-TW"][i % 4]);
    mr.eval(`globalThis.LL = ${JSON.stringify(list)}`);
    expect(ev("Intl.getCanonicalLocales(LL)")).toEqual(Intl.getCanonicalLocales(list));
    expect(ev("Intl.getCanonicalLocales({ length: 2, 0: 'EN-us', 1: 'de' })")).toEqual(["en-US", "de"]);
    expect(ev("Intl.getCanonicalLocales(new Intl.Locale('DE-at'))")).toEqual(["de-AT"]);
    expect(ev("new Intl.NumberFormat(['de', ...LL]).format(1234.5)")).toBe(new Intl.NumberFormat(["de", ...list]).format(1234.5));
    expect(ev("Intl.DateTimeFormat.supportedLocalesOf(LL)")).toEqual(Intl.DateTimeFormat.supportedLocalesOf(list));
    expect(ev("(1234.5).toLocaleString(LL)")).toBe((1234.5).toLocaleString(list));
    expect(ev("'I'.toLocaleLowerCase({ length: 1, 0: 'tr' })")).toBe("ı");
    expect(ev("['a', 'B'].sort((x, y) => x.localeCompare(y, LL))")).toEqual(["a", "B"]);
    expect(ev("try { Intl.getCanonicalLocales(['en', 5]) } catch (e) { e.constructor.name }")).toBe("TypeError");
    expect(ev("try { Intl.getCanonicalLocales(null) } catch (e) { e.constructor.name }")).toBe("TypeError");
    expect(ev("let n = 0; Intl.getCanonicalLocales({ get length() { n++; return 1; }, 0: 'en' }); n")).toBe(1);
  });

  it("the wrapped Intl constructors keep identity, subclassing, calls without new and their statics", () => {
    expect(
      ev(`const names = Object.getOwnPropertyNames(Intl).filter((n) => n !== "Locale" && typeof Intl[n] === "function" && typeof Intl[n].prototype === "object");
        names.every((n) => Intl[n].prototype.constructor === Intl[n] && new Intl[n]("en", n === "DisplayNames" ? { type: "language" } : undefined) instanceof Intl[n] && Intl[n].name === n
          && Function.prototype.toString.call(Intl[n]) === "function " + n + "() { [native code] }"
          && typeof Intl[n].supportedLocalesOf === "function" && !Object.getOwnPropertyDescriptor(Intl[n], "prototype").writable)`),
    ).toBe(true);
    expect(ev("class F extends Intl.NumberFormat { hi() { return this.format(1.5); } } new F('de').hi()")).toBe("1,5");
    expect(ev("Intl.NumberFormat('de').format(2.5)")).toBe("2,5");
    expect(ev("Intl.DateTimeFormat.length + Intl.Collator.supportedLocalesOf.length")).toBe(Intl.DateTimeFormat.length + 1);
  });
});

describe("the wrapped builtins look like V8's", () => {
  it("name, length, source text and property attributes are the host's", () => {
    const paths = [
      "Object.keys", "Object.values", "Object.entries", "Object.getOwnPropertyNames", "Object.getOwnPropertyDescriptors",
      "Object.assign", "Object.defineProperties", "Object.create", "JSON.stringify", "Array.from", "Object.getPrototypeOf(Float64Array).from",
      "RegExp.prototype[Symbol.replace]", "RegExp.prototype[Symbol.match]", "RegExp.prototype[Symbol.split]",
      "String.prototype.replaceAll", "String.prototype.split", "String.prototype.localeCompare", "String.prototype.toLocaleUpperCase",
      "Number.prototype.toLocaleString", "Date.prototype.toLocaleDateString", "Intl.getCanonicalLocales",
      "Intl.NumberFormat", "Intl.NumberFormat.supportedLocalesOf", "Intl.Collator",
    ];
    // [path, name, length, source text, writable, enumerable, configurable, has prototype] of each.
    const describeAll = `(list) => list.map((path) => {
      const fn = (0, eval)(path);
      const split = /^(.*?)(?:\\.([\\w$]+)|\\[([^\\]]+)\\])$/.exec(path);
      const holder = (0, eval)(split[1]);
      const key = split[2] !== undefined ? split[2] : (0, eval)(split[3]);
      const { writable, enumerable, configurable } = Object.getOwnPropertyDescriptor(holder, key);
      return [path, fn.name, fn.length, Function.prototype.toString.call(fn), writable, enumerable, configurable, "prototype" in fn];
    })`;
    const expected = (0, eval)(describeAll)(paths) as unknown[];
    expect(mr.eval(`(${describeAll})(${JSON.stringify(paths)})`)).toEqual(expected);
  });
});

describe("the guard's errors surface as the package's", () => {
  it("a sandbox error from a guarded path is a JSEvalError", () => {
    expect(() => mr.eval("L.replace(/o/g, () => { throw new RangeError('x') })")).toThrow(JSEvalError);
  });
});
