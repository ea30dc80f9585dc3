// The soak's workload: each operation a name, a weight (how often workers
// pick it) and an async function that exercises one part of the API and
// checks its results; an error it may raise is caught inside with
// expectError() and counted, anything else counts as unexpected. One file so
// that `--list`, `--mix` and `--exclude` name what is defined here.

import { setTimeout as delay } from "node:timers/promises";
import { check, eq, rand } from "./tally.mjs";

// mr: the mini-racer module (its error and handle classes); sandboxes: from
// createSandboxes(). Returns [name, weight, async fn][].
export function createOperations(mr, tally, sandboxes) {
  const {
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
  const { expectError } = tally;
  const { newRacer, oomPool, live, withLooper } = sandboxes;

  // Each: [name, weight, async fn]. Errors thrown out of fn are unexpected;
  // expected errors are caught inside with expectError().
  return [
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
        for (const h of [f, o, list, counter]) tally.handleRegistry.register(h, null);
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
      tally.closed++;
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
        tally.closed++;
        await expectError("churn", [ContextClosedError], () => r.eval(`1`));
        await expectError("churn", [ContextClosedError], () => f());
      } else if (how === 1) {
        // Closed with calls pending: they reject with ContextClosedError.
        const pending = [r.evalAsync(`while (true) {}`), r.evalAsync(`new Promise(() => {})`), r.callAsync("util.slowSquare", 3)];
        await delay(1);
        r.close();
        tally.closed++;
        for (const p of pending) await expectError("churn", [ContextClosedError], () => p);
      } else {
        tally.dropped++; // idle and unreferenced: freed by the GC
      }
    }],
  ];
}
