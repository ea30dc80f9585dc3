// Limits benchmark, run by bench/run.mjs after the creation sections.
//
// 18. How far past its limit a runaway call runs, and what the per-call
//     report costs:
//     - overshoot of `cpuTime` (the call's CPU, as its report reads it,
//       minus the limit) and of `timeout` (the call's wall time minus the
//       limit), for `while (true) {}` on the sync and the async path:
//       p50, p99 and max over the runs. Target: cpuTime overshoot <= 5 ms
//       p99.
//     - `eval("1+1")` per call: as is (the report is always recorded), with
//       `mr.lastCall` read after each call, and with a `cpuTime` limit (two
//       reads of the thread's CPU clock, a system call each). Slices of the
//       three alternate, so machine noise hits them alike.

import { median } from "./stats.mjs";

const LIMIT_MS = 20;
const TARGET_P99_MS = 5;

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const fmt = (x) => x.toFixed(2).padStart(7);

async function overshoots(mr, runs, limitName, asyncPath) {
  const over = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    try {
      const options = { [limitName]: LIMIT_MS };
      if (asyncPath) await mr.evalAsync("while (true) {}", options);
      else mr.eval("while (true) {}", options);
      throw new Error("the runaway call returned");
    } catch (error) {
      if (error?.limit !== limitName) throw error;
    }
    const wall = performance.now() - start;
    over.push((limitName === "cpuTime" ? mr.lastCall.cpuMs : wall) - LIMIT_MS);
  }
  return over;
}

/** ns per call of `body` over `calls` calls. */
function perCall(calls, body) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) body();
  return Number(process.hrtime.bigint() - start) / calls;
}

export async function runLimitsSection({ MiniRacer, quick }) {
  console.log("");
  console.log("18. limits: overshoot past a runaway call's limit, and the per-call report's cost");
  const mr = new MiniRacer();
  try {
    const runs = quick ? 8 : 40;
    let ok = true;
    console.log(`    limit ${LIMIT_MS} ms, ${runs} runs each      p50      p99      max (ms past the limit)`);
    for (const [limitName, asyncPath] of [
      ["cpuTime", false],
      ["cpuTime", true],
      ["timeout", false],
      ["timeout", true],
    ]) {
      const over = await overshoots(mr, runs, limitName, asyncPath);
      const p99 = percentile(over, 99);
      const label = `${limitName} ${asyncPath ? "async" : "sync"}`.padEnd(22);
      const verdict = limitName === "cpuTime" ? (p99 <= TARGET_P99_MS ? "  (target <= 5: met)" : "  (target <= 5: NOT met)") : "";
      console.log(`    ${label}   ${fmt(percentile(over, 50))}  ${fmt(p99)}  ${fmt(Math.max(...over))}${verdict}`);
      if (over.some((x) => x < 0 && limitName === "cpuTime")) ok = false; // stopped before its limit: a bug
    }

    const calls = quick ? 20_000 : 200_000;
    const slices = quick ? 5 : 15;
    const plain = [];
    const read = [];
    const limited = [];
    for (let i = 0; i < slices; i++) {
      plain.push(perCall(calls, () => mr.eval("1+1")));
      read.push(
        perCall(calls, () => {
          mr.eval("1+1");
          return mr.lastCall;
        }),
      );
      limited.push(perCall(calls, () => mr.eval("1+1", { cpuTime: 1000 })));
    }
    const base = median(plain);
    console.log(`    eval("1+1"), median of ${slices} slices of ${calls} calls:`);
    console.log(`      report recorded (always)           ${(base / 1000).toFixed(3)} µs/call`);
    console.log(`      + mr.lastCall read after each call  ${(median(read) / 1000).toFixed(3)} µs/call`);
    console.log(`      with cpuTime (thread CPU clock)     ${(median(limited) / 1000).toFixed(3)} µs/call`);
    return ok;
  } catch (error) {
    console.log(`    FAILED: ${error?.stack ?? error}`);
    return false;
  } finally {
    mr.close();
  }
}
