/**
 * Where an async call was awaited, for the `stack` of the error it rejects
 * with. The error is made on the event loop, where its stack shows only
 * mini-racer's own delivery code. Capturing the caller's stack at every call
 * would cost a few microseconds per call; instead the error's stack is
 * rebuilt in a reaction to the call's promise, where V8's async stack traces
 * name the async functions awaiting it (the user's `await mr.evalAsync(...)`
 * line), at no cost to calls that succeed.
 * @internal
 */
import * as path from "node:path";

/**
 * mini-racer's own files (src/ under the tests, dist/cjs/ when installed):
 * the folder above this one, internal/.
 */
const OWN_DIR = path.resolve(__dirname, "..") + path.sep;

/** Rejection handler: gives `error` the awaiting callers' frames as its stack, and rethrows it. */
export function rethrowWithCallerStack(error: unknown): never {
  if (error instanceof Error) {
    try {
      const frames = String(new Error().stack)
        .split("\n")
        .slice(1)
        .filter((line) => !line.includes(OWN_DIR));
      // Nobody awaits the promise (a `.then` chain): keep the stack it has.
      if (frames.length > 0) {
        Object.defineProperty(error, "stack", {
          value: `${error.name}: ${error.message}\n${frames.join("\n")}`,
          writable: true,
          configurable: true,
          enumerable: false,
        });
      }
    } catch {
      // A frozen error keeps the stack it has.
    }
  }
  throw error;
}
