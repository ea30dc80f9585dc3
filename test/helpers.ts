/** Helpers shared by the test files. */
import * as path from "node:path";

export const MB = 1024 * 1024;
/** The repository root. */
export const repoRoot = path.resolve(__dirname, "..");
/** `require(...)` argument for the built package, for scripts run in child processes and workers. */
export const distEntry = JSON.stringify(path.join(repoRoot, "dist/cjs/index.js"));

/** Runs `body()` and returns how long it took (ms), and what it returned or threw. */
export function timed(body: () => unknown): { error: unknown; value: unknown; ms: number } {
  const start = performance.now();
  try {
    const value = body();
    return { error: undefined, value, ms: performance.now() - start };
  } catch (error) {
    return { error, value: undefined, ms: performance.now() - start };
  }
}

/** {@link timed} for a call that returns a promise. */
export async function timedAsync(body: () => Promise<unknown>): Promise<{ error: unknown; value: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await body();
    return { error: undefined, value, ms: performance.now() - start };
  } catch (error) {
    return { error, value: undefined, ms: performance.now() - start };
  }
}

/** Starts a call that must reject; returns the error and how long it took, in ms. */
export async function timedRejection(startCall: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await startCall();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error("expected the call to reject");
}

/**
 * True when the suite runs under `npm run test:asan`. AddressSanitizer adds
 * shadow memory and redzones and keeps freed memory in its own allocator, so
 * RSS bounds are scaled by {@link SANITIZER_RSS_FACTOR}; its larger stack
 * frames leave room for fewer sandbox <-> host round trips.
 */
export const UNDER_ASAN = process.env.MINI_RACER_SANITIZER === "address";
/** Factor for host-RSS bounds: 1 normally, 3 under ASan. */
export const SANITIZER_RSS_FACTOR = UNDER_ASAN ? 3 : 1;
