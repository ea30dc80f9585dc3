// Imported first by test files whose counts or figures assume every sandbox
// starts from Node's snapshot (the code cache's hit counts): turns off the
// base snapshots of src/internal/base_snapshots.ts for this test file's
// process (and the child processes it starts) before the package loads.
process.env.MINI_RACER_NO_BASE_SNAPSHOT = "1";
