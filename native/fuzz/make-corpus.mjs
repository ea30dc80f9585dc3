// Regenerates the seed corpus in native/fuzz/corpus/ (committed; run by hand
// after changing it: `node native/fuzz/make-corpus.mjs`).
//  - ser-*: V8 serialization bytes (v8.Serializer, the base class: typed
//    arrays in V8's own format, not as Node host objects), one value each;
//  - prog-*: a few inputs for the fuzz target's program mode (any first
//    byte but 0xFF), from a fixed PRNG.
import { Serializer } from 'node:v8';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'corpus');
mkdirSync(dir, { recursive: true });
for (const f of readdirSync(dir)) rmSync(join(dir, f));

function serialize(value) {
  const s = new Serializer();
  s.writeHeader();
  s.writeValue(value);
  return s.releaseBuffer();
}

const cyclic = { name: 'loop' };
cyclic.self = cyclic;
const shared = { s: 1 };
const sparse = [1, 2];
sparse[1000] = 'far';
const buffer = new ArrayBuffer(32);
const values = {
  undefined: undefined,
  null: null,
  true: true,
  int: 42,
  negative: -7,
  double: 3.14159,
  nan: NaN,
  minus_zero: -0,
  uint: 2 ** 31 + 5,
  string_latin1: 'hello, world',
  string_utf16: 'héllo \u{1F600} \u4e16\u754c',
  string_lone_surrogate: '\ud800x',
  empty_string: '',
  long_string: 'abc'.repeat(200),
  object: { a: 1, b: 'two', c: [3, { d: null }] },
  nested: { l1: { l2: { l3: { l4: [[[[1]]]] } } } },
  array: [1, 'a', true, null, undefined, 2.5],
  array_holes: [1, , 3],
  sparse_array: sparse,
  array_with_props: Object.assign([1, 2], { extra: 'x' }),
  map: new Map([[1, 'one'], ['two', { n: 2 }], [{}, []]]),
  set: new Set([1, 'a', { b: 2 }, [3]]),
  date: new Date(Date.UTC(2024, 1, 29, 12, 0, 0)),
  invalid_date: new Date(NaN),
  regexp: /ab+c/gi,
  regexp_unicode: /\p{L}+/su,
  uint8array: new Uint8Array([1, 2, 3, 255]),
  int32array: new Int32Array([-1, 0, 1, 2 ** 31 - 1]),
  float64array: new Float64Array([0.5, NaN, -Infinity]),
  bigint64array: new BigInt64Array([1n, -(2n ** 63n)]),
  subarray: new Uint16Array(buffer, 4, 6),
  dataview: new DataView(buffer, 2, 10),
  two_views: [new Uint8Array(buffer, 0, 4), new Float32Array(buffer, 8, 2)],
  arraybuffer: new Uint8Array([9, 8, 7]).buffer,
  bigint: 12345678901234567890n,
  bigint_negative: -(2n ** 130n),
  boxed: [new Number(1), new String('s'), new Boolean(false), Object(5n)],
  error: new Error('boom'),
  type_error: new TypeError('bad type', { cause: { why: 1 } }),
  range_error: new RangeError('range'),
  cycle: cyclic,
  shared_refs: [shared, shared, { again: shared }],
  null_proto: Object.assign(Object.create(null), { k: 'v' }),
  numeric_keys: { 1: 'a', 10: 'b', '-1': 'c', 1.5: 'd' },
  mixed: {
    m: new Map([['s', new Set([new Date(0)])]]),
    t: new Int8Array(3),
    r: /x/y,
    b: 7n,
  },
};

let n = 0;
for (const [name, value] of Object.entries(values)) {
  writeFileSync(join(dir, `ser-${name}`), serialize(value));
  n++;
}

// Program-mode seeds.
let seed = 0x6d696e69;
const rand = () => {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed & 0xff;
};
for (let i = 0; i < 12; i++) {
  const bytes = Buffer.alloc(48 + i * 24);
  for (let j = 0; j < bytes.length; j++) bytes[j] = rand();
  if (bytes[0] === 0xff) bytes[0] = 0;
  writeFileSync(join(dir, `prog-${String(i).padStart(2, '0')}`), bytes);
  n++;
}
console.log(`${n} seeds in ${dir}`);
