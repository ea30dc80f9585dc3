// Section 16: `mini-racer --lines` throughput (issue 16), beside the same
// filter in plain Node, in the same run. Run by bench/run.mjs after the
// creation sections, or alone: `node bench/cli-lines.mjs [--quick]`.
//
// Input: ~1M small JSON lines (100k with --quick) in a temporary file, e.g.
// {"id":7,"status":500,"path":"/p/7"}; one in 7 has status 500. Filter:
// `e => e.status >= 500 && { path: e.path }`.
//   mini-racer: `node bin/mini-racer.js --filter --lines FN < file`, the
//     package's command, stdout read by this process through a pipe.
//   plain Node: a child running readline over the same file, JSON.parse,
//     the same function, JSON.stringify of the kept results, written to
//     stdout (no sandbox, no limits).
// Both children's whole lifetimes are timed, and each round also times both
// on an empty input: the second figure is the rate after start-up (~60 ms
// for node, ~150 ms with the addon and a sandbox), which is what --quick's
// 100k lines can show. Rounds alternate A B, B A, ...; figures are medians
// in lines/s, and both outputs are checked to be the same.
// Target: mini-racer >= 200,000 lines/s, after start-up.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, openSync, closeSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { median } from "./stats.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const BIN = path.join(ROOT, "bin", "mini-racer.js");
const FN = "e => e.status >= 500 && { path: e.path }";
const TARGET_LINES_PER_S = 200_000;
const PLAIN_NODE = `
const readline = require("node:readline");
const fn = ${FN};
const out = [];
const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on("line", (line) => {
  if (line.trim() === "") return;
  const result = fn(JSON.parse(line));
  if (result === undefined || result === false) return;
  out.push(JSON.stringify(result));
  if (out.length >= 1024) flush();
});
let blocked = false;
function flush() {
  if (!process.stdout.write(out.join("\\n") + "\\n") && !blocked) {
    blocked = true;
    lines.pause();
    process.stdout.once("drain", () => { blocked = false; lines.resume(); });
  }
  out.length = 0;
}
lines.on("close", () => { if (out.length > 0) flush(); });
`;

/** Runs `args` with the file as stdin; resolves to { ms, lines, bytes } of its stdout. */
function timedRun(args, file) {
  return new Promise((resolve, reject) => {
    const input = openSync(file, "r");
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: [input, "pipe", "inherit"] });
    closeSync(input);
    let lines = 0;
    let bytes = 0;
    child.stdout.on("data", (chunk) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    });
    child.on("error", reject);
    child.on("close", (status) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (status !== 0) reject(new Error(`${args.join(" ").slice(0, 60)} exited ${status}`));
      else resolve({ ms, lines, bytes });
    });
  });
}

/** Section 16; resolves to false when the mini-racer row failed. */
export async function runCliLinesSection({ quick }) {
  const count = quick ? 100_000 : 1_000_000;
  const rounds = quick ? 1 : 3;
  const dir = mkdtempSync(path.join(tmpdir(), "mini-racer-bench-lines-"));
  const file = path.join(dir, "events.jsonl");
  const empty = path.join(dir, "empty.jsonl");
  writeFileSync(empty, "");
  let text = "";
  for (let i = 0; i < count; i++) text += `{"id":${i},"status":${i % 7 === 0 ? 500 : 200},"path":"/p/${i}"}\n`;
  writeFileSync(file, text);
  console.log(`\n16. --lines throughput: ${FN} over ${count.toLocaleString("en")} JSON lines (${(text.length / 1e6).toFixed(1)} MB), whole process, lines/s`);
  const rows = {
    "mini-racer --lines": { args: [BIN, "--filter", "--lines", FN], rates: [], afterStart: [], out: undefined },
    "plain Node (readline)": { args: ["-e", PLAIN_NODE], rates: [], afterStart: [], out: undefined },
  };
  const order = Object.keys(rows);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const name of round % 2 === 0 ? order : [...order].reverse()) {
        const row = rows[name];
        const startup = (await timedRun(row.args, empty)).ms;
        const { ms, lines, bytes } = await timedRun(row.args, file);
        row.rates.push(count / (ms / 1000));
        row.afterStart.push(count / (Math.max(1, ms - startup) / 1000));
        if (row.out !== undefined && (row.out.lines !== lines || row.out.bytes !== bytes)) throw new Error(`${name}: output changed`);
        row.out = { lines, bytes };
      }
    }
  } catch (error) {
    console.log(`  error: ${error.message}`);
    rmSync(dir, { recursive: true, force: true });
    return false;
  }
  rmSync(dir, { recursive: true, force: true });
  const [mr, plain] = order.map((name) => rows[name]);
  if (mr.out.lines !== plain.out.lines || mr.out.bytes !== plain.out.bytes) {
    console.log(`  error: outputs differ (${mr.out.lines} vs ${plain.out.lines} lines)`);
    return false;
  }
  const figure = (rates) => Math.round(median(rates)).toLocaleString("en").padStart(10);
  console.log(`  ${"".padEnd(24)} ${"whole run".padStart(10)}  ${"after start-up".padStart(14)}`);
  for (const name of order) {
    console.log(`  ${name.padEnd(24)} ${figure(rows[name].rates)}  ${figure(rows[name].afterStart).padStart(14)}`);
  }
  const mrRate = median(mr.afterStart);
  console.log(
    `  ${mr.out.lines.toLocaleString("en")} lines out from each; mini-racer / plain Node: ${(mrRate / median(plain.afterStart)).toFixed(2)}x after start-up; ` +
      `target >= ${TARGET_LINES_PER_S.toLocaleString("en")} lines/s: ${mrRate >= TARGET_LINES_PER_S ? "met" : "NOT met"}`,
  );
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ok = await runCliLinesSection({ quick: process.argv.includes("--quick") });
  process.exitCode = ok ? 0 : 1;
}
