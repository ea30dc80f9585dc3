import { describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  HandleReleasedError,
  JSArrayHandle,
  JSEvalError,
  JSFunctionHandle,
  JSHandle,
  JSObjectHandle,
  JSPromiseError,
  JSSymbolHandle,
  JSTimeoutError,
  MiniRacer,
  ValueTransferError,
} from "../src/index.js";
import { timed } from "./helpers.js";

// Ported from PyMiniRacer's tests/test_objects.py and tests/test_functions.py,
// adapted to handles: copies by default, handles for functions/symbols and
// (with { handle: true }) for any object.

const gc = (globalThis as { gc?: () => void }).gc;

/** Runs host GC (and lets FinalizationRegistry callbacks run) until `done()` or `rounds` run out. */
async function collectUntil(done: () => boolean, rounds = 30): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 0));
  }
}

function objectHandle(mr: MiniRacer, code: string): JSObjectHandle {
  const h = mr.eval(code, { handle: true });
  expect(h).toBeInstanceOf(JSObjectHandle);
  return h as JSObjectHandle;
}

function arrayHandle(mr: MiniRacer, code: string): JSArrayHandle {
  const h = mr.eval(code, { handle: true });
  expect(h).toBeInstanceOf(JSArrayHandle);
  return h as JSArrayHandle;
}

function fn(mr: MiniRacer, code: string): JSFunctionHandle {
  const f = mr.eval(code);
  expect(f).toBeInstanceOf(JSFunctionHandle);
  return f as JSFunctionHandle;
}

describe("object handles: reading", () => {
  const source = `globalThis.a = {
    5: "key_is_number",
    "key_is_string": 42,
    undefined: "undef_value",
    null: "null_value",
  }; a`;

  it("copies plain objects by default and returns a JSObjectHandle with { handle: true }", () => {
    using mr = new MiniRacer();
    const copy = mr.eval(source);
    expect(copy).not.toBeInstanceOf(JSHandle);
    expect(copy).toEqual({ 5: "key_is_number", key_is_string: 42, undefined: "undef_value", null: "null_value" });
    const h = objectHandle(mr, source);
    expect(h).toBeInstanceOf(JSHandle);
    expect(h).not.toBeInstanceOf(JSArrayHandle);
    expect(h).not.toBeInstanceOf(JSFunctionHandle);
    expect(h.released).toBe(false);
  });

  it("get/has/keys with string and number keys (test_object_read)", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, source);
    expect([...obj.keys()].sort()).toEqual(["5", "key_is_string", "null", "undefined"]);
    expect(obj.get("5")).toBe("key_is_number");
    expect(obj.get(5)).toBe("key_is_number");
    expect(obj.get("key_is_string")).toBe(42);
    expect(obj.get("null")).toBe("null_value");
    expect(obj.get("undefined")).toBe("undef_value");
    expect(obj.get("elvis")).toBeUndefined();
    expect(obj.has(5)).toBe(true);
    expect(obj.has("5")).toBe(true);
    expect(obj.has("null")).toBe(true);
    expect(obj.has("elvis")).toBe(false);
  });

  it("entries() and iteration yield [key, value] pairs", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, source);
    const expected = [
      ["5", "key_is_number"],
      ["key_is_string", 42],
      ["null", "null_value"],
      ["undefined", "undef_value"],
    ];
    const byKey = (x: [string, unknown], y: [string, unknown]) => (x[0] < y[0] ? -1 : 1);
    expect([...obj.entries()].sort(byKey)).toEqual(expected);
    // The iterator is typed Iterator<unknown> (array handles yield elements).
    const pairs = [...obj] as Array<[string, unknown]>;
    expect(pairs.sort(byKey)).toEqual(expected);
    const seen: string[] = [];
    for (const pair of obj) seen.push((pair as [string, unknown])[0]);
    expect(seen.sort()).toEqual(["5", "key_is_string", "null", "undefined"]);
  });

  it("an empty object has no keys and no entries", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({})");
    expect(obj.keys()).toEqual([]);
    expect(obj.entries()).toEqual([]);
    expect([...obj]).toEqual([]);
  });

  it("has() follows the prototype chain, keys() lists own enumerable keys only (test_object_prototype)", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(
      mr,
      `var proto = { 5: "key_is_number", "key_is_string": 42 };
       var a = Object.create(proto);
       a.foo = "bar";
       Object.defineProperty(a, "hidden", { value: 1, enumerable: false });
       a`,
    );
    expect(obj.keys()).toEqual(["foo"]);
    expect(obj.has("foo")).toBe(true);
    expect(obj.has("key_is_string")).toBe(true);
    expect(obj.has(5)).toBe(true);
    expect(obj.has("hidden")).toBe(true);
    expect(obj.has("toString")).toBe(true);
    expect(obj.get("key_is_string")).toBe(42);
    expect(obj.get("hidden")).toBe(1);
    expect(obj.entries()).toEqual([["foo", "bar"]]);
  });

  it("nested values: copies by default, functions and symbols as handles, objects as handles on request (test_nested_object)", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(
      mr,
      `globalThis.nested = {
        5: "key_is_number",
        some_func: () => 7,
        some_obj: { a: 12 },
        some_symbol: Symbol("sym"),
        with_func: { f() {} },
        date: new Date(1000),
      }; nested`,
    );
    expect(obj.get(5)).toBe("key_is_number");
    const f = obj.get("some_func");
    expect(f).toBeInstanceOf(JSFunctionHandle);
    expect(typeof f).toBe("function");
    expect((f as JSFunctionHandle)()).toBe(7);
    expect(obj.get("some_obj")).toEqual({ a: 12 });
    const inner = obj.get("some_obj", { handle: true });
    expect(inner).toBeInstanceOf(JSObjectHandle);
    expect((inner as JSObjectHandle).get("a")).toBe(12);
    expect(obj.get("some_symbol")).toBeInstanceOf(JSSymbolHandle);
    expect(obj.get("date")).toEqual(new Date(1000));
    // A function nested inside a copied object cannot be copied.
    expect(() => obj.get("with_func")).toThrow(ValueTransferError);
    expect(obj.get("with_func", { handle: true })).toBeInstanceOf(JSObjectHandle);
    // Primitives are still copied with { handle: true }.
    expect(obj.get(5, { handle: true })).toBe("key_is_number");
  });

  it("entries() returns functions as handles and copies the rest", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({ n: 1, f: function named() { return 'called' } })");
    const entries = new Map(obj.entries());
    expect(entries.get("n")).toBe(1);
    expect(entries.get("f")).toBeInstanceOf(JSFunctionHandle);
    expect((entries.get("f") as JSFunctionHandle)()).toBe("called");
  });

  it("returns Map and other non-array objects as JSObjectHandle with { handle: true }", () => {
    using mr = new MiniRacer();
    const m = mr.eval("new Map([[1, 'one']])", { handle: true });
    expect(m).toBeInstanceOf(JSObjectHandle);
    expect(m).not.toBeInstanceOf(JSArrayHandle);
    const get = (m as JSObjectHandle).get("get") as JSFunctionHandle;
    expect(get.invoke([1], { thisArg: m })).toBe("one");
    expect(mr.eval("new Date(0)", { handle: true })).toBeInstanceOf(JSObjectHandle);
    // Without the option, they are copied as before.
    expect(mr.eval("new Map([[1, 'one']])")).toEqual(new Map([[1, "one"]]));
  });

  it("runs getters and reports their exceptions as JSEvalError", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({ calls: 0, get g() { return ++this.calls }, get bad() { throw new RangeError('no') } })");
    expect(obj.get("g")).toBe(1);
    expect(obj.get("g")).toBe(2);
    let error: unknown;
    try {
      obj.get("bad");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsName).toBe("RangeError");
    expect((error as JSEvalError).jsMessage).toBe("no");
    expect(obj.get("calls")).toBe(2);
  });
});

