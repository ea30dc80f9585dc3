// The soak's sandboxes: how every MiniRacer is set up (host functions, a
// prelude, a console handler), the long-lived ones (a pool, a small-cap one
// for OOMs, loopers leased to one spinning operation at a time) and the
// constructor of short-lived ones. Kept apart from the operations so that
// they and the sampling see the same set of long-lived sandboxes.

import { setTimeout as delay } from "node:timers/promises";
import { rand } from "./tally.mjs";

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

// Returns { newRacer, pool, oomPool, loopers, live, withLooper, longLived,
// longRacers }; creating it creates the six long-lived sandboxes.
export function createSandboxes(MiniRacer, tally) {
  function setupRacer(racer) {
    racer.expose("host.add", (a, b) => {
      tally.hostCalls++;
      return a + b;
    });
    racer.expose("host.apply", (f, x) => {
      tally.hostCalls++;
      return f(x); // a synchronous call back into the sandbox
    });
    racer.expose("host.later", async (x) => {
      tally.hostCalls++;
      await delay(1);
      return x * 2;
    });
    racer.expose("host.laterApply", async (f, x) => {
      tally.hostCalls++;
      await delay(1);
      return f(x); // back into the sandbox while the async call waits
    });
    racer.expose("host.fail", (msg) => {
      tally.hostCalls++;
      throw new TypeError(String(msg));
    });
    racer.expose("host.failLater", async (msg) => {
      tally.hostCalls++;
      await delay(1);
      throw new RangeError(String(msg));
    });
    racer.execute(PRELUDE);
  }

  const onConsole = (level, args) => {
    tally.consoleLines++;
    if (typeof level !== "string" || !Array.isArray(args)) throw new Error("bad console callback");
  };

  function newRacer(options = {}) {
    const racer = new MiniRacer({ maxMemory: 64 << 20, onConsole, ...options });
    tally.created++;
    tally.racerRegistry.register(racer, null);
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
  const longRacers = () => [...pool, ...loopers, oomPool];

  return { newRacer, pool, oomPool, loopers, live, withLooper, longLived, longRacers };
}
