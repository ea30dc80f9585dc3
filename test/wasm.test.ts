import { describe, expect, it } from "vitest";
import { JSEvalError, JSOOMError, MiniRacer } from "../src/index.js";

const MB = 1024 * 1024;
// (module (memory (export "m") 1 2))
const moduleWithMemory = "[0,97,115,109,1,0,0,0,5,4,1,1,1,2,7,5,1,1,109,2,0]";
// (module (memory 1)): its own memory, no maximum
const moduleWithoutMaximum = "[0,97,115,109,1,0,0,0,5,3,1,0,1]";
// (module (memory 1 65536)): a maximum of 4 GiB
const moduleWithHugeMaximum = "[0,97,115,109,1,0,0,0,5,6,1,1,1,128,128,4]";

describe("WebAssembly under a memory cap", () => {
  it("runs modules and memories that fit", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(mr.eval("new WebAssembly.Memory({ initial: 10 }).buffer.byteLength")).toBe(10 * 65536);
    expect(mr.eval("const m = new WebAssembly.Memory({ initial: 1, maximum: 100 }); m.grow(10); m.buffer.byteLength")).toBe(
      11 * 65536,
    );
    expect(
      mr.eval(`new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${moduleWithMemory}))).exports.m.buffer.byteLength`),
    ).toBe(65536);
    expect(mr.eval(`WebAssembly.validate(new Uint8Array(${moduleWithMemory}))`)).toBe(true);
  });

  it("charges a memory its maximum and refuses what does not fit", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(() => mr.eval("new WebAssembly.Memory({ initial: 2000 })")).toThrow(JSOOMError);
    expect(() => mr.eval("new WebAssembly.Memory({ initial: 1, maximum: 65536 })")).toThrow(JSOOMError);
    expect(() => mr.eval(`new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${moduleWithHugeMaximum})))`)).toThrow(
      JSOOMError,
    );
    expect(mr.eval("1")).toBe(1);
  });

  it("does not let a memory without a maximum grow", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(() => mr.eval("new WebAssembly.Memory({ initial: 1 }).grow(1)")).toThrow(/Maximum memory size exceeded/);
  });

  it("refuses a module whose own memory has no maximum", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    try {
      mr.eval(`new WebAssembly.Module(new Uint8Array(${moduleWithoutMaximum}))`);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JSEvalError);
      expect((error as JSEvalError).jsMessage).toMatch(/must give it a maximum/);
    }
  });

  it("keeps the unwrapped constructors out of reach", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(mr.eval("new WebAssembly.Memory({ initial: 1 }).constructor === WebAssembly.Memory")).toBe(true);
    expect(mr.eval("WebAssembly.Module.prototype.constructor === WebAssembly.Module")).toBe(true);
    expect(mr.eval("WebAssembly.Instance.prototype.constructor === WebAssembly.Instance")).toBe(true);
    expect(() => mr.eval("new (Object.getPrototypeOf(new WebAssembly.Memory({ initial: 1 })).constructor)({ initial: 2000 })")).toThrow(
      JSOOMError,
    );
  });
});
