// The table of async calls in flight (src/internal/pending_calls.ts), with a
// stand-in for the native sandbox: how each outcome settles a call's
// promise, aborts, nesting of calls made from host functions, and what is
// abandoned. Written to kill StrykerJS's mutants of the file (npm run
// mutants; see test/README.md); test/async.test.ts and
// test/security/time-escapes.test.ts check the same through real calls.
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { AbortError } from "../src/errors.js";
import type { NativeSandbox } from "../src/internal/addon.js";
import { PendingCalls, type CallSettings } from "../src/internal/pending_calls.js";

/** A sandbox that records the calls it is asked to nest or cancel. */
function fakeSandbox(): { sandbox: NativeSandbox; nested: Array<[number, number]>; cancelled: number[] } {
  const nested: Array<[number, number]> = [];
  const cancelled: number[] = [];
  const sandbox = {
    nestCall: (id: number, parent: number) => nested.push([id, parent]),
    cancelCall: (id: number) => cancelled.push(id),
  } as unknown as NativeSandbox;
  return { sandbox, nested, cancelled };
}

const settings = (signal?: AbortSignal): CallSettings => ({
  decode: (value) => ({ decoded: value }),
  onConsole: undefined,
  owner: {},
  signal,
});

/** How a promise settled, without waiting for more than the microtasks already queued. */
async function outcome(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ rejected: error }),
  );
}

describe("PendingCalls", () => {
  it("complete: a value is decoded and resolves; a failure, or a failing decode, rejects", async () => {
    const calls = new PendingCalls();
    const { sandbox, nested } = fakeSandbox();
    const ok = calls.track(sandbox, 1, settings());
    const failed = calls.track(sandbox, 2, settings());
    const undecodable = calls.track(sandbox, 3, { ...settings(), decode: () => { throw new RangeError("bad bytes"); } });
    expect(calls.size).toBe(3);
    expect(calls.get(2)?.owner).toEqual({});
    calls.complete(1, true, "v");
    const error = new Error("failed");
    calls.complete(2, false, error);
    calls.complete(3, true, "x");
    expect(await outcome(ok)).toEqual({ resolved: { decoded: "v" } });
    expect(await outcome(failed)).toEqual({ rejected: error });
    expect(((await outcome(undecodable)) as { rejected: Error }).rejected).toBeInstanceOf(RangeError);
    expect(calls.size).toBe(0);
    expect(calls.get(1)).toBeUndefined();
    expect(nested).toEqual([]);
    // An outcome for a call no longer tracked changes nothing.
    expect(() => calls.complete(1, true, "again")).not.toThrow();
  });

  it("a signal's abort cancels the call in the sandbox and rejects with AbortError carrying the reason", async () => {
    const calls = new PendingCalls();
    const { sandbox, cancelled } = fakeSandbox();
    const controller = new AbortController();
    const call = calls.track(sandbox, 7, settings(controller.signal));
    controller.abort("enough");
    const result = (await outcome(call)) as { rejected: AbortError };
    expect(result.rejected).toBeInstanceOf(AbortError);
    expect(result.rejected.cause).toBe("enough");
    expect(cancelled).toEqual([7]);
    expect(calls.size).toBe(0);
    // Its script may still be unwinding: abandoned until the sandbox reports the end.
    expect(calls.isAbandoned(7)).toBe(true);
    calls.complete(7, false, new Error("terminated"));
    expect(calls.isAbandoned(7)).toBe(false);
  });

  it("a call that ended stops listening to its signal", async () => {
    const calls = new PendingCalls();
    const { sandbox, cancelled } = fakeSandbox();
    const controller = new AbortController();
    const call = calls.track(sandbox, 4, settings(controller.signal));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    calls.complete(4, true, 1);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    controller.abort();
    expect(await outcome(call)).toEqual({ resolved: { decoded: 1 } });
    expect(cancelled).toEqual([]);
    expect(calls.isAbandoned(4)).toBe(false);
  });

  it("a call made while a host function of another runs is nested in it; aborting the outer abandons both", async () => {
    const calls = new PendingCalls();
    const { sandbox, nested, cancelled } = fakeSandbox();
    const controller = new AbortController();
    const outer = calls.track(sandbox, 10, settings(controller.signal));
    expect(calls.hostFunctionOf).toBe(0);
    let inner: Promise<unknown> | undefined;
    const returned = calls.runHostFunction(10, () => {
      expect(calls.hostFunctionOf).toBe(10);
      inner = calls.track(sandbox, 11, settings());
      // Nested deeper: a host function of the inner call.
      calls.runHostFunction(11, () => calls.track(sandbox, 12, settings()));
      expect(calls.hostFunctionOf).toBe(10);
      return "host result";
    });
    expect(returned).toBe("host result");
    expect(calls.hostFunctionOf).toBe(0);
    expect(() =>
      calls.runHostFunction(10, () => {
        throw new Error("host function failed");
      }),
    ).toThrow("host function failed");
    expect(calls.hostFunctionOf).toBe(0);
    expect(nested).toEqual([
      [11, 10],
      [12, 11],
    ]);
    expect(calls.isAbandoned(11)).toBe(false);
    controller.abort();
    expect(((await outcome(outer)) as { rejected: unknown }).rejected).toBeInstanceOf(AbortError);
    expect(cancelled).toEqual([10]);
    expect(calls.isAbandoned(10)).toBe(true);
    expect(calls.isAbandoned(11)).toBe(true);
    expect(calls.isAbandoned(12)).toBe(true);
    expect(calls.isAbandoned(13)).toBe(false);
    // The inner call ends: it no longer counts as nested in the outer one.
    calls.complete(11, true, 0);
    expect(await outcome(inner as Promise<unknown>)).toEqual({ resolved: { decoded: 0 } });
    expect(calls.isAbandoned(11)).toBe(false);
  });

  it("rejectAll rejects every call in flight with a new error each; abandon of an unknown call is nothing", async () => {
    const calls = new PendingCalls();
    const { sandbox } = fakeSandbox();
    const controller = new AbortController();
    const promises = [calls.track(sandbox, 1, settings(controller.signal)), calls.track(sandbox, 2, settings())];
    let made = 0;
    calls.rejectAll(() => new Error(`closed ${++made}`));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const results = (await Promise.all(promises.map(outcome))) as Array<{ rejected: Error }>;
    expect(results.map((r) => r.rejected.message)).toEqual(["closed 1", "closed 2"]);
    expect(calls.size).toBe(0);
    expect(calls.abandon(3)).toBeUndefined();
    expect(calls.isAbandoned(3)).toBe(false);
    // Rejected calls are not abandoned: their signal no longer aborts them.
    controller.abort();
    expect(calls.isAbandoned(1)).toBe(false);
  });
});