describe("object handles: mutation", () => {
  it("set/delete/has change the sandbox object (test_object_mutation)", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.a = {}; a");
    obj.set("some_string", "some_string_val");
    obj.set("undefined", "undefined_val");
    obj.set("null", "none_val");
    obj.set(5, "int_val");
    // Number 5 and string "5" are the same property key: this overwrites.
    obj.set("5", "double_val");
    expect(mr.eval("a")).toEqual({ 5: "double_val", null: "none_val", some_string: "some_string_val", undefined: "undefined_val" });
    expect(obj.get(5)).toBe("double_val");
    expect(obj.delete("null")).toBe(true);
    expect(obj.has("null")).toBe(false);
    expect(mr.eval("'null' in a")).toBe(false);
    expect(obj.delete(5)).toBe(true);
    expect(mr.eval("Object.keys(a)")).toEqual(["some_string", "undefined"]);
    expect(obj.keys()).toEqual(["some_string", "undefined"]);
  });

  it("delete returns false for a non-configurable property and leaves it", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.frozen = Object.freeze({ x: 1 }); frozen");
    expect(obj.delete("x")).toBe(false);
    expect(mr.eval("frozen.x")).toBe(1);
  });

  it("set copies host values into the sandbox", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.target = {}; target");
    const value = { list: [1, 2, 3], when: new Date(5), m: new Map([["k", "v"]]) };
    obj.set("v", value);
    value.list.push(4);
    expect(mr.eval("target.v.list")).toEqual([1, 2, 3]);
    expect(mr.eval("target.v.when instanceof Date && target.v.when.getTime()")).toBe(5);
    expect(mr.eval("target.v.m.get('k')")).toBe("v");
    expect(() => obj.set("f", () => 1)).toThrow(ValueTransferError);
    expect(mr.eval("'f' in target")).toBe(false);
  });

  it("set with a handle value stores the very same sandbox object", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.a = {}; a");
    const inner = objectHandle(mr, 'globalThis.b = { "k": "v" }; b');
    obj.set("inner", inner);
    expect(obj.keys()).toEqual(["inner"]);
    expect(mr.eval("a.inner === b")).toBe(true);
    expect(obj.get("inner")).toEqual({ k: "v" });
    const again = obj.get("inner", { handle: true }) as JSObjectHandle;
    again.set("k", "changed");
    expect(inner.get("k")).toBe("changed");
    const f = fn(mr, "(function sq(x) { return x * x })");
    obj.set("sq", f);
    expect(mr.eval("a.sq(9)")).toBe(81);
  });

  it("setters run in the sandbox", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.log = []; ({ set x(v) { log.push(v * 2) } })");
    obj.set("x", 21);
    expect(mr.eval("log")).toEqual([42]);
  });
});

