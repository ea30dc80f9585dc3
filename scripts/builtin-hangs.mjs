#!/usr/bin/env node
// Enumerates V8 builtins that may run past a call's time limit (issue 9,
// items 4 and 6): loops in C++/CSA/Torque that never check for interrupts,
// so neither the watchdog's TerminateExecution nor close() can stop them.
//
// Each case runs in a child process with a hard kill: a setup eval (no
// limit) builds the receiver, then the measured eval runs with `--timeout`
// (100 ms). The table says how long the call took, how it ended, and how
// much the child's RSS grew.
//
// This file is the entry point (the README and test/README.md name it): it
// reads the command line (USAGE below) and hands over to scripts/builtin-hangs/:
// cases.mjs (what runs), parent.mjs (runs the cases in children and prints
// the table), child.mjs (one case, in the child, started as this file with
// --child) and compare.mjs (--compare).
//
// Needs dist/ (npx tsc -p tsconfig.json) and the native addon.
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const USAGE = `\
  node scripts/builtin-hangs.mjs                  # every case (several minutes)
  node scripts/builtin-hangs.mjs --filter indexOf # cases whose name matches
  node scripts/builtin-hangs.mjs --async          # evalAsync + close() instead
  options: --timeout 100 --kill 5000 --jobs 2 --json out.json --max-memory BYTES
           --only-overruns (print only cases that overran by > 50 ms)
  node scripts/builtin-hangs.mjs --compare before.json after.json
           # the cases that overran in either run, side by side
`;

let args;
try {
  args = parseArgs({
    allowPositionals: true, // the two files of --compare
    options: {
      filter: { type: "string" },
      async: { type: "boolean", default: false },
      timeout: { type: "string", default: "100" },
      kill: { type: "string", default: "5000" },
      jobs: { type: "string", default: "2" },
      json: { type: "string" },
      "max-memory": { type: "string" },
      "only-overruns": { type: "boolean", default: false },
      compare: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      child: { type: "string" }, // internal: run one case, given as JSON
    },
  });
  if (args.values.compare ? args.positionals.length !== 2 : args.positionals.length > 0) {
    throw new Error("--compare takes two files (before.json after.json); nothing else takes an argument");
  }
} catch (error) {
  console.error(`builtin-hangs: ${error.message}`);
  process.exit(2);
}
const opts = args.values;

if (opts.help) {
  process.stdout.write(`usage:\n${USAGE}`);
} else if (opts.child !== undefined) {
  const { child } = await import("./builtin-hangs/child.mjs");
  await child(opts.child);
} else if (opts.compare) {
  const { compare } = await import("./builtin-hangs/compare.mjs");
  compare(args.positionals[0], args.positionals[1]);
} else {
  const { parent } = await import("./builtin-hangs/parent.mjs");
  await parent(fileURLToPath(import.meta.url), opts);
}
