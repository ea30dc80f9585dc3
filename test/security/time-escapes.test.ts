import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacer,
  type JSFunctionHandle,
} from "../../src/index.js";
import { caught, runKillableChild, timed, timedAsync } from "../helpers.js";
import { HOST_PATH, sleep } from "./helpers.js";

// Escapes from the time limit and call semantics (issue 9, items 5, 12, 14,
// 17, 19, 22, 23): a call made from a host function keeps its own limit,
// nothing a call queued runs after it ended, nothing of an aborted call
// reaches the host after its AbortError, an async call made from a host
// function of a running async call does not deadlock, and the errors say
// where things happened.

const open: MiniRacer[] = [];
function racer(options?: ConstructorParameters<typeof MiniRacer>[0]): MiniRacer {
  const mr = new MiniRacer(options);
  open.push(mr);
  return mr;
}
afterEach(() => {
  for (const mr of open.splice(0)) mr.close();
});

/**
 * How late this machine ends a plain `for (;;)` at a 100 ms deadline,
 * measured before the tests: their bounds are the limit plus a margin
 * derived from it, not seconds of slack.
 */
let margin = 0;
beforeAll(() => {
  const mr = new MiniRacer();
  let worst = 0;
  for (let i = 0; i < 3; i++) {
    const { error, ms } = timed(() => mr.eval("for (;;);", { timeout: 100 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
    worst = Math.max(worst, ms - 100);
  }
  mr.close();
  // Five times the worst overshoot seen, and 50 ms for scheduling noise on
  // a loaded 2-core machine (load average 6 while the suite runs).
  margin = 5 * Math.max(worst, 0) + 50;
});

describe("item 5: a call made from a host function keeps its own time limit", () => {
  function expectNestedTimeout(outcome: { name: string; code: string; ms: number }, limit: number): void {
    expect(outcome.name).toBe("JSTimeoutError");
    expect(outcome.code).toBe("ERR_MINI_RACER_TIMEOUT");
    expect(outcome.ms).toBeGreaterThanOrEqual(limit - 1);
    expect(outcome.ms).toBeLessThan(limit + margin);
  }

  /** A host function that makes `nested()` and reports how it ended. */
  function exposeNested(mr: MiniRacer, nested: () => unknown): Array<{ name: string; code: string; ms: number }> {
    const outcomes: Array<{ name: string; code: string; ms: number }> = [];
    mr.expose("inner", () => {
      const { error, ms } = timed(nested);
      const e = error as JSTimeoutError;
      outcomes.push({ name: e?.name, code: e?.code, ms });
      return "inner done";
    });
    return outcomes;
  }

  it("sync outer, sync nested eval: the nested call ends at its 100 ms, the outer call goes on", () => {
    const mr = racer();
    const outcomes = exposeNested(mr, () => mr.eval("for (;;);", { timeout: 100 }));
    const { value, ms } = timed(() => mr.eval("inner() + ', outer done'", { timeout: 5000 }));
    expect(value).toBe("inner done, outer done");
    expectNestedTimeout(outcomes[0], 100);
    expect(ms).toBeLessThan(100 + margin);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("async outer, sync nested eval (handed to the sandbox's thread): the same", async () => {
    const mr = racer();
    const outcomes = exposeNested(mr, () => mr.eval("for (;;);", { timeout: 100 }));
    const { value, ms } = await timedAsync(() => mr.evalAsync("inner() + ', outer done'", { timeout: 5000 }));
    expect(value).toBe("inner done, outer done");
    expectNestedTimeout(outcomes[0], 100);
    expect(ms).toBeLessThan(100 + margin);
    expect(await mr.evalAsync("2 + 2")).toBe(4);
  });

  it("a nested handle call (invoke with a timeout, and the MiniRacer's default) ends at its own limit", async () => {
    const mr = racer();
    const spin = mr.eval("(function spin() { for (;;); })") as JSFunctionHandle;
    const outcomes = exposeNested(mr, () => spin.invoke([], { timeout: 100 }));
    expect(mr.eval("inner()", { timeout: 5000 })).toBe("inner done");
    expect(await mr.evalAsync("inner()", { timeout: 5000 })).toBe("inner done");
    expectNestedTimeout(outcomes[0], 100);
    expectNestedTimeout(outcomes[1], 100);

    const limited = racer({ timeout: 100 });
    const spin2 = limited.eval("(function spin() { for (;;); })") as JSFunctionHandle;
    const viaDefault = exposeNested(limited, () => spin2());
    expect(limited.eval("inner()", { timeout: 5000 })).toBe("inner done");
    expectNestedTimeout(viaDefault[0], 100);
  });

  it("nested twice: each level ends at its own limit and its caller goes on", () => {
    const mr = racer();
    const seen: string[] = [];
    mr.expose("level1", () => {
      const { error, ms } = timed(() => mr.eval("level2(); for (;;);", { timeout: 300 }));
      seen.push(`level1 ${(error as Error).name} ${ms >= 299 && ms < 300 + margin}`);
    });
    mr.expose("level2", () => {
      const { error, ms } = timed(() => mr.eval("for (;;);", { timeout: 100 }));
      seen.push(`level2 ${(error as Error).name} ${ms >= 99 && ms < 100 + margin}`);
    });
    expect(mr.eval("level1(); 'top done'", { timeout: 5000 })).toBe("top done");
    expect(seen).toEqual(["level2 JSTimeoutError true", "level1 JSTimeoutError true"]);
  });

  it("the earlier deadline wins: an outer deadline before the nested one ends both", () => {
    const mr = racer();
    const outcomes = exposeNested(mr, () => mr.eval("for (;;);", { timeout: 5000 }));
    const { error, ms } = timed(() => mr.eval("inner(); 'not reached'", { timeout: 150 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(150 + margin);
    expectNestedTimeout(outcomes[0], 150);
    expect(mr.eval("3")).toBe(3);
  });

  it("uncaught in the host function, the nested timeout reaches the sandbox as an Error it can catch", () => {
    const mr = racer();
    mr.expose("inner", () => mr.eval("for (;;);", { timeout: 50 }));
    expect(mr.eval("try { inner() } catch (e) { [e.name, e.message] }", { timeout: 5000 })).toEqual([
      "JSTimeoutError",
      "the call exceeded its time limit",
    ]);
    const error = caught(() => mr.eval("inner()", { timeout: 5000 }));
    expect(error).toBeInstanceOf(JSEvalError);
    expect(error).toMatchObject({ jsName: "JSTimeoutError" });
  });

  it("an outer call without any limit no longer runs the nested one forever (child process, hard kill)", async () => {
    const child = await runKillableChild(
      `const mr = new MiniRacer();
       mr.expose("inner", () => { try { mr.eval("for (;;);", { timeout: 100 }); } catch (e) { return e.code; } });
       const t = performance.now();
       const code = mr.eval("inner()");
       console.log(JSON.stringify({ code, ms: performance.now() - t }));`,
      10_000,
    );
    expect(child.signal).toBeNull();
    const { code, ms } = JSON.parse(child.stdout) as { code: string; ms: number };
    expect(code).toBe("ERR_MINI_RACER_TIMEOUT");
    expect(ms).toBeLessThan(100 + margin);
  });
});

describe("items 12 and 17: work queued by a call never outlives it", () => {
  // Ways sandbox code queues work that runs JavaScript later.
  const queuers: Record<string, (work: string) => string> = {
    "a promise reaction": (work) => `Promise.resolve().then(() => { ${work} });`,
    queueMicrotask: (work) => `queueMicrotask(() => { ${work} });`,
    "an await continuation": (work) => `(async () => { await null; ${work} })();`,
    "a thenable's then job": (work) => `Promise.resolve({ then(r) { ${work}; r(1) } });`,
    "a timer": (work) => `setTimeout(() => { ${work} }, 0);`,
  };
  // Ways a call ends, sync and async: the code after the queuing statement.
  const enders: Record<string, { tail: string; sync: (mr: MiniRacer, code: string) => unknown; error?: unknown }> = {
    "with a value": { tail: "1", sync: (mr, code) => mr.eval(code) },
    "with a throw": { tail: "throw new Error('x')", sync: (mr, code) => mr.eval(code), error: JSEvalError },
    "at its time limit": {
      tail: "for (;;);",
      sync: (mr, code) => mr.eval(code, { timeout: 50 }),
      error: JSTimeoutError,
    },
    "at the memory cap": {
      tail: "(() => { const a = []; for (;;) a.push(new Array(1e5).fill(1)); })()",
      sync: (mr, code) => mr.eval(code, { timeout: 10_000 }),
      error: JSOOMError,
    },
  };

  /** A sandbox whose `work()` records whether it ran while a call was open. */
  function probe(): { mr: MiniRacer; late: string[]; between: () => void; inCall: (on: boolean) => void } {
    const mr = racer({ maxMemory: 16 * 1024 * 1024 });
    let open = false;
    const late: string[] = [];
    mr.expose("work", () => {
      if (!open) late.push("ran after its call ended");
    });
    return { mr, late, between: () => (open = false), inCall: (on) => (open = on) };
  }

  for (const [queued, queue] of Object.entries(queuers)) {
    for (const [ended, ender] of Object.entries(enders)) {
      it(`sync: ${queued}, the call ending ${ended}`, () => {
        const { mr, late, inCall } = probe();
        inCall(true);
        const { error } = timed(() => ender.sync(mr, `${queue("work()")} ${ender.tail}`));
        inCall(false);
        if (ender.error) expect(error).toBeInstanceOf(ender.error);
        else expect(error).toBeUndefined();
        expect(mr.eval("'next call'")).toBe("next call");
        expect(late).toEqual([]);
      });

      it(`async: ${queued}, the call ending ${ended}`, async () => {
        const { mr, late, inCall } = probe();
        inCall(true);
        const timeout = ended === "at its time limit" ? 50 : 10_000;
        const { error } = await timedAsync(() => mr.evalAsync(`${queue("work()")} ${ender.tail}`, { timeout }));
        inCall(false);
        if (ender.error) expect(error).toBeInstanceOf(ender.error);
        expect(await mr.evalAsync("'next call'")).toBe("next call");
        expect(mr.eval("'next sync call'")).toBe("next sync call");
        expect(late).toEqual([]);
      });
    }
  }

  it("a getter run while the result is copied queues a microtask: it runs inside that call, never in the next (sync and async)", async () => {
    const { mr, late, inCall } = probe();
    const code = "({ get x() { Promise.resolve().then(() => work()); return 1 } })";
    inCall(true);
    expect(mr.eval(code)).toEqual({ x: 1 });
    expect(await mr.evalAsync(code)).toEqual({ x: 1 });
    inCall(false);
    mr.eval("0");
    await mr.evalAsync("0");
    expect(late).toEqual([]);
  });

  it("a getter of a thrown error queues a microtask while the error is described: it runs inside that call", () => {
    const { mr, late, inCall } = probe();
    inCall(true);
    expect(() =>
      mr.eval(
        "const e = new Error('m'); Object.defineProperty(e, 'name', { get() { Promise.resolve().then(() => work()); return 'Error' } }); throw e",
      ),
    ).toThrow(JSEvalError);
    inCall(false);
    mr.eval("0");
    expect(late).toEqual([]);
  });

  it("a looping microtask queued by a result getter ends that call at its own limit; the next call is unharmed", () => {
    const mr = racer();
    const { error, ms } = timed(() =>
      mr.eval("({ get x() { Promise.resolve().then(() => { for (;;); }); return 1 } })", { timeout: 100 }),
    );
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(100 + margin);
    const next = timed(() => mr.eval("1 + 1", { timeout: 100 }));
    expect(next.value).toBe(2);
  });

  it("issue example: a timed-out call's looping microtask does not make the next call time out", async () => {
    const mr = racer();
    expect(() => mr.eval("Promise.resolve().then(() => { for (;;); }); for (;;);", { timeout: 50 })).toThrow(JSTimeoutError);
    const next = timed(() => mr.eval("1 + 1", { timeout: 200 }));
    expect(next.error).toBeUndefined();
    expect(next.value).toBe(2);
    expect(next.ms).toBeLessThan(margin);
    await expect(mr.evalAsync("Promise.resolve().then(() => { for (;;); }); for (;;);", { timeout: 50 })).rejects.toBeInstanceOf(
      JSTimeoutError,
    );
    expect(await mr.evalAsync("1 + 1", { timeout: 200 })).toBe(2);
  });

  it("issue example, verbatim (the next call has no limit): it returns (child process, hard kill)", async () => {
    const child = await runKillableChild(
      `const mr = new MiniRacer();
       try { mr.eval("Promise.resolve().then(() => { for (;;); }); for (;;);", { timeout: 50 }); } catch (e) { console.log(e.code); }
       console.log(mr.eval("1+1"));`,
      10_000,
    );
    expect(child.signal).toBeNull();
    expect(child.stdout.trim().split("\n")).toEqual(["ERR_MINI_RACER_TIMEOUT", "2"]);
  });

  it("an aborted async call's queued microtasks never run", async () => {
    const { mr, late, inCall } = probe();
    const controller = new AbortController();
    inCall(true);
    const call = mr.evalAsync("Promise.resolve().then(() => work()); for (;;);", { signal: controller.signal });
    await sleep(30);
    controller.abort();
    inCall(false);
    await expect(call).rejects.toThrow(AbortError);
    expect(await mr.evalAsync("'next'")).toBe("next");
    expect(mr.eval("'next sync'")).toBe("next sync");
    expect(late).toEqual([]);
  });

  it("a closed MiniRacer runs nothing more: close() during a call with microtasks queued", async () => {
    const { mr, late, inCall } = probe();
    inCall(true);
    const call = mr.evalAsync("Promise.resolve().then(() => work()); for (;;);");
    await sleep(30);
    inCall(false);
    mr.close();
    await expect(call).rejects.toHaveProperty("code", "ERR_MINI_RACER_CLOSED");
    await sleep(20);
    expect(late).toEqual([]);
  });

  // Work V8 queues through its own tasks, which come due after the call
  // that started it has returned.
  const taskQueuers: Record<string, (work: string) => string> = {
    "an Atomics.waitAsync timeout": (work) =>
      `Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1).value.then(() => { ${work} });`,
    "an async WebAssembly compile": (work) =>
      `WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => { ${work} });`,
    "an async WebAssembly instantiate": (work) =>
      `WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => { ${work} });`,
  };
  for (const [queued, queue] of Object.entries(taskQueuers)) {
    for (const [ended, ender] of Object.entries(enders)) {
      it(`sync and async: ${queued} of a call ending ${ended} settles after it: its continuation never runs`, async () => {
        const { mr, late, inCall } = probe();
        inCall(true);
        const sync = timed(() => ender.sync(mr, `${queue("work()")} ${ender.tail}`));
        const timeout = ended === "at its time limit" ? 50 : 10_000;
        const async = await timedAsync(() => mr.evalAsync(`${queue("work()")} ${ender.tail}`, { timeout }));
        inCall(false);
        if (ender.error) {
          expect(sync.error).toBeInstanceOf(ender.error);
          expect(async.error).toBeInstanceOf(ender.error);
        }
        await sleep(30);
        // Later calls run V8's due tasks: a sync one, and an async one that waits.
        expect(mr.eval("'next call'")).toBe("next call");
        expect(await mr.evalAsync("new Promise((r) => setTimeout(() => r('waited'), 30))")).toBe("waited");
        expect(late).toEqual([]);
      });
    }
  }

  it("inside an async call that waits, the same tasks' continuations run (waitAsync, compile)", async () => {
    const { mr, late, inCall } = probe();
    inCall(true);
    const value = await mr.evalAsync(
      `Promise.all([
         Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1).value,
         WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then((m) => m instanceof WebAssembly.Module),
       ])`,
      { timeout: 5000 },
    );
    inCall(false);
    expect(value).toEqual(["timed-out", true]);
    expect(late).toEqual([]);
  });

  it("V8 tasks that run JavaScript (FinalizationRegistry callbacks) run inside a call and under its limit", () => {
    const mr = racer();
    mr.execute("globalThis.fr = new FinalizationRegistry(() => { for (;;); }); (() => { fr.register({}, 1) })()");
    mr.lowMemoryNotification(); // collects the object: V8 posts the cleanup task
    // The looping callback runs in the next call that runs V8's tasks, and is
    // stopped at that call's limit; the call after it is unharmed.
    const { error, ms } = timed(() => mr.eval("1", { timeout: 100 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
    expect(ms).toBeLessThan(100 + margin);
    expect(mr.eval("2", { timeout: 100 })).toBe(2);
  });
});

describe("item 14: after an AbortError nothing of the aborted call runs", () => {
  it("no host function or console output of the call reaches the host after the rejection (40 aborted loops)", async () => {
    let runsWithLateCalls = 0;
    for (let i = 0; i < 40; i++) {
      const lines: unknown[] = [];
      const mr = racer({ onConsole: (_level, args) => lines.push(args) });
      let rejected = false;
      let late = 0;
      mr.expose("host", () => {
        if (rejected) late++;
        return 1;
      });
      const controller = new AbortController();
      const call = mr.evalAsync("for (let i = 0; ; i++) { host(); console.log(i) }", { signal: controller.signal });
      await sleep(5 + (i % 5));
      const linesAtAbort = lines.length;
      controller.abort();
      rejected = true;
      await expect(call).rejects.toThrow(AbortError);
      await sleep(10);
      if (late > 0 || lines.length !== linesAtAbort) runsWithLateCalls++;
      expect(mr.eval("'usable'")).toBe("usable");
      mr.close();
    }
    expect(runsWithLateCalls).toBe(0);
  });
});

describe("item 19: an async call made from a host function of a running async call", () => {
  it("issue example: the host function's evalAsync runs nested and the outer call resolves", async () => {
    const mr = racer();
    mr.expose("nested", () => mr.evalAsync("42"));
    const { value, ms } = await timedAsync(() => mr.evalAsync("nested()", { timeout: 5000 }));
    expect(value).toBe(42);
    expect(ms).toBeLessThan(margin + 100);
    expect(mr.pendingCalls).toBe(0);
  });

  it("issue example, verbatim (no time limit): it settles (child process, hard kill)", async () => {
    const child = await runKillableChild(
      `const mr = new MiniRacer();
       mr.expose("nested", () => mr.evalAsync("42"));
       mr.evalAsync("nested()").then((v) => { console.log(v, mr.pendingCalls); mr.close(); });`,
      10_000,
    );
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe("42 0");
  });

  it("works from async host functions, callAsync and function handles, and nested twice", async () => {
    const mr = racer();
    mr.execute("function square(x) { return x * x }");
    mr.expose("viaAwait", async (x: number) => 1 + ((await mr.evalAsync(`${x} * 2`)) as number));
    mr.expose("viaCall", (x: number) => mr.callAsync("square", x));
    const cube = mr.eval("(x) => x * x * x") as JSFunctionHandle;
    mr.expose("viaHandle", (x: number) => cube.callAsync(x));
    mr.expose("twice", (x: number) => mr.evalAsync(`viaCall(${x})`));
    expect(await mr.evalAsync("Promise.all([viaAwait(20), viaCall(5), viaHandle(3), twice(4)])", { timeout: 5000 })).toEqual([
      41, 25, 27, 16,
    ]);
    expect(mr.pendingCalls).toBe(0);
  });

  // Node 24+ carries AsyncLocalStorage on AsyncContextFrame, cheaply: the
  // host function's call is followed across its awaits. On 20 and 22 that
  // would slow every promise of the process, so such a call queues behind
  // the outer one and ends at its limit (the README says so).
  const nestsAcrossAwaits = Number(process.versions.node.split(".")[0]) >= 24;

  it("a call made after an await in the host function: nested on Node 24+ (42), the outer call's JSTimeoutError on 20 and 22", async () => {
    const mr = racer();
    mr.expose("later", async () => {
      await sleep(10);
      return mr.evalAsync("42");
    });
    const { value, error, ms } = await timedAsync(() => mr.evalAsync("later()", { timeout: 300 }));
    if (nestsAcrossAwaits) {
      expect(error).toBeUndefined();
      expect(value).toBe(42);
      expect(ms).toBeLessThan(10 + margin + 100);
    } else {
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect(error).toMatchObject({ code: "ERR_MINI_RACER_TIMEOUT" });
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(300 + margin);
    }
    // Either way nothing is left pending, and the sandbox goes on.
    for (let i = 0; i < 100 && mr.pendingCalls > 0; i++) await sleep(10);
    expect(mr.pendingCalls).toBe(0);
    expect(await mr.evalAsync("'usable'")).toBe("usable");
  });

  it("after the outer call has ended, or on another MiniRacer, a host function's later call runs on its own", async () => {
    const mr = racer();
    const other = racer();
    let late: Promise<unknown> | undefined;
    let elsewhere: Promise<unknown> | undefined;
    mr.expose("leave", async () => {
      await sleep(5);
      elsewhere = other.evalAsync("'other'");
      setTimeout(() => (late = mr.evalAsync("'late'")), 50);
      return "done";
    });
    expect(await mr.evalAsync("leave()", { timeout: 2000 })).toBe("done");
    expect(await elsewhere).toBe("other");
    for (let i = 0; i < 100 && late === undefined; i++) await sleep(10);
    expect(await late).toBe("late");
    expect(mr.pendingCalls).toBe(0);
    expect(other.pendingCalls).toBe(0);
  });

  it("the nested call keeps its own limit (the outer one goes on) and is bounded by the outer's", async () => {
    const mr = racer();
    mr.expose("spin", (timeout?: number) => mr.evalAsync("for (;;);", timeout ? { timeout } : {}));
    const own = await timedAsync(() =>
      mr.evalAsync("spin(100).then(() => 'resolved', (e) => e.name + ': ' + e.message)", { timeout: 5000 }),
    );
    expect(own.value).toBe("JSTimeoutError: the call exceeded its time limit");
    expect(own.ms).toBeLessThan(100 + margin);

    const outer = await timedAsync(() => mr.evalAsync("spin()", { timeout: 150 }));
    expect(outer.error).toBeInstanceOf(JSTimeoutError);
    expect(outer.ms).toBeLessThan(150 + margin);
    expect(await mr.evalAsync("'usable'")).toBe("usable");
    expect(mr.pendingCalls).toBe(0);
  });

  it("aborting the outer call ends the nested one too; nothing of either runs afterwards (10 runs)", async () => {
    for (let run = 0; run < 10; run++) {
      const mr = racer();
      let rejected = false;
      let late = 0;
      let nested: Promise<unknown> | undefined;
      mr.expose("tick", () => {
        if (rejected) late++;
      });
      mr.expose("spin", () => (nested = mr.evalAsync("for (;;) tick();")));
      const controller = new AbortController();
      const outer = mr.evalAsync("spin()", { signal: controller.signal });
      await sleep(20 + run);
      controller.abort();
      rejected = true;
      await expect(outer).rejects.toThrow(AbortError);
      await expect(nested).rejects.toThrow(JSCancelledError);
      await expect(nested).rejects.toMatchObject({ code: "ERR_MINI_RACER_CANCELLED" });
      await sleep(10);
      expect(late).toBe(0);
      expect(await mr.evalAsync("'usable'")).toBe("usable");
      expect(mr.pendingCalls).toBe(0);
    }
  });
});

describe("item 22: Atomics.waitAsync settles inside an async call", () => {
  it("a wait's timeout runs its continuation at once, not at the call's limit", async () => {
    const mr = racer();
    const { value, ms } = await timedAsync(() =>
      mr.evalAsync(
        "const ia = new Int32Array(new SharedArrayBuffer(4)); Atomics.waitAsync(ia, 0, 0, 10).value.then((v) => v)",
        { timeout: 2000 },
      ),
    );
    expect(value).toBe("timed-out");
    expect(ms).toBeLessThan(10 + margin);
  });

  it("a notified wait runs its continuation too", async () => {
    const mr = racer();
    const { value, ms } = await timedAsync(() =>
      mr.evalAsync(
        "const ib = new Int32Array(new SharedArrayBuffer(4)); const w = Atomics.waitAsync(ib, 0, 0, 5000); setTimeout(() => Atomics.notify(ib, 0), 5); w.value.then((v) => v + '!')",
        { timeout: 2000 },
      ),
    );
    expect(value).toBe("ok!");
    expect(ms).toBeLessThan(5 + margin);
  });
});

describe("item 23: errors say where", () => {
  it("JSTimeoutError.jsStack is the sandbox stack where the script was stopped (sync, async, in a timer)", async () => {
    const mr = racer();
    const noHostPath = { jsStack: expect.not.stringMatching(HOST_PATH) };
    const sync = caught(() => mr.eval("function spin() { for (;;); }\nspin()", { timeout: 50 }));
    expect(sync).toBeInstanceOf(JSTimeoutError);
    expect(sync).toMatchObject({ jsStack: expect.stringMatching(/^ {4}at spin \(<eval>:1:\d+\)\n {4}at <eval>:2:1$/) });
    expect(sync).toMatchObject(noHostPath);
    const async = mr.evalAsync("function spin2() { for (;;); }\nspin2()", { timeout: 50 });
    await expect(async).rejects.toMatchObject({ jsStack: expect.stringMatching(/^ {4}at spin2 \(<eval>:1:\d+\)\n {4}at <eval>:2:1$/) });
    await expect(async).rejects.toMatchObject(noHostPath);
    const timer = mr.evalAsync("new Promise(() => setTimeout(function tick() { for (;;); }, 0))", { timeout: 50 });
    await expect(timer).rejects.toMatchObject({ jsStack: expect.stringMatching(/^ {4}at tick \(<eval>:1:\d+\)$/) });
    await expect(timer).rejects.toMatchObject(noHostPath);
  });

  it("JSTimeoutError.jsStack names the frame that waited for a slow host function; a wait for a promise has none", async () => {
    const mr = racer();
    mr.expose("slow", () => {
      const until = Date.now() + 150;
      while (Date.now() < until);
    });
    expect(() => mr.eval("function caller() { slow() }\ncaller()", { timeout: 50 })).toThrow(
      expect.objectContaining({ jsStack: expect.stringMatching(/^ {4}at caller \(<eval>:1:\d+\)\n {4}at <eval>:2:1$/) }),
    );
    const waiting = mr.evalAsync("new Promise(() => {})", { timeout: 50 });
    await expect(waiting).rejects.toThrow(JSTimeoutError);
    await expect(waiting).rejects.toMatchObject({ jsStack: "" });
  });

  it("JSPromiseError.jsStack is the rejection reason's stack (sync and async)", async () => {
    const mr = racer();
    const sync = caught(() => mr.eval("Promise.reject(new TypeError('bad'))"));
    expect(sync).toBeInstanceOf(JSPromiseError);
    expect(sync).toMatchObject({ jsStack: "TypeError: bad\n    at <eval>:1:16" });
    const async = mr.evalAsync("(async function f() { await null; throw new RangeError('late') })()");
    await expect(async).rejects.toThrow(JSPromiseError);
    await expect(async).rejects.toMatchObject({ jsStack: expect.stringMatching(/^RangeError: late\n {4}at f \(<eval>:1:\d+\)$/) });
  });

  it("an async call whose promise is only .then-ed keeps mini-racer's own stack (errorFromNative), not the caller's", async () => {
    const mr = racer();
    const stack = await new Promise<string>((resolve) => {
      void mr.evalAsync("throw new Error('x')").then(undefined, (error: Error) => resolve(String(error.stack)));
    });
    const [first, ...frames] = stack.split("\n");
    expect(first).toBe("JSEvalError: Error: x");
    expect(frames[0]).toMatch(/^ {4}at errorFromNative \(.*internal[/\\]native_errors\.[jt]s:\d+:\d+\)$/);
    expect(stack).not.toContain("time-escapes.test");
  });

  it("an async call's error names the awaiting host caller in its stack (evalAsync, callAsync, handle callAsync, timeout, abort)", async () => {
    const mr = racer();
    mr.execute("function fail() { throw new Error('x') }");
    const handle = mr.eval("(function () { throw 1 })") as JSFunctionHandle;
    const starts: Array<() => Promise<unknown>> = [
      () => mr.evalAsync("throw new Error('x')"),
      () => mr.callAsync("fail"),
      () => handle.callAsync(),
      () => mr.evalAsync("for (;;);", { timeout: 20 }),
      () => {
        const controller = new AbortController();
        const call = mr.evalAsync("for (;;);", { signal: controller.signal });
        controller.abort();
        return call;
      },
    ];
    // (vitest formats stack frames itself and leaves out "async ".)
    const thisFile = /^ {4}at (async )?.*time-escapes\.test\.ts:\d+:\d+\)?$/;
    for (const start of starts) {
      let stack = "";
      let header = "";
      try {
        await start();
      } catch (error) {
        stack = String((error as Error).stack);
        header = `${(error as Error).name}: ${(error as Error).message}`;
      }
      const [first, ...frames] = stack.split("\n");
      expect(first).toBe(header);
      expect(frames[0]).toMatch(thisFile);
      expect(stack).not.toContain("errorFromNative");
    }
  });
});
