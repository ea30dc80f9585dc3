// The `mini-racer` command (README "Command line"), end to end: each test
// runs the command as a user's shell would, through a node_modules/.bin
// link to the file package.json's "bin" names (so its shebang and mode count),
// on the built package (dist/), and asserts the exact stdout bytes, the
// stderr line and the exit status. The option parser's number rules are
// also checked in-process (src/internal/cli_args.ts).
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELP, parseBytes, parseCommandLine } from "../src/internal/cli_args.js";
import { BATCH_BUDGET_MS } from "../src/internal/cli_lines.js";
import { MiniRacer } from "../src/index.js";
import { repoRoot } from "./helpers.js";

const manifest = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};
let work: string;
let bin: string;
const env = { ...process.env, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ""}` };

beforeAll(() => {
  work = mkdtempSync(path.join(tmpdir(), "mini-racer-cli-"));
  mkdirSync(path.join(work, "node_modules", ".bin"), { recursive: true });
  bin = path.join(work, "node_modules", ".bin", "mini-racer");
  // What npm does on install: link .bin/<name> to the file package.json's "bin" names.
  symlinkSync(path.join(repoRoot, manifest.bin["mini-racer"]!), bin);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], input?: string): Run {
  const run = spawnSync(bin, args, { input, encoding: "utf8", env, cwd: work, timeout: 20_000 });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const JSONL = ['{"status":500,"path":"/a"}', '{"status":200,"path":"/b"}', '{"status":503,"path":"/c"}', ""].join("\n");

describe("mini-racer -e / FILE: output and exit statuses", () => {
  it("prints the value: 6 * 7 is 42, strings raw, others as node -p shows them; exit 0", () => {
    expect(cli(["-e", "6 * 7"])).toEqual({ status: 0, stdout: "42\n", stderr: "" });
    expect(cli(["-e", "'a' + 'b'"])).toEqual({ status: 0, stdout: "ab\n", stderr: "" });
    expect(cli(["-e", "({ a: [1, 2n], m: new Map([[1, 2]]) })"]).stdout).toBe("{ a: [ 1, 2n ], m: Map(1) { 1 => 2 } }\n");
    expect(cli(["-e", "undefined"]).stdout).toBe("undefined\n");
    expect(cli(["-e", "function foo() {}; foo"]).stdout).toBe("[Function: foo]\n");
    expect(cli(["-e", "new Promise((r) => setTimeout(() => r('later'), 10))"]).stdout).toBe("later\n");
  });

  it("--json prints JSON (undefined as null); a value that is not JSON is exit 1", () => {
    expect(cli(["--json", "-e", "({ a: 'x', d: new Date(0) })"])).toEqual({
      status: 0,
      stdout: '{"a":"x","d":"1970-01-01T00:00:00.000Z"}\n',
      stderr: "",
    });
    expect(cli(["--json", "-e", "undefined"]).stdout).toBe("null\n");
    expect(cli(["--json", "-e", "1n"])).toEqual({
      status: 1,
      stdout: "",
      stderr: "mini-racer: the result is not JSON: Do not know how to serialize a BigInt\n",
    });
    expect(cli(["--json", "-e", "(x) => x"]).stderr).toBe("mini-racer: the result is not JSON: a function\n");
  });

  it("runs a file; code that throws is exit 1 with the error and where, on one line", () => {
    const file = path.join(work, "plugin.js");
    writeFileSync(file, "function check(x) {\n  if (x > 1) throw new RangeError('too big');\n}\ncheck(2);\n");
    expect(cli(["--max-memory", "32M", file])).toEqual({
      status: 1,
      stdout: "",
      stderr: "mini-racer: RangeError: too big (at check (<eval>:2:20))\n",
    });
    writeFileSync(file, "const total = [1, 2, 3].reduce((a, b) => a + b);\ntotal\n");
    expect(cli(["--max-memory", "32M", file])).toEqual({ status: 0, stdout: "6\n", stderr: "" });
    expect(cli(["missing.js"])).toEqual({ status: 2, stdout: "", stderr: "mini-racer: cannot read file missing.js: no such file\n" });
  });

  it("a time limit is exit 3, the memory cap exit 4, each with one line", () => {
    expect(cli(["--timeout", "50", "-e", "while (true) {}"])).toEqual({
      status: 3,
      stdout: "",
      stderr: "mini-racer: the call exceeded its time limit (--timeout 50 ms)\n",
    });
    expect(cli(["--max-memory", "16M", "-e", "const a = []; for (;;) a.push(new Array(1000).fill(1))"])).toEqual({
      status: 4,
      stdout: "",
      stderr: "mini-racer: the sandbox reached its memory cap\n",
    });
  });

  it("usage errors are one line and exit 2", () => {
    const usage = (args: string[], message: string): void =>
      expect(cli(args), args.join(" ")).toEqual({ status: 2, stdout: "", stderr: `mini-racer: ${message}\n` });
    usage(["--bogus"], "Unknown option '--bogus' (see --help)");
    usage(["--timeout"], "Option '--timeout <value>' argument missing (see --help)");
    usage([], "nothing to run: give -e CODE, a FILE or --lines FN (see --help)");
    usage(["-e", "1", "file.js"], "give either -e CODE or a FILE, not both");
    usage(["--timeout=-5", "-e", "1"], '--timeout must be a positive number of milliseconds, got "-5"');
    usage(["--filter", "-e", "1"], "--filter goes with --lines");
    usage(["--lines", "5"], "--lines: FN must evaluate to a function, got number");
    usage(["--max-memory", "12X", "-e", "1"], '--max-memory must be a number of bytes with an optional K, M or G suffix (powers of 1024), got "12X"');
    // 8191K is 1 KiB under the 8 MiB minimum: K and M are powers of 1024.
    usage(
      ["--max-memory", "8191K", "-e", "1"],
      "--max-memory: maxMemory must be a finite number of bytes from 8388608 to 1125899906842624 (1 PiB), got 8387584",
    );
    expect(cli(["--max-memory", "8M", "-e", "1"]).status).toBe(0);
    expect(cli(["--max-memory", "1G", "-e", "1"]).status).toBe(0);
  });

  it("--max-memory: bytes, K, M, G as powers of 1024 (parser, in-process)", () => {
    expect(parseBytes("9000000")).toBe(9_000_000);
    expect(parseBytes("64k")).toBe(64 * 1024);
    expect(parseBytes("32M")).toBe(32 * 1024 ** 2);
    expect(parseBytes("1.5G")).toBe(1.5 * 1024 ** 3);
    for (const bad of ["", "M", "-1M", "12X", "1e9", "64MB", "0x10"]) expect(() => parseBytes(bad), bad).toThrow(/--max-memory must be/);
  });

  it("--help lists every option; --version is package.json's", () => {
    const help = cli(["--help"]);
    expect(help).toEqual({ status: 0, stdout: HELP, stderr: "" });
    for (const flag of ["-e, --eval", "--module", "--lines", "--filter", "--fail-fast", "--timeout", "--cpu-time", "--max-memory", "--input", "--json", "--allow-console", "--help", "--version"]) {
      expect(help.stdout, flag).toContain(flag);
    }
    expect(help.stdout).toMatch(/0 ok; 1 .* 2 usage\s+error; 3 time limit reached; 4 memory cap reached/);
    expect(cli(["--version"])).toEqual({ status: 0, stdout: `${manifest.version}\n`, stderr: "" });
    expect(parseCommandLine(["-h"]).help).toBe(true);
  });

  it("--input binds a JSON value to the global input, from a file or stdin; bad JSON is exit 2", () => {
    const file = path.join(work, "input.json");
    writeFileSync(file, '{"items": [1, 2, 3]}');
    expect(cli(["--input", file, "-e", "input.items.length"])).toEqual({ status: 0, stdout: "3\n", stderr: "" });
    expect(cli(["--input", "-", "--json", "-e", "input.k"], '{"k": "v"}')).toEqual({ status: 0, stdout: '"v"\n', stderr: "" });
    // (V8 12+ adds "(line 1 column 2)" to JSON.parse's message.)
    const bad = cli(["--input", "-", "-e", "input"], "{bad");
    expect({ ...bad, stderr: "" }).toEqual({ status: 2, stdout: "", stderr: "" });
    expect(bad.stderr).toMatch(
      /^mini-racer: --input - is not JSON: Expected property name or '\}' in JSON at position 1( \(line 1 column 2\))?\n$/,
    );
  });

  it("--allow-console prints the sandbox's console to stderr; without it, it is dropped", () => {
    expect(cli(["--allow-console", "-e", "console.log('hi', { a: 1 }); console.error('e'); 2"])).toEqual({
      status: 0,
      stdout: "2\n",
      stderr: "hi { a: 1 }\ne\n",
    });
    expect(cli(["-e", "console.log('hi'); 2"])).toEqual({ status: 0, stdout: "2\n", stderr: "" });
  });

  it("--module: imports files in the entry's folder and below, nothing else; --cpu-time: the cpuTime limit, exit 3", () => {
    const dir = path.join(work, "plugin");
    mkdirSync(path.join(dir, "lib"), { recursive: true });
    writeFileSync(path.join(dir, "lib", "math.js"), "export const add = (a, b) => a + b;");
    writeFileSync(path.join(dir, "data.json"), '{"n": 7}');
    writeFileSync(
      path.join(dir, "main.mjs"),
      'import { add } from "./lib/math.js"; import data from "./data.json" with { type: "json" };\n' +
        "console.log(add(2, 3), data.n, import.meta.url.endsWith('/plugin/main.mjs'));",
    );
    writeFileSync(path.join(dir, "escape.mjs"), 'import "../outside.js";');
    writeFileSync(path.join(work, "outside.js"), "export default 1;");
    writeFileSync(path.join(dir, "bare.mjs"), 'import "fs";');
    expect(cli(["--module", "--allow-console", path.join(dir, "main.mjs")])).toEqual({ status: 0, stdout: "", stderr: "5 7 true\n" });
    expect(cli(["--module", path.join(dir, "escape.mjs")])).toEqual({
      status: 1,
      stdout: "",
      stderr: `mini-racer: Error: Cannot find module "../outside.js" imported from "${path.join(dir, "escape.mjs")}"\n`,
    });
    expect(cli(["--module", path.join(dir, "bare.mjs")]).stderr).toBe(
      `mini-racer: Error: Cannot find module "fs" imported from "${path.join(dir, "bare.mjs")}"\n`,
    );
    expect(cli(["--module", "-e", "export const a = await Promise.resolve(1);"])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(cli(["--cpu-time", "100", "-e", "1"])).toEqual({ status: 0, stdout: "1\n", stderr: "" });
    expect(cli(["--cpu-time", "50", "-e", "while (true) {}"])).toEqual({
      status: 3,
      stdout: "",
      stderr: "mini-racer: the call exceeded its CPU time limit (--cpu-time 50 ms)\n",
    });
    // Per line as --timeout is: the line is reported, the next one runs.
    expect(cli(["--cpu-time", "50", "--lines", "n => { if (n === 2) for (;;) {} return n }"], "1\n2\n3\n")).toEqual({
      status: 3,
      stdout: "1\n3\n",
      stderr: "mini-racer: line 2: ran past --cpu-time 50 ms\n",
    });
  });
});

describe("mini-racer --lines", () => {
  it("the README's filter: one JSON line per result, false/undefined skipped with --filter", () => {
    const fn = "e => e.status >= 500 && { path: e.path }";
    expect(cli(["--filter", "--lines", fn], JSONL)).toEqual({ status: 0, stdout: '{"path":"/a"}\n{"path":"/c"}\n', stderr: "" });
    // Without --filter every line prints: false as false, undefined as null; blank lines print nothing.
    expect(cli(["--lines", "e => e.status === 200 ? undefined : e.status >= 500 && e.path"], JSONL + "\n  \n")).toEqual({
      status: 0,
      stdout: '"/a"\nnull\n"/c"\n',
      stderr: "",
    });
    // A last line without "\n" counts; -e runs first, for definitions.
    expect(cli(["-e", "const double = (x) => x * 2", "--lines", "double"], "1\n2")).toEqual({ status: 0, stdout: "2\n4\n", stderr: "" });
  });

  it("bad JSON, a throwing call and a result that is not JSON are reported with their line number; the rest go on; exit 1", () => {
    const input = ["1", "nope", "2", "3", "4", "5", "6"].join("\n") + "\n";
    const fn = "n => { if (n === 2) throw new TypeError('two\\nlines'); if (n === 3) return 3n; if (n === 4) return () => 4; if (n === 5) { const a = {}; a.a = a; return a } return n * 10 }";
    expect(cli(["--lines", fn], input)).toEqual({
      status: 1,
      stdout: "10\n60\n",
      stderr: [
        "mini-racer: line 2: not JSON: SyntaxError: Unexpected token 'o', \"nope\" is not valid JSON",
        "mini-racer: line 3: TypeError: two lines",
        "mini-racer: line 4: the result is not JSON: TypeError: Do not know how to serialize a BigInt",
        "mini-racer: line 5: the result is not JSON: a function",
        "mini-racer: line 6: the result is not JSON: TypeError: Converting circular structure to JSON --> starting at object with constructor 'Object' --- property 'a' closes the circle",
        "",
      ].join("\n"),
    });
  });

  it("a line that loops forever under --timeout 50 is reported with its number, and the lines after it still run; exit 3", () => {
    const input = Array.from({ length: 6 }, (_, i) => String(i + 1)).join("\n") + "\n";
    const started = Date.now();
    const run = cli(["--timeout", "50", "--lines", "n => { if (n === 3 || n === 5) for (;;) {} return n }"], input);
    expect(run).toEqual({
      status: 3,
      stdout: "1\n2\n4\n6\n",
      stderr: "mini-racer: line 3: timed out after 50 ms\nmini-racer: line 5: timed out after 50 ms\n",
    });
    // Each looping line gets its 50 ms (and at most the batch budget more), not a share of a batch's.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 50);
    expect(BATCH_BUDGET_MS).toBe(10);
  });

  it("a line slower than the rest of its batch still gets its whole --timeout", () => {
    // 200 lines of 1 ms each, then one of 40 ms under --timeout 50: no line is stopped.
    const input = Array.from({ length: 201 }, (_, i) => String(i)).join("\n") + "\n";
    const fn = "n => { const until = Date.now() + (n === 200 ? 40 : 1); while (Date.now() < until); return n }";
    const run = cli(["--timeout", "50", "--filter", "--lines", `${fn}`], input);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.split("\n").length).toBe(202);
  });

  it("--fail-fast stops at the first failing line, with its status, after printing the lines before it", () => {
    const input = "1\n2\n3\n4\n";
    expect(cli(["--fail-fast", "--lines", "n => { if (n === 2) throw 'no'; return n }"], input)).toEqual({
      status: 1,
      stdout: "1\n",
      stderr: 'mini-racer: line 2: uncaught "no"\n',
    });
    expect(cli(["--fail-fast", "--timeout", "50", "--lines", "n => { if (n === 3) for (;;) {} return n }"], input)).toEqual({
      status: 3,
      stdout: "1\n2\n",
      stderr: "mini-racer: line 3: timed out after 50 ms\n",
    });
  });

  it("the memory cap ends the run with exit 4, after the lines before it, naming the line", () => {
    const fn = "n => { if (n === 2) { const a = []; for (;;) a.push(new Array(1000).fill(n)) } return n }";
    expect(cli(["--max-memory", "16M", "--lines", fn], "1\n2\n3\n")).toEqual({
      status: 4,
      stdout: "1\n",
      stderr: "mini-racer: line 2: the sandbox reached its memory cap\n",
    });
  });

  it("backpressure: while the reader of stdout pauses, the command stops reading stdin; then it finishes every line", async () => {
    const child = spawn(bin, ["--lines", "x => x"], { env, cwd: work, stdio: ["pipe", "pipe", "pipe"] });
    child.stdout.pause();
    const line = JSON.stringify({ id: 1, text: "x".repeat(80) }) + "\n";
    const chunk = line.repeat(Math.floor(65536 / line.length));
    const total = 30 * 1024 * 1024;
    let accepted = 0;
    let stalled = false;
    // Write until the command stops taking input for 500 ms (or all of it went in).
    while (accepted < total) {
      accepted += chunk.length;
      if (!child.stdin.write(chunk)) {
        const drained = await Promise.race([once(child.stdin, "drain").then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
        if (!drained) {
          stalled = true;
          break;
        }
      }
    }
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]);
    expect(stalled).toBe(true);
    expect(accepted).toBeLessThan(8 * 1024 * 1024); // pipes and one batch, not the 30 MB offered
    expect(rssKb).toBeLessThan(200 * 1024);
    // Resume: every line written comes out, and the command ends when stdin does.
    let outBytes = 0;
    child.stdout.on("data", (data: Buffer) => (outBytes += data.length));
    child.stdout.resume();
    while (accepted < total) {
      accepted += chunk.length;
      if (!child.stdin.write(chunk)) await once(child.stdin, "drain");
    }
    child.stdin.end();
    const [status] = (await once(child, "exit")) as [number];
    expect(status).toBe(0);
    expect(outBytes).toBe(accepted);
  });

  it("a reader that goes away (| head) ends the command quietly", async () => {
    const child = spawn(bin, ["--lines", "x => x"], { env, cwd: work, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.stdout.once("data", () => child.stdout.destroy());
    const feed = setInterval(() => child.stdin.write("1\n".repeat(10_000)), 5);
    child.stdin.on("error", () => {}); // the command may be gone before our last write
    const [status] = (await once(child, "exit")) as [number];
    clearInterval(feed);
    expect(stderr).toBe("");
    expect(status).toBe(0);
  });
});

describe("packaging", () => {
  it("npm pack ships the bin and the CLI's built files", () => {
    const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repoRoot, encoding: "utf8", timeout: 30_000 });
    const files = (JSON.parse(pack.stdout) as [{ files: { path: string; mode: number }[] }])[0].files;
    const names = files.map((file) => file.path);
    expect(names).toEqual(expect.arrayContaining([manifest.bin["mini-racer"], "dist/cjs/cli.js", "dist/cjs/internal/cli_args.js", "dist/cjs/internal/cli_lines.js"]));
    expect(readFileSync(path.join(repoRoot, manifest.bin["mini-racer"]!), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });
});
