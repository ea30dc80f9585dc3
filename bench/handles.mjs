// Handle and host-function benchmarks, run by bench/run.mjs.
//
// 8. Calling a sandbox function through a handle with a small object
//    argument, `f({ a: 1, b: [1, 2, 3] })`, against isolated-vm's
//    `Reference.applySync(undefined, [obj], { arguments: { copy: true } })`.
// 9. A sandbox loop calling a host function 100,000 times
//    (`for (...) hostFn(i)`), against the same loop calling an
//    isolated-vm `Callback`. Reported per call.
// Both in paired slices (A B, B A, ...): the verdict uses the median of the
// per-pair ratios. Target: at most 0.7x isolated-vm for each.

import { median, quantile } from "./stats.mjs";

const TARGET = 0.7;
const FN_SRC = "(function f(o) { return o.a + o.b.length })";
const ARG = { a: 1, b: [1, 2, 3] };

const hr = () => process.hrtime.bigint();

function slice(op, n) {
  const start = hr();
  for (let i = 0; i < n; i++) op();
  return Number(hr() - start) / n;
}

function paired(opA, opB, pairs, perSlice, scale = 1) {
  slice(opA, perSlice);
  slice(opB, perSlice);
  const a = [];
  const b = [];
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    let x, y;
    if (i % 2) {
      y = slice(opB, perSlice);
      x = slice(opA, perSlice);
    } else {
      x = slice(opA, perSlice);
      y = slice(opB, perSlice);
    }
    a.push(x / scale);
    b.push(y / scale);
    ratios.push(x / y);
  }
  return { a, b, ratios };
}

function report(title, mrLabel, ivmLabel, result) {
  console.log("");
  console.log(title);
  const line = (label, xs) =>
    `${label.padEnd(62)} median ${median(xs).toFixed(0).padStart(5)}  min ${Math.min(...xs).toFixed(0).padStart(5)}  max ${Math.max(...xs).toFixed(0).padStart(5)}`;
  console.log(line(`mini-racer   ${mrLabel}`, result.a));
  if (result.ratios.length === 0) return true;
  console.log(line(`isolated-vm  ${ivmLabel}`, result.b));
  const r = median(result.ratios);
  console.log(
    `target: at most ${TARGET}x isolated-vm: paired median ${r.toFixed(3)}x ` +
      `(quartiles ${quantile(result.ratios, 0.25).toFixed(3)}x..${quantile(result.ratios, 0.75).toFixed(3)}x)`,
  );
  console.log(`  -> ${r <= TARGET ? "MEETS" : "DOES NOT MEET"} the target`);
  return true;
}

/**
 * @param {{ MiniRacer: any, ivm: any | null, ivmNote: string, quick: boolean }} peers
 * @returns {boolean} whether every mini-racer row worked
 */
export function runHandleSections({ MiniRacer, ivm, ivmNote, quick }) {
  const closers = [];
  try {
    const mr = new MiniRacer();
    closers.push(() => mr.close());
    const f = mr.eval(FN_SRC);
    if (f(ARG) !== 4) throw new Error("wrong result from the handle");
    let ivmCall = null;
    let ivmCtx = null;
    if (ivm) {
      const iso = new ivm.Isolate({ memoryLimit: 64 });
      closers.push(() => iso.dispose());
      ivmCtx = iso.createContextSync();
      const ref = ivmCtx.evalSync(FN_SRC, { reference: true });
      ivmCall = () => ref.applySync(undefined, [ARG], { arguments: { copy: true } });
      if (ivmCall() !== 4) throw new Error("wrong result from isolated-vm");
    }
    const pairs = quick ? 20 : 100;
    const mrCall = () => f(ARG);
    const calls = ivmCall
      ? paired(mrCall, ivmCall, pairs, quick ? 2000 : 5000)
      : { a: [slice(mrCall, 20000)], b: [], ratios: [] };
    console.log("");
    if (!ivmCall) console.log(`(isolated-vm not measured in this process: ${ivmNote})`);
    report(
      "8. call a sandbox function with a small object argument [ns/op]",
      "f({ a: 1, b: [1, 2, 3] })  (function handle)",
      "ref.applySync(undefined, [obj], { arguments: { copy: true } })",
      calls,
    );

    let sum = 0;
    mr.expose("hostFn", (i) => {
      sum += i;
      return i;
    });
    const loop = "for (let i = 0; i < 1e5; i++) hostFn(i)";
    const mrLoop = () => mr.execute(loop);
    let ivmLoop = null;
    if (ivmCtx) {
      ivmCtx.global.setSync(
        "hostFn",
        new ivm.Callback((i) => {
          sum += i;
          return i;
        }),
      );
      ivmLoop = () => ivmCtx.evalSync(loop);
    }
    const loops = ivmLoop
      ? paired(mrLoop, ivmLoop, quick ? 6 : 20, 1, 1e5)
      : { a: [slice(mrLoop, 1) / 1e5], b: [], ratios: [] };
    report(
      "9. a sandbox loop calling a host function 100,000 times [ns per call]",
      "hostFn(i) exposed with mr.expose",
      "hostFn(i) as an ivm.Callback",
      loops,
    );
    if (sum <= 0) throw new Error("host function never ran");
    return true;
  } catch (error) {
    console.log(`handle sections: error: ${error?.stack ?? error}`);
    return false;
  } finally {
    for (const close of closers) {
      try {
        close();
      } catch {}
    }
  }
}
