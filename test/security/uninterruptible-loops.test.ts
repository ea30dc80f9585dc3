import { describe, expect, it } from "vitest";
import { runKillableChild } from "../helpers.js";

// V8 13 and 14 (Node 24 and 26) can compile a running loop into code that
// never acts on TerminateExecution: Turbofan's on-stack-replacement code
// for a loop whose body allocates an array of 17 or more elements
// (`for (;;) x = new Array(100)`; 16 is fine). Neither the time limit nor
// the memory cap stopped such a call, and a Node Worker running it cannot
// be terminated. Turning V8's concurrent OSR off stopped those, but then a
// function whose loop had been stopped once ran 0.2-4.8 s past its later
// deadlines. Both come from Turboshaft's loop unrolling, which mini-racer
// turns off instead (native/core/runtime/isolate_holder.cc). Every shape
// found by enumerating loop bodies (arrays, objects, strings, typed arrays,
// builtins; top-level loops, loops in warmed-up functions, functions called
// again after a timeout) is here. A regression hangs the call for good, so
// each check runs in a child process that is killed (SIGKILL) at a bound,
// and reports shape by shape.

/** Loop bodies that hung on Node 24 and 26 (each also in a warmed-up function). */
const HUNG_BODIES = [
  "x = new Array(17)",
  "x = new Array(100)",
  "x = Array(100)",
  "x = new Array(100).fill(0)",
  "x = new Array(100); x.push(1)",
  "x = new Array(100).length",
  "a.push(new Array(100))",
  "a.push(new Array(1000))",
  "a[a.length] = new Array(100)",
  "a.push(f())",
  "o['k' + i] = new Array(100)",
  "a.push({ a: new Array(100) })",
  "b = new Array(100); b[50] = i; a.push(b)",
];
const PRELUDE = "const a = []; const o = {}; let b, x; function f() { return new Array(100) }";

function shapesOf(bodies: string[]): string[] {
  return bodies.flatMap((body) => [
    `${PRELUDE} for (let i = 0; ; i++) { ${body} }`,
    `${PRELUDE} (function g() { for (let i = 0; ; i++) { ${body} } })()`,
    `${PRELUDE} function h(n) { for (let i = 0; i < n; i++) { ${body} } } ` +
      `for (let k = 0; k < 3000; k++) { h(20); a.length = 0 } h(Infinity)`,
  ]);
}

interface Outcome {
  shape: string;
  code: string;
  ms: number;
}

/**
 * Runs each shape in a fresh MiniRacer (sync, then async) and prints one
 * JSON line per call as it ends, so a hang names its shape.
 */
async function runShapes(shapes: string[], options: object, callOptions: object, killAfterMs: number) {
  const child = await runKillableChild(
    `const shapes = ${JSON.stringify(shapes)};
     (async () => {
       for (const shape of shapes) {
         for (const mode of ["sync", "async"]) {
           const mr = new MiniRacer(${JSON.stringify(options)});
           const start = performance.now();
           let code = "returned";
           try {
             if (mode === "sync") mr.eval(shape, ${JSON.stringify(callOptions)});
             else await mr.evalAsync(shape, ${JSON.stringify(callOptions)});
           } catch (e) { code = e.code; }
           console.log(JSON.stringify({ shape: mode + " " + shape, code, ms: performance.now() - start }));
           mr.close();
         }
       }
     })();`,
    killAfterMs,
  );
  const outcomes = child.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Outcome);
  return { signal: child.signal, outcomes };
}

