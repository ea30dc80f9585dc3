import { describe, expect, it } from "vitest";
import { JSEvalError, JSOOMError, JSTimeoutError, MiniRacer, ValueTransferError } from "../src/index.js";

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

  const buffer20 = "try { globalThis.b = new ArrayBuffer(20 * 1024 * 1024); 'allocated' } catch (e) { e.name + ': ' + e.message }";
  // V8 14 (Node 26) ends the call when the allocator refuses an
  // ArrayBuffer, where V8 11-13 throw a RangeError the script can catch.
  // The cap holds either way, and the sandbox stays usable.
  const REFUSAL_IS_CATCHABLE = Number(process.versions.v8.split(".")[0]) < 14;
  function expectBufferRefused(run: () => unknown, label: string): void {
    if (REFUSAL_IS_CATCHABLE) {
      expect(run(), label).toBe("RangeError: Array buffer allocation failed");
      return;
    }
    const { error } = timed(run);
    expect(error, label).toBeInstanceOf(JSOOMError);
    expect((error as JSOOMError).code, label).toBe("ERR_MINI_RACER_OOM");
    expect((error as Error).message, label).toBe("the sandbox reached its memory cap");
  }

  it("caps the heap and the buffers together: a buffer that fits the cap alone is refused beside a full heap (measured by a GC)", () => {
    using mr = new MiniRacer({ maxMemory: 32 * MB });
    expect(mr.eval(buffer20)).toBe("allocated");
    mr.execute("b = null");
    mr.lowMemoryNotification();
    // ~17 MB of live objects: the same 20 MiB no longer fits beside them.
    mr.execute("globalThis.objects = Array.from({ length: 400000 }, (_, i) => ({ i }))");
    mr.lowMemoryNotification();
    expect(mr.heapStats().usedHeapSize).toBeGreaterThan(13 * MB);
    expectBufferRefused(() => mr.eval(buffer20), "beside a full heap");
    const stats = mr.heapStats();
    expect(stats.usedHeapSize + stats.externalMemory).toBeLessThanOrEqual(32 * MB);
    mr.execute("objects = null");
    mr.lowMemoryNotification();
    expect(mr.eval(buffer20)).toBe("allocated");
  });

  // The budget used to compare a buffer with the heap size of the last GC:
  // objects made since (here ~17 MB) did not count, so the call ended
  // normally with ~37 MB held under a 32 MiB cap (9 of 10 attempts). A
  // buffer of 1 MiB or more now measures the heap as it is. Eight attempts,
  // each of which must hold the cap.
  it("caps the heap and the buffers together even when the heap grew since the last GC (README: maxMemory caps the heap plus ArrayBuffers)", () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      using mr = new MiniRacer({ maxMemory: 32 * MB });
      mr.lowMemoryNotification();
      mr.execute("globalThis.objects = Array.from({ length: 400000 }, (_, i) => ({ i }))");
      expectBufferRefused(() => mr.eval(buffer20), `attempt ${attempt}`);
      const stats = mr.heapStats();
      expect(stats.usedHeapSize + stats.externalMemory, `attempt ${attempt}`).toBeLessThanOrEqual(32 * MB);
    }
  });

  it("after live data filled the cap, every later call of every kind is a JSOOMError saying to recreate the MiniRacer", async () => {
    using mr = new MiniRacer({ maxMemory: 32 * MB });
    const fn = mr.eval("(x) => x") as (x: unknown) => unknown;
    const message = "the sandbox reached its memory cap and could not free enough memory; create a new MiniRacer";
    expect(timed(() => mr.eval("var hold = []; for (;;) hold.push({ a: 1, b: 2 })")).error).toBeInstanceOf(JSOOMError);
    for (const [what, call] of [
      ["eval", () => mr.eval("1")],
      ["execute", () => mr.execute("1")],
      ["call", () => mr.call("String", 1)],
      ["handle call", () => fn(1)],
      ["eval again", () => mr.eval("1")],
    ] as const) {
      const { error } = timed(call);
      expect(error, what).toBeInstanceOf(JSOOMError);
      expect((error as JSOOMError).code, what).toBe("ERR_MINI_RACER_OOM");
      expect((error as Error).message, what).toBe(message);
    }
    const rejected = await mr.evalAsync("1").catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(JSOOMError);
    expect((rejected as Error).message).toBe(message);
  });

  it("an ArrayBuffer past the budget is a RangeError inside the sandbox; uncaught, JSOOMError, and the sandbox stays usable", () => {
    using mr = new MiniRacer({ maxMemory: 16 * MB });
    expectBufferRefused(
      () => mr.eval("try { new ArrayBuffer(32 * 1024 * 1024); 'allocated' } catch (e) { e.name + ': ' + e.message }"),
      "caught",
    );
    // Just under what is left fits; the sandbox goes on.
    expect(mr.eval("new ArrayBuffer(8 * 1024 * 1024).byteLength")).toBe(8 * MB);
    const { error } = timed(() => mr.eval("new ArrayBuffer(32 * 1024 * 1024)"));
    expect(error).toBeInstanceOf(JSOOMError);
    expect((error as JSOOMError).code).toBe("ERR_MINI_RACER_OOM");
    expect((error as Error).message).toBe("the sandbox reached its memory cap");
    expect(mr.eval("1 + 1")).toBe(2);
    expect(mr.eval("new ArrayBuffer(8 * 1024 * 1024).byteLength")).toBe(8 * MB);
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
  it("turns true only when a call leaves the heap plus buffers above it, not just under", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB, softMemoryLimit: 16 * MB });
    // A fresh sandbox's heap: 1.6 MiB on Node 20, 2.7 or 3.5 MiB on Node
    // 24 and 26 (whether a GC ran after setup); under 4 MiB is what "just
    // under" below needs.
    const { usedHeapSize } = mr.heapStats();
    expect(usedHeapSize).toBeLessThan(4 * MB);
    // Just under: the heap (< 4 MiB) and a 12 MiB buffer.
    mr.execute("globalThis.keep = [new ArrayBuffer(12 * 1024 * 1024)]");
    expect(mr.heapStats().softLimitReached).toBe(false);
    // Over: 4 MiB more.
    mr.execute("keep.push(new ArrayBuffer(4 * 1024 * 1024))");
    expect(mr.heapStats().softLimitReached).toBe(true);
  });

  it("a call that leaves it above the limit makes the sandbox collect its garbage", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB, softMemoryLimit: 8 * MB });
    // ~20 MB of objects that are garbage once the call returns.
    expect(mr.eval("(() => { const a = []; for (let i = 0; i < 300000; i++) a.push({ i, s: 'x' + i }); return a.length })()")).toBe(300000);
    // Whoever collects it (the sandbox at the end of the call, or V8 itself
    // first: V8 12 sometimes does, and then the end of the call finds the
    // heap under the limit and reports nothing), none of it is left.
    // Reporting is the next test's, on live data.
    expect(mr.heapStats().usedHeapSize).toBeLessThan(8 * MB);
  });

  it("reports when a call leaves the heap above it", () => {
    using mr = new MiniRacer({ maxMemory: 64 * MB, softMemoryLimit: 4 * MB });
    expect(mr.heapStats().softLimitReached).toBe(false);
    mr.execute("var big = Array.from({ length: 200000 }, (_, i) => ({ i }))");
    expect(mr.heapStats().softLimitReached).toBe(true);
  });
});

