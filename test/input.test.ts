import { describe, expect, it } from "vitest";
import { ContextClosedError, MiniRacer, ValueTransferError } from "../src/index.js";

describe("bad host input gets typed errors", () => {
  it("rejects bad constructor options", () => {
    expect(() => new MiniRacer({ maxMemory: "big" as unknown as number })).toThrow(TypeError);
    expect(() => new MiniRacer({ maxMemory: NaN })).toThrow(RangeError);
    expect(() => new MiniRacer({ maxMemory: -1 })).toThrow(RangeError);
    expect(() => new MiniRacer({ maxMemory: Infinity })).toThrow(RangeError);
    expect(() => new MiniRacer({ maxMemory: 1024 })).toThrow(RangeError);
    expect(() => new MiniRacer({ timeout: -1 })).toThrow(RangeError);
    expect(() => new MiniRacer({ timeout: NaN })).toThrow(RangeError);
    expect(() => new MiniRacer({ timeout: Infinity })).toThrow(RangeError);
    expect(() => new MiniRacer({ timeout: 0 })).toThrow(RangeError);
    expect(() => new MiniRacer({ timeout: "1" as unknown as number })).toThrow(TypeError);
    expect(() => new MiniRacer({ softMemoryLimit: -5 })).toThrow(RangeError);
    expect(() => new MiniRacer({ maxMemroy: 1 } as unknown as object)).toThrow(/unknown option/);
    expect(() => new MiniRacer(null as unknown as object)).toThrow(TypeError);
  });

  it("rejects bad eval and call arguments", () => {
    using mr = new MiniRacer();
    for (const code of [undefined, null, 1, {}, ["1"], Symbol("x"), () => "1"]) {
      expect(() => mr.eval(code as unknown as string)).toThrow(TypeError);
      expect(() => mr.execute(code as unknown as string)).toThrow(TypeError);
    }
    for (const timeout of [-1, NaN, Infinity, 0]) {
      expect(() => mr.eval("1", { timeout })).toThrow(RangeError);
    }
    expect(() => mr.eval("1", { timeout: "5" as unknown as number })).toThrow(TypeError);
    expect(() => mr.eval("1", 5 as unknown as object)).toThrow(TypeError);
    expect(() => mr.call(1 as unknown as string)).toThrow(TypeError);
    expect(() => mr.call("")).toThrow(TypeError);
    expect(() => mr.apply("f", "x" as unknown as unknown[])).toThrow(TypeError);
    expect(() => mr.call("JSON.stringify", new WeakMap())).toThrow(ValueTransferError);
    expect(mr.eval("'still fine'")).toBe("still fine");
  });

  it("handles NUL bytes, lone surrogates and large code", () => {
    using mr = new MiniRacer();
    expect(mr.eval("'a\0b'.length")).toBe(3);
    expect(mr.eval("'\ud800'.length")).toBe(1);
    expect(mr.eval("1 // \udc00")).toBe(1);
    const big = `var s = 0;\n${"s++;\n".repeat(200_000)}s`;
    expect(mr.eval(big)).toBe(200_000);
  });

  it("every method throws ContextClosedError after close", () => {
    const mr = new MiniRacer();
    mr.close();
    expect(() => mr.eval("1")).toThrow(ContextClosedError);
    expect(() => mr.execute("1")).toThrow(ContextClosedError);
    expect(() => mr.call("f")).toThrow(ContextClosedError);
    expect(() => mr.apply("f", [])).toThrow(ContextClosedError);
    expect(() => mr.heapStats()).toThrow(ContextClosedError);
    expect(() => mr.lowMemoryNotification()).toThrow(ContextClosedError);
    // Closed-ness is checked before the arguments.
    expect(() => mr.eval(42 as unknown as string)).toThrow(ContextClosedError);
  });
});
