import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { JSEvalError, JSOOMError, JSTimeoutError, MiniRacer, ValueTransferError } from "../../src/index.js";
import { caught, medianWithin, medianWithinAsync, timed, timeoutOvershoot } from "../helpers.js";
import { expectHostUntouched, HOST_PATH } from "./helpers.js";

// Shared memory, Atomics and WebAssembly: nothing shared crosses, waits are
// bounded by the time limit, and memory is charged. One attack per test;

afterEach(() => {
  expectHostUntouched();
});

/**
 * Noise on this machine, in ms, for bounds on medians of a few calls: five
 * times the worst overshoot of a plain `for (;;)` at a 100 ms deadline, and
 * 20 ms for scheduling on a loaded 2-core machine.
 */
let noise = 0;
beforeAll(() => {
  const mr = new MiniRacer();
  noise = 5 * timeoutOvershoot(mr) + 20;
  mr.close();
});

// (module (import "h" "f" (func (param i32) (result i32))) (func (export "run") (result i32) i32.const 41 call 0))
const WASM_CALLS_IMPORT = [
  0, 97, 115, 109, 1, 0, 0, 0, 1, 10, 2, 96, 1, 127, 1, 127, 96, 0, 1, 127, 2, 7, 1, 1, 104, 1, 102, 0, 0, 3, 2, 1, 1, 7,
  7, 1, 3, 114, 117, 110, 0, 1, 10, 8, 1, 6, 0, 65, 41, 16, 0, 11,
];
// (module (func (export "trap") unreachable))
const WASM_TRAP = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 116, 114, 97, 112, 0, 0, 10, 5, 1, 3, 0, 0, 11];

