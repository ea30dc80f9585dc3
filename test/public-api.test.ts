// Small behaviours of the public classes (src/mini_racer.ts, src/handles.ts)
// that the broader tests pass through without pinning: exact messages of
// misuse, the `released` getter off a handle, `using` on a handle, the
// console handler of a call made from inside another, and what a pending
// async call rejects with on close(). Written to kill StrykerJS's mutants
// (npm run mutants; see test/README.md).
import { describe, expect, it } from "vitest";
import { ContextClosedError, JSFunctionHandle, JSObjectHandle, JSSymbolHandle, MiniRacer } from "../src/index.js";
import { caught } from "./helpers.js";

function expectError(body: () => unknown, kind: new (...args: never[]) => Error, message: string): void {
  const error = caught(body);
  expect(error).toBeInstanceOf(kind);
  expect((error as Error).message).toBe(message);
}

describe("messages of misuse", () => {
  it("expose, apply, invoke, and handle keys and options", () => {
    using mr = new MiniRacer();
    mr.execute("function id(x) { return x }");
    expectError(() => mr.expose("f", 5 as never), TypeError, "fn must be a function, got 5");
    expectError(() => mr.apply("id", "ab" as never), TypeError, 'args must be an array, got "ab"');
    const fn = mr.eval("(a) => a") as JSFunctionHandle;
    expectError(() => fn.invoke({ length: 0 } as never), TypeError, "args must be an array, got an object");
    const object = mr.eval("({ a: 1 })", { handle: true }) as JSObjectHandle;
    expectError(() => object.get({} as never), TypeError, "a key must be a string, a number or a JSSymbolHandle");
    expectError(() => object.get("a", 5 as never), TypeError, "options must be an object");
    expectError(() => object.has("a", null as never), TypeError, "options must be an object");
    expect(object.get("a", {})).toBe(1);
    expectError(
      () => new (JSFunctionHandle as unknown as new () => unknown)(),
      TypeError,
      "function handles come from a MiniRacer",
    );
  });
});

describe("handles", () => {
  it("`released` read off something that is not a handle is true", () => {
    for (const cls of [JSObjectHandle, JSSymbolHandle, JSFunctionHandle]) {
      expect(Reflect.get(cls.prototype, "released", {}), cls.name).toBe(true);
    }
  });

  it("`using` releases an object handle at the end of its scope", () => {
    using mr = new MiniRacer();
    let kept: JSObjectHandle | undefined;
    {
      using handle = mr.eval("({})", { handle: true }) as JSObjectHandle;
      kept = handle;
      expect(handle.released).toBe(false);
    }
    expect(kept.released).toBe(true);
    expect(mr.handleCount()).toBe(0);
  });
});

describe("console routing through real calls", () => {
  it("a function handle called from a host function during a call with its own onConsole: the MiniRacer's handler", () => {
    const log: string[] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => log.push(`fallback ${String(args[0])}`) });
    const inner = mr.eval("() => console.log('inner')") as () => unknown;
    mr.expose("callInner", () => inner());
    mr.eval("console.log('outer'); callInner()", { onConsole: (_level, args) => log.push(`outer ${String(args[0])}`) });
    expect(log).toEqual(["outer outer", "fallback inner"]);
  });

  it("an async call's own onConsole works on a MiniRacer without one", async () => {
    using mr = new MiniRacer();
    const log: unknown[] = [];
    await mr.evalAsync("console.info('async', 1)", { onConsole: (level, args) => log.push([level, ...args]) });
    expect(log).toEqual([["info", "async", 1]]);
  });
});

it("close() rejects a pending async call with ContextClosedError saying so", async () => {
  const mr = new MiniRacer();
  const pending = mr.evalAsync("new Promise(() => {})");
  mr.close();
  const error = await pending.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContextClosedError);
  expect((error as Error).message).toBe("the MiniRacer was closed before the call finished");
});
