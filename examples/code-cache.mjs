// A working example of the code cache (README "Code cache"): a large library
// loaded into one fresh sandbox after another compiles from V8's code cache
// after the first, and with `codeCache: { dir }` a later process starts from
// the cache the earlier one wrote. Run it twice to see the second case:
//
//   npm run example:code-cache            # the directory: $TMPDIR/mini-racer-example-cache
//   npm run example:code-cache -- <dir>   # another directory
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MiniRacer } from "mini-racer";

// A stand-in for a real library (a template engine, a compiler, Babel):
// ~400 KB of functions, far above the 32 KiB from which scripts are cached.
const helpers = Array.from(
  { length: 2000 },
  (_, i) => `function helper${i}(s) { const parts = String(s).split(""); return parts.reverse().join("") + ${i}; }`,
);
const library = `${helpers.join("\n")}
var templates = new Map();
function compile(name, text) {
  const pieces = text.split(/{{\\s*(\\w+)\\s*}}/);
  templates.set(name, (data) => pieces.map((piece, i) => (i % 2 ? String(data[piece] ?? "") : piece)).join(""));
}
function render(name, data) { return templates.get(name)(data); }`;

const dir = process.argv[2] ?? path.join(tmpdir(), "mini-racer-example-cache");
const filesBefore = existsSync(dir) ? readdirSync(dir).length : 0;
console.log(`cache directory ${dir}: ${filesBefore} file(s) before this run`);

for (const which of ["first sandbox", "second sandbox", "third sandbox"]) {
  // codeCache: true (the default) caches in this process only; { dir } also on disk.
  const mr = new MiniRacer({ maxMemory: 64 << 20, timeout: 2000, codeCache: { dir } });
  const start = performance.now();
  mr.execute(library);
  const took = performance.now() - start;
  mr.call("compile", "greeting", "Hello, {{ name }}! You have {{ count }} new messages.");
  const text = mr.call("render", "greeting", { name: "Ada", count: 3 });
  console.log(`${which}: library loaded in ${took.toFixed(1)} ms; render -> ${JSON.stringify(text)}`);
  mr.close();
}
console.log(`cache directory: ${readdirSync(dir).length} file(s) after this run`);
