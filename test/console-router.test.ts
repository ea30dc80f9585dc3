// Which handler receives a console call (src/internal/console_router.ts),
// called directly: the async call's handler first, then the innermost
// synchronous call's, then the MiniRacer's onConsole; failures of decoding
// or of the handler are swallowed. Written to kill StrykerJS's mutants of
// the file (npm run mutants; see test/README.md); test/host.test.ts checks
// the same through real console calls.
import { describe, expect, it } from "vitest";
import type { ConsoleHandler } from "../src/options.js";
import { ConsoleRouter } from "../src/internal/console_router.js";

const decode = (value: unknown): unknown => `decoded ${String(value)}`;

/** A handler that records what it receives under `name`. */
function recorder(log: unknown[][], name: string): ConsoleHandler {
  return (level, args) => {
    log.push([name, level, args]);
  };
}

describe("ConsoleRouter", () => {
  it("idle: no fallback and no synchronous call running", () => {
    const log: unknown[][] = [];
    expect(new ConsoleRouter(undefined).idle).toBe(true);
    expect(new ConsoleRouter(recorder(log, "f")).idle).toBe(false);
    const router = new ConsoleRouter(undefined);
    expect(router.runSync(undefined, () => router.idle)).toBe(false);
    expect(router.idle).toBe(true);
    expect(() =>
      router.runSync(recorder(log, "s"), () => {
        throw new Error("the call failed");
      }),
    ).toThrow("the call failed");
    expect(router.idle).toBe(true);
  });

  it("the async call's handler, else the innermost synchronous call's, else the fallback", () => {
    const log: unknown[][] = [];
    const router = new ConsoleRouter(recorder(log, "fallback"));
    router.deliver(undefined, ["log", 1, "two"], decode);
    router.deliver(recorder(log, "async"), ["warn"], decode);
    router.runSync(recorder(log, "outer"), () => {
      router.deliver(undefined, ["info", 3], decode);
      router.runSync(recorder(log, "inner"), () => router.deliver(undefined, ["debug", 4], decode));
      // A call with no handler of its own: the fallback, not the outer call's.
      router.runSync(undefined, () => router.deliver(undefined, ["error", 5], decode));
      router.deliver(recorder(log, "async"), ["log", 6], decode);
      router.deliver(undefined, ["log", 7], decode);
    });
    router.deliver(undefined, ["log", 8], decode);
    expect(log).toEqual([
      ["fallback", "log", ["decoded 1", "decoded two"]],
      ["async", "warn", []],
      ["outer", "info", ["decoded 3"]],
      ["inner", "debug", ["decoded 4"]],
      ["fallback", "error", ["decoded 5"]],
      ["async", "log", ["decoded 6"]],
      ["outer", "log", ["decoded 7"]],
      ["fallback", "log", ["decoded 8"]],
    ]);
  });

  it("no handler anywhere: dropped, the values not even decoded", () => {
    const router = new ConsoleRouter(undefined);
    let decoded = 0;
    const counting = (value: unknown): unknown => {
      decoded++;
      return value;
    };
    router.deliver(undefined, ["log", 1], counting);
    router.runSync(undefined, () => router.deliver(undefined, ["log", 2], counting));
    expect(decoded).toBe(0);
  });

  it("the level is the first argument as a string; a failing decode or handler is swallowed", () => {
    const log: unknown[][] = [];
    const router = new ConsoleRouter(recorder(log, "f"));
    router.deliver(undefined, [5, 1], decode);
    expect(log).toEqual([["f", "5", ["decoded 1"]]]);
    const failing = (): unknown => {
      throw new Error("cannot decode");
    };
    expect(() => router.deliver(undefined, ["log", 1], failing)).not.toThrow();
    expect(log).toHaveLength(1);
    const throwing: ConsoleHandler = () => {
      throw new Error("handler failed");
    };
    expect(() => router.deliver(throwing, ["log", 1], decode)).not.toThrow();
    expect(() => router.runSync(throwing, () => router.deliver(undefined, ["log"], decode))).not.toThrow();
  });
});
