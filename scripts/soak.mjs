// Soak test (issue 5): a mixed workload for a fixed time, watching RSS.
//
//   npm run soak -- --seconds 600 [--concurrency 4] [--mix a,b,...] [--every 60]
//   npm run soak -- --list            # the operations and their weights
//
// The workload, picked at random by weight by `concurrency` workers: sync and
// async evals and calls; handles (create/call/get/set/delete/release, some
// dropped for the host GC to release); host functions, sync and async, that
// call back into the sandbox; console output to per-MiniRacer and per-call
// handlers; timeouts (infinite loops, never-settling promises); OOMs
// (runaway allocation in small-cap sandboxes); aborts through AbortSignal;
// and MiniRacers created and closed (a pool of long-lived ones, plus
// short-lived ones that are closed, closed with calls pending, or dropped).
// `--mix` limits the run to the named operations (to find which one drives
// RSS), `--exclude` leaves some out.
//
// Every error is checked against the typed errors its operation may raise;
// anything else (another type, a wrong result, a missing error) counts as
// unexpected and is printed. RSS is sampled (after global.gc() and a
// lowMemoryNotification() in the long-lived sandboxes, with the
// workload paused) at the start, every `--every` seconds, in the middle and
// at the end.
//
// Verdict: RSS at the end against RSS after the first minute (or, for runs
// shorter than 2 minutes, after the first quarter). Exit status: 1 for
// unexpected errors or a crash, 2 if RSS grew more than 10%, else 0.
//
// The workload runs in a child process started with --expose-gc, so that a
// crash of the child (a signal, an abort) is reported as one, and with
// --min-semi-space-size=16: the host's young generation starts at the size
// V8 grows it to under this workload anyway (Node 20's default maximum).
// Without it, V8 doubled the host's new space from 16 to 32 MB somewhere
// between minute 1 and 2 (v8.getHeapSpaceStatistics(), kept with
// MINI_RACER_SOAK_SMAPS=<dir> next to /proc/self/smaps), a one-time
// heuristic step of the harness's own heap that read as +16 MB of drift.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { parseArgs } from "node:util";

const argv = process.argv.slice(2);

