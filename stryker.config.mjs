// StrykerJS: mutation testing of src/ (`npm run mutants`). Each mutant of the
// TypeScript sources is run against the tests that cover it (perTest
// coverage), through vitest with vitest.stryker.config.mts, which picks the
// in-process test files (see there). Reports go to reports/mutation/
// (git-ignored); the last run's figures and the mutants that survive, each
// with the reason it is equivalent, are in test/README.md.
// @ts-check
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.stryker.config.mts" },
  // The command line (cli.ts, internal/cli_*.ts) is tested end to end in
  // child processes (test/cli.test.ts), which perTest coverage cannot see.
  mutate: ["src/**/*.ts", "src/**/*.mts", "!src/cli.ts", "!src/internal/cli_*.ts"],
  coverageAnalysis: "perTest",
  // Mutants of module-level code ("static": constants, the addon's loading,
  // the freezing of classes) run while src/ is imported, so each would be
  // tested by every test file (54% of the run time for 15% of the mutants).
  // They are reported as Ignored here; `npm run mutants -- --ignoreStatic
  // false` tests them too (see test/README.md).
  ignoreStatic: true,
  // Two cores, shared with other work: never more than two test runners.
  concurrency: 2,
  // The runner forces vitest's `threads` pool, where the forks pool's
  // execArgv does not apply: tests that call gc() need it process-wide.
  testRunnerNodeArgs: ["--expose-gc"],
  // Calls under test have limits of their own: give slow mutants room
  // before calling them timeouts.
  timeoutMS: 5_000,
  // Nothing the included tests read: the native sources, other builds,
  // benchmarks, the Node lines cache (the addon is loaded from build/).
  ignorePatterns: ["/native", "/build-cmake*", "/prebuilds", "/bench", "/.node-lines", "/reports", "/cmake", "/examples"],
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  thresholds: { high: 90, low: 80, break: 80 },
};
