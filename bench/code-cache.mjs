// Code cache benchmark, run by bench/run.mjs after the pool sections.
//
// 13. Babel standalone (@babel/standalone's babel.min.js, ~3 MB, from
//     bench/peers) loaded with `execute` into a fresh MiniRacer: the first
//     load in the process (compiled from source; the in-process cache is
//     emptied before each such round) against the next load into another
//     fresh MiniRacer (compiled from the cache the first one made). Rounds
//     alternate first and second, so machine noise hits both alike; the
//     medians and their ratio are printed. Target: second >= 2.5x faster.
//     For reference, node:vm in the host isolate: `new vm.Script` + run in a
//     new context, cold (a source V8 has not seen) against warm (V8's own
//     in-isolate compilation cache).
//     Then, with `codeCache: { dir }`, a new process's first load: one child
//     writes the directory, the next one loads from it (times measured
//     inside each child, around `execute`).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { median } from "./stats.mjs";

const TARGET = 2.5;
const require = createRequire(import.meta.url);
const peerRequire = createRequire(new URL("./peers/package.json", import.meta.url));
const DIST = fileURLToPath(new URL("../dist/cjs/", import.meta.url));
const hr = () => process.hrtime.bigint();
const ms = (start) => Number(hr() - start) / 1e6;

function babelSource() {
  try {
    return readFileSync(babelPath(), "utf8");
  } catch {
    return undefined;
  }
}

/** Babel standalone: a devDependency of the package (else bench/peers'). */
function babelPath() {
  try {
    return require.resolve("@babel/standalone/babel.min.js");
  } catch {
    return peerRequire.resolve("@babel/standalone/babel.min.js");
  }
}

/** Loads `source` into a new MiniRacer; returns the ms `execute` took. */
function load(MiniRacer, source, options) {
  const mr = new MiniRacer(options);
  try {
    const start = hr();
    mr.execute(source);
    const took = ms(start);
    if (mr.eval("typeof Babel.transform") !== "function") throw new Error("Babel did not load");
    return took;
  } finally {
    mr.close();
  }
}

/** In a child process: the ms of one load with the directory, and whether it came from a file. */
function childLoad(dir) {
  const script = `
    const { MiniRacer } = require(${JSON.stringify(path.join(DIST, "index.js"))});
    const { codeCacheStats } = require(${JSON.stringify(path.join(DIST, "internal/code_cache.js"))});
    const source = require("node:fs").readFileSync(${JSON.stringify(babelPath())}, "utf8");
    const mr = new MiniRacer({ codeCache: { dir: ${JSON.stringify(dir)} } });
    const start = process.hrtime.bigint();
    mr.execute(source);
    const took = Number(process.hrtime.bigint() - start) / 1e6;
    mr.close();
    console.log(JSON.stringify({ took, fromFile: codeCacheStats().fileHits === 1 }));`;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }));
}

/**
 * @param {{ MiniRacer: any, quick: boolean }} lib
 * @returns {boolean} whether every row worked
 */
export function runCodeCacheSection({ MiniRacer, quick }) {
  console.log("");
  const source = babelSource();
  if (source === undefined) {
    console.log("13. code cache: Babel standalone unavailable (npm run bench:peers)");
    return true;
  }
  const rounds = quick ? 3 : 7;
  console.log(
    `13. code cache: Babel standalone (${(source.length / 1e6).toFixed(1)} M chars) loaded into a fresh MiniRacer, ${rounds} rounds [ms]`,
  );
  try {
    const { clearCodeCache } = require(path.join(DIST, "internal/code_cache.js"));
    const first = [];
    const second = [];
    load(MiniRacer, source, { codeCache: false }); // warm-up: the host's own code paths
    for (let i = 0; i < rounds; i++) {
      clearCodeCache();
      first.push(load(MiniRacer, source));
      second.push(load(MiniRacer, source));
    }
    const off = [];
    for (let i = 0; i < Math.min(rounds, 3); i++) off.push(load(MiniRacer, source, { codeCache: false }));
    const ratio = median(first) / median(second);
    const fmt = (xs) => `median ${median(xs).toFixed(1)}  min ${Math.min(...xs).toFixed(1)}  max ${Math.max(...xs).toFixed(1)}`;
    console.log(`  mini-racer  first load in the process (compiled from source)   ${fmt(first)}`);
    console.log(`  mini-racer  next load, fresh MiniRacer (from the code cache)    ${fmt(second)}`);
    console.log(`  mini-racer  codeCache: false, any load                          ${fmt(off)}`);
    console.log(`  -> second load ${ratio.toFixed(2)}x faster; ${ratio >= TARGET ? "MEETS" : "DOES NOT MEET"} the target (>= ${TARGET}x)`);

    const cold = [];
    const warm = [];
    for (let i = 0; i < rounds; i++) {
      const unique = `${source}\n//${process.pid}-${i}-${Math.random()}`;
      for (const list of [cold, warm]) {
        const start = hr();
        new vm.Script(unique).runInContext(vm.createContext({}));
        list.push(ms(start));
      }
    }
    console.log(
      `  node:vm     new Script + run in a new context: cold ${median(cold).toFixed(1)}, warm (V8's in-isolate cache) ${median(warm).toFixed(1)} -> ${(median(cold) / median(warm)).toFixed(2)}x`,
    );

    const dir = mkdtempSync(path.join(tmpdir(), "mini-racer-bench-cache-"));
    try {
      const writer = childLoad(dir);
      const reader = childLoad(dir);
      if (writer.fromFile || !reader.fromFile) throw new Error("the directory was not used as expected");
      console.log(
        `  codeCache: { dir }, a new process: first load ${writer.took.toFixed(1)} (writes the file), next process ${reader.took.toFixed(1)} (from the file) -> ${(writer.took / reader.took).toFixed(2)}x`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return true;
  } catch (error) {
    console.log(`code cache section: error: ${error?.stack ?? error}`);
    return false;
  }
}
