// Startup snapshot benchmarks (issue 13, item 3), run by bench/run.mjs last.
//
// 21. Babel standalone as a setup: the snapshot made once (ms, MB), then a
//     Babel-ready sandbox from it (`new MiniRacer({ snapshot })` until
//     `typeof Babel.transform` answers) against loading Babel into a fresh
//     MiniRacer (with the process's code cache warm), each with its first
//     transform. Target: a Babel-ready sandbox in <= 15 ms (Node 22+).
// 22. A pool with Babel as `setup`, `snapshot: true`, `fresh: true`, serving
//     one transform every 100 ms (10 requests/s): how long each request
//     waits for a ready sandbox (from the request to its run starting).
//     Target: <= 1 ms (p50). The same without `snapshot` for comparison.
// 23. new MiniRacer() + close() from a snapshot of a small rule against a
//     fresh MiniRacer that runs the rule: the per-sandbox cost a `fresh`
//     pool pays in the background.
//
// Node 20 cannot make snapshots: the sections say so and pools fall back to
// running the setup (from the code cache).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { median, quantile } from "./stats.mjs";

const READY_TARGET_MS = 15;
const WAIT_TARGET_MS = 1;
const RULE = "function rule(order) { return order.total > 100 && order.country !== 'XX' ? 'review' : 'accept' }";
const INPUT = "const f = async (a, ...rest) => { for (const x of rest) a ??= x?.y; return class { #p = a; }; };";
const TRANSFORM = `Babel.transform(${JSON.stringify(INPUT)}, { presets: ["env"], sourceType: "script" }).code`;
const hr = () => process.hrtime.bigint();
const msSince = (start) => Number(hr() - start) / 1e6;
const fmt = (xs) => `p50 ${median(xs).toFixed(1)}  min ${Math.min(...xs).toFixed(1)}  max ${Math.max(...xs).toFixed(1)}`;

/** Babel standalone's source: a devDependency of the package (and of bench/peers). */
export function babelSource() {
  for (const base of ["../package.json", "./peers/package.json"]) {
    try {
      const require = createRequire(new URL(base, import.meta.url));
      return readFileSync(require.resolve("@babel/standalone/babel.min.js"), "utf8");
    } catch {
      // next
    }
  }
  return undefined;
}

/**
 * @param {{ MiniRacer: any, MiniRacerPool: any, MiniRacerSnapshot: any, quick: boolean }} lib
 * @returns {Promise<boolean>} whether every row worked
 */
