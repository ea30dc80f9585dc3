// The cases scripts/builtin-hangs.mjs runs: V8 builtins given receivers and
// arguments that make them loop for a long time (array-likes of huge length,
// sparse arrays near 2**32, 48 MB typed arrays, 32 M-character strings,
// 2 MB regular expressions, ...). Each case is { group, name, setup, code }:
// `setup` builds the receiver (no time limit), `code` is the measured call.
// Kept apart from the runner so that adding a case touches only this file.

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

export function cases() {
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
    ["Object.values(string)", s, "void Object.values(S)"],
    ["Object.entries(string)", s, "void Object.entries(S)"],
    ["Object.getOwnPropertyNames(string)", s, "void Object.getOwnPropertyNames(S)"],
    ["Object.getOwnPropertyDescriptors(string)", s, "void Object.getOwnPropertyDescriptors(S)"],
    ["Object.getOwnPropertySymbols(string)", s, "void Object.getOwnPropertySymbols(S)"],
    ["Object.defineProperties({}, string)", s, "void Object.defineProperties({}, S)"],
    ["Object.create(null, string)", s, "void Object.create(null, S)"],
    ["Object.keys(new String(string))", s, "void Object.keys(new String(S))"],
    ["Reflect.ownKeys(new String(string))", s, "void Reflect.ownKeys(new String(S))"],
    ["object spread of string", s, "void ({ ...S })"],
    ["new Set(string)", s, "void new Set(S)"],
    ["for-in over string", s, "for (const k in S) break"],
    ["Object.keys(Uint8Array 48MB)", "globalThis.R = new Uint8Array(48 << 20);", "void Object.keys(R)"],
    ["for-in over Uint8Array 48MB", "globalThis.R = new Uint8Array(48 << 20);", "for (const k in R) break"],
    ["Object.keys(dense array 8e6)", "globalThis.R = new Array(8e6).fill(0);", "void Object.keys(R)"],
    ["String.prototype.replaceAll.call(String object)", s, "void String.prototype.replaceAll.call(new String(S), 'a', 'x')"],
    ["replace(/a/g, fn)", s, "void S.replace(/a/g, () => 'x')"],
    ["replace(subclass /a/g)", s, "void S.replace(new (class extends RegExp {})('a', 'g'), 'x')"],
    ["Symbol.replace called directly", s, "void RegExp.prototype[Symbol.replace].call(/a/g, S, 'x')"],
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
    ["JSON.stringify Proxy replacer array", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void JSON.stringify({}, new Proxy(R, {}))"],
    ["Array.from(string)", "globalThis.S = 'ab'.repeat(2 ** 24);", "void Array.from(S)"],
    ["Array.from(new Set 3e6)", "globalThis.R = new Set(Array.from({ length: 3e6 }, (_, i) => i));", "void Array.from(R)"],
    ["Array.from({length:2**32-1}, undefined)", "", "void Array.from({ length: 2 ** 32 - 1 }, undefined)"],
    ["Float64Array.from({length:1e7})", "", "void Float64Array.from({ length: 1e7 })"],
    ["new Float64Array({length:1e7})", "", "void new Float64Array({ length: 1e7 })"],
    ["structured: Array.prototype.concat spreadable", "", "void [].concat({ length: 2 ** 32 - 1, [Symbol.isConcatSpreadable]: true })"],
    ["Array.prototype.concat sparse", "globalThis.R = []; R.length = 2 ** 32 - 1;", "void [1].concat(R)"],
    ["Atomics.wait Infinity", "globalThis.R = new Int32Array(new SharedArrayBuffer(4));", "void Atomics.wait(R, 0, 0)"],
    ["Atomics.wait 1e9", "globalThis.R = new Int32Array(new SharedArrayBuffer(4));", "void Atomics.wait(R, 0, 0, 1e9)"],
    ["arguments length 2**53-1 indexOf", "", "void (function () { arguments.length = 2 ** 53 - 1; return Array.prototype.indexOf.call(arguments, 1); })()"],
    ["eval of 2e6 statements", "globalThis.S = 'x;'.repeat(2e6);", "void (0, eval)('(function(){' + S + '})')"],
    ["new Function 1e6 params", "globalThis.S = Array.from({ length: 1e5 }, (_, i) => 'a' + i).join(',');", "void new Function(S, '')"],
  ];
  for (const [name, setup, code] of others) add("other", name, setup, code);

  // Locale lists (CanonicalizeLocaleList reads every index up to the
  // length): every Intl constructor and supportedLocalesOf, and each
  // toLocale*String / toLocale*Case / localeCompare, with { length: 2**32-1 }.
  const intl = ["Collator", "DateTimeFormat", "DisplayNames", "DurationFormat", "ListFormat", "NumberFormat", "PluralRules",
    "RelativeTimeFormat", "Segmenter", "v8BreakIterator"];
  const L = "globalThis.L = { length: 2 ** 32 - 1 };";
  const locales = [["Intl.getCanonicalLocales", "void Intl.getCanonicalLocales(L)"], ["Intl.getCanonicalLocales 1e6", "void Intl.getCanonicalLocales(Array(1e6).fill('en-US'))"]];
  for (const name of intl) {
    locales.push([`new Intl.${name}`, `if (Intl.${name}) void new Intl.${name}(L)`]);
    locales.push([`Intl.${name}.supportedLocalesOf`, `if (Intl.${name}) void Intl.${name}.supportedLocalesOf(L)`]);
  }
  for (const [value, methods] of [["1.5", ["toLocaleString"]], ["1n", ["toLocaleString"]], ["new Date(0)", ["toLocaleString", "toLocaleDateString", "toLocaleTimeString"]],
    ["[1]", ["toLocaleString"]], ["new Uint8Array(1)", ["toLocaleString"]], ["'a'", ["toLocaleUpperCase", "toLocaleLowerCase"]]]) {
    for (const method of methods) locales.push([`(${value}).${method}`, `void (${value}).${method}(L)`]);
  }
  locales.push(["localeCompare", "void 'a'.localeCompare('b', L)"]);
  for (const [name, code] of locales) add("Intl", name.endsWith("1e6") ? name : `${name}({length:2**32-1})`, L, code);

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
