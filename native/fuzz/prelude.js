// Evaluated once in each fuzzing sandbox (embedded into fuzz_addon.cc at
// build time). `fz.*` are the functions the fuzz target calls by path;
// `host.fn` is host function 1 (answered by the fuzz target).
(() => {
  // A summary of everything reachable from `root`, as ','-joined tags
  // (type@depth). The fuzz target hashes the tags into libFuzzer's extra
  // counters: V8's deserializer is not instrumented, so this is how the
  // fuzzer learns that an input produced a new kind of value.
  function walk(root) {
    const tags = [];
    const seen = new Set();
    let budget = 3000;
    const tag = (t, d) => { if (tags.length < 512) tags.push(t + '@' + (d > 7 ? 7 : d)); };
    function visit(v, d) {
      if (--budget < 0) return;
      const t = typeof v;
      if (v === null || (t !== 'object' && t !== 'function')) {
        if (t === 'number') {
          tag(Number.isNaN(v) ? 'nan' : Object.is(v, -0) ? 'm0'
              : !Number.isFinite(v) ? 'inf'
              : Number.isInteger(v) ? (Math.abs(v) < 2 ** 30 ? 'smi' : 'int') : 'dbl', d);
        } else if (t === 'string') {
          tag('s' + (v.length > 8 ? 'L' : v.length) + (/[^\x00-\xff]/.test(v) ? 'w' : '') +
              (/[\ud800-\udfff]/.test(v) ? 'u' : ''), d);
        } else if (t === 'bigint') {
          tag(v < 0n ? 'bn-' : v > 2n ** 64n ? 'bnL' : 'bn', d);
        } else {
          tag(t, d);
        }
        return;
      }
      if (seen.has(v)) { tag('cyc', d); return; }
      seen.add(v);
      tag(Object.prototype.toString.call(v).slice(8, -1), d);
      try {
        if (v instanceof Map) {
          tag('map' + Math.min(v.size, 4), d);
          for (const [k, x] of v) { visit(k, d + 1); visit(x, d + 1); }
        } else if (v instanceof Set) {
          tag('set' + Math.min(v.size, 4), d);
          for (const x of v) visit(x, d + 1);
        } else if (ArrayBuffer.isView(v)) {
          const n = v.length ?? v.byteLength;
          tag('view' + Math.min(n, 9) + ':' + (v.byteOffset & 7) + ':' + (v.buffer.byteLength > n ? 'p' : 'f'), d);
          if (v.length) { v[0]; v[v.length - 1]; }
          if (v instanceof DataView && v.byteLength >= 8) v.getFloat64(0);
          return;
        } else if (v instanceof ArrayBuffer) {
          tag('ab' + Math.min(v.byteLength, 9) + (v.resizable ? 'r' : ''), d);
          new Uint8Array(v).reduce((a, b) => a ^ b, 0);
          return;
        } else if (v instanceof Date) {
          tag(Number.isNaN(v.getTime()) ? 'baddate' : 'date', d);
          String(v);
        } else if (v instanceof RegExp) {
          tag('re:' + v.flags, d);
          v.test('abc'); String(v);
        } else if (v instanceof Error) {
          tag('err:' + v.name + (v.cause !== undefined ? ':c' : ''), d);
          String(v.stack); String(v.message);
          if ('cause' in v) visit(v.cause, d + 1);
        } else if (v instanceof Boolean || v instanceof Number || v instanceof String || v instanceof BigInt) {
          tag('box', d);
          String(v.valueOf());
        }
        if (Array.isArray(v)) {
          tag('arr' + (v.length > 8 ? 'L' : v.length) + (Object.keys(v).length < v.length ? 'h' : ''), d);
        }
        let keys = 0;
        for (const k of Reflect.ownKeys(v)) {
          if (++keys > 64) break;
          tag(typeof k === 'symbol' ? 'ksym' : /^(0|[1-9]\d*)$/.test(k) ? 'kidx' : 'k', d);
          const desc = Object.getOwnPropertyDescriptor(v, k);
          if (desc && 'value' in desc) visit(desc.value, d + 1);
          else tag('acc', d);
        }
        try { JSON.stringify(v); tag('json', d); } catch { tag('nojson', d); }
        try { String(v); } catch { tag('nostr', d); }
      } catch (e) {
        tag('throw', d);
      }
    }
    visit(root, 0);
    return tags.join(',');
  }

  // Values with odd corners for the encoder (as results and handles).
  const makers = [
    () => new Proxy({}, { get() { throw new Error('trap'); }, ownKeys() { throw new RangeError('keys'); } }),
    () => ({ get x() { throw new TypeError('getter'); } }),
    () => { const o = { a: 1 }; o.self = o; return o; },
    () => function f(a, b) { return [a, b, this]; },
    () => Symbol('s'),
    () => Symbol.for('registered'),
    () => [1, , 3, , 5],
    () => Object.assign([1, 2], { extra: 'x' }),
    () => new Map([[{}, []], ['k', new Set([1, 'a'])]]),
    () => new Uint16Array([1, 2, 3]).subarray(1),
    () => new DataView(new ArrayBuffer(16), 3, 5),
    () => new SharedArrayBuffer(8),
    () => new WeakMap(),
    () => Promise.resolve(42),
    () => Promise.reject(new Error('rejected')),
    () => new Promise(() => {}),
    () => Object.assign(new Error('with props'), { code: 7, cause: { deep: [1] } }),
    () => 2n ** 200n,
    () => -0,
    () => 'x'.repeat(70000),
    () => '\ud800\udc00\ud800',
    () => { let a = []; for (let i = 0; i < 5000; i++) a = [a]; return a; },
    () => Object.create(null),
    () => new (class Foo { constructor() { this.x = 1; } })(),
    () => ({ toJSON() { throw new Error('toJSON'); }, valueOf() { throw 1; } }),
    () => new Proxy(function () {}, {}),
    () => ({ then(resolve) { resolve(5); } }),
    () => { const a = new ArrayBuffer(8, { maxByteLength: 16 }); return new Uint8Array(a); },
    () => globalThis,
    () => Object.freeze([1, 2]),
    () => new Date(NaN),
    () => /(a+)+$/giu,
  ];

  globalThis.fz = {
    id: (x) => x,
    walk,
    args: (...a) => a,
    pair: (x) => [x, walk(x), x],
    mk: (i) => makers[((i >>> 0) % makers.length)](),
    throwIt: (x) => { throw x; },
    resolve: async (x) => x,
    reject: async (x) => { throw x; },
    host: (...a) => host.fn(...a),
    hostWalk: (...a) => walk(host.fn(...a)),
    hostAwait: async (...a) => walk(await host.fn(...a)),
    log: (...a) => { console.log(...a); console.error(a[0]); return a.length; },
    makerCount: () => makers.length,
  };
})();
