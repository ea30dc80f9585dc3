import { afterEach, describe, expect, it } from "vitest";
import {
  JSEvalError,
  JSFunctionHandle,
  JSObjectHandle,
  JSTimeoutError,
  MiniRacer,
  ValueTransferError,
} from "../../src/index.js";
import { timed } from "../helpers.js";
import { expectHostUntouched } from "./helpers.js";

// Attacks on the copying of values across the boundary: code that runs while
// a value is marshalled (getters, proxies, toJSON, toPrimitive), prototype
// pollution, `__proto__` keys, thenables and Promise species. Each test is one
// attack; copies must be plain host data and the host's prototypes untouched.

afterEach(() => {
  expectHostUntouched();
});

const plainProto = (v: unknown): boolean => Object.getPrototypeOf(v) === Object.prototype;

describe("code that runs while results are copied out", () => {
  it("Proxy results (top-level and nested) are refused and none of their traps run", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.trapped = [];
      const handler = {};
      for (const t of ['get', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf', 'apply']) {
        handler[t] = (...a) => { trapped.push(t); return Reflect[t](...a) };
      }
      globalThis.p = new Proxy({ a: 1 }, handler);
      globalThis.pa = new Proxy([1, 2], handler);
    `);
    for (const code of ["p", "pa", "({ inner: p })", "[1, pa]", "new Map([[1, p]])", "new Error('x', { cause: p })"]) {
      expect(() => mr.eval(code), code).toThrow(ValueTransferError);
    }
    expect(mr.eval("trapped")).toEqual([]);
  });

  it("Proxy kept as a handle: traps run in the sandbox, see no host, and a looping trap ends at the timeout", () => {
    using mr = new MiniRacer();
    const h = mr.eval(
      `new Proxy({}, {
         ownKeys() { return ['a', 'p:' + typeof process, 'r:' + typeof require] },
         getOwnPropertyDescriptor() { return { value: 1, enumerable: true, configurable: true } },
         get(_, k) { if (k === 'loop') while (true) {} return typeof process },
       })`,
      { handle: true, timeout: 1000 },
    ) as JSObjectHandle;
    expect(h).toBeInstanceOf(JSObjectHandle);
    expect(h.keys()).toEqual(["a", "p:undefined", "r:undefined"]);
    expect(h.get("a")).toBe("undefined");
    const r = timed(() => h.get("loop", { timeout: 200 }));
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    expect(h.get("x", { timeout: 1000 })).toBe("undefined");
  });

  it("getters on results run in the sandbox (no host in reach) and a looping getter ends at the timeout", () => {
    using mr = new MiniRacer();
    const out = mr.eval<Record<string, unknown>>(
      "({ get a() { return [typeof process, typeof require, typeof globalThis.module] }, get b() { return this === globalThis } })",
      { timeout: 1000 },
    );
    expect(out).toEqual({ a: ["undefined", "undefined", "undefined"], b: false });
    expect(plainProto(out)).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, "a")?.get).toBeUndefined();
    const r = timed(() => mr.eval("({ get x() { while (true) {} } })", { timeout: 200 }));
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("getters that mutate the object being copied (add functions, delete keys, grow arrays)", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const cases = [
      "(() => { const o = { get a() { o.f = () => 1; return 1 }, b: 2 }; return o })()",
      "(() => { const o = { get a() { delete o.b; return 1 }, b: 2 }; return o })()",
      "(() => { const a = [1, 2, 3]; Object.defineProperty(a, 0, { get() { a.length = 1e6; return 0 }, enumerable: true }); return a })()",
      "(() => { const a = [1, 2, 3]; Object.defineProperty(a, 0, { get() { a.length = 0; return 0 }, enumerable: true }); return a })()",
      "(() => { const o = { get a() { Object.setPrototypeOf(o, new Proxy({}, {})); return 1 } }; return o })()",
    ];
    for (const code of cases) {
      const r = timed(() => mr.eval(code));
      if (r.error !== undefined) expect(r.error, code).toBeInstanceOf(ValueTransferError);
      else expect(typeof r.value, code).toBe("object");
      if (r.value !== undefined) expect(JSON.stringify(r.value).length).toBeLessThan(8 * 1024 * 1024);
    }
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("toJSON, Symbol.toPrimitive, valueOf and toString are never called when copying", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("globalThis.calls = []");
    const hooks = `{
      toJSON() { calls.push('toJSON'); return 'hijacked' },
      [Symbol.toPrimitive]() { calls.push('toPrimitive'); return 'hijacked' },
      valueOf() { calls.push('valueOf'); return 'hijacked' },
      toString() { calls.push('toString'); return 'hijacked' },
    }`;
    // Plain copies refuse the hook functions themselves; the data stays data.
    expect(() => mr.eval(`({ a: 1, ...${hooks} })`)).toThrow(ValueTransferError);
    mr.execute(`
      Date.prototype.toJSON = Date.prototype.valueOf = Date.prototype.toISOString = () => { calls.push('date'); return 0 };
      Object.prototype.toJSON = () => { calls.push('objToJSON'); return 'hijacked' };
      Object.prototype[Symbol.toPrimitive] = () => { calls.push('objPrim'); return 'hijacked' };
    `);
    const out = mr.eval<Record<string, unknown>>("({ d: new Date(86400000), n: new Number(5), s: new String('s'), o: { k: 1 } })");
    expect((out.d as Date).getTime()).toBe(86400000);
    expect(out.o).toEqual({ k: 1 });
    expect(String(out.s)).toBe("s");
    expect(mr.eval("calls")).toEqual([]);
    mr.execute("delete Object.prototype.toJSON; delete Object.prototype[Symbol.toPrimitive]");
  });

  it("Map/Set/RegExp/Date/typed array with overridden methods and accessors: copies are built from internal slots", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.calls = [];
      for (const C of [Map, Set]) for (const m of ['entries', 'forEach', 'keys', 'values', Symbol.iterator, 'get', 'has']) {
        const orig = C.prototype[m];
        C.prototype[m] = function (...a) { calls.push(String(m)); return orig.apply(this, a) };
      }
      Object.defineProperty(Map.prototype, 'size', { get() { calls.push('size'); return 1e9 } });
      Object.defineProperty(RegExp.prototype, 'source', { get() { calls.push('source'); return 'evil' } });
      Object.defineProperty(RegExp.prototype, 'flags', { get() { calls.push('flags'); return 'gimsuy' } });
      Object.defineProperty(Uint8Array.prototype.__proto__, 'length', { get() { calls.push('length'); return 1e9 } });
      Date.prototype.getTime = () => { calls.push('getTime'); return 0 };
    `);
    const out = mr.eval<Record<string, unknown>>("({ m: new Map([[1, 2]]), s: new Set([3]), r: /abc/g, d: new Date(5), u: new Uint8Array([9, 8]) })");
    expect(out.m).toEqual(new Map([[1, 2]]));
    expect(out.s).toEqual(new Set([3]));
    expect((out.r as RegExp).source).toBe("abc");
    expect((out.r as RegExp).flags).toBe("g");
    expect((out.d as Date).getTime()).toBe(5);
    expect(Array.from(out.u as Uint8Array)).toEqual([9, 8]);
    expect(Object.getPrototypeOf(out.m)).toBe(Map.prototype);
    expect(Object.getPrototypeOf(out.r)).toBe(RegExp.prototype);
    expect(mr.eval("calls")).toEqual([]);
  });

  it("results that are sandbox Errors with hostile prototypes and properties arrive as plain host Errors", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const out = mr.eval<Error>(`
      const e = new RangeError('r');
      Object.setPrototypeOf(e, { __proto__: RangeError.prototype, polluted: 1, get hacked() { return 'x' } });
      e.name = 'Evil';
      e.extra = { a: 1 };
      e`);
    expect(out).toBeInstanceOf(Error);
    expect([Error.prototype, RangeError.prototype]).toContain(Object.getPrototypeOf(out));
    expect((out as unknown as Record<string, unknown>).polluted).toBeUndefined();
    expect((out as unknown as Record<string, unknown>).hacked).toBeUndefined();
    expect(out.message).toBe("r");
  });
});

