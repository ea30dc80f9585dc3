// Sandbox creation benchmarks (issue 13), run by bench/run.mjs after the
// pool sections, against isolated-vm in the same process when it runs there.
//
// 14. A fresh sandbox per request for a small rule: `requests` requests
//     issued at once, each evaluated in a never-used sandbox that has the
//     rule loaded. mini-racer: a MiniRacerPool with `fresh: true` and the rule
//     as `setup`, as large as the machine's parallelism (sandboxes are made
//     on libuv's threads). isolated-vm: per request, `new Isolate()`,
//     `createContext()` and `eval()` of the rule and the request (its async
//     API, so its work runs off Node's thread too), then `dispose()`, with
//     as many requests in flight as the pool has sandboxes. Throughput in
//     requests/s and the ratio. Target: mini-racer >= 2x isolated-vm.
// 15. Memory per idle sandbox: RSS growth with `count` sandboxes alive, each
//     having run `1+1`, divided by `count` (after a GC on both sides of the
//     measurement). Target: <= 1.5 MB.

import { availableParallelism } from "node:os";
import { median } from "./stats.mjs";

const RULE = "function rule(order) { return order.total > 100 && order.country !== 'XX' ? 'review' : 'accept' }";
const REQUEST = { total: 150, country: "FR" };
const FRESH_TARGET_RATIO = 2;
const IDLE_TARGET_MB = 1.5;
const hr = () => process.hrtime.bigint();
const gc = globalThis.gc ?? (() => {});

async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `requests` calls of `op` with at most `width` in flight; the elapsed ms. */
async function inFlight(op, requests, width) {
  let next = 0;
  const start = hr();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < requests) {
        next++;
        if ((await op()) !== "review") throw new Error("wrong result");
      }
    }),
  );
  return Number(hr() - start) / 1e6;
}

/**
 * @param {{ MiniRacer: any, MiniRacerPool: any, MiniRacerSnapshot: any, ivm: any, ivmNote: string, quick: boolean }} lib
 * @returns {Promise<boolean>} whether every mini-racer row worked
 */
export async function runCreationSections({ MiniRacer, MiniRacerPool, MiniRacerSnapshot, ivm, ivmNote, quick }) {
  try {
    // 14. Fresh sandbox per request.
    const width = availableParallelism();
    const requests = quick ? 60 : 300;
    const rounds = quick ? 2 : 3;
    const pool = new MiniRacerPool({ size: width, fresh: true, setup: RULE });
    const poolOp = () => pool.callAsync("rule", REQUEST);
    // Node 22+: the same pool, its sandboxes made from a snapshot of the rule.
    const snapshots = MiniRacerSnapshot?.supported === true;
    const snapPool = snapshots ? new MiniRacerPool({ size: width, fresh: true, setup: RULE, snapshot: true }) : undefined;
    const snapOp = () => snapPool.callAsync("rule", REQUEST);
    const ivmOp = async () => {
      const isolate = new ivm.Isolate({ memoryLimit: 64 });
      try {
        const context = await isolate.createContext();
        await context.eval(RULE);
        return await context.eval(`rule(${JSON.stringify(REQUEST)})`);
      } finally {
        isolate.dispose();
      }
    };
    await inFlight(poolOp, width * 2, width);
    if (snapPool) await inFlight(snapOp, width * 2, width);
    if (ivm) await inFlight(ivmOp, width * 2, width);
    const tPool = [];
    const tSnap = [];
    const tIvm = [];
    for (let i = 0; i < rounds; i++) {
      tPool.push(await inFlight(poolOp, requests, width));
      if (snapPool) tSnap.push(await inFlight(snapOp, requests, width));
      if (ivm) tIvm.push(await inFlight(ivmOp, requests, width));
    }
    await pool.close();
    await snapPool?.close();
    const rate = (ms) => requests / (ms / 1000);
    console.log("");
    console.log(`14. a fresh sandbox per request (a small rule), ${requests} requests, ${width} in flight [requests/s]`);
    console.log(`mini-racer   MiniRacerPool({ size: ${width}, fresh: true, setup: rule })   ${rate(median(tPool)).toFixed(0)}/s`);
    if (snapPool) {
      console.log(`mini-racer   the same with snapshot: true                           ${rate(median(tSnap)).toFixed(0)}/s`);
    }
    const best = Math.max(rate(median(tPool)), snapPool ? rate(median(tSnap)) : 0);
    if (ivm) {
      const ratio = best / rate(median(tIvm));
      console.log(`isolated-vm  new Isolate + createContext + eval + dispose per request    ${rate(median(tIvm)).toFixed(0)}/s`);
      console.log(
        `target: mini-racer >= ${FRESH_TARGET_RATIO}x isolated-vm: ${ratio.toFixed(2)}x  -> ` +
          `${ratio >= FRESH_TARGET_RATIO ? "MEETS" : "DOES NOT MEET"} the target`,
      );
    } else {
      console.log(`isolated-vm  not measured here: ${ivmNote}`);
    }

    // 15. Memory per idle sandbox.
    const count = quick ? 20 : 50;
    const perSandbox = async (make, dispose) => {
      await settle();
      const before = process.memoryUsage().rss;
      const made = [];
      for (let i = 0; i < count; i++) made.push(await make());
      await settle();
      const grown = process.memoryUsage().rss - before;
      for (const item of made) dispose(item);
      await settle();
      return grown / count / 1e6;
    };
    // Node 22+: sandboxes start from the base snapshot once two were made
    // and it is ready (made in the background).
    for (let i = 0; i < 2; i++) new MiniRacer().close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mrMb = await perSandbox(
      () => {
        const mr = new MiniRacer();
        mr.eval("1+1");
        return mr;
      },
      (mr) => mr.close(),
    );
    console.log("");
    console.log(`15. memory per idle sandbox (RSS growth with ${count} alive, each having run 1+1)`);
    console.log(
      `mini-racer   new MiniRacer()${snapshots ? " (from the base snapshot)" : "                          "}       ${mrMb.toFixed(2)} MB  -> ` +
        `${mrMb <= IDLE_TARGET_MB ? "MEETS" : "DOES NOT MEET"} the target (<= ${IDLE_TARGET_MB} MB)`,
    );
    if (ivm) {
      const ivmMb = await perSandbox(
        () => {
          const isolate = new ivm.Isolate({ memoryLimit: 64 });
          isolate.createContextSync().evalSync("1+1");
          return isolate;
        },
        (isolate) => isolate.dispose(),
      );
      console.log(`isolated-vm  new Isolate() + createContextSync()               ${ivmMb.toFixed(2)} MB`);
    }
    return true;
  } catch (error) {
    console.log(`creation sections: error: ${error?.stack ?? error}`);
    return false;
  }
}
