import { describe, expect, it } from "vitest";
import {
  ContextClosedError,
  HandleReleasedError,
  JSArrayHandle,
  JSEvalError,
  JSFunctionHandle,
  JSHandle,
  JSObjectHandle,
  JSOOMError,
  JSSymbolHandle,
  JSTimeoutError,
  MiniRacer,
  MiniRacerError,
  ValueTransferError,
} from "../../src/index.js";
import { caught, runChild, SANITIZER_RSS_FACTOR, timerJitter, UNDER_ASAN } from "../helpers.js";

// Issue 9, items 7-10, 16, 18, 20 and 24: caps that leaked, and hardening.

describe("handle and error classes cannot be tampered with (item 24)", () => {
  it("every public prototype and class is frozen; assignments fail", () => {
    const classes = [MiniRacer, JSHandle, JSObjectHandle, JSArrayHandle, JSSymbolHandle, JSFunctionHandle, MiniRacerError, JSEvalError, JSTimeoutError, JSOOMError, ValueTransferError, ContextClosedError, HandleReleasedError];
    for (const cls of classes) {
      expect(Object.isFrozen(cls.prototype), cls.name).toBe(true);
      expect(Object.isFrozen(cls), cls.name).toBe(true);
    }
    const original = JSObjectHandle.prototype.get;
    expect(() => ((JSObjectHandle.prototype as unknown as Record<string, unknown>).get = () => "forged")).toThrow(TypeError);
    expect(JSObjectHandle.prototype.get).toBe(original);
    expect(() => Object.setPrototypeOf(JSObjectHandle.prototype, {})).toThrow(TypeError);
    expect(() => ((MiniRacer.prototype as unknown as Record<string, unknown>).eval = () => 1)).toThrow(TypeError);
  });

  it("each handle is frozen: no prototype swap, no own overrides; it still works and is collected", () => {
    using mr = new MiniRacer();
    const obj = mr.eval("({ a: 1 })", { handle: true }) as JSObjectHandle;
    const arr = mr.eval("[1, 2]", { handle: true }) as JSArrayHandle;
    const fn = mr.eval("(x) => x + 1") as JSFunctionHandle;
    const sym = mr.eval("Symbol('s')") as JSSymbolHandle;
    for (const h of [obj, arr, fn, sym] as object[]) {
      expect(Object.isFrozen(h)).toBe(true);
      expect(() => Object.setPrototypeOf(h, {})).toThrow(TypeError);
      expect(() => ((h as Record<string, unknown>).get = () => "forged")).toThrow(TypeError);
      expect(() => Object.defineProperty(h, "release", { value: () => {} })).toThrow(TypeError);
    }
    expect(obj.get("a")).toBe(1);
    expect(arr.length).toBe(2);
    expect(fn(1)).toBe(2);
    expect(fn).toBeInstanceOf(JSFunctionHandle);
    obj.release();
    expect(() => obj.get("a")).toThrow(HandleReleasedError);
  });

  it("frozen handles are still released when the host collects them", async () => {
    if (typeof globalThis.gc !== "function") return;
    using mr = new MiniRacer();
    const before = mr.handleCount();
    (() => {
      for (let i = 0; i < 50; i++) mr.eval("({})", { handle: true });
    })();
    for (let i = 0; i < 20 && mr.handleCount() > before; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(mr.handleCount()).toBe(before);
  });
});

const MiB = 1024 * 1024;
function rssMiB(): number {
  return process.memoryUsage().rss / MiB;
}

describe("results of async host functions after a sync call ended (item 10)", () => {
  it("are freed when they arrive, not kept until a later async call or close()", async () => {
    using mr = new MiniRacer({ timeout: 5000 });
    const big = "x".repeat(2 * MiB); // 4 MB each as the sandbox's UTF-16 copy
    const resolvers: Array<(v: string) => void> = [];
    mr.expose("later", () => new Promise<string>((resolve) => resolvers.push(resolve)));
    expect(mr.eval("for (let i = 0; i < 100; i++) later(); 'done'")).toBe("done");
    expect(resolvers.length).toBe(100);
    const before = rssMiB();
    for (const resolve of resolvers) resolve(big);
    await new Promise((r) => setTimeout(r, 50));
    const grown = rssMiB() - before;
    // Kept, they would hold 100 x 4 MB = 400 MB until the next async call.
    expect(grown).toBeLessThan(120);
    expect(mr.eval("1 + 1")).toBe(2);
    expect(await mr.evalAsync("later()", { timeout: 1000 }).catch((e) => e)).toBeInstanceOf(JSTimeoutError);
  });

  it("an async call's own host promise still settles (the settlement may arrive before the sandbox notes the promise)", async () => {
    using mr = new MiniRacer({ timeout: 5000 });
    mr.expose("soon", (x: number) => Promise.resolve(x * 2));
    let sum = 0;
    for (let i = 0; i < 200; i++) sum += (await mr.evalAsync(`soon(${i})`)) as number;
    expect(sum).toBe(2 * ((199 * 200) / 2));
  });
});

describe("--allow-natives-syntax turned on after sandboxes exist (item 16)", () => {
  it("every later call is refused (sync, async, handle, nested, mid-call) until the flag is off again", () => {
    const child = runChild(`
      const v8 = require("v8");
      const out = {};
      const describe = (e) => e === undefined ? "ok" : e.constructor.name + "|" + e.code + "|" + e.message;
      const tryIt = (f) => { try { return "value " + JSON.stringify(f()); } catch (e) { return describe(e); } };
      const mr = new MiniRacer({ timeout: 2000 });
      const fn = mr.eval("(() => 7)");
      mr.expose("flip", () => v8.setFlagsFromString("--allow-natives-syntax"));
      mr.expose("nested", () => mr.eval("%IsBeingInterpreted()"));
      out.before = tryIt(() => mr.eval("%IsBeingInterpreted()"));
      out.midCall = tryIt(() => mr.eval("flip(); eval('%IsBeingInterpreted()')"));
      out.eval = tryIt(() => mr.eval("%IsBeingInterpreted()"));
      out.plain = tryIt(() => mr.eval("1 + 1"));
      out.handle = tryIt(() => fn());
      out.nested = tryIt(() => mr.eval("nested()"));
      out.create = tryIt(() => new MiniRacer());
      mr.evalAsync("%IsBeingInterpreted()").then(() => "ok", describe).then((asyncOutcome) => {
        out.async = asyncOutcome;
        v8.setFlagsFromString("--no-allow-natives-syntax");
        out.after = tryIt(() => mr.eval("1 + 1"));
        out.afterNatives = tryIt(() => mr.eval("%IsBeingInterpreted()"));
        process.stdout.write(JSON.stringify(out));
      });
    `);
    expect(child.stderr).toBe("");
    const out = JSON.parse(child.stdout) as Record<string, string>;
    const refused = "MiniRacerError|ERR_MINI_RACER_UNSAFE_HOST_FLAGS|mini-racer refuses to run sandboxes in a process started with --allow-natives-syntax: sandboxed code could call V8's internal functions";
    expect(out.before).toMatch(/^JSParseError\|ERR_MINI_RACER_PARSE\|SyntaxError/);
    expect(out.midCall).toBe(refused);
    for (const key of ["eval", "plain", "handle", "nested", "async"]) expect(out[key], key).toBe(refused);
    expect(out.create).toBe(refused);
    expect(out.after).toBe("value 2");
    expect(out.afterNatives).toMatch(/^JSParseError\|ERR_MINI_RACER_PARSE\|SyntaxError/);
  });
});

describe("console output on the async path (item 9)", () => {
  it("1 MB lines in a loop: every line arrives, host RSS stays bounded, Node's event loop keeps turning", async () => {
    let lines = 0;
    let chars = 0;
    using mr = new MiniRacer({
      timeout: 60_000,
      onConsole: (_level, args) => {
        lines++;
        chars += (args[0] as string).length;
      },
    });
    let maxGap = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 5);
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB())), 5);
    const before = rssMiB();
    await mr.evalAsync("const s = 'x'.repeat(1 << 20); for (let i = 0; i < 1500; i++) console.log(s); 'done'");
    clearInterval(ticker);
    clearInterval(sampler);
    peak = Math.max(peak, rssMiB());
    expect(lines).toBe(1500);
    expect(chars).toBe(1500 * MiB);
    // Unbounded, the queue held ~1.5 GB and the loop stood still for seconds.
    // README: host event-loop gap <= ~110 ms, peak +8 MB. The gap bound adds
    // five times this machine's own timer lateness (measured now, idle) and
    // 50 ms; the peak bound is 8x the README's, well below an unbounded queue's.
    const jitter = await timerJitter();
    expect(maxGap).toBeLessThan(110 + 5 * jitter + 50);
    expect(peak - before).toBeLessThan(64 * SANITIZER_RSS_FACTOR);
  });

  it("the queue waits for room at 256 lines or 4 MiB while the host does not drain it; every line still arrives", async () => {
    for (const [what, line, bytes, queued] of [
      ["short lines", "'x'", 1, 256],
      ["1 MiB lines", "'y'.repeat(1 << 20)", MiB, 3],
      ["600 KiB lines", "'z'.repeat(600 << 10)", 600 * 1024, 6],
    ] as const) {
      let lines = 0;
      let chars = 0;
      using mr = new MiniRacer({
        timeout: 20_000,
        onConsole: (_level, args) => {
          lines++;
          chars += (args[0] as string).length;
        },
      });
      await mr.evalAsync("0");
      const call = mr.evalAsync<number[]>(
        `(() => { const s = ${line}; const stamps = []; for (let i = 0; i < 300; i++) { console.log(s); stamps.push(Date.now()) } return stamps })()`,
      );
      // The host's event loop is held for 500 ms: nothing drains the queue meanwhile.
      const start = Date.now();
      while (Date.now() - start < 500);
      const blockEnd = Date.now();
      const stamps = await call;
      expect(stamps.filter((t) => t < blockEnd - 5).length, what).toBe(queued);
      expect(lines, what).toBe(300);
      expect(chars, what).toBe(300 * bytes);
    }
  });

  it("a call stopped while its console output waits for the host ends at its limit", async () => {
    using mr = new MiniRacer({ onConsole: () => {} });
    const start = performance.now();
    const error = await mr.evalAsync("const s = 'y'.repeat(1 << 20); for (;;) console.log(s)", { timeout: 300 }).catch((e) => e);
    expect(error).toBeInstanceOf(JSTimeoutError);
    // ~330 ms alone (under ASan too); ASan's slow host GC of the previous
    // test's 1.5 GB of strings stretched it to 7.6 s inside the full suite.
    expect(performance.now() - start).toBeLessThan(UNDER_ASAN ? 20_000 : 5000);
    expect(await mr.evalAsync("1 + 1")).toBe(2);
  });
});