describe("values crossing through host functions", () => {
  it("a getter on an argument of a host function runs in the sandbox, under the call's time limit", () => {
    using mr = new MiniRacer();
    const received: unknown[] = [];
    mr.expose("take", (x: unknown) => {
      received.push(x);
      return true;
    });
    expect(mr.eval("take({ get a() { return [typeof process, typeof require] } })", { timeout: 1000 })).toBe(true);
    expect(received[0]).toEqual({ a: ["undefined", "undefined"] });
    const r = timed(() => mr.eval("take({ get a() { while (true) {} } })", { timeout: 200 }));
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    expect(received).toHaveLength(1);
    expect(mr.eval("take(1)", { timeout: 1000 })).toBe(true);
  });

  it("functions passed to the host arrive as JSFunctionHandles, never as raw sandbox functions; nested ones are refused", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const received: unknown[] = [];
    mr.expose("take", (...args: unknown[]) => {
      received.push(...args);
      return "called";
    });
    expect(mr.eval("take(function f() { return 1 }, async () => 2, class K {}, Symbol.iterator)")).toBe("called");
    expect(received[0]).toBeInstanceOf(JSFunctionHandle);
    expect(received[1]).toBeInstanceOf(JSFunctionHandle);
    expect(received[2]).toBeInstanceOf(JSFunctionHandle);
    // Calling the handle runs the function in the sandbox, not on the host.
    expect((received[0] as JSFunctionHandle)()).toBe(1);
    expect(Object.getPrototypeOf(received[0])).toBe(JSFunctionHandle.prototype);
    const before = received.length;
    for (const arg of ["{ f() {} }", "[() => 1]", "new Map([[1, () => 1]])", "Promise.resolve(1)", "new WeakMap()"]) {
      const name = mr.eval(`try { take(${arg}); 'passed' } catch (e) { e.name }`);
      expect(name, arg).not.toBe("passed");
    }
    expect(received).toHaveLength(before);
  });

  it("host functions receive copies: mutating them does not touch the sandbox, and sandbox mutation does not touch host arguments", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("mutate", (o: Record<string, unknown>) => {
      o.added = "host";
      (o.list as unknown[]).push("host");
      Object.setPrototypeOf(o, null);
      return "done";
    });
    expect(mr.eval("globalThis.o = { list: [1] }; mutate(o); [JSON.stringify(o), Object.getPrototypeOf(o) === Object.prototype]")).toEqual([
      '{"list":[1]}',
      true,
    ]);
    mr.execute("function change(x) { x.list.push('sandbox'); x.extra = 1; Object.setPrototypeOf(x, null); return x }");
    const hostObj = { list: [1] as unknown[] };
    const back = mr.call<Record<string, unknown>>("change", hostObj);
    expect(hostObj).toEqual({ list: [1] });
    expect(plainProto(hostObj)).toBe(true);
    expect(back).not.toBe(hostObj);
    expect(back.list).toEqual([1, "sandbox"]);
  });
});

