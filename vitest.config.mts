import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file in its own process: a sandbox crash would show as a
    // failed file, never a hung run. Files run one at a time because the
    // limit tests measure wall-clock deadlines on a 2-core machine.
    pool: "forks",
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
    fileParallelism: false,
    testTimeout: 60_000,
    // Child-process and worker tests load dist/: rebuilt first when stale.
    globalSetup: ["./test/global-setup.ts"],
  },
});
