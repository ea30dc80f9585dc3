// MiniRacerPool and MiniRacer.create: sandboxes made off Node's thread,
// runs served one sandbox each (FIFO when all are busy), no state shared
// between runs with `fresh`, sandboxes recycled and replaced, waits that
// abort or overflow, close with runs in flight, and a pool in a worker.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  JSEvalError,
  JSOOMError,
  JSTimeoutError,
  MiniRacer,
  MiniRacerPool,
  PoolClosedError,
  PoolQueueFullError,
  type MiniRacerPoolOptions,
  type PoolStats,
} from "../src/index.js";
import { MB, distEntry, repoRoot } from "./helpers";

const pools: MiniRacerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close({ force: true })));
});

/** A pool closed after the test; `setup` numbers each sandbox (`sandboxId`) unless options say otherwise. */
function makePool(options: MiniRacerPoolOptions = {}): MiniRacerPool {
  let made = 0;
  const pool = new MiniRacerPool({
    setup: (mr) => mr.execute(`globalThis.sandboxId = ${++made}`),
    ...options,
  });
  pools.push(pool);
  return pool;
}

/** A promise and its resolve function. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits (polling on the event loop) until `pool.stats()` satisfies `ready`. */
async function statsWhen(pool: MiniRacerPool, ready: (stats: PoolStats) => boolean): Promise<PoolStats> {
  for (let i = 0; i < 2000; i++) {
    const stats = pool.stats();
    if (ready(stats)) return stats;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`pool stats never got there: ${JSON.stringify(pool.stats())}`);
}

const id = (pool: MiniRacerPool): Promise<number> => pool.evalAsync<number>("sandboxId");

describe("MiniRacer.create", () => {
  it("resolves to a working MiniRacer with the options applied; several at once", async () => {
    const created = MiniRacer.create({ maxMemory: 24 * MB, timeout: 500 });
    expect(created).toBeInstanceOf(Promise);
    const mr = await created;
    expect(mr).toBeInstanceOf(MiniRacer);
    expect(mr.eval("1 + 1")).toBe(2);
    expect(mr.heapStats().maxMemory).toBe(24 * MB);
    expect(() => mr.eval("while (true) {}")).toThrow(JSTimeoutError);
    mr.close();
    const many = await Promise.all(Array.from({ length: 6 }, (_, i) => MiniRacer.create().then((m) => [m, i] as const)));
    for (const [m, i] of many) {
      expect(await m.evalAsync(`${i} * 2`)).toBe(i * 2);
      m.close();
    }
  });

  it("a sandbox made on another thread has a sound stack limit on Node's thread and on its own", async () => {
    const mr = await MiniRacer.create();
    const deep = "(() => { let depth = 0; const f = () => { depth++; f() }; try { f() } catch (e) { return [e.name, depth] } })()";
    const [name, depth] = mr.eval<[string, number]>(deep);
    expect(name).toBe("RangeError");
    expect(depth).toBeGreaterThan(1000);
    expect((await mr.evalAsync<[string, number]>(deep))[0]).toBe("RangeError");
    mr.close();
  });

  it("rejects bad options with TypeError / RangeError, as the constructor throws", async () => {
    await expect(MiniRacer.create({ maxMemory: 1 })).rejects.toThrow(RangeError);
    await expect(MiniRacer.create({ nope: 1 } as never)).rejects.toThrow(new TypeError('unknown option "nope"'));
    await expect(MiniRacer.create(null as never)).rejects.toThrow(TypeError);
  });
});

