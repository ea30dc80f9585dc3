// Soak test (issue 5): a mixed workload for a fixed time, watching RSS.
//
//   npm run soak -- --seconds 600 [--concurrency 4] [--mix a,b,...] [--every 60]
//   npm run soak -- --list            # the operations and their weights
//
// The workload, picked at random by weight by `concurrency` workers: sync and
// async evals and calls; handles (create/call/get/set/delete/release, some
// dropped for the host GC to release); host functions, sync and async, that
// call back into the sandbox; console output to per-MiniRacer and per-call
// handlers; timeouts (infinite loops, never-settling promises); OOMs
// (runaway allocation in small-cap sandboxes); aborts through AbortSignal;
// and MiniRacers created and closed (a pool of long-lived ones, plus
// short-lived ones that are closed, closed with calls pending, or dropped).
// `--mix` limits the run to the named operations (to find which one drives
// RSS), `--exclude` leaves some out.
//
// Every error is checked against the typed errors its operation may raise;
// anything else (another type, a wrong result, a missing error) counts as
// unexpected and is printed. RSS is sampled (after global.gc() and a
// lowMemoryNotification() in the long-lived sandboxes, with the
// workload paused) at the start, every `--every` seconds, in the middle and
// at the end.
//
// Verdict: RSS at the end against RSS after the first minute (or, for runs
// shorter than 2 minutes, after the first quarter). Exit status: 1 for
// unexpected errors or a crash, 2 if RSS grew more than 10%, else 0.
//
// The workload runs in a child process started with --expose-gc, so that a
// crash of the child (a signal, an abort) is reported as one, and with
// --min-semi-space-size=16: the host's young generation starts at the size
// V8 grows it to under this workload anyway (Node 20's default maximum).
// Without it, V8 doubled the host's new space from 16 to 32 MB somewhere
// between minute 1 and 2 (v8.getHeapSpaceStatistics(), kept with
// MINI_RACER_SOAK_SMAPS=<dir> next to /proc/self/smaps), a one-time
// heuristic step of the harness's own heap that read as +16 MB of drift.
//
// This file is the entry point (npm run soak, the README) and the parent
// process; the workload lives in scripts/soak/: workload.mjs (the run),
// options.mjs, tally.mjs (counts and expected errors), sandboxes.mjs,
// operations.mjs, sampling.mjs (workers and paused RSS samples) and
// report.mjs (the report and the verdict).

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const argv = process.argv.slice(2);

if (process.env.MINI_RACER_SOAK_CHILD !== "1") {
  // Parent: re-spawn with --expose-gc and watch for a crash.
  const child = spawn(process.execPath, ["--expose-gc", "--min-semi-space-size=16", ...process.execArgv, fileURLToPath(import.meta.url), ...argv], {
    stdio: "inherit",
    env: { ...process.env, MINI_RACER_SOAK_CHILD: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  // The child exits 0 (pass), 10 (unexpected errors), 12 (RSS grew), 64 (usage).
  child.on("exit", (code, signal) => {
    if (code === 0 || code === 64) process.exit(code);
    if (code === 10) process.exit(1);
    if (code === 12) process.exit(2);
    console.log(`soak: CRASH: the workload process ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`);
    process.exit(1);
  });
} else {
  const { runWorkload } = await import("./soak/workload.mjs");
  await runWorkload(argv);
}

