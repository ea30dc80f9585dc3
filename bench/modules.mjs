// ES modules (issue 15), run by bench/run.mjs after the creation sections,
// against isolated-vm in the same process when it runs there; also on its
// own: `node bench/modules.mjs [--quick]`.
//
// 19. Importing a small module graph into a fresh sandbox: ten modules (a
//     chain, each importing the one before it and re-exporting a function
//     that adds one) and an entry that imports the last and calls it. Per
//     op: make a sandbox, load, link and evaluate the graph, read the
//     result, dispose. mini-racer: `new MiniRacer({ loadModule })` +
//     `evalModule(entry)` + `close()`, the loader answering from a Map.
//     isolated-vm: `new Isolate()` + `createContextSync()`, then
//     `compileModuleSync` for each module, `instantiateSync(context,
//     resolver)`, `evaluateSync()`, the namespace's `result`, `dispose()`.
//     Both also without the graph (make + one eval + dispose), so that the
//     graph's own cost (the difference) shows apart from isolate creation.
// 20. The same graph imported into a sandbox that already exists (a new
//     entry module each op, the ten modules loaded once): what a warm
//     sandbox pays per evalModule.

import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { median } from "./stats.mjs";

const GRAPH_SIZE = 10;
const hr = () => process.hrtime.bigint();

/** The graph: m0 .. m9 (m_i imports m_{i-1}) and the expected result of the entry. */
export function moduleGraph() {
  const sources = new Map();
  sources.set("m0", "export function f(x) { return x + 1 }");
  for (let i = 1; i < GRAPH_SIZE; i++) {
    sources.set(`m${i}`, `import { f as g } from "m${i - 1}";\nexport function f(x) { return g(x) + 1 }`);
  }
  const entry = `import { f } from "m${GRAPH_SIZE - 1}";\nexport const result = f(0);`;
  return { sources, entry, result: GRAPH_SIZE };
}

/** Milliseconds per op: the median of `rounds` rounds of `ops` ops each (after one warm-up round). */
function timePerOp(op, ops, rounds) {
  for (let i = 0; i < Math.max(2, ops >> 2); i++) op();
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const start = hr();
    for (let i = 0; i < ops; i++) op();
    samples.push(Number(hr() - start) / 1e6 / ops);
  }
  return median(samples);
}

/**
 * @param {{ MiniRacer: any, ivm: any, ivmNote: string, quick: boolean }} lib
 * @returns {boolean} whether every mini-racer row worked
 */
export function runModuleSections({ MiniRacer, ivm, ivmNote, quick }) {
  try {
    const { sources, entry, result } = moduleGraph();
    const ops = quick ? 10 : 40;
    const rounds = quick ? 3 : 7;
    const loadModule = (specifier) => sources.get(specifier);

    const mrGraph = () => {
      const mr = new MiniRacer({ loadModule });
      try {
        if (mr.evalModule(entry).result !== result) throw new Error("wrong result");
      } finally {
        mr.close();
      }
    };
    const mrBare = () => {
      const mr = new MiniRacer();
      try {
        if (mr.eval("1+1") !== 2) throw new Error("wrong result");
      } finally {
        mr.close();
      }
    };
    const ivmGraph = () => {
      const isolate = new ivm.Isolate({ memoryLimit: 64 });
      try {
        const context = isolate.createContextSync();
        const compiled = new Map();
        for (const [name, source] of sources) compiled.set(name, isolate.compileModuleSync(source, { filename: name }));
        const main = isolate.compileModuleSync(entry, { filename: "main" });
        main.instantiateSync(context, (specifier) => compiled.get(specifier));
        main.evaluateSync();
        if (main.namespace.getSync("result") !== result) throw new Error("wrong result");
      } finally {
        isolate.dispose();
      }
    };
    const ivmBare = () => {
      const isolate = new ivm.Isolate({ memoryLimit: 64 });
      try {
        if (isolate.createContextSync().evalSync("1+1") !== 2) throw new Error("wrong result");
      } finally {
        isolate.dispose();
      }
    };

    const rows = [];
    const measure = (label, op) => rows.push([label, timePerOp(op, ops, rounds)]);
    // Interleaved by pairs, so that a burst of other work hits both sides.
    measure("mini-racer   new MiniRacer({ loadModule }) + evalModule(entry) + close()", mrGraph);
    if (ivm) measure("isolated-vm  Isolate + context + 11 x compileModuleSync + instantiate + evaluate + dispose", ivmGraph);
    measure("mini-racer   new MiniRacer() + eval('1+1') + close()  (no graph)", mrBare);
    if (ivm) measure("isolated-vm  Isolate + createContextSync + evalSync('1+1') + dispose  (no graph)", ivmBare);

    console.log("");
    console.log(`19. importing a ${GRAPH_SIZE}-module graph into a fresh sandbox, ${ops} ops x ${rounds} rounds [ms/op]`);
    for (const [label, ms] of rows) console.log(`${label.padEnd(100)} ${ms.toFixed(3)} ms`);
    const graphOnly = (graph, bare) => (rows[graph][1] - rows[bare][1]).toFixed(3);
    if (ivm) {
      console.log(`the graph alone (difference): mini-racer ${graphOnly(0, 2)} ms, isolated-vm ${graphOnly(1, 3)} ms`);
      console.log(`mini-racer / isolated-vm, whole op: ${(rows[0][1] / rows[1][1]).toFixed(2)}x`);
    } else {
      console.log(`the graph alone (difference): mini-racer ${graphOnly(0, 1)} ms`);
      console.log(`isolated-vm  not measured here: ${ivmNote}`);
    }

    // 20. A warm sandbox: the ten modules are loaded once; each op is a new entry.
    const mr = new MiniRacer({ loadModule });
    let n = 0;
    const warm = timePerOp(
      () => {
        const ns = mr.evalModule(`import { f } from "m${GRAPH_SIZE - 1}"; export const result = f(${n});`, {
          name: `entry-${n++}`,
        });
        if (ns.result !== result + n - 1) throw new Error("wrong result");
      },
      ops * 10,
      rounds,
    );
    mr.close();
    console.log("");
    console.log(`20. evalModule of a new entry importing the same graph, warm sandbox [ms/op]`);
    console.log(`${"mini-racer   evalModule(entry importing m9), graph already loaded".padEnd(100)} ${warm.toFixed(3)} ms`);
    return true;
  } catch (error) {
    console.log(`module sections: error: ${error?.stack ?? error}`);
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const require = createRequire(import.meta.url);
  const { MiniRacer } = require("../dist/cjs/index.js");
  const { attempt, loadIvm } = await import("./lib/peers.mjs");
  const ivm = await attempt(async () => loadIvm());
  const ok = runModuleSections({
    MiniRacer,
    ivm: ivm.ok ? ivm.ivm : null,
    ivmNote: ivm.reason ?? "",
    quick: process.argv.includes("--quick"),
  });
  process.exitCode = ok ? 0 : 1;
}