describe("prototype pollution and __proto__ keys", () => {
  it("polluting Object.prototype / Array.prototype / Function.prototype in the sandbox leaves host copies and prototypes plain", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      Object.prototype.polluted = 'yes';
      Array.prototype.injected = 'yes';
      Object.defineProperty(Object.prototype, 'evil', { get() { return 'getter' }, enumerable: true });
    `);
    const out = mr.eval<Record<string, unknown>>("({ a: [1, 2], o: {} })");
    const asyncOut = await mr.evalAsync<Record<string, unknown>>("Promise.resolve({ a: [1] })");
    for (const v of [out, out.o, asyncOut]) {
      expect(plainProto(v)).toBe(true);
      expect(Object.keys(v as object)).not.toContain("polluted");
      expect((v as Record<string, unknown>).polluted).toBeUndefined();
      expect((v as Record<string, unknown>).evil).toBeUndefined();
    }
    expect((out.a as unknown as Record<string, unknown>).injected).toBeUndefined();
    expect(Object.getPrototypeOf(out.a)).toBe(Array.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>).injected).toBeUndefined();
  });

  it("setters planted on Object.prototype / Array.prototype do not intercept host data copied in", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.stolen = [];
      for (const k of ['secret', 'token', '0', '__proto__x']) {
        Object.defineProperty(Object.prototype, k, { set(v) { stolen.push([k, v]) }, get() { return 'planted' }, configurable: true });
      }
      Object.defineProperty(Array.prototype, '1', { set(v) { stolen.push(['1', v]) }, configurable: true });
      function echo(x) { return [JSON.stringify(x), Object.keys(x)] }
    `);
    const res = mr.call<unknown[]>("echo", { secret: "s3", token: "t0", 0: "zero", arr: [1, 2] });
    expect(JSON.parse(res[0] as string)).toEqual({ 0: "zero", secret: "s3", token: "t0", arr: [1, 2] });
    expect(mr.eval("stolen")).toEqual([]);
  });

  it("host objects with an own __proto__ key passed in: arrive as own data, no prototype change, no pollution", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const payload = JSON.parse('{"__proto__": {"polluted": "yes", "isAdmin": true}, "nested": [{"__proto__": {"injected": 1}}]}') as object;
    expect(Object.getOwnPropertyNames(payload)).toContain("__proto__");
    mr.execute(`function inspect(x) {
      return [Object.getPrototypeOf(x) === Object.prototype, Object.hasOwn(x, '__proto__'), x.isAdmin, ({}).polluted,
              Object.getPrototypeOf(x.nested[0]) === Object.prototype, x.nested[0].injected, [].injected]
    }`);
    const expected = [true, true, undefined, undefined, true, undefined, undefined];
    expect(mr.call("inspect", payload)).toEqual(expected);
    mr.expose("give", () => payload);
    expect(mr.eval("inspect(give())")).toEqual(expected);
    const h = mr.eval("globalThis.box = {}", { handle: true }) as JSObjectHandle;
    h.set("value", payload);
    expect(mr.eval("inspect(box.value)")).toEqual(expected);
    expect(mr.eval("({}).polluted")).toBeUndefined();
  });

  it("sandbox objects with an own __proto__ property returned, passed to host functions and logged: plain host copies", async () => {
    const logged: unknown[] = [];
    using mr = new MiniRacer({ timeout: 1000, onConsole: (_l, args) => logged.push(...args) });
    const received: unknown[] = [];
    mr.expose("take", (x: unknown) => {
      received.push(x);
    });
    const make = `(() => {
      const o = JSON.parse('{"__proto__": {"polluted": "yes"}, "a": 1}');
      Object.defineProperty(o, 'constructor', { value: { prototype: { polluted: 'ctor' } }, enumerable: true });
      return { o, list: [o], viaDefine: Object.defineProperty({}, '__proto__', { value: { evil: 1 }, enumerable: true }) };
    })()`;
    const sync = mr.eval<Record<string, unknown>>(make);
    const asyncR = await mr.evalAsync<Record<string, unknown>>(`Promise.resolve(${make})`);
    mr.eval(`take(${make}); console.log(${make})`);
    for (const r of [sync, asyncR, received[0], logged[0]] as Array<Record<string, unknown>>) {
      for (const v of [r.o, (r.list as unknown[])[0], r.viaDefine] as Array<Record<string, unknown>>) {
        expect(plainProto(v)).toBe(true);
        expect(Object.getOwnPropertyNames(v)).toContain("__proto__");
        expect(v.polluted).toBeUndefined();
        expect(v.evil).toBeUndefined();
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("handle.set / handle.get with the key __proto__ only touch the sandbox object", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const h = mr.eval("globalThis.target = {}", { handle: true }) as JSObjectHandle;
    h.set("__proto__", { polluted: "via-handle" });
    expect(mr.eval("[target.polluted, ({}).polluted]")).toEqual(["via-handle", undefined]);
    const proto = h.get("__proto__");
    expect(plainProto(proto)).toBe(true);
    const objProto = mr.eval("Object.prototype", { handle: true }) as JSObjectHandle;
    objProto.set("polluted", "sandbox-only");
    expect(mr.eval("[].polluted")).toBe("sandbox-only");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    objProto.delete("polluted");
    expect(h.get("constructor")).toBeInstanceOf(JSFunctionHandle);
  });
});

describe("thenables and Promise species on async results", () => {
  it("evalAsync returning a thenable object: refused as a copy, never resolved through its then", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("globalThis.thenCalls = 0");
    await expect(mr.evalAsync("({ then(resolve) { thenCalls++; resolve(typeof process) } })")).rejects.toThrow(ValueTransferError);
    expect(await mr.evalAsync("({ then: 1, x: 2 })")).toEqual({ then: 1, x: 2 });
    // As a handle, a thenable stays an opaque JSObjectHandle: the host's promise does not adopt it.
    const h = await mr.evalAsync("({ then(resolve) { thenCalls++; resolve('hijacked') } })", { handle: true });
    expect(h).toBeInstanceOf(JSObjectHandle);
    expect(mr.eval("thenCalls")).toBe(0);
  });

  it("overriding Promise.prototype.then / catch / finally in the sandbox does not change async results or the host's Promise", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.hooked = 0;
      Promise.prototype.then = function () { hooked++; return 'hijacked' };
      Promise.prototype.catch = Promise.prototype.finally = function () { hooked++; return 'hijacked' };
    `);
    expect(await mr.evalAsync("Promise.resolve(7)")).toBe(7);
    expect(await mr.evalAsync("new Promise((r) => setTimeout(() => r({ v: 8 }), 1))")).toEqual({ v: 8 });
    await expect(mr.evalAsync("Promise.reject(new Error('no'))")).rejects.toThrow(JSEvalError);
    expect(await mr.callAsync("Promise.resolve", 9)).toBe(9);
  });

  it("Promise subclasses with a hostile constructor[Symbol.species] and then", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.speciesCalls = 0;
      class Evil extends Promise {
        static get [Symbol.species]() { speciesCalls++; return function (executor) { executor(() => {}, () => {}); return { then() { while (true) {} } } } }
        then(a, b) { return super.then(a, b) }
      }
      globalThis.Evil = Evil;
      Promise[Symbol.species];
      Object.defineProperty(Promise, Symbol.species, { get() { speciesCalls++; return Evil } });
    `);
    const r = await mr.evalAsync("Evil.resolve(5)", { timeout: 500 }).then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    );
    // The call's promise is the MiniRacer's own: the tampered species is never consulted.
    expect(r).toEqual({ v: 5 });
    expect(await mr.evalAsync("Promise.resolve(6)")).toBe(6);
  });

  it("Object.prototype.then planted in the sandbox does not make plain results thenable", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("globalThis.thenRuns = 0; Object.prototype.then = function (res) { thenRuns++; res('hijacked') }");
    const r = await mr.evalAsync("({ a: 1 })").then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    );
    // Either the plain copy, or a refusal: never 'hijacked', never a host-side then call.
    if ("v" in r) expect(r.v).toEqual({ a: 1 });
    else expect(r.e).toBeInstanceOf(Error);
    expect(mr.eval("({ a: 2 })")).toEqual({ a: 2 });
  });

  it("a host async function's promise in the sandbox with then/species hijacked: the host settles it, the value is right", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    let hostCalls = 0;
    mr.expose("fetchLater", async (x: number) => {
      hostCalls++;
      await new Promise((r) => setTimeout(r, 5));
      return { x };
    });
    const out = await mr.evalAsync<unknown[]>(`(async () => {
      const p = fetchLater(3);
      const proto = Object.getPrototypeOf(p);
      const info = [p instanceof Promise, proto === Promise.prototype, p.constructor.constructor('return typeof process')()];
      // Hijack the instance's then and its species: the sandbox may fool itself, never the host.
      p.then = function (a, b) { globalThis.hooked = (globalThis.hooked || 0) + 1; return Promise.prototype.then.call(this, a, b) };
      Object.defineProperty(p, 'constructor', { value: { [Symbol.species]: Promise } });
      const v = await p;
      return [...info, v, globalThis.hooked > 0];
    })()`);
    expect(out).toEqual([true, true, "undefined", { x: 3 }, true]);
    expect(hostCalls).toBe(1);
  });
});