describe("expose over every shape of existing binding (item 20)", () => {
  const fn = () => 42;
  const bound = (mr: MiniRacer, path: string) => mr.eval(`${path}()`);
  // Exactly a TypeError (not a subclass) with exactly this message.
  const expectRefused = (mr: MiniRacer, path: string, message: string) =>
    expect(() => mr.expose(path, fn)).toThrow(new TypeError(`cannot expose '${path}': ${message}`));

  it("replaces var, a var left undefined, a top-level function, a writable non-configurable property, configurable getters", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`var v = 1; var u; var w = 1; function f() { return 0 }
      Object.defineProperty(globalThis, "n", { value: 1, writable: true });
      Object.defineProperty(globalThis, "g", { get() { return 1 }, configurable: true });
      var ns;`);
    for (const path of ["v", "u", "f", "n", "g", "ns.inner", "u2.deep.er"]) {
      mr.expose(path, fn);
      expect(bound(mr, path), path).toBe(42);
    }
    // var keeps its attributes: still non-configurable.
    expect(mr.eval("Object.getOwnPropertyDescriptor(globalThis, 'v').configurable")).toBe(false);
    expect(mr.eval("delete globalThis.v")).toBe(false);
  });

  it("refuses let, const, class and a declaration stuck before initialization, naming the conflict", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("let l = 1; const c = {}; class K {}");
    expect(() => mr.execute("let tdz = (() => { throw 1 })()")).toThrow(JSEvalError);
    for (const [path, first] of [["l", "l"], ["c", "c"], ["K", "K"], ["tdz", "tdz"], ["c.inner", "c"], ["l.x", "l"]]) {
      expectRefused(mr, path, `'${first}' is declared in the sandbox with let, const or class, which a global cannot replace`);
    }
    expect(mr.eval("l + typeof c + typeof K")).toBe("1objectfunction");
  });

  it("refuses read-only and non-configurable accessors, frozen or sealed holders, primitives on the way", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`Object.defineProperty(globalThis, "ro", { value: 1 });
      Object.defineProperty(globalThis, "acc", { get() { return 1 } });
      globalThis.frozen = Object.freeze({}); globalThis.sealed = Object.seal({ keep: 1 });
      globalThis.num = 5; globalThis.nul = null; globalThis.str = "s";`);
    expectRefused(mr, "ro", "'ro' is a read-only, non-configurable property of the sandbox");
    expectRefused(mr, "acc", "'acc' is a read-only, non-configurable property of the sandbox");
    expectRefused(mr, "undefined", "'undefined' is a read-only, non-configurable property of the sandbox");
    expectRefused(mr, "frozen.f", "'frozen.f' cannot be added: its object is frozen, sealed or not extensible");
    expectRefused(mr, "sealed.f", "'sealed.f' cannot be added: its object is frozen, sealed or not extensible");
    expectRefused(mr, "num.f", "'num' is a number, not an object");
    expectRefused(mr, "nul.f", "'nul' is null, not an object");
    expectRefused(mr, "str.f", "'str' is a string, not an object");
    // sealed keeps its existing property writable: replacing it works.
    mr.expose("sealed.keep", fn);
    expect(bound(mr, "sealed.keep")).toBe(42);
  });

  it("a Proxy on the way decides through its traps; a throwing trap fails with the sandbox's error", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`globalThis.ok = new Proxy({}, {});
      globalThis.no = new Proxy({}, { defineProperty() { return false } });
      globalThis.boom = new Proxy({}, { defineProperty() { throw new RangeError("no way") } });
      globalThis.slow = new Proxy({}, { defineProperty() { for (;;); } });`);
    mr.expose("ok.f", fn);
    expect(bound(mr, "ok.f")).toBe(42);
    expectRefused(mr, "no.f", "'no.f' cannot be defined: its object is a Proxy that refused it");
    const thrown = caught(() => mr.expose("boom.f", fn));
    expect(thrown).toBeInstanceOf(JSEvalError);
    expect(thrown).toMatchObject({ message: "RangeError: no way" });
    expect(() => mr.expose("slow.f", fn)).toThrow(JSTimeoutError);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("no shape gives an internal error", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("var a; var b = 1; let c; const d = 1; function e() {} class f {} Object.freeze(Object.prototype)");
    for (const path of ["a", "a.x", "b", "b.x", "c", "c.x", "d", "e", "e.x", "f", "f.x", "toString", "hasOwnProperty.x", "globalThis", "globalThis.x", "Object.keys"]) {
      const error = (() => {
        try {
          mr.expose(path, fn);
          return undefined;
        } catch (e) {
          return e as { code?: string };
        }
      })();
      expect(error?.code, path).not.toBe("ERR_MINI_RACER_INTERNAL");
      expect(error === undefined || error instanceof TypeError || error instanceof JSEvalError, path).toBe(true);
    }
  });
});