describe("loops V8 13 and 14 compile without a termination check (loop unrolling)", () => {
  it("every shape ends at its 100 ms time limit, sync and async (child process, hard kill)", async () => {
    const shapes = shapesOf(HUNG_BODIES);
    // ~80 calls of 100 ms each, and the warm-up of the h() shapes.
    const { signal, outcomes } = await runShapes(shapes, { maxMemory: 2 ** 31 }, { timeout: 100 }, 50_000);
    const ended = outcomes.map((o) => o.shape);
    const first = shapes.find((shape) => !ended.includes(`sync ${shape}`) || !ended.includes(`async ${shape}`));
    expect(first?.slice(PRELUDE.length), "the first shape whose call never ended").toBeUndefined();
    expect(signal).toBeNull();
    expect(outcomes).toHaveLength(shapes.length * 2);
    for (const { shape, code } of outcomes) expect(code, shape).toBe("ERR_MINI_RACER_TIMEOUT");
    // The limit plus scheduling on a loaded 2-core machine; the warmed-up
    // shapes spend ~20 ms of their 100 ms warming up. A shape over it once
    // (seen once on Node 26 under a loaded CI run: 2.7 s, never again in
    // ~20 runs beside other jobs) must then hold three times running, each
    // in a fresh child: a loop that misses the termination request for good
    // fails every time.
    const BOUND = 400;
    const slow = outcomes.filter((o) => o.ms >= BOUND);
    for (const { shape, ms } of slow) {
      console.warn(`uninterruptible-loops: ${shape.slice(0, 200)} took ${ms.toFixed(0)} ms; running it again 3 times`);
      const source = shape.slice(shape.indexOf(" ") + 1);
      for (let run = 0; run < 3; run++) {
        const again = await runShapes([source], { maxMemory: 2 ** 31 }, { timeout: 100 }, 10_000);
        expect(again.signal, shape).toBeNull();
        for (const o of again.outcomes) {
          expect(o.code, o.shape).toBe("ERR_MINI_RACER_TIMEOUT");
          expect(o.ms, o.shape).toBeLessThan(BOUND);
        }
      }
    }
  });

  it("the shapes that keep what they allocate end at the 64 MiB memory cap with no time limit (child process, hard kill)", async () => {
    const shapes = shapesOf(HUNG_BODIES.filter((body) => /a\.push|a\[|o\[/.test(body)));
    const { signal, outcomes } = await runShapes(shapes, { maxMemory: 64 * 1024 * 1024 }, {}, 50_000);
    const ended = outcomes.map((o) => o.shape);
    const first = shapes.find((shape) => !ended.includes(`sync ${shape}`) || !ended.includes(`async ${shape}`));
    expect(first?.slice(PRELUDE.length), "the first shape whose call never ended").toBeUndefined();
    expect(signal).toBeNull();
    expect(outcomes).toHaveLength(shapes.length * 2);
    for (const { shape, code } of outcomes) expect(code, shape).toBe("ERR_MINI_RACER_OOM");
  });

  // Each function is called 8 times, each call stopped at its 50 ms limit:
  // from the third call or so, V8 runs it as optimized code. With concurrent
  // OSR off, those calls ran 0.1-4.8 s past the limit on Node 24 and 26.
  const FUNCTIONS: Record<string, string> = {
    "while (true) {}": "function f() { while (true) {} }",
    "a counting loop": "function f() { let x = 0; for (let i = 0; i < 1e15; i++) x += i; return x }",
    "new Array(100) in a loop": "function f() { let a; for (;;) a = new Array(100) }",
    "while (Date.now() < end) {}": "function f() { const end = Date.now() + 1e9; while (Date.now() < end) {} }",
    "a property increment": "function f() { const o = { n: 0 }; for (;;) { o.n++; if (o.n < 0) break } }",
    "an inlined call": "function h(x) { return x + 1 } function f() { let x = 0; for (;;) x = h(x) }",
  };
  async function worstOverruns(names: string[]): Promise<Record<string, number>> {
    const child = await runKillableChild(
      `const functions = ${JSON.stringify(Object.fromEntries(names.map((name) => [name, FUNCTIONS[name]])))};
       (async () => {
         const worst = {};
         for (const [name, source] of Object.entries(functions)) {
           for (const mode of ["sync", "async"]) {
             const mr = new MiniRacer();
             mr.execute(source);
             let overrun = 0;
             for (let i = 0; i < 8; i++) {
               const start = performance.now();
               try {
                 if (mode === "sync") mr.eval("f()", { timeout: 50 });
                 else await mr.evalAsync("f()", { timeout: 50 });
               } catch (e) { if (e.code !== "ERR_MINI_RACER_TIMEOUT") throw e; }
               overrun = Math.max(overrun, performance.now() - start - 50);
             }
             worst[mode + " " + name] = Math.max(worst[mode + " " + name] ?? 0, overrun);
             mr.close();
           }
         }
         console.log(JSON.stringify(worst));
       })();`,
      60_000,
    );
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    return JSON.parse(child.stdout.trim().split("\n").pop()!) as Record<string, number>;
  }

  it("a function stopped at its limit stops at every later call's limit too, sync and async (child process, hard kill)", async () => {
    // Scheduling on a loaded 2-core machine stays well under it; the hole
    // ran 110-4800 ms past. A shape over it once must be within it at least
    // once in two more runs, each in a fresh child.
    const BOUND = 100;
    const worst = await worstOverruns(Object.keys(FUNCTIONS));
    expect(Object.keys(worst)).toHaveLength(2 * Object.keys(FUNCTIONS).length);
    const late = Object.keys(FUNCTIONS).filter((name) => worst[`sync ${name}`]! > BOUND || worst[`async ${name}`]! > BOUND);
    for (const name of late) {
      const [second, third] = [await worstOverruns([name]), await worstOverruns([name])];
      for (const mode of ["sync", "async"]) {
        const best = Math.min(second[`${mode} ${name}`]!, third[`${mode} ${name}`]!);
        expect({ shape: `${mode} ${name}`, late: best > BOUND, ms: Math.round(best) }).toMatchObject({ shape: `${mode} ${name}`, late: false });
      }
    }
  }, 200_000);

  it("once mini-racer is loaded, a host Worker running such a loop can be terminated too (child process, hard kill)", async () => {
    const child = await runKillableChild(
      `new MiniRacer().close();
       const { Worker } = require("node:worker_threads");
       const worker = new Worker("let x; for (;;) x = new Array(100)", { eval: true });
       setTimeout(() => worker.terminate().then((code) => console.log("terminated " + code)), 300);`,
      10_000,
    );
    expect(child.signal).toBeNull();
    expect(child.stdout.trim()).toBe("terminated 1");
  });
});
