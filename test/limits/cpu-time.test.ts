// Issue 14: a CPU-time limit, a per-call report, limits that change, heap
// snapshots. `cpuTime` counts the CPU the call's JavaScript uses on the
// thread running it (read from that thread's CPU clock), not wall time: a
// call waiting on timers or in a host function is not charged for it.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import {
  ContextClosedError,
  JSOOMError,
  JSTimeoutError,
  MiniRacer,
  MiniRacerPool,
  ValueTransferError,
} from "../../src/index.js";
import { caught, distEntry, MB } from "../helpers.js";

/** A loop spinning `ms` of wall time in the sandbox. */
const spin = (ms: number): string => `{ const t = Date.now(); while (Date.now() - t < ${ms}) {} }`;
/** Sleeps `ms` on the sandbox's timers (async paths only). */
const sleep = (ms: number): string => `new Promise((resolve) => setTimeout(resolve, ${ms}))`;
/** The CPU the limit may overshoot by, plus scheduling noise on a loaded 2-core machine. */
const CPU_SLACK = 25;

function expectCpuTimeout(error: unknown): JSTimeoutError {
  expect(error).toBeInstanceOf(JSTimeoutError);
  const timeout = error as JSTimeoutError;
  expect(timeout.code).toBe("ERR_MINI_RACER_TIMEOUT");
  expect(timeout.limit).toBe("cpuTime");
  expect(timeout.message).toBe("the call exceeded its CPU time limit");
  return timeout;
}

