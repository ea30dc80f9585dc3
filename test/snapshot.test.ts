// Startup snapshots of a setup (MiniRacerSnapshot, MiniRacer's and the
// pool's `snapshot` option): a sandbox made from one behaves exactly as one
// that ran the setup (state, Babel's output byte for byte), with every
// limit, guard, handle, host function and console working; setups that V8
// cannot serialize fail with a typed error instead of aborting the process;
// Node 20, which cannot make snapshots, says so and pools fall back.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import {
  ErrorCodes,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSTimeoutError,
  MiniRacer,
  MiniRacerPool,
  MiniRacerSnapshot,
  SnapshotError,
} from "../src/index.js";
import { MB, caught, runChild, timed, timeoutOvershoot, withPackage } from "./helpers";

const supported = MiniRacerSnapshot.supported;
const nodeMajor = Number(process.versions.node.split(".")[0]);

const racers: MiniRacer[] = [];
const pools: MiniRacerPool[] = [];
afterEach(async () => {
  for (const mr of racers.splice(0)) mr.close();
  await Promise.all(pools.splice(0).map((pool) => pool.close({ force: true })));
});
function track(mr: MiniRacer): MiniRacer {
  racers.push(mr);
  return mr;
}

// State of every kind the serializer has to carry: collections, classes
// with private fields and accessors, closures, a generator mid-way, weak
// collections, symbols, dates, regexps with lastIndex, typed arrays,
// bigints, frozen objects, prototypes, getters on the global.
const STATEFUL_SETUP = `
  var map = new Map([[1, "one"], ["two", { deep: [2] }]]);
  var set = new Set(["a", 3, null]);
  class Counter { #n = 0; static made = 0; constructor() { Counter.made++; } get n() { return this.#n; } bump() { return ++this.#n; } }
  var counter = new Counter(); counter.bump(); counter.bump();
  var next = (() => { let hidden = 10; return () => hidden++; })(); next();
  function* numbers() { let i = 0; while (true) yield i++; }
  var gen = numbers(); gen.next(); gen.next();
  var keyObject = {}; var weak = new WeakMap([[keyObject, "kept"]]);
  var sym = Symbol("local"); var registered = Symbol.for("shared.key");
  var tagged = { [sym]: "by symbol", [registered]: "registered" };
  var when = new Date(Date.UTC(2020, 1, 29, 12, 0, 0));
  var re = /b(.)/g; re.exec("abcabd");
  var floats = new Float64Array([1.5, -0, NaN]);
  var big = 2n ** 70n;
  var frozen = Object.freeze({ a: 1 });
  var child = Object.create(counter);
  Object.defineProperty(globalThis, "computed", { get() { return map.size * 100; }, configurable: true });
  var bound = function (x) { return this.k + x; }.bind({ k: 40 });
`;
const STATE_PROBE = `JSON.stringify([
  [...map], [...set], counter.n, counter.bump(), Counter.made, next(), next(), gen.next().value,
  weak.get(keyObject), tagged[sym], tagged[Symbol.for("shared.key")], when.toISOString(), re.lastIndex,
  re.exec("abcabd")?.[1], Array.from(floats, String), String(big), Object.isFrozen(frozen),
  child instanceof Counter, computed, bound(2), typeof numbers, Object.keys(globalThis).length,
])`;

describe("MiniRacerSnapshot: what Node 20 cannot do", () => {
  it.skipIf(supported)("Node 20: supported is false and create() rejects with SnapshotError", async () => {
    expect(nodeMajor).toBe(20);
    const error = await MiniRacerSnapshot.create({ setup: "var a = 1" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as SnapshotError).code).toBe(ErrorCodes.snapshot);
    expect((error as Error).message).toMatch(/Node 22 or later/);
  });

  it.skipIf(supported)("Node 20: a pool with snapshot: true runs its setup in each sandbox and says so", async () => {
    const pool = new MiniRacerPool({ size: 1, setup: "var made = Math.random()", snapshot: true, fresh: true });
    pools.push(pool);
    expect(pool.stats().snapshot).toBe("unsupported");
    const first = await pool.evalAsync("made");
    const second = await pool.evalAsync("made");
    expect(typeof first).toBe("number");
    expect(second).not.toBe(first); // each sandbox ran the setup itself
  });

  it("supported is true from Node 22 on", () => {
    expect(supported).toBe(nodeMajor >= 22);
  });
});