describe("symbols", () => {
  it("a symbol result is a JSSymbolHandle by default (test_symbol)", () => {
    using mr = new MiniRacer();
    const sym = mr.eval('globalThis.sym = Symbol("foo"); sym');
    expect(sym).toBeInstanceOf(JSSymbolHandle);
    expect(sym).toBeInstanceOf(JSHandle);
    expect((sym as JSSymbolHandle).released).toBe(false);
  });

  it("a symbol handle passed back is the same symbol", () => {
    using mr = new MiniRacer();
    const sym = mr.eval('globalThis.sym = Symbol("foo"); sym') as JSSymbolHandle;
    const isSym = fn(mr, "x => x === globalThis.sym");
    expect(isSym(sym)).toBe(true);
    const other = mr.eval('Symbol("foo")') as JSSymbolHandle;
    expect(isSym(other)).toBe(false);
    mr.execute("function descOf(s) { return typeof s + ':' + s.description }");
    expect(mr.call("descOf", sym)).toBe("symbol:foo");
  });

  it("symbols work as keys for get/set/has/delete and stay out of keys()", () => {
    using mr = new MiniRacer();
    const sym = mr.eval('globalThis.s = Symbol("k"); s') as JSSymbolHandle;
    const obj = objectHandle(mr, "globalThis.o = { plain: 1 }; o");
    expect(obj.has(sym)).toBe(false);
    obj.set(sym, "by-symbol");
    expect(mr.eval("o[s]")).toBe("by-symbol");
    expect(obj.get(sym)).toBe("by-symbol");
    expect(obj.has(sym)).toBe(true);
    expect(obj.keys()).toEqual(["plain"]);
    expect(obj.delete(sym)).toBe(true);
    expect(mr.eval("s in o")).toBe(false);
    // Well-known symbols reached through handles work as keys too.
    const iter = mr.eval("Symbol.iterator") as JSSymbolHandle;
    const arr = arrayHandle(mr, "[1, 2]");
    expect(arr.get(iter)).toBeInstanceOf(JSFunctionHandle);
  });
});

describe("array handles", () => {
  it("reads elements, length and iterates values (test_array)", () => {
    using mr = new MiniRacer();
    const arr = arrayHandle(mr, 'var a = [ "some_string", 42, undefined, null ]; a');
    expect(arr).toBeInstanceOf(JSObjectHandle);
    expect(arr.length).toBe(4);
    expect(arr.get(0)).toBe("some_string");
    expect(arr.get(1)).toBe(42);
    expect(arr.get(2)).toBeUndefined();
    expect(arr.has(2)).toBe(true);
    expect(arr.get(3)).toBeNull();
    expect(arr.get(4)).toBeUndefined();
    expect(arr.has(4)).toBe(false);
    expect(arr.has("length")).toBe(true);
    expect(arr.get("length")).toBe(4);
    expect([...arr]).toEqual(["some_string", 42, undefined, null]);
    expect(arr.keys()).toEqual(["0", "1", "2", "3"]);
    expect(arr.entries()).toEqual([
      ["0", "some_string"],
      ["1", 42],
      ["2", undefined],
      ["3", null],
    ]);
  });

  it("an empty array", () => {
    using mr = new MiniRacer();
    const arr = arrayHandle(mr, "[]");
    expect(arr.length).toBe(0);
    expect([...arr]).toEqual([]);
    expect(arr.keys()).toEqual([]);
  });

  it("arrays are copied without { handle: true }", () => {
    using mr = new MiniRacer();
    const copy = mr.eval("[1, [2]]");
    expect(copy).not.toBeInstanceOf(JSHandle);
    expect(copy).toEqual([1, [2]]);
  });

  it("mutation through set/delete and methods called with thisArg (test_array_mutation)", () => {
    using mr = new MiniRacer();
    const arr = arrayHandle(mr, "globalThis.a = []; a");
    arr.set(0, "some_string");
    arr.set(1, undefined);
    expect(arr.length).toBe(2);
    const splice = arr.get("splice") as JSFunctionHandle;
    expect(splice).toBeInstanceOf(JSFunctionHandle);
    splice.invoke([1, 0, 42], { thisArg: arr });
    splice.invoke([-1, 0, null], { thisArg: arr });
    expect([...arr]).toEqual(["some_string", 42, null, undefined]);
    expect(mr.eval("a")).toEqual(["some_string", 42, null, undefined]);
    const push = arr.get("push") as JSFunctionHandle;
    const inner = objectHandle(mr, 'globalThis.b = { "k": "v" }; b');
    expect(push.invoke([inner], { thisArg: arr })).toBe(5);
    expect(mr.eval("a[4] === b")).toBe(true);
    expect(arr.get(4)).toEqual({ k: "v" });
    expect((arr.get(-1 + arr.length, { handle: true }) as JSObjectHandle).get("k")).toBe("v");
    // delete leaves a hole; length is unchanged.
    expect(arr.delete(0)).toBe(true);
    expect(arr.length).toBe(5);
    expect(arr.has(0)).toBe(false);
    expect(mr.eval("0 in a")).toBe(false);
    // Setting length truncates.
    arr.set("length", 2);
    expect(arr.length).toBe(2);
    expect(mr.eval("a.length")).toBe(2);
  });

  it("iteration yields functions as handles and objects as copies", () => {
    using mr = new MiniRacer();
    const arr = arrayHandle(mr, "[x => x + 1, { o: 1 }, 'str']");
    const items = [...arr];
    expect(items).toHaveLength(3);
    expect(items[0]).toBeInstanceOf(JSFunctionHandle);
    expect((items[0] as JSFunctionHandle)(1)).toBe(2);
    expect(items[1]).toEqual({ o: 1 });
    expect(items[2]).toBe("str");
  });

  it("length reflects sandbox-side changes", () => {
    using mr = new MiniRacer();
    const arr = arrayHandle(mr, "globalThis.grow = [1]; grow");
    expect(arr.length).toBe(1);
    mr.eval("grow.push(2, 3)");
    expect(arr.length).toBe(3);
    expect([...arr]).toEqual([1, 2, 3]);
  });
});

