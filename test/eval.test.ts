import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  ErrorCodes,
  HandleReleasedError,
  JSCancelledError,
  JSEvalError,
  JSFunctionHandle,
  JSOOMError,
  JSParseError,
  JSPromiseError,
  JSSymbolHandle,
  JSTimeoutError,
  MiniRacer,
  MiniRacerError,
  ModuleLinkError,
  ModuleLoadError,
  ModuleNotFoundError,
  SnapshotError,
  NativeBuildError,
  PoolClosedError,
  PoolQueueFullError,
  ValueTransferError,
} from "../src/index.js";

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

  it("passes the structured-clone set in as arguments, and it comes back the same", () => {
    mr.execute(`
      function check(v) {
        return [
          'undef' in v && v.undef === undefined, Number.isNaN(v.nan), Object.is(v.negZero, -0), v.big === 2n ** 70n,
          v.date instanceof Date && v.date.getTime(), v.re instanceof RegExp && v.re.source + '/' + v.re.flags,
          v.map instanceof Map && v.map.get(1).x, v.set instanceof Set && [...v.set],
          v.bytes instanceof Uint8Array && [...v.bytes], v.floats instanceof Float64Array && v.floats[0],
          v.buffer instanceof ArrayBuffer && [...new Uint8Array(v.buffer)], v.sparse.length === 3 && !(1 in v.sparse) && v.sparse[2],
          v.cyclic.self === v.cyclic, v.err instanceof RangeError && v.err.message,
        ]
      }
      function id(v) { return v }`);
    const cyclic: Record<string, unknown> = { name: "c" };
    cyclic.self = cyclic;
    const value = {
      undef: undefined, nan: NaN, negZero: -0, big: 2n ** 70n, date: new Date(5), re: /a+b/gy,
      map: new Map([[1, { x: 1 }]]), set: new Set([1, "a"]), bytes: new Uint8Array([1, 2]),
      floats: new Float64Array([0.5]), buffer: new Uint8Array([9]).buffer, sparse: [1, , 3], // eslint-disable-line no-sparse-arrays
      cyclic, err: new RangeError("bad"),
    };
    expect(mr.call("check", value)).toEqual([true, true, true, true, 5, "a+b/gy", 1, [1, "a"], [1, 2], 0.5, [9], 3, true, "bad"]);
    const back = mr.call<typeof value>("id", value);
    expect("undef" in back).toBe(true);
    expect(back.nan).toBeNaN();
    expect(Object.is(back.negZero, -0)).toBe(true);
    expect(back.big).toBe(2n ** 70n);
    expect(back.date).toEqual(new Date(5));
    expect(back.re).toEqual(/a+b/gy);
    expect(back.map).toEqual(new Map([[1, { x: 1 }]]));
    expect(back.set).toEqual(new Set([1, "a"]));
    expect(back.bytes).toEqual(new Uint8Array([1, 2]));
    expect(back.floats).toEqual(new Float64Array([0.5]));
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array([9]));
    expect(1 in back.sparse).toBe(false);
    expect(back.sparse).toHaveLength(3);
    expect(back.cyclic.self).toBe(back.cyclic);
    expect(back.err).toBeInstanceOf(RangeError);
    expect(back.err.message).toBe("bad");
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
    const message =
      "the result is a Promise that has not settled; a synchronous call cannot wait for it (use evalAsync or callAsync)";
    for (const code of ["new Promise(() => {})", "(async () => { await new Promise(() => {}) })()"]) {
      let error: unknown;
      try {
        mr.eval(code);
      } catch (e) {
        error = e;
      }
      expect(error, code).toBeInstanceOf(JSEvalError);
      expect(error, code).not.toBeInstanceOf(JSPromiseError);
      expect((error as JSEvalError).code).toBe("ERR_MINI_RACER_EVAL");
      expect((error as JSEvalError).jsName).toBe("TypeError");
      expect((error as JSEvalError).jsMessage).toBe(message);
    }
    expect(mr.eval("1")).toBe(1);
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

  it("every error class has the README's stable code and is a MiniRacerError (the Errors table)", () => {
    const table: Array<[string, Error, string]> = [
      ["JSEvalError", new JSEvalError("TypeError", "m", "s"), "ERR_MINI_RACER_EVAL"],
      ["JSParseError", new JSParseError("SyntaxError", "m", "s"), "ERR_MINI_RACER_PARSE"],
      ["JSPromiseError", new JSPromiseError("Error", "m", "s"), "ERR_MINI_RACER_PROMISE_REJECTED"],
      ["JSTimeoutError", new JSTimeoutError(), "ERR_MINI_RACER_TIMEOUT"],
      ["JSOOMError", new JSOOMError(), "ERR_MINI_RACER_OOM"],
      ["ValueTransferError", new ValueTransferError("m"), "ERR_MINI_RACER_VALUE_TRANSFER"],
      ["ContextClosedError", new ContextClosedError(), "ERR_MINI_RACER_CLOSED"],
      ["HandleReleasedError", new HandleReleasedError(), "ERR_MINI_RACER_HANDLE_RELEASED"],
      ["AbortError", new AbortError("why"), "ERR_MINI_RACER_ABORTED"],
      ["JSCancelledError", new JSCancelledError(), "ERR_MINI_RACER_CANCELLED"],
      ["NativeBuildError", new NativeBuildError("m"), "ERR_MINI_RACER_NO_NATIVE_BUILD"],
      ["PoolClosedError", new PoolClosedError(), "ERR_MINI_RACER_POOL_CLOSED"],
      ["PoolQueueFullError", new PoolQueueFullError(), "ERR_MINI_RACER_POOL_QUEUE_FULL"],
      ["ModuleNotFoundError", new ModuleNotFoundError("Error", "m", "s"), "ERR_MINI_RACER_MODULE_NOT_FOUND"],
      ["ModuleLoadError", new ModuleLoadError("Error", "m", "s"), "ERR_MINI_RACER_MODULE_LOAD"],
      ["ModuleLinkError", new ModuleLinkError("SyntaxError", "m", "s"), "ERR_MINI_RACER_MODULE_LINK"],
      ["SnapshotError", new SnapshotError("m"), "ERR_MINI_RACER_SNAPSHOT"],
      ["MiniRacerError", new MiniRacerError("m"), "ERR_MINI_RACER_INTERNAL"],
      ["MiniRacerError", new MiniRacerError("m", ErrorCodes.unsafeHostFlags), "ERR_MINI_RACER_UNSAFE_HOST_FLAGS"],
    ];
    for (const [name, error, code] of table) {
      expect(error, name).toBeInstanceOf(MiniRacerError);
      expect(error, name).toBeInstanceOf(Error);
      expect((error as MiniRacerError).code, name).toBe(code);
      expect(error.name, name).toBe(name);
    }
    // The codes are exactly these: one per class, and MiniRacerError's two.
    expect(Object.values(ErrorCodes).sort()).toEqual(table.map(([, , code]) => code).sort());
    // JSParseError and JSPromiseError are JSEvalErrors; AbortError carries the reason.
    expect(table[1]![1]).toBeInstanceOf(JSEvalError);
    expect(table[2]![1]).toBeInstanceOf(JSEvalError);
    expect(table[8]![1].cause).toBe("why");
    expect(table[8]![1].name).toBe("AbortError");
    // Each code as a real call produces it (the rest: async.test.ts, handles.test.ts,
    // time-escapes.test.ts for JSCancelledError, native-load.test.ts for NativeBuildError).
    const codeOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return [(e as Error).constructor.name, (e as MiniRacerError).code];
      }
      return "no error";
    };
    expect(codeOf(() => mr.eval("throw new Error('x')"))).toEqual(["JSEvalError", "ERR_MINI_RACER_EVAL"]);
    expect(codeOf(() => mr.eval("1 +"))).toEqual(["JSParseError", "ERR_MINI_RACER_PARSE"]);
    expect(codeOf(() => mr.eval("Promise.reject(new Error('x'))"))).toEqual(["JSPromiseError", "ERR_MINI_RACER_PROMISE_REJECTED"]);
    expect(codeOf(() => mr.eval("for (;;);", { timeout: 20 }))).toEqual(["JSTimeoutError", "ERR_MINI_RACER_TIMEOUT"]);
    expect(codeOf(() => mr.eval("new WeakMap()"))).toEqual(["ValueTransferError", "ERR_MINI_RACER_VALUE_TRANSFER"]);
    using small = new MiniRacer({ maxMemory: 8 * 1024 * 1024 });
    expect(codeOf(() => small.eval("(() => { const a = []; for (;;) a.push({}) })()"))).toEqual(["JSOOMError", "ERR_MINI_RACER_OOM"]);
    const h = mr.eval("({})", { handle: true }) as { release(): void; keys(): unknown };
    h.release();
    expect(codeOf(() => h.keys())).toEqual(["HandleReleasedError", "ERR_MINI_RACER_HANDLE_RELEASED"]);
    const closed = new MiniRacer();
    closed.close();
    expect(codeOf(() => closed.eval("1"))).toEqual(["ContextClosedError", "ERR_MINI_RACER_CLOSED"]);
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

  it("passes copies: the sandbox changing an argument leaves the host's value alone", () => {
    mr.execute("function grab(o) { o.list.push(99); o.added = true; globalThis.kept = o; return o.list.length }");
    const arg = { list: [1, 2] };
    expect(mr.call("grab", arg)).toBe(3);
    expect(arg).toEqual({ list: [1, 2] });
    arg.list.push(3);
    expect(mr.eval("kept.list")).toEqual([1, 2, 99]);
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

  it("heapStats() has exactly the documented fields; the defaults are a 128 MiB cap and no soft limit", () => {
    const stats = mr.heapStats();
    expect(Object.keys(stats).sort()).toEqual(
      ["externalMemory", "heapSizeLimit", "maxMemory", "memoryCapReached", "softLimitReached", "totalHeapSize", "usedHeapSize"],
    );
    for (const key of ["externalMemory", "heapSizeLimit", "maxMemory", "totalHeapSize", "usedHeapSize"] as const) {
      expect(typeof stats[key], key).toBe("number");
    }
    expect(stats.maxMemory).toBe(128 * 1024 * 1024);
    expect([stats.softLimitReached, stats.memoryCapReached]).toEqual([false, false]);
    // No soft limit: however much a call leaves behind, softLimitReached stays false.
    mr.execute("globalThis.big = Array.from({ length: 300000 }, (_, i) => ({ i }))");
    expect(mr.heapStats().usedHeapSize).toBeGreaterThan(8 * 1024 * 1024);
    expect(mr.heapStats().softLimitReached).toBe(false);
  });

  it("lowMemoryNotification() collects the garbage now", () => {
    mr.execute("globalThis.big = Array.from({ length: 300000 }, (_, i) => ({ i }))");
    const full = mr.heapStats().usedHeapSize;
    mr.execute("big = null");
    expect(mr.heapStats().usedHeapSize).toBeGreaterThan(full - 1024 * 1024); // garbage, not yet collected
    mr.lowMemoryNotification();
    expect(mr.heapStats().usedHeapSize).toBeLessThan(full - 8 * 1024 * 1024);
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

  it("reports the V8 version, which is the host's own (sandboxes run on Node's V8)", () => {
    expect(MiniRacer.v8Version).toMatch(/^\d+\.\d+\.\d+/);
    expect(MiniRacer.v8Version).toBe(process.versions.v8);
  });
});