describe("the memory cap counts live data, not garbage (item 18)", () => {
  for (const [cap, live, rounds] of [
    [32, 27, 1500],
    [128, 91, 300],
  ] as const) {
    it(`${live} MB live in a ${cap} MiB cap: ${rounds} garbage-heavy calls, no JSOOMError; a real overrun still fails fast`, () => {
      using mr = new MiniRacer({ maxMemory: cap * MiB, timeout: 30_000 });
      mr.execute("globalThis.keep = []");
      // 1 MiB at a time, collected between: building it is not what is tested.
      for (let i = 0; i < live; i++) {
        mr.execute("keep.push(Array.from({ length: 131072 }, () => 0.5))");
        mr.lowMemoryNotification();
      }
      expect(mr.heapStats().usedHeapSize).toBeGreaterThan(live * MiB);
      let failures = 0;
      let first: unknown;
      for (let i = 0; i < rounds; i++) {
        try {
          mr.eval("{ const a = []; for (let i = 0; i < 5000; i++) a.push({ i, s: 'x' + i }); a.length }");
        } catch (e) {
          failures++;
          first ??= e;
        }
      }
      expect(first).toBeUndefined();
      expect(failures).toBe(0);
      expect(mr.eval("keep.length")).toBe(live);
      // Live data past the cap: still a JSOOMError, well within the time limit.
      const start = performance.now();
      expect(() => mr.eval("for (;;) keep.push(new Array(131072).fill(0.5))")).toThrow(JSOOMError);
      expect(performance.now() - start).toBeLessThan(5000);
    });
  }
});

