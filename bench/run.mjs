// Side-by-side micro-benchmarks: mini-racer vs node:vm, isolated-vm and
// quickjs-emscripten (and plain Node for fib). This file is the entry point
// (the README, bench/README.md and .ci/run call it): it reads the command
// line and runs the sections in order; the parts live in bench/lib/ and
// beside it.
//
//   node bench/run.mjs            full run (~30 s on a 2-core machine)
//   node bench/run.mjs --quick    short rounds for CI smoke (< 15 s)
//   node bench/run.mjs --ivm-child  measure isolated-vm in a child process
//                                 started with --no-node-snapshot
//
// Internal flags, for the child processes this file starts of itself:
// --probe-ivm and --child=ivm (see lib/isolated-vm.mjs).
//
// Where things are:
//   lib/peers.mjs        loading mini-racer and the peers (bench/peers), defensively
//   lib/sections.mjs     sections 1-4: the rows, one per sandbox
//   lib/measure.mjs      the method: check, JIT warm-up, interleaved rounds, medians
//   lib/isolated-vm.mjs  in-process or in a --no-node-snapshot child, and the probe
//   lib/report.mjs       the header and the tables
//   lib/target.mjs       the eval target check (paired slices)
//   lib/noise.mjs        how busy the machine was meanwhile
//   async.mjs, handles.mjs, pool.mjs  sections 5-7, 8-9 and 10-12
//   code-cache.mjs       section 13 (Babel standalone from bench/peers)
//   creation.mjs         sections 14-15: fresh sandbox per request, idle memory
//   cli-lines.mjs        section 16: `mini-racer --lines` beside plain Node
//   limits.mjs           section 18: limit overshoot, the per-call report's cost
//   modules.mjs          sections 19-20: a 10-module graph, fresh and warm sandbox
//   snapshot.mjs         sections 21-23: startup snapshots (Babel-ready sandboxes, pool waits)
//
// Exit status: 1 if a mini-racer row failed (the subject of the benchmark),
// 0 otherwise; a missing or failing peer only prints "unavailable"/"error".

import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setUpIvm, runIvmChild, runProbe } from "./lib/isolated-vm.mjs";
import { blackholeValue, measureSection } from "./lib/measure.mjs";
import { watchMachineLoad } from "./lib/noise.mjs";
import { attempt, loadMiniRacer, loadQuickJS } from "./lib/peers.mjs";
import { printHeader, printSection } from "./lib/report.mjs";
import { sections } from "./lib/sections.mjs";
import { checkEvalTarget } from "./lib/target.mjs";

const SELF = fileURLToPath(import.meta.url);
let args;
try {
  ({ values: args } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      // Measure isolated-vm in a --no-node-snapshot child even if it works in-process.
      "ivm-child": { type: "boolean", default: false },
      child: { type: "string" }, // internal: --child=ivm, the isolated-vm rows in a child
      "probe-ivm": { type: "boolean", default: false }, // internal
    },
  }));
} catch (error) {
  console.error(`bench/run.mjs: ${error.message}\nusage: node bench/run.mjs [--quick] [--ivm-child]`);
  process.exit(2);
}
const QUICK = args.quick;
const CHILD = args.child;
const PROBE = args["probe-ivm"];
const FORCE_IVM_CHILD = args["ivm-child"];

const CFG = QUICK
  ? { roundMs: 15, warmup: 1, rounds: 5 }
  : { roundMs: 60, warmup: 3, rounds: 21 };

if (PROBE) await runProbe(); // exits
if (CHILD === "ivm") await runIvmChild(CFG); // exits

// ---------------------------------------------------------------------------
// Main.

const t0 = process.hrtime.bigint();

const mr = await attempt(loadMiniRacer);
const qjs = await attempt(loadQuickJS);
const { ivm, ivmMode, ivmNote, ivmChild } = await setUpIvm({ self: SELF, forceChild: FORCE_IVM_CHILD, quick: QUICK });

printHeader({ quick: QUICK, cfg: CFG, mr, ivm, qjs, ivmNote });

const allResults = {};
let mrFailed = !mr.ok;

const printMachineLoad = watchMachineLoad();

