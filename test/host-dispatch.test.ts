// Host-function dispatch (src/internal/host_dispatch.ts) with a stand-in
// for the native sandbox, which receives the dispatcher: what each host
// function's result, failure or promise becomes on the wire, the console
// (function 0), unknown ids, and calls abandoned by an abort. Written to kill
// StrykerJS's mutants of the file (npm run mutants; see test/README.md);
// test/host.test.ts checks the same through real host functions.
import { describe, expect, it } from "vitest";
import { JSEvalError } from "../src/errors.js";
import type { NativeSandbox, WireValue } from "../src/internal/addon.js";
import { ConsoleRouter } from "../src/internal/console_router.js";
import type { HandleOwner } from "../src/internal/handle_state.js";
import { valueToWire } from "../src/internal/handle_wire.js";
import { HostDispatcher } from "../src/internal/host_dispatch.js";
import { PendingCalls } from "../src/internal/pending_calls.js";
import { fromWire } from "../src/internal/value_codec.js";

type Dispatch = (callId: number, functionId: number, ...args: WireValue[]) => unknown;

function setup(fallback?: (level: string, args: unknown[]) => void) {
  const owner = {
    closed: false,
    op: () => undefined,
    toWire: (value: unknown) => valueToWire(owner, value),
    invoke: () => undefined,
    call: () => undefined,
    invokeAsync: () => Promise.resolve(undefined),
    release: () => {},
  } as HandleOwner;
  const calls = new PendingCalls();
  const settled: unknown[][] = [];
  let dispatch: Dispatch | undefined;
  const log = { setHost: 0, setConsole: [] as boolean[] };
  const sandbox = {
    setHost: (fn: Dispatch) => {
      log.setHost++;
      dispatch = fn;
    },
    setConsole: (enabled: boolean) => log.setConsole.push(enabled),
    nestCall: () => {},
    cancelCall: () => {},
  } as unknown as NativeSandbox;
  const host = new HostDispatcher(owner, calls, new ConsoleRouter(fallback), (id, ok, value) =>
    settled.push([id, ok, value]),
  );
  const run = (callId: number, functionId: number, ...args: WireValue[]): unknown =>
    (dispatch as Dispatch)(callId, functionId, ...args);
  return { host, sandbox, calls, settled, log, run };
}

/** What a dispatch throws (plain {name, message} data, never an Error). */
function thrown(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    expect(error).not.toBeInstanceOf(Error);
    return error;
  }
  throw new Error("expected a throw");
}

const wire = (value: unknown): WireValue => valueToWire({} as HandleOwner, value);

