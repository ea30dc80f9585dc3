// Pool benchmarks, run by bench/run.mjs after the handle sections.
//
// 10. Pool overhead: `await pool.evalAsync("1+1")` on a pool of one sandbox
//     against `await mr.evalAsync("1+1")` on a MiniRacer, one await after
//     another, in paired slices (A B, B A, ...) so that machine noise hits
//     both alike. Each call is timed on its own; the p50 of each side and
//     the median of the per-pair differences of p50 are printed. Target: the
//     pool adds at most 0.05 ms (p50).
// 11. CPU-bound runs through a pool as large as the machine's parallelism,
//     against one MiniRacer: the same fib() calls, all issued at once.
// 12. fresh: true, one run after another: the latency of a run that gets a
//     never-used sandbox (prepared in the background while the previous
//     run went on), and how long Node's event loop stalled meanwhile.

import { availableParallelism } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { median, quantile } from "./stats.mjs";

const OVERHEAD_TARGET_MS = 0.05;
const FIB_SRC = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }";
const hr = () => process.hrtime.bigint();

/** `n` awaited calls of `op`, each timed: their latencies in ms. */
async function latencies(op, n) {
  const out = new Array(n);
  for (let i = 0; i < n; i++) {
    const start = hr();
    if ((await op()) !== 2) throw new Error("wrong result");
    out[i] = Number(hr() - start) / 1e6;
  }
  return out;
}

async function spread(op, calls, expected) {
  const start = hr();
  const results = await Promise.all(Array.from({ length: calls }, () => op()));
  if (results.some((r) => r !== expected)) throw new Error("wrong result");
  return Number(hr() - start) / 1e6;
}

/**
 * @param {{ MiniRacer: any, MiniRacerPool: any, quick: boolean }} lib
 * @returns {Promise<boolean>} whether every row worked
 */
export async function runPoolSections({ MiniRacer, MiniRacerPool, quick }) {
  const closers = [];
  try {
    // 10. Overhead.
    const mr = new MiniRacer();
    closers.push(async () => mr.close());
    const pool = new MiniRacerPool({ size: 1 });
    closers.push(() => pool.close());
    const mrOp = () => mr.evalAsync("1+1");
    const poolOp = () => pool.evalAsync("1+1");
    await latencies(mrOp, 2000);
    await latencies(poolOp, 2000);
    const pairs = quick ? 10 : 40;
    const perSlice = quick ? 200 : 500;
    const all = { mr: [], pool: [] };
    const differences = [];
    for (let i = 0; i < pairs; i++) {
      const order = i % 2 ? ["pool", "mr"] : ["mr", "pool"];
      const slice = {};
      for (const side of order) {
        slice[side] = await latencies(side === "mr" ? mrOp : poolOp, perSlice);
        all[side].push(...slice[side]);
      }
      differences.push(median(slice.pool) - median(slice.mr));
    }
    const fmt = (ms) => `${(ms * 1000).toFixed(1)} µs`;
    const row = (label, xs) =>
      console.log(`${label}p50 ${fmt(median(xs))}  p90 ${fmt(quantile(xs, 0.9))}  p99 ${fmt(quantile(xs, 0.99))}`);
    console.log("");
    console.log(`10. pool overhead: one await after another, each call timed (${pairs} paired slices of ${perSlice})`);
    row(`mini-racer   mr.evalAsync("1+1")      `, all.mr);
    row(`mini-racer   pool.evalAsync("1+1")    `, all.pool);
    const added = median(differences);
    console.log(
      `target: the pool adds at most ${OVERHEAD_TARGET_MS} ms (p50): paired median ${(added * 1000).toFixed(1)} µs ` +
        `(quartiles ${(quantile(differences, 0.25) * 1000).toFixed(1)}..${(quantile(differences, 0.75) * 1000).toFixed(1)} µs; ` +
        `p50 of all calls: ${((median(all.pool) - median(all.mr)) * 1000).toFixed(1)} µs)`,
    );
    console.log(`  -> ${added <= OVERHEAD_TARGET_MS ? "MEETS" : "DOES NOT MEET"} the target`);

    // 11. CPU-bound throughput.
    const size = availableParallelism();
    const fibN = quick ? 26 : 27;
    const calls = quick ? 16 : 48;
    const expected = fibOf(fibN);
    const wide = new MiniRacerPool({ size, setup: FIB_SRC });
    closers.push(() => wide.close());
    const one = new MiniRacer();
    closers.push(async () => one.close());
    one.execute(FIB_SRC);
    const poolFib = () => wide.callAsync("fib", fibN);
    const oneFib = () => one.callAsync("fib", fibN);
    await spread(poolFib, size * 2, expected);
    await spread(oneFib, 2, expected);
    const tPool = [];
    const tOne = [];
    for (let i = 0; i < (quick ? 2 : 3); i++) {
      tOne.push(await spread(oneFib, calls, expected));
      tPool.push(await spread(poolFib, calls, expected));
    }
    const per = (ms) => (calls / (ms / 1000)).toFixed(0);
    console.log("");
    console.log(`11. CPU-bound runs: ${calls} × fib(${fibN}), all issued at once [calls/s]`);
    console.log(
      `mini-racer   one MiniRacer ${per(median(tOne))}/s   pool of ${size} ${per(median(tPool))}/s   ` +
        `scaling ${(median(tOne) / median(tPool)).toFixed(2)}x (${size} cores: ${size}.00x at best)`,
    );

    // 12. fresh: true.
    const fresh = new MiniRacerPool({ size: 2, fresh: true, setup: FIB_SRC });
    closers.push(() => fresh.close());
    await fresh.evalAsync("1+1");
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const runs = quick ? 40 : 200;
    const freshTimes = await latencies(() => fresh.evalAsync("typeof leftover === 'undefined' ? (globalThis.leftover = 1, 2) : 0"), runs);
    delay.disable();
    const stats = fresh.stats();
    console.log("");
    console.log(`12. fresh: true (size 2), ${runs} runs one after another, each on a never-used sandbox`);
    row(`mini-racer   pool.evalAsync (fresh)   `, freshTimes);
    console.log(
      `sandboxes made ${stats.created}, recycled ${stats.recycled}; Node's event loop delay meanwhile: ` +
        `p50 ${(delay.percentile(50) / 1e6).toFixed(2)} ms, max ${(delay.max / 1e6).toFixed(2)} ms`,
    );
    return true;
  } catch (error) {
    console.log(`pool sections: error: ${error?.stack ?? error}`);
    return false;
  } finally {
    for (const close of closers) {
      try {
        await close();
      } catch {}
    }
  }
}

function fibOf(n) {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}