for (const s of sections({ mr, ivm, qjs })) {
  let rows = s.rows;
  if (ivmMode === "child") rows = rows.filter((r) => r.peer !== "isolated-vm");
  const measured = await measureSection(rows, CFG);
  let results = s.rows.map((r) => {
    if (r.peer === "isolated-vm" && ivmMode === "child") {
      const fromChild = ivmChild?.results?.[s.id]?.[0];
      return fromChild
        ? { ...fromChild, peer: "isolated-vm*" }
        : { peer: r.peer, label: r.label, status: "unavailable", reason: ivm.reason };
    }
    return measured.shift();
  });
  allResults[s.id] = results;
  if (results.some((r) => r.peer === "mini-racer" && r.status !== "ok")) mrFailed = true;
  printSection(s, results);
}

checkEvalTarget({ allResults, mr, ivm, ivmMode, quick: QUICK });
{
  const { runAsyncSections } = await import("./async.mjs");
  const asyncOk = mr.ok
    ? await runAsyncSections({
        MiniRacer: mr.MiniRacer,
        ivm: ivm.ok && ivmMode === "in-process" ? ivm.ivm : null,
        ivmNote: ivm.ok ? "it runs in a child process" : ivm.reason,
        quick: QUICK,
      })
    : false;
  if (!asyncOk) mrFailed = true;
  const { runHandleSections } = await import("./handles.mjs");
  const handlesOk = mr.ok
    ? runHandleSections({
        MiniRacer: mr.MiniRacer,
        ivm: ivm.ok && ivmMode === "in-process" ? ivm.ivm : null,
        ivmNote: ivm.ok ? "it runs in a child process" : ivm.reason,
        quick: QUICK,
      })
    : false;
  if (!handlesOk) mrFailed = true;
  const { runPoolSections } = await import("./pool.mjs");
  const poolOk = mr.ok ? await runPoolSections({ MiniRacer: mr.MiniRacer, MiniRacerPool: mr.MiniRacerPool, quick: QUICK }) : false;
  if (!poolOk) mrFailed = true;
  const { runCodeCacheSection } = await import("./code-cache.mjs");
  if (!(mr.ok && runCodeCacheSection({ MiniRacer: mr.MiniRacer, quick: QUICK }))) mrFailed = true;
  const { runCreationSections } = await import("./creation.mjs");
  const creationOk = mr.ok
    ? await runCreationSections({
        MiniRacer: mr.MiniRacer,
        MiniRacerPool: mr.MiniRacerPool,
        MiniRacerSnapshot: mr.MiniRacerSnapshot,
        ivm: ivm.ok && ivmMode === "in-process" ? ivm.ivm : null,
        ivmNote: ivm.ok ? "it runs in a child process" : ivm.reason,
        quick: QUICK,
      })
    : false;
  if (!creationOk) mrFailed = true;
  const { runCliLinesSection } = await import("./cli-lines.mjs");
  if (!(mr.ok && (await runCliLinesSection({ quick: QUICK })))) mrFailed = true;
  const { runLimitsSection } = await import("./limits.mjs");
  if (!(mr.ok && (await runLimitsSection({ MiniRacer: mr.MiniRacer, quick: QUICK })))) mrFailed = true;
  const { runModuleSections } = await import("./modules.mjs");
  const modulesOk = mr.ok
    ? runModuleSections({
        MiniRacer: mr.MiniRacer,
        ivm: ivm.ok && ivmMode === "in-process" ? ivm.ivm : null,
        ivmNote: ivm.ok ? "it runs in a child process" : ivm.reason,
        quick: QUICK,
      })
    : false;
  if (!modulesOk) mrFailed = true;
  const { runSnapshotSections } = await import("./snapshot.mjs");
  const snapshotsOk = mr.ok
    ? await runSnapshotSections({
        MiniRacer: mr.MiniRacer,
        MiniRacerPool: mr.MiniRacerPool,
        MiniRacerSnapshot: mr.MiniRacerSnapshot,
        quick: QUICK,
      })
    : false;
  if (!snapshotsOk) mrFailed = true;
}
printMachineLoad();
console.log(`total time: ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
// Never true; keeps the results observable.
if (blackholeValue() === 0.5) console.log(blackholeValue());

process.exitCode = mrFailed ? 1 : 0;
