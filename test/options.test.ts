// The option checks of src/options.ts, called directly: the exact messages
// (how each kind of bad value is shown), the boundaries of every range, and
// what each check returns. Written to kill StrykerJS's mutants of the file
// (npm run mutants; see test/README.md); the public behaviour is also
// covered through MiniRacer in test/limits/bad-input.test.ts.
import { describe, expect, it } from "vitest";
import {
  callSignal,
  callLimits,
  checkCpuTime,
  checkLimitChanges,
  checkSnapshotOptions,
  limitsOf,
  checkCode,
  checkConsole,
  checkMiniRacerOptions,
  checkName,
  checkPath,
  checkTimeout,
  describe as show,
  resultFlags,
} from "../src/options.js";
import { caught } from "./helpers.js";

const MiB = 1024 * 1024;

/** Asserts that `body` throws exactly an error of `kind` with `message`. */
function expectError(body: () => unknown, kind: ErrorConstructor, message: string): void {
  const error = caught(body);
  expect(error).toBeInstanceOf(kind);
  expect(Object.getPrototypeOf(error)).toBe(kind.prototype);
  expect((error as Error).message).toBe(message);
}

describe("describe(): how a bad value is shown in a message", () => {
  it("strings are quoted, cut after 40 characters with an ellipsis", () => {
    expect(show("")).toBe('""');
    expect(show('a"b')).toBe('"a\\"b"');
    const forty = "x".repeat(40);
    expect(show(forty)).toBe(`"${forty}"`);
    expect(show(forty + "y")).toBe(`"${forty}…"`);
    expect(show("0123456789".repeat(10))).toBe(`"${"0123456789".repeat(4)}…"`);
  });

  it("every other kind of value", () => {
    expect(show(5n)).toBe("5n");
    expect(show(-12n)).toBe("-12n");
    expect(show(() => 1)).toBe("a function");
    expect(show(class {})).toBe("a function");
    expect(show(-0)).toBe("-0");
    expect(show(0)).toBe("0");
    expect(show(1.5)).toBe("1.5");
    expect(show(NaN)).toBe("NaN");
    expect(show(null)).toBe("null");
    expect(show(undefined)).toBe("undefined");
    expect(show(true)).toBe("true");
    expect(show(Symbol("s"))).toBe("Symbol(s)");
    expect(show([])).toBe("an array");
    expect(show([1, 2])).toBe("an array");
    expect(show({})).toBe("an object");
    expect(show(Object.create(null))).toBe("an object");
    expect(show(new Date(0))).toBe("an object");
  });
});

describe("checkMiniRacerOptions", () => {
  it("returns zeros for what was not given, and the numbers floored", () => {
    expect(checkMiniRacerOptions({})).toEqual({
      maxMemory: 0,
      softMemory: 0,
      maxResultBytes: 0,
      timeout: 0,
      cpuTime: 0,
      onConsole: undefined,
      codeCache: { dir: undefined, fromSnapshot: false },
    });
    const onConsole = (): void => {};
    expect(
      checkMiniRacerOptions({
        maxMemory: 8 * MiB + 0.9,
        softMemoryLimit: 1.5,
        maxResultBytes: 1024.99,
        timeout: 0.25,
        cpuTime: 0.5,
        onConsole,
      }),
    ).toEqual({
      maxMemory: 8 * MiB,
      softMemory: 1,
      maxResultBytes: 1024,
      timeout: 0.25,
      cpuTime: 0.5,
      onConsole,
      codeCache: { dir: undefined, fromSnapshot: false },
    });
    expect(checkMiniRacerOptions({ maxMemory: 2 ** 50, softMemoryLimit: 2 ** 50, maxResultBytes: 2 ** 50 })).toEqual({
      maxMemory: 2 ** 50,
      softMemory: 2 ** 50,
      maxResultBytes: 2 ** 50,
      timeout: 0,
      cpuTime: 0,
      onConsole: undefined,
      codeCache: { dir: undefined, fromSnapshot: false },
    });
  });

  it("options that are not an object, and unknown keys", () => {
    for (const [value, shown] of [
      [null, "null"],
      ["x", '"x"'],
      [5, "5"],
      [() => 1, "a function"],
    ] as const) {
      expectError(() => checkMiniRacerOptions(value as object), TypeError, `options must be an object, got ${shown}`);
    }
    expectError(() => checkMiniRacerOptions({ maxMemroy: 1 } as object), TypeError, 'unknown option "maxMemroy"');
    expectError(() => checkMiniRacerOptions({ timeout: 5, handle: true } as object), TypeError, 'unknown option "handle"');
    // Only own string keys are options.
    expect(checkMiniRacerOptions(Object.create({ nope: 1 }) as object).maxMemory).toBe(0);
  });

  it("byte options: the type, then each bound, exactly", () => {
    const range = (name: string, min: number): string =>
      `${name} must be a finite number of bytes from ${min} to ${2 ** 50} (1 PiB), got `;
    for (const [name, key, min] of [
      ["maxMemory", "maxMemory", 8 * MiB],
      ["softMemoryLimit", "softMemory", 1],
      ["maxResultBytes", "maxResultBytes", 1024],
    ] as const) {
      expectError(
        () => checkMiniRacerOptions({ [name]: "1" }),
        TypeError,
        `${name} must be a number of bytes, got "1"`,
      );
      expectError(() => checkMiniRacerOptions({ [name]: null }), TypeError, `${name} must be a number of bytes, got null`);
      expectError(() => checkMiniRacerOptions({ [name]: min - 1 }), RangeError, range(name, min) + String(min - 1));
      expectError(() => checkMiniRacerOptions({ [name]: min - 0.5 }), RangeError, range(name, min) + String(min - 0.5));
      expectError(() => checkMiniRacerOptions({ [name]: 2 ** 50 + 1 }), RangeError, range(name, min) + String(2 ** 50 + 1));
      expectError(() => checkMiniRacerOptions({ [name]: Infinity }), RangeError, range(name, min) + "Infinity");
      expectError(() => checkMiniRacerOptions({ [name]: NaN }), RangeError, range(name, min) + "NaN");
      expect(checkMiniRacerOptions({ [name]: min })[key]).toBe(min);
      expect(checkMiniRacerOptions({ [name]: 2 ** 50 })[key]).toBe(2 ** 50);
      // The upper bound applies before flooring.
      expectError(() => checkMiniRacerOptions({ [name]: 2 ** 50 + 0.5 }), RangeError, range(name, min) + "1125899906842624.5");
    }
  });

  it("timeout and onConsole", () => {
    expectError(() => checkMiniRacerOptions({ timeout: 0 }), RangeError, "timeout must be a positive finite number of milliseconds, got 0");
    expectError(() => checkMiniRacerOptions({ onConsole: 5 as never }), TypeError, "onConsole must be a function, got 5");
    expect(checkMiniRacerOptions({ timeout: Number.MAX_VALUE }).timeout).toBe(Number.MAX_VALUE);
  });
});

