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
// 23. Base snapshots: new MiniRacer() + eval("1+1") + close(), and the
//     memory per idle sandbox, from Node's snapshot and from the base
//     snapshot, each in a child process (bench/lib/creation-probe.cjs).
//     Target for memory: <= 1.5 MB.
//
// Node 20 cannot make snapshots: the sections say so and pools fall back to
// running the setup (from the code cache).

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { median, quantile } from "./stats.mjs";

const READY_TARGET_MS = 15;
const IDLE_TARGET_MB = 1.5;
const PROBE = fileURLToPath(new URL("./lib/creation-probe.cjs", import.meta.url));
const WAIT_TARGET_MS = 1;
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
        const code = mr.eval(TRANSFORM);
        readyTransform.push(msSince(start));
        expected ??= code;
        if (code !== expected) throw new Error("a different transform from the snapshot");
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

    // 23. Base snapshots: a plain sandbox's cost with and without them.
    const rounds = quick ? 40 : 150;
    const count = quick ? 20 : 50;
    const probe = (env) =>
      JSON.parse(
        execFileSync(process.execPath, ["--expose-gc", PROBE, String(rounds), String(count)], {
          encoding: "utf8",
          env: { ...process.env, ...env },
        }),
      );
    const node = probe({ MINI_RACER_NO_BASE_SNAPSHOT: "1" });
    const base = probe({});
    console.log("");
    console.log(`23. new MiniRacer() + eval("1+1") + close(), p50 of ${rounds}; memory per idle sandbox, ${count} alive (each in a child process)`);
    console.log(`mini-racer  from Node's snapshot (MINI_RACER_NO_BASE_SNAPSHOT=1)   ${node.p50.toFixed(2)} ms   ${node.perSandbox.toFixed(2)} MB (V8 heap used ${node.usedHeap.toFixed(2)} MB)`);
    console.log(`mini-racer  from the base snapshot (the default)                 ${base.p50.toFixed(2)} ms   ${base.perSandbox.toFixed(2)} MB (V8 heap used ${base.usedHeap.toFixed(2)} MB)`);
    console.log(
      `-> ${(node.p50 / base.p50).toFixed(2)}x faster, ${(node.perSandbox - base.perSandbox).toFixed(2)} MB less per idle sandbox; ` +
        `memory target (<= ${IDLE_TARGET_MB} MB): ${base.perSandbox <= IDLE_TARGET_MB ? "MEETS" : "DOES NOT MEET"}`,
    );
    return true;
  } catch (error) {
    console.log(`snapshot sections: error: ${error?.stack ?? error}`);
    return false;
  }
}
