import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { MiniRacer } from "../src/index.js";

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const root = path.resolve(__dirname, "..");

function rssMB(): number {
  gc();
  return process.memoryUsage().rss / MB;
}

/**
 * Resident memory outside the host's own V8 heap, after a GC: what a native
 * leak grows. The host heap's size is V8's policy, not ours (V8 13+, Node
 * 24+, grows its young generation from 16 to 64 MB over 100k calls).
 */
function nativeMB(): number {
  gc();
  const { rss, heapTotal } = process.memoryUsage();
  return (rss - heapTotal) / MB;
}

function hostHeapUsedMB(): number {
  gc();
  return process.memoryUsage().heapUsed / MB;
}

describe("no leaks", () => {
  it("creates and closes 100 MiniRacers with flat memory", () => {
    for (let i = 0; i < 10; i++) new MiniRacer().close();
    const before = rssMB();
    for (let i = 0; i < 100; i++) {
      const mr = new MiniRacer({ maxMemory: 32 * MB });
      mr.execute("var data = Array.from({ length: 1000 }, (_, i) => ({ i }))");
      expect(mr.eval("data.length")).toBe(1000);
      mr.close();
    }
    const grown = rssMB() - before;
    console.log(`100 create/close: RSS ${before.toFixed(1)} MB -> ${(before + grown).toFixed(1)} MB`);
    expect(grown).toBeLessThan(30);
  });

  // Leak checks compare later rounds with earlier ones: a leak grows every
  // round by the same amount, while V8's pools and the host heap settle at a
  // size of their own after the first rounds (Node 24+ keeps tens of MB of
  // freed isolate pages pooled), which one before/after sample cannot tell
  // from a leak.
  it("runs 100,000 evals in one MiniRacer with flat memory", () => {
    using mr = new MiniRacer();
    const round = () => {
      for (let i = 0; i < 50_000; i++) mr.eval("({ a: [1, 2, 3], s: 'x' + 1 })");
      mr.lowMemoryNotification();
      return { native: nativeMB(), host: hostHeapUsedMB(), sandbox: mr.heapStats().usedHeapSize / MB };
    };
    // Warm-up: the host's own heap and V8's pools grow to their working size first.
    round();
    round();
    const first = round();
    round();
    const last = round();
    const grown = last.native - first.native;
    const hostGrown = last.host - first.host;
    console.log(
      `100k evals: RSS outside the host heap +${grown.toFixed(1)} MB, host heap used +${hostGrown.toFixed(1)} MB, ` +
        `sandbox heap ${first.sandbox.toFixed(2)} -> ${last.sandbox.toFixed(2)} MB`,
    );
    // A leak of 100 bytes per call would be +10 MB here.
    expect(grown).toBeLessThan(10);
    expect(hostGrown).toBeLessThan(10);
    expect(last.sandbox).toBeLessThan(first.sandbox + 2);
  });

  it("frees the isolate of a MiniRacer garbage-collected without close()", async () => {
    const round = async () => {
      for (let i = 0; i < 40; i++) {
        const mr = new MiniRacer();
        mr.execute("var keep = new Array(100000).fill(1.5)");
      }
      for (let i = 0; i < 10; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return rssMB();
    };
    const samples = [rssMB()];
    for (let i = 0; i < 5; i++) samples.push(await round());
    console.log(`unclosed MiniRacers, 40 a round, RSS after each: ${samples.map((mb) => mb.toFixed(0)).join(", ")} MB`);
    // 80 isolates never freed would add over 160 MB (2 MB each, plus their arrays).
    expect(samples[5] - samples[3]).toBeLessThan(40);
  });

  it("lets the process exit with live sandboxes", () => {
    const out = execFileSync(
      process.execPath,
      ["-e", "const { MiniRacer } = require('mini-racer'); const a = new MiniRacer(); const b = new MiniRacer(); a.eval('1'); console.log(b.eval('2+2'))"],
      { cwd: root, encoding: "utf8", timeout: 20_000 },
    );
    expect(out.trim()).toBe("4");
  });
});

describe("package entry points", () => {
  it("works with require() and import, sharing one set of classes", () => {
    const cjs = execFileSync(
      process.execPath,
      ["-e", "const m = require('mini-racer'); const r = new m.MiniRacer(); console.log(r.eval('1 + 1'), typeof m.JSEvalError); r.close()"],
      { cwd: root, encoding: "utf8" },
    );
    expect(cjs.trim()).toBe("2 function");
    const esm = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "import { MiniRacer, JSEvalError } from 'mini-racer'; import { createRequire } from 'node:module';" +
          "const cjs = createRequire(import.meta.url)('mini-racer');" +
          "const mr = new MiniRacer(); try { mr.eval('throw 1') } catch (e) { console.log(e instanceof cjs.JSEvalError, e instanceof JSEvalError) }" +
          "console.log(mr.eval('6 * 7')); mr.close()",
      ],
      { cwd: root, encoding: "utf8" },
    );
    expect(esm.trim()).toBe("true true\n42");
  });
});