describe("function handles: calling", () => {
  it("a function result is a callable JSFunctionHandle by default (test_function)", () => {
    using mr = new MiniRacer();
    const func = mr.eval("(a) => a");
    expect(func).toBeInstanceOf(JSFunctionHandle);
    expect(typeof func).toBe("function");
    const f = func as JSFunctionHandle;
    expect(f(42)).toBe(42);
    expect(f("x")).toBe("x");
    expect(f({ a: [1, 2] })).toEqual({ a: [1, 2] });
    const arr = arrayHandle(mr, "[41, 42]");
    expect(f(arr)).toEqual([41, 42]);
    const same = f.invoke([arr], { handle: true });
    expect(same).toBeInstanceOf(JSArrayHandle);
    expect([...(same as JSArrayHandle)]).toEqual([41, 42]);
  });

  it("has object methods: keys/get/set on the function object", () => {
    using mr = new MiniRacer();
    const foo = fn(mr, "function foo(a, b) {}; foo");
    expect(foo.keys()).toEqual([]);
    expect(foo.get("name")).toBe("foo");
    expect(foo.get("length")).toBe(2);
    foo.set("tag", "t");
    expect(mr.eval("foo.tag")).toBe("t");
    expect(foo.keys()).toEqual(["tag"]);
    expect(foo.has("tag")).toBe(true);
    expect(foo.has("call")).toBe(true);
    expect(foo.delete("tag")).toBe(true);
    expect(mr.eval("'tag' in foo")).toBe(false);
  });

  it("invoke passes thisArg (Thing.stuff from test_functions.py)", () => {
    using mr = new MiniRacer();
    const thing = objectHandle(
      mr,
      `class Thing {
         constructor(a) { this.blob = a; }
         stuff(extra) { return this.blob + extra; }
       }
       new Thing('start');`,
    );
    const stuff = thing.get("stuff") as JSFunctionHandle;
    expect(stuff).toBeInstanceOf(JSFunctionHandle);
    expect(stuff.invoke(["end"], { thisArg: thing })).toBe("startend");
    expect(stuff.invoke(["!"], { thisArg: { blob: "copied" } })).toBe("copied!");
    // A plain call has `this` undefined: class bodies are strict.
    expect(() => stuff("end")).toThrow(JSEvalError);
  });

  it("a plain call has this === undefined; invoke() defaults to no args", () => {
    using mr = new MiniRacer();
    const f = fn(mr, "(function () { 'use strict'; return [typeof this, arguments.length] })");
    expect(f()).toEqual(["undefined", 0]);
    expect(f.invoke()).toEqual(["undefined", 0]);
    expect(f.invoke([1, 2, 3])).toEqual(["undefined", 3]);
    const self = fn(mr, "(function () { 'use strict'; return this })");
    expect(self.invoke([], { thisArg: 5 })).toBe(5);
    expect(self.invoke([], { thisArg: "s" })).toBe("s");
  });

  it("a thisArg handle arrives as the same object", () => {
    using mr = new MiniRacer();
    const kept = objectHandle(mr, "globalThis.kept = {}; kept");
    const isKept = fn(mr, "(function () { return this === globalThis.kept })");
    expect(isKept.invoke([], { thisArg: kept })).toBe(true);
    expect(isKept.invoke([], { thisArg: {} })).toBe(false);
  });

  it("handles passed as arguments arrive as themselves (identity), also through mr.call", () => {
    using mr = new MiniRacer();
    const kept = objectHandle(mr, "globalThis.kept = { n: 1 }; kept");
    const isKept = fn(mr, "o => o === globalThis.kept");
    expect(isKept(kept)).toBe(true);
    expect(isKept({ n: 1 })).toBe(false);
    mr.execute("function isKeptFn(o) { return o === globalThis.kept }");
    expect(mr.call("isKeptFn", kept)).toBe(true);
    expect(mr.apply("isKeptFn", [kept])).toBe(true);
    // The same handle can be used any number of times.
    expect(isKept(kept)).toBe(true);
    kept.set("n", 2);
    expect(mr.eval("kept.n")).toBe(2);
  });

  it("a function handle can be passed to another sandbox function", () => {
    using mr = new MiniRacer();
    const twice = fn(mr, "f => f(f(1))");
    const inc = fn(mr, "x => x + 10");
    expect(twice(inc)).toBe(21);
    const returnsSelf = fn(mr, "globalThis.rs = function rs() { return rs }; rs");
    const result = returnsSelf();
    expect(result).toBeInstanceOf(JSFunctionHandle);
    expect(fn(mr, "f => f === globalThis.rs")(result)).toBe(true);
  });

  it("a host function as an argument is a ValueTransferError", () => {
    using mr = new MiniRacer();
    const f = fn(mr, "x => typeof x");
    expect(() => f(() => 1)).toThrow(ValueTransferError);
    expect(() => f({ g: () => 1 })).toThrow(ValueTransferError);
    expect(f(1)).toBe("number");
  });

  it("results: functions and symbols are handles, objects with functions fail, { handle: true } gives object handles", () => {
    using mr = new MiniRacer();
    const make = fn(mr, "(kind) => kind === 'fn' ? (() => 'inner') : kind === 'sym' ? Symbol('s') : kind === 'obj' ? { f() {} } : [1, 2]");
    const inner = make("fn");
    expect(inner).toBeInstanceOf(JSFunctionHandle);
    expect((inner as JSFunctionHandle)()).toBe("inner");
    expect(make("sym")).toBeInstanceOf(JSSymbolHandle);
    expect(() => make("obj")).toThrow(ValueTransferError);
    expect(make.invoke(["obj"], { handle: true })).toBeInstanceOf(JSObjectHandle);
    expect(make("arr")).toEqual([1, 2]);
    expect(make.invoke(["arr"], { handle: true })).toBeInstanceOf(JSArrayHandle);
    expect(make.invoke(["fn"], { handle: true })).toBeInstanceOf(JSFunctionHandle);
    expect(make.invoke(["sym"], { handle: true })).toBeInstanceOf(JSSymbolHandle);
  });

  it("errors thrown inside a called function are JSEvalError (test_exceptions)", () => {
    using mr = new MiniRacer();
    const func = fn(mr, "function func(a, b, c) {\n    throw new Error('asdf');\n}\nfunc");
    let error: unknown;
    try {
      func();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsName).toBe("Error");
    expect((error as JSEvalError).jsMessage).toBe("asdf");
    expect((error as JSEvalError).jsStack).toContain("func");
    const typeErr = fn(mr, "() => null.x");
    expect(() => typeErr()).toThrow(JSEvalError);
    // The sandbox is fine afterwards.
    expect(mr.eval("1")).toBe(1);
  });

  it("a sync call of an async function that does not settle synchronously throws", () => {
    using mr = new MiniRacer();
    const f = fn(mr, "async () => { await new Promise(r => setTimeout(r, 1)); return 1 }");
    expect(() => f()).toThrow();
    const settled = fn(mr, "async x => x + 1");
    expect(settled(1)).toBe(2);
  });
});

