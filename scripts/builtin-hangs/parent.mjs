// The parent side of scripts/builtin-hangs.mjs: runs the selected cases,
// `--jobs` at a time, each in a child process (`self --child <case>`) that is
// killed after `--kill` ms, and prints a Markdown table row per case as it
// ends, then a summary line; `--json` keeps every result for `--compare`.

import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cases } from "./cases.mjs";

function runCase(self, entry, settings) {
  return new Promise((resolve) => {
    const spec = JSON.stringify({ setup: entry.setup, code: entry.code, timeout: settings.timeout,
      asyncCall: settings.asyncCall, maxMemory: settings.maxMemory });
    const started = performance.now();
    const proc = spawn(process.execPath, [self, "--child", spec],
      { stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    proc.stdout.on("data", (d) => { out += d; });
    proc.stderr.on("data", (d) => { err += d; });
    const killer = setTimeout(() => proc.kill("SIGKILL"), settings.kill);
    proc.on("exit", (code, signal) => {
      clearTimeout(killer);
      const result = { ...entry, wall: performance.now() - started };
      for (const line of out.split("\n")) {
        if (!line) continue;
        try { Object.assign(result, JSON.parse(line)); } catch { /* not ours */ }
      }
      if (result.ms === undefined && !result.setupError) {
        result.outcome = signal === "SIGKILL" ? `KILLED after ${settings.kill} ms (hang)` :
          `process died: code ${code} signal ${signal} ${err.split("\n").filter(Boolean).slice(-2).join(" | ").slice(0, 160)}`;
      } else if (result.closeMs === undefined && !result.setupError) {
        result.outcome += ` | close() did not return (${signal ?? code})`;
      }
      resolve(result);
    });
  });
}

export async function parent(self, opts) {
  const settings = {
    timeout: Number(opts.timeout),
    kill: Number(opts.kill),
    asyncCall: opts.async,
    maxMemory: opts["max-memory"] && Number(opts["max-memory"]),
  };
  const jobs = Number(opts.jobs);
  const filter = opts.filter;
  const all = cases().filter((c) => !filter || new RegExp(filter).test(`${c.group} ${c.name}`));
  const results = [];
  let next = 0;
  async function worker() {
    while (next < all.length) {
      const entry = all[next++];
      const result = await runCase(self, entry, settings);
      results.push(result);
      const over = result.ms === undefined ? Infinity : result.ms - settings.timeout;
      if (!opts["only-overruns"] || over > 50) print(result, settings);
    }
  }
  process.stdout.write(`| group | case | ms | overrun | outcome | RSS +MB |\n|---|---|---|---|---|---|\n`);
  await Promise.all(Array.from({ length: jobs }, worker));
  const json = opts.json;
  if (json) writeFileSync(json, JSON.stringify(results, null, 1));
  const overran = results.filter((r) => r.ms === undefined ? !r.setupError : r.ms > settings.timeout + 50);
  process.stdout.write(`\n${results.length} cases, ${overran.length} overran the ${settings.timeout} ms limit by > 50 ms or did not end\n`);
}

function print(r, settings) {
  const ms = r.ms === undefined ? "-" : r.ms.toFixed(0);
  const over = r.ms === undefined ? (r.setupError ? "-" : "∞") : Math.max(0, r.ms - settings.timeout).toFixed(0);
  const outcome = (r.setupError ? `setup failed: ${r.setupError}` : r.outcome).replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rss = r.rssMB === undefined ? "-" : r.rssMB.toFixed(0);
  process.stdout.write(`| ${r.group} | ${r.name.replace(/\|/g, "\\|")} | ${ms} | ${over} | ${outcome} | ${rss} |\n`);
}
