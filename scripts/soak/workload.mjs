// The soak's workload process (scripts/soak.mjs starts it with --expose-gc):
// reads the options, creates the sandboxes and operations, runs the workers
// with RSS samples at the start, every `--every` seconds, at the baseline, in
// the middle and at the end, prints the report and exits with its code. The
// parts it puts together live beside it in scripts/soak/.

import { setTimeout as delay } from "node:timers/promises";
import { createOperations } from "./operations.mjs";
import { parseOptions, usage } from "./options.mjs";
import { report } from "./report.mjs";
import { createSampling } from "./sampling.mjs";
import { createSandboxes } from "./sandboxes.mjs";
import { createTally } from "./tally.mjs";

export async function runWorkload(argv) {
  const mr = await import("../../dist/cjs/esm.mjs");
  const { MiniRacer } = mr;
  const opt = parseOptions(argv);

  const tally = createTally();
  const sandboxes = createSandboxes(MiniRacer, tally);
  const OPS = createOperations(mr, tally, sandboxes);

  if (opt.list) {
    for (const [name, weight] of OPS) console.log(`${name.padEnd(12)} weight ${weight}`);
    process.exit(0);
  }
  const known = new Set(OPS.map(([n]) => n));
  for (const n of [...(opt.mix ?? []), ...opt.exclude]) if (!known.has(n)) usage(`unknown operation ${n} (see --list)`);
  const active = OPS.filter(([n]) => (opt.mix === null || opt.mix.includes(n)) && !opt.exclude.includes(n));
  const totalWeight = active.reduce((s, [, w]) => s + w, 0);
  function pickOp() {
    let x = Math.random() * totalWeight;
    for (const op of active) if ((x -= op[1]) < 0) return op;
    return active[active.length - 1];
  }

  const { t0, sample, worker, gcHard } = createSampling({ tally, sandboxes, pickOp });

  console.log(
    `soak: ${opt.seconds} s, ${opt.concurrency} workers, node ${process.version}, V8 in sandboxes ${MiniRacer.v8Version}, ` +
      `operations: ${active.map(([n, w]) => `${n}(${w})`).join(" ")}`,
  );
  const start = await sample("start");
  const deadline = t0 + opt.seconds * 1000;
  const baselineAt = opt.seconds >= 120 ? 60 : opt.seconds / 4;
  // Sample times (s) -> labels.
  const marks = new Map();
  const mark = (t, label) => marks.set(t, [...(marks.get(t) ?? []), label]);
  for (let t = opt.every; t < opt.seconds; t += opt.every) mark(t, `${+(t / 60).toFixed(2)} min`);
  mark(opt.seconds / 2, "middle");
  mark(baselineAt, "baseline");
  let baseline = null;
  let middle = null;

  const workers = Array.from({ length: opt.concurrency }, () => worker(deadline));
  for (const [t, labels] of [...marks].sort((a, b) => a[0] - b[0])) {
    const wait = t0 + t * 1000 - Date.now();
    if (wait > 0) await delay(wait);
    const s = await sample(labels.join(","));
    if (t === baselineAt) baseline = s;
    if (t === opt.seconds / 2) middle = s;
  }
  await Promise.all(workers);
  // Let the last dropped MiniRacers and handles be collected before the end sample.
  await gcHard();
  await delay(200);
  const end = await sample("end");

  const code = report({ active, tally, start, baseline, middle, end, baselineAt });
  for (const r of sandboxes.longRacers()) r.close();
  process.exit(code);
}
