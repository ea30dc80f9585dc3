// The soak's end-of-run report and verdict: operations with their mean and
// worst time, expected errors by type and by operation, unexpected ones, the
// MiniRacers' fates, and RSS at the end against the baseline sample. The
// verdict's rule (+10% at most, no unexpected error) is here and nowhere else.

import { MB } from "./sampling.mjs";

// Prints the report; returns the workload process's exit code: 0 (pass),
// 10 (unexpected errors), 12 (RSS grew more than 10%).
export function report({ active, tally, start, baseline, middle, end, baselineAt }) {
  const { ops, timing, errors, errorTotals, unexpected, unexpectedCount, collected, totalOps } = tally;
  console.log("\nsoak: operations");
  for (const [name] of active) {
    const n = ops.get(name) ?? 0;
    const tm = timing.get(name) ?? { total: 0, max: 0 };
    console.log(`  ${name.padEnd(12)} ${String(n).padStart(8)}   mean ${(tm.total / (n || 1)).toFixed(1)} ms, max ${tm.max.toFixed(0)} ms`);
  }
  console.log(`  ${"total".padEnd(12)} ${totalOps()}  (${(totalOps() / ((end.t || 1))).toFixed(0)}/s; host calls ${tally.hostCalls}, console lines ${tally.consoleLines})`);
  console.log("soak: expected errors by type");
  for (const [type, n] of [...errorTotals].sort()) console.log(`  ${type.padEnd(20)} ${n}`);
  console.log("soak: expected errors by operation");
  for (const [key, n] of [...errors].sort()) console.log(`  ${key.padEnd(32)} ${n}`);
  console.log(`soak: unexpected errors: ${unexpectedCount}`);
  for (const u of unexpected) console.log(`  ${u}`);
  console.log(
    `soak: MiniRacers created ${tally.created}, closed ${tally.closed}, dropped ${tally.dropped}, collected ${collected.racers}; ` +
      `handles dropped for GC collected ${collected.handles}`,
  );
  console.log(`soak: RSS start ${MB(start.rss)} MB, baseline (${baseline.t.toFixed(0)} s) ${MB(baseline.rss)} MB, middle (${middle.t.toFixed(0)} s) ${MB(middle.rss)} MB, end (${end.t.toFixed(0)} s) ${MB(end.rss)} MB`);
  const drift = (end.rss - baseline.rss) / baseline.rss;
  const rssOk = drift <= 0.1;
  const what = baselineAt === 60 ? "after 1 minute" : `after ${baselineAt.toFixed(0)} s (run < 2 min)`;
  console.log(
    `soak: VERDICT: ${unexpectedCount === 0 && rssOk ? "PASS" : "FAIL"}: RSS end ${MB(end.rss)} MB vs ${what} ${MB(baseline.rss)} MB: ` +
      `${drift >= 0 ? "+" : ""}${(drift * 100).toFixed(1)}% (limit +10%) ${rssOk ? "ok" : "EXCEEDED"}; ` +
      `unexpected errors ${unexpectedCount}; crashes 0`,
  );
  return unexpectedCount > 0 ? 10 : rssOk ? 0 : 12;
}
