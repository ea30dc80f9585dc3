/**
 * Where an async call was made, for the `stack` of the error it rejects with.
 * The error is made later, on the event loop, where the stack would show only
 * mini-racer's own delivery code; the caller's frames are captured when the
 * call is made (formatted only if it fails) and put in its place.
 * @internal
 */
import * as path from "node:path";

/** mini-racer's own files (src/ under the tests, dist/cjs/ when installed). */
const OWN_DIR = path.dirname(__filename) + path.sep;
/** Room for mini-racer's own frames above the caller's. */
const OWN_FRAMES = 8;

/** A captured stack, not formatted yet. */
export interface CallSite {
  stack?: string;
}

/** Captures the stack of the code calling `above` (a function of mini-racer's). */
export function captureCallSite(above: Function): CallSite {
  const site: CallSite = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = limit + OWN_FRAMES;
  Error.captureStackTrace(site, above);
  Error.stackTraceLimit = limit;
  return site;
}

/** Gives `error` the caller's frames as its stack (mini-racer's own left out). */
export function withCallSite(error: unknown, site: CallSite): unknown {
  if (!(error instanceof Error)) return error;
  try {
    const frames = String(site.stack ?? "")
      .split("\n")
      .slice(1)
      .filter((line) => !line.includes(OWN_DIR));
    Object.defineProperty(error, "stack", {
      value: `${error.name}: ${error.message}\n${frames.join("\n")}`,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  } catch {
    // A frozen error keeps the stack it has.
  }
  return error;
}