describe("function handles: time limits", () => {
  it("invoke with a timeout ends a loop with JSTimeoutError and stays usable (test_timeout)", () => {
    using mr = new MiniRacer();
    const func = fn(mr, "() => { while(1) { } }");
    const { error, ms } = timed(() => func.invoke([], { timeout: 100 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(1000);
    expect(mr.eval("1")).toBe(1);
    expect(fn(mr, "x => x * 2")(4)).toBe(8);
  });

  it("a plain call uses the MiniRacer's default timeout", () => {
    using mr = new MiniRacer({ timeout: 100 });
    const func = fn(mr, "() => { for (;;); }");
    const { error, ms } = timed(() => func());
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(1000);
    expect(timed(() => func.invoke([], { timeout: 50 })).error).toBeInstanceOf(JSTimeoutError);
  });

  it("getters and setters that loop end with JSTimeoutError", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({ get loop() { for (;;); }, set loop(v) { for (;;); }, ok: 1 })");
    expect(timed(() => obj.get("loop", { timeout: 100 })).error).toBeInstanceOf(JSTimeoutError);
    expect(timed(() => obj.set("loop", 1, { timeout: 100 })).error).toBeInstanceOf(JSTimeoutError);
    expect(obj.get("ok")).toBe(1);
  });

  it("proxy traps that loop end has/delete/keys with JSTimeoutError", () => {
    using mr = new MiniRacer();
    const p = objectHandle(
      mr,
      "new Proxy({}, { has() { for (;;); }, deleteProperty() { for (;;); }, ownKeys() { for (;;); } })",
    );
    expect(timed(() => p.has("x", { timeout: 100 })).error).toBeInstanceOf(JSTimeoutError);
    expect(timed(() => p.delete("x", { timeout: 100 })).error).toBeInstanceOf(JSTimeoutError);
    expect(timed(() => p.keys({ timeout: 100 })).error).toBeInstanceOf(JSTimeoutError);
    expect(mr.eval("2")).toBe(2);
  });

  it("entries() and iteration use the MiniRacer's default timeout", () => {
    using mr = new MiniRacer({ timeout: 100 });
    const obj = objectHandle(mr, "({ a: 1, get b() { for (;;); } })");
    expect(timed(() => obj.entries()).error).toBeInstanceOf(JSTimeoutError);
    expect(timed(() => [...obj]).error).toBeInstanceOf(JSTimeoutError);
    const arr = arrayHandle(mr, "Object.defineProperty([1, 2], 1, { get() { for (;;); } })");
    expect(timed(() => [...arr]).error).toBeInstanceOf(JSTimeoutError);
    expect(mr.eval("3")).toBe(3);
  });
});

describe("function handles: async calls", () => {
  it("callAsync and invokeAsync resolve like the sync calls", async () => {
    using mr = new MiniRacer();
    const add = fn(mr, "(a, b) => a + b");
    expect(await add.callAsync(2, 3)).toBe(5);
    expect(await add.invokeAsync([4, 5])).toBe(9);
    expect(await add.invokeAsync()).toBeNaN();
  });

  it("awaits the promise of an async function", async () => {
    using mr = new MiniRacer();
    const twice = fn(mr, "async (x) => { await new Promise(r => setTimeout(r, 5)); return x * 2 }");
    expect(await twice.callAsync(21)).toBe(42);
    const fails = fn(mr, "async () => { await null; throw new TypeError('later') }");
    const error = await fails.callAsync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSPromiseError);
    expect((error as JSPromiseError).jsName).toBe("TypeError");
    expect((error as JSPromiseError).jsMessage).toBe("later");
  });

  it("a synchronous throw rejects with JSEvalError", async () => {
    using mr = new MiniRacer();
    const f = fn(mr, "() => { throw new Error('boom') }");
    const error = await f.callAsync().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsMessage).toBe("boom");
  });

  it("invokeAsync passes thisArg and returns handles on request", async () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.o = { v: 3, m(x) { return this.v * x }, self() { return this } }; o");
    const m = obj.get("m") as JSFunctionHandle;
    expect(await m.invokeAsync([5], { thisArg: obj })).toBe(15);
    const self = obj.get("self") as JSFunctionHandle;
    const back = await self.invokeAsync([], { thisArg: obj, handle: true });
    expect(back).toBeInstanceOf(JSObjectHandle);
    expect(fn(mr, "x => x === globalThis.o")(back)).toBe(true);
    const makeFn = fn(mr, "async () => () => 'made'");
    const made = await makeFn.callAsync();
    expect(made).toBeInstanceOf(JSFunctionHandle);
    expect((made as JSFunctionHandle)()).toBe("made");
  });

  it("invokeAsync with a timeout rejects with JSTimeoutError (loop and never-settling promise)", async () => {
    using mr = new MiniRacer();
    const loop = fn(mr, "() => { while (1) {} }");
    const start = performance.now();
    await expect(loop.invokeAsync([], { timeout: 100 })).rejects.toThrow(JSTimeoutError);
    expect(performance.now() - start).toBeLessThan(1500);
    const pending = fn(mr, "() => new Promise(() => {})");
    await expect(pending.invokeAsync([], { timeout: 100 })).rejects.toThrow(JSTimeoutError);
    expect(await mr.evalAsync("1")).toBe(1);
  });

  it("invokeAsync with an AbortSignal rejects with AbortError and stays usable (test_timeout_async)", async () => {
    using mr = new MiniRacer();
    const func = fn(mr, "() => { while(1) { } }");
    const controller = new AbortController();
    const running = func.invokeAsync([], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("stop")), 50);
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error("stop"));
    expect(mr.eval("1")).toBe(1);
    await expect(func.invokeAsync([], { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect(fn(mr, "x => x")(3)).toBe(3);
  });

  it("async calls reject (not throw) on bad arguments", async () => {
    using mr = new MiniRacer();
    const f = fn(mr, "x => x");
    await expect(f.callAsync(() => 1)).rejects.toThrow(ValueTransferError);
    await expect(f.invokeAsync([], { timeout: -1 })).rejects.toThrow(RangeError);
  });
});