describe("the per-call checks", () => {
  it("checkTimeout: positive and finite, returned as given", () => {
    const range = "timeout must be a positive finite number of milliseconds, got ";
    expectError(() => checkTimeout("5"), TypeError, 'timeout must be a number of milliseconds, got "5"');
    expectError(() => checkTimeout(5n), TypeError, "timeout must be a number of milliseconds, got 5n");
    for (const [value, shown] of [
      [0, "0"],
      [-0, "-0"],
      [-1, "-1"],
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      [-Infinity, "-Infinity"],
    ] as const) {
      expectError(() => checkTimeout(value), RangeError, range + shown);
    }
    expect(checkTimeout(Number.MIN_VALUE)).toBe(Number.MIN_VALUE);
    expect(checkTimeout(0.5)).toBe(0.5);
    expect(checkTimeout(1e300)).toBe(1e300);
  });

  it("checkCode, checkName, checkConsole", () => {
    expectError(() => checkCode(5), TypeError, "code must be a string, got 5");
    expect(() => checkCode("")).not.toThrow();
    expectError(() => checkName(""), TypeError, 'name must be a non-empty string, got ""');
    expectError(() => checkName(["f"]), TypeError, "name must be a non-empty string, got an array");
    expect(() => checkName("f")).not.toThrow();
    expect(checkConsole(undefined)).toBeUndefined();
    const handler = (): void => {};
    expect(checkConsole(handler)).toBe(handler);
    expectError(() => checkConsole(null), TypeError, "onConsole must be a function, got null");
  });

  it("checkPath: dotted identifiers, anchored at both ends", () => {
    for (const path of ["a", "_", "$", "a1", "$a.b_c", "a.b.c", "A.$0._"]) {
      expect(() => checkPath(path), path).not.toThrow();
    }
    for (const path of ["", "1a", "a.", ".a", "a..b", "a b", " a", "a ", "a-b", "a.1", "a\nb", "a.b\n", "é"]) {
      expectError(() => checkPath(path), TypeError, `name must be a dotted path of identifiers, got ${JSON.stringify(path)}`);
    }
    expectError(() => checkPath(5), TypeError, "name must be a dotted path of identifiers, got 5");
    // Not a string, even one whose string form is a path.
    expectError(() => checkPath(["ab"]), TypeError, "name must be a dotted path of identifiers, got an array");
  });

  it("callLimits: the call's own timeout and cpuTime, else the defaults, in the addon's form", () => {
    expect(callLimits(undefined, 7)).toBe(7);
    expect(callLimits({}, 7)).toBe(7);
    expect(callLimits({ timeout: undefined }, 7)).toBe(7);
    expect(callLimits({ timeout: 3 }, 7)).toBe(3);
    expect(callLimits({ cpuTime: 2 }, 7)).toEqual([7, 2]);
    expect(callLimits({ timeout: 3 }, [7, 2])).toEqual([3, 2]);
    expect(callLimits({ cpuTime: 5 }, [7, 2])).toEqual([7, 5]);
    expect(callLimits({}, [7, 2])).toEqual([7, 2]);
    expectError(() => callLimits(null as never, 7), TypeError, "options must be an object, got null");
    expectError(() => callLimits("x" as never, 7), TypeError, 'options must be an object, got "x"');
    expectError(() => callLimits({ timeout: -1 }, 7), RangeError, "timeout must be a positive finite number of milliseconds, got -1");
    expectError(() => callLimits({ cpuTime: 0 }, 7), RangeError, "cpuTime must be a positive finite number of milliseconds, got 0");
    expectError(() => callLimits({ cpuTime: "1" as never }, 7), TypeError, 'cpuTime must be a number of milliseconds, got "1"');
  });

  it("limitsOf: a plain number without a CPU limit, else the pair", () => {
    expect(limitsOf(0, 0)).toBe(0);
    expect(limitsOf(5, 0)).toBe(5);
    expect(limitsOf(0, 5)).toEqual([0, 5]);
  });

  it("checkCpuTime, checkSnapshotOptions and checkLimitChanges refuse what the constructor refuses", () => {
    expect(checkCpuTime(0.5)).toBe(0.5);
    for (const bad of [0, -1, NaN, Infinity]) {
      expectError(() => checkCpuTime(bad), RangeError, `cpuTime must be a positive finite number of milliseconds, got ${bad}`);
    }
    expect(checkSnapshotOptions(undefined)).toEqual([64 * MiB, 0]);
    expect(checkSnapshotOptions({ maxBytes: 1000.5, timeout: 9 })).toEqual([1000, 9]);
    expectError(() => checkSnapshotOptions({ maxBytes: 2 ** 29 }), RangeError, `maxBytes must be at most ${2 ** 29 - 24} (V8's longest string), got ${2 ** 29}`);
    expectError(() => checkSnapshotOptions({ depth: 1 } as never), TypeError, 'unknown option "depth"');
    expect(checkLimitChanges({})).toEqual({});
    expect(checkLimitChanges({ maxMemory: 8 * MiB, softMemoryLimit: null, timeout: null, cpuTime: 3 })).toEqual({
      maxMemory: 8 * MiB,
      softMemory: 0,
      timeout: 0,
      cpuTime: 3,
    });
    expectError(() => checkLimitChanges({ maxMemory: 8 * MiB - 1 }), RangeError, `maxMemory must be a finite number of bytes from ${8 * MiB} to ${2 ** 50} (1 PiB), got ${8 * MiB - 1}`);
    expectError(() => checkLimitChanges({ maxMemory: null as never }), TypeError, "maxMemory must be a number of bytes, got null");
    expectError(() => checkLimitChanges({ cpuTime: NaN }), RangeError, "cpuTime must be a positive finite number of milliseconds, got NaN");
    expectError(() => checkLimitChanges({ heap: 1 } as never), TypeError, 'unknown limit "heap"');
    expectError(() => checkLimitChanges(null as never), TypeError, "limits must be an object, got null");
  });

  it("resultFlags: handles only for handle === true", () => {
    expect(resultFlags(undefined)).toBe(0);
    expect(resultFlags({})).toBe(0);
    expect(resultFlags({ handle: false })).toBe(0);
    expect(resultFlags({ handle: 1 as never })).toBe(0);
    expect(resultFlags({ handle: true })).toBe(2);
  });

  it("callSignal: an AbortSignal, or anything shaped like one", () => {
    expect(callSignal(undefined)).toBeUndefined();
    expect(callSignal({})).toBeUndefined();
    expect(callSignal({ signal: undefined })).toBeUndefined();
    const signal = new AbortController().signal;
    expect(callSignal({ signal })).toBe(signal);
    const duck = { aborted: false, addEventListener() {} } as unknown as AbortSignal;
    expect(callSignal({ signal: duck })).toBe(duck);
    expectError(() => callSignal(null as never), TypeError, "options must be an object, got null");
    expectError(() => callSignal(5 as never), TypeError, "options must be an object, got 5");
    for (const [bad, shown] of [
      [null, "null"],
      ["s", '"s"'],
      [() => 1, "a function"],
      [{ aborted: "no", addEventListener() {} }, "an object"],
      [{ aborted: false }, "an object"],
      [{ aborted: false, addEventListener: 1 }, "an object"],
      [{ addEventListener() {} }, "an object"],
      // Shaped like one, but a function.
      [Object.assign(() => {}, { aborted: false, addEventListener() {} }), "a function"],
    ] as const) {
      expectError(() => callSignal({ signal: bad as never }), TypeError, `signal must be an AbortSignal, got ${shown}`);
    }
  });
});
