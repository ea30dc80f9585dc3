import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  JSEvalError,
  JSOOMError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacer,
  ValueTransferError,
} from "../src/index.js";
import {
  distEntry,
  median,
  medianWithinAsync,
  runChild,
  runKillableChild,
  timedRejection,
  timeoutOvershoot,
} from "./helpers.js";

/** Runs `body` while measuring the host event loop's delay; returns the worst lag in ms. */
/**
 * Host event-loop delay while `body` runs, sampled every millisecond: `p95Ms`
 * tells a loop that is held (many long samples) from one scheduler or host-GC
 * stall on a loaded 2-core machine (one long sample); `maxMs` bounds any
 * single stall, well below what a call run on the event loop would cause.
 */
async function withLagMonitor<T>(body: () => Promise<T>): Promise<{ result: T; p95Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await body();
    return { result, p95Ms: histogram.percentile(95) / 1e6, maxMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}

/** The README's promise: event-loop delay under 10 ms (p95), no stall of 50 ms. */
function expectLoopFree(lag: { p95Ms: number; maxMs: number }): void {
  expect(lag.p95Ms).toBeLessThan(10);
  expect(lag.maxMs).toBeLessThan(50);
}

/**
 * Noise on this machine, in ms, for bounds on medians of a few calls: five
 * times the worst overshoot of a plain `for (;;)` at a 100 ms deadline
 * (measured before the tests), and 20 ms for scheduling on a loaded 2-core
 * machine. A bound is what the README states plus this.
 */
let noise = 0;
beforeAll(() => {
  using mr = new MiniRacer();
  noise = 5 * timeoutOvershoot(mr) + 20;
});

describe("evalAsync, executeAsync, callAsync", () => {
  it("returns values like eval", async () => {
    using mr = new MiniRacer();
    expect(await mr.evalAsync("1 + 1")).toBe(2);
    expect(await mr.evalAsync("({ a: [1, 'x', null], d: new Date(0) })")).toEqual({ a: [1, "x", null], d: new Date(0) });
    expect(await mr.evalAsync("'héllo ' + '🙂'")).toBe("héllo 🙂");
    mr.execute("function add(a, b) { return a + b }");
    expect(await mr.callAsync("add", 2, 3)).toBe(5);
    expect(await mr.applyAsync("add", [{ x: 1 }.x, 41])).toBe(42);
    expect(await mr.callAsync("Math.max", 1, 9, 4)).toBe(9);
  });

  it("resolves to the settled value of a returned promise or async function", async () => {
    using mr = new MiniRacer();
    expect(await mr.evalAsync("Promise.resolve(7)")).toBe(7);
    expect(await mr.evalAsync("(async () => { await null; return 'done' })()")).toBe("done");
    mr.execute("async function twice(x) { await new Promise(r => setTimeout(r, 1)); return x * 2 }");
    expect(await mr.callAsync("twice", 21)).toBe(42);
  });

  it("rejects with JSPromiseError (a JSEvalError) when the promise rejects", async () => {
    using mr = new MiniRacer();
    const error = await mr.evalAsync("Promise.reject(new TypeError('nope'))").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSPromiseError);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSPromiseError).code).toBe("ERR_MINI_RACER_PROMISE_REJECTED");
    expect((error as JSPromiseError).jsName).toBe("TypeError");
    expect((error as JSPromiseError).jsMessage).toBe("nope");
    const later = await mr
      .evalAsync("new Promise((_, reject) => setTimeout(() => reject(new RangeError('late')), 5))")
      .catch((e: unknown) => e);
    expect(later).toBeInstanceOf(JSPromiseError);
    expect((later as JSPromiseError).jsMessage).toBe("late");
    const thrown = await mr.evalAsync("throw new Error('sync throw')").catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(JSEvalError);
    expect(thrown).not.toBeInstanceOf(JSPromiseError);
  });

  it("tells a synchronous eval of a pending promise to use evalAsync instead of hanging", () => {
    using mr = new MiniRacer();
    expect(() => mr.eval("new Promise(() => {})")).toThrow(/has not settled.*evalAsync/);
    // An already-settled promise is fine synchronously.
    expect(mr.eval("Promise.resolve(3)")).toBe(3);
    expect(() => mr.eval("Promise.reject(new Error('x'))")).toThrow(JSPromiseError);
  });

  it("executeAsync waits for a promise and resolves to undefined without copying", async () => {
    using mr = new MiniRacer();
    expect(await mr.executeAsync("globalThis.v = 0; new Promise(r => setTimeout(() => { v = 5; r(() => 1) }, 2))")).toBeUndefined();
    expect(mr.eval("v")).toBe(5);
    // execute() (sync) does not copy its completion value either.
    expect(mr.execute("(function () {})")).toBeUndefined();
  });

  it("rejects (never throws synchronously) on bad input and after close", async () => {
    const mr = new MiniRacer();
    const bad = (mr.evalAsync as (code: unknown) => Promise<unknown>)(42);
    await expect(bad).rejects.toThrow(TypeError);
    await expect(mr.evalAsync("1", { timeout: -1 })).rejects.toThrow(RangeError);
    await expect(mr.evalAsync("1", { signal: {} as AbortSignal })).rejects.toThrow(/AbortSignal/);
    await expect(mr.callAsync("")).rejects.toThrow(TypeError);
    await expect(mr.applyAsync("f", "x" as unknown as unknown[])).rejects.toThrow(TypeError);
    await expect(mr.callAsync("Math.max", () => 1)).rejects.toThrow(ValueTransferError);
    await expect(mr.evalAsync("({ f() {} })")).rejects.toThrow(ValueTransferError);
    await expect(mr.callAsync("nope.nothing")).rejects.toThrow(JSEvalError);
    mr.close();
    await expect(mr.evalAsync("1")).rejects.toThrow(ContextClosedError);
    await expect(mr.callAsync("f")).rejects.toThrow(ContextClosedError);
  });
});