describe("HostDispatcher", () => {
  it("installs itself once; ids count from 1; the console is enabled once", () => {
    const { host, sandbox, log } = setup();
    host.install(sandbox);
    host.install(sandbox);
    expect(log.setHost).toBe(1);
    expect(host.add(() => 1)).toBe(1);
    expect(host.add(() => 2)).toBe(2);
    host.enableConsole(sandbox);
    host.enableConsole(sandbox);
    expect(log.setConsole).toEqual([true]);
    expect(log.setHost).toBe(1);
    const other = setup();
    other.host.enableConsole(other.sandbox);
    expect(other.log.setHost).toBe(1);
    expect(other.log.setConsole).toEqual([true]);
  });

  it("arguments are decoded, the result encoded; unknown ids are a TypeError in the sandbox", () => {
    const { host, sandbox, run } = setup();
    host.install(sandbox);
    const seen: unknown[][] = [];
    host.add((...args: unknown[]) => {
      seen.push(args);
      return { sum: (args[0] as number) + (args[1] as { n: number }).n };
    });
    expect(fromWire(run(0, 1, 2, wire({ n: 3 }), "s", null) as WireValue)).toEqual({ sum: 5 });
    expect(seen).toEqual([[2, { n: 3 }, "s", null]]);
    expect(run(0, 1, 1, wire({ n: 1 })) instanceof Uint8Array).toBe(true);
    expect(thrown(() => run(0, 2))).toEqual({ name: "TypeError", message: "no such host function" });
    expect(thrown(() => run(0, -1))).toEqual({ name: "TypeError", message: "no such host function" });
  });

  it("a failure becomes {name, message}: of the Error, of the sandbox error it carries, or of a thrown value", () => {
    const { host, sandbox, run } = setup();
    host.install(sandbox);
    const failures: unknown[] = [
      new RangeError("far"),
      Object.assign(new Error("m"), { name: "Custom" }),
      new JSEvalError("TypeError", "from the sandbox", "stack"),
      new JSEvalError("", "nameless", ""),
      "a string",
      42,
      {
        get name(): string {
          throw new Error("getter");
        },
        toString(): string {
          throw new Error("no string either");
        },
      },
    ];
    for (const failure of failures) {
      host.add(() => {
        throw failure;
      });
    }
    const results = failures.map((_, i) => thrown(() => run(0, i + 1)));
    expect(results).toEqual([
      { name: "RangeError", message: "far" },
      { name: "Custom", message: "m" },
      { name: "TypeError", message: "from the sandbox" },
      { name: "Error", message: "nameless" },
      { name: "Error", message: "a string" },
      { name: "Error", message: "42" },
      { name: "Error", message: "the host function threw" },
    ]);
    // A result that cannot be copied fails the same way.
    host.add(() => () => 1);
    expect(thrown(() => run(0, failures.length + 1))).toEqual({
      name: "ValueTransferError",
      message: "a function cannot be passed into the sandbox",
    });
  });

  it("a thenable is settled later, by promise id (from 1): its value, its failure, or a value that cannot cross", async () => {
    const { host, sandbox, run, settled } = setup();
    host.install(sandbox);
    host.add(() => Promise.resolve({ ok: 1 }));
    host.add(() => Promise.reject(new TypeError("later")));
    host.add(() => Promise.resolve(Symbol("s")));
    host.add(() => ({ then: (resolve: (v: unknown) => void) => resolve("thenable") }));
    host.add(() => ({ then: 5 }));
    expect(run(0, 1)).toEqual({ promise: 1 });
    expect(run(0, 2)).toEqual({ promise: 2 });
    expect(run(0, 3)).toEqual({ promise: 3 });
    expect(run(0, 4)).toEqual({ promise: 4 });
    // `then` that is not a function: a plain object.
    expect(fromWire(run(0, 5) as WireValue)).toEqual({ then: 5 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    settled.sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(settled.map(([id, ok]) => [id, ok])).toEqual([
      [1, true],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(fromWire(settled[0]![2] as WireValue)).toEqual({ ok: 1 });
    expect(settled[1]![2]).toEqual(["TypeError", "later"]);
    expect(settled[2]![2]).toEqual(["ValueTransferError", "a symbol cannot be passed into the sandbox"]);
    expect(settled[3]![2]).toBe("thenable");
    // A function returning a function: not a thenable.
    host.add(() => Object.assign(() => 1, { then: () => {} }));
    expect(run(0, 6)).toEqual({ promise: 5 });
  });

  it("console (function 0): to the router, the async call's handler first; nothing for an abandoned call", async () => {
    const logged: unknown[][] = [];
    const { host, sandbox, calls, run } = setup((level, args) => logged.push(["fallback", level, args]));
    host.install(sandbox);
    let ran = 0;
    host.add(() => ++ran);
    expect(run(0, 0, "log", wire({ a: 1 }), 2)).toBeUndefined();
    const controller = new AbortController();
    const pending = calls.track(sandbox, 9, {
      decode: (value) => value,
      onConsole: (level, args) => logged.push(["async", level, args]),
      owner: {},
      signal: controller.signal,
    });
    run(9, 0, "warn", "w");
    expect(run(9, 1)).toBe(1);
    controller.abort();
    await pending.catch(() => {});
    expect(run(9, 0, "error", "after")).toBeUndefined();
    expect(thrown(() => run(9, 1))).toEqual({ name: "AbortError", message: "the call was aborted" });
    expect(ran).toBe(1);
    expect(logged).toEqual([
      ["fallback", "log", [{ a: 1 }, 2]],
      ["async", "warn", ["w"]],
    ]);
  });

  it("a host function of a pending async call runs as that call's (calls it makes nest in it)", () => {
    const { host, sandbox, calls, run } = setup();
    host.install(sandbox);
    const during: number[] = [];
    host.add(() => during.push(calls.hostFunctionOf));
    void calls.track(sandbox, 4, { decode: (v) => v, onConsole: undefined, owner: {}, signal: undefined });
    run(4, 1);
    run(0, 1);
    run(77, 1); // not a pending call
    expect(during).toEqual([4, 0, 0]);
  });
});