describe("handles from every call method", () => {
  it("{ handle: true } works with apply, evalAsync and applyAsync; function results are handles on the async path too", async () => {
    using mr = new MiniRacer();
    mr.execute("function mk() { return [1, 2] }");
    expect(mr.apply("mk", [], { handle: true })).toBeInstanceOf(JSArrayHandle);
    expect(await mr.applyAsync("mk", [], { handle: true })).toBeInstanceOf(JSArrayHandle);
    expect(await mr.evalAsync("({ a: 1 })", { handle: true })).toBeInstanceOf(JSObjectHandle);
    // The settled value of a promise is what becomes the handle.
    const settled = await mr.evalAsync("new Promise(r => setTimeout(() => r([7]), 1))", { handle: true });
    expect(settled).toBeInstanceOf(JSArrayHandle);
    expect([...(settled as JSArrayHandle)]).toEqual([7]);
    const f = await mr.evalAsync("() => 'async fn'");
    expect(f).toBeInstanceOf(JSFunctionHandle);
    expect((f as JSFunctionHandle)()).toBe("async fn");
    expect(await mr.evalAsync("Symbol('a')")).toBeInstanceOf(JSSymbolHandle);
    expect(await mr.evalAsync("'prim'", { handle: true })).toBe("prim");
  });

  it("rejects keys that are not strings, numbers or symbol handles with TypeError", () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({ x: 1 })");
    const get = obj.get.bind(obj) as (key: unknown) => unknown;
    expect(() => get({})).toThrow(TypeError);
    expect(() => get(null)).toThrow(TypeError);
    expect(() => get(objectHandle(mr, "({})"))).toThrow(TypeError);
    expect(obj.get("x")).toBe(1);
  });

  it("sync handle operations wait for a running async call and then proceed", async () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "globalThis.o = { x: 1 }; o");
    const busy = mr.evalAsync("const t0 = Date.now(); while (Date.now() - t0 < 200); o.x = 2; 'busy done'");
    // Let the sandbox thread start the busy step; the sync get then waits for it.
    await new Promise((r) => setTimeout(r, 40));
    expect(obj.get("x")).toBe(2);
    expect(await busy).toBe("busy done");
    const waiting = mr.evalAsync("new Promise(r => setTimeout(() => r(o.x), 100))");
    obj.set("x", 3);
    expect(await waiting).toBe(3);
  });
});

