/** Helpers shared by the test files. */

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