describe("maxResultBytes defaults to maxMemory", () => {
  // An odd cap, so that the default shows through exactly: 8 MiB + 4096 bytes.
  const cap = 8 * MB + 4096;

  it("a result of exactly maxMemory bytes crosses; one byte more is a ValueTransferError naming the limit", async () => {
    using mr = new MiniRacer({ maxMemory: cap });
    mr.execute("var s = 'x'.repeat(1 << 20)");
    const exact = `s + 'y'.repeat(${cap - MB})`;
    expect((mr.eval(exact) as string).length).toBe(cap);
    const error = timed(() => mr.eval(`${exact} + 'z'`)).error;
    expect(error).toBeInstanceOf(ValueTransferError);
    expect((error as ValueTransferError).code).toBe("ERR_MINI_RACER_VALUE_TRANSFER");
    expect((error as Error).message).toBe(
      `RangeError: the value is too large to copy out of the sandbox (${cap + 1} bytes; the limit, maxResultBytes, is ${cap})`,
    );
    const asyncError = await mr.evalAsync(`${exact} + 'z'`).catch((e: unknown) => e);
    expect(asyncError).toBeInstanceOf(ValueTransferError);
    expect((asyncError as Error).message).toBe((error as Error).message);
    // One string many times counts each time.
    expect((mr.eval("Array(8).fill(s)") as string[]).length).toBe(8);
    expect((timed(() => mr.eval("Array(9).fill(s)")).error as Error).message).toBe(
      `RangeError: the value is too large to copy out of the sandbox (more than ${cap} bytes; the limit, maxResultBytes, is ${cap})`,
    );
  });

  it("a host function's arguments: exactly maxMemory bytes together pass, one byte more is a RangeError in the sandbox before the host runs", () => {
    using mr = new MiniRacer({ maxMemory: cap });
    let received = -1;
    mr.expose("take", (...args: string[]) => {
      received = args.reduce((n, a) => n + a.length, 0);
      return args.length;
    });
    mr.execute("var s = 'x'.repeat(1 << 20)");
    expect(mr.eval("take(...Array(8).fill(s), 'z'.repeat(4096))")).toBe(9);
    expect(received).toBe(cap);
    received = -1;
    const error = timed(() => mr.eval("take(...Array(8).fill(s), 'z'.repeat(4097))")).error as JSEvalError;
    expect(error).toBeInstanceOf(JSEvalError);
    expect(error.jsName).toBe("RangeError");
    expect(error.jsMessage).toBe(
      `the values are too large to copy out of the sandbox together (more than ${cap} bytes in one call; ` +
        "the limit, maxResultBytes, counts all the arguments of a call together)",
    );
    expect(received).toBe(-1);
  });

  it("console output: the arguments of one call past maxMemory bytes together arrive as undefined", () => {
    const logs: unknown[][] = [];
    using mr = new MiniRacer({ maxMemory: cap, onConsole: (_level, args) => logs.push(args) });
    mr.execute("var s = 'x'.repeat(1 << 20); console.log(...Array(9).fill(s)); console.log(...Array(8).fill(s), 'fits')");
    const lengths = logs.map((args) => args.map((a) => (typeof a === "string" ? a.length : a)));
    expect(lengths).toEqual([
      [MB, MB, MB, MB, MB, MB, MB, MB, undefined],
      [MB, MB, MB, MB, MB, MB, MB, MB, 4],
    ]);
  });
});