describe("the README's handles example", () => {
  it("runs as written", async () => {
    using mr = new MiniRacer();
    const square = mr.eval("x => x * x") as JSFunctionHandle;
    expect(square).toBeInstanceOf(JSFunctionHandle);
    expect(typeof square).toBe("function");
    expect(square(4)).toBe(16);
    expect(await square.callAsync(5)).toBe(25);
    expect(square.invoke([6], { timeout: 50 })).toBe(36);

    const cart = mr.eval("globalThis.cart = { items: [], total: 0 }", { handle: true }) as JSObjectHandle;
    expect(cart).toBeInstanceOf(JSObjectHandle);
    cart.set("total", 42);
    expect(mr.eval("cart.total")).toBe(42);
    const items = cart.get("items", { handle: true }) as JSArrayHandle;
    expect(items).toBeInstanceOf(JSArrayHandle);
    expect(items.length).toBe(0);
    expect((mr.eval("o => o === cart") as JSFunctionHandle)(cart)).toBe(true);
    const seen: unknown[] = [];
    for (const [key, value] of cart as Iterable<[string, unknown]>) seen.push([key, value]);
    expect(seen).toEqual([
      ["items", []],
      ["total", 42],
    ]);
    const before = mr.handleCount();
    cart.release();
    expect(mr.handleCount()).toBe(before - 1);
    expect(() => cart.get("total")).toThrow(HandleReleasedError);
  });
});

