import { describe, expect, it } from "vitest";
import { JSEvalError, JSOOMError, JSTimeoutError, MiniRacer } from "../src/index.js";

const MB = 1024 * 1024;

function timed(fn: () => void): { error: unknown; ms: number } {
  const start = process.hrtime.bigint();
  try {
    fn();
    return { error: undefined, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  } catch (error) {
    return { error, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  }
}

describe("time limit", () => {
  it("ends while(true){} with JSTimeoutError in 50-80 ms and stays usable", () => {
    using mr = new MiniRacer();
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { error, ms } = timed(() => mr.eval("while (true) {}", { timeout: 50 }));
      expect(error).toBeInstanceOf(JSTimeoutError);
      expect((error as JSTimeoutError).code).toBe("ERR_MINI_RACER_TIMEOUT");
      times.push(ms);
      expect(mr.eval("1 + 1")).toBe(2);
    }
    times.sort((a, b) => a - b);
    expect(times[0]).toBeGreaterThanOrEqual(49.5);
    // The median, so that one scheduling hiccup of a busy CI machine does not
    // fail the run; typical overshoot is well under a millisecond.
    expect(times[2]).toBeLessThan(80);
  });

  it("uses the MiniRacer's default timeout and lets a call override it", () => {
    using mr = new MiniRacer({ timeout: 30 });
    expect(timed(() => mr.eval("for(;;);")).error).toBeInstanceOf(JSTimeoutError);
    const { error, ms } = timed(() => mr.eval("const t = Date.now(); while (Date.now() - t < 60); 1", { timeout: 1000 }));
    expect(error).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(59);
  });

  it("times out through a guest try/catch and finally", () => {
    using mr = new MiniRacer();
    const code = "for (;;) { try { while (true) {} } catch (e) {} finally { continue } }";
    expect(timed(() => mr.eval(code, { timeout: 50 })).error).toBeInstanceOf(JSTimeoutError);
    expect(mr.eval("'ok'")).toBe("ok");
  });

  it("covers microtasks and the copying of the result", () => {
    using mr = new MiniRacer();
    expect(timed(() => mr.eval("function f(){ Promise.resolve().then(f) } f()", { timeout: 50 })).error).toBeInstanceOf(
      JSTimeoutError,
    );
    const getter = "({ get x() { for (;;); } })";
    expect(timed(() => mr.eval(getter, { timeout: 50 })).error).toBeInstanceOf(JSTimeoutError);
    const toJSONLoop = "[1, 2, { get y() { while (true) {} } }]";
    expect(timed(() => mr.eval(toJSONLoop, { timeout: 50 })).error).toBeInstanceOf(JSTimeoutError);
    expect(mr.eval("3")).toBe(3);
  });

  it("ends catastrophic regex backtracking", () => {
    using mr = new MiniRacer();
    const { error } = timed(() => mr.eval("/^(a+)+$/.test('a'.repeat(40) + 'b')", { timeout: 50 }));
    expect(error).toBeInstanceOf(JSTimeoutError);
  });

  it("applies to call()", () => {
    using mr = new MiniRacer();
    mr.execute("function spin() { for (;;); }");
    expect(timed(() => mr.apply("spin", [], { timeout: 30 })).error).toBeInstanceOf(JSTimeoutError);
  });
});

describe("memory cap (64 MB)", () => {
  const cases: Array<[string, string]> = [
    ["growing arrays", "(() => { const a = []; for (;;) a.push([Math.random(), {}]) })()"],
    ["string doubling", "(() => { let s = 'x'; for (;;) { s = s + s; s.indexOf('y') } })()"],
    ["one huge flat string", "'x'.repeat(2 ** 29 - 100).indexOf('y')"],
    ["one huge array", "Array.from({ length: 2 ** 26 }, () => 1.5).length"],
    ["new ArrayBuffer(2**32)", "new ArrayBuffer(2 ** 32).byteLength"],
    ["many 10 MB ArrayBuffers", "(() => { const k = []; for (;;) k.push(new ArrayBuffer(10 * 1024 * 1024)) })()"],
    ["typed arrays", "(() => { const k = []; for (;;) k.push(new Float64Array(1 << 20)) })()"],
    ["a growing Map", "(() => { const m = new Map(); for (let i = 0; ; i++) m.set(i, { i }) })()"],
    ["closures", "(() => { let f = () => 0; for (let i = 0; ; i++) { const g = f; f = () => g() + i } })()"],
    ["WebAssembly.Memory", "new WebAssembly.Memory({ initial: 2000 }).buffer.byteLength"],
    ["growing WebAssembly.Memory", "(() => { const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for (;;) m.grow(16) })()"],
  ];

  for (const [name, code] of cases) {
    it(`stops ${name} with JSOOMError (or a RangeError) and the host survives`, () => {
      const mr = new MiniRacer({ maxMemory: 64 * MB });
      const { error } = timed(() => mr.eval(code, { timeout: 10_000 }));
      if (error instanceof JSEvalError) {
        // A single allocation past what V8 or the budget allows can fail
        // inside the sandbox as a plain RangeError.
        expect(error.jsName).toBe("RangeError");
      } else {
        expect(error).toBeInstanceOf(JSOOMError);
        expect((error as JSOOMError).code).toBe("ERR_MINI_RACER_OOM");
      }
      // Either usable again, or it says clearly that it must be recreated.
      const after = timed(() => mr.eval("1 + 1"));
      if (after.error === undefined) {
        const stats = mr.heapStats();
        expect(stats.usedHeapSize + stats.externalMemory).toBeLessThanOrEqual(64 * MB);
      } else {
        expect(after.error).toBeInstanceOf(JSOOMError);
        expect((after.error as Error).message).toMatch(/create a new MiniRacer/);
      }
      mr.close();
    });
  }

  it("stays usable after a cap hit that left garbage only", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(timed(() => mr.eval("(() => { const a = []; for (;;) a.push({}) })()")).error).toBeInstanceOf(JSOOMError);
    expect(mr.eval("[1, 2, 3].length")).toBe(3);
    expect(mr.heapStats().memoryCapReached).toBe(true);
  });

  it("lets the script free buffers after the budget refused one", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB });
    expect(timed(() => mr.eval("var keep = []; for (;;) keep.push(new ArrayBuffer(8 * 1024 * 1024))")).error).toBeInstanceOf(
      JSOOMError,
    );
    mr.execute("keep = null");
    mr.lowMemoryNotification();
    expect(mr.eval("new ArrayBuffer(16 * 1024 * 1024).byteLength")).toBe(16 * MB);
  });

  it("says clearly when live data fills the cap", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MB });
    const { error } = timed(() => mr.eval("var hold = []; for (;;) hold.push({ a: 1, b: 2 })"));
    expect(error).toBeInstanceOf(JSOOMError);
    const next = timed(() => mr.eval("1"));
    expect(next.error).toBeInstanceOf(JSOOMError);
    expect((next.error as Error).message).toMatch(/create a new MiniRacer/);
  });

  it("gives the host its memory back when sandboxes that hit the cap are closed", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 5; i++) {
      const mr = new MiniRacer({ maxMemory: 64 * MB });
      timed(() => mr.eval("(() => { const a = []; for (;;) a.push({ i: Math.random() }) })()"));
      timed(() => mr.eval("(() => { const k = []; for (;;) k.push(new ArrayBuffer(10 * 1024 * 1024).fill?.(1) ?? new Uint8Array(10 * 1024 * 1024).fill(1)) })()"));
      mr.close();
    }
    gc?.();
    const grown = (process.memoryUsage().rss - before) / MB;
    expect(grown).toBeLessThan(64);
  });
});

describe("soft memory limit", () => {
  it("reports when a call leaves the heap above it", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB, softMemoryLimit: 4 * MB });
    expect(mr.heapStats().softLimitReached).toBe(false);
    mr.execute("var big = Array.from({ length: 200000 }, (_, i) => ({ i }))");
    expect(mr.heapStats().softLimitReached).toBe(true);
  });
});
