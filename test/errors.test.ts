// The error classes' messages, and the mapping from a native failure (a C
// API failure kind with name, message and stack) to them in
// src/internal/native_errors.ts, called directly. Written to kill
// StrykerJS's mutants of those files (npm run mutants; see test/README.md);
// the codes and classes of real failures are in test/eval.test.ts.
import { describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  ErrorCodes,
  HandleReleasedError,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacerError,
  NativeBuildError,
  ValueTransferError,
} from "../src/errors.js";
import { errorFromNative } from "../src/internal/native_errors.js";
import { C_NAMES } from "../src/internal/wire_constants.js";

const kind = C_NAMES;

describe("error messages", () => {
  it("defaults of the classes that have one", () => {
    expect(new JSTimeoutError().message).toBe("the call exceeded its time limit");
    expect(new JSTimeoutError().jsStack).toBe("");
    expect(new JSOOMError().message).toBe("the sandbox reached its memory cap");
    expect(new JSCancelledError().message).toBe("the call was cancelled");
    expect(new AbortError().message).toBe("the call was aborted");
    expect(new ContextClosedError().message).toBe("this MiniRacer is closed");
    expect(new HandleReleasedError().message).toBe("the handle has been released");
    expect(new MiniRacerError("m").code).toBe(ErrorCodes.internal);
  });

  it("JSEvalError: 'name: message', or the message alone for a nameless throw", () => {
    const named = new JSEvalError("TypeError", "bad", "stack here");
    expect(named.message).toBe("TypeError: bad");
    expect([named.jsName, named.jsMessage, named.jsStack]).toEqual(["TypeError", "bad", "stack here"]);
    const nameless = new JSEvalError("", "42", "");
    expect(nameless.message).toBe("42");
    expect(nameless.jsName).toBe("");
    expect(new JSParseError("SyntaxError", "x", "s").message).toBe("SyntaxError: x");
    expect(new JSPromiseError("", "why", "s").message).toBe("why");
  });

  it("ValueTransferError and NativeBuildError keep a cause", () => {
    const cause = new Error("detail");
    expect(new ValueTransferError("m", { cause }).cause).toBe(cause);
    expect(new NativeBuildError("m", { cause }).cause).toBe(cause);
    expect(new AbortError("why").cause).toBe("why");
  });
});

describe("errorFromNative: each failure kind to its class", () => {
  /** The error made for a failure, as [class, code, message]. */
  const made = (failure: number, name: string, message: string, stack = "s"): [string, unknown, string] => {
    const error = errorFromNative(failure, name, message, stack);
    return [error.constructor.name, (error as MiniRacerError).code, error.message];
  };

  it("script failures carry the sandbox's name, message and stack", () => {
    for (const [failure, cls] of [
      [kind.MR_ERROR_EXCEPTION, JSEvalError],
      [kind.MR_ERROR_PROMISE_REJECTED, JSPromiseError],
      [kind.MR_ERROR_PARSE, JSParseError],
    ] as const) {
      const error = errorFromNative(failure, "RangeError", "too far", "at <eval>:1:1") as JSEvalError;
      expect(error.constructor).toBe(cls);
      expect([error.jsName, error.jsMessage, error.jsStack, error.message]).toEqual([
        "RangeError",
        "too far",
        "at <eval>:1:1",
        "RangeError: too far",
      ]);
    }
  });

  it("limits and states: their message, or the class's default when it is empty", () => {
    const timeout = errorFromNative(kind.MR_ERROR_TIMEOUT, "", "late", "at f (<eval>:1:5)") as JSTimeoutError;
    expect(timeout).toBeInstanceOf(JSTimeoutError);
    expect([timeout.message, timeout.jsStack]).toEqual(["late", "at f (<eval>:1:5)"]);
    expect(made(kind.MR_ERROR_TIMEOUT, "", "")).toEqual(["JSTimeoutError", "ERR_MINI_RACER_TIMEOUT", "the call exceeded its time limit"]);
    expect(made(kind.MR_ERROR_OUT_OF_MEMORY, "", "full")).toEqual(["JSOOMError", "ERR_MINI_RACER_OOM", "full"]);
    expect(made(kind.MR_ERROR_OUT_OF_MEMORY, "", "")).toEqual(["JSOOMError", "ERR_MINI_RACER_OOM", "the sandbox reached its memory cap"]);
    expect(made(kind.MR_ERROR_CANCELLED, "", "stop")).toEqual(["JSCancelledError", "ERR_MINI_RACER_CANCELLED", "stop"]);
    expect(made(kind.MR_ERROR_CANCELLED, "", "")).toEqual(["JSCancelledError", "ERR_MINI_RACER_CANCELLED", "the call was cancelled"]);
    expect(made(kind.MR_ERROR_CLOSED, "", "gone")).toEqual(["ContextClosedError", "ERR_MINI_RACER_CLOSED", "gone"]);
    expect(made(kind.MR_ERROR_CLOSED, "", "")).toEqual(["ContextClosedError", "ERR_MINI_RACER_CLOSED", "this MiniRacer is closed"]);
  });

  it("values, bad arguments, unsafe flags, internal and unknown kinds", () => {
    expect(made(kind.MR_ERROR_VALUE, "DataCloneError", "no")).toEqual(["ValueTransferError", "ERR_MINI_RACER_VALUE_TRANSFER", "DataCloneError: no"]);
    expect(made(kind.MR_ERROR_VALUE, "", "no")).toEqual(["ValueTransferError", "ERR_MINI_RACER_VALUE_TRANSFER", "no"]);
    const invalid = errorFromNative(kind.MR_ERROR_INVALID_ARGUMENT, "x", "bad argument", "s");
    expect(Object.getPrototypeOf(invalid)).toBe(TypeError.prototype);
    expect(invalid.message).toBe("bad argument");
    expect(made(kind.MR_ERROR_UNSAFE_FLAGS, "n", "flags")).toEqual(["MiniRacerError", "ERR_MINI_RACER_UNSAFE_HOST_FLAGS", "flags"]);
    expect(made(kind.MR_ERROR_INTERNAL, "Bug", "oops")).toEqual(["MiniRacerError", "ERR_MINI_RACER_INTERNAL", "Bug: oops"]);
    expect(made(kind.MR_ERROR_INTERNAL, "", "oops")).toEqual(["MiniRacerError", "ERR_MINI_RACER_INTERNAL", "oops"]);
    expect(made(999, "", "unknown kind")).toEqual(["MiniRacerError", "ERR_MINI_RACER_INTERNAL", "unknown kind"]);
  });
});