describe("handle lifetime", () => {
  it("release() then use throws HandleReleasedError; release is idempotent", async () => {
    using mr = new MiniRacer();
    const obj = objectHandle(mr, "({ a: 1 })");
    expect(obj.released).toBe(false);
    obj.release();
    expect(obj.released).toBe(true);
    obj.release();
    expect(obj.released).toBe(true);
    expect(() => obj.get("a")).toThrow(HandleReleasedError);
    expect(() => obj.set("a", 2)).toThrow(HandleReleasedError);
    expect(() => obj.has("a")).toThrow(HandleReleasedError);
    expect(() => obj.delete("a")).toThrow(HandleReleasedError);
    expect(() => obj.keys()).toThrow(HandleReleasedError);
    expect(() => obj.entries()).toThrow(HandleReleasedError);
    expect(() => [...obj]).toThrow(HandleReleasedError);
    let error: unknown;
    try {
      obj.get("a");
    } catch (e) {
      error = e;
    }
    expect((error as HandleReleasedError).code).toBe("ERR_MINI_RACER_HANDLE_RELEASED");

    const f = fn(mr, "() => 1");
    f.release();
    expect(() => f()).toThrow(HandleReleasedError);
    expect(() => f.invoke([])).toThrow(HandleReleasedError);
    await expect(f.callAsync()).rejects.toThrow(HandleReleasedError);
    await expect(f.invokeAsync([])).rejects.toThrow(HandleReleasedError);

    const arr = arrayHandle(mr, "[1]");
    arr.release();
    expect(() => arr.length).toThrow(HandleReleasedError);
  });

  it("a released handle cannot be passed back as an argument, thisArg, set value or key", () => {
    using mr = new MiniRacer();
    const target = objectHandle(mr, "({})");
    const id = fn(mr, "(function () { return 1 })");
    const obj = objectHandle(mr, "({})");
    const sym = mr.eval("Symbol('x')") as JSSymbolHandle;
    obj.release();
    sym.release();
    expect(sym.released).toBe(true);
    expect(() => id(obj)).toThrow(HandleReleasedError);
    expect(() => id.invoke([], { thisArg: obj })).toThrow(HandleReleasedError);
    expect(() => target.set("x", obj)).toThrow(HandleReleasedError);
    expect(() => target.get(sym)).toThrow(HandleReleasedError);
    expect(() => mr.call("String", obj)).toThrow(HandleReleasedError);
    expect(id()).toBe(1);
  });

  it("after close(), handles throw ContextClosedError; release() still works", async () => {
    const mr = new MiniRacer();
    const obj = objectHandle(mr, "({ a: 1 })");
    const f = fn(mr, "() => 1");
    const arr = arrayHandle(mr, "[1]");
    mr.close();
    expect(() => obj.get("a")).toThrow(ContextClosedError);
    expect(() => obj.set("a", 1)).toThrow(ContextClosedError);
    expect(() => obj.keys()).toThrow(ContextClosedError);
    expect(() => f()).toThrow(ContextClosedError);
    expect(() => arr.length).toThrow(ContextClosedError);
    await expect(f.callAsync()).rejects.toThrow(ContextClosedError);
    expect(() => obj.release()).not.toThrow();
  });

  it("handleCount() counts live handles: up with handle results, down with release", () => {
    using mr = new MiniRacer();
    expect(mr.handleCount()).toBe(0);
    mr.eval("({ copied: true })");
    mr.eval("1");
    expect(mr.handleCount()).toBe(0);
    const a = objectHandle(mr, "({})");
    expect(mr.handleCount()).toBe(1);
    const b = fn(mr, "() => {}");
    const c = mr.eval("Symbol()") as JSSymbolHandle;
    const d = arrayHandle(mr, "[]");
    expect(mr.handleCount()).toBe(4);
    // get() of a function and entries() of functions create handles too.
    const obj = objectHandle(mr, "({ f() {}, g() {} })");
    const fGot = obj.get("f") as JSFunctionHandle;
    expect(mr.handleCount()).toBe(6);
    a.release();
    a.release();
    expect(mr.handleCount()).toBe(5);
    for (const h of [b, c, d, obj, fGot]) h.release();
    expect(mr.handleCount()).toBe(0);
  });

  it("handles are per MiniRacer", () => {
    using one = new MiniRacer();
    using two = new MiniRacer();
    const h = objectHandle(one, "({})");
    expect(one.handleCount()).toBe(1);
    expect(two.handleCount()).toBe(0);
    h.release();
  });

  it("unreferenced handles are collected by host GC", async () => {
    expect(gc).toBeTypeOf("function");
    using mr = new MiniRacer();
    const kept = fn(mr, "x => x + 1");
    (() => {
      for (let i = 0; i < 50; i++) {
        mr.eval(`({ i: ${i} })`, { handle: true });
        mr.eval("() => 1");
      }
    })();
    expect(mr.handleCount()).toBe(101);
    await collectUntil(() => mr.handleCount() <= 1);
    expect(mr.handleCount()).toBe(1);
    // The referenced handle survived and still works.
    expect(kept(1)).toBe(2);
    expect(kept.released).toBe(false);
  });

  it("a GC'd handle never invalidates another live handle to the same value", async () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.shared = { v: 1 }");
    const live = objectHandle(mr, "shared");
    (() => {
      for (let i = 0; i < 20; i++) mr.eval("shared", { handle: true });
    })();
    await collectUntil(() => mr.handleCount() <= 1);
    expect(mr.handleCount()).toBe(1);
    expect(live.get("v")).toBe(1);
  });

  it("a handle keeps its value alive until release(), and no longer", () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.collected = []; globalThis.fr = new FinalizationRegistry((key) => collected.push(key))");
    const h = objectHandle(mr, "(() => { const o = { v: 1 }; fr.register(o, 'o'); return o })()");
    // (FinalizationRegistry callbacks run inside the next call.)
    for (let i = 0; i < 3; i++) {
      mr.lowMemoryNotification();
      mr.eval("0");
    }
    expect(mr.eval("collected")).toEqual([]);
    expect(h.get("v")).toBe(1);
    h.release();
    for (let i = 0; i < 3; i++) {
      mr.lowMemoryNotification();
      mr.eval("0");
    }
    expect(mr.eval("collected")).toEqual(["o"]);
  });

  it("a handle keeps its value alive after the sandbox drops it", () => {
    using mr = new MiniRacer();
    const h = objectHandle(mr, "globalThis.tmp = { payload: 'x'.repeat(1000) }; tmp");
    mr.execute("delete globalThis.tmp");
    mr.lowMemoryNotification();
    expect((h.get("payload") as string).length).toBe(1000);
  });
});

describe("handles across MiniRacers", () => {
  it("a handle of another MiniRacer is a ValueTransferError as argument, thisArg or set value", async () => {
    using one = new MiniRacer();
    using two = new MiniRacer();
    const foreign = objectHandle(one, "({})");
    const foreignFn = fn(one, "() => 1");
    const foreignSym = one.eval("Symbol('s')") as JSSymbolHandle;
    const local = fn(two, "(function () { 'use strict'; return typeof this })");
    const localObj = objectHandle(two, "({})");
    expect(() => local(foreign)).toThrow(ValueTransferError);
    expect(() => local(foreignFn)).toThrow(ValueTransferError);
    expect(() => local(foreignSym)).toThrow(ValueTransferError);
    expect(() => local.invoke([], { thisArg: foreign })).toThrow(ValueTransferError);
    expect(() => localObj.set("x", foreign)).toThrow(ValueTransferError);
    expect(() => two.call("String", foreign)).toThrow(ValueTransferError);
    await expect(local.callAsync(foreign)).rejects.toThrow(ValueTransferError);
    await expect(two.callAsync("String", foreign)).rejects.toThrow(ValueTransferError);
    // Both stay usable.
    expect(local()).toBe("undefined");
    expect(foreignFn()).toBe(1);
  });
});
