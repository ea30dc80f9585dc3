// Async benchmarks, run by bench/run.mjs after the synchronous sections.
//
// 5. Round-trip latency: one `await mr.evalAsync("1+1")` after another,
//    against isolated-vm's async `context.eval("1+1")`, in paired slices
//    (A B, B A, ...) so that machine noise hits both sides alike; the verdict
//    uses the median of the per-pair ratios. Target: at most 0.7x.
// 6. Pipelined: 1,000 calls in flight on one sandbox (one isolate), the
//    cost per call when the caller does not wait for each.
// 7. Throughput of CPU-bound async calls with 1 and 2 sandboxes (isolates):
//    the same number of fib() calls, all issued at once, spread over one or
//    two; the scaling ratio t(1) / t(2) is 2.0 when two cores are really used.

import { median, quantile } from "./stats.mjs";

const LATENCY_TARGET = 0.7;
const FIB_SRC = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }";

const hr = () => process.hrtime.bigint();
const us = (ns) => (ns / 1e3).toFixed(1);

async function sequential(op, n) {
  const start = hr();
  for (let i = 0; i < n; i++) {
    if ((await op()) !== 2) throw new Error("wrong result");
  }
  return Number(hr() - start) / n;
}

async function pipelined(op, n) {
  const start = hr();
  const calls = new Array(n);
  for (let i = 0; i < n; i++) calls[i] = op();
  const results = await Promise.all(calls);
  if (results.some((r) => r !== 2)) throw new Error("wrong result");
  return Number(hr() - start) / n;
}

async function spread(ops, calls, expected) {
  const start = hr();
  const pending = [];
  for (let i = 0; i < calls; i++) pending.push(ops[i % ops.length]());
  const results = await Promise.all(pending);
  if (results.some((r) => r !== expected)) throw new Error("wrong result");
  return Number(hr() - start) / 1e6;
}

/**
 * @param {{ MiniRacer: any, ivm: any | null, ivmNote: string, quick: boolean }} peers
 * @returns {Promise<boolean>} whether every mini-racer row worked
 */