describe("the README's async example", () => {
  it("runs as written: slowSquare after ~10 ms, an abort with a reason, still usable", async () => {
    const mr = new MiniRacer({ timeout: 2000 });
    mr.execute(`
      async function slowSquare(x) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        return x * x;
      }`);
    const start = performance.now();
    expect(await mr.callAsync("slowSquare", 12)).toBe(144);
    expect(performance.now() - start).toBeGreaterThanOrEqual(9.5);

    const controller = new AbortController();
    const running = mr.evalAsync("while (true) {}", { signal: controller.signal });
    controller.abort(new Error("user left"));
    const error = (await running.catch((e: unknown) => e)) as AbortError;
    expect([error.name, (error.cause as Error).message]).toEqual(["AbortError", "user left"]);
    expect(mr.eval("1 + 1")).toBe(2);
    mr.close();
  });
});

describe("timers inside the sandbox", () => {
  it("setTimeout(r, 10) resolves in about 10 ms", async () => {
    using mr = new MiniRacer();
    await mr.evalAsync("1");
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      expect(await mr.evalAsync("new Promise(r => setTimeout(() => r('tick'), 10))")).toBe("tick");
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    expect(times[0]).toBeGreaterThanOrEqual(9.5);
    expect(times[2]).toBeLessThan(40);
  });

  it("supports setInterval, clearInterval, clearTimeout, extra arguments and queueMicrotask", async () => {
    using mr = new MiniRacer();
    const result = await mr.evalAsync(`new Promise(resolve => {
      const log = [];
      queueMicrotask(() => log.push('micro'));
      const cancelled = setTimeout(() => log.push('cancelled'), 1);
      clearTimeout(cancelled);
      setTimeout((a, b) => log.push('timeout:' + a + b), 3, 'x', 'y');
      let n = 0;
      const id = setInterval(() => {
        log.push('interval' + ++n);
        if (n === 3) { clearInterval(id); setTimeout(() => resolve(log), 5); }
      }, 1);
      log.push('sync');
    })`);
    expect(result).toEqual(
      expect.arrayContaining(["sync", "micro", "interval1", "interval2", "interval3", "timeout:xy"]),
    );
    expect((result as string[])[0]).toBe("sync");
    expect((result as string[])[1]).toBe("micro");
    expect(result).not.toContain("cancelled");
  });

  it("fires timers in order of due time, ties in the order they were set", async () => {
    using mr = new MiniRacer();
    const order = await mr.evalAsync(`new Promise(r => {
      const o = [];
      setTimeout(() => o.push('c'), 6);
      setTimeout(() => o.push('a'), 0);
      setTimeout(() => o.push('b'), 0);
      setTimeout(() => r(o), 12);
    })`);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("refuses non-function callbacks with a TypeError and caps pending timers", async () => {
    using mr = new MiniRacer();
    expect(mr.eval("try { setTimeout('alert(1)', 0) } catch (e) { e.name + ': ' + e.message }")).toBe(
      "TypeError: setTimeout: the callback must be a function",
    );
    expect(mr.eval("try { queueMicrotask(1) } catch (e) { e.name }")).toBe("TypeError");
    expect(
      mr.eval("try { for (let i = 0; i < 200000; i++) setTimeout(() => {}, 1e9) } catch (e) { e.name + ': ' + e.message }"),
    ).toBe("RangeError: setTimeout: too many pending timers");
    // The timers belonged to that call and went with it.
    expect(mr.eval("typeof setTimeout(() => {}, 1)")).toBe("number");
  });

  it("at most 100,000 timers pending at once: the 100,000th is accepted, the 100,001st is a RangeError (both kinds together, sync and async)", async () => {
    using mr = new MiniRacer({ timeout: 30_000 });
    const fill = (n: number, kind: string): string =>
      `(() => { let made = 0; try { for (let i = 0; i < ${n}; i++) { ${kind}(() => {}, 1e9); made++ } return made }` +
      ` catch (e) { return made + ' set, then ' + e.name + ': ' + e.message } })()`;
    expect(mr.eval(fill(100_000, "setTimeout"))).toBe(100_000);
    expect(mr.eval(fill(100_001, "setTimeout"))).toBe("100000 set, then RangeError: setTimeout: too many pending timers");
    expect(mr.eval(fill(100_001, "setInterval"))).toBe("100000 set, then RangeError: setInterval: too many pending timers");
    // Timeouts and intervals count together.
    expect(mr.eval(`for (let i = 0; i < 50000; i++) setTimeout(() => {}, 1e9); ${fill(50_001, "setInterval")}`)).toBe(
      "50000 set, then RangeError: setInterval: too many pending timers",
    );
    // "At once": a cleared timer frees its place.
    expect(
      mr.eval(`const first = setTimeout(() => {}, 1e9); ${fill(99_999, "setTimeout")}; clearTimeout(first); ${fill(1, "setTimeout")}`),
    ).toBe(1);
    // On the async path, while the call waits with its timers pending.
    expect(await mr.evalAsync(`new Promise((resolve) => { const made = ${fill(99_999, "setTimeout")}; setTimeout(() => resolve(made), 1) })`)).toBe(
      99_999,
    );
    expect(await mr.evalAsync(fill(100_001, "setTimeout"))).toBe("100000 set, then RangeError: setTimeout: too many pending timers");
  });

  it("drops a call's pending timers when it ends: nothing runs outside a call", async () => {
    using mr = new MiniRacer();
    expect(await mr.evalAsync("globalThis.fired = 0; setTimeout(() => fired++, 1); setInterval(() => fired++, 1); 'returned'")).toBe(
      "returned",
    );
    expect(await mr.evalAsync("new Promise(r => setTimeout(() => r(fired), 20))")).toBe(0);
  });

  it("fails the call when a timer callback throws", async () => {
    using mr = new MiniRacer();
    const error = await mr
      .evalAsync("new Promise(() => setTimeout(() => { throw new SyntaxError('in timer') }, 1))")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsName).toBe("SyntaxError");
    expect((error as JSEvalError).jsMessage).toBe("in timer");
    expect(await mr.evalAsync("1 + 1")).toBe(2);
  });
});

describe("limits on the async path", () => {
  const deadline = 100;
  const cases: Array<[string, string]> = [
    ["an infinite loop", "while (true) {}"],
    ["an infinite microtask chain", "function f() { Promise.resolve().then(f) } f(); new Promise(() => {})"],
    ["a setInterval storm", "new Promise(() => { for (let i = 0; i < 100; i++) setInterval(() => { for (let j = 0; j < 1e4; j++); }, 0) })"],
    ["a setTimeout chain", "new Promise(() => { (function again() { setTimeout(again, 0) })() })"],
    ["a promise that never settles", "new Promise(() => {})"],
    ["an async function awaiting forever", "(async () => { await new Promise(() => {}) })()"],
  ];
  for (const [name, code] of cases) {
    it(`ends ${name} with JSTimeoutError within deadline + 30 ms, host loop lag under 10 ms`, async () => {
      using mr = new MiniRacer();
      await mr.evalAsync("0");
      const { result, ...lag } = await withLagMonitor(() => timedRejection(() => mr.evalAsync(code, { timeout: deadline })));
      expect(result.error).toBeInstanceOf(JSTimeoutError);
      expect(result.ms).toBeGreaterThanOrEqual(deadline - 1);
      expect(result.ms).toBeLessThan(deadline + 30);
      expectLoopFree(lag);
      expect(await mr.evalAsync("'usable'")).toBe("usable");
    });
  }

  it("keeps the host's setInterval ticking while the sandbox computes for a second", async () => {
    using mr = new MiniRacer();
    // A loop held by the sandbox is held on every run; a busy machine's
    // scheduler stall is not: up to three runs, one must be within bounds.
    const runs: Array<{ ticks: number; p95Ms: number; maxMs: number }> = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      let ticks = 0;
      const interval = setInterval(() => ticks++, 10);
      const { result, ...lag } = await withLagMonitor(() =>
        mr.evalAsync("(() => { const t = Date.now(); let n = 0; while (Date.now() - t < 1000) n++; return n > 0 })()"),
      );
      clearInterval(interval);
      expect(result).toBe(true);
      runs.push({ ticks, ...lag });
      if (ticks >= 80 && lag.p95Ms < 10 && lag.maxMs < 50) break;
    }
    const best = runs[runs.length - 1]!;
    expect(best.ticks, JSON.stringify(runs)).toBeGreaterThanOrEqual(80);
    expectLoopFree(best);
  });

  it("host event-loop delay stays under 10 ms (p95), no stall of 50 ms, while sandboxes allocate", async () => {
    const MiB = 1024 * 1024;
    const cases: Array<[string, number | undefined, string, (outcome: unknown) => void]> = [
      [
        "objects up to the memory cap",
        64 * MiB,
        "(() => { const a = []; for (;;) a.push({ x: [1, 2, 3] }) })()",
        (outcome) => expect(outcome).toBeInstanceOf(JSOOMError),
      ],
      [
        "ArrayBuffers up to the memory cap",
        64 * MiB,
        "(() => { const a = []; for (;;) a.push(new ArrayBuffer(1 << 20)) })()",
        (outcome) => expect(outcome).toBeInstanceOf(JSOOMError),
      ],
      [
        "a second of garbage (young and old generation collections)",
        undefined,
        "(() => { let a = []; const t = Date.now(); while (Date.now() - t < 1000) { a.push({ s: 'x' + a.length }); if (a.length === 1e5) a = [] } return 'churned' })()",
        (outcome) => expect(outcome).toBe("churned"),
      ],
      [
        "a second of large strings",
        undefined,
        "(() => { let s = ''; const t = Date.now(); while (Date.now() - t < 1000) s = 'y'.repeat(1e5) + s.length; return 'churned' })()",
        (outcome) => expect(outcome).toBe("churned"),
      ],
    ];
    for (const [name, maxMemory, code, check] of cases) {
      // A loop held by the sandbox is held on every run; a busy machine's
      // scheduler stall is not: a case past the bound runs up to twice
      // more, and must be within it at least once.
      const runs: Array<{ p95Ms: number; maxMs: number }> = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        using mr = new MiniRacer(maxMemory === undefined ? {} : { maxMemory });
        await mr.evalAsync("0");
        const { result, ...lag } = await withLagMonitor(() =>
          mr.evalAsync(code, { timeout: 10_000 }).then(
            (value) => value,
            (error: unknown) => error,
          ),
        );
        check(result);
        runs.push(lag);
        if (lag.p95Ms < 10 && lag.maxMs < 50) break;
      }
      const best = runs.reduce((a, b) => (Math.max(b.p95Ms / 10, b.maxMs / 50) < Math.max(a.p95Ms / 10, a.maxMs / 50) ? b : a));
      expect(best.p95Ms, `${name}: p95 event-loop delay (runs: ${JSON.stringify(runs)})`).toBeLessThan(10);
      expect(best.maxMs, `${name}: longest stall (runs: ${JSON.stringify(runs)})`).toBeLessThan(50);
    }
  });

  it("ends runaway allocation with JSOOMError and deep recursion with a RangeError on the sandbox thread", async () => {
    using mr = new MiniRacer({ maxMemory: 32 * 1024 * 1024 });
    await expect(mr.evalAsync("(() => { const a = []; while (true) a.push({ x: [1, 2, 3] }) })()")).rejects.toThrow(JSOOMError);
    const error = await mr.evalAsync("(function f() { return f() + 1 })()").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).jsName).toBe("RangeError");
    expect(await mr.evalAsync("'alive'")).toBe("alive");
  });
});

