// The soak's pacing: the workers that run operations until the deadline, and
// the RSS samples, for which the workers pause and the host's and the
// long-lived sandboxes' garbage is collected, so that RSS compares retained
// memory rather than how much garbage or how many dropped isolates happen to
// be in flight. One file because the two share the pause.

import { setTimeout as delay } from "node:timers/promises";

export const MB = (b) => (b / 1048576).toFixed(1);

// Returns { t0, sample(label), worker(deadline), gcHard() }; t0 (Date.now())
// is the time the samples count from.
export function createSampling({ tally, sandboxes, pickOp }) {
  const { longLived, longRacers } = sandboxes;
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

  const t0 = Date.now();
  const samples = [];

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
    while (tally.created - tally.collected.racers > longLived && Date.now() - settleStart < 5000) {
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
    for (const r of longRacers()) {
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
    const racers = longRacers();
    const handles = racers.reduce((s, r) => s + r.handleCount(), 0);
    const heaps = racers.map((r) => r.heapStats());
    const sandboxHeap = heaps.reduce((s, h) => s + h.totalHeapSize + h.externalMemory, 0);
    const s = { label, t: (Date.now() - t0) / 1000, rss: mu.rss, heapUsed: mu.heapUsed, external: mu.external, ops: tally.totalOps() };
    samples.push(s);
    console.log(
      `soak: [${s.t.toFixed(0).padStart(5)} s] ${label.padEnd(14)} RSS ${MB(mu.rss)} MB  host heap ${MB(mu.heapUsed)} used/${MB(mu.heapTotal)} MB  ` +
        `external ${MB(mu.external)} MB  long-lived sandbox heaps ${MB(sandboxHeap)} MB  ops ${s.ops}  errors ${[...tally.errorTotals.values()].reduce((a, b) => a + b, 0)}  ` +
        `unexpected ${tally.unexpectedCount}  pool handles ${handles}  racers created/closed/dropped/collected ${tally.created}/${tally.closed}/${tally.dropped}/${tally.collected.racers} (not yet ${tally.created - tally.collected.racers - longLived})`,
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
        tally.ops.set(name, (tally.ops.get(name) ?? 0) + 1);
      } catch (e) {
        tally.ops.set(name, (tally.ops.get(name) ?? 0) + 1);
        tally.noteError(name, e, []);
      } finally {
        const ms = performance.now() - began;
        const tm = tally.timing.get(name) ?? { total: 0, max: 0 };
        tm.total += ms;
        tm.max = Math.max(tm.max, ms);
        tally.timing.set(name, tm);
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

  return { t0, sample, worker, gcHard };
}
