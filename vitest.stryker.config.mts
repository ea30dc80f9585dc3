// The vitest configuration StrykerJS runs (stryker.config.mjs, `npm run
// mutants`). Stryker mutates src/ and loads it in-process; it forces vitest's
// `threads` pool with one worker, no coverage and bail on the first failure,
// whatever is set here, so this file only picks the test files:
//
// - excluded, because their tests cannot see a mutant: they run the built
//   package (dist/, compiled before the mutants exist) in child processes,
//   or read src/ as text: structure.test.ts, native-load.test.ts,
//   lifecycle.test.ts, limits/exhaustion.test.ts,
//   security/uninterruptible-loops.test.ts;
// - excluded, because they test the native layer's limits (memory cap,
//   watchdog, builtin guard, ICU and handle charging), run for 12-29 s each
//   and would run again for every mutant of module-level code; the few
//   src/ paths they reach are covered by the files kept:
//   limits.test.ts, limits/builtins.test.ts, security/resource-caps.test.ts,
//   security/resources.test.ts;
// - skipped by name (test/stryker-skips.ts): the tests that cannot pass in
//   a worker thread, each with the reason;
// - no globalSetup: it rebuilds dist/ when src/ is newer, and in Stryker's
//   sandbox src/ holds the instrumented code.
//
// The files kept mix in-process tests with a few child-process ones; those
// pass unchanged under every mutant and cost only their run time.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: [
      "test/structure.test.ts",
      "test/native-load.test.ts",
      "test/lifecycle.test.ts",
      "test/limits/exhaustion.test.ts",
      "test/security/uninterruptible-loops.test.ts",
      "test/limits.test.ts",
      "test/limits/builtins.test.ts",
      "test/security/resource-caps.test.ts",
      "test/security/resources.test.ts",
    ],
    setupFiles: ["./test/stryker-skips.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
  },
});
