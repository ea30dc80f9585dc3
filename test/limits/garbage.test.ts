// Garbage is not a reason to fail: a long-lived sandbox whose live set is
// small keeps working however much garbage its calls leave, and the host
// holds no more than about its cap for it. Two shapes broke this: garbage
// that V8 puts straight into the old generation (a script function bound
// per eval, fixed by keeping bound scripts), whose first full GC V8 placed
// ~0.9 GB above a small cap; and V8's compilation cache, which keeps the
// scripts of recent sources through the GC that decides whether the cap is
// reached (30,000 distinct evals ended a 16 MiB sandbox with JSOOMError).
import { afterEach, describe, expect, it } from "vitest";
import { JSOOMError, JSTimeoutError, MiniRacer } from "../../src/index.js";
import { MB } from "../helpers";

const racers: MiniRacer[] = [];
afterEach(() => {
  for (const mr of racers.splice(0)) mr.close();
});
function racer(): MiniRacer {
  const mr = new MiniRacer({ maxMemory: 16 * MB });
  racers.push(mr);
  return mr;
}

describe("garbage never fails a call nor grows the host past the cap", () => {
  it("the same source evaluated 300,000 times keeps the heap under 1.5x the cap", () => {
    const mr = racer();
    for (let i = 0; i < 1000; i++) mr.eval("1+1");
    const before = mr.heapStats().usedHeapSize;
    let peak = 0;
    for (let i = 0; i < 300_000; i++) {
      mr.eval("1+1");
      if (i % 10_000 === 0) peak = Math.max(peak, mr.heapStats().usedHeapSize);
    }
    // A function bound per call is ~88 bytes: 26 MB here, collected in time.
    expect(peak - before).toBeLessThan(16 * MB * 1.5);
  });

  it("60,000 distinct sources, one per call, end without JSOOMError and under the cap's reach", () => {
    const mr = racer();
    let peak = 0;
    // Before the fix the cap was "reached" at about 30,000.
    for (let i = 0; i < 60_000; i++) {
      expect(mr.eval(`'x' + ${i}`)).toBe(`x${i}`);
      if (i % 1000 === 0) peak = Math.max(peak, mr.heapStats().usedHeapSize);
    }
    // Garbage may pass the cap between checks, never by half of it.
    expect(peak).toBeLessThan(16 * MB * 1.5);
    expect(mr.heapStats().memoryCapReached).toBe(false);
  });

  it("distinct sources compiled inside one call, and through evalAsync, end without JSOOMError", async () => {
    const mr = racer();
    expect(mr.eval("let n = 0; for (let i = 0; i < 60000; i++) n += new Function('return ' + i)(); n")).toBe(1799970000);
    for (let i = 0; i < 5_000; i++) expect(await mr.evalAsync(`'y' + ${i}`)).toBe(`y${i}`);
    expect(mr.heapStats().memoryCapReached).toBe(false);
  });

  // V8 keeps the code of every source compiled from a string in its
  // compilation cache until the code has aged through a few full GCs (a
  // low-memory collection does not age it): 60,000 `new Function` under
  // 16 MiB failed about 1 run in 7 on Node 26 under load (the cache held
  // 17 MB through the full check). Every way to compile a string, sync and
  // async. (Under the 8 MiB minimum, Node 24's young GCs see the old
  // generation's garbage more than half over the cap and stop the call:
  // README, "Findings that do not fully hold".)
  const compilers: [string, string][] = [
    ["new Function", "new Function('return ' + i)()"],
    ["direct eval", "eval('' + i)"],
    ["indirect eval", "(0, eval)('' + i)"],
    ["AsyncFunction", "new (async function () {}).constructor('return ' + i)"],
    ["GeneratorFunction", "new (function* () {}).constructor('yield ' + i)"],
    ["AsyncGeneratorFunction", "new (async function* () {}).constructor('yield ' + i)"],
  ];
  // V8 14 (Node 26) keeps what an indirect eval compiled reachable until
  // the call ends, even after its code aged out (about 18,000 fill an
  // 8 MiB cap, 150,000 a 32 MiB one): memory the host really holds, so the
  // cap counts it (README, "Findings that do not fully hold").
  const keepsIndirectEvals = Number(process.versions.v8.split(".")[0]) >= 14;
  const loop = (compile: string): string =>
    `(() => { let n = 0; for (let i = 0; i < 120000; i++) { ${compile}; n++; } return n; })()`;
  for (const [name, compile] of compilers) {
    if (name === "indirect eval" && keepsIndirectEvals) {
      it("V8 14: 120,000 indirect evals in one call reach a 16 MiB cap (JSOOMError, sandbox usable) and fit 64 MiB", async () => {
        const small = new MiniRacer({ maxMemory: 16 * MB });
        racers.push(small);
        expect(() => small.eval(loop(compile))).toThrow(JSOOMError);
        await expect(small.evalAsync(loop(compile))).rejects.toThrow(JSOOMError);
        expect(small.eval("1 + 1")).toBe(2);
        // Each in a sandbox of its own: what one call left is collected
        // only when V8 gets to it (a second call beside it failed 1 run in 3).
        const [large, largeAsync] = [new MiniRacer({ maxMemory: 64 * MB }), new MiniRacer({ maxMemory: 64 * MB })];
        racers.push(large, largeAsync);
        expect(large.eval(loop(compile))).toBe(120000);
        expect(await largeAsync.evalAsync(loop(compile))).toBe(120000);
      });
      continue;
    }
    it(`120,000 sources compiled by ${name} in one call fit a 16 MiB cap, sync and async`, async () => {
      const mr = racer();
      expect(mr.eval(loop(compile))).toBe(120000);
      expect(await mr.evalAsync(loop(compile))).toBe(120000);
      expect(mr.heapStats().memoryCapReached).toBe(false);
    });
  }

  // A charge refused while the heap still held garbage, then made after a
  // collection, is no refusal: before the fix an ArrayBuffer (V8 collects
  // and retries) and a WebAssembly memory (refused at once) made the call
  // end in JSOOMError at its deadline, or in the sandbox. Seen on Node 26
  // after a 16 MiB sandbox's locale lists left 14 MB of garbage.
  const fill = "globalThis.junk = Array.from({ length: 3e5 }, (_, i) => ({ i })); junk = null";
  const charges: [string, string][] = [
    ["an ArrayBuffer", "new ArrayBuffer(4 << 20)"],
    ["a WebAssembly memory", "new WebAssembly.Memory({ initial: 64 })"],
    ["an Intl object", "new Intl.DateTimeFormat('en')"],
  ];
  for (const [name, make] of charges) {
    it(`${name} made beside 14 MB of uncollected garbage under a 16 MiB cap leaves the call its own ending, sync and async`, async () => {
      const mr = racer();
      mr.eval(fill);
      expect(() => mr.eval(`${make}; for (;;);`, { timeout: 100 })).toThrow(JSTimeoutError);
      mr.eval(fill);
      await expect(mr.evalAsync(`${make}; for (;;);`, { timeout: 100 })).rejects.toThrow(JSTimeoutError);
      mr.eval(fill);
      expect(mr.eval(`${make}; "made"`)).toBe("made");
      expect(mr.heapStats().memoryCapReached).toBe(false);
    });
  }
});