/**
 * Makes 10 of each kind into the sandbox's global `keep`: each must be
 * charged exactly its bytes while alive, and credited back when collected.
 */
function expectChargedWhileAlive(mr: MiniRacer, kinds: Array<[string, string, number]>): void {
  for (const [name, expr, bytes] of kinds) {
    mr.lowMemoryNotification();
    const before = mr.heapStats().externalMemory;
    mr.execute(`for (let i = 0; i < 10; i++) keep.push(${expr})`);
    expect(mr.heapStats().externalMemory - before, name).toBe(10 * bytes);
    mr.execute("keep.length = 0");
    mr.lowMemoryNotification();
    expect(mr.heapStats().externalMemory, name).toBe(before);
  }
}

describe("ICU memory of Intl objects is charged to the cap (item 7)", () => {
  const kinds: Array<[string, string, number]> = [
    ["Collator", "new Intl.Collator('de')", 4096],
    ["DateTimeFormat", "new Intl.DateTimeFormat('en', { dateStyle: 'full' })", 32768],
    ["DateTimeFormat called without new", "Intl.DateTimeFormat('en')", 32768],
    ["DisplayNames", "new Intl.DisplayNames('en', { type: 'region' })", 5120],
    ["ListFormat", "new Intl.ListFormat('en')", 4096],
    ["Locale", "new Intl.Locale('en-US')", 2048],
    ["NumberFormat", "new Intl.NumberFormat('de', { style: 'currency', currency: 'EUR' })", 5120],
    ["PluralRules", "new Intl.PluralRules('en')", 4096],
    ["RelativeTimeFormat", "new Intl.RelativeTimeFormat('en')", 12288],
    ["Segmenter", "new Intl.Segmenter('en')", 8192],
    ["Segmenter.prototype.segment (2 bytes a character)", "seg.segment('x'.repeat(10000))", 4096 + 20000],
    ["a segments iterator", "segs[Symbol.iterator]()", 4096],
    ["a subclass", "new (class extends Intl.NumberFormat {})('en')", 5120],
  ];

  it("every kind is charged its estimate while alive and credited back when collected", () => {
    using mr = new MiniRacer({ timeout: 5000 });
    mr.execute("globalThis.seg = new Intl.Segmenter('en'); globalThis.segs = seg.segment('a b'); globalThis.keep = []");
    expectChargedWhileAlive(mr, kinds);
  });

  it("the wrapped constructors behave as the originals", () => {
    using mr = new MiniRacer({ timeout: 5000 });
    expect(
      mr.eval(`[
        Intl.DateTimeFormat.prototype.constructor === Intl.DateTimeFormat,
        Intl.DateTimeFormat.name, Intl.DateTimeFormat.length, Intl.NumberFormat.length,
        typeof Intl.Collator.supportedLocalesOf, new Intl.Locale('en-US') instanceof Intl.Locale,
        Intl.NumberFormat('en').format(1234.5), new Intl.DateTimeFormat('en', { timeZone: 'UTC' }).format(0),
        [...new Intl.Segmenter('en', { granularity: 'word' }).segment('a b')].length,
        (() => { try { Intl.Locale('en'); return 'no throw' } catch (e) { return e.constructor.name } })(),
        (() => { try { new Intl.Segmenter().segment(Symbol()); return 'no throw' } catch (e) { return e.constructor.name } })(),
      ]`),
    ).toEqual([true, "DateTimeFormat", 0, 0, "function", true, "1,234.5", "1/1/1970", 3, "TypeError", "TypeError"]);
  });

  it("20,000 retained DateTimeFormats under a 32 MB cap: JSOOMError, host RSS bounded, the sandbox usable", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MiB, timeout: 30_000 });
    const before = rssMiB();
    // Retained by the call (a global binding would keep the sandbox full after it, rightly).
    const error = caught(() => mr.eval("(() => { const k = []; for (let i = 0; i < 20000; i++) k.push(new Intl.DateTimeFormat('en', { dateStyle: 'full', timeStyle: 'long' })); return k.length })()"));
    const grown = rssMiB() - before;
    expect(error).toBeInstanceOf(JSOOMError);
    expect(error).toMatchObject({ code: "ERR_MINI_RACER_OOM" });
    // Unbounded: ~530 MB. Charged: about the cap's worth of formatters.
    expect(grown).toBeLessThan(150);
    expect(mr.eval("new Intl.NumberFormat('en').format(1)")).toBe("1");
  });

  it("Atomics.waitAsync waiters are charged while they wait: 300,000 of them under a 32 MB cap end in JSOOMError, host RSS bounded", async () => {
    using mr = new MiniRacer({ maxMemory: 32 * MiB, timeout: 30_000 });
    mr.execute("globalThis.i32 = new Int32Array(new SharedArrayBuffer(4))");
    const before = mr.heapStats().externalMemory;
    mr.execute("globalThis.w = Atomics.waitAsync(i32, 0, 0)");
    expect(mr.heapStats().externalMemory - before).toBe(512);
    // Waiters still work (a call waits for its own; notify ends them all).
    expect(await mr.evalAsync("const v = Atomics.waitAsync(i32, 0, 0); Atomics.notify(i32, 0); v.value")).toBe("ok");
    mr.execute("w = null");
    mr.lowMemoryNotification();
    expect(mr.heapStats().externalMemory).toBe(before);
    const rss = rssMiB();
    // Unbounded: ~140 MB of host memory for 300,000 waiters.
    expect(() => mr.execute("for (let i = 0; i < 300000; i++) Atomics.waitAsync(i32, 0, 0, 1e7)")).toThrow(JSOOMError);
    expect(rssMiB() - rss).toBeLessThan(80);
  });

  // Node 26: Temporal's ZonedDateTime, PlainDateTime and Duration keep
  // memory in the host's malloc heap too (the other kinds none).
  const hasTemporal = (() => {
    using probe = new MiniRacer();
    return probe.eval("typeof Temporal") === "object";
  })();
  const temporalKinds: Array<[string, string, number]> = [
    ["ZonedDateTime from Temporal.Now", "Temporal.Now.zonedDateTimeISO('UTC')", 512],
    ["ZonedDateTime from its constructor", "new Temporal.ZonedDateTime(0n, 'UTC')", 512],
    ["ZonedDateTime from a method", "zdt.add({ hours: 1 })", 512],
    ["ZonedDateTime from a static", "Temporal.ZonedDateTime.from('2020-01-01T00:00[UTC]')", 512],
    ["PlainDateTime from a static", "Temporal.PlainDateTime.from('2020-01-01T10:00')", 256],
    ["PlainDateTime from a method of another kind", "zdt.toPlainDateTime()", 256],
    ["Duration from a method", "zdt.since(zdt)", 320],
    ["Duration from its constructor", "new Temporal.Duration(1)", 320],
    ["a subclass of Duration", "new (class extends Temporal.Duration {})(1)", 320],
    ["PlainDate (none)", "Temporal.PlainDate.from('2020-01-01')", 0],
    ["Instant (none)", "Temporal.Now.instant()", 0],
  ];

  it.skipIf(!hasTemporal)("Temporal (Node 26): ZonedDateTime, PlainDateTime and Duration are charged from every kind of function, and credited back", () => {
    using mr = new MiniRacer({ timeout: 5000 });
    mr.execute("globalThis.zdt = Temporal.Now.zonedDateTimeISO('UTC'); globalThis.keep = []");
    expectChargedWhileAlive(mr, temporalKinds);
    expect(
      mr.eval(`[
        Temporal.ZonedDateTime.prototype.constructor === Temporal.ZonedDateTime, Temporal.Duration.name, Temporal.Duration.length,
        zdt.add({ hours: 1 }) instanceof Temporal.ZonedDateTime, Temporal.Duration.from({ hours: 2 }).total('minutes'),
        (() => { try { Temporal.Duration(1); return 'no throw' } catch (e) { return e.constructor.name } })(),
      ]`),
    ).toEqual([true, "Duration", 0, true, 120, "TypeError"]);
  });

  it.skipIf(!hasTemporal)("Temporal (Node 26): ZonedDateTimes retained under a 32 MB cap end in JSOOMError with host RSS bounded (172 MB before)", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MiB, timeout: 30_000 });
    const before = rssMiB();
    const error = caught(() => mr.eval("(() => { const k = []; for (;;) k.push(Temporal.Now.zonedDateTimeISO('America/New_York')) })()"));
    expect(error).toBeInstanceOf(JSOOMError);
    expect(rssMiB() - before).toBeLessThan(110);
    expect(mr.eval("Temporal.Duration.from('PT1H').hours")).toBe(1);
  });

  it("formatters made and dropped in a loop are collected to make room: no false failure", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MiB, timeout: 60_000 });
    expect(mr.eval("let n = 0; for (let i = 0; i < 5000; i++) n += new Intl.DateTimeFormat('en', { dateStyle: 'full' }).format(0).length; n > 0")).toBe(true);
  });
});

