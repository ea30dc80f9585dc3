// The stack an async call's error is given (src/internal/call_site.ts),
// called directly: the awaiting callers' frames with mini-racer's own left
// out, as a non-enumerable, writable, configurable own property; kept as it
// was when nothing awaits the promise or the error is frozen. Written to
// kill StrykerJS's mutants of the file (npm run mutants; see
// test/README.md); test/security/time-escapes.test.ts checks the same
// through real async calls.
import * as path from "node:path";
import { expect, it } from "vitest";
import { rethrowWithCallerStack } from "../src/internal/call_site.js";

const OWN_DIR = path.resolve(__dirname, "../src") + path.sep;

function rethrown(error: unknown): unknown {
  try {
    rethrowWithCallerStack(error);
  } catch (thrown) {
    return thrown;
  }
  throw new Error("expected a throw");
}

it("an error gets 'name: message' and the caller's frames, none of mini-racer's own", () => {
  const error = new TypeError("bad call");
  expect(rethrown(error)).toBe(error);
  const lines = String(error.stack).split("\n");
  expect(lines[0]).toBe("TypeError: bad call");
  expect(lines.length).toBeGreaterThan(1);
  expect(lines[1]).toMatch(/^ {4}at /);
  expect(lines[1]).toContain("call-site.test.ts");
  expect(lines.slice(1).every((line) => line.startsWith("    at "))).toBe(true);
  expect(error.stack).not.toContain(OWN_DIR);
  expect(Object.getOwnPropertyDescriptor(error, "stack")).toEqual({
    value: error.stack,
    writable: true,
    configurable: true,
    enumerable: false,
  });
});

it("a value that is not an Error is rethrown untouched; a frozen error keeps its stack", () => {
  const value = { stack: "mine" };
  expect(rethrown(value)).toBe(value);
  expect(value).toEqual({ stack: "mine" });
  expect(rethrown("text")).toBe("text");
  const frozen = Object.freeze(new Error("frozen"));
  const stack = frozen.stack;
  expect(rethrown(frozen)).toBe(frozen);
  expect(frozen.stack).toBe(stack);
});

it("nobody awaits the promise (a .then chain): the error keeps the stack it has", async () => {
  const error = new RangeError("kept");
  const stack = error.stack;
  const seen = await new Promise((resolve) => {
    setTimeout(() => {
      Promise.reject(error).then(undefined, rethrowWithCallerStack).then(undefined, resolve);
    }, 0);
  });
  expect(seen).toBe(error);
  expect(error.stack).toBe(stack);
});