describe("MiniRacerPool: runs", () => {
  it("serves shortcuts and runs from sandboxes prepared by a setup string", async () => {
    const pool = makePool({ size: 2, timeout: 2000, setup: "function double(x) { return 2 * x }" });
    expect(await pool.callAsync("double", 21)).toBe(42);
    expect(await pool.applyAsync("double", [4], { timeout: 1000 })).toBe(8);
    expect(await pool.evalAsync("1 + 1")).toBe(2);
    expect(await pool.run(async (mr) => mr.eval<number>("double(1)") + (await mr.callAsync<number>("double", 2)))).toBe(6);
    expect(await pool.run(() => "plain value")).toBe("plain value");
    const outs = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.callAsync("double", i)));
    expect(outs).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i));
    // The second sandbox may still be in the making (the first can serve them all): wait for it.
    const stats = await statsWhen(pool, (s) => s.busy === 0 && s.starting === 0);
    expect(stats).toMatchObject({ size: 2, idle: 2, busy: 0, starting: 0, waiting: 0, created: 2, replaced: 0, runs: 25 });
  });

  it("a run's callback always starts after run() returns, even with a sandbox idle", async () => {
    const pool = makePool({ size: 1 });
    await statsWhen(pool, (s) => s.idle === 1);
    let ran = false;
    const run = pool.run(() => (ran = true));
    expect(ran).toBe(false);
    expect(pool.stats()).toMatchObject({ idle: 0, busy: 1 });
    expect(await run).toBe(true);
  });

  it("runs at once on different sandboxes, each alone", async () => {
    const pool = makePool({ size: 3 });
    const gate = deferred();
    const started: number[] = [];
    const runs = [1, 2, 3].map(() =>
      pool.run(async (mr) => {
        started.push(mr.eval<number>("sandboxId"));
        await gate.promise;
        return mr.eval<number>("sandboxId");
      }),
    );
    await statsWhen(pool, (s) => s.busy === 3);
    expect(new Set(started).size).toBe(3);
    gate.resolve();
    expect(new Set(await Promise.all(runs)).size).toBe(3);
  });

  it("a setup function runs once per sandbox and may expose host functions", async () => {
    let setups = 0;
    const pool = makePool({
      size: 1,
      setup: (mr) => {
        setups++;
        mr.expose("hostAdd", (a: number, b: number) => a + b);
      },
    });
    expect(await pool.evalAsync("hostAdd(2, 3)")).toBe(5);
    expect(await pool.evalAsync("hostAdd(4, 3)")).toBe(7);
    expect(setups).toBe(1);
  });

  it("without fresh, a sandbox keeps what earlier runs left; a throwing callback gives it back", async () => {
    const pool = makePool({ size: 1 });
    await pool.evalAsync("globalThis.count = 0");
    for (let i = 1; i <= 3; i++) expect(await pool.evalAsync("++count")).toBe(i);
    await expect(pool.run(() => Promise.reject(new Error("callback failed")))).rejects.toThrow("callback failed");
    await expect(pool.evalAsync("throw new TypeError('x')")).rejects.toBeInstanceOf(JSEvalError);
    expect(await pool.evalAsync("[++count, sandboxId]")).toEqual([4, 1]);
    expect(pool.stats()).toMatchObject({ created: 1, replaced: 0, recycled: 0 });
  });

  it("fresh: no run sees state an earlier run left; only setup's state is there", async () => {
    const pool = makePool({ size: 2, fresh: true, setup: "globalThis.fromSetup = 'yes'" });
    const seen = [];
    for (let i = 0; i < 6; i++) {
      seen.push(
        await pool.run(async (mr) => {
          const before = await mr.evalAsync("[typeof secret, typeof Object.prototype.leak, fromSetup, typeof cached]");
          mr.execute(`globalThis.secret = ${i}; Object.prototype.leak = 1; var cached = [1, 2, 3];`);
          await mr.evalAsync("new Promise((r) => setTimeout(r, 1))");
          return before;
        }),
      );
    }
    for (const before of seen) expect(before).toEqual(["undefined", "undefined", "yes", "undefined"]);
    const stats = await statsWhen(pool, (s) => s.idle === 2);
    expect(stats.recycled).toBe(6);
    expect(stats.created).toBe(8);
  });

  it("maxUses: a sandbox is recycled after that many runs", async () => {
    const pool = makePool({ size: 1, maxUses: 3 });
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await id(pool));
    expect(ids).toEqual([1, 1, 1, 2, 2, 2, 3]);
    expect(pool.stats()).toMatchObject({ recycled: 2, replaced: 0 });
  });
});