describe("handles a call can create are bounded (item 8)", () => {
  it("one sandbox function passed to a host function a million times is one handle, host RSS flat", () => {
    using mr = new MiniRacer({ timeout: 60_000 });
    let last: unknown;
    let same = true;
    mr.expose("take", (f: unknown) => {
      if (last !== undefined && f !== last) same = false;
      last = f;
    });
    mr.execute("globalThis.cb = () => 1; for (let i = 0; i < 20000; i++) take(cb)"); // warm up
    const before = rssMiB();
    mr.execute("for (let i = 0; i < 1000000; i++) take(cb)");
    expect(same).toBe(true);
    expect(mr.handleCount()).toBe(1);
    // One handle per call: ~1 M handles, +430 MB.
    expect(rssMiB() - before).toBeLessThan(100);
    expect((last as JSFunctionHandle)()).toBe(1);
  });

  it("the same value through every path is one handle: results, handle results, property reads, host arguments", () => {
    using mr = new MiniRacer({ timeout: 5000 });
    const got: unknown[] = [];
    mr.expose("take", (v: unknown) => got.push(v));
    mr.execute("globalThis.o = { f() { return 2 } }; globalThis.s = Symbol('s')");
    const a = mr.eval("o.f") as JSFunctionHandle;
    const b = mr.eval("o.f") as JSFunctionHandle;
    const h1 = mr.eval("o", { handle: true }) as JSObjectHandle;
    const h2 = mr.eval("o", { handle: true }) as JSObjectHandle;
    mr.execute("take(o.f); take(s); take(s)");
    expect(a).toBe(b);
    expect(h1).toBe(h2);
    expect(h1.get("f")).toBe(a);
    expect(got[0]).toBe(a);
    expect(got[1]).toBe(got[2]);
    expect(mr.handleCount()).toBe(3);
    a.release();
    expect(mr.handleCount()).toBe(2);
    // Released, then handed out again: a new, working handle.
    const c = mr.eval("o.f") as JSFunctionHandle;
    expect(c).not.toBe(a);
    expect(c()).toBe(2);
    expect(() => a()).toThrow(HandleReleasedError);
  });

  it("distinct values handed out faster than the host releases them end at the memory cap, not in host memory", () => {
    using mr = new MiniRacer({ maxMemory: 16 * MiB, timeout: 60_000 });
    mr.expose("take", () => {});
    const before = rssMiB();
    const error = caught(() => mr.execute("for (let i = 0; i < 1e6; i++) take(Symbol())"));
    expect(error).toBeInstanceOf(JSOOMError);
    expect(error).toMatchObject({ code: "ERR_MINI_RACER_OOM" });
    expect(mr.handleCount()).toBeLessThan((16 * MiB) / 512);
    expect(rssMiB() - before).toBeLessThan(100);
  });
});
