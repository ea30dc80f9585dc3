// A handle's inside (src/internal/handle_state.ts and makeHandle in
// src/internal/handle_wire.ts) with a stand-in for its MiniRacer: which
// error each misuse gets, in which order the checks run, when the sandbox is
// told to release, and one handle object per id. Written to kill StrykerJS's
// mutants of those files (npm run mutants; see test/README.md);
// test/handles.test.ts checks the same through real handles.
import { describe, expect, it } from "vitest";
import { ContextClosedError, HandleReleasedError, ValueTransferError } from "../src/errors.js";
import { JSArrayHandle, JSFunctionHandle, JSObjectHandle, JSSymbolHandle } from "../src/handles.js";
import {
  existingHandle,
  handleToWire,
  isHandle,
  live,
  releaseHandle,
  stateOf,
  type HandleOwner,
} from "../src/internal/handle_state.js";
import { makeHandle, valueFromWire, valueToWire } from "../src/internal/handle_wire.js";
import { caught } from "./helpers.js";

/** A MiniRacer stand-in that records the ids it is told to release. */
function fakeOwner(): HandleOwner & { released: number[]; closed: boolean; calls: unknown[][] } {
  const owner = {
    closed: false,
    released: [] as number[],
    calls: [] as unknown[][],
    op: () => [],
    toWire: (value: unknown) => valueToWire(owner, value),
    invoke: () => undefined,
    call: (id: number, args: unknown[]) => {
      owner.calls.push([id, ...args]);
      return "called";
    },
    invokeAsync: () => Promise.resolve(undefined),
    release: (id: number) => {
      owner.released.push(id);
    },
  };
  return owner;
}

const FUNCTION = 7;
const OBJECT = 8;
const ARRAY = 9;
const SYMBOL = 10;

function expectError(body: () => unknown, kind: new (...args: never[]) => Error, message: string): void {
  const error = caught(body);
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
}

describe("handle state", () => {
  it("each kind gets its class; a function handle calls its owner with the arguments", () => {
    const owner = fakeOwner();
    const object = makeHandle(owner, OBJECT, 1) as object;
    const array = makeHandle(owner, ARRAY, 2) as object;
    const symbol = makeHandle(owner, SYMBOL, 3) as object;
    const fn = makeHandle(owner, FUNCTION, 4) as (...args: unknown[]) => unknown;
    expect(object).toBeInstanceOf(JSObjectHandle);
    expect(object).not.toBeInstanceOf(JSArrayHandle);
    expect(array).toBeInstanceOf(JSArrayHandle);
    expect(symbol).toBeInstanceOf(JSSymbolHandle);
    expect(symbol).not.toBeInstanceOf(JSObjectHandle);
    expect(fn).toBeInstanceOf(JSFunctionHandle);
    for (const handle of [object, array, symbol, fn]) {
      expect(Object.isFrozen(handle)).toBe(true);
      expect(isHandle(handle)).toBe(true);
    }
    expect(fn(1, "two")).toBe("called");
    expect(owner.calls).toEqual([[4, 1, "two"]]);
    expect(stateOf(array)).toMatchObject({ owner, id: 2, type: ARRAY, released: false });
    expect(handleToWire(owner, array)).toEqual([ARRAY, 2]);
    expect(valueToWire(owner, symbol)).toEqual([SYMBOL, 3]);
    expect(valueFromWire(owner, [OBJECT, 1])).toBe(object);
    expect(isHandle({})).toBe(false);
    expect(stateOf({})).toBeUndefined();
  });

  it("one handle object per id while it is unreleased; a second delivery gives its reference back", () => {
    const owner = fakeOwner();
    const first = makeHandle(owner, OBJECT, 5) as object;
    expect(existingHandle(owner, 5)).toBe(first);
    expect(existingHandle(owner, 6)).toBeUndefined();
    expect(existingHandle(fakeOwner(), 5)).toBeUndefined();
    expect(makeHandle(owner, OBJECT, 5)).toBe(first);
    expect(owner.released).toEqual([5]);
    releaseHandle(first);
    expect(owner.released).toEqual([5, 5]);
    expect(existingHandle(owner, 5)).toBeUndefined();
    const second = makeHandle(owner, OBJECT, 5);
    expect(second === first).toBe(false); // (not.toBe would iterate the released handle to show it)
    expect(owner.released).toEqual([5, 5]);
  });

  it("live(): not a handle, then closed, then released; release is idempotent and silent once closed", () => {
    const owner = fakeOwner();
    const handle = makeHandle(owner, OBJECT, 1) as object;
    expect(live(handle)).toBe(stateOf(handle));
    expectError(() => live({}), TypeError, "not a mini-racer handle");
    releaseHandle(handle);
    expect(stateOf(handle)?.released).toBe(true);
    expectError(() => live(handle), HandleReleasedError, "the handle has been released");
    releaseHandle(handle);
    releaseHandle({});
    expect(owner.released).toEqual([1]);
    owner.closed = true;
    // Closed wins over released.
    expectError(() => live(handle), ContextClosedError, "this MiniRacer is closed");
    const other = makeHandle(fakeOwner(), OBJECT, 2) as object;
    const closedOwner = stateOf(other)!.owner as ReturnType<typeof fakeOwner>;
    closedOwner.closed = true;
    releaseHandle(other);
    expect(stateOf(other)?.released).toBe(true);
    expect(closedOwner.released).toEqual([]);
  });

  it("a released function handle refuses calls; handles cross only to their own MiniRacer", () => {
    const owner = fakeOwner();
    const fn = makeHandle(owner, FUNCTION, 3) as () => unknown;
    releaseHandle(fn);
    expectError(() => fn(), HandleReleasedError, "the handle has been released");
    expect(owner.calls).toEqual([]);
    expectError(() => handleToWire(owner, fn), HandleReleasedError, "the handle has been released");
    const object = makeHandle(owner, OBJECT, 4) as object;
    expectError(
      () => handleToWire(fakeOwner(), object),
      ValueTransferError,
      "a handle of another MiniRacer cannot be passed in",
    );
    expect(handleToWire(owner, {})).toBeUndefined();
  });
});