if (process.env.MINI_RACER_SOAK_CHILD !== "1") {
  // Parent: re-spawn with --expose-gc and watch for a crash.
  const child = spawn(process.execPath, ["--expose-gc", "--min-semi-space-size=16", ...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    stdio: "inherit",
    env: { ...process.env, MINI_RACER_SOAK_CHILD: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  // The child exits 0 (pass), 10 (unexpected errors), 12 (RSS grew), 64 (usage).
  child.on("exit", (code, signal) => {
    if (code === 0 || code === 64) process.exit(code);
    if (code === 10) process.exit(1);
    if (code === 12) process.exit(2);
    console.log(`soak: CRASH: the workload process ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`);
    process.exit(1);
  });
} else {
  await main();
}

async function main() {
  const mr = await import("../dist/cjs/esm.mjs");
  const {
    MiniRacer,
    AbortError,
    ContextClosedError,
    HandleReleasedError,
    JSEvalError,
    JSParseError,
    JSPromiseError,
    JSTimeoutError,
    JSOOMError,
    ValueTransferError,
    JSFunctionHandle,
    JSObjectHandle,
    JSArrayHandle,
  } = mr;

  // --- options ---------------------------------------------------------------
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seconds: { type: "string", default: "60" },
        concurrency: { type: "string", default: "4" },
        every: { type: "string", default: "60" },
        mix: { type: "string" },
        exclude: { type: "string", default: "" },
        list: { type: "boolean", default: false },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  const names = (list) => list.split(",").filter(Boolean);
  const opt = {
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    every: Number(values.every),
    mix: values.mix === undefined ? null : names(values.mix),
    exclude: names(values.exclude),
    list: values.list,
  };
  if (!(opt.seconds > 0) || !(opt.concurrency >= 1) || !(opt.every > 0)) usage("bad number");

  function usage(msg) {
    console.error(`soak: ${msg}\nusage: npm run soak -- --seconds N [--concurrency N] [--every S] [--mix op,op] [--exclude op,op] [--list]`);
    process.exit(64);
  }

  // --- bookkeeping -------------------------------------------------------------
  const ops = new Map(); // op name -> count
  const timing = new Map(); // op name -> { total, max } ms
  const errors = new Map(); // "op: ErrorClass" -> count
  const errorTotals = new Map(); // ErrorClass -> count
  const unexpected = [];
  let unexpectedCount = 0;
  let consoleLines = 0;
  let hostCalls = 0;
  let created = 0;
  let closed = 0;
  let dropped = 0;
  const collected = { racers: 0, handles: 0 };
  const racerRegistry = new FinalizationRegistry(() => collected.racers++);
  const handleRegistry = new FinalizationRegistry(() => collected.handles++);

  class Unexpected extends Error {
    constructor(message) {
      super(message);
      this.name = "Unexpected";
    }
  }
  const check = (cond, what) => {
    if (!cond) throw new Unexpected(what);
  };
  const eq = (got, want, what) => {
    if (got !== want) throw new Unexpected(`${what}: got ${String(got)}, want ${String(want)}`);
  };
  const typeName = (e) => (e && typeof e === "object" ? e.constructor?.name ?? "Object" : typeof e);

  function noteError(op, e, expected) {
    const type = typeName(e);
    const ok = !(e instanceof Unexpected) && expected.some((cls) => e instanceof cls);
    if (ok) {
      errors.set(`${op}: ${type}`, (errors.get(`${op}: ${type}`) ?? 0) + 1);
      errorTotals.set(type, (errorTotals.get(type) ?? 0) + 1);
      return;
    }
    unexpectedCount++;
    const detail = e instanceof Error ? `${type}: ${e.message}${e.jsName ? ` (jsName ${e.jsName}: ${e.jsMessage})` : ""}` : String(e);
    if (unexpected.length < 50) unexpected.push(`${op}: ${detail}`);
    console.log(`soak: UNEXPECTED in ${op}: ${detail}`);
    if (e instanceof Error && e.stack && !(e instanceof Unexpected)) console.log(e.stack.split("\n").slice(0, 6).join("\n"));
  }

  // Runs fn; an error of one of the `expected` classes is counted as such,
  // anything else is unexpected. With `mustThrow`, no error is unexpected too.
  async function expectError(op, expected, fn, mustThrow = true) {
    try {
      await fn();
    } catch (e) {
      noteError(op, e, expected);
      return;
    }
    if (mustThrow) noteError(op, new Unexpected(`expected ${expected.map((c) => c.name).join(" or ")}, got no error`), []);
  }

  const rand = (n) => Math.floor(Math.random() * n);
  const pick = (arr) => arr[rand(arr.length)];

  // --- sandboxes ---------------------------------------------------------------
  const PRELUDE = `
    globalThis.util = {
      sum(...xs) { return xs.reduce((a, b) => a + b, 0); },
      async slowSquare(x) { await new Promise((r) => setTimeout(r, 1)); return x * x; },
      echo(x) { return x; },
      fib(n) { return n < 2 ? n : util.fib(n - 1) + util.fib(n - 2); },
      counter: 0,
    };
    function makeCounter() { let n = 0; return () => ++n; }
  `;

  function setupRacer(racer) {
    racer.expose("host.add", (a, b) => {
      hostCalls++;
      return a + b;
    });
    racer.expose("host.apply", (f, x) => {
      hostCalls++;
      return f(x); // a synchronous call back into the sandbox
    });
    racer.expose("host.later", async (x) => {
      hostCalls++;
      await delay(1);
      return x * 2;
    });
    racer.expose("host.laterApply", async (f, x) => {
      hostCalls++;
      await delay(1);
      return f(x); // back into the sandbox while the async call waits
    });
    racer.expose("host.fail", (msg) => {
      hostCalls++;
      throw new TypeError(String(msg));
    });
    racer.expose("host.failLater", async (msg) => {
      hostCalls++;
      await delay(1);
      throw new RangeError(String(msg));
    });
    racer.execute(PRELUDE);
  }

  const onConsole = (level, args) => {
    consoleLines++;
    if (typeof level !== "string" || !Array.isArray(args)) throw new Error("bad console callback");
  };

  function newRacer(options = {}) {
    const racer = new MiniRacer({ maxMemory: 64 << 20, onConsole, ...options });
    created++;
    racerRegistry.register(racer, null);
    setupRacer(racer);
    return racer;
  }

  const pool = [newRacer(), newRacer(), newRacer({ timeout: 5000 })];
  // Long-lived small-cap sandbox whose runaway allocations are garbage: it
  // must stay usable after each JSOOMError.
  const oomPool = newRacer({ maxMemory: 16 << 20 });
  const live = () => pool[rand(pool.length)];
  let longLived = 0; // set below, once all long-lived ones exist
  // Sandboxes for async calls that spin (abort, async timeouts), leased to
  // one operation at a time: a synchronous call on a sandbox whose async call
  // is inside a script waits for that step to end (its own timeout does not
  // cut the wait), blocking the event loop, so the AbortSignal timer could
  // not fire and the spin would last until its timeout.
  const loopers = [newRacer({ timeout: 10000 }), newRacer({ timeout: 10000 })];
  longLived = pool.length + loopers.length + 1;
  const leaseWaiters = [];
  async function withLooper(fn) {
    while (loopers.length === 0) await new Promise((r) => leaseWaiters.push(r));
    const r = loopers.pop();
    try {
      return await fn(r);
    } finally {
      loopers.push(r);
      leaseWaiters.shift()?.();
    }
  }

  // --- operations ----------------------------------------------------------------
  // Each: [name, weight, async fn]. Errors thrown out of fn are unexpected;
  // expected errors are caught inside with expectError().
  const OPS = [
    ["evalSync", 20, async () => {
      const r = live();
      const n = rand(1000);
      eq(r.eval(`${n} * 2 + 1`), n * 2 + 1, "eval");
      const v = r.eval(`({ n: ${n}, m: new Map([[1, "a"]]), s: new Set([1n]), d: new Date(0), big: ${n}n, u: undefined, arr: [1, , 3] })`);
      eq(v.n, n, "eval object");
      eq(v.m.get(1), "a", "eval map");
      eq(v.big, BigInt(n), "eval bigint");
      r.execute(`util.counter++`);
    }],
    ["evalAsync", 12, async () => {
      const r = live();
      const n = rand(1000);
      eq(await r.evalAsync(`new Promise((res) => setTimeout(() => res(${n} + 1), 1))`), n + 1, "evalAsync");
      eq(await r.evalAsync(`${n} - 1`), n - 1, "evalAsync plain");
      await r.executeAsync(`Promise.resolve().then(() => util.counter++)`);
    }],
    ["call", 12, async () => {
      const r = live();
      eq(r.call("util.sum", 1, 2, 3), 6, "call");
      eq(r.apply("util.fib", [15], { timeout: 5000 }), 610, "apply");
      const big = { a: Array.from({ length: 100 }, (_, i) => i), s: "x".repeat(1000) };
      eq(r.call("util.echo", big).s.length, 1000, "call echo");
    }],
    ["callAsync", 10, async () => {
      const r = live();
      const n = rand(100);
      eq(await r.callAsync("util.slowSquare", n), n * n, "callAsync");
      eq(await r.applyAsync("util.sum", [n, 1]), n + 1, "applyAsync");
    }],
    ["evalErrors", 5, async () => {
      const r = live();
      await expectError("evalErrors", [JSEvalError], () => r.eval(`throw new TypeError("boom")`));
      await expectError("evalErrors", [JSParseError], () => r.eval(`let let = ;`));
      await expectError("evalErrors", [JSPromiseError], () => r.evalAsync(`Promise.reject(new Error("no"))`));
      await expectError("evalErrors", [JSEvalError], () => r.eval(`(function f() { f(); })()`)); // RangeError inside
      await expectError("evalErrors", [ValueTransferError], () => r.eval(`({ f() {} })`));
    }],
    ["handles", 12, async () => {
      const r = live();
      const f = r.eval(`(x) => x * 3`);
      check(f instanceof JSFunctionHandle, "function handle");
      eq(f(7), 21, "handle call");
      eq(f.invoke([2], { timeout: 1000 }), 6, "handle invoke");
      eq(await f.callAsync(5), 15, "handle callAsync");
      const o = r.eval(`({ a: 1, nested: { b: 2 }, list: [1, 2, 3] })`, { handle: true });
      check(o instanceof JSObjectHandle, "object handle");
      o.set("c", { deep: [1, 2] });
      eq(o.get("a"), 1, "handle get");
      eq(o.get("c").deep[1], 2, "handle get set value");
      check(o.has("nested"), "handle has");
      check(o.delete("a"), "handle delete");
      eq(o.keys().join(","), "nested,list,c", "handle keys");
      const list = o.get("list", { handle: true });
      check(list instanceof JSArrayHandle, "array handle");
      eq(list.length, 3, "array handle length");
      eq([...list].join(","), "1,2,3", "array handle iteration");
      eq(r.eval(`(o, f) => f(o.nested.b)`)(o, f), 6, "handles passed back");
      const counter = r.call("makeCounter");
      counter();
      eq(counter(), 2, "closure handle");
      if (Math.random() < 0.5) {
        // released explicitly
        for (const h of [f, o, list, counter]) h.release();
        await expectError("handles", [HandleReleasedError], () => f(1));
      } else {
        // dropped: released when the host GC collects them
        for (const h of [f, o, list, counter]) handleRegistry.register(h, null);
      }
    }],
    ["hostSync", 10, async () => {
      const r = live();
      eq(r.eval(`host.add(2, 3) + host.apply((x) => x + 1, 41)`), 47, "host sync");
      eq(r.eval(`host.apply((x) => host.add(x, 1), 1)`), 2, "host reentrant");
      await expectError("hostSync", [JSEvalError], () => r.eval(`host.fail("nope")`));
      eq(r.eval(`try { host.fail("caught"); } catch (e) { e instanceof TypeError && e.message }`), "caught", "host error in sandbox");
    }],
    ["hostAsync", 10, async () => {
      const r = live();
      eq(await r.evalAsync(`host.later(5).then((v) => v + 1)`), 11, "host async");
      eq(await r.evalAsync(`host.laterApply((x) => x * x, 9)`), 81, "host async callback");
      await expectError("hostAsync", [JSPromiseError, JSEvalError], () => r.evalAsync(`host.failLater("late")`));
    }],
    ["console", 8, async () => {
      const r = live();
      r.eval(`console.log("hello", { a: 1 }, [1, 2]); console.warn("warn"); console.error(new Error("e"))`);
      let mine = 0;
      r.eval(`console.info("per call", () => 1)`, {
        onConsole: (level, args) => {
          mine++;
          eq(level, "info", "per-call console level");
          eq(args[0], "per call", "per-call console args");
        },
      });
      eq(mine, 1, "per-call console");
      await r.evalAsync(`new Promise((res) => setTimeout(() => { console.debug("timer"); res(); }, 1))`);
    }],
    ["timeout", 6, async () => {
      const r = live();
      await expectError("timeout", [JSTimeoutError], () => r.eval(`while (true) {}`, { timeout: 10 }));
      await expectError("timeout", [JSTimeoutError], () => r.apply("util.fib", [40], { timeout: 10 }));
      await expectError("timeout", [JSTimeoutError], () => r.evalAsync(`new Promise(() => {})`, { timeout: 10 }));
      eq(r.eval(`1 + 1`), 2, "usable after timeout");
      await withLooper(async (l) => {
        await expectError("timeout", [JSTimeoutError], () => l.evalAsync(`while (true) {}`, { timeout: 10 }));
        await expectError("timeout", [JSTimeoutError], () => l.evalAsync(`(async () => { for (;;) await null; })()`, { timeout: 10 }));
        await expectError("timeout", [JSTimeoutError], () => l.evalAsync(`new Promise((r) => setInterval(() => {}, 0))`, { timeout: 10 }));
      });
    }],
    ["oom", 3, async () => {
      // Runaway garbage in the long-lived small sandbox: JSOOMError, then usable.
      const runaway = `(() => { const a = []; for (;;) a.push({ x: Math.random(), s: "y" + a.length }); })()`;
      if (Math.random() < 0.5) {
        await expectError("oom", [JSOOMError], () => oomPool.eval(runaway, { timeout: 20000 }));
      } else {
        await expectError("oom", [JSOOMError], () => oomPool.evalAsync(runaway, { timeout: 20000 }));
      }
      eq(oomPool.eval(`2 + 2`), 4, "usable after OOM");
    }],
    ["oomFatal", 1, async () => {
      // Runaway data kept in a global: OOM, then unusable until recreated.
      const r = newRacer({ maxMemory: 12 << 20 });
      await expectError("oomFatal", [JSOOMError], () => r.eval(`globalThis.keep = []; for (;;) keep.push(new Array(100).fill(1))`, { timeout: 20000 }));
      await expectError("oomFatal", [JSOOMError], () => r.eval(`1`), false);
      await expectError("oomFatal", [JSOOMError, JSEvalError], () => r.eval(`new ArrayBuffer(64 * 1024 * 1024)`));
      r.close();
      closed++;
    }],
    ["abort", 6, () => withLooper(async (r) => {
      // Running script aborted.
      const c1 = new AbortController();
      const p1 = r.evalAsync(`while (true) {}`, { signal: c1.signal, timeout: 10000 });
      setTimeout(() => c1.abort(new Error("stop")), 2);
      await expectError("abort", [AbortError], () => p1);
      // Queued call aborted before it runs; a pending promise aborted.
      const c2 = new AbortController();
      const p2 = r.evalAsync(`new Promise((res) => setTimeout(res, 5))`);
      const p3 = r.evalAsync(`1`, { signal: c2.signal });
      c2.abort();
      await expectError("abort", [AbortError], () => p3);
      await p2;
      const c3 = new AbortController();
      const p4 = r.evalAsync(`new Promise(() => {})`, { signal: c3.signal });
      setTimeout(() => c3.abort(), 2);
      await expectError("abort", [AbortError], () => p4);
      // Already aborted.
      await expectError("abort", [AbortError], () => r.evalAsync(`1`, { signal: AbortSignal.abort() }));
      eq(r.eval(`3`), 3, "usable after abort");
    })],
    ["churn", 4, async () => {
      const r = newRacer({ maxMemory: 32 << 20 });
      eq(r.eval(`host.add(1, 2)`), 3, "churn eval");
      eq(await r.callAsync("util.slowSquare", 4), 16, "churn callAsync");
      const f = r.eval(`() => 1`);
      eq(f(), 1, "churn handle");
      r.eval(`console.log("churn")`);
      const how = rand(3);
      if (how === 0) {
        r.close();
        closed++;
        await expectError("churn", [ContextClosedError], () => r.eval(`1`));
        await expectError("churn", [ContextClosedError], () => f());
      } else if (how === 1) {
        // Closed with calls pending: they reject with ContextClosedError.
        const pending = [r.evalAsync(`while (true) {}`), r.evalAsync(`new Promise(() => {})`), r.callAsync("util.slowSquare", 3)];
        await delay(1);
        r.close();
        closed++;
        for (const p of pending) await expectError("churn", [ContextClosedError], () => p);
      } else {
        dropped++; // idle and unreferenced: freed by the GC
      }
    }],
  ];

  if (opt.list) {
    for (const [name, weight] of OPS) console.log(`${name.padEnd(12)} weight ${weight}`);
    process.exit(0);
  }
  const known = new Set(OPS.map(([n]) => n));
  for (const n of [...(opt.mix ?? []), ...opt.exclude]) if (!known.has(n)) usage(`unknown operation ${n} (see --list)`);
  const active = OPS.filter(([n]) => (opt.mix === null || opt.mix.includes(n)) && !opt.exclude.includes(n));
  const totalWeight = active.reduce((s, [, w]) => s + w, 0);
  function pickOp() {
    let x = Math.random() * totalWeight;
    for (const op of active) if ((x -= op[1]) < 0) return op;
    return active[active.length - 1];
  }

  // --- RSS sampling (workload paused, host GC run) -------------------------------------
  let pauseRequested = null; // a promise workers wait on while a sample is taken
  let resumePaused = null;
  let running = 0;
  let idleWaiter = null;

  async function gcHard() {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setImmediate(r)); // let finalizers run
    }
  }

  const MB = (b) => (b / 1048576).toFixed(1);
  const t0 = Date.now();
  const samples = [];
  const totalOps = () => [...ops.values()].reduce((a, b) => a + b, 0);

  async function sample(label) {
    // Pause the workers and wait until none is inside an operation.
    pauseRequested = new Promise((r) => (resumePaused = r));
    if (running > 0) await new Promise((r) => (idleWaiter = r));
    await gcHard();
    // Dropped MiniRacers free their isolates from a finalizer, some time
    // after the GC that finds them: wait (up to 5 s) until only the
    // long-lived ones are left, so that RSS does not swing with how many
    // short-lived isolates happen to be in flight.
    const settleStart = Date.now();
    while (created - collected.racers > longLived && Date.now() - settleStart < 5000) {
      await delay(50);
      await gcHard();
    }
    // The count above comes from this script's FinalizationRegistry; the
    // isolates are freed by mini-racer's own, whose cleanup task may run
    // after it. Without this wait, a sample now and then caught ~45 dropped
    // sandboxes (20 s worth) not yet freed: +100-150 MB for that one sample,
    // with ~90 more thread stacks and ~420 more V8 pages in smaps.
    await delay(200);
    await gcHard();
    // The long-lived sandboxes' heaps get the same treatment as the host's:
    // V8 collects lazily when nothing presses it, and uncollected garbage is
    // not retained memory.
    for (const r of [...pool, ...loopers, oomPool]) {
      if (!r.closed) r.lowMemoryNotification();
    }
    const mu = process.memoryUsage();
    // MINI_RACER_SOAK_SMAPS=<dir>: keep /proc/self/smaps of each sample, to
    // tell which mappings (malloc heaps, thread stacks, V8 pages) hold RSS.
    if (process.env.MINI_RACER_SOAK_SMAPS) {
      const { readFileSync, writeFileSync } = await import("node:fs");
      // (copyFileSync copies nothing: /proc files report size 0.)
      const { getHeapSpaceStatistics } = await import("node:v8");
      writeFileSync(`${process.env.MINI_RACER_SOAK_SMAPS}/spaces-${Math.round((Date.now() - t0) / 1000)}s`, JSON.stringify(getHeapSpaceStatistics(), null, 1));
      writeFileSync(`${process.env.MINI_RACER_SOAK_SMAPS}/smaps-${Math.round((Date.now() - t0) / 1000)}s`, readFileSync("/proc/self/smaps"));
    }
    const longRacers = [...pool, ...loopers, oomPool];
    const handles = longRacers.reduce((s, r) => s + r.handleCount(), 0);
    const heaps = longRacers.map((r) => r.heapStats());
    const sandboxHeap = heaps.reduce((s, h) => s + h.totalHeapSize + h.externalMemory, 0);
    const s = { label, t: (Date.now() - t0) / 1000, rss: mu.rss, heapUsed: mu.heapUsed, external: mu.external, ops: totalOps() };
    samples.push(s);
    console.log(
      `soak: [${s.t.toFixed(0).padStart(5)} s] ${label.padEnd(14)} RSS ${MB(mu.rss)} MB  host heap ${MB(mu.heapUsed)} used/${MB(mu.heapTotal)} MB  ` +
        `external ${MB(mu.external)} MB  long-lived sandbox heaps ${MB(sandboxHeap)} MB  ops ${s.ops}  errors ${[...errorTotals.values()].reduce((a, b) => a + b, 0)}  ` +
        `unexpected ${unexpectedCount}  pool handles ${handles}  racers created/closed/dropped/collected ${created}/${closed}/${dropped}/${collected.racers} (not yet ${created - collected.racers - longLived})`,
    );
    const resume = resumePaused;
    pauseRequested = null;
    resume();
    return s;
  }

  async function worker(deadline) {
    while (Date.now() < deadline) {
      if (pauseRequested) {
        await pauseRequested;
        continue;
      }
      const [name, , fn] = pickOp();
      running++;
      const began = performance.now();
      try {
        await fn();
        ops.set(name, (ops.get(name) ?? 0) + 1);
      } catch (e) {
        ops.set(name, (ops.get(name) ?? 0) + 1);
        noteError(name, e, []);
      } finally {
        const ms = performance.now() - began;
        const tm = timing.get(name) ?? { total: 0, max: 0 };
        tm.total += ms;
        tm.max = Math.max(tm.max, ms);
        timing.set(name, tm);
        running--;
        if (running === 0 && idleWaiter) {
          const w = idleWaiter;
          idleWaiter = null;
          w();
        }
      }
      // Let timers and completions run between synchronous operations.
      await new Promise((r) => setImmediate(r));
    }
  }

  // --- run ----------------------------------------------------------------------------
  console.log(
    `soak: ${opt.seconds} s, ${opt.concurrency} workers, node ${process.version}, V8 in sandboxes ${MiniRacer.v8Version}, ` +
      `operations: ${active.map(([n, w]) => `${n}(${w})`).join(" ")}`,
  );
  const start = await sample("start");
  const deadline = t0 + opt.seconds * 1000;
  const baselineAt = opt.seconds >= 120 ? 60 : opt.seconds / 4;
  // Sample times (s) -> labels.
  const marks = new Map();
  const mark = (t, label) => marks.set(t, [...(marks.get(t) ?? []), label]);
  for (let t = opt.every; t < opt.seconds; t += opt.every) mark(t, `${+(t / 60).toFixed(2)} min`);
  mark(opt.seconds / 2, "middle");
  mark(baselineAt, "baseline");
  let baseline = null;
  let middle = null;

  const workers = Array.from({ length: opt.concurrency }, () => worker(deadline));
  for (const [t, labels] of [...marks].sort((a, b) => a[0] - b[0])) {
    const wait = t0 + t * 1000 - Date.now();
    if (wait > 0) await delay(wait);
    const s = await sample(labels.join(","));
    if (t === baselineAt) baseline = s;
    if (t === opt.seconds / 2) middle = s;
  }
  await Promise.all(workers);
  // Let the last dropped MiniRacers and handles be collected before the end sample.
  await gcHard();
  await delay(200);
  const end = await sample("end");

  // --- report ---------------------------------------------------------------------------
  console.log("\nsoak: operations");
  for (const [name] of active) {
    const n = ops.get(name) ?? 0;
    const tm = timing.get(name) ?? { total: 0, max: 0 };
    console.log(`  ${name.padEnd(12)} ${String(n).padStart(8)}   mean ${(tm.total / (n || 1)).toFixed(1)} ms, max ${tm.max.toFixed(0)} ms`);
  }
  console.log(`  ${"total".padEnd(12)} ${totalOps()}  (${(totalOps() / ((end.t || 1))).toFixed(0)}/s; host calls ${hostCalls}, console lines ${consoleLines})`);
  console.log("soak: expected errors by type");
  for (const [type, n] of [...errorTotals].sort()) console.log(`  ${type.padEnd(20)} ${n}`);
  console.log("soak: expected errors by operation");
  for (const [key, n] of [...errors].sort()) console.log(`  ${key.padEnd(32)} ${n}`);
  console.log(`soak: unexpected errors: ${unexpectedCount}`);
  for (const u of unexpected) console.log(`  ${u}`);
  console.log(
    `soak: MiniRacers created ${created}, closed ${closed}, dropped ${dropped}, collected ${collected.racers}; ` +
      `handles dropped for GC collected ${collected.handles}`,
  );
  console.log(`soak: RSS start ${MB(start.rss)} MB, baseline (${baseline.t.toFixed(0)} s) ${MB(baseline.rss)} MB, middle (${middle.t.toFixed(0)} s) ${MB(middle.rss)} MB, end (${end.t.toFixed(0)} s) ${MB(end.rss)} MB`);
  const drift = (end.rss - baseline.rss) / baseline.rss;
  const rssOk = drift <= 0.1;
  const what = baselineAt === 60 ? "after 1 minute" : `after ${baselineAt.toFixed(0)} s (run < 2 min)`;
  console.log(
    `soak: VERDICT: ${unexpectedCount === 0 && rssOk ? "PASS" : "FAIL"}: RSS end ${MB(end.rss)} MB vs ${what} ${MB(baseline.rss)} MB: ` +
      `${drift >= 0 ? "+" : ""}${(drift * 100).toFixed(1)}% (limit +10%) ${rssOk ? "ok" : "EXCEEDED"}; ` +
      `unexpected errors ${unexpectedCount}; crashes 0`,
  );

  for (const r of [...pool, ...loopers, oomPool]) r.close();
  process.exit(unexpectedCount > 0 ? 10 : rssOk ? 0 : 12);
}