/** CPU time this thread has used, ms (process-wide before Node 23.9). */
function threadCpuMs(): number {
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.() ?? process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

describe("cpuTime: a CPU-bound call ends at its CPU limit", () => {
  it("sync: a 300 ms spin with cpuTime 50 fails with JSTimeoutError (limit: cpuTime) at ~50 ms of CPU", () => {
    using mr = new MiniRacer();
    const error = caught(() => mr.eval(spin(300), { cpuTime: 50 }));
    const timeout = expectCpuTimeout(error);
    expect(timeout.jsStack).toMatch(/^ {4}at <eval>:1:\d+$/);
    const report = mr.lastCall!;
    expect(report.cpuMeasured).toBe(true);
    expect(report.cpuMs).toBeGreaterThanOrEqual(50);
    expect(report.cpuMs).toBeLessThan(50 + CPU_SLACK);
    expect(report.wallMs).toBeGreaterThanOrEqual(report.cpuMs);
    expect(mr.eval("1 + 1")).toBe(2); // usable after
  });

  it("async: a 300 ms spin with cpuTime 50 fails at ~50 ms of CPU; a 300 ms sleep on timers with cpuTime 50 succeeds", async () => {
    using mr = new MiniRacer();
    expectCpuTimeout(await mr.evalAsync(spin(300), { cpuTime: 50 }).catch((e: unknown) => e));
    expect(mr.lastCall!.cpuMs).toBeGreaterThanOrEqual(50);
    expect(mr.lastCall!.cpuMs).toBeLessThan(50 + CPU_SLACK);
    const start = performance.now();
    await expect(mr.evalAsync(`${sleep(300)}.then(() => 7)`, { cpuTime: 50 })).resolves.toBe(7);
    expect(performance.now() - start).toBeGreaterThanOrEqual(295);
    const report = mr.lastCall!;
    expect(report.cpuMeasured).toBe(true);
    expect(report.wallMs).toBeGreaterThanOrEqual(295);
    expect(report.cpuMs).toBeLessThan(20);
  });

  it("async: CPU adds up across the slices of one call (bursts of work between timer waits)", async () => {
    using mr = new MiniRacer();
    // A fixed amount of work costs the same CPU however loaded the machine
    // is (a spin on the clock would not): calibrated, once optimized, to
    // ~20 ms of CPU, and measured alone.
    mr.execute("function burn(n) { let x = 0; for (let i = 0; i < n; i++) x = (x + i * 7) % 1000003; return x }");
    for (let i = 0; i < 5; i++) mr.eval("burn(3e5)");
    mr.eval("burn(1e6)", { cpuTime: 10_000 });
    const per20ms = Math.round((1e6 * 20) / mr.lastCall!.cpuMs);
    mr.eval(`burn(${per20ms})`, { cpuTime: 10_000 });
    const one = mr.lastCall!.cpuMs;
    mr.execute(`async function work(n) { for (let i = 0; i < n; i++) { burn(${per20ms}); await ${sleep(30)}; } return n }`);
    await expect(mr.applyAsync("work", [3], { cpuTime: 100 + 3 * one })).resolves.toBe(3);
    expect(mr.lastCall!.cpuMs).toBeGreaterThan(2 * one);
    expect(mr.lastCall!.wallMs).toBeGreaterThan(89);
    // Each burst alone is far under the limit; together they pass it.
    const limit = Math.max(10, 2.5 * one);
    const error = await mr.applyAsync("work", [10], { cpuTime: limit }).catch((e: unknown) => e);
    expectCpuTimeout(error);
    expect(mr.lastCall!.cpuMs).toBeGreaterThanOrEqual(limit);
    // Stopped in its third or fourth burst, not after ten.
    expect(mr.lastCall!.wallMs).toBeLessThan(10 * 30);
  });

  it("both limits: the first reached wins, and the error says which", async () => {
    using mr = new MiniRacer({ timeout: 1000, cpuTime: 1000 });
    expect((caught(() => mr.eval(spin(500), { timeout: 50 })) as JSTimeoutError).limit).toBe("timeout");
    expect((caught(() => mr.eval(spin(500), { cpuTime: 50 })) as JSTimeoutError).limit).toBe("cpuTime");
    // Waiting is wall time only: the timeout ends a sleeping call, cpuTime never would.
    const error = await mr.evalAsync(sleep(500), { timeout: 50, cpuTime: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect((error as JSTimeoutError).limit).toBe("timeout");
  });

  it("the constructor's cpuTime is every call's default; a call's own overrides it; setLimits changes it", () => {
    using mr = new MiniRacer({ cpuTime: 40 });
    expectCpuTimeout(caught(() => mr.eval(spin(300))));
    expectCpuTimeout(caught(() => mr.execute(spin(300))));
    mr.execute("function f() { while (true) {} }");
    expectCpuTimeout(caught(() => mr.call("f")));
    const f = mr.eval<{ call(...args: unknown[]): unknown }>("f");
    expectCpuTimeout(caught(() => f.call()));
    expect(mr.eval(`${spin(80)}; 1`, { cpuTime: 500 })).toBe(1);
    mr.setLimits({ cpuTime: null });
    expect(mr.eval(`${spin(80)}; 2`)).toBe(2);
    mr.setLimits({ cpuTime: 30 });
    expectCpuTimeout(caught(() => mr.eval(spin(300))));
    expect(mr.lastCall!.cpuMs).toBeLessThan(30 + CPU_SLACK);
  });

  it("bad cpuTime values are refused like timeouts, in the constructor, per call and in setLimits", () => {
    expect(() => new MiniRacer({ cpuTime: 0 })).toThrow(new RangeError("cpuTime must be a positive finite number of milliseconds, got 0"));
    expect(() => new MiniRacer({ cpuTime: "5" as never })).toThrow(new TypeError('cpuTime must be a number of milliseconds, got "5"'));
    using mr = new MiniRacer();
    expect(() => mr.eval("1", { cpuTime: NaN })).toThrow(new RangeError("cpuTime must be a positive finite number of milliseconds, got NaN"));
    expect(() => mr.setLimits({ cpuTime: -1 })).toThrow(new RangeError("cpuTime must be a positive finite number of milliseconds, got -1"));
  });
});

describe("host functions are the host's time, not the call's", () => {
  it("sync: a host function spinning 200 ms under cpuTime 50 does not end the call; the report counts it as host time", () => {
    using mr = new MiniRacer();
    mr.expose("hostSpin", (ms: number) => {
      const t = Date.now();
      while (Date.now() - t < ms) {
        /* the host's own CPU */
      }
      return ms;
    });
    expect(mr.eval("hostSpin(200) + hostSpin(10)", { cpuTime: 50 })).toBe(210);
    const report = mr.lastCall!;
    expect(report.hostCalls).toBe(2);
    expect(report.hostMs).toBeGreaterThanOrEqual(200);
    expect(report.cpuMs).toBeLessThan(20);
    // Without a CPU limit the sync report's CPU is its running time, host functions taken out.
    mr.eval("hostSpin(100)");
    expect(mr.lastCall!.cpuMeasured).toBe(false);
    expect(mr.lastCall!.cpuMs).toBeLessThan(20);
    expect(mr.lastCall!.hostMs).toBeGreaterThanOrEqual(95); // (Date.now() ticks in whole ms)
  });

  it("async: a host function (sync or returning a promise) is not charged to the call", async () => {
    using mr = new MiniRacer();
    mr.expose("hostSpin", (ms: number) => {
      const t = Date.now();
      while (Date.now() - t < ms) {
        /* spin */
      }
      return ms;
    });
    mr.expose("later", (ms: number) => new Promise((resolve) => setTimeout(() => resolve(ms), ms)));
    await expect(mr.evalAsync("(async () => hostSpin(150) + await later(150))()", { cpuTime: 40 })).resolves.toBe(300);
    const report = mr.lastCall!;
    expect(report.hostCalls).toBe(2);
    expect(report.cpuMs).toBeLessThan(30);
    expect(report.wallMs).toBeGreaterThanOrEqual(295);
  });

  it("a call made from inside a host function has its own CPU limit; the outer call goes on", () => {
    using mr = new MiniRacer();
    mr.expose("inner", () => {
      const error = caught(() => mr.eval(spin(300), { cpuTime: 30 }));
      return error instanceof JSTimeoutError ? error.limit : "no error";
    });
    expect(mr.eval("inner() + ' then ' + inner()", { cpuTime: 50 })).toBe("cpuTime then cpuTime");
    // The outer call's CPU leaves out the nested calls' 60 ms: they ran inside its host function.
    expect(mr.lastCall!.cpuMs).toBeLessThan(30);
    expect(mr.lastCall!.hostCalls).toBe(2);
  });

  it("console output counts as host calls", () => {
    const seen: unknown[] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => seen.push(args[0]) });
    mr.eval("for (let i = 0; i < 5; i++) console.log(i)");
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(mr.lastCall!.hostCalls).toBe(5);
  });
});

describe("the per-call report", () => {
  it("is undefined before any call, then describes the last call to end, sync or async", async () => {
    using mr = new MiniRacer();
    expect(mr.lastCall).toBeUndefined();
    mr.eval("1");
    expect(mr.lastCall!.cpuMeasured).toBe(false);
    await mr.evalAsync(`${spin(30)}; 1`);
    expect(mr.lastCall!.cpuMeasured).toBe(true);
    expect(mr.lastCall!.wallMs).toBeGreaterThanOrEqual(29);
    expect(mr.lastCall!.cpuMs).toBeGreaterThan(3); // (a loaded machine gives the spin less)
    mr.eval("2");
    expect(mr.lastCall!.cpuMeasured).toBe(false);
    expect(mr.lastCall!.wallMs).toBeLessThan(10);
  });

  it("matches independent measurements: the thread's CPU clock, and the heap as heapStats reads it", () => {
    using mr = new MiniRacer();
    const cpuBefore = threadCpuMs();
    mr.eval(`${spin(150)}; 0`, { cpuTime: 10_000 });
    const cpuAfter = threadCpuMs();
    const report = mr.lastCall!;
    expect(report.cpuMeasured).toBe(true);
    expect(report.cpuMs).toBeLessThanOrEqual(cpuAfter - cpuBefore + 1);
    expect(report.cpuMs).toBeGreaterThan((cpuAfter - cpuBefore) * 0.8);
    mr.execute("globalThis.big = new Array(2e6).fill(1.5)");
    expect(mr.lastCall!.heapUsed).toBeGreaterThan(16 * MB);
    expect(mr.lastCall!.heapUsed).toBe(mr.heapStats().usedHeapSize);
  });

  it("gcMs: the time a call spent paused for garbage collection, sync and async; a collection between calls counts in none", async () => {
    using mr = new MiniRacer();
    // Young garbage by the megabyte: scavenges inside the call.
    const grow = "globalThis.keep = []; for (let i = 0; i < 3e5; i++) keep.push({ i, s: 'x' + i }); keep.length";
    expect(mr.eval(grow)).toBe(3e5);
    const sync = mr.lastCall!;
    expect(sync.gcMs).toBeGreaterThan(0);
    expect(sync.gcMs).toBeLessThan(sync.wallMs);
    expect(await mr.evalAsync(grow.replace("globalThis.keep", "globalThis.more").replaceAll("keep.", "more."))).toBe(3e5);
    const async = mr.lastCall!;
    expect(async.gcMs).toBeGreaterThan(0);
    expect(async.gcMs).toBeLessThan(async.wallMs);
    // A full collection of the 600k objects between calls, on the host's
    // thread: not the next call's.
    const start = performance.now();
    mr.lowMemoryNotification();
    const fullGcMs = performance.now() - start;
    expect(fullGcMs).toBeGreaterThan(5);
    mr.eval("1 + 1");
    expect(mr.lastCall!.gcMs).toBeLessThan(fullGcMs / 2);
    expect(mr.usage.gcMs).toBeCloseTo(sync.gcMs + async.gcMs + mr.lastCall!.gcMs, 6);
  });

  it("usage sums every call that ended, and stays readable after close()", async () => {
    const mr = new MiniRacer();
    expect(mr.usage).toEqual({ calls: 0, wallMs: 0, cpuMs: 0, hostCalls: 0, hostMs: 0, gcMs: 0 });
    mr.expose("ping", () => 1);
    let cpu = 0;
    for (const code of ["ping()", `${spin(20)}; ping() + ping()`]) {
      mr.eval(code);
      cpu += mr.lastCall!.cpuMs;
    }
    await mr.evalAsync(`${spin(20)}; 0`);
    cpu += mr.lastCall!.cpuMs;
    const usage = mr.usage;
    expect(usage.calls).toBe(3);
    expect(usage.hostCalls).toBe(3);
    expect(usage.cpuMs).toBeCloseTo(cpu, 6);
    mr.close();
    expect(mr.usage).toEqual(usage);
    expect(() => mr.lastCall).toThrow(ContextClosedError);
  });

  it("the pool's stats sum the usage of every run", async () => {
    const pool = new MiniRacerPool({ size: 2 });
    try {
      await Promise.all([1, 2, 3, 4].map(() => pool.evalAsync(`${spin(15)}; 1`)));
      const { usage } = pool.stats();
      expect(usage.calls).toBe(4);
      expect(usage.wallMs).toBeGreaterThanOrEqual(4 * 14);
      expect(usage.cpuMs).toBeGreaterThan(4);
      expect(usage.wallMs).toBeGreaterThanOrEqual(usage.cpuMs);
    } finally {
      await pool.close();
    }
  });

  it("pool runs take the pool's cpuTime, and a shortcut's own overrides it", async () => {
    const pool = new MiniRacerPool({ size: 1, cpuTime: 30 });
    try {
      expectCpuTimeout(await pool.evalAsync("while (true) {}").catch((e: unknown) => e));
      expectCpuTimeout(await pool.run((mr) => mr.eval("while (true) {}")).catch((e: unknown) => e));
      await expect(pool.evalAsync(`${spin(60)}; 1`, { cpuTime: 5000 })).resolves.toBe(1);
    } finally {
      await pool.close();
    }
  });

  it("works in a Worker: a CPU-bound sync call there ends at its CPU limit", async () => {
    const worker = new Worker(
      `const { MiniRacer } = require(${distEntry});
       const { parentPort } = require("node:worker_threads");
       const mr = new MiniRacer();
       let limit = "none";
       try { mr.eval("while (true) {}", { cpuTime: 40 }); } catch (e) { limit = e.limit; }
       parentPort.postMessage({ limit, cpuMs: mr.lastCall.cpuMs });
       mr.close();`,
      { eval: true },
    );
    const message = await new Promise<{ limit: string; cpuMs: number }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    expect(message.limit).toBe("cpuTime");
    expect(message.cpuMs).toBeGreaterThanOrEqual(40);
    expect(message.cpuMs).toBeLessThan(40 + CPU_SLACK);
  });
});

describe("setLimits", () => {
  it("lowering maxMemory under the live heap makes the next call fail with JSOOMError until it is raised again", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    mr.execute("globalThis.keep = new Array(3e6).fill(0).map((_, i) => i + 0.5)");
    mr.setLimits({ maxMemory: 16 * MB });
    expect(mr.heapStats().maxMemory).toBe(16 * MB);
    const error = caught(() => mr.eval("keep.length"));
    expect(error).toBeInstanceOf(JSOOMError);
    expect((error as JSOOMError).message).toMatch(
      /^the sandbox's live heap and buffers \(\d+ bytes\) are over its memory cap \(16777216 bytes\), lowered by setLimits/,
    );
    expect(caught(() => mr.eval("1"))).toBeInstanceOf(JSOOMError);
    mr.setLimits({ maxMemory: 64 * MB });
    expect(mr.eval("keep.length")).toBe(3e6);
  });

  it("a lowered cap holds for what is allocated next", () => {
    using mr = new MiniRacer({ maxMemory: 128 * MB });
    mr.setLimits({ maxMemory: 16 * MB });
    expect(caught(() => mr.execute("const a = []; for (;;) a.push({})"))).toBeInstanceOf(JSOOMError);
    expect(caught(() => mr.execute("new ArrayBuffer(32 * 1024 * 1024)"))).toBeInstanceOf(JSOOMError);
    mr.setLimits({ maxMemory: 128 * MB });
    expect(mr.eval("new ArrayBuffer(32 * 1024 * 1024).byteLength")).toBe(32 * MB);
  });

  it("maxMemory cannot go above the cap the MiniRacer was created with; other bad values are refused as in the constructor", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MB });
    expect(() => mr.setLimits({ maxMemory: 32 * MB + 1 })).toThrow(
      new RangeError(`maxMemory must be at most ${32 * MB}, the cap this MiniRacer was created with, got ${32 * MB + 1}`),
    );
    mr.setLimits({ maxMemory: 8 * MB });
    expect(() => mr.setLimits({ maxMemory: 64 * MB })).toThrow(
      new RangeError(`maxMemory must be at most ${32 * MB}, the cap this MiniRacer was created with, got ${64 * MB}`),
    );
    expect(() => mr.setLimits({ maxMemory: NaN })).toThrow(RangeError);
    expect(() => mr.setLimits({ timeout: 0 })).toThrow(new RangeError("timeout must be a positive finite number of milliseconds, got 0"));
    expect(() => mr.setLimits({ softMemoryLimit: "1" as never })).toThrow(new TypeError('softMemoryLimit must be a number of bytes, got "1"'));
    expect(() => mr.setLimits({ memory: 1 } as never)).toThrow(new TypeError('unknown limit "memory"'));
    expect(() => mr.setLimits(null as never)).toThrow(new TypeError("limits must be an object, got null"));
    expect(mr.heapStats().maxMemory).toBe(8 * MB); // nothing changed by the refusals
  });

  it("timeout and softMemoryLimit change; null removes them", () => {
    using mr = new MiniRacer();
    mr.setLimits({ timeout: 40 });
    expect((caught(() => mr.eval("while (true) {}")) as JSTimeoutError).limit).toBe("timeout");
    mr.setLimits({ timeout: null });
    expect(mr.eval(`${spin(60)}; 3`)).toBe(3);
    mr.setLimits({ softMemoryLimit: 4 * MB });
    mr.execute("globalThis.keep = new Array(1e6).fill(1.5)");
    expect(mr.heapStats().softLimitReached).toBe(true);
    mr.setLimits({ softMemoryLimit: null });
    expect(mr.heapStats().softLimitReached).toBe(false);
  });

  it("each limit changed alone leaves the others as they were", () => {
    using mr = new MiniRacer({ timeout: 40, cpuTime: 5000, maxMemory: 32 * MB });
    mr.setLimits({ cpuTime: 4000 });
    expect((caught(() => mr.eval("while (true) {}")) as JSTimeoutError).limit).toBe("timeout");
    mr.setLimits({ timeout: 5000, cpuTime: 30 });
    mr.setLimits({ timeout: 4000 });
    expect((caught(() => mr.eval("while (true) {}")) as JSTimeoutError).limit).toBe("cpuTime");
    mr.setLimits({ softMemoryLimit: 4 * MB });
    expect(mr.heapStats().maxMemory).toBe(32 * MB);
  });

  it("after close() it throws ContextClosedError", () => {
    const mr = new MiniRacer();
    mr.close();
    expect(() => mr.setLimits({ timeout: 5 })).toThrow(ContextClosedError);
    expect(() => mr.heapSnapshot()).toThrow(ContextClosedError);
  });
});

