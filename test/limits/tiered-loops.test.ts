// A loop's deadline holds however hot its function is. On Node 24 and 26 a
// function whose loop V8 had compiled with Maglev for on-stack replacement
// missed TerminateExecution from its third call on, until the concurrent
// Turbofan job for it landed: `while (Date.now() < end) {}` ran 3.4 s past
// a 50 ms limit, `while (true) {}` 0.7 s (fixed by --no-maglev-osr, set
// once per process with the other V8 flags: native/core/runtime/
// isolate_holder.cc). Each shape is called eight times, as a hot function
// of a long-lived sandbox is.
import { afterEach, describe, expect, it } from "vitest";
import { JSTimeoutError, MiniRacer } from "../../src/index.js";
import { caught, median } from "../helpers";

const SHAPES: Record<string, string> = {
  "while (true) {}": "function f() { while (true) {} }",
  "a counting loop": "function f() { let x = 0; for (let i = 0; i < 1e15; i++) x += i; return x }",
  "a loop that allocates": "function f() { let a; for (;;) a = new Array(100); }",
  "a loop on Date.now()": "function f() { const end = Date.now() + 1e9; while (Date.now() < end) {} }",
  "a loop on an object's field": "function f() { const o = { n: 0 }; for (;;) { o.n++; if (o.n < 0) break; } }",
  "a loop calling a function": "function h(x) { return x + 1 } function f() { let x = 0; for (;;) x = h(x); }",
};

const racers: MiniRacer[] = [];
afterEach(() => {
  for (const mr of racers.splice(0)) mr.close();
});

describe("hot functions stop at the deadline on every call", () => {
  for (const [name, source] of Object.entries(SHAPES)) {
    it(`${name}, called eight times with timeout: 50 (sync) and cpuTime: 50`, () => {
      const mr = new MiniRacer();
      racers.push(mr);
      mr.execute(source);
      const took: number[] = [];
      for (let i = 0; i < 8; i++) {
        const start = performance.now();
        const error = caught(() => mr.eval("f()", i % 2 === 0 ? { timeout: 50 } : { cpuTime: 50 }));
        took.push(performance.now() - start);
        expect(error).toBeInstanceOf(JSTimeoutError);
      }
      // The calls after V8 has tiered the function up (it took 700-3,400 ms each).
      expect(median(took.slice(2))).toBeLessThan(150);
      expect(Math.max(...took)).toBeLessThan(1000);
      expect(mr.eval("1 + 1")).toBe(2);
    });
  }
});