describe("MiniRacerPool: what a run may not keep", () => {
  it("the MiniRacer a run gets is revoked when the run ends, methods read off it included", async () => {
    const pool = makePool({ size: 1 });
    let kept: MiniRacer | undefined;
    let keptEval: ((code: string) => unknown) | undefined;
    await pool.run((mr) => {
      expect(mr).toBeInstanceOf(MiniRacer);
      kept = mr;
      keptEval = mr.eval; // eslint-disable-line @typescript-eslint/unbound-method
      expect(keptEval("40 + 2")).toBe(42);
      expect(() => {
        (mr as unknown as Record<string, unknown>).extra = 1;
      }).toThrow(TypeError);
    });
    expect(() => kept!.eval("1")).toThrow(ContextClosedError);
    expect(() => keptEval!("1")).toThrow(ContextClosedError);
    await expect(kept!.evalAsync("1")).rejects.toThrow(ContextClosedError);
    expect(await id(pool)).toBe(1); // the sandbox itself is fine
  });

  it("the lent MiniRacer: its own constructor and methods (one wrapper each), read-only; after the run, closed and every use a ContextClosedError", async () => {
    const pool = makePool({ size: 1 });
    let kept: MiniRacer | undefined;
    await pool.run((mr) => {
      kept = mr;
      expect(mr.closed).toBe(false);
      expect(mr.constructor).toBe(MiniRacer);
      expect(mr.eval).toBe(mr.eval);
      expect(mr.pendingCalls).toBe(0);
      expect(typeof mr[Symbol.dispose]).toBe("function");
      expect(Reflect.set(mr, "extra", 1)).toBe(false);
      expect(Reflect.defineProperty(mr, "extra", { value: 1 })).toBe(false);
      expect(Reflect.deleteProperty(mr, "eval")).toBe(false);
      expect(Reflect.setPrototypeOf(mr, null)).toBe(false);
    });
    const ended = "this MiniRacer was lent by a pool to a run that has ended";
    const view = kept!;
    expect(view.closed).toBe(true);
    for (const use of [() => view.pendingCalls, () => view.constructor, () => Reflect.set(view, "extra", 1), () => view[Symbol.dispose]()]) {
      const error = (() => {
        try {
          use();
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(ContextClosedError);
      expect((error as Error).message).toBe(ended);
    }
    // An async method rejects, as on a closed MiniRacer; it never throws.
    const call = view.callAsync("Math.max", 1, 2);
    await expect(call).rejects.toBeInstanceOf(ContextClosedError);
    await expect(call).rejects.toThrow(ended);
    expect(await id(pool)).toBe(1);
  });

  it("an ordinary error does not retire the sandbox, caught in the run or not, sync or async", async () => {
    const pool = makePool({ size: 1 });
    await pool.run((mr) => {
      try {
        mr.eval("throw new Error('caught')");
      } catch {
        // the run goes on
      }
    });
    await expect(pool.run((mr) => mr.eval("null.x"))).rejects.toBeInstanceOf(JSEvalError);
    await expect(pool.run((mr) => mr.evalAsync("null.x"))).rejects.toBeInstanceOf(JSEvalError);
    expect(await id(pool)).toBe(1);
    expect(pool.stats().replaced).toBe(0);
  });

  it("a run that leaves a handle alive or an async call pending retires its sandbox", async () => {
    const pool = makePool({ size: 1 });
    const handle = await pool.run((mr) => mr.eval("() => sandboxId"));
    expect(await id(pool)).toBe(2);
    expect(() => (handle as unknown as () => unknown)()).toThrow(ContextClosedError);
    // A handle released before the run ends is fine.
    await pool.run((mr) => mr.eval<{ release(): void }>("() => 1").release());
    expect(await id(pool)).toBe(2);
    let left: Promise<unknown> | undefined;
    await pool.run((mr) => {
      left = mr.evalAsync("new Promise((r) => setTimeout(() => r(sandboxId), 50))");
    });
    await expect(left).rejects.toThrow(ContextClosedError);
    expect(await id(pool)).toBe(3);
    expect(pool.stats().replaced).toBe(2);
  });
});

describe("MiniRacerPool: replacement after a memory cap, a timeout or an abort", () => {
  it("a run that hits the memory cap gets JSOOMError and the sandbox is replaced", async () => {
    const pool = makePool({ size: 1, maxMemory: 16 * MB });
    await expect(pool.evalAsync("const a = []; for (;;) a.push(new Array(1e5).fill(1))")).rejects.toBeInstanceOf(
      JSOOMError,
    );
    expect(await id(pool)).toBe(2);
    expect(pool.stats()).toMatchObject({ replaced: 1 });
  });

  it("a timeout replaces the sandbox, even when the callback caught the error", async () => {
    const pool = makePool({ size: 1, timeout: 50 });
    await expect(pool.evalAsync("while (true) {}")).rejects.toBeInstanceOf(JSTimeoutError);
    expect(await id(pool)).toBe(2);
    const caught = await pool.run(async (mr) => {
      try {
        await mr.evalAsync("while (true) {}");
      } catch (error) {
        return (error as Error).name;
      }
    });
    expect(caught).toBe("JSTimeoutError");
    expect(await id(pool)).toBe(3);
    expect(pool.stats().replaced).toBe(2);
  });

  it("a setup that fails rejects the waiting run with its error, and does not retry forever", async () => {
    const pool = makePool({ size: 2, setup: "throw new Error('setup broke')" });
    // The two made at the start fail: the first failure rejects the run waiting for it.
    await expect(pool.evalAsync("1")).rejects.toThrow(JSEvalError);
    await statsWhen(pool, (s) => s.starting === 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.stats()).toMatchObject({ failed: 2, starting: 0, idle: 0, created: 0 });
    // After a failure a sandbox is made only for a run that waits: one each.
    await expect(pool.evalAsync("1")).rejects.toThrow("setup broke");
    await statsWhen(pool, (s) => s.starting === 0);
    expect(pool.stats()).toMatchObject({ failed: 3, starting: 0, idle: 0, created: 0 });
  });
});

describe("MiniRacerPool: waiting, aborting, overflowing", () => {
  it("runs wait FIFO for a busy pool; maxQueue refuses one more with PoolQueueFullError", async () => {
    const pool = makePool({ size: 1, maxQueue: 2 });
    await statsWhen(pool, (s) => s.idle === 1);
    const gate = deferred();
    const order: string[] = [];
    const first = pool.run(async () => {
      await gate.promise;
      order.push("first");
    });
    const second = pool.run(() => order.push("second"));
    const third = pool.run(() => order.push("third"));
    expect(pool.stats()).toMatchObject({ busy: 1, waiting: 2 });
    const fourth = pool.run(() => order.push("fourth"));
    await expect(fourth).rejects.toBeInstanceOf(PoolQueueFullError);
    await expect(fourth).rejects.toMatchObject({ code: "ERR_MINI_RACER_POOL_QUEUE_FULL" });
    gate.resolve();
    await Promise.all([first, second, third]);
    expect(order).toEqual(["first", "second", "third"]);
  });

  it("a signal aborts the wait (AbortError with its reason), or refuses at once when already aborted", async () => {
    const pool = makePool({ size: 1 });
    await statsWhen(pool, (s) => s.idle === 1);
    const gate = deferred();
    const busy = pool.run(() => gate.promise);
    const controller = new AbortController();
    const waiting = pool.evalAsync("sandboxId", { signal: controller.signal });
    const after = pool.evalAsync("sandboxId");
    expect(pool.stats().waiting).toBe(2);
    controller.abort("user left");
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
    await expect(waiting).rejects.toMatchObject({ cause: "user left", code: "ERR_MINI_RACER_ABORTED" });
    expect(pool.stats().waiting).toBe(1);
    await expect(pool.run(() => 1, { signal: AbortSignal.abort("no") })).rejects.toBeInstanceOf(AbortError);
    gate.resolve();
    await busy;
    expect(await after).toBe(1);
  });

  it("aborting a running run rejects it at once and replaces its sandbox; its calls end", async () => {
    const pool = makePool({ size: 1 });
    const controller = new AbortController();
    let call: Promise<unknown> | undefined;
    const run = pool.run(
      (mr) => {
        call = mr.evalAsync("while (true) {}");
        return call;
      },
      { signal: controller.signal },
    );
    await statsWhen(pool, (s) => s.busy === 1);
    controller.abort(new Error("stop"));
    await expect(run).rejects.toBeInstanceOf(AbortError);
    await expect(call).rejects.toBeInstanceOf(ContextClosedError);
    expect(await id(pool)).toBe(2);
    const aborted = await pool
      .evalAsync("while (true) {}", { signal: AbortSignal.timeout(30) })
      .catch((error: unknown) => error);
    expect(aborted).toBeInstanceOf(AbortError);
    expect(await id(pool)).toBe(3);
  });
});

describe("MiniRacerPool: close", () => {
  it("rejects waiting runs, lets runs in flight finish, then closes every sandbox; idempotent", async () => {
    const pool = makePool({ size: 1 });
    await statsWhen(pool, (s) => s.idle === 1);
    const gate = deferred();
    const running = pool.run(async (mr) => {
      await gate.promise;
      return mr.evalAsync("sandboxId");
    });
    const waiting = pool.evalAsync("1");
    const closed = pool.close();
    expect(pool.close()).toBe(closed);
    expect(pool.closed).toBe(true);
    await expect(waiting).rejects.toBeInstanceOf(PoolClosedError);
    await expect(pool.evalAsync("1")).rejects.toMatchObject({ code: "ERR_MINI_RACER_POOL_CLOSED" });
    let done = false;
    void closed.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    gate.resolve();
    expect(await running).toBe(1);
    await closed;
    expect(pool.close({ force: true })).toBe(closed);
    expect(pool.stats()).toMatchObject({ idle: 0, busy: 0, starting: 0, waiting: 0 });
  });

  it("force: runs in flight reject with PoolClosedError and their calls end", async () => {
    const pool = makePool({ size: 2 });
    const calls: Array<Promise<unknown>> = [];
    const runs = [0, 1].map(() =>
      pool.run((mr) => {
        const call = mr.evalAsync("new Promise(() => {})");
        calls.push(call);
        return call;
      }),
    );
    await statsWhen(pool, (s) => s.busy === 2);
    await pool.close({ force: true });
    for (const run of runs) await expect(run).rejects.toBeInstanceOf(PoolClosedError);
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(ContextClosedError);
    expect(pool.stats()).toMatchObject({ idle: 0, busy: 0 });
  });

  it("close({ force: true }) after a graceful close() ends the runs it waits for", async () => {
    const pool = makePool({ size: 1 });
    const run = pool.run((mr) => mr.evalAsync("new Promise(() => {})"));
    await statsWhen(pool, (s) => s.busy === 1);
    const graceful = pool.close();
    expect(pool.close({ force: true })).toBe(graceful);
    await expect(run).rejects.toBeInstanceOf(PoolClosedError);
    await graceful;
  });

  it("closing while sandboxes are still being made waits for them and closes them", async () => {
    const pool = makePool({ size: 4, setup: "globalThis.x = 1" });
    expect(pool.stats().starting).toBe(4);
    await pool.close();
    expect(pool.stats()).toMatchObject({ idle: 0, busy: 0, starting: 0 });
  });
});

describe("MiniRacerPool: options", () => {
  it("bad options throw TypeError / RangeError naming them", () => {
    const bad: Array<[unknown, ErrorConstructor, string]> = [
      [{ size: 0 }, RangeError, "size must be a whole number from 1 up, got 0"],
      [{ size: -1 }, RangeError, "size must be"],
      [{ size: NaN }, RangeError, "got NaN"],
      [{ size: 1.5 }, RangeError, "got 1.5"],
      [{ size: Infinity }, RangeError, "got Infinity"],
      [{ size: "2" }, TypeError, 'size must be a number, got "2"'],
      [{ maxUses: 0 }, RangeError, "maxUses must be a whole number from 1 up, or Infinity, got 0"],
      [{ maxQueue: -1 }, RangeError, "maxQueue must be"],
      [{ maxQueue: 0.5 }, RangeError, "maxQueue must be"],
      [{ setup: 42 }, TypeError, "setup must be a string of code or a function, got 42"],
      [{ fresh: "yes" }, TypeError, "fresh must be a boolean"],
      [{ maxMemory: 1 }, RangeError, "maxMemory must be"],
      [{ timeout: -5 }, RangeError, "timeout must be"],
      [{ sizes: 2 }, TypeError, 'unknown option "sizes"'],
      [null, TypeError, "options must be an object, got null"],
      ["x", TypeError, 'options must be an object, got "x"'],
      [42, TypeError, "options must be an object, got 42"],
    ];
    for (const [options, type, message] of bad) {
      expect(() => new MiniRacerPool(options as MiniRacerPoolOptions), JSON.stringify(options)).toThrow(type);
      expect(() => new MiniRacerPool(options as MiniRacerPoolOptions), JSON.stringify(options)).toThrow(message);
    }
  });

  it("Infinity is a count where the option allows it: maxUses and maxQueue", async () => {
    const pool = makePool({ size: 1, maxUses: Infinity, maxQueue: Infinity });
    expect(await pool.evalAsync("6 * 7")).toBe(42);
  });

  it("bad run arguments reject with TypeError, before taking a sandbox", async () => {
    const pool = makePool({ size: 1, maxQueue: 0 });
    await expect(pool.run(42 as never)).rejects.toThrow(new TypeError("fn must be a function, got 42"));
    await expect(pool.run(() => 1, { signal: 1 } as never)).rejects.toThrow(TypeError);
    await expect(pool.evalAsync("1", { handle: true } as never)).rejects.toThrow(TypeError);
    await expect(pool.callAsync("")).rejects.toThrow(TypeError);
    expect(pool.stats().runs).toBe(0);
  });

  it("maxQueue 0: a run either gets an idle sandbox or is refused", async () => {
    const pool = makePool({ size: 1, maxQueue: 0 });
    await statsWhen(pool, (s) => s.idle === 1);
    const gate = deferred();
    const busy = pool.run(() => gate.promise);
    await expect(pool.evalAsync("1")).rejects.toBeInstanceOf(PoolQueueFullError);
    gate.resolve();
    await busy;
    expect(await pool.evalAsync("2")).toBe(2);
  });
});

describe("MiniRacerPool in a worker_thread", () => {
  it("serves runs inside a worker, and terminating the worker with runs and creations in flight is safe", async () => {
    const source = `
      const { MiniRacerPool } = require(${distEntry});
      const { parentPort } = require("node:worker_threads");
      (async () => {
        const pool = new MiniRacerPool({ size: 2, setup: "function sq(x) { return x * x }", maxUses: 2 });
        const values = await Promise.all([1, 2, 3, 4, 5].map((x) => pool.callAsync("sq", x)));
        const fresh = new MiniRacerPool({ size: 1, fresh: true });
        const leaks = [];
        for (let i = 0; i < 3; i++) leaks.push(await fresh.evalAsync("var seen = typeof mark; globalThis.mark = 1; seen"));
        await fresh.close();
        parentPort.postMessage({ values, leaks, stats: pool.stats() });
        pool.evalAsync("while (true) {}").catch(() => {});
        new MiniRacerPool({ size: 3, fresh: true });
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
    expect(messages[0]).toMatchObject({ values: [1, 4, 9, 16, 25], leaks: ["undefined", "undefined", "undefined"] });
    expect((messages[0] as { stats: PoolStats }).stats.recycled).toBeGreaterThanOrEqual(1);
    expect(messages[1]).toBe("busy");
  });
});

describe("the README's pool example and examples/pool-server.mjs", () => {
  it("the README's pool code runs as shown", async () => {
    const librarySource = "function transform(src) { return src.toUpperCase() }";
    const src = "abc";
    const signal = new AbortController().signal;
    const pool = new MiniRacerPool({
      size: 4,
      setup: librarySource,
      maxMemory: 64 << 20,
      timeout: 1000,
      maxUses: 1000,
      fresh: false,
      maxQueue: 100,
    });
    pools.push(pool);
    const out = await pool.run((mr) => mr.callAsync("transform", src), { signal });
    expect(out).toBe("ABC");
    expect(await pool.evalAsync("1 + 1")).toBe(2);
    expect(await pool.callAsync("transform", src)).toBe("ABC");
    expect(await pool.applyAsync("transform", [src], { timeout: 50, signal })).toBe("ABC");
    expect(Object.keys(pool.stats())).toEqual([
      "size", "idle", "busy", "starting", "waiting", "created", "recycled", "replaced", "failed", "runs", "usage", "snapshot",
    ]);
    await pool.close();
    {
      await using scoped = new MiniRacerPool({ size: 1 });
      expect(await scoped.evalAsync("2 + 2")).toBe(4);
      pools.push(scoped);
    }
    expect(pools.at(-1)!.closed).toBe(true);
  });

  it("npm run example:pool-server serves every ordinary request and refuses the hostile ones alone", () => {
    const run = spawnSync(process.execPath, [path.join(repoRoot, "examples/pool-server.mjs")], {
      cwd: repoRoot,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("sum(rows.map((r) => r.amount)) -> 200 240");
    expect(run.stdout).toContain("(globalThis.seen = (globalThis.seen ?? 0) + 1) -> 200 1");
    expect(run.stdout).toContain("40 ordinary requests answered 200: true");
    expect(run.stdout).toContain("hostile -> 422 JSTimeoutError");
    expect(run.stdout).toContain("hostile -> 422 JSOOMError");
  });
});
