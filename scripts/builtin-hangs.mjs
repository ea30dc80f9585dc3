#!/usr/bin/env node
// Enumerates V8 builtins that may run past a call's time limit (issue 9,
// items 4 and 6): loops in C++/CSA/Torque that never check for interrupts,
// so neither the watchdog's TerminateExecution nor close() can stop them.
//
// Each case runs in a child process with a hard kill: a setup eval (no
// limit) builds the receiver, then the measured eval runs with `--timeout`
// (100 ms). The table says how long the call took, how it ended, and how
// much the child's RSS grew.
//
//   node scripts/builtin-hangs.mjs                  # every case (several minutes)
//   node scripts/builtin-hangs.mjs --filter indexOf # cases whose name matches
//   node scripts/builtin-hangs.mjs --async          # evalAsync + close() instead
//   options: --timeout 100 --kill 5000 --jobs 2 --json out.json --max-memory BYTES
//            --only-overruns (print only cases that overran by > 50 ms)
//   node scripts/builtin-hangs.mjs --compare before.json after.json
//            # the cases that overran in either run, side by side
//
// Needs dist/ (npx tsc -p tsconfig.json) and the native addon.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const distEntry = path.join(here, "..", "dist", "cjs", "index.js");

let args;
try {
  args = parseArgs({
    allowPositionals: true, // the two files of --compare
    options: {
      filter: { type: "string" },
      async: { type: "boolean", default: false },
      timeout: { type: "string", default: "100" },
      kill: { type: "string", default: "5000" },
      jobs: { type: "string", default: "2" },
      json: { type: "string" },
      "max-memory": { type: "string" },
      "only-overruns": { type: "boolean", default: false },
      compare: { type: "boolean", default: false },
      child: { type: "string" }, // internal: run one case, given as JSON
    },
  });
  if (args.values.compare ? args.positionals.length !== 2 : args.positionals.length > 0) {
    throw new Error("--compare takes two files (before.json after.json); nothing else takes an argument");
  }
} catch (error) {
  console.error(`builtin-hangs: ${error.message}`);
  process.exit(2);
}
const opts = args.values;

// ---------------------------------------------------------------- cases

// Receivers: generic array-likes of huge length, sparse arrays near 2**32,
// with and without a few elements, and a Proxy with no traps.
const arrayLikes = {
  "{length:2**53-1}": "({ length: 2 ** 53 - 1 })",
  "{length:2**32-1}": "({ length: 2 ** 32 - 1 })",
  "{length:2**32-1,+3}": "({ length: 2 ** 32 - 1, 0: 1, 1000000: 2, 4294967294: 3 })",
  "sparse[2**32-1]": "(() => { const a = []; a.length = 2 ** 32 - 1; return a; })()",
  "sparse[2**32-1]+3": "(() => { const a = []; a[0] = 1; a[1e6] = 2; a[2 ** 32 - 2] = 3; return a; })()",
  "new Array(2**32-1)": "new Array(2 ** 32 - 1)",
  "Proxy{length:2**53-1}": "new Proxy({ length: 2 ** 53 - 1 }, {})",
};

const cb = "() => false";
// Arguments per Array.prototype method (each entry one case).
const arrayMethodArgs = {
  at: ["-1"],
  concat: ["[1]"],
  copyWithin: ["1, 0", "0, 1"],
  fill: ["0"],
  find: [cb],
  findIndex: [cb],
  findLast: [cb],
  findLastIndex: [cb],
  lastIndexOf: ["1"],
  pop: [""],
  push: ["1"],
  reverse: [""],
  shift: [""],
  unshift: ["1"],
  slice: ["", "0, 10"],
  sort: ["", "(a, b) => 0"],
  splice: ["0, 1", "1, 0, 9"],
  includes: ["1"],
  indexOf: ["1"],
  join: ["", "','"],
  keys: [""],
  entries: [""],
  values: [""],
  forEach: [cb],
  filter: [cb],
  flat: [""],
  flatMap: ["(x) => x"],
  map: ["(x) => x"],
  every: ["() => true"],
  some: [cb],
  reduce: ["(a) => a, 0"],
  reduceRight: ["(a) => a, 0"],
  toLocaleString: [""],
  toString: [""],
  toReversed: [""],
  toSorted: [""],
  toSpliced: ["0, 1"],
  with: ["0, 1"],
};

