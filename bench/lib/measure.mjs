// The measuring method of bench/run.mjs's synchronous sections, kept apart
// from what is measured (sections.mjs) and how it is printed (report.mjs), so
// the method can be read, and changed, in one place.
//
// For every row: the operation is first checked to return the right value,
// then run in a tight loop until the JIT has settled (calibration, which also
// sizes a round to about cfg.roundMs), then cfg.warmup discarded rounds, then
// cfg.rounds measured rounds. A round is timed as a whole with
// process.hrtime.bigint() and divided by its op count; the figure shown is the
// median of the rounds, with the fastest and slowest round beside it.
// Within a section, the measured rounds of the rows are interleaved (round 1
// of every row, then round 2 of every row, ... in a rotating order) so that a
// noisy neighbour or a frequency change hits all rows alike.
//
// pairedRatio() is the paired measurement the eval target check uses
// (target.mjs).

import { median } from "../stats.mjs";
import { firstLine } from "./peers.mjs";

// Each row gets its own freshly compiled loop, so no row's type feedback
// (a megamorphic call site) slows down another row.
export function makeLoop() {
  return new Function(
    "op",
    "n",
    `"use strict";
     let sink;
     const t0 = process.hrtime.bigint();
     for (let i = 0; i < n; i++) sink = op();
     const t1 = process.hrtime.bigint();
     return [Number(t1 - t0), sink];`,
  );
}

let blackhole = 0;
export function consume(v) {
  // Keep the results observable so nothing can be optimised away.
  blackhole = (blackhole + (typeof v === "number" ? v : 1)) | 0;
}
/** The sink's value, for the end of the run to keep it observable. */
export function blackholeValue() {
  return blackhole;
}

export function calibrate(loop, op, targetNs) {
  // Warm-up and round sizing in one: run batches of growing size (up to about
  // a round) until at least two rounds' worth of time has been spent, a batch
  // lasted at least a quarter of a round, and the per-op time has settled
  // (within 15% of the previous batch; quickjs, for one, runs several times
  // slower until V8 has tiered up its WebAssembly). Give up waiting for it to
  // settle after 15 rounds' worth. The round is sized from the fastest per-op
  // time of the batches that lasted at least 1/16 of a round, so a GC pause in
  // one batch does not shrink the rounds.
  let n = 1;
  let spent = 0;
  let best = Infinity;
  let prev = Infinity;
  for (;;) {
    const [ns, sink] = loop(op, n);
    consume(sink);
    spent += ns;
    const perOp = ns / n;
    if (ns >= targetNs / 16) best = Math.min(best, perOp);
    const settled = Math.abs(perOp - prev) <= 0.15 * prev;
    if ((spent >= 2 * targetNs && ns >= targetNs / 4 && settled) || spent >= 15 * targetNs || n >= 1 << 26) {
      return Math.max(1, Math.round(targetNs / Math.max(Math.min(best, perOp), 1)));
    }
    prev = perOp;
    if (ns < targetNs / 2) n = ns * 8 < targetNs ? n * 4 : n * 2;
  }
}

// A row: { peer, label, expect, unavailable?, setup: () => { op, close? } | Promise<...> }.
// cfg: { roundMs, warmup, rounds }.
// Returns one result per row: { peer, label, status, medianNs, minNs, maxNs, opsPerRound, rounds }.
export async function measureSection(rows, cfg) {
  const targetNs = cfg.roundMs * 1e6;
  const live = [];
  const results = rows.map((r) => ({ peer: r.peer, label: r.label, status: "ok" }));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const res = results[i];
    if (row.unavailable) {
      Object.assign(res, { status: "unavailable", reason: row.unavailable });
      continue;
    }
    let h;
    try {
      h = await row.setup();
      const got = h.op();
      if (got !== row.expect) throw new Error(`returned ${String(got)}, expected ${row.expect}`);
      live.push({ h, res, loop: makeLoop(), samples: [], n: 0 });
    } catch (e) {
      Object.assign(res, { status: "error", reason: firstLine(e) });
      try {
        h?.close?.();
      } catch {}
    }
  }
  const guard = (entry, fn) => {
    if (entry.res.status !== "ok") return;
    try {
      fn();
    } catch (e) {
      Object.assign(entry.res, { status: "error", reason: firstLine(e) });
    }
  };
  for (const e of live) guard(e, () => (e.n = calibrate(e.loop, e.h.op, targetNs)));
  for (let w = 0; w < cfg.warmup; w++) {
    for (const e of live) guard(e, () => consume(e.loop(e.h.op, e.n)[1]));
  }
  for (let r = 0; r < cfg.rounds; r++) {
    for (let k = 0; k < live.length; k++) {
      const e = live[(k + r) % live.length];
      guard(e, () => {
        const [ns, sink] = e.loop(e.h.op, e.n);
        consume(sink);
        e.samples.push(ns / e.n);
      });
    }
  }
  for (const e of live) {
    try {
      e.h.close?.();
    } catch {}
    if (e.res.status !== "ok") continue;
    Object.assign(e.res, {
      medianNs: median(e.samples),
      minNs: Math.min(...e.samples),
      maxNs: Math.max(...e.samples),
      opsPerRound: e.n,
      rounds: e.samples.length,
      samples: e.samples, // ns/op of each measured round, in round order
    });
  }
  return results;
}

// A paired measurement of two operations: alternate short slices of the two
// (A B, B A, A B, ...) and take the median of the per-pair ratios A/B. Both
// sides of a pair run within milliseconds of each other, so the speed swings
// of a shared machine (up to ~1.6x over seconds on the 2-vCPU VM this was
// written on, from other processes or from the host) mostly cancel out.
export function pairedRatio(opA, opB, pairs, sliceNs) {
  const la = makeLoop();
  const lb = makeLoop();
  const na = calibrate(la, opA, sliceNs);
  const nb = calibrate(lb, opB, sliceNs);
  const ratios = [];
  for (let i = 0; i < pairs; i++) {
    let a, b;
    if (i % 2) {
      b = lb(opB, nb);
      a = la(opA, na);
    } else {
      a = la(opA, na);
      b = lb(opB, nb);
    }
    consume(a[1]);
    consume(b[1]);
    ratios.push(a[0] / na / (b[0] / nb));
  }
  ratios.sort((x, y) => x - y);
  const q = (f) => ratios[Math.min(ratios.length - 1, Math.floor(f * ratios.length))];
  return { median: median(ratios), q1: q(0.25), q3: q(0.75), pairs, na, nb };
}