describe("heapSnapshot", () => {
  it("returns the JSON of a DevTools .heapsnapshot holding the sandbox's objects", () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.marker = { name: 'snapshot-marker-4711' }");
    const json = mr.heapSnapshot();
    const snapshot = JSON.parse(json) as { snapshot: { meta: { node_fields: string[] }; node_count: number }; strings: string[] };
    expect(snapshot.snapshot.meta.node_fields).toContain("self_size");
    expect(snapshot.snapshot.node_count).toBeGreaterThan(1000);
    expect(snapshot.strings).toContain("snapshot-marker-4711");
    expect(mr.eval("marker.name")).toBe("snapshot-marker-4711"); // the sandbox goes on
  });

  it("from inside a host function of a call on the same MiniRacer it is a TypeError, not a wait that never ends", async () => {
    using mr = new MiniRacer();
    mr.expose("snap", () => {
      try {
        mr.heapSnapshot();
        return "taken";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    });
    const refusal = "TypeError: heapSnapshot cannot be taken from inside a call on the same MiniRacer";
    expect(mr.eval("snap()")).toBe(refusal);
    await expect(mr.evalAsync("snap()", { timeout: 5000 })).resolves.toBe(refusal);
  });

  it("is bounded: a heap with more objects than maxBytes allows is refused before it is built", () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.keep = Array.from({ length: 1e5 }, (_, i) => ({ i }))");
    const error = caught(() => mr.heapSnapshot({ maxBytes: 1024 * 1024 }));
    expect(error).toBeInstanceOf(ValueTransferError);
    expect((error as Error).message).toBe("RangeError: the heap snapshot would be larger than its limit of 1048576 bytes");
    expect(() => mr.heapSnapshot({ maxBytes: 2 ** 29 })).toThrow(RangeError);
    expect(() => mr.heapSnapshot({ timeout: -1 })).toThrow(RangeError);
  });

  it("a full 128 MB heap does not take the host down: refused at the default limit, quickly", () => {
    using mr = new MiniRacer({ maxMemory: 128 * MB });
    expect(caught(() => mr.execute("globalThis.keep = []; for (;;) keep.push({ i: keep.length })"))).toBeInstanceOf(JSOOMError);
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    const error = caught(() => mr.heapSnapshot());
    expect(error).toBeInstanceOf(ValueTransferError);
    expect(performance.now() - start).toBeLessThan(15_000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(512 * MB);
  });
});
