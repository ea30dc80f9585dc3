import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ContextClosedError, JSEvalError, JSFunctionHandle, JSParseError, JSSymbolHandle, MiniRacer, MiniRacerError, ValueTransferError } from "../src/index.js";

let mr: MiniRacer;
beforeEach(() => {
  mr = new MiniRacer();
});
afterEach(() => {
  mr.close();
});

describe("eval", () => {
  it("returns the value of the last expression", () => {
    expect(mr.eval("1 + 1")).toBe(2);
    expect(mr.eval("let x = 2; x * 21")).toBe(42);
  });

  it("keeps state across calls", () => {
    mr.eval("var counter = 0");
    mr.eval("counter++");
    mr.eval("counter++");
    expect(mr.eval("counter")).toBe(2);
  });

  it("returns every JSON value", () => {
    const value = { a: 1, b: "two", c: [true, false, null], d: { e: 1.5, f: [] } };
    expect(mr.eval(`(${JSON.stringify(value)})`)).toEqual(value);
    expect(mr.eval("null")).toBeNull();
    expect(mr.eval("undefined")).toBeUndefined();
    expect(mr.eval("'a string'")).toBe("a string");
  });

  it("returns strings exactly, including non-Latin-1 and lone surrogates", () => {
    expect(mr.eval("'héllo'")).toBe("héllo");
    expect(mr.eval("'h€llo 🐈'")).toBe("h€llo 🐈");
    expect(mr.eval("'\\ud800x'")).toBe("\ud800x");
    expect(mr.eval("'a\\0b'")).toBe("a\0b");
    expect(mr.eval("''")).toBe("");
    expect(mr.eval("'x'.repeat(100000)")).toBe("x".repeat(100000));
  });

  it("returns the structured-clone set", () => {
    const out = mr.eval<Record<string, unknown>>(`({
      nan: NaN, negZero: -0, big: 12345678901234567890n, date: new Date(86400000),
      re: /ab+c/gi, map: new Map([[1, "one"]]), set: new Set(["x"]),
      bytes: new Uint8Array([1, 2, 3]), floats: new Float64Array([0.5]),
      buffer: new ArrayBuffer(4), sparse: [1, , 3], undef: undefined,
      err: new RangeError("bad"),
    })`);
    expect(out.nan).toBeNaN();
    expect(Object.is(out.negZero, -0)).toBe(true);
    expect(out.big).toBe(12345678901234567890n);
    expect(out.date).toEqual(new Date(86400000));
    expect(out.re).toEqual(/ab+c/gi);
    expect(out.map).toEqual(new Map([[1, "one"]]));
    expect(out.set).toEqual(new Set(["x"]));
    expect(out.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(out.floats).toEqual(new Float64Array([0.5]));
    expect((out.buffer as ArrayBuffer).byteLength).toBe(4);
    expect(1 in (out.sparse as unknown[])).toBe(false);
    expect("undef" in out).toBe(true);
    expect(out.err).toBeInstanceOf(RangeError);
    expect((out.err as Error).message).toBe("bad");
  });

  it("returns cycles", () => {
    const out = mr.eval<{ self: unknown }>("const o = {}; o.self = o; o");
    expect(out.self).toBe(out);
  });

  it("returns numbers as numbers", () => {
    expect(mr.eval("0.1 + 0.2")).toBe(0.1 + 0.2);
    expect(mr.eval("2 ** 53 + 2")).toBe(2 ** 53 + 2);
    expect(Object.is(mr.eval("-0"), -0)).toBe(true);
    expect(mr.eval("Infinity")).toBe(Infinity);
    expect(mr.eval("1n << 70n")).toBe(1n << 70n);
  });

  it("settles promises the script already resolved", () => {
    expect(mr.eval("Promise.resolve(5)")).toBe(5);
    expect(mr.eval("(async () => 7)()")).toBe(7);
    expect(() => mr.eval("Promise.reject(new Error('no'))")).toThrow(JSEvalError);
  });

  it("refuses to wait for a pending promise, clearly", () => {
    expect(() => mr.eval("new Promise(() => {})")).toThrow(/has not settled/);
  });

  it("runs microtasks before returning", () => {
    mr.execute("var seen = 0; Promise.resolve().then(() => { seen = 1 })");
    expect(mr.eval("seen")).toBe(1);
  });
});

describe("errors from the script", () => {
  it("wraps a thrown error with its name, message and stack", () => {
    try {
      mr.eval("function f() { throw new TypeError('bad thing') }\nf()");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JSEvalError);
      expect(error).toBeInstanceOf(MiniRacerError);
      const e = error as JSEvalError;
      expect(e.code).toBe("ERR_MINI_RACER_EVAL");
      expect(e.jsName).toBe("TypeError");
      expect(e.jsMessage).toBe("bad thing");
      expect(e.message).toBe("TypeError: bad thing");
      expect(e.jsStack).toContain("at f (<eval>:1:");
      expect(e.name).toBe("JSEvalError");
    }
  });

  it("wraps thrown non-errors", () => {
    expect(() => mr.eval("throw 42")).toThrow(expect.objectContaining({ jsMessage: "42", jsName: "" }));
    expect(() => mr.eval("throw 'text'")).toThrow(expect.objectContaining({ jsMessage: "text" }));
    expect(() => mr.eval("throw {a: 1}")).toThrow(JSEvalError);
  });

  it("survives an error whose getters throw", () => {
    const code = "const e = new Error('x'); Object.defineProperty(e, 'message', { get() { throw 1 } }); throw e";
    expect(() => mr.eval(code)).toThrow(JSEvalError);
    expect(mr.eval("1")).toBe(1);
  });

  it("reports syntax errors as JSParseError with the location", () => {
    try {
      mr.eval("1 +\n(");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JSParseError);
      expect(error).toBeInstanceOf(JSEvalError);
      const e = error as JSParseError;
      expect(e.code).toBe("ERR_MINI_RACER_PARSE");
      expect(e.jsName).toBe("SyntaxError");
      expect(e.jsStack).toContain("<eval>:2:");
    }
  });

  it("reports unbounded recursion as a RangeError, and stays usable", () => {
    try {
      mr.eval("function r() { return r() + 1 } r()");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JSEvalError);
      expect((error as JSEvalError).jsName).toBe("RangeError");
      expect((error as JSEvalError).jsMessage).toMatch(/call stack/);
    }
    expect(mr.eval("2")).toBe(2);
  });
});

