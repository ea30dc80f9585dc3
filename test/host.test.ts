import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AbortError,
  ContextClosedError,
  JSEvalError,
  JSFunctionHandle,
  JSObjectHandle,
  JSSymbolHandle,
  JSTimeoutError,
  MiniRacer,
  MiniRacerError,
} from "../src/index.js";
import { caught, medianWithin, medianWithinAsync, runChild, timedRejection, timeoutOvershoot } from "./helpers.js";
import type { ConsoleLevel } from "../src/index.js";

// Host functions (mr.expose) ported from PyMiniRacer's
// tests/test_py_js_function.py, plus console capture.

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

type ConsoleCall = [ConsoleLevel, unknown[]];

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Noise on this machine, in ms, for bounds on medians of a few calls: five
 * times the worst overshoot of a plain `for (;;)` at a 100 ms deadline, and
 * 20 ms for scheduling on a loaded 2-core machine.
 */
let noise = 0;
beforeAll(() => {
  using mr = new MiniRacer();
  noise = 5 * timeoutOvershoot(mr) + 20;
});

describe("expose: sync host functions", () => {
  it("is callable from the sandbox and records its calls (test_basic)", () => {
    using mr = new MiniRacer();
    const data: unknown[][] = [];
    mr.expose("func", (...args: unknown[]) => {
      data.push(args);
      return "foobar";
    });
    expect(mr.eval("func(42)")).toBe("foobar");
    expect(mr.eval('func("blah")')).toBe("foobar");
    expect(mr.eval("func()")).toBe("foobar");
    expect(mr.eval("func(undefined, null, 1)")).toBe("foobar");
    expect(data).toEqual([[42], ["blah"], [], [undefined, null, 1]]);
    expect(data[3]).toHaveLength(3);
    expect(mr.eval("typeof func")).toBe("function");
    expect(mr.eval("func instanceof Function")).toBe(true);
  });

  it("returns values of many types as sandbox values", () => {
    using mr = new MiniRacer();
    const values: Record<string, unknown> = {
      int: 42,
      float: 1.5,
      nan: NaN,
      negZero: -0,
      str: "h€llo 🐈",
      empty: "",
      yes: true,
      nil: null,
      undef: undefined,
      obj: { a: [1, { b: "c" }] },
      arr: [1, "two", [3]],
      date: new Date(86400000),
      map: new Map<unknown, unknown>([
        [1, "one"],
        ["k", { v: 2 }],
      ]),
      set: new Set(["x", "y"]),
      bytes: new Uint8Array([1, 2, 3]),
      re: /ab+c/gi,
    };
    mr.expose("get", (key: string) => values[key]);
    expect(mr.eval("get('int')")).toBe(42);
    expect(mr.eval("get('float') * 2")).toBe(3);
    expect(mr.eval("Number.isNaN(get('nan'))")).toBe(true);
    expect(mr.eval("Object.is(get('negZero'), -0)")).toBe(true);
    expect(mr.eval("get('str')")).toBe("h€llo 🐈");
    expect(mr.eval("get('str').length")).toBe("h€llo 🐈".length);
    expect(mr.eval("get('empty') === ''")).toBe(true);
    expect(mr.eval("get('yes') === true")).toBe(true);
    expect(mr.eval("get('nil') === null")).toBe(true);
    expect(mr.eval("get('undef') === undefined")).toBe(true);
    expect(mr.eval("get('obj').a[1].b")).toBe("c");
    expect(mr.eval("Array.isArray(get('arr')) && get('arr')[2][0]")).toBe(3);
    expect(mr.eval("const d = get('date'); d instanceof Date && d.getTime()")).toBe(86400000);
    expect(mr.eval("const m = get('map'); m instanceof Map && m.size === 2 && m.get('k').v")).toBe(2);
    expect(mr.eval("const s = get('set'); s instanceof Set && s.has('y')")).toBe(true);
    expect(mr.eval("const u = get('bytes'); u instanceof Uint8Array && u[2]")).toBe(3);
    expect(mr.eval("const r = get('re'); r instanceof RegExp && r.flags + r.source")).toBe("giab+c");
    // A round trip through the sandbox keeps the value.
    expect(mr.eval("get('obj')")).toEqual(values.obj);
    expect(mr.eval("get('map')")).toEqual(values.map);
  });

  it("returns a BigInt, top level and nested", () => {
    using mr = new MiniRacer();
    mr.expose("big", () => 12345678901234567890n);
    mr.expose("bigIn", () => ({ b: 5n }));
    expect(mr.eval("bigIn().b === 5n")).toBe(true);
    expect(mr.eval("typeof big() === 'bigint' && big() === 12345678901234567890n")).toBe(true);
  });

  it("returns copies: neither side sees the other's later mutations", () => {
    using mr = new MiniRacer();
    const state = { list: [1, 2] };
    mr.expose("getState", () => state);
    mr.execute("globalThis.s = getState(); s.list.push(99)");
    expect(state.list).toEqual([1, 2]);
    state.list.push(3);
    expect(mr.eval("s.list")).toEqual([1, 2, 99]);
    expect(mr.eval("getState() === getState()")).toBe(false);
  });

  it("a return value that cannot be copied does not arrive silently as something else", () => {
    using mr = new MiniRacer();
    mr.expose("bad", () => () => 1);
    let result: unknown;
    try {
      result = mr.eval("try { bad(); 'returned' } catch (e) { 'caught ' + (e instanceof Error) }");
    } catch (e) {
      result = e;
    }
    if (typeof result === "string") expect(result).toBe("caught true");
    else expect(result).toBeInstanceOf(MiniRacerError);
    expect(mr.eval("1")).toBe(1);
  });

  it("handles of this MiniRacer returned by a host function arrive as themselves", () => {
    using mr = new MiniRacer();
    const kept = mr.eval("globalThis.kept = { n: 1 }; kept", { handle: true }) as JSObjectHandle;
    const square = mr.eval("globalThis.square = x => x * x; square") as JSFunctionHandle;
    mr.expose("getKept", () => kept);
    mr.expose("getSquare", () => square);
    expect(mr.eval("getKept() === kept")).toBe(true);
    expect(mr.eval("getSquare() === square && getSquare()(7)")).toBe(49);
  });

  it("dotted names create intermediate objects", () => {
    using mr = new MiniRacer();
    const store = new Map<string, unknown>([["a", 1]]);
    mr.expose("db.get", (k: string) => store.get(k));
    mr.expose("db.put", (k: string, v: unknown) => {
      store.set(k, v);
    });
    mr.expose("a.b.c.d", () => "deep");
    expect(mr.eval("typeof db")).toBe("object");
    expect(mr.eval("Object.keys(db).sort()")).toEqual(["get", "put"]);
    expect(mr.eval("db.get('a')")).toBe(1);
    mr.eval("db.put('b', { x: [1] })");
    expect(store.get("b")).toEqual({ x: [1] });
    expect(mr.eval("db.get('b').x[0]")).toBe(1);
    expect(mr.eval("a.b.c.d()")).toBe("deep");
    expect(mr.eval("typeof globalThis.get")).toBe("undefined");
  });

  it("dotted names keep an existing object's properties", () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.ns = { keep: 1 }");
    mr.expose("ns.fn", () => 2);
    expect(mr.eval("ns.keep + ns.fn()")).toBe(3);
  });

  it("re-exposing a name replaces the function", () => {
    using mr = new MiniRacer();
    mr.expose("v", () => 1);
    expect(mr.eval("v()")).toBe(1);
    mr.expose("v", () => 2);
    expect(mr.eval("v()")).toBe(2);
  });

  it("rejects bad names and non-functions with TypeError, and use after close with ContextClosedError", () => {
    const mr = new MiniRacer();
    const expose = mr.expose.bind(mr) as (name: unknown, fn: unknown) => void;
    expect(() => expose("", () => 1)).toThrow(TypeError);
    expect(() => expose(42, () => 1)).toThrow(TypeError);
    expect(() => expose(undefined, () => 1)).toThrow(TypeError);
    expect(() => expose("a..b", () => 1)).toThrow(TypeError);
    expect(() => expose("f", null)).toThrow(TypeError);
    expect(() => expose("f", "function () {}")).toThrow(TypeError);
    expect(() => expose("f", {})).toThrow(TypeError);
    expect(mr.eval("typeof f")).toBe("undefined");
    mr.close();
    expect(() => mr.expose("late", () => 1)).toThrow(ContextClosedError);
  });

  it("arguments arrive as copies: host mutations do not reach the sandbox", () => {
    using mr = new MiniRacer();
    const received: unknown[] = [];
    mr.expose("take", (o: { list: number[] }, d: unknown, m: unknown) => {
      received.push(o, d, m);
      o.list.push(4);
      (o as Record<string, unknown>).added = true;
    });
    mr.execute("globalThis.arg = { list: [1, 2, 3] }; take(arg, new Date(7), new Map([['k', 1]]))");
    expect(mr.eval("arg")).toEqual({ list: [1, 2, 3] });
    expect(received[0]).toEqual({ list: [1, 2, 3, 4], added: true });
    expect(received[1]).toBeInstanceOf(Date);
    expect((received[1] as Date).getTime()).toBe(7);
    expect(received[2]).toBeInstanceOf(Map);
    expect((received[2] as Map<string, number>).get("k")).toBe(1);
  });

  it("functions and symbols arrive as handles", () => {
    using mr = new MiniRacer();
    const received: unknown[] = [];
    mr.expose("take", (...args: unknown[]) => {
      received.push(...args);
    });
    mr.execute("globalThis.sym = Symbol('s'); take(x => x * 2, sym)");
    expect(received[0]).toBeInstanceOf(JSFunctionHandle);
    expect((received[0] as JSFunctionHandle)(21)).toBe(42);
    expect(received[1]).toBeInstanceOf(JSSymbolHandle);
    const isSym = mr.eval("x => x === sym") as JSFunctionHandle;
    expect(isSym(received[1])).toBe(true);
  });

  it("handles received as arguments count in handleCount() and are collected by host GC", async () => {
    using mr = new MiniRacer();
    mr.expose("noop", () => {});
    for (let i = 0; i < 50; i++) mr.eval("noop(() => 1, Symbol('s'))");
    expect(mr.handleCount()).toBe(100);
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeTypeOf("function");
    for (let i = 0; i < 30 && mr.handleCount() > 0; i++) {
      gc?.();
      await sleep(0);
    }
    expect(mr.handleCount()).toBe(0);
  });

  it("a host function may release a handle it received; the sandbox value lives on", () => {
    using mr = new MiniRacer();
    mr.expose("rel", (f: JSFunctionHandle) => {
      f.release();
      return f.released;
    });
    expect(mr.eval("const g = () => 'alive'; rel(g) && g()")).toBe("alive");
    expect(mr.handleCount()).toBe(0);
  });

  it("a host function receiving a function handle can call it synchronously (reentrancy, sync path)", () => {
    using mr = new MiniRacer();
    mr.expose("applyTwice", (f: JSFunctionHandle, x: number) => f(f(x)));
    expect(mr.eval("applyTwice(x => x * 3, 2)")).toBe(18);
    // Nested: the callback calls another host function.
    mr.expose("double", (x: number) => x * 2);
    expect(mr.eval("applyTwice(x => double(x) + 1, 1)")).toBe(7);
    // The host can also eval in the same MiniRacer from inside a host call.
    mr.execute("globalThis.counter = 5");
    mr.expose("peek", () => mr.eval("counter"));
    expect(mr.eval("counter++; peek()")).toBe(6);
  });

  it("a progress channel: many calls during one eval all reach the host in order", () => {
    using mr = new MiniRacer();
    const seen: number[] = [];
    mr.expose("progress", (n: number) => {
      seen.push(n);
    });
    expect(mr.eval("for (let i = 1; i <= 2000; i++) progress(i); 'done'")).toBe("done");
    expect(seen).toHaveLength(2000);
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
  });

  it("a progress channel on the async path delivers everything before the call settles", async () => {
    using mr = new MiniRacer();
    const seen: number[] = [];
    mr.expose("progress", (n: number) => {
      seen.push(n);
    });
    const done = mr
      .evalAsync(
        `(async () => {
           for (let i = 1; i <= 50; i++) {
             progress(i);
             if (i % 10 === 0) await new Promise(r => setTimeout(r, 1));
           }
           return 'done';
         })()`,
      )
      .then((v) => [v, seen.length]);
    expect(await done).toEqual(["done", 50]);
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it("host functions work through mr.call and function handles", () => {
    using mr = new MiniRacer();
    mr.expose("inc", (x: number) => x + 1);
    mr.execute("function useInc(x) { return inc(inc(x)) }");
    expect(mr.call("useInc", 1)).toBe(3);
    const f = mr.eval("x => inc(x) * 10") as JSFunctionHandle;
    expect(f(1)).toBe(20);
  });
});

describe("the README's host-function and console examples", () => {
  it("run as written (fetch replaced by a local async function)", async () => {
    const store = new Map<string, unknown>([["answer", 41]]);
    const lines: unknown[][] = [];
    const logged: Array<[string, unknown[]]> = [];
    const logger = Object.fromEntries(
      (["log", "info", "warn", "error", "debug"] as const).map((level) => [level, (...args: unknown[]) => logged.push([level, args])]),
    ) as unknown as Record<ConsoleLevel, (...args: unknown[]) => void>;
    using mr = new MiniRacer({ onConsole: (level, args) => logger[level]("plugin:", ...args) });
    mr.expose("db.get", (key: string) => store.get(key)); // dotted names create objects
    mr.expose("fetchJson", async (url: string) => ({ name: `json of ${url}` }));
    expect(mr.eval("db.get('answer') + 1")).toBe(42);
    expect(await mr.evalAsync("fetchJson('https://example.com/x.json').then(x => x.name)")).toBe("json of https://example.com/x.json");
    mr.eval("console.warn('low disk', { free: 3 })");
    mr.eval("console.log('this call only')", { onConsole: (_level, args) => lines.push(args) });
    expect(logged).toEqual([["warn", ["plugin:", "low disk", { free: 3 }]]]);
    expect(lines).toEqual([["this call only"]]);
  });
});

describe("expose: host errors", () => {
  it("a host throw is a catchable sandbox error with the same name and message", () => {
    using mr = new MiniRacer();
    mr.expose("fail", (kind: string) => {
      if (kind === "type") throw new TypeError("bad thing");
      if (kind === "range") throw new RangeError("out of range");
      class CustomError extends Error {
        override name = "CustomError";
      }
      throw new CustomError("custom");
    });
    const probe = (kind: string) =>
      mr.eval(`try { fail('${kind}'); 'no throw' } catch (e) {
        [e.name, e.message, e instanceof Error, Object.getPrototypeOf(e) === ${
          kind === "type" ? "TypeError" : kind === "range" ? "RangeError" : "Error"
        }.prototype]
      }`);
    expect(probe("type")).toEqual(["TypeError", "bad thing", true, true]);
    expect(probe("range")).toEqual(["RangeError", "out of range", true, true]);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("a host throw of a non-standard error type arrives as a sandbox Error keeping its name", () => {
    using mr = new MiniRacer();
    class CustomError extends Error {
      override name = "CustomError";
    }
    mr.expose("fail", () => {
      throw new CustomError("custom");
    });
    expect(mr.eval("try { fail() } catch (e) { [e.name, e.message, e instanceof Error, Object.getPrototypeOf(e) === Error.prototype] }")).toEqual([
      "CustomError",
      "custom",
      true,
      true,
    ]);
    // A sandbox error rethrown by the host (a JSEvalError there) goes back as what it was.
    mr.expose("rethrow", (f: JSFunctionHandle) => f());
    expect(
      mr.eval("try { rethrow(() => { throw new TypeError('inner') }) } catch (e) { [e.name, e.message, e instanceof TypeError] }"),
    ).toEqual(["TypeError", "inner", true]);
  });

  it("the sandbox error carries no host stack, host object or host realm", () => {
    using mr = new MiniRacer();
    mr.expose("fail", () => {
      const err = new TypeError("bad thing") as TypeError & { secret?: string };
      err.secret = "host-secret";
      throw err;
    });
    const out = mr.eval<Record<string, unknown>>(`
      try { fail() } catch (e) {
        let reach;
        try { const p = e.constructor.constructor('return process')(); reach = typeof p } catch (e2) { reach = 'threw ' + e2.name }
        ({
          reach,
          typeofProcess: typeof process,
          typeofRequire: typeof require,
          sameFunction: e.constructor.constructor === Function,
          secret: e.secret,
          stack: String(e.stack),
          ownKeys: Object.getOwnPropertyNames(e).filter(k => k !== 'stack' && k !== 'message'),
        })
      }`);
    expect(out.reach).toBe("threw ReferenceError");
    expect(out.typeofProcess).toBe("undefined");
    expect(out.typeofRequire).toBe("undefined");
    expect(out.sameFunction).toBe(true);
    expect(out.secret).toBeUndefined();
    expect(out.stack).not.toContain("host.test");
    expect(out.stack).not.toContain(__filename);
    expect(out.ownKeys).toEqual([]);
    // The exposed function itself does not lead out of the sandbox either.
    expect(mr.eval("fail.constructor === Function")).toBe(true);
    expect(mr.eval("fail.constructor('return typeof process')()")).toBe("undefined");
  });

  it("an uncaught host error arrives in the host as JSEvalError", () => {
    using mr = new MiniRacer();
    mr.expose("fail", () => {
      throw new TypeError("bad thing");
    });
    const error = caught(() => mr.eval("fail()"));
    expect(error).toBeInstanceOf(JSEvalError);
    expect(error).toMatchObject({ jsName: "TypeError", jsMessage: "bad thing" });
    mr.execute("function callsFail() { return fail() }");
    expect(() => mr.call("callsFail")).toThrow(JSEvalError);
    expect(mr.eval("'still ok'")).toBe("still ok");
  });

  it("a host throw of a non-Error value still becomes a sandbox Error", () => {
    using mr = new MiniRacer();
    mr.expose("failStr", () => {
      throw "just a string";
    });
    expect(mr.eval("try { failStr() } catch (e) { e instanceof Error }")).toBe(true);
  });

  it("on the async path an uncaught host error rejects with JSEvalError", async () => {
    using mr = new MiniRacer();
    mr.expose("fail", () => {
      throw new RangeError("async path");
    });
    const error = await mr.evalAsync("fail()").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsName).toBe("RangeError");
    expect((error as JSEvalError).jsMessage).toBe("async path");
    expect(await mr.evalAsync("try { fail() } catch (e) { e.message }")).toBe("async path");
  });
});

describe("expose: async host functions", () => {
  it("a host Promise appears as a sandbox Promise and works with evalAsync (test_basic)", async () => {
    using mr = new MiniRacer();
    const data: unknown[][] = [];
    mr.expose("func", async (...args: unknown[]) => {
      data.push(args);
      return "foobar";
    });
    expect(await mr.evalAsync("func(42)")).toBe("foobar");
    expect(await mr.evalAsync('func("blah")')).toBe("foobar");
    expect(data).toEqual([[42], ["blah"]]);
    expect(mr.eval("func(1) instanceof Promise")).toBe(true);
    mr.expose("fetchIt", async (x: number) => x * 10);
    expect(await mr.evalAsync("fetchIt(1).then(x => x + 1)")).toBe(11);
  });

  it("works with callAsync and with delayed host promises", async () => {
    using mr = new MiniRacer();
    mr.expose("slowDouble", async (x: number) => {
      await sleep(20);
      return { doubled: x * 2, at: new Date(0) };
    });
    mr.execute("async function useIt(x) { const r = await slowDouble(x); return r.doubled + (r.at instanceof Date ? 1 : 0) }");
    expect(await mr.callAsync("useIt", 5)).toBe(11);
    expect(await mr.applyAsync("useIt", [10])).toBe(21);
  });

  it("on the sync path the host promise stays pending", () => {
    using mr = new MiniRacer();
    mr.expose("fetchIt", async () => 1);
    const error = caught(() => mr.eval("fetchIt()"));
    expect(error).toBeInstanceOf(JSEvalError);
    expect(error).toMatchObject({
      jsName: "TypeError",
      jsMessage: "the result is a Promise that has not settled; a synchronous call cannot wait for it (use evalAsync or callAsync)",
    });
    // In the sandbox it is a pending promise: a sync call sees it unsettled.
    expect(mr.eval("let state = 'pending'; fetchIt().then(() => { state = 'settled' }); state")).toBe("pending");
    expect(mr.eval("1")).toBe(1);
  });

  it("many pending host promises run concurrently (test_slow)", async () => {
    using mr = new MiniRacer();
    const data: unknown[][] = [];
    mr.expose("func", async (...args: unknown[]) => {
      await sleep(200);
      data.push(args);
      return "foobar";
    });
    const start = performance.now();
    const out = await mr.evalAsync("Promise.all(Array.from({ length: 100 }, () => func(42)))");
    expect(out).toEqual(Array(100).fill("foobar"));
    expect(data).toEqual(Array(100).fill([42]));
    // Sequential would take 20 s.
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it("a rejected host promise is catchable in the sandbox with name and message", async () => {
    using mr = new MiniRacer();
    mr.expose("fetchFail", async () => {
      await sleep(1);
      throw new RangeError("nope");
    });
    expect(await mr.evalAsync("fetchFail().catch(e => [e.name, e.message, e instanceof Error, e instanceof RangeError])")).toEqual([
      "RangeError",
      "nope",
      true,
      true,
    ]);
    expect(await mr.evalAsync("(async () => { try { await fetchFail() } catch (e) { return 'caught ' + e.message } })()")).toBe(
      "caught nope",
    );
  });

  it("an uncaught rejected host promise rejects the call with JSEvalError/JSPromiseError (test_exception)", async () => {
    using mr = new MiniRacer();
    mr.expose("func", async () => {
      throw new Error("boo");
    });
    const error = await mr.evalAsync("func(42)").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsMessage).toBe("boo");
    expect((error as JSEvalError).jsStack).not.toContain("host.test");
    mr.execute("async function useFunc() { return await func() }");
    await expect(mr.callAsync("useFunc")).rejects.toThrow(JSEvalError);
    expect(await mr.evalAsync("2")).toBe(2);
  });

  it("sync host functions work from evalAsync and callAsync", async () => {
    using mr = new MiniRacer();
    mr.expose("add", (a: number, b: number) => a + b);
    expect(await mr.evalAsync("add(1, 2)")).toBe(3);
    expect(await mr.evalAsync("(async () => { await null; return add(3, 4) })()")).toBe(7);
    mr.execute("function viaAdd(x) { return add(x, x) }");
    expect(await mr.callAsync("viaAdd", 21)).toBe(42);
  });

  it("a host function can call back a received function handle on the async path (reentrancy)", async () => {
    using mr = new MiniRacer();
    mr.expose("applyTwice", (f: JSFunctionHandle, x: number) => f(f(x)));
    expect(await mr.evalAsync("applyTwice(x => x * 3, 2)")).toBe(18);
    expect(await mr.evalAsync("(async () => { await new Promise(r => setTimeout(r, 1)); return applyTwice(x => x + 1, 0) })()")).toBe(2);
    mr.execute("globalThis.state = 1");
    mr.expose("peek", () => mr.eval("state"));
    expect(await mr.evalAsync("state = 2; peek()")).toBe(2);
  });

  it("an async host function can use the handle it received after awaiting", async () => {
    using mr = new MiniRacer();
    mr.expose("later", async (f: JSFunctionHandle) => {
      await sleep(5);
      return f(10);
    });
    expect(await mr.evalAsync("later(x => x + 5)")).toBe(15);
  });

  it("a host function that never resolves ends the call with JSTimeoutError at its deadline (test_call_on_exit)", async () => {
    using mr = new MiniRacer();
    let called = 0;
    mr.expose("never", () => {
      called++;
      return new Promise(() => {});
    });
    await mr.evalAsync("1");
    // The async path's promise: at 100-130 ms for a 100 ms limit, so 30 ms past the deadline.
    const bound = 200 + 30 + noise;
    const ms = await medianWithinAsync(async () => {
      const before = called;
      const { error, ms } = await timedRejection(() => mr.evalAsync("never()", { timeout: 200 }));
      expect(called).toBe(before + 1);
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect((error as JSTimeoutError).code).toBe("ERR_MINI_RACER_TIMEOUT");
      expect(ms).toBeGreaterThanOrEqual(199);
      return ms;
    }, bound);
    expect(ms).toBeLessThan(bound);
    expect(await mr.evalAsync("'usable'")).toBe("usable");
    expect(mr.eval("'usable'")).toBe("usable");
  });

  it("an AbortSignal ends a call waiting on a host promise", async () => {
    using mr = new MiniRacer();
    mr.expose("never", () => new Promise(() => {}));
    const controller = new AbortController();
    const running = mr.evalAsync("never()", { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    await expect(running).rejects.toThrow(AbortError);
    expect(await mr.evalAsync("3")).toBe(3);
  });

  it("closing while a host promise is pending rejects the call and does not break anything", async () => {
    const mr = new MiniRacer();
    let resolveLate: (v: unknown) => void = () => {};
    mr.expose("slow", () => new Promise((r) => (resolveLate = r)));
    const running = mr.evalAsync("slow()").catch((e: unknown) => e);
    await sleep(30);
    mr.close();
    expect(await running).toBeInstanceOf(ContextClosedError);
    resolveLate(1);
    await sleep(10);
  });
});

describe("closing from inside a callback", () => {
  // Run in a child process (runChild): a native abort would otherwise take the test worker down.

  it("close() inside a sync host function ends the call with ContextClosedError, no crash", () => {
    const out = runChild(`
      const mr = new MiniRacer();
      mr.expose("die", () => mr.close());
      try { mr.eval("die(); 1"); console.log("no error"); } catch (e) { console.log(e.constructor.name); }
      const mr2 = new MiniRacer();
      mr2.expose("die", () => mr2.close());
      const f = mr2.eval("() => die()");
      try { f(); console.log("no error"); } catch (e) { console.log(e.constructor.name); }
    `);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout.trim().split("\n")).toEqual(["ContextClosedError", "ContextClosedError"]);
  });

  it("close() inside a sync onConsole handler ends the call with ContextClosedError, no crash", () => {
    const out = runChild(`
      const mr = new MiniRacer({ onConsole: () => mr.close() });
      try { mr.eval("console.log(1); 1"); console.log("no error"); } catch (e) { console.log(e.constructor.name); }
    `);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    expect(out.stdout.trim()).toBe("ContextClosedError");
  });

  it("close() inside a host function on the async path rejects with ContextClosedError", async () => {
    const mr = new MiniRacer();
    mr.expose("die", () => mr.close());
    await expect(mr.evalAsync("die(); 1")).rejects.toThrow(ContextClosedError);
  });
});

describe("time spent in host functions counts against the timeout", () => {
  it("a slow sync host function times out the sync call", () => {
    using mr = new MiniRacer();
    mr.expose("slowHost", () => busyWait(400));
    const start = performance.now();
    expect(() => mr.eval("slowHost(); 'finished'", { timeout: 100 })).toThrow(JSTimeoutError);
    const ms = performance.now() - start;
    expect(ms).toBeGreaterThanOrEqual(95);
    expect(ms).toBeLessThan(400 + 500);
    expect(mr.eval("1")).toBe(1);
  });

  it("repeated short host calls in a loop end at the deadline", () => {
    using mr = new MiniRacer();
    let calls = 0;
    mr.expose("tick", () => {
      calls++;
      busyWait(10);
    });
    // At the deadline: at most the one 10 ms host call that straddles it, plus noise.
    const bound = 200 + 10 + noise;
    const ms = medianWithin(() => {
      calls = 0;
      const start = performance.now();
      const error = caught(() => mr.eval("for (;;) tick()", { timeout: 200 }));
      const ms = performance.now() - start;
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect(error).toMatchObject({ code: "ERR_MINI_RACER_TIMEOUT" });
      expect(ms).toBeGreaterThanOrEqual(199);
      // 10 ms each: at most 20 fit, and none is started past the deadline.
      expect(calls).toBeGreaterThan(0);
      expect(calls).toBeLessThanOrEqual(21);
      return ms;
    }, bound);
    expect(ms).toBeLessThan(bound);
    expect(mr.eval("1")).toBe(1);
  });

  it("a slow sync host function times out an async call", async () => {
    using mr = new MiniRacer();
    mr.expose("slowHost", () => busyWait(50));
    const { error, ms } = await timedRejection(() => mr.evalAsync("for (;;) slowHost()", { timeout: 200 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(200 + 500);
    expect(await mr.evalAsync("1")).toBe(1);
  });

  it("a sandbox callback looping inside a host function ends at the outer call's deadline", async () => {
    using mr = new MiniRacer();
    let hostSaw: unknown;
    mr.expose("applyIt", (f: JSFunctionHandle) => {
      try {
        return f();
      } catch (e) {
        hostSaw = e;
        throw e;
      }
    });
    const start = performance.now();
    expect(() => mr.eval("applyIt(() => { for (;;); })", { timeout: 200 })).toThrow(JSTimeoutError);
    expect(performance.now() - start).toBeLessThan(200 + 500);
    expect(hostSaw).toBeInstanceOf(JSTimeoutError);
    const { error: asyncError, ms } = await timedRejection(() => mr.evalAsync("applyIt(() => { for (;;); })", { timeout: 200 }));
    expect(asyncError).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(200 + 500);
    // Swallowing the timeout in the host does not let the sandbox run on.
    mr.expose("swallow", (f: JSFunctionHandle) => {
      try {
        f();
      } catch {
        return "swallowed";
      }
    });
    expect(() => mr.eval("swallow(() => { for (;;); }); for (;;);", { timeout: 200 })).toThrow(JSTimeoutError);
    expect(mr.eval("'usable'")).toBe("usable");
  });

  it("host time under the limit is fine", () => {
    using mr = new MiniRacer();
    mr.expose("slowHost", () => {
      busyWait(30);
      return "ok";
    });
    expect(mr.eval("slowHost()", { timeout: 2000 })).toBe("ok");
  });
});

describe("console", () => {
  it("exists in every sandbox with log/info/warn/error/debug", () => {
    using mr = new MiniRacer();
    expect(
      mr.eval("['log', 'info', 'warn', 'error', 'debug'].every(k => typeof console[k] === 'function')"),
    ).toBe(true);
  });

  it("console.trace and console.dir exist too, and reach onConsole (as debug and log)", async () => {
    const calls: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: (level, args) => calls.push([level, args]) });
    expect(mr.eval("[typeof console.trace, typeof console.dir]")).toEqual(["function", "function"]);
    mr.eval("console.trace('t', 1); console.dir({ a: [1] })");
    await mr.evalAsync("console.trace('async'); console.dir('d')");
    expect(calls).toEqual([
      ["debug", ["t", 1]],
      ["log", [{ a: [1] }]],
      ["debug", ["async"]],
      ["log", ["d"]],
    ]);
    // In a sandbox that never had a handler as well.
    using quiet = new MiniRacer();
    expect(quiet.eval("console.trace('x'); console.dir('y'); 'ok'")).toBe("ok");
  });

  it("goes to the MiniRacer's onConsole with level and args, in order", () => {
    const calls: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: (level, args) => calls.push([level, args]) });
    mr.eval(`
      console.log('a', 1, { b: [2] }, null, undefined);
      console.info('i');
      console.warn('w');
      console.error('e');
      console.debug('d');
      console.log();
    `);
    expect(calls).toEqual([
      ["log", ["a", 1, { b: [2] }, null, undefined]],
      ["info", ["i"]],
      ["warn", ["w"]],
      ["error", ["e"]],
      ["debug", ["d"]],
      ["log", []],
    ]);
  });

  it("a per-call onConsole overrides the MiniRacer's", async () => {
    const global: ConsoleCall[] = [];
    const local: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: (level, args) => global.push([level, args]) });
    mr.eval("console.log('to global')");
    mr.eval("console.log('to local')", { onConsole: (level, args) => local.push([level, args]) });
    mr.execute("console.warn('exec local')", { onConsole: (level, args) => local.push([level, args]) });
    mr.execute("function say(x) { console.info(x) }");
    mr.apply("say", ["apply local"], { onConsole: (level, args) => local.push([level, args]) });
    await mr.evalAsync("console.log('async local')", { onConsole: (level, args) => local.push([level, args]) });
    await mr.applyAsync("say", ["applyAsync local"], { onConsole: (level, args) => local.push([level, args]) });
    mr.eval("console.log('global again')");
    expect(global).toEqual([
      ["log", ["to global"]],
      ["log", ["global again"]],
    ]);
    expect(local).toEqual([
      ["log", ["to local"]],
      ["warn", ["exec local"]],
      ["info", ["apply local"]],
      ["log", ["async local"]],
      ["info", ["applyAsync local"]],
    ]);
  });

  it("a per-call onConsole works without a MiniRacer-level handler; function handles use both", () => {
    using mr = new MiniRacer();
    const local: ConsoleCall[] = [];
    mr.eval("console.log('dropped')");
    mr.eval("console.log('kept')", { onConsole: (level, args) => local.push([level, args]) });
    const f = mr.eval("x => { console.error('from handle', x); return x }") as JSFunctionHandle;
    f(1);
    expect(f.invoke([2], { onConsole: (level, args) => local.push([level, args]) })).toBe(2);
    expect(local).toEqual([
      ["log", ["kept"]],
      ["error", ["from handle", 2]],
    ]);
  });

  it("per-call onConsole on function handle async calls", async () => {
    const local: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: () => local.push(["log", ["WRONG HANDLER"]]) });
    const f = mr.eval("async x => { console.warn('in', x); await new Promise(r => setTimeout(r, 1)); console.log('out'); return x }") as JSFunctionHandle;
    expect(await f.invokeAsync([9], { onConsole: (level, args) => local.push([level, args]) })).toBe(9);
    expect(local).toEqual([
      ["warn", ["in", 9]],
      ["log", ["out"]],
    ]);
  });

  it("args are copies", () => {
    const calls: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: (level, args) => calls.push([level, args]) });
    mr.execute("globalThis.o = { n: 1, d: new Date(3), list: [1] }; console.log(o); o.n = 2; o.list.push(2)");
    const logged = calls[0][1][0] as { n: number; d: unknown; list: number[] };
    // Later sandbox mutations do not show in what the host received.
    expect(logged).toEqual({ n: 1, d: new Date(3), list: [1] });
    expect(logged.d).toBeInstanceOf(Date);
    // Host mutations of the args do not reach the sandbox.
    logged.n = 999;
    logged.list.push(999);
    expect(mr.eval("o.n")).toBe(2);
    expect(mr.eval("o.list")).toEqual([1, 2]);
  });

  it("values that cannot be copied are rendered as strings", () => {
    const calls: ConsoleCall[] = [];
    using mr = new MiniRacer({ onConsole: (level, args) => calls.push([level, args]) });
    mr.execute("console.log(function namedFn() { return 1 }, Symbol('desc'), 7, { f() {} })");
    const args = calls[0][1];
    expect(args).toHaveLength(4);
    expect(typeof args[0]).toBe("string");
    expect(args[0]).toContain("namedFn");
    expect(args[1]).toBe("Symbol(desc)");
    expect(args[2]).toBe(7);
    expect(typeof args[3]).toBe("string");
    expect(calls.every(([, a]) => a.every((x) => !(x instanceof JSFunctionHandle)))).toBe(true);
  });

  it("is delivered synchronously during sync calls, interleaved with host functions", () => {
    const events: string[] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => events.push(`console:${String(args[0])}`) });
    mr.expose("mark", (m: string) => {
      events.push(`mark:${m}`);
    });
    mr.eval("console.log('a'); mark('b'); console.log('c')");
    events.push("returned");
    expect(events).toEqual(["console:a", "mark:b", "console:c", "returned"]);
  });

  it("from async calls, is delivered in order before the promise settles", async () => {
    const events: string[] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => events.push(String(args[0])) });
    const done = mr
      .evalAsync(
        `(async () => {
           for (let i = 0; i < 200; i++) {
             console.log(i);
             if (i % 50 === 0) await new Promise(r => setTimeout(r, 1));
           }
           console.log('last');
           return 'result';
         })()`,
      )
      .then((v) => {
        events.push(`settled:${String(v)}`);
      });
    await done;
    expect(events).toHaveLength(202);
    expect(events.slice(0, 200)).toEqual(Array.from({ length: 200 }, (_, i) => String(i)));
    expect(events.slice(200)).toEqual(["last", "settled:result"]);
  });

  it("console before a rejection is delivered before the rejection", async () => {
    const events: string[] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => events.push(String(args[0])) });
    await mr
      .evalAsync("(async () => { console.log('before'); await null; throw new Error('x') })()")
      .catch(() => events.push("rejected"));
    expect(events).toEqual(["before", "rejected"]);
  });

  it("never prints to stdout or stderr by default", async () => {
    const out = vi.spyOn(process.stdout, "write");
    const err = vi.spyOn(process.stderr, "write");
    const consoleSpies = (["log", "info", "warn", "error", "debug"] as const).map((k) => vi.spyOn(console, k));
    using mr = new MiniRacer();
    mr.eval("console.log('SHOULD_NOT_PRINT'); console.error('SHOULD_NOT_PRINT'); console.warn('x'); console.info('x'); console.debug('x')");
    await mr.evalAsync("console.log('SHOULD_NOT_PRINT_ASYNC')");
    const f = mr.eval("() => console.log('SHOULD_NOT_PRINT_HANDLE')") as JSFunctionHandle;
    f();
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  });

  it("never prints from native code either (child process)", () => {
    const child = runChild(
      `const mr = new MiniRacer();
       if (typeof mr.expose !== "function") { process.stdout.write("STALE_DIST"); process.exit(3); }
       mr.eval("console.log('LEAK'); console.error('LEAK'); console.warn('LEAK'); console.info('LEAK'); console.debug('LEAK')");
       mr.evalAsync("console.log('LEAK')").then(() => mr.close());`,
    );
    expect(child.stdout).toBe("");
    expect(child.stderr).toBe("");
    expect(child.status).toBe(0);
  });

  it("a handler error does not break the sandbox", () => {
    using mr = new MiniRacer({
      onConsole: () => {
        throw new Error("handler broke");
      },
    });
    let result: unknown;
    try {
      result = mr.eval("console.log('x'); 'after'");
    } catch (e) {
      result = e;
    }
    // Either the error surfaces or the log is ignored; the sandbox stays usable.
    if (typeof result !== "string") expect(result).toBeInstanceOf(Error);
    else expect(result).toBe("after");
    expect(mr.eval("1 + 1")).toBe(2);
  });
});