describe("SharedArrayBuffer and Atomics", () => {
  it("SharedArrayBuffers cannot leave the sandbox (result, nested, async, host function argument, console)", async () => {
    const logged: unknown[] = [];
    using mr = new MiniRacer({ timeout: 1000, onConsole: (_l, a) => logged.push(...a) });
    let hostGot = 0;
    mr.expose("take", () => {
      hostGot++;
    });
    for (const code of ["new SharedArrayBuffer(8)", "({ b: new Int32Array(new SharedArrayBuffer(8)) })", "[new DataView(new SharedArrayBuffer(4))]"]) {
      expect(() => mr.eval(code), code).toThrow(ValueTransferError);
      await expect(mr.evalAsync(`Promise.resolve(${code})`), code).rejects.toThrow(ValueTransferError);
      expect(mr.eval(`try { take(${code}); 'passed' } catch (e) { e.name }`), code).not.toBe("passed");
    }
    expect(hostGot).toBe(0);
    mr.eval("console.log(new SharedArrayBuffer(8))");
    for (const v of logged) expect(v).not.toBeInstanceOf(SharedArrayBuffer);
  });

  it("SharedArrayBuffers cannot be passed in from the host (argument, set, host function result)", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const sab = new SharedArrayBuffer(8);
    mr.execute("function id(x) { return 1 }");
    expect(() => mr.call("id", sab)).toThrow(ValueTransferError);
    expect(() => mr.call("id", { view: new Int32Array(sab) })).toThrow(ValueTransferError);
    mr.expose("giveShared", () => new Int32Array(sab));
    expect(mr.eval("try { giveShared(); 'got shared memory' } catch (e) { e.name }")).toBe("ValueTransferError");
    expect(new Int32Array(sab)[0]).toBe(0);
  });

  it("Atomics.wait in the sandbox is bounded by the timeout (sync and async)", async () => {
    using mr = new MiniRacer();
    const forever = "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)";
    const long = "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1e9)";
    // At the limit: the README's 0-10 ms past the deadline.
    const bound = 200 + 10 + noise;
    for (const code of [forever, long]) {
      const ms = medianWithin(() => {
        const r = timed(() => mr.eval(code, { timeout: 200 }));
        expect(r.error, code).toBeInstanceOf(JSTimeoutError);
        expect(r.ms, code).toBeGreaterThanOrEqual(199.5);
        return r.ms;
      }, bound);
      expect(ms, code).toBeLessThan(bound);
    }
    // The async path: at 100-130 ms for a 100 ms limit.
    const asyncBound = 200 + 30 + noise;
    const waitAsync = "Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0).value";
    for (const code of [forever, waitAsync]) {
      const ms = await medianWithinAsync(async () => {
        const start = performance.now();
        await expect(mr.evalAsync(code, { timeout: 200 }), code).rejects.toThrow(JSTimeoutError);
        const ms = performance.now() - start;
        expect(ms, code).toBeGreaterThanOrEqual(199);
        return ms;
      }, asyncBound);
      expect(ms, code).toBeLessThan(asyncBound);
    }
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("a SharedArrayBuffer larger than the cap is refused", () => {
    using mr = new MiniRacer({ maxMemory: 16 * 1024 * 1024 });
    const e = caught(() => mr.eval("new Uint8Array(new SharedArrayBuffer(64 * 1024 * 1024)).fill(1).length", { timeout: 5000 }));
    expect(e).toBeInstanceOf(JSOOMError);
    expect(e).toMatchObject({ code: "ERR_MINI_RACER_OOM" });
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("resizable ArrayBuffers and growable SharedArrayBuffers are charged their maxByteLength against maxMemory", () => {
    // Repro (maxMemory 64 MiB): mr.eval(`globalThis.k = []; for (let i = 0; i < 4; i++) {
    //   const b = new ArrayBuffer(0, { maxByteLength: 2**28 }); b.resize(2**28);
    //   new Uint8Array(b).fill(1); k.push(b) } k.length`)   -> 4, 1 GiB resident,
    //   heapStats().externalMemory 0, memoryCapReached false. SharedArrayBuffer + grow() likewise.
    // V8 reserves resizable backing stores itself and commits pages on resize()/grow()
    // without the ArrayBuffer::Allocator, so the budget never sees them.
    for (const [ctor, grow] of [["ArrayBuffer", "resize"], ["SharedArrayBuffer", "grow"]]) {
      using mr = new MiniRacer({ maxMemory: 16 * 1024 * 1024, timeout: 5000 });
      const r = timed(() =>
        mr.eval(`globalThis.keep = []; for (let i = 0; i < 4; i++) {
          const b = new ${ctor}(0, { maxByteLength: 32 * 1024 * 1024 }); b.${grow}(32 * 1024 * 1024);
          new Uint8Array(b).fill(1); keep.push(b) }
          keep.reduce((n, b) => n + b.byteLength, 0)`),
      );
      // 128 MiB live under a 16 MiB cap must not be possible.
      expect(r.value, ctor).toBeUndefined();
      expect(r.error, ctor).toBeInstanceOf(JSOOMError);
      expect((r.error as JSOOMError).code, ctor).toBe("ERR_MINI_RACER_OOM");
    }
  });
});

describe("WebAssembly", () => {
  it("a WebAssembly.Memory whose maximum does not fit, or a shared one, is refused (memory is charged)", () => {
    using mr = new MiniRacer({ maxMemory: 32 * 1024 * 1024, timeout: 2000 });
    for (const code of [
      "new WebAssembly.Memory({ initial: 1, maximum: 4096 })",
      "new WebAssembly.Memory({ initial: 1, maximum: 4096, shared: true })",
      "new WebAssembly.Memory({ initial: 1000 })",
      "const m = new WebAssembly.Memory({ initial: 1, maximum: 600 }); m.grow(599); 1",
      "globalThis.ms = []; for (let i = 0; i < 20; i++) ms.push(new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true })); ms.length",
    ]) {
      const e = caught(() => mr.eval(code));
      expect(e, code).toBeInstanceOf(JSOOMError);
      expect(e, code).toMatchObject({ code: "ERR_MINI_RACER_OOM" });
    }
    expect(mr.eval("new WebAssembly.Memory({ initial: 1, maximum: 2 }).buffer.byteLength")).toBe(65536);
  });

  it("WebAssembly modules, instances, memories and tables cannot be copied out", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`globalThis.mod = new WebAssembly.Module(new Uint8Array(${JSON.stringify(WASM_TRAP)}))`);
    for (const code of [
      "mod",
      "new WebAssembly.Instance(mod)",
      "new WebAssembly.Memory({ initial: 1, maximum: 1 })",
      "new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer",
      "new WebAssembly.Table({ initial: 1, element: 'anyfunc' })",
      "({ m: mod })",
      "[1, mod]",
    ]) {
      expect(() => mr.eval(code), code).toThrow(ValueTransferError);
    }
    await expect(mr.evalAsync("WebAssembly.compile(new Uint8Array([0,97,115,109,1,0,0,0]))")).rejects.toThrow(ValueTransferError);
  });

  it("a WebAssembly.Module as an Error's cause fails the copy instead of garbling it", () => {
    // Repro: mr.eval("new Error('x', { cause: new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0])) })")
    //   -> a host Error whose cause is [String: 'Error: x\n at <eval>:1:1'] (the stack, misread as a
    //   String object), instead of a ValueTransferError. The sandbox's ValueSerializer writes nothing
    //   for a wasm module (the delegate does not refuse GetWasmModuleTransferId), so later tokens
    //   shift; elsewhere the host's deserializer happens to fail.
    using mr = new MiniRacer({ timeout: 1000 });
    expect(() => mr.eval("new Error('x', { cause: new WebAssembly.Module(new Uint8Array([0,97,115,109,1,0,0,0])) })")).toThrow(
      ValueTransferError,
    );
  });

  it("wasm calling an exposed host function as an import gets and gives plain numbers; traps carry no host paths", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const received: unknown[][] = [];
    mr.expose("hostAdd", (...args: unknown[]) => {
      received.push(args);
      return (args[0] as number) + 1;
    });
    const out = mr.eval(`
      const m = new WebAssembly.Module(new Uint8Array(${JSON.stringify(WASM_CALLS_IMPORT)}));
      new WebAssembly.Instance(m, { h: { f: hostAdd } }).exports.run()`);
    expect(out).toBe(42);
    expect(received).toEqual([[41]]);
    const e = caught(() =>
      mr.eval(`new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(WASM_TRAP)}))).exports.trap()`),
    );
    expect(e).toBeInstanceOf(JSEvalError);
    expect(e).toMatchObject({ jsName: "RuntimeError", jsStack: expect.not.stringMatching(HOST_PATH) });
    const viaHost = mr.eval<string>(`
      try { new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(WASM_CALLS_IMPORT)})), { h: { f: () => hostThrows() } }).exports.run() }
      catch (e) { String(e.stack) }`);
    expect(viaHost).not.toMatch(HOST_PATH);
  });

  it("a wasm infinite loop and wasm-driven memory growth stay within the limits", () => {
    using mr = new MiniRacer({ maxMemory: 32 * 1024 * 1024 });
    // (module (func (export "spin") (loop (br 0))))
    const spin = [0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 8, 1, 4, 115, 112, 105, 110, 0, 0, 10, 9, 1, 7, 0, 3, 64, 12, 0, 11, 11];
    const r = timed(() =>
      mr.eval(`new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(${JSON.stringify(spin)}))).exports.spin()`, { timeout: 200 }),
    );
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    expect(mr.eval("1 + 1")).toBe(2);
  });
});