describe("values that cannot cross", () => {
  it("returns functions and symbols as handles, and refuses them nested in copies", () => {
    expect(mr.eval("(() => 1)")).toBeInstanceOf(JSFunctionHandle);
    expect(mr.eval("Symbol('s')")).toBeInstanceOf(JSSymbolHandle);
    expect(() => mr.eval("({ f() {} })")).toThrow(ValueTransferError);
    expect(() => mr.eval("new SharedArrayBuffer(8)")).toThrow(ValueTransferError);
    expect(() => mr.call("JSON.stringify", () => 1)).toThrow(ValueTransferError);
    expect(() => mr.call("JSON.stringify", Symbol("s"))).toThrow(ValueTransferError);
    expect(() => mr.call("JSON.stringify", { f: () => 1 })).toThrow(ValueTransferError);
    expect(mr.eval("3")).toBe(3);
  });

  it("execute discards values that could not cross", () => {
    expect(mr.execute("function f() {}; f")).toBeUndefined();
    expect(mr.execute("var z = 1 // trailing comment")).toBeUndefined();
    expect(mr.eval("typeof f + z")).toBe("function1");
  });
});

describe("call", () => {
  it("calls global functions and dotted paths with this bound", () => {
    mr.execute(`
      function add(a, b) { return a + b }
      var math = { k: 10, scale(x) { return x * this.k }, deep: { id: (v) => v } };
    `);
    expect(mr.call("add", 1, 2)).toBe(3);
    expect(mr.call("add", "a", "b")).toBe("ab");
    expect(mr.call("math.scale", 4)).toBe(40);
    expect(mr.call("math.deep.id", { x: [1, { y: 2n }] })).toEqual({ x: [1, { y: 2n }] });
    expect(mr.call("JSON.stringify", { a: 1 })).toBe('{"a":1}');
  });

  it("passes every kind of argument", () => {
    mr.execute("function kinds(...a) { return a.map(v => Object.prototype.toString.call(v)) }");
    expect(
      mr.call("kinds", undefined, null, true, 1, "s", 1n, new Date(0), new Map(), new Uint8Array(2), [1], {}),
    ).toEqual([
      "[object Undefined]", "[object Null]", "[object Boolean]", "[object Number]", "[object String]",
      "[object BigInt]", "[object Date]", "[object Map]", "[object Uint8Array]", "[object Array]", "[object Object]",
    ]);
  });

  it("passes strings exactly", () => {
    mr.execute("function echo(s) { return s }");
    for (const s of ["", "abc", "héllo", "€🐈", "\ud800", "a\0b", "x".repeat(70000)]) {
      expect(mr.call("echo", s)).toBe(s);
    }
  });

  it("throws JSEvalError for a missing function", () => {
    expect(() => mr.call("nope")).toThrow(/nope is not a function/);
    expect(() => mr.call("Math.nope.deeper")).toThrow(JSEvalError);
    expect(() => mr.call("Math.PI")).toThrow(/is not a function/);
  });

  it("apply takes an argument array and options", () => {
    mr.execute("function add(a, b) { return a + b }");
    expect(mr.apply("add", [2, 3], { timeout: 1000 })).toBe(5);
  });
});

describe("lifecycle", () => {
  it("throws ContextClosedError after close, and close is idempotent", () => {
    const m = new MiniRacer();
    m.close();
    expect(m.closed).toBe(true);
    expect(() => m.close()).not.toThrow();
    expect(() => m.eval("1")).toThrow(ContextClosedError);
    expect(() => m.execute("1")).toThrow(ContextClosedError);
    expect(() => m.call("f")).toThrow(ContextClosedError);
    expect(() => m.heapStats()).toThrow(ContextClosedError);
    try {
      m.eval("1");
    } catch (error) {
      expect((error as ContextClosedError).code).toBe("ERR_MINI_RACER_CLOSED");
    }
  });

  it("supports Symbol.dispose", () => {
    const m = new MiniRacer();
    m[Symbol.dispose]();
    expect(m.closed).toBe(true);
  });

  it("reports heap statistics", () => {
    const m = new MiniRacer({ maxMemory: 32 * 1024 * 1024 });
    const stats = m.heapStats();
    expect(stats.maxMemory).toBe(32 * 1024 * 1024);
    expect(stats.usedHeapSize).toBeGreaterThan(0);
    expect(stats.totalHeapSize).toBeGreaterThanOrEqual(stats.usedHeapSize);
    m.eval("var keep = new ArrayBuffer(1 << 20)");
    expect(m.heapStats().externalMemory).toBeGreaterThanOrEqual(1 << 20);
    m.lowMemoryNotification();
    m.close();
  });

  it("reports the V8 version", () => {
    expect(MiniRacer.v8Version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
