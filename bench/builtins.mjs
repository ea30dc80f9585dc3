// Cost of BuiltinGuard on ordinary array calls (issue 9, item 4): the same
// guest loop timed inside mini-racer (guarded builtins) and in this Node
// process's own realm (V8's own builtins, same V8; a node:vm context would be
// slower for its intercepted globals). Per-op nanoseconds, median of rounds.
//
//   node bench/builtins.mjs [--rounds 7]
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const require = createRequire(import.meta.url);
const { MiniRacer } = require("../dist/cjs/index.js");
let rounds;
try {
  rounds = Number(parseArgs({ options: { rounds: { type: "string", default: "7" } } }).values.rounds);
} catch (error) {
  console.error(`bench/builtins.mjs: ${error.message}\nusage: node bench/builtins.mjs [--rounds 7]`);
  process.exit(2);
}

const setup = `
  globalThis.small = [5, 3, 8, 1, 9, 2, 7, 4, 6, 0];
  globalThis.nested = [1, [2, 3], 4, [5]];
  globalThis.big = Array.from({ length: 1000 }, (_, i) => (i * 37) % 1000);
  globalThis.add = (a, b) => a + b;
  globalThis.timeOps = (body, n) => {
    let sink = 0;
    for (let i = 0; i < n / 10; i++) sink += body(i);
    const start = Date.now();
    for (let i = 0; i < n; i++) sink += body(i);
    return [(Date.now() - start) * 1e6 / n, sink];
  };
`;
const rows = [
  ["small.indexOf(7)", "(i) => small.indexOf(i & 7)", 2e6],
  ["small.includes(7)", "(i) => small.includes(i & 7) ? 1 : 0", 2e6],
  ["small.lastIndexOf(7)", "(i) => small.lastIndexOf(i & 7)", 2e6],
  ["small.join()", "(i) => small.join().length", 5e5],
  ["small.slice()", "(i) => small.slice().length", 1e6],
  ["small.map(x => x + 1)", "(i) => small.map((x) => x + i)[0]", 1e6],
  ["small.forEach", "(i) => { let s = 0; small.forEach((x) => { s += x; }); return s; }", 1e6],
  ["small.filter", "(i) => small.filter((x) => x > 4).length", 1e6],
  ["small.reduce(add)", "(i) => small.reduce(add)", 1e6],
  ["small.slice().sort()", "(i) => small.slice().sort()[0]", 3e5],
  ["small.slice().sort((a,b)=>a-b)", "(i) => small.slice().sort((a, b) => a - b)[0]", 3e5],
  ["small.concat([i])", "(i) => small.concat([i]).length", 1e6],
  ["nested.flat()", "(i) => nested.flat().length", 1e6],
  ["small.slice().reverse()", "(i) => small.slice().reverse()[0]", 1e6],
  ["[...small].splice(2, 1)", "(i) => small.slice().splice(2, 1)[0]", 1e6],
  ["big.indexOf(x) (1000)", "(i) => big.indexOf(i % 1000)", 2e5],
  ["big.slice().sort() (1000)", "(i) => big.slice().sort()[0]", 2e3],
];

const mr = new MiniRacer();
mr.eval(`${setup}; 0`);
(0, eval)(setup);
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
console.log("| op | Node's realm (V8's builtins) ns | mini-racer (guarded) ns | ratio |\n|---|---|---|---|");
for (const [name, body, n] of rows) {
  const plain = [], guarded = [];
  for (let r = 0; r < rounds; r++) {
    guarded.push(mr.eval(`timeOps(${body}, ${n})[0]`));
    plain.push((0, eval)(`timeOps(${body}, ${n})[0]`));
  }
  const p = median(plain), g = median(guarded);
  console.log(`| ${name} | ${p.toFixed(1)} | ${g.toFixed(1)} | ${(g / p).toFixed(2)} |`);
}
mr.close();
