// `scripts/builtin-hangs.mjs --compare before.json after.json`: the cases
// that overran (took more than 150 ms, or never ended) in either of two
// `--json` runs, side by side, to see what a change to the guard did.

import { readFileSync } from "node:fs";

// One cell of the table: how a case ended, and after how long.
function short(r) {
  if (!r) return "not run";
  if (r.setupError) return `setup failed`;
  const what = r.outcome.startsWith("KILLED") ? "never ended (killed at 3 s)" :
    r.outcome.startsWith("process died") ? (/OOM|SIGTRAP|SIGABRT/.test(r.outcome) ? "process aborted" : "child failed") :
    r.outcome.replace(/\/ERR_MINI_RACER_\w+/, "").replace(/: the call exceeded its time limit/, "").slice(0, 90);
  return r.ms === undefined ? what : `${what}, ${Math.round(r.ms)} ms`;
}

export function compare(beforeFile, afterFile) {
  const load = (file) => new Map(JSON.parse(readFileSync(file, "utf8")).map((r) => [`${r.group} ${r.name}`, r]));
  const before = load(beforeFile), after = load(afterFile);
  const late = (r) => r && !r.setupError && (r.ms === undefined || r.ms > 150);
  process.stdout.write("| group | case | before | after |\n|---|---|---|---|\n");
  for (const [key, b] of before) {
    const a = after.get(key);
    if (late(b) || late(a)) process.stdout.write(`| ${b.group} | ${b.name.replace(/\|/g, "\\|")} | ${short(b)} | ${short(a)} |\n`);
  }
}