export async function runSnapshotSections({ MiniRacer, MiniRacerPool, MiniRacerSnapshot, quick }) {
  console.log("");
  if (!MiniRacerSnapshot.supported) {
    console.log(
      `21-23. startup snapshots: not on Node ${process.versions.node} (V8 ${process.versions.v8}); ` +
        "pools with snapshot: true run their setup from the code cache instead",
    );
    return true;
  }
  const babel = babelSource();
  if (babel === undefined) {
    console.log("21-22. Babel standalone unavailable (npm ci installs it as a devDependency)");
  }
  try {
    if (babel !== undefined) {
      // 21. A Babel-ready sandbox.
      const rounds = quick ? 5 : 15;
      let start = hr();
      const snapshot = await MiniRacerSnapshot.create({ setup: babel });
      const madeMs = msSince(start);
      start = hr();
      const warmSnapshot = await MiniRacerSnapshot.create({ setup: babel, warmup: TRANSFORM });
      const warmMadeMs = msSince(start);
      const ready = [];
      const readyTransform = [];
      const warmReadyTransform = [];
      const loaded = [];
      const loadedTransform = [];
      new MiniRacer().execute(babel); // the code cache now holds Babel
      let expected;
      for (let i = 0; i < rounds; i++) {
        start = hr();
        let mr = new MiniRacer({ snapshot });
        if (mr.eval("typeof Babel.transform") !== "function") throw new Error("Babel missing");
        ready.push(msSince(start));
        expected ??= mr.eval(TRANSFORM);
        readyTransform.push(msSince(start));
        mr.close();
        start = hr();
        mr = new MiniRacer({ snapshot: warmSnapshot });
        if (mr.eval(TRANSFORM) !== expected) throw new Error("a different transform from the warm snapshot");
        warmReadyTransform.push(msSince(start));
        mr.close();
        start = hr();
        mr = new MiniRacer();
        mr.execute(babel);
        loaded.push(msSince(start));
        if (mr.eval(TRANSFORM) !== expected) throw new Error("a different transform from a loaded Babel");
        loadedTransform.push(msSince(start));
        mr.close();
      }
      console.log(
        `21. Babel standalone as a setup (${(babel.length / 1e6).toFixed(1)} M chars), ${rounds} rounds [ms]; ` +
          `snapshot made in ${madeMs.toFixed(0)} ms (${(snapshot.bytes / 1e6).toFixed(1)} MB), ` +
          `with a warm-up transform ${warmMadeMs.toFixed(0)} ms (${(warmSnapshot.bytes / 1e6).toFixed(1)} MB)`,
      );
      console.log(`mini-racer  new MiniRacer({ snapshot }), Babel ready                 ${fmt(ready)}`);
      console.log(`mini-racer  the same + first transform                               ${fmt(readyTransform)}`);
      console.log(`mini-racer  from the warm-up snapshot + first transform              ${fmt(warmReadyTransform)}`);
      console.log(`mini-racer  new MiniRacer() + load Babel (code cache warm)           ${fmt(loaded)}`);
      console.log(`mini-racer  the same + first transform                               ${fmt(loadedTransform)}`);
      console.log(
        `-> Babel-ready ${(median(loaded) / median(ready)).toFixed(1)}x faster from the snapshot; ` +
          `${median(ready) <= READY_TARGET_MS ? "MEETS" : "DOES NOT MEET"} the target (<= ${READY_TARGET_MS} ms)`,
      );

      // 22. Waiting for a ready sandbox at 10 requests/s.
      const requests = quick ? 15 : 40;
      const waits = async (options) => {
        const pool = new MiniRacerPool({ size: 2, fresh: true, setup: babel, ...options });
        try {
          await pool.evalAsync("1"); // the first sandbox (and the snapshot) ready
          const out = [];
          for (let i = 0; i < requests; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            const asked = hr();
            const code = await pool.run((mr) => {
              out.push(msSince(asked));
              return mr.evalAsync(TRANSFORM);
            });
            if (code !== expected) throw new Error("a different transform from the pool");
          }
          return out;
        } finally {
          await pool.close();
        }
      };
      const withSnapshot = await waits({ snapshot: true });
      const withoutSnapshot = await waits({});
      const p50 = median(withSnapshot);
      console.log("");
      console.log(`22. a fresh: true pool of 2 with Babel as setup, one transform every 100 ms, ${requests} requests: wait for a sandbox [ms]`);
      console.log(`mini-racer  snapshot: true      p50 ${p50.toFixed(3)}  p90 ${quantile(withSnapshot, 0.9).toFixed(3)}  max ${Math.max(...withSnapshot).toFixed(1)}`);
      console.log(
        `mini-racer  without snapshot    p50 ${median(withoutSnapshot).toFixed(3)}  p90 ${quantile(withoutSnapshot, 0.9).toFixed(3)}  max ${Math.max(...withoutSnapshot).toFixed(1)}`,
      );
      console.log(`-> ${p50 <= WAIT_TARGET_MS ? "MEETS" : "DOES NOT MEET"} the target (p50 <= ${WAIT_TARGET_MS} ms)`);
    }

    // 23. A small rule: creation from a snapshot against running it.
    const rounds = quick ? 30 : 100;
    const snapshot = await MiniRacerSnapshot.create({ setup: RULE });
    const fromSnapshot = [];
    const fromSetup = [];
    for (let i = 0; i < rounds; i++) {
      let start = hr();
      let mr = new MiniRacer({ snapshot });
      mr.call("rule", { total: 1 });
      mr.close();
      fromSnapshot.push(msSince(start));
      start = hr();
      mr = new MiniRacer();
      mr.execute(RULE);
      mr.call("rule", { total: 1 });
      mr.close();
      fromSetup.push(msSince(start));
    }
    console.log("");
    console.log(`23. a sandbox with a small rule loaded, created, called once and closed, ${rounds} rounds [ms]`);
    console.log(`mini-racer  new MiniRacer({ snapshot })        ${fmt(fromSnapshot)}`);
    console.log(`mini-racer  new MiniRacer() + execute(rule)    ${fmt(fromSetup)}`);
    return true;
  } catch (error) {
    console.log(`snapshot sections: error: ${error?.stack ?? error}`);
    return false;
  }
}