export async function runAsyncSections({ MiniRacer, ivm, ivmNote, quick }) {
  let ok = true;
  const closers = [];
  try {
    const mr = new MiniRacer();
    closers.push(() => mr.close());
    const mrOp = () => mr.evalAsync("1+1");
    let ivmOp = null;
    if (ivm) {
      const iso = new ivm.Isolate({ memoryLimit: 64 });
      closers.push(() => iso.dispose());
      const ctx = await iso.createContext();
      ivmOp = () => ctx.eval("1+1");
    }

    // 5. Latency, paired slices.
    const pairs = quick ? 20 : 100;
    const perSlice = quick ? 200 : 500;
    await sequential(mrOp, 2000);
    if (ivmOp) await sequential(ivmOp, 2000);
    const mrTimes = [];
    const ivmTimes = [];
    const ratios = [];
    for (let i = 0; i < pairs; i++) {
      let a, b;
      if (ivmOp && i % 2) {
        b = await sequential(ivmOp, perSlice);
        a = await sequential(mrOp, perSlice);
      } else {
        a = await sequential(mrOp, perSlice);
        b = ivmOp ? await sequential(ivmOp, perSlice) : NaN;
      }
      mrTimes.push(a);
      if (ivmOp) {
        ivmTimes.push(b);
        ratios.push(a / b);
      }
    }
    console.log("");
    console.log(`5. async round trip, one await after another [µs/op] (${pairs} paired slices of ${perSlice})`);
    console.log(`mini-racer   evalAsync("1+1")        median ${us(median(mrTimes))}  min ${us(Math.min(...mrTimes))}  max ${us(Math.max(...mrTimes))}`);
    if (ivmOp) {
      console.log(`isolated-vm  context.eval("1+1")     median ${us(median(ivmTimes))}  min ${us(Math.min(...ivmTimes))}  max ${us(Math.max(...ivmTimes))}`);
      const r = median(ratios);
      console.log(
        `target: mini-racer evalAsync / isolated-vm eval (async) at most ${LATENCY_TARGET}x: paired median ${r.toFixed(3)}x ` +
          `(quartiles ${quantile(ratios, 0.25).toFixed(3)}x..${quantile(ratios, 0.75).toFixed(3)}x)`,
      );
      console.log(`  -> ${r <= LATENCY_TARGET ? "MEETS" : "DOES NOT MEET"} the target`);
    } else {
      console.log(`isolated-vm  unavailable in this process (${ivmNote}); target not checked`);
    }

    // 6. Pipelined.
    const inFlight = 1000;
    const rounds = quick ? 3 : 10;
    await pipelined(mrOp, inFlight);
    if (ivmOp) await pipelined(ivmOp, inFlight);
    const mrPipe = [];
    const ivmPipe = [];
    for (let i = 0; i < rounds; i++) {
      mrPipe.push(await pipelined(mrOp, inFlight));
      if (ivmOp) ivmPipe.push(await pipelined(ivmOp, inFlight));
    }
    console.log("");
    console.log(`6. async calls pipelined, ${inFlight} in flight on one sandbox [µs/op] (median of ${rounds} rounds)`);
    console.log(`mini-racer   evalAsync("1+1")        ${us(median(mrPipe))}`);
    if (ivmOp) {
      console.log(`isolated-vm  context.eval("1+1")     ${us(median(ivmPipe))}  (${(median(mrPipe) / median(ivmPipe)).toFixed(2)}x)`);
    }

    // 7. CPU-bound throughput, 1 vs 2 sandboxes.
    const fibN = quick ? 25 : 27;
    const calls = quick ? 24 : 48;
    const expected = fibOf(fibN);
    const mrSandboxes = [new MiniRacer(), new MiniRacer()];
    closers.push(() => mrSandboxes.forEach((s) => s.close()));
    for (const s of mrSandboxes) s.execute(FIB_SRC);
    const mrFib = mrSandboxes.map((s) => () => s.callAsync("fib", fibN));
    let ivmFib = null;
    if (ivm) {
      ivmFib = [];
      for (let i = 0; i < 2; i++) {
        const iso = new ivm.Isolate({ memoryLimit: 64 });
        closers.push(() => iso.dispose());
        const ctx = await iso.createContext();
        await ctx.eval(FIB_SRC);
        const fib = await ctx.global.get("fib", { reference: true });
        ivmFib.push(() => fib.apply(undefined, [fibN], { result: { copy: true } }));
      }
    }
    const measure = async (ops) => {
      await spread(ops, 4, expected);
      const one = [];
      const two = [];
      for (let i = 0; i < (quick ? 2 : 3); i++) {
        one.push(await spread([ops[0]], calls, expected));
        two.push(await spread(ops, calls, expected));
      }
      return { one: median(one), two: median(two) };
    };
    const mrScale = await measure(mrFib);
    const ivmScale = ivmFib ? await measure(ivmFib) : null;
    const per = (ms) => (calls / (ms / 1000)).toFixed(0);
    console.log("");
    console.log(`7. CPU-bound async calls: ${calls} × fib(${fibN}), all issued at once [calls/s]`);
    console.log(
      `mini-racer   1 sandbox ${per(mrScale.one)}/s (${mrScale.one.toFixed(0)} ms)   2 sandboxes ${per(mrScale.two)}/s (${mrScale.two.toFixed(0)} ms)   scaling ${(mrScale.one / mrScale.two).toFixed(2)}x`,
    );
    if (ivmScale) {
      console.log(
        `isolated-vm  1 isolate  ${per(ivmScale.one)}/s (${ivmScale.one.toFixed(0)} ms)   2 isolates  ${per(ivmScale.two)}/s (${ivmScale.two.toFixed(0)} ms)   scaling ${(ivmScale.one / ivmScale.two).toFixed(2)}x`,
      );
    }
  } catch (error) {
    console.log(`async sections: error: ${error?.stack ?? error}`);
    ok = false;
  } finally {
    for (const close of closers) {
      try {
        close();
      } catch {}
    }
  }
  return ok;
}

function fibOf(n) {
  let a = 0;
  let b = 1;
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}
