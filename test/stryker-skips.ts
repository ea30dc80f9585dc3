// Loaded only by vitest.stryker.config.mts (StrykerJS, `npm run mutants`):
// skips, by name, the tests that cannot pass in Stryker's runs, each for the
// reason given. The full suite (`npm test`) runs them all.
import { beforeEach } from "vitest";

const SKIPPED = new Map<string, string>([
  [
    "most shapes overflow the parser on every V8 line; the others parse in the sandbox too",
    "it counts the source shapes that overflow the host's own parser, whose stack is that of the " +
      "thread: Stryker runs the tests in a worker thread, with a larger stack than the main thread's",
  ],
]);

// A 50 MB string through the plain-data writer: every byte goes through the
// instrumented loop (a minute, instead of a second). test/codec.test.ts
// checks that an arena grown for a large value is dropped.
SKIPPED.set(
  "an arena grown for a large value is dropped with it",
  "it copies a 50 MB string, which takes a minute under Stryker's instrumentation",
);

// Slow (0.6-8 s each, 37 s of the 71 s these files take in one thread) and
// about the native layer: huge code strings and the host's RSS, child
// processes and worker threads that load dist/, event-loop lag, timing and
// queueing of async calls, the memory cap. The src/ paths they run are run
// by faster tests too; kept, they would run again for every mutant of
// module-level code (Stryker's "static" mutants).
const SLOW = new Set<string>([
  "100 MB of '1+' under a 512 MB cap: exactly the right value (README limits table)",
  "100 MB of garbage: JSParseError under a cap it fits, refused as JSOOMError under one it does not; usable after",
  "100 MB of valid code ('1+' repeated): the right value or a typed error; host peak RSS stays bounded",
  "10 MB of code on the async path",
  "host memory comes back after the huge-code sandboxes are closed",
  "a sync call made while an async call's script runs waits for that step, at most until its own deadline, waiting included (child process, hard kill)",
  "settles 1,000 concurrent calls over 8 sandboxes with the right results, and leaks nothing",
  "host event-loop delay stays under 10 ms (p95), no stall of 50 ms, while sandboxes allocate",
  "a pending async call keeps Node's event loop alive until it settles (child processes)",
  "an async call's timeout counts from when it starts running, not from when it was queued",
  "keeps the host's setInterval ticking while the sandbox computes for a second",
  "lets the process exit, naturally or with process.exit, with live sandboxes",
  "at most 100,000 timers pending at once: the 100,000th is accepted, the 100,001st is a RangeError (both kinds together, sync and async)",
  "creates and uses a MiniRacer, with wrong inputs getting typed errors there too",
  "terminating a worker during a sync eval (with or without a timeout) or a huge parse is safe",
  "refused before it is built (sync, async, handle call, handle set, host result); the next call works",
  "an argument that fits the cap's bytes but not beside the heap fails as JSOOMError and is freed",
  "maxMemory not a multiple of the page size: the cap holds and the sandbox recovers",
  "the issue's example through console.log: no error; the arguments past maxResultBytes arrive as undefined (README limits table)",
  "a full 128 MB heap does not take the host down: refused at the default limit, quickly",
]);

// They run an npm script (an example) in a child process, which needs the
// package's own node_modules and build: Stryker's sandbox holds a copy of
// the sources. `npm test` runs them.
for (const name of [
  "npm run example:pool-server serves every ordinary request and refuses the hostile ones alone",
  "npm run example:code-cache loads the library into three sandboxes and writes one file; a second run starts from it",
]) {
  SKIPPED.set(name, "it runs an npm script in a child process, outside Stryker's sandbox layout");
}

beforeEach((context) => {
  if (SKIPPED.has(context.task.name) || SLOW.has(context.task.name)) context.skip();
});