describe("cancellation with AbortSignal", () => {
  it("terminates a running script promptly and rejects with AbortError carrying the reason", async () => {
    using mr = new MiniRacer();
    await mr.evalAsync("0");
    const controller = new AbortController();
    const reason = new Error("user navigated away");
    const call = mr.evalAsync("while (true) {}", { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    const { error, ms } = await timedRejection(() => call);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).name).toBe("AbortError");
    expect((error as AbortError).code).toBe("ERR_MINI_RACER_ABORTED");
    expect((error as AbortError).cause).toBe(reason);
    expect(ms).toBeLessThan(60);
    // The script really stopped: the next call runs at once.
    const start = performance.now();
    expect(await mr.evalAsync("'next'")).toBe("next");
    expect(performance.now() - start).toBeLessThan(50);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("aborts a call waiting on a timer, and a queued call before it runs", async () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.ran = []");
    const first = new AbortController();
    const second = new AbortController();
    const waiting = mr.evalAsync("ran.push('waiting'); new Promise(r => setTimeout(r, 10000))", { signal: first.signal });
    const queued = mr.evalAsync("ran.push('queued'); 1", { signal: second.signal });
    second.abort();
    await expect(queued).rejects.toThrow(AbortError);
    await new Promise((r) => setTimeout(r, 10));
    first.abort();
    await expect(waiting).rejects.toThrow(AbortError);
    expect(await mr.evalAsync("ran")).toEqual(["waiting"]);
  });

  it("rejects at once for an already aborted signal, without running", async () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.count = 0");
    const error = await mr.evalAsync("count++", { signal: AbortSignal.abort("why") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toBe("why");
    expect(mr.eval("count")).toBe(0);
  });

  it("works with AbortSignal.timeout and leaves no listener behind after the call settles", async () => {
    using mr = new MiniRacer();
    await expect(mr.evalAsync("while (true) {}", { signal: AbortSignal.timeout(30) })).rejects.toThrow(AbortError);
    const controller = new AbortController();
    expect(await mr.evalAsync("5", { signal: controller.signal })).toBe(5);
    controller.abort(); // after settling: nothing happens
    expect(await mr.evalAsync("6")).toBe(6);
  });
});

describe("mixed use and ordering", () => {
  it("runs async calls one at a time in the order they were made", async () => {
    using mr = new MiniRacer();
    mr.execute("globalThis.log = []");
    const calls = [
      mr.evalAsync("new Promise(r => setTimeout(() => { log.push('slow'); r(1) }, 20))"),
      mr.evalAsync("log.push('fast'); 2"),
      mr.callAsync("Array.prototype.push.call", "ignored"),
    ];
    await Promise.allSettled(calls);
    expect(mr.eval("log")).toEqual(["slow", "fast"]);
  });

  it("runs a sync call while an async call waits, and the sync call can settle it", async () => {
    using mr = new MiniRacer();
    const waiting = mr.evalAsync("new Promise(r => { globalThis.finish = r })", { timeout: 5000 });
    await new Promise((r) => setTimeout(r, 10));
    const start = performance.now();
    expect(mr.eval("typeof finish")).toBe("function");
    expect(performance.now() - start).toBeLessThan(20);
    mr.eval("finish('from sync')");
    expect(await waiting).toBe("from sync");
  });

  it("pendingCalls counts the calls not settled yet, queued and running", async () => {
    using mr = new MiniRacer();
    expect(mr.pendingCalls).toBe(0);
    const running = mr.evalAsync("(() => { const t = Date.now(); while (Date.now() - t < 100); return 'first' })()");
    const queued = mr.evalAsync("'second'");
    expect(mr.pendingCalls).toBe(2);
    expect(await running).toBe("first");
    expect(mr.pendingCalls).toBe(1);
    expect(await queued).toBe("second");
    expect(mr.pendingCalls).toBe(0);
    const aborted = new AbortController();
    const waiting = mr.evalAsync("new Promise(() => {})", { signal: aborted.signal });
    expect(mr.pendingCalls).toBe(1);
    aborted.abort();
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    expect(mr.pendingCalls).toBe(0);
  });

  it("an async call's timeout counts from when it starts running, not from when it was queued", async () => {
    using mr = new MiniRacer();
    await mr.evalAsync("0");
    const bound = 450 + 30 + noise;
    const total = await medianWithinAsync(async () => {
      // Both later calls wait in the queue behind a 300 ms call: longer than their 100 ms limits.
      const queued = performance.now();
      const first = mr.evalAsync("(() => { const t = Date.now(); while (Date.now() - t < 300); return 'first' })()");
      const second = mr.evalAsync("(() => { const t = Date.now(); return new Promise((r) => setTimeout(() => r(Date.now() - t), 50)) })()", {
        timeout: 100,
      });
      const third = mr.evalAsync("for (;;);", { timeout: 100 });
      expect(await first).toBe("first");
      // It ran its 50 ms timer to the end: its limit had not started while it was queued.
      expect(await second).toBeGreaterThanOrEqual(49);
      const error = (await third.catch((e: unknown) => e)) as JSTimeoutError;
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect(error.code).toBe("ERR_MINI_RACER_TIMEOUT");
      // 300 ms, then 50 ms, then its own 100 ms: had its limit counted from the queue, it
      // would have ended as soon as it started, at ~350 ms.
      const total = performance.now() - queued;
      expect(total).toBeGreaterThanOrEqual(450);
      return total;
    }, bound);
    expect(total).toBeLessThan(bound);
  });

  it("a sync call made while an async call's script runs waits for that step, at most until its own deadline, waiting included (child process, hard kill)", async () => {
    // A sync call that never returned would hang the test process: run it in a child.
    const bounds = { waited: 50 + 10 + noise, looped: 400 + 10 + noise, through: 250 + noise };
    const best = { waited: Infinity, looped: Infinity, through: Infinity };
    const within = () => best.waited < bounds.waited && best.looped < bounds.looped && best.through < bounds.through;
    // Three samples of each in one child; another child while a median is over its bound
    // (other work on the machine comes in bursts).
    for (let batch = 0; batch < 3 && !within(); batch++) {
      const child = await runKillableChild(
        `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
         const outcome = (f) => {
           const start = performance.now();
           try { return { value: f(), ms: performance.now() - start }; }
           catch (e) { return { name: e.constructor.name, code: e.code, message: e.message, jsStack: e.jsStack, ms: performance.now() - start }; }
         };
         const step = "(() => { const t = Date.now(); while (Date.now() - t < 300); return 'step done' })()";
         (async () => {
           const mr = new MiniRacer();
           await mr.evalAsync("0");
           const out = { waited: [], looped: [], through: [], steps: [] };
           for (let i = 0; i < 3; i++) {
             // Each sync call starts 50 ms into a 300 ms step of an async call.
             let busy = mr.evalAsync(step);
             await sleep(50);
             out.waited.push(outcome(() => mr.eval("'sync'", { timeout: 50 })));
             out.steps.push(await busy);
             busy = mr.evalAsync(step);
             await sleep(50);
             out.looped.push(outcome(() => mr.eval("for (;;);", { timeout: 400 })));
             out.steps.push(await busy);
             // The step returns when it ended; the sync call, when it ran.
             busy = mr.evalAsync(step.replace("'step done'", "Date.now()"));
             await sleep(50);
             out.through.push(outcome(() => mr.eval("Date.now()", { timeout: 5000 })));
             out.through.at(-1).stepEnded = await busy;
           }
           mr.close();
           console.log(JSON.stringify(out));
         })();`,
        30_000,
      );
      expect(child.signal, "a sync call never returned").toBeNull();
      expect(child.status).toBe(0);
      type Outcome = { name?: string; code?: string; message?: string; jsStack?: string; ms: number };
      const out = JSON.parse(child.stdout) as {
        waited: Outcome[];
        looped: Outcome[];
        through: Array<{ value: number; stepEnded: number; ms: number }>;
        steps: string[];
      };
      expect(out.steps).toEqual(Array(6).fill("step done"));
      // Still waiting at its 50 ms limit: JSTimeoutError at that deadline.
      for (const o of out.waited) {
        expect(o).toMatchObject({
          name: "JSTimeoutError",
          code: "ERR_MINI_RACER_TIMEOUT",
          message: "the call exceeded its time limit waiting for the sandbox, which an async call was using",
          jsStack: "",
        });
        expect(o.ms).toBeGreaterThanOrEqual(49.5);
      }
      best.waited = Math.min(best.waited, median(out.waited.map((o) => o.ms)));
      // Waited ~250 ms, then ran: its 400 ms count from its start (not 250 + 400).
      for (const o of out.looped) {
        expect(o).toMatchObject({ name: "JSTimeoutError", code: "ERR_MINI_RACER_TIMEOUT", message: "the call exceeded its time limit" });
        expect(o.ms).toBeGreaterThanOrEqual(399.5);
      }
      best.looped = Math.min(best.looped, median(out.looped.map((o) => o.ms)));
      // A limit longer than the step: it waits for the step, then runs (~250 ms).
      for (const o of out.through) expect(o.value).toBeGreaterThanOrEqual(o.stepEnded);
      best.through = Math.min(best.through, median(out.through.map((o) => o.ms)));
    }
    expect(best.waited).toBeLessThan(bounds.waited);
    expect(best.looped).toBeLessThan(bounds.looped);
    expect(best.through).toBeLessThan(bounds.through);
  });

  it("answers heapStats() and lowMemoryNotification() without waiting for a running async call", async () => {
    using mr = new MiniRacer();
    // Allocates steadily (so GCs run) but keeps at most 100k objects alive: an
    // unbounded array would reach the 128 MB cap within 400 ms on a fast machine.
    const busy = mr.evalAsync(
      "(() => { let a = [], n = 0; const t = Date.now(); while (Date.now() - t < 400) { a.push({}); if (a.length === 1e5) { n += a.length; a = [] } } return n + a.length > 0 })()",
    );
    await new Promise((r) => setTimeout(r, 50));
    const start = performance.now();
    const stats = mr.heapStats();
    mr.lowMemoryNotification();
    expect(performance.now() - start).toBeLessThan(20);
    expect(stats.usedHeapSize).toBeGreaterThan(0);
    expect(stats.maxMemory).toBe(128 * 1024 * 1024);
    expect(await busy).toBe(true);
  });

  it("close() rejects running, waiting and queued calls with ContextClosedError", async () => {
    const mr = new MiniRacer();
    const running = mr.evalAsync("while (true) {}");
    const queued = mr.evalAsync("1");
    await new Promise((r) => setTimeout(r, 10));
    mr.close();
    await expect(running).rejects.toThrow(ContextClosedError);
    await expect(queued).rejects.toThrow(ContextClosedError);
    expect(mr.pendingCalls).toBe(0);

    const other = new MiniRacer();
    const waiting = other.evalAsync("new Promise(r => setTimeout(r, 60000))");
    await new Promise((r) => setTimeout(r, 10));
    other.close();
    await expect(waiting).rejects.toThrow(ContextClosedError);
  });

  it("runs N sandboxes' async calls at the same time on N threads", async () => {
    const sandboxes = [new MiniRacer(), new MiniRacer()];
    try {
      // Each call reports when it ran; on separate threads the spans overlap.
      const code = "(() => { const start = Date.now(); while (Date.now() - start < 300); return [start, Date.now()] })()";
      const [a, b] = (await Promise.all(sandboxes.map((mr) => mr.evalAsync(code)))) as Array<[number, number]>;
      const overlap = Math.min(a[1], b[1]) - Math.max(a[0], b[0]);
      expect(overlap).toBeGreaterThan(200);
    } finally {
      for (const mr of sandboxes) mr.close();
    }
  });

  it("settles 1,000 concurrent calls over 8 sandboxes with the right results, and leaks nothing", { timeout: 180_000 }, async () => {
    // Measured in a child process of its own: inside the test worker, other
    // tests' state and vitest's own bookkeeping (~130 bytes per expect() on
    // Node 24) move RSS by several MB a window on some runs.
    // RSS rises while the malloc arenas of the sandbox threads and the
    // queues reach their working size, then stays flat: on Node 20 after
    // ~50k calls (95 MB after 100k, 96 MB after 300k); on Node 24 after
    // ~300k (98 MB after 40k, 173 MB after 300k, 173.7 MB after 600k),
    // with the sandboxes' own heaps flat at 4 MB each throughout.
    // A leak grows RSS in every window, so the child runs 40k-call windows
    // until two in a row grow by less than 5 MB each (125 bytes a call),
    // and the test fails when that never happens in 16. (Two, because RSS
    // can also drop in a window when malloc returns the warm-up's memory.)
    const child = await runKillableChild(
      `require("node:v8").setFlagsFromString("--expose-gc");
       const gc = require("node:vm").runInNewContext("gc");
       (async () => {
         const sandboxes = Array.from({ length: 8 }, () => new MiniRacer());
         let wrong = 0;
         const round = async () => {
           const calls = [];
           for (let i = 0; i < 1000; i++) {
             const mr = sandboxes[i % 8];
             calls.push(i % 2 === 0 ? mr.evalAsync(i + " * 2") : mr.callAsync("Math.max", i, -1));
           }
           const results = await Promise.all(calls);
           results.forEach((value, i) => { if (value !== (i % 2 === 0 ? i * 2 : i)) wrong++; });
         };
         // Freed pages go back to the system on V8's background threads: RSS
         // read at once may still hold the last window's garbage (seen: +11 MB
         // in every window, gone by the next, flat over 1M calls). Two passes
         // 50 ms apart let it settle.
         const collect = async () => {
           for (let pass = 0; pass < 2; pass++) {
             for (const mr of sandboxes) mr.lowMemoryNotification();
             gc();
             await new Promise((resolve) => setTimeout(resolve, 50));
           }
           // Then until RSS holds still (within 256 KB over 50 ms), up to 1 s.
           let rss = process.memoryUsage().rss;
           for (let i = 0; i < 20; i++) {
             await new Promise((resolve) => setTimeout(resolve, 50));
             const now = process.memoryUsage().rss;
             if (Math.abs(now - rss) < 256 * 1024) break;
             rss = now;
           }
         };
         for (let i = 0; i < 60; i++) await round();
         // Growth is RSS from the end of one window to the end of the next,
         // both read in the same state (one collect after 40 rounds). Read
         // after a second collect instead, the start of a window sits lower
         // (seen: 1.5 MB on Node 24, 5 MB on a loaded CI machine), so growth
         // within a window shows even when the end of every window is flat.
         const growths = [];
         const settled = () => growths.length >= 2 && growths.slice(-2).every((g) => g < 5);
         await collect();
         let last = process.memoryUsage().rss;
         for (let window = 0; window < 16 && !settled(); window++) {
           for (let i = 0; i < 40; i++) await round();
           await collect();
           const rss = process.memoryUsage().rss;
           growths.push((rss - last) / 1024 / 1024);
           last = rss;
         }
         const pending = sandboxes.reduce((n, mr) => n + mr.pendingCalls, 0);
         for (const mr of sandboxes) mr.close();
         console.log(JSON.stringify({ growths, settled: settled(), wrong, pending }));
       })();`,
      170_000,
    );
    expect(child.signal).toBeNull();
    const { growths, settled, wrong, pending } = JSON.parse(child.stdout) as {
      growths: number[];
      settled: boolean;
      wrong: number;
      pending: number;
    };
    console.log(`1,000 x 40 concurrent calls, RSS growth per window: ${growths.map((g) => g.toFixed(1)).join(", ")} MB`);
    expect(wrong).toBe(0);
    expect(pending).toBe(0);
    expect(settled, `RSS grew in every window: ${growths.join(", ")} MB`).toBe(true);
  });
});

describe("threads and processes", () => {
  it("works inside a worker_thread, and terminating the worker mid-call is safe", async () => {
    const source = `
      const { MiniRacer } = require(${distEntry});
      const { parentPort } = require("node:worker_threads");
      (async () => {
        const mr = new MiniRacer();
        const value = await mr.evalAsync("new Promise(r => setTimeout(() => r(6 * 7), 5))");
        parentPort.postMessage({ value, sync: mr.eval("2 + 2") });
        const busy = new MiniRacer();
        busy.evalAsync("while (true) {}").catch(() => {});
        parentPort.postMessage("busy");
      })();
    `;
    const worker = new Worker(source, { eval: true });
    const messages: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      worker.on("message", (message) => {
        messages.push(message);
        if (message === "busy") setTimeout(() => void worker.terminate(), 20);
      });
      worker.on("error", reject);
      worker.on("exit", () => resolve());
    });
    expect(messages[0]).toEqual({ value: 42, sync: 4 });
    expect(messages[1]).toBe("busy");
  });

  it("a pending async call keeps Node's event loop alive until it settles (child processes)", async () => {
    // Settles after 300 ms: the process waits for it.
    const settles = await runKillableChild(
      `const start = performance.now();
       new MiniRacer()
         .evalAsync("new Promise((r) => setTimeout(() => r('settled'), 300))")
         .then((value) => console.log(JSON.stringify({ value, ms: performance.now() - start })));`,
      20_000,
    );
    expect(settles.status).toBe(0);
    const settled = JSON.parse(settles.stdout) as { value: string; ms: number };
    expect(settled.value).toBe("settled");
    expect(settled.ms).toBeGreaterThanOrEqual(299);
    // An unref'd timer alone does not keep a process alive...
    const control = await runKillableChild(`setTimeout(() => console.log("timer ran"), 500).unref();`, 20_000);
    expect(control.status).toBe(0);
    expect(control.stdout).toBe("");
    // ...but with a call that never settles (no timeout) pending, it runs and closes the
    // MiniRacer; the call rejects and the process then exits.
    const forever = await runKillableChild(
      `const start = performance.now();
       const mr = new MiniRacer();
       mr.evalAsync("new Promise(() => {})").catch((e) =>
         console.log(JSON.stringify({ name: e.constructor.name, ms: performance.now() - start })));
       setTimeout(() => mr.close(), 500).unref();`,
      20_000,
    );
    expect(forever.signal).toBeNull();
    expect(forever.status).toBe(0);
    const closed = JSON.parse(forever.stdout) as { name: string; ms: number };
    expect(closed.name).toBe("ContextClosedError");
    expect(closed.ms).toBeGreaterThanOrEqual(499);
  });

  it("lets the process exit, naturally or with process.exit, with live sandboxes", () => {
    const natural = runChild(`const mr = new MiniRacer(); mr.evalAsync("1").then(v => console.log("done", v));`);
    expect(natural.status).toBe(0);
    expect(natural.stdout.trim()).toBe("done 1");
    const forced = runChild(
      `const a = new MiniRacer(); a.evalAsync("while (true) {}").catch(() => {});
       const b = new MiniRacer(); b.evalAsync("new Promise(() => {})").catch(() => {});
       setTimeout(() => process.exit(0), 50);`,
    );
    expect(forced.status).toBe(0);
    expect(forced.signal).toBeNull();
  });
});
