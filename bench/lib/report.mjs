// How bench/run.mjs prints: the header (versions, which peers were skipped,
// the method in one line) and each synchronous section's table. Kept apart
// from the measuring so that the printed format, which bench/README.md
// quotes, lives in one place.

import os from "node:os";
import { PEERS_HINT } from "./peers.mjs";

export const UNIT = { ns: [1, "ns/op"], us: [1e3, "µs/op"], ms: [1e6, "ms/op"] };
export const fmtNum = (x) => {
  if (x >= 1000) return x.toFixed(0);
  if (x >= 100) return x.toFixed(1);
  if (x >= 10) return x.toFixed(2);
  return x.toFixed(3);
};
export const fmtRel = (x) => (x >= 0.1 ? `${x.toFixed(2)}x` : `${x.toPrecision(2)}x`);
export const fmtOps = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(1)}k` : String(n));

export function printHeader({ quick, cfg, mr, ivm, qjs, ivmNote }) {
  const cpu = os.cpus()[0]?.model?.trim() ?? "unknown CPU";
  console.log(`mini-racer benchmark${quick ? " (--quick)" : ""}`);
  console.log(`Node ${process.version} (V8 ${process.versions.v8}), ${os.cpus().length} × ${cpu}, ${os.platform()}/${os.arch()}`);
  console.log(`mini-racer: ${mr.ok ? mr.version : "unavailable (" + mr.reason + ")"}`);
  console.log(`isolated-vm: ${ivm.ok ? ivm.version : "unavailable (" + ivm.reason + ")"}`);
  console.log(`quickjs: ${qjs.ok ? qjs.version : "unavailable (" + qjs.reason + ")"}`);
  console.log(`note: ${ivmNote}`);
  const skipped = [["isolated-vm", ivm], ["quickjs-emscripten", qjs]].filter(([, p]) => !p.ok && p.reason === PEERS_HINT);
  if (skipped.length) {
    console.log(`skipped peers: ${skipped.map(([name]) => name).join(", ")} (${PEERS_HINT})`);
  }
  console.log(
    `method: median of ${cfg.rounds} rounds of ~${cfg.roundMs} ms each, after JIT warm-up + ${cfg.warmup} discarded round(s); ` +
      "rounds of a section interleaved.",
  );
}

// One section's table: a row per peer, with the median, the fastest and
// slowest round, the op counts and the ratio to mini-racer's median; a row
// that is unavailable or failed prints its reason instead.
export function printSection(s, results) {
  const [div, unitName] = UNIT[s.unit];
  const base = results.find((r) => r.peer === "mini-racer" && r.status === "ok");
  const header = ["peer", "operation", `median ${unitName}`, "min", "max", "ops/round × rounds", "vs mini-racer"];
  const table = results.map((r) => {
    if (r.status !== "ok") {
      return [r.peer, r.label, r.status, "", "", "", r.reason ?? ""];
    }
    const rel = base ? r.medianNs / base.medianNs : NaN;
    return [
      r.peer,
      r.label,
      fmtNum(r.medianNs / div),
      fmtNum(r.minNs / div),
      fmtNum(r.maxNs / div),
      `${fmtOps(r.opsPerRound)} × ${r.rounds}`,
      r === base ? "1.00x" : Number.isFinite(rel) ? fmtRel(rel) : "",
    ];
  });
  const okRows = table.filter((row, k) => results[k].status === "ok");
  const widths = header.map((h, i) =>
    Math.max(h.length, ...(i < 2 ? table : okRows).map((row) => String(row[i]).length)),
  );
  const right = [false, false, true, true, true, true, true];
  const line = (cells) =>
    cells
      .map((c, i) => {
        const str = String(c);
        // The last column of an error row carries the reason: don't pad it.
        if (i === cells.length - 1 && !right[i]) return str;
        return right[i] ? str.padStart(widths[i]) : str.padEnd(widths[i]);
      })
      .join("  ")
      .trimEnd();
  console.log("");
  console.log(`${s.id === "eval" ? 1 : s.id === "call" ? 2 : s.id === "create" ? 3 : 4}. ${s.title} [${unitName}]`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) {
    if (row[2] === "unavailable" || row[2] === "error") {
      console.log(`${String(row[0]).padEnd(widths[0])}  ${String(row[1]).padEnd(widths[1])}  ${row[2]}${row[6] ? ": " + row[6] : ""}`);
    } else {
      console.log(line(row));
    }
  }
}
