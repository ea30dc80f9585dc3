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
      expect((error as JSEvalError).code).toBe("ERR_MINI_RACER_EVAL");
      expect((error as JSEvalError).jsName).toBe("RangeError");
      expect((error as JSEvalError).jsMessage).toBe(
        "WebAssembly.Module: a module that defines its own memory must give it a maximum under a memory cap",
      );
    }
    // A RangeError the sandbox can catch, like any other.
    expect(
      mr.eval(`try { new WebAssembly.Module(new Uint8Array(${moduleWithoutMaximum})) } catch (e) { e instanceof RangeError }`),
    ).toBe(true);
  });

  it("charges a memory exactly its maximum (not its initial size) when it is made, and credits it back when it is collected", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    const external = (): number => mr.heapStats().externalMemory;
    const before = external();
    mr.execute("globalThis.m = new WebAssembly.Memory({ initial: 1, maximum: 100 })");
    expect(external() - before).toBe(100 * 65536);
    mr.execute("m.grow(99)"); // growing within the maximum charges nothing more
    expect(external() - before).toBe(100 * 65536);
    mr.execute("m = null");
    // The credit comes with the collection (V8's callback runs in the next call).
    mr.lowMemoryNotification();
    mr.eval("0");
    expect(external()).toBe(before);
  });

  it("charges a module's own memory its maximum at each instantiation, and credits it back when the instance is collected", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    const external = (): number => mr.heapStats().externalMemory;
    mr.execute(`globalThis.mod = new WebAssembly.Module(new Uint8Array(${moduleWithMemory}))`);
    mr.lowMemoryNotification();
    mr.eval("0");
    const before = external();
    mr.execute("globalThis.a = new WebAssembly.Instance(mod)");
    expect(external() - before).toBe(2 * 65536);
    mr.execute("globalThis.b = new WebAssembly.Instance(mod)");
    expect(external() - before).toBe(4 * 65536);
    mr.execute("a = null; b = null");
    mr.lowMemoryNotification();
    mr.eval("0");
    expect(external()).toBe(before);
  });

  it("memories dropped and collected make room again: 4 MiB each, twenty in turn under a 16 MiB cap", () => {
    using mr = new MiniRacer({ maxMemory: 16 * MB });
    const make = "new WebAssembly.Memory({ initial: 1, maximum: 64 }).buffer.byteLength";
    for (let i = 0; i < 20; i++) {
      expect(mr.eval(make), `memory ${i}`).toBe(65536);
      mr.lowMemoryNotification();
    }
    mr.eval("0"); // the last one's credit comes with the next call
    expect(mr.heapStats().externalMemory).toBe(0);
    // Kept alive, three of them fit beside the heap; a fourth would reach the cap.
    expect(mr.eval("globalThis.kept = []; for (let i = 0; i < 3; i++) kept.push(new WebAssembly.Memory({ initial: 1, maximum: 64 })); kept.length")).toBe(3);
    expect(mr.heapStats().externalMemory).toBe(3 * 64 * 65536);
    const error = (() => {
      try {
        mr.eval("kept.push(new WebAssembly.Memory({ initial: 1, maximum: 64 }))");
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(JSOOMError);
    expect((error as JSOOMError).code).toBe("ERR_MINI_RACER_OOM");
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