const typedKinds = [
  "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Float16Array",
];
const typedMethodArgs = {
  at: ["-1"], copyWithin: ["1, 0"], every: ["() => true"], fill: ["V"], filter: [cb], find: [cb],
  findIndex: [cb], findLast: [cb], findLastIndex: [cb], forEach: [cb], includes: ["W"], indexOf: ["W"],
  join: ["", "','"], lastIndexOf: ["W"], map: ["(x) => x"], reverse: [""], reduce: ["(a) => a, V"],
  reduceRight: ["(a) => a, V"], set: ["R.subarray(1)"], slice: [""], some: [cb], sort: ["", "(a, b) => 0"],
  subarray: ["1"], toLocaleString: [""], toString: [""], toReversed: [""], toSorted: [""], with: ["0, V"],
  entries: [""], keys: [""], values: [""],
};

function cases() {
  const list = [];
  const add = (group, name, setup, code) => list.push({ group, name, setup, code });

  for (const [method, argSets] of Object.entries(arrayMethodArgs)) {
    for (const args of argSets) {
      for (const [receiverName, receiver] of Object.entries(arrayLikes)) {
        add("Array.prototype", `${method}(${args}) on ${receiverName}`, `globalThis.R = ${receiver};`,
          `void Array.prototype.${method}.call(R${args ? ", " + args : ""})`);
      }
    }
  }
  // Iterating the iterators with spread (the iteration itself is a builtin).
  for (const [receiverName, receiver] of Object.entries(arrayLikes)) {
    for (const method of ["keys", "values", "entries"]) {
      add("spread", `[...${method}()] of ${receiverName}`, `globalThis.R = ${receiver};`,
        `void [...Array.prototype.${method}.call(R)]`);
    }
  }
  // A dense array of 1e6 numbers: the default comparator converts to strings.
  const numbers = "globalThis.R = Array.from({ length: 1e6 }, (_, i) => (i * 7919) % 1e6);";
  add("sort", "sort() of 1e6 numbers", numbers, "void R.sort()");
  add("sort", "toSorted() of 1e6 numbers", numbers, "void R.toSorted()");
  add("sort", "sort() of 1e6 objects", "globalThis.R = Array.from({ length: 1e6 }, (_, i) => ({ i }));", "void R.sort()");
  add("sort", "sort() of 2e6 strings", "globalThis.R = Array.from({ length: 2e6 }, (_, i) => 'k' + ((i * 7919) % 2e6));", "void R.sort()");
  add("sort", "sort((a,b)=>a-b) of 1e6 numbers", numbers, "void R.sort((a, b) => a - b)");

  // Typed arrays: as large as the memory cap allows (48 MB each).
  for (const kind of typedKinds) {
    const big = kind.startsWith("Big");
    const setup = `globalThis.R = new ${kind}(${48 * 1024 * 1024} / ${kind}.BYTES_PER_ELEMENT);` +
      `globalThis.V = ${big ? "1n" : "1"}; globalThis.W = ${big ? "7n" : "7"};` +
      `for (let i = 0; i < R.length; i += 4097) R[i] = ${big ? "BigInt(i % 5)" : "i % 5"};`;
    for (const [method, argSets] of Object.entries(typedMethodArgs)) {
      for (const args of argSets) {
        add("TypedArray.prototype", `${kind}.${method}(${args})`, setup,
          `void R.${method}(${args})`);
      }
    }
  }
  add("TypedArray.prototype", "Float64Array(6e6 random).sort()",
    "globalThis.R = new Float64Array(6e6); for (let i = 0; i < R.length; i++) R[i] = Math.random();", "void R.sort()");
  add("TypedArray.prototype", "Array.from(Uint8Array 48MB)", "globalThis.R = new Uint8Array(48 << 20);", "void Array.from(R)");
  add("TypedArray.prototype", "Array.prototype.join on Uint8Array 48MB", "globalThis.R = new Uint8Array(48 << 20);", "void Array.prototype.join.call(R, '')");
  add("TypedArray.prototype", "Array.prototype.indexOf on Uint8Array 48MB", "globalThis.R = new Uint8Array(48 << 20);", "void Array.prototype.indexOf.call(R, 1)");
  add("TypedArray.prototype", "new Float64Array({length:2**32-1})", "", "void new Float64Array({ length: 2 ** 32 - 1 })");
  add("TypedArray.prototype", "Uint8Array.from({length:2**32-1})", "", "void Uint8Array.from({ length: 2 ** 32 - 1 })");
  add("TypedArray.prototype", "new Uint8Array(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void new Uint8Array(R)");

  // Long strings: 32 M one-byte characters, and a two-byte one.
  const s = "globalThis.S = 'ab'.repeat(2 ** 24); globalThis.T = '\\u00e9\\u0101'.repeat(2 ** 23);";
  const p = "globalThis.P = 'a'.repeat(2 ** 20) + 'b';";
  const strings = [
    ["indexOf(long pattern)", `${s}${p} globalThis.S = 'a'.repeat(2 ** 25);`, "void S.indexOf(P)"],
    ["lastIndexOf(long pattern)", `${s}${p} globalThis.S = 'a'.repeat(2 ** 25);`, "void S.lastIndexOf(P)"],
    ["includes(long pattern)", `${s}${p} globalThis.S = 'a'.repeat(2 ** 25);`, "void S.includes(P)"],
    ["split(long pattern)", `${s}${p} globalThis.S = 'a'.repeat(2 ** 25);`, "void S.split(P)"],
    ["replaceAll(long pattern)", `${s}${p} globalThis.S = 'a'.repeat(2 ** 25);`, "void S.replaceAll(P, '')"],
    ["split('')", s, "void S.split('')"],
    ["split('a')", s, "void S.split('a')"],
    ["replaceAll('a','xyz')", s, "void S.replaceAll('a', 'xyz')"],
    ["replace(/a/g,'x')", s, "void S.replace(/a/g, 'x')"],
    ["replace(/a/g,'$&$&')", s, "void S.replace(/a/g, '$&$&')"],
    ["match(/a/g)", s, "void S.match(/a/g)"],
    ["split(/a/)", s, "void S.split(/a/)"],
    ["search(/c/)", s, "void S.search(/c/)"],
    ["repeat to max", "", "void 'ab'.repeat(2 ** 28 - 12)"],
    ["padStart to max", "", "void ''.padStart(2 ** 29 - 24, 'ab')"],
    ["padEnd to max", "", "void ''.padEnd(2 ** 29 - 24, 'ab')"],
    ["normalize NFD two-byte", s, "void T.normalize('NFD')"],
    ["normalize NFKC two-byte", s, "void T.normalize('NFKC')"],
    ["localeCompare long", `${s} globalThis.U = T.slice(0, -1) + 'z';`, "void T.localeCompare(U)"],
    ["Intl.Collator compare long", `${s} globalThis.U = T.slice(0, -1) + 'z';`, "void new Intl.Collator('de').compare(T, U)"],
    ["toUpperCase", s, "void S.toUpperCase()"],
    ["toLocaleUpperCase('tr')", s, "void S.toLocaleUpperCase('tr')"],
    ["toLocaleLowerCase('el') two-byte", s, "void T.toLocaleLowerCase('el')"],
    ["toLowerCase two-byte", s, "void T.toLowerCase()"],
    ["trim", `globalThis.S = ' '.repeat(2 ** 25) + 'x';`, "void S.trim()"],
    ["isWellFormed two-byte", s, "void T.isWellFormed()"],
    ["toWellFormed two-byte", s, "void T.toWellFormed()"],
    ["concat many", s, "void ''.concat(...Array(1e5).fill(S))"],
    ["codePointAt/at", s, "void S.at(-1)"],
    ["Array.from(string)", s, "void Array.from(S)"],
    ["[...string]", s, "void [...S]"],
    ["Array.prototype.indexOf on string", s, "void Array.prototype.indexOf.call(S, 'c')"],
    ["Array.prototype.join on string", s, "void Array.prototype.join.call(S, '')"],
    ["Array.prototype.lastIndexOf on string", s, "void Array.prototype.lastIndexOf.call(S, 'c')"],
    ["Object.keys(string)", s, "void Object.keys(S)"],
    ["Object.assign({}, string)", s, "void Object.assign({}, S)"],
    ["encodeURIComponent", s, "void encodeURIComponent(S)"],
    ["escape", s, "void escape(T)"],
    ["JSON.stringify(string)", s, "void JSON.stringify(T)"],
    ["JSON.parse(long array)", "globalThis.S = '[' + '0,'.repeat(2 ** 23) + '0]';", "void JSON.parse(S)"],
    ["parseFloat(long)", `globalThis.S = '1'.repeat(2 ** 25);`, "void parseFloat(S)"],
    ["BigInt(long)", `globalThis.S = '9'.repeat(2 ** 20);`, "void BigInt(S)"],
    ["BigInt toString", "globalThis.B = 7n ** 2000000n;", "void B.toString()"],
    ["BigInt pow", "", "void (7n ** 20000000n)"],
    ["Intl.NumberFormat long digits", `globalThis.S = '9'.repeat(2 ** 20);`, "void new Intl.NumberFormat().format(S)"],
    ["Intl.ListFormat 1e6", "globalThis.R = Array(1e6).fill('ab');", "void new Intl.ListFormat().format(R)"],
    ["Intl.Segmenter spread", s, "void [...new Intl.Segmenter().segment(T)]"],
  ];
  for (const [name, setup, code] of strings) add("String", name, setup, code);

  // Argument lists and other array-like consumers.
  const others = [
    ["Function.prototype.apply {length:2**32-1}", "", "void Math.max.apply(null, { length: 2 ** 32 - 1 })"],
    ["Function.prototype.apply {length:1e8}", "", "void Math.max.apply(null, { length: 1e8 })"],
    ["Function.prototype.apply sparse[2**32-1]", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void Math.max.apply(null, R)"],
    ["Function.prototype.apply {length:1e7}", "", "void (function () {}).apply(null, { length: 1e7 })"],
    ["Reflect.apply {length:1e8}", "", "void Reflect.apply(Math.max, null, { length: 1e8 })"],
    ["Reflect.construct {length:1e8}", "", "void Reflect.construct(Array, { length: 1e8 })"],
    ["bind + spread 1e7", "globalThis.R = Array(1e7).fill(0);", "void Math.max.bind(null, ...R)"],
    ["String.fromCharCode.apply {length:1e8}", "", "void String.fromCharCode.apply(null, { length: 1e8 })"],
    ["spread call of sparse[2**32-1]", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void Math.max(...R)"],
    ["spread literal of sparse[2**32-1]", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void [...R]"],
    ["spread literal of sparse[2**32-1]+3", "globalThis.R = []; R[2 ** 32 - 2] = 1;", "void [...R]"],
    ["Array.from({length:2**32-1})", "", "void Array.from({ length: 2 ** 32 - 1 })"],
    ["Array.from({length:2**32-1}, f)", "", "void Array.from({ length: 2 ** 32 - 1 }, (x) => x)"],
    ["Array.from(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void Array.from(R)"],
    ["Array.of(...1e6)", "globalThis.R = Array(1e6).fill(0);", "void Array.of(...R)"],
    ["new Array(2**32-1)", "", "void new Array(2 ** 32 - 1)"],
    ["Array(2**32-1).fill()", "", "void Array(2 ** 32 - 1).fill()"],
    ["new Set(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void new Set(R)"],
    ["new Map(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void new Map(R)"],
    ["new WeakSet(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void new WeakSet(R)"],
    ["new Set(1e7 numbers)", "globalThis.R = Array.from({ length: 3e6 }, (_, i) => i);", "void new Set(R)"],
    ["new Map(entries of keys())", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void new Map(Array.prototype.entries.call({ length: 2 ** 32 - 1 }))"],
    ["new Set(keys() of {length:2**53-1})", "", "void new Set(Array.prototype.keys.call({ length: 2 ** 53 - 1 }))"],
    ["Promise.all(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void Promise.all(R)"],
    ["Promise.race(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void Promise.race(R)"],
    ["Object.fromEntries(keys() huge)", "", "void Object.fromEntries(Array.prototype.entries.call({ length: 2 ** 53 - 1 }))"],
    ["Object.keys(sparse[2**32-1]+3)", "globalThis.R = []; R[0] = 1; R[2 ** 32 - 2] = 1;", "void Object.keys(R)"],
    ["Object.freeze(sparse[2**32-1]+3)", "globalThis.R = []; R[0] = 1; R[2 ** 32 - 2] = 1;", "void Object.freeze(R)"],
    ["Object.entries(sparse[2**32-1]+3)", "globalThis.R = []; R[0] = 1; R[2 ** 32 - 2] = 1;", "void Object.entries(R)"],
    ["JSON.stringify(sparse[2**32-1])", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void JSON.stringify(R)"],
    ["JSON.stringify(sparse[1e8])", "globalThis.R = []; R.length = 1e8;", "void JSON.stringify(R)"],
    ["JSON.stringify replacer array", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void JSON.stringify({}, R)"],
    ["structured: Array.prototype.concat spreadable", "", "void [].concat({ length: 2 ** 32 - 1, [Symbol.isConcatSpreadable]: true })"],
    ["Array.prototype.concat sparse", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void [1].concat(R)"],
    ["Atomics.wait Infinity", "globalThis.R = new Int32Array(new SharedArrayBuffer(4));", "void Atomics.wait(R, 0, 0)"],
    ["Atomics.wait 1e9", "globalThis.R = new Int32Array(new SharedArrayBuffer(4));", "void Atomics.wait(R, 0, 0, 1e9)"],
    ["arguments length 2**53-1 indexOf", "", "void (function () { arguments.length = 2 ** 53 - 1; return Array.prototype.indexOf.call(arguments, 1); })()"],
    ["eval of 2e6 statements", "globalThis.S = 'x;'.repeat(2e6);", "void (0, eval)('(function(){' + S + '})')"],
    ["new Function 1e6 params", "globalThis.S = Array.from({ length: 1e5 }, (_, i) => 'a' + i).join(',');", "void new Function(S, '')"],
  ];
  for (const [name, setup, code] of others) add("other", name, setup, code);

  // RegExp compilation from a runtime string (item 6): a 2 MB alternation.
  const alternation = "globalThis.A = Array.from({ length: 2e5 }, (_, i) => 'w' + i.toString(36)).join('|');";
  const small = "globalThis.A = Array.from({ length: 2e4 }, (_, i) => 'w' + i.toString(36)).join('|');";
  const regexps = [
    ["new RegExp(2MB alternation)", alternation, "void new RegExp(A)"],
    ["new RegExp(2MB alternation).test", alternation, "void new RegExp(A).test('zzz')"],
    ["RegExp(2MB) without new .exec", alternation, "void RegExp(A).exec('zzz')"],
    ["'s'.match(2MB string)", alternation, "void 'zzz'.match(A)"],
    ["'s'.matchAll(2MB string)", alternation, "void [...'zzz'.matchAll(new RegExp(A, 'g'))]"],
    ["'s'.search(2MB string)", alternation, "void 'zzz'.search(A)"],
    ["'s'.replace(new RegExp(2MB))", alternation, "void 'zzz'.replace(new RegExp(A), '')"],
    ["'s'.split(new RegExp(2MB))", alternation, "void 'zzz'.split(new RegExp(A))"],
    ["Symbol.match of RegExp(2MB)", alternation, "void RegExp.prototype[Symbol.match].call(new RegExp(A), 'zzz')"],
    ["RegExp.prototype.compile(2MB)", alternation, "void /x/.compile(A).test('zzz')"],
    ["regexp literal via eval (2MB)", alternation, "void (0, eval)('/' + A + '/').test('zzz')"],
    ["new RegExp(200KB alternation).test", small, "void new RegExp(A).test('zzz')"],
    ["new RegExp(a{0,1000}x20 nested).test", "", "void new RegExp('(?:(?:a{0,1000}){0,1000}){0,1000}').test('b')"],
    ["catastrophic backtracking", "globalThis.S = 'a'.repeat(40) + 'b';", "void /^(a+)+$/.test(S)"],
    ["catastrophic backtracking /u", "globalThis.S = 'a'.repeat(40) + 'b';", "void /^(a|a)*$/u.test(S)"],
  ];
  for (const [name, setup, code] of regexps) add("RegExp", name, setup, code);
  return list;
}

// ---------------------------------------------------------------- child

async function child(spec) {
  const { MiniRacer } = require(distEntry);
  const { setup, code, timeout, asyncCall, maxMemory } = JSON.parse(spec);
  const mr = new MiniRacer(maxMemory ? { maxMemory } : {});
  const report = (fields) => process.stdout.write(JSON.stringify(fields) + "\n");
  try {
    if (setup) mr.eval(`${setup}; void 0`, { timeout: 60_000 });
  } catch (error) {
    report({ setupError: `${error.name}: ${error.message}`.slice(0, 200) });
    return;
  }
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  let outcome;
  try {
    if (asyncCall) await mr.evalAsync(code, { timeout });
    else mr.eval(code, { timeout });
    outcome = "returned";
  } catch (error) {
    outcome = `${error.name}${error.code ? "/" + error.code : ""}: ${String(error.message).slice(0, 120)}`;
  }
  const ms = performance.now() - started;
  const rssMB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  report({ ms, outcome, rssMB });
  const closeStart = performance.now();
  mr.close();
  report({ closeMs: performance.now() - closeStart });
}

// ---------------------------------------------------------------- parent

function runCase(entry, settings) {
  return new Promise((resolve) => {
    const spec = JSON.stringify({ setup: entry.setup, code: entry.code, timeout: settings.timeout,
      asyncCall: settings.asyncCall, maxMemory: settings.maxMemory });
    const started = performance.now();
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url), "--child", spec],
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

async function parent() {
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
      const result = await runCase(entry, settings);
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

import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
function short(r) {
  if (!r) return "not run";
  if (r.setupError) return `setup failed`;
  const what = r.outcome.startsWith("KILLED") ? "never ended (killed at 3 s)" :
    r.outcome.startsWith("process died") ? (/OOM|SIGTRAP|SIGABRT/.test(r.outcome) ? "process aborted" : "child failed") :
    r.outcome.replace(/\/ERR_MINI_RACER_\w+/, "").replace(/: the call exceeded its time limit/, "").slice(0, 90);
  return r.ms === undefined ? what : `${what}, ${Math.round(r.ms)} ms`;
}
function compare(beforeFile, afterFile) {
  const load = (file) => new Map(JSON.parse(readFileSync(file, "utf8")).map((r) => [`${r.group} ${r.name}`, r]));
  const before = load(beforeFile), after = load(afterFile);
  const late = (r) => r && !r.setupError && (r.ms === undefined || r.ms > 150);
  process.stdout.write("| group | case | before | after |\n|---|---|---|---|\n");
  for (const [key, b] of before) {
    const a = after.get(key);
    if (late(b) || late(a)) process.stdout.write(`| ${b.group} | ${b.name.replace(/\|/g, "\\|")} | ${short(b)} | ${short(a)} |\n`);
  }
}

if (opts.child !== undefined) await child(opts.child);
else if (opts.compare) compare(args.positionals[0], args.positionals[1]);
else await parent();
