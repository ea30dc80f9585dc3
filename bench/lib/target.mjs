// The speed target of the synchronous sections, checked at the end of
// bench/run.mjs: mini-racer eval / isolated-vm evalSync at most 0.6x. Besides
// the ratio of the section-1 medians, a dedicated paired check (pairedRatio
// in measure.mjs) alternates short slices of the two, so that the speed
// swings of a shared machine mostly cancel out; the verdict uses the paired
// figure when it is available (not when isolated-vm ran in a child process).

import { pairedRatio } from "./measure.mjs";
import { firstLine } from "./peers.mjs";
import { fmtNum, fmtOps } from "./report.mjs";

const TARGET_RATIO = 0.6;

export function checkEvalTarget({ allResults, mr, ivm, ivmMode, quick }) {
  const mrEval = allResults.eval.find((r) => r.peer === "mini-racer");
  const ivmEval = allResults.eval.find((r) => r.peer.startsWith("isolated-vm"));
  console.log("");
  console.log(`target: mini-racer eval / isolated-vm evalSync at most ${TARGET_RATIO}x`);
  if (mrEval?.status === "ok" && ivmEval?.status === "ok") {
    const ofMedians = mrEval.medianNs / ivmEval.medianNs;
    console.log(
      `  section 1 medians:   ${fmtNum(mrEval.medianNs)} / ${fmtNum(ivmEval.medianNs)} ns = ${ofMedians.toFixed(3)}x`,
    );
    let paired = null;
    if (ivmMode === "in-process") {
      let m, iso;
      try {
        m = new mr.MiniRacer();
        iso = new ivm.ivm.Isolate({ memoryLimit: 64 });
        const ctx = iso.createContextSync();
        paired = pairedRatio(() => m.eval("1+1"), () => ctx.evalSync("1+1"), quick ? 30 : 150, (quick ? 2 : 4) * 1e6);
        console.log(
          `  paired slices:       median ${paired.median.toFixed(3)}x (quartiles ${paired.q1.toFixed(3)}x..${paired.q3.toFixed(3)}x) ` +
            `over ${paired.pairs} pairs of ${fmtOps(paired.na)} + ${fmtOps(paired.nb)} ops`,
        );
      } catch (e) {
        console.log(`  paired slices:       error: ${firstLine(e)}`);
      } finally {
        try {
          m?.close();
          iso?.dispose();
        } catch {}
      }
    } else {
      console.log(
        "  paired slices:       n/a (isolated-vm ran in a child process, at another time: the ratio above is less reliable)",
      );
    }
    const ratio = paired ? paired.median : ofMedians;
    const verdict = ratio <= TARGET_RATIO ? "MEETS" : "DOES NOT MEET";
    console.log(`  -> ${verdict} the target: ${ratio.toFixed(3)}x (${paired ? "paired slices" : "section 1 medians"})`);
  } else {
    console.log("  n/a: a side is unavailable; target not checked");
  }
}