describe("MiniRacerSnapshot: options and misuse", () => {
  it("create() checks its options", async () => {
    const bad: [unknown, typeof TypeError | typeof RangeError, RegExp][] = [
      [undefined, TypeError, /options must be an object/],
      [{}, TypeError, /setup must be a string of code, got undefined/],
      [{ setup: () => 1 }, TypeError, /setup must be a string/],
      [{ setup: "", warmup: 1 }, TypeError, /warmup must be a string/],
      [{ setup: "", maxMemory: 8 * MB - 1 }, RangeError, /maxMemory must be a finite number of bytes from 8388608/],
      [{ setup: "", timeout: Number.NaN }, RangeError, /timeout must be a positive finite number/],
      [{ setup: "", timeout: -5 }, RangeError, /timeout must be a positive finite number/],
      [{ setup: "", size: 2 }, TypeError, /unknown snapshot option "size"/],
    ];
    for (const [options, type, message] of bad) {
      const error = await MiniRacerSnapshot.create(options as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("only create() makes snapshots; MiniRacer takes nothing else as one", () => {
    expect(() => new (MiniRacerSnapshot as unknown as new () => unknown)()).toThrow(TypeError);
    expect(() => new MiniRacer({ snapshot: { bytes: 1, maxMemory: 64 * MB } as never })).toThrow(
      /snapshot must be a MiniRacerSnapshot, got an object/,
    );
  });

  it.skipIf(!supported)("a MiniRacer takes the snapshot's maxMemory, and refuses another", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: "var a = 1", maxMemory: 24 * MB });
    expect(snapshot.maxMemory).toBe(24 * MB);
    expect(snapshot.bytes).toBeGreaterThan(100_000);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(() => new MiniRacer({ snapshot, maxMemory: 32 * MB })).toThrow(RangeError);
    expect(() => new MiniRacer({ snapshot, maxMemory: 32 * MB })).toThrow(/maxMemory must be the snapshot's \(25165824\)/);
    const mr = track(new MiniRacer({ snapshot, maxMemory: 24 * MB }));
    expect(mr.heapStats().maxMemory).toBe(24 * MB);
    expect(track(new MiniRacer({ snapshot })).heapStats().maxMemory).toBe(24 * MB);
  });
});

describe.skipIf(!supported)("a sandbox from a snapshot behaves as one that ran the setup", () => {
  it("holds the same state: collections, classes, closures, generators, symbols, typed arrays", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: STATEFUL_SETUP });
    const ran = track(new MiniRacer());
    ran.execute(STATEFUL_SETUP);
    const fromSnapshot = track(new MiniRacer({ snapshot }));
    const expected = ran.eval(STATE_PROBE);
    expect(fromSnapshot.eval(STATE_PROBE)).toBe(expected);
    // The async path, on the sandbox's own thread, too.
    const again = track(await MiniRacer.create({ snapshot }));
    expect(await again.evalAsync(STATE_PROBE)).toBe(expected);
    // The same global names, builtins included (WebAssembly, SharedArrayBuffer, console, timers).
    const names = "Object.getOwnPropertyNames(globalThis).sort().join()";
    expect(fromSnapshot.eval(names)).toBe(ran.eval(names));
  });

  it("gives Babel's output byte for byte, and a warm-up runs before the snapshot", async () => {
    const requireHere = createRequire(__filename);
    const babel = readFileSync(requireHere.resolve("@babel/standalone/babel.min.js"), "utf8");
    const input = "const f = async (a, ...rest) => { for (const x of rest) a ??= x?.y; return class { #p = a; }; };";
    const transform = `Babel.transform(${JSON.stringify(input)}, { presets: ["env"], sourceType: "script" }).code`;
    const snapshot = await MiniRacerSnapshot.create({
      setup: babel,
      warmup: `globalThis.warmed = ${transform}.length`,
      timeout: 20_000,
    });
    const ran = track(new MiniRacer());
    ran.execute(babel);
    const expected = ran.eval(transform) as string;
    expect(expected).toMatch(/regeneratorRuntime|_asyncToGenerator/);
    const fromSnapshot = track(new MiniRacer({ snapshot }));
    expect(fromSnapshot.eval(transform)).toBe(expected);
    expect(fromSnapshot.eval("warmed")).toBe(expected.length);
  });

  it("keeps sandboxes made from one snapshot apart", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: "var list = [1]; var obj = { n: 1 }" });
    const a = track(new MiniRacer({ snapshot }));
    const b = track(new MiniRacer({ snapshot }));
    a.execute("list.push(2); obj.n = 99; Array.prototype.extra = 1; globalThis.leak = true");
    expect(b.eval("[list.length, obj.n, [].extra, typeof leak]")).toEqual([1, 1, undefined, "undefined"]);
  });

  it("enforces its time limits, memory cap and builtin guard", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: "function spin() { for (;;) {} }", maxMemory: 32 * MB });
    const mr = track(new MiniRacer({ snapshot }));
    const timeout = caught(() => mr.eval("spin()", { timeout: 50 }));
    expect(timeout).toBeInstanceOf(JSTimeoutError);
    expect((timeout as JSTimeoutError).limit).toBe("timeout");
    const cpu = caught(() => mr.eval("spin()", { cpuTime: 50 }));
    expect((cpu as JSTimeoutError).limit).toBe("cpuTime");
    // A builtin that never checks for interrupts, stopped by the guard the snapshot carries.
    const stuck = caught(() => mr.eval("Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)", { timeout: 100 }));
    expect(stuck).toBeInstanceOf(JSTimeoutError);
    expect(mr.eval("1 + 1")).toBe(2);
    const oom = caught(() => mr.eval("const keep = []; for (;;) keep.push(new Array(10000).fill(1.5))"));
    expect(oom).toBeInstanceOf(JSOOMError);
  });

  it("charges WebAssembly memory and Intl objects to the cap", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: "var ready = true", maxMemory: 16 * MB });
    const mr = track(new MiniRacer({ snapshot }));
    // 512 pages = 32 MiB, twice the cap: refused in the sandbox by the WebAssembly guard.
    expect(mr.eval("try { new WebAssembly.Memory({ initial: 512 }); 'made' } catch (e) { e.name + ': ' + e.message }")).toMatch(
      /^RangeError: WebAssembly.Memory: 512 pages of memory do not fit/,
    );
    const before = mr.heapStats().externalMemory;
    mr.execute("globalThis.formats = Array.from({ length: 50 }, () => new Intl.DateTimeFormat('en', { dateStyle: 'full' }))");
    expect(mr.heapStats().externalMemory - before).toBeGreaterThan(50 * 10_000);
    // Node 26: V8 installs Temporal only when it makes the context; its objects are charged all the same.
    if (mr.eval("typeof Temporal") === "object") {
      const then = mr.heapStats().externalMemory;
      mr.execute("globalThis.times = Array.from({ length: 50 }, () => Temporal.Now.zonedDateTimeISO('UTC'))");
      expect(mr.heapStats().externalMemory - then).toBe(50 * 512);
    }
  });

  it("a setup that replaces iterators, Map methods and String methods leaves the guards whole", async () => {
    // The guards' hooks run after the setup's code, in each context made from
    // the snapshot (Node 24's Float16Array, Node 26's Temporal): they use
    // only what they captured before the setup ran.
    const snapshot = await MiniRacerSnapshot.create({
      setup: `Array.prototype[Symbol.iterator] = function* () {};
        Map.prototype.get = function () { return undefined; };
        Map.prototype.set = function () { return this; };
        globalThis.Map = function () {};
        String.prototype.endsWith = function () { return false; };`,
      // Reading a locale list of length 2**32-1 keeps V8's handle of every
      // index it asked for until the deadline: ~20 MB in 100 ms on a fast
      // machine, where a 16 MiB cap came before the deadline.
      maxMemory: 64 * MB,
    });
    const mr = track(new MiniRacer({ snapshot }));
    expect(mr.eval("String(Array.prototype.indexOf)")).toBe("function indexOf() { [native code] }");
    expect(mr.eval("String(Intl.DateTimeFormat)")).toBe("function DateTimeFormat() { [native code] }");
    const stuck = caught(() => mr.eval("Intl.getCanonicalLocales({ length: 2 ** 32 - 1 })", { timeout: 100 }));
    expect(stuck).toBeInstanceOf(JSTimeoutError);
    if (mr.eval("typeof Float16Array") === "function") {
      // Unchunked, this one call ran ~0.5 s past its deadline on Node 24.
      const slack = timeoutOvershoot(mr) + 250;
      const { error, ms } = timed(() => mr.eval("new Float16Array(2 ** 20).toLocaleString()", { timeout: 100 }));
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect(ms).toBeLessThan(100 + slack);
    }
    if (mr.eval("typeof Temporal") === "object") {
      expect(mr.eval("String(Temporal.Now.zonedDateTimeISO)")).toBe("function zonedDateTimeISO() { [native code] }");
      const then = mr.heapStats().externalMemory;
      mr.execute("globalThis.times = []; for (let i = 0; i < 50; i++) times.push(Temporal.Now.zonedDateTimeISO('UTC'))");
      expect(mr.heapStats().externalMemory - then).toBe(50 * 512);
      const locales = caught(() => mr.eval("Temporal.Duration.from('PT1S').toLocaleString({ length: 2 ** 32 - 1 })", { timeout: 100 }));
      expect(locales).toBeInstanceOf(JSTimeoutError);
    }
  });

  it("works with handles, host functions, console and async calls", async () => {
    const snapshot = await MiniRacerSnapshot.create({
      setup: "console.log('dropped: the setup has no console handler'); var store = { items: [1, 2] }; function useHost(x) { return host(x) + 1 } function log(m) { console.log(m); return m.length }",
    });
    const lines: string[] = [];
    const mr = track(new MiniRacer({ snapshot, onConsole: (_level, args) => lines.push(args.join(" ")) }));
    mr.expose("host", (x: number) => x * 10);
    expect(mr.call("useHost", 4)).toBe(41);
    expect(mr.call("log", "from the snapshot")).toBe(17);
    expect(lines).toEqual(["from the snapshot"]);
    const store = mr.eval("store", { handle: true }) as { get(key: string): unknown; release(): void };
    expect(store.get("items")).toEqual([1, 2]);
    store.release();
    expect(await mr.evalAsync("new Promise((resolve) => setTimeout(() => resolve(store.items.length), 5))")).toBe(2);
  });
});