describe("the README's examples and package promises", () => {
  it("npm run example (examples/quickstart.mjs) runs and prints what the README shows", () => {
    const run = spawnSync(process.execPath, [path.join(root, "examples/quickstart.mjs")], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toBe("1 + 1 = 2");
    expect(lines).toContain("an infinite loop: JSTimeoutError (ERR_MINI_RACER_TIMEOUT): the call exceeded its time limit");
    expect(lines).toContain("runaway allocation: JSOOMError (ERR_MINI_RACER_OOM): the sandbox reached its memory cap");
    expect(lines).toContain("still usable: yes");
    expect(lines).toContain("async value = later");
    expect(lines.at(-1)).toBe("aborted: AbortError (ERR_MINI_RACER_ABORTED)");
  });

  it("npm run example:plugin-host (examples/plugin-host.mjs) runs and gives the README's results", () => {
    const run = spawnSync(process.execPath, [path.join(root, "examples/plugin-host.mjs")], { cwd: root, encoding: "utf8", timeout: 30_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    // README: sandbox.call("analyze", ["a", "b", "c"]) -> { distinct: 23, top: [...] }
    expect(run.stdout).toContain("analyze: { distinct: 23, top: [");
    expect(run.stdout).toContain("summarize: Sandboxes keep plugins honest.");
    expect(run.stdout).toContain("runaway plugin stopped: ERR_MINI_RACER_TIMEOUT");
    expect(run.stdout).toContain("progress 3/3");
    expect(run.stdout).toContain("[log] analyzed 3 documents, 23 distinct words");
  });

  it("test/README.md names only tests that exist, and numbers its claims 1..n", () => {
    const table = readFileSync(path.join(root, "test/README.md"), "utf8");
    const missing: string[] = [];
    const numbers: number[] = [];
    let references = 0;
    for (const line of table.split("\n")) {
      if (!line.startsWith("|")) continue;
      const number = /^\| (\d+) \|/.exec(line);
      if (number) numbers.push(Number(number[1]));
      // `file` › "name" ...; a › without a file of its own refers to the last file named.
      const parts = line.split(/`(test\/[^`]+\.test\.ts)`/);
      let file: string | undefined;
      for (let i = 0; i < parts.length; i++) {
        if (i % 2 === 1) {
          file = parts[i];
          continue;
        }
        if (file === undefined) continue;
        const source = readFileSync(path.join(root, file), "utf8");
        for (const [, name] of parts[i]!.matchAll(/› "([^"]+)"/g)) {
          references++;
          // A name made by a loop is quoted by its fixed parts, joined by "…".
          const fragments = name!.split("…").map((f) => f.trim()).filter((f) => f.length > 0);
          if (!fragments.every((fragment) => source.includes(fragment))) missing.push(`${file} › "${name}"`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(references).toBeGreaterThan(300);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    expect(numbers.length).toBeGreaterThan(200);
  });

  it("package.json: engines are Node 20, 22, 24 and 26, and there is no install script (installs with --ignore-scripts)", () => {
    const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      engines: { node: string };
      scripts: Record<string, string>;
      gypfile?: boolean;
    };
    expect(manifest.engines.node).toBe("^20.0.0 || ^22.0.0 || ^24.0.0 || ^26.0.0");
    for (const hook of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts, hook).not.toHaveProperty(hook);
    // npm runs node-gyp rebuild on install for a package with a binding.gyp unless told not to.
    expect(manifest.gypfile).toBe(false);
  });
});