describe.skipIf(!supported)("a setup that cannot be snapshotted fails with a typed error", () => {
  it("rejects with the setup's own error, or its limit", async () => {
    const cases: [Parameters<typeof MiniRacerSnapshot.create>[0], new (...args: never[]) => Error, RegExp][] = [
      [{ setup: "throw new TypeError('no setup today')" }, JSEvalError, /TypeError: no setup today/],
      [{ setup: "var = 1" }, JSParseError, /SyntaxError/],
      [{ setup: "var ok = 1", warmup: "ok.missing.field" }, JSEvalError, /TypeError: Cannot read properties of undefined/],
      [{ setup: "for (;;) {}", timeout: 100 }, JSTimeoutError, /the snapshot's setup exceeded its time limit/],
      [{ setup: "const a = []; for (;;) a.push(new Array(1e4).fill(1.5))", maxMemory: 16 * MB }, JSOOMError, /memory cap/],
      [{ setup: "setTimeout(() => {}, 1)" }, JSEvalError, /ReferenceError: setTimeout is not defined/],
      [{ setup: "var keep = new Intl.NumberFormat('en')" }, SnapshotError, /Intl formatters/],
    ];
    for (const [options, type, message] of cases) {
      const error = await MiniRacerSnapshot.create(options).catch((e: unknown) => e);
      expect(error, options.setup).toBeInstanceOf(type);
      expect((error as Error).message, options.setup).toMatch(message);
    }
  });

  // Each of these aborted the process inside V8 (a failed check while
  // serializing or deserializing) before the setup was fenced: run in a
  // child, so a regression shows as a crash report, not a dead test worker.
  it("never aborts the process, whatever the setup leaves", () => {
    // A builtin behind a flag on this line, which V8 adds when it makes a context.
    const polyfilled = nodeMajor >= 24 ? "Promise.try" : "Set.prototype.union";
    const shapes: [setup: string, probe: string, expected: string][] = [
      ["var r = new FinalizationRegistry(() => {}); r.register({}, 1)", "1", "JSEvalError: TypeError: FinalizationRegistry.prototype.register is not available"],
      ["var r = new FinalizationRegistry(() => {}); var register = r.register", "String(FinalizationRegistry.prototype.register)", "made function register() { [native code] }"],
      ["Error.stackTraceLimit = 3", "Error.stackTraceLimit", "made 10"],
      ["globalThis.WebAssembly = 1; globalThis.SharedArrayBuffer = 2", "typeof WebAssembly + typeof SharedArrayBuffer", "made objectfunction"],
      ["Object.defineProperty(Error, 'stackTraceLimit', { value: 3 })", "1", "SnapshotError: the setup made globalThis.Error.stackTraceLimit non-configurable"],
      ["var WebAssembly = 1", "1", "SnapshotError: the setup made globalThis.WebAssembly non-configurable"],
      ["var SharedArrayBuffer = 1", "1", "SnapshotError: the setup made globalThis.SharedArrayBuffer non-configurable"],
      ["var w = new WeakRef({}); var p = new Promise(() => {}); var g = (async function* () { yield 1 })(); g.next()", "typeof w.deref", "made function"],
      ["var f = new Intl.DateTimeFormat('en', { timeZone: 'UTC' }).format(0)", "f", "made 1/1/1970"],
      // What V8 adds to every context it makes from a snapshot: a polyfill of
      // it is dropped (the builtin wins), a frozen holder refused.
      [`${polyfilled} = function () { return "polyfill" }`, `String(${polyfilled}).includes("polyfill")`, "made false"],
      // ...even when the setup changed what the check itself could use.
      [
        `Array.prototype[Symbol.iterator] = function* () {}; Reflect.apply = () => 0; ${polyfilled} = function () { return "polyfill" }`,
        `String(${polyfilled}).includes("polyfill")`,
        "made false",
      ],
      ["Object.freeze(globalThis)", "1", "SnapshotError: the setup made globalThis non-extensible; V8 adds"],
      ["Object.freeze(Error)", "1", "SnapshotError: the setup made globalThis.Error non-extensible; V8 adds"],
      [`Object.defineProperty(${polyfilled.replace(/\.(\w+)$/, ", '$1'")}, { value: 1 })`, "1", "SnapshotError: the setup made globalThis."],
    ];
    const result = runChild(`
      (async () => {
        for (const [setup, probe] of ${JSON.stringify(shapes)}) {
          try {
            const snapshot = await lib.MiniRacerSnapshot.create({ setup });
            const mr = new MiniRacer({ snapshot });
            console.log("made " + mr.eval(probe));
            mr.close();
          } catch (e) { console.log(e.constructor.name + ": " + e.message); }
        }
      })();
    `);
    expect(result.signal).toBeNull();
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(shapes.length);
    shapes.forEach(([, , expected], i) => expect(lines[i]).toContain(expected));
  });
});

describe.skipIf(!supported)("MiniRacerPool with snapshot", () => {
  it("snapshot: true makes the setup's snapshot once; fresh sandboxes start from it", async () => {
    // Every sandbox from the snapshot has the stamp taken when the snapshot was made.
    const pool = new MiniRacerPool({ size: 2, fresh: true, snapshot: true, setup: "var stamp = Math.random(); var runs = 0" });
    pools.push(pool);
    expect(pool.stats().snapshot).toBe("making");
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await pool.evalAsync("[stamp, ++runs]"));
    expect(new Set(seen.map((pair) => (pair as number[])[0])).size).toBe(1);
    expect(seen.map((pair) => (pair as number[])[1])).toEqual([1, 1, 1, 1]); // fresh: no state left by earlier runs
    expect(pool.stats().snapshot).toBe("ready");
    expect(pool.stats().created).toBeGreaterThanOrEqual(4);
  });

  it("runs the warm-up before the snapshot, and takes a MiniRacerSnapshot as is", async () => {
    const warmed = new MiniRacerPool({ size: 1, snapshot: { warmup: "var warm = f(20)" }, setup: "function f(x) { return x + 1 }" });
    pools.push(warmed);
    expect(await warmed.evalAsync("warm")).toBe(21);
    const snapshot = await MiniRacerSnapshot.create({ setup: "var base = 5" });
    const given = new MiniRacerPool({ size: 1, snapshot, setup: "var more = base * 2" });
    pools.push(given);
    expect(await given.evalAsync("[base, more]")).toEqual([5, 10]);
    expect(given.stats().snapshot).toBe("off");
  });

  it("a setup that fails rejects the waiting run, and the next sandbox tries again", async () => {
    const pool = new MiniRacerPool({ size: 1, snapshot: true, setup: "throw new RangeError('bad setup')" });
    pools.push(pool);
    const error = await pool.evalAsync("1").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as Error).message).toMatch(/RangeError: bad setup/);
    expect(pool.stats().failed).toBe(1);
    expect(pool.stats().snapshot).toBe("making");
    await expect(pool.evalAsync("1")).rejects.toThrow(/bad setup/);
    expect(pool.stats().failed).toBe(2);
  });

  it("checks the option", () => {
    expect(() => new MiniRacerPool({ snapshot: true })).toThrow(/snapshots the pool's setup, which must then be a string of code, got undefined/);
    expect(() => new MiniRacerPool({ snapshot: true, setup: () => undefined })).toThrow(TypeError);
    expect(() => new MiniRacerPool({ snapshot: { warmup: 5 } as never, setup: "" })).toThrow(/snapshot.warmup must be a string/);
    expect(() => new MiniRacerPool({ snapshot: { other: 1 } as never, setup: "" })).toThrow(/unknown snapshot option "other"/);
    expect(() => new MiniRacerPool({ snapshot: "yes" as never, setup: "" })).toThrow(/snapshot must be a boolean, \{ warmup \} or a MiniRacerSnapshot/);
    for (const snapshot of [null, [], [{ warmup: "" }]]) {
      expect(() => new MiniRacerPool({ snapshot: snapshot as never, setup: "" }), JSON.stringify(snapshot)).toThrow(
        /^snapshot must be a boolean, \{ warmup \} or a MiniRacerSnapshot, got /,
      );
    }
  });

  it("snapshot: false runs the setup in each sandbox", async () => {
    const pool = new MiniRacerPool({ size: 1, snapshot: false, setup: "var n = 41" });
    pools.push(pool);
    expect(pool.stats().snapshot).toBe("off");
    expect(await pool.evalAsync("++n")).toBe(42);
  });

  it("the setup's snapshot is made under the pool's timeout and memory cap", async () => {
    const slow = new MiniRacerPool({ size: 1, snapshot: true, timeout: 100, setup: "for (;;) {}" });
    pools.push(slow);
    const late = await slow.evalAsync("1").catch((e: unknown) => e);
    expect(late).toBeInstanceOf(JSTimeoutError);
    expect((late as Error).message).toMatch(/the snapshot's setup exceeded its time limit/);
    const big = new MiniRacerPool({
      size: 1,
      snapshot: true,
      maxMemory: 16 * MB,
      setup: "var keep = []; for (let i = 0; i < 64; i++) keep.push(new Array(1e5).fill(i + 0.5))",
    });
    pools.push(big);
    const over = await big.evalAsync("1").catch((e: unknown) => e);
    expect(over).toBeInstanceOf(JSOOMError);
  });
});

describe("MiniRacerSnapshot", () => {
  it("is made only by MiniRacerSnapshot.create(): new throws TypeError", () => {
    const Snapshot = MiniRacerSnapshot as unknown as new (token?: unknown) => unknown;
    for (const make of [() => new Snapshot(), () => new Snapshot(1)]) {
      expect(make).toThrow(new TypeError("snapshots are made by MiniRacerSnapshot.create()"));
    }
  });
});

describe("base snapshots: sandboxes without a snapshot of their own", () => {
  // A cap no other test uses, so that this file's counts are its own.
  const cap = 40 * MB + 4096;

  it.skipIf(!supported)("from the second sandbox with a cap on, later ones start from a guarded base snapshot", async () => {
    const { baseSnapshotState } = await import("../src/internal/base_snapshots.js");
    expect(baseSnapshotState(cap)).toBe(0);
    track(new MiniRacer({ maxMemory: cap }));
    expect(baseSnapshotState(cap)).toBe(1);
    track(await MiniRacer.create({ maxMemory: cap }));
    for (let i = 0; i < 200 && baseSnapshotState(cap) !== "ready"; i++) await new Promise((r) => setTimeout(r, 10));
    expect(baseSnapshotState(cap)).toBe("ready");
    const fromBase = track(new MiniRacer({ maxMemory: cap }));
    const plain = track(new MiniRacer({ maxMemory: 8 * MB }));
    const names = "Object.getOwnPropertyNames(globalThis).sort().join()";
    expect(fromBase.eval(names)).toBe(plain.eval(names));
    expect(fromBase.heapStats().maxMemory).toBe(cap);
    // The guards came with it: a builtin that never checks for interrupts ends at the deadline.
    const stuck = caught(() => fromBase.eval("Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)", { timeout: 100 }));
    expect(stuck).toBeInstanceOf(JSTimeoutError);
    expect(fromBase.eval("new WebAssembly.Memory({ initial: 1 }).buffer.byteLength")).toBe(65536);
  });

  it("a host flag's globals stay out of sandboxes from a base snapshot, and MINI_RACER_NO_BASE_SNAPSHOT=1 turns them off", () => {
    const body = `
      const { baseSnapshotState } = require(${JSON.stringify(require.resolve("../dist/cjs/internal/base_snapshots.js"))});
      (async () => {
        for (let i = 0; i < 2; i++) new MiniRacer().close();
        for (let i = 0; i < 200 && baseSnapshotState(0) !== "ready"; i++) await new Promise((r) => setTimeout(r, 10));
        const mr = new MiniRacer();
        console.log(JSON.stringify([baseSnapshotState(0), mr.eval("typeof gc"), mr.eval("[1, 2, 3].indexOf(3)")]));
      })();
    `;
    const on = runChild(body, { nodeArgs: ["--expose-gc"] });
    expect(on.status, on.stderr).toBe(0);
    expect(JSON.parse(on.stdout)).toEqual([supported ? "ready" : "off", "undefined", 2]);
    const off = spawnSync(process.execPath, ["--expose-gc", "-e", withPackage(body)], {
      encoding: "utf8",
      env: { ...process.env, MINI_RACER_NO_BASE_SNAPSHOT: "1" },
    });
    expect(off.status, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout)).toEqual(["off", "undefined", 2]);
  });
});

describe.skipIf(!supported)("the code cache and snapshots", () => {
  it("keeps separate entries for sandboxes from Node's snapshot and from one made here, so V8 never refuses one", async () => {
    const { clearCodeCache, codeCacheStats } = await import("../src/internal/code_cache.js");
    const library = `globalThis.answer = 42; /*${"x".repeat(40_000)}*/ answer`;
    const snapshot = await MiniRacerSnapshot.create({ setup: "var fromSnapshot = true" });
    clearCodeCache();
    const plain = (): MiniRacer => track(new MiniRacer({ maxMemory: 24 * MB + 8192, codeCache: true }));
    const made = (): MiniRacer => track(new MiniRacer({ snapshot }));
    for (const mr of [plain(), made(), plain(), made()]) expect(mr.eval(library)).toBe(42);
    const stats = codeCacheStats();
    expect([stats.misses, stats.made, stats.hits, stats.rejected, stats.entries]).toEqual([2, 2, 2, 0, 2]);
  });
});
