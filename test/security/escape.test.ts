import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ContextClosedError,
  HandleReleasedError,
  JSEvalError,
  JSFunctionHandle,
  JSObjectHandle,
  JSParseError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacer,
  ModuleNotFoundError,
  ValueTransferError,
} from "../../src/index.js";
import { caught, runChild, timed, UNDER_ASAN } from "../helpers.js";
import { expectHostUntouched, HOST_PATH, sleep } from "./helpers.js";

// Escape attempts in the shapes that broke vm2 and node:vm sandboxes, adapted
// to a separate isolate: every test is one attack and asserts that nothing of
// the host reaches the sandbox (and that the host and the MiniRacer carry on).

const NODE_NAMES = ["process", "require", "module", "exports", "Buffer", "global", "__dirname", "__filename", "setImmediate"];
const typeofAll = (expr: string): string =>
  `(() => { const g = ${expr}; return [${NODE_NAMES.map((n) => `typeof g.${n}`).join(",")}] })()`;
const allUndefined = NODE_NAMES.map(() => "undefined");

afterEach(() => {
  vi.restoreAllMocks();
  expectHostUntouched();
});

describe("reaching the host's globals through constructors", () => {
  it("constructor.constructor('return this') from built-in sandbox values", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    for (const start of ["this", "({})", "[]", "''", "0", "(() => {})", "Symbol()", "new Error()", "Promise.resolve()", "/x/", "new Map()", "Math", "JSON"]) {
      const code = typeofAll(`(${start}).constructor.constructor('return this')()`);
      expect(mr.eval(code), start).toEqual(allUndefined);
      expect(mr.eval(`(${start}).constructor.constructor('return typeof process')()`), start).toBe("undefined");
    }
    expect(mr.eval("this.constructor.constructor('return this')() === globalThis")).toBe(true);
  });

  it("constructor.constructor from exposed host functions, console and timers (embedder-made functions)", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("host.fn", () => 1);
    for (const start of ["host.fn", "host", "console.log", "console", "setTimeout", "queueMicrotask", "clearInterval"]) {
      expect(mr.eval(typeofAll(`${start}.constructor.constructor('return this')()`)), start).toEqual(allUndefined);
      expect(mr.eval(`${start}.constructor.constructor === Function`), start).toBe(true);
      expect(mr.eval(`Object.getPrototypeOf(${start}) === Function.prototype || Object.getPrototypeOf(${start}) === Object.prototype`), start).toBe(true);
    }
    expect(mr.eval("host.fn.__proto__.__proto__ === Object.prototype")).toBe(true);
    expect(mr.eval("host.fn()")).toBe(1);
  });

  it("Function, eval, indirect eval, AsyncFunction, GeneratorFunction constructors", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const ctors = [
      "Function",
      "(async function () {}).constructor",
      "(function* () {}).constructor",
      "(async function* () {}).constructor",
    ];
    for (const ctor of ctors) {
      expect(mr.eval(`${ctor}('return typeof process + typeof require + typeof module')`)).toBeInstanceOf(JSFunctionHandle);
      expect(mr.eval(`typeof ${ctor}('return 1')`)).toBe("function");
    }
    expect(mr.eval("Function('return typeof process + typeof require + typeof module')()")).toBe("undefinedundefinedundefined");
    expect(mr.eval("eval('typeof process + typeof require')")).toBe("undefinedundefined");
    expect(mr.eval("(0, eval)('typeof process + typeof globalThis.require')")).toBe("undefinedundefined");
    expect(mr.eval("(0, eval)('this') === globalThis")).toBe(true);
    expect(() => mr.eval("process.mainModule.require('child_process')")).toThrow(JSEvalError);
    expect(mr.eval("typeof Function('return this')().process")).toBe("undefined");
  });

  it("dynamic import() and import.meta", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    for (const spec of ["fs", "node:child_process", "/work/main/package.json", "data:text/javascript,export default 1"]) {
      expect(() => mr.eval(`import(${JSON.stringify(spec)})`), spec).toThrow(ModuleNotFoundError);
      await expect(mr.evalAsync(`import(${JSON.stringify(spec)})`), spec).rejects.toThrow(ModuleNotFoundError);
    }
    expect(() => mr.eval("Function('return import(\"fs\")')()")).toThrow(ModuleNotFoundError);
    expect(await mr.evalAsync("import('fs').then(() => 'loaded', (e) => e instanceof Error)")).toBe(true);
    expect(() => mr.eval("import.meta")).toThrow(JSParseError);
    expect(() => mr.eval("require('fs')")).toThrow(JSEvalError);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("host-side call paths: call('constructor.constructor') and __proto__ paths resolve in the sandbox", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const f = mr.call("constructor.constructor", "return typeof process + typeof require");
    expect(f).toBeInstanceOf(JSFunctionHandle);
    expect((f as JSFunctionHandle)()).toBe("undefinedundefined");
    const g = mr.call("__proto__.constructor.constructor", "return this");
    expect(g).toBeInstanceOf(JSFunctionHandle);
    // The sandbox's global object cannot be copied out; as a handle it is the sandbox's own.
    expect(() => (g as JSFunctionHandle)()).toThrow(ValueTransferError);
    const sandboxGlobal = (g as JSFunctionHandle).invoke([], { handle: true }) as JSObjectHandle;
    expect(sandboxGlobal).toBeInstanceOf(JSObjectHandle);
    for (const name of NODE_NAMES) expect(sandboxGlobal.get(name), name).toBeUndefined();
    sandboxGlobal.release();
    expect(() => mr.call("process.exit", 1)).toThrow(JSEvalError);
    expect(() => mr.call("require", "fs")).toThrow(JSEvalError);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("the sandbox's global has no Node, d8 or embedder extras beyond console and timers", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const names = mr.eval<string[]>("Object.getOwnPropertyNames(globalThis)");
    for (const n of [...NODE_NAMES, "fetch", "WebSocket", "navigator", "Deno", "Bun", "print", "load", "read", "readline", "quit", "os", "d8", "Realm", "ShadowRealm", "performance", "structuredClone", "crypto", "TextEncoder", "importScripts"]) {
      expect(names, n).not.toContain(n);
    }
    expect(mr.eval("typeof WebAssembly.compileStreaming + typeof WebAssembly.instantiateStreaming")).toBe("undefinedundefined");
  });
});

describe("errors thrown by host functions", () => {
  class HostError extends Error {
    secret = "HOST-SECRET";
    code = "E_HOST";
    hostObject = process;
    constructor() {
      super("host failed", { cause: new Error("host cause") });
      this.name = "HostError";
    }
  }

  it("catching a host error and walking e.constructor, e.__proto__, own properties", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("fail", () => {
      throw new HostError();
    });
    const out = mr.eval<Record<string, unknown>>(`
      try { fail(); 'no throw' } catch (e) {
        ({
          name: e.name, message: e.message,
          own: Object.getOwnPropertyNames(e).sort(),
          isSandboxError: e instanceof Error && Object.getPrototypeOf(e) === Error.prototype,
          ctorIsSandboxError: e.constructor === Error,
          viaCtor: e.constructor.constructor('return typeof process + typeof require')(),
          viaProto: e.__proto__.constructor.constructor('return typeof process')(),
          secret: typeof e.secret, code: typeof e.code, cause: typeof e.cause, hostObject: typeof e.hostObject,
        })
      }`);
    expect(out).toEqual({
      name: "HostError",
      message: "host failed",
      own: expect.arrayContaining(["message", "stack"]),
      isSandboxError: true,
      ctorIsSandboxError: true,
      viaCtor: "undefinedundefined",
      viaProto: "undefined",
      secret: "undefined",
      code: "undefined",
      cause: "undefined",
      hostObject: "undefined",
    });
    expect((out.own as string[]).every((k) => ["message", "name", "stack"].includes(k))).toBe(true);
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("e.stack of a host error caught in the sandbox carries no host stack or paths", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("fail", () => {
      const e = new Error("plain");
      e.stack = `Error: plain\n    at secretHostFn (${__filename}:1:1)\n    at node:internal/process/task_queues:95:5`;
      throw e;
    });
    mr.expose("failDeep", () => JSON.parse("{bad json"));
    mr.expose("failAsync", async () => {
      throw new HostError();
    });
    for (const call of ["fail()", "failDeep()"]) {
      const stack = mr.eval<string>(`try { ${call} } catch (e) { String(e.stack) }`);
      expect(stack).not.toMatch(HOST_PATH);
      expect(stack).not.toContain("secretHostFn");
      expect(stack).toContain("<eval>");
    }
    const asyncStack = await mr.evalAsync<string>("failAsync().catch((e) => String(e.stack) + Object.getOwnPropertyNames(e))");
    expect(asyncStack).not.toMatch(HOST_PATH);
    expect(asyncStack).not.toContain("HOST-SECRET");
    // Uncaught, it comes back as a JSEvalError whose jsStack is the sandbox's.
    const e = caught(() => mr.eval("fail()"));
    expect(e).toBeInstanceOf(JSEvalError);
    expect(e).toMatchObject({ jsStack: expect.not.stringMatching(HOST_PATH) });
  });

  it("host functions throwing non-Error values (objects with secrets, null, strings) give plain sandbox Errors", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const thrown: unknown[] = [{ name: "X", message: "m", secret: process }, null, "str", 42, Symbol("s"), [process]];
    mr.expose("fail", (i: number) => {
      throw thrown[i];
    });
    for (let i = 0; i < thrown.length; i++) {
      const out = mr.eval<unknown[]>(`try { fail(${i}) } catch (e) { [e instanceof Error, Object.getPrototypeOf(e) === Error.prototype, typeof e.secret, Object.getOwnPropertyNames(e).filter((k) => !['stack', 'message', 'name'].includes(k))] }`);
      expect(out, String(i)).toEqual([true, true, "undefined", []]);
    }
  });

  // An Error the host hands over as a value (a host function's result or
  // promise value, an argument) used to be copied by V8's serializer with
  // its `stack`: the host's file paths, mini-racer's own frames and Node's
  // internals reached the sandbox, and a jsStack when the sandbox threw it.
  // It now crosses with its stack cut to the first line.
  it("a host Error handed over as a value (result, promise value, argument) carries no host stack or path into the sandbox (README: no host path appears in any jsStack)", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("give", () => new TypeError("from the host"));
    mr.expose("giveLater", async () => new RangeError("later"));
    mr.execute("function stackOf(e) { return [e.name, e.message, String(e.stack)] }");
    const [name, message, stack] = mr.eval<string[]>("stackOf(give())");
    expect([name, message, stack]).toEqual(["TypeError", "from the host", "TypeError: from the host"]);
    expect(await mr.evalAsync<string>("giveLater().then((e) => String(e.stack))")).not.toMatch(HOST_PATH);
    expect(mr.call<string[]>("stackOf", new Error("argument"))).toEqual(["Error", "argument", "Error: argument"]);
    // Nested, with a cause, in a Map, and the same error twice: each copy's
    // stack is cut, identity and the cause are kept.
    const inner = new RangeError("inner");
    const outer = new Error("outer", { cause: inner });
    mr.execute("function nested(v) { const e = v.m.get('k'); return [String(e.stack), String(e.cause.stack), e.cause === v.again, e.cause.message] }");
    expect(mr.call("nested", { m: new Map([["k", outer]]), again: inner })).toEqual([
      "Error: outer",
      "RangeError: inner",
      true,
      "inner",
    ]);
    const thrown = caught(() => mr.eval("throw give()"));
    expect(thrown).toBeInstanceOf(JSEvalError);
    expect(thrown).toMatchObject({ jsStack: expect.not.stringMatching(HOST_PATH) });
  });

  it("a sandbox error thrown through a host function and back is not replaced by a host object", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute("function inner() { const e = new TypeError('inner'); e.extra = 1; throw e }");
    mr.expose("relay", () => mr.call("inner"));
    const out = mr.eval<unknown[]>(`try { relay() } catch (e) { [e.name, e.message, e instanceof TypeError, typeof e.jsStack, typeof e.code, e.constructor.constructor('return typeof process')()] }`);
    expect(out).toEqual(["TypeError", "inner", true, "undefined", "undefined", "undefined"]);
  });
});

describe("Error.prepareStackTrace and Error.captureStackTrace", () => {
  it("prepareStackTrace call sites in a sandbox -> host -> sandbox chain expose no host frames or objects", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.execute(`
      globalThis.sites = [];
      Error.prepareStackTrace = (error, callSites) => {
        for (const c of callSites) {
          sites.push({
            file: String(c.getFileName()), fn: String(c.getFunctionName()), type: String(c.getTypeName()),
            thisType: typeof c.getThis(), fnType: typeof c.getFunction(),
            evalOrigin: String(c.getEvalOrigin()), isNative: c.isNative(),
            proc: (() => { try { const f = c.getFunction(); return f ? f.constructor('return typeof process')() : 'none'; } catch (e) { return 'threw' } })(),
          });
        }
        return 'prepared';
      };
      function deep() { return new Error('x').stack }
    `);
    let inner: unknown;
    mr.expose("hostHop", (cb: JSFunctionHandle) => {
      inner = cb();
      return inner;
    });
    expect(mr.eval("hostHop(function sloppy() { return deep() })")).toBe("prepared");
    expect(inner).toBe("prepared");
    const sites = mr.eval<Array<Record<string, unknown>>>("sites");
    expect(sites.length).toBeGreaterThan(0);
    for (const s of sites) {
      expect(JSON.stringify(s)).not.toMatch(HOST_PATH);
      expect(["undefined", "none"]).toContain(s.proc);
    }
    expect(sites.map((s) => s.file).every((f) => f === "<eval>" || f === "null" || f === "undefined")).toBe(true);
  });

  it("a prepareStackTrace that loops while the result (an Error) is copied out ends at the timeout", () => {
    using mr = new MiniRacer();
    const r = timed(() => mr.eval("Error.prepareStackTrace = () => { while (true) {} }; new Error('x')", { timeout: 200 }));
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    const t = timed(() => mr.eval("throw new Error('y')", { timeout: 200 }));
    expect(t.error).toBeInstanceOf(JSTimeoutError);
    mr.execute("delete Error.prepareStackTrace");
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("a prepareStackTrace returning a hostile object (looping toString, Proxy) as the stack of a thrown error", () => {
    using mr = new MiniRacer();
    for (const ret of ["({ toString() { while (true) {} } })", "new Proxy({}, { get() { while (true) {} } })", "Symbol('s')"]) {
      const r = timed(() => mr.eval(`Error.prepareStackTrace = () => ${ret}; throw new Error('x')`, { timeout: 200 }));
      expect(r.error, ret).toBeInstanceOf(MiniRacerErrorLike);
      expect(r.ms, ret).toBeLessThan(5000);
      if (r.error instanceof JSEvalError) expect(r.error.jsStack ?? "").not.toMatch(HOST_PATH);
    }
    mr.execute("delete Error.prepareStackTrace");
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("Error.captureStackTrace on returned objects, with an exposed host function as the constructor opt", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("hostFn", (cb: JSFunctionHandle) => cb());
    const out = mr.eval<Record<string, unknown>>(`
      const o = { tag: 1 };
      hostFn(() => Error.captureStackTrace(o, hostFn));
      const p = {};
      Error.captureStackTrace(p);
      ({ o, p, oStack: String(o.stack), pStack: String(p.stack) })`);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.o)).toBe(Object.prototype);
    expect(JSON.stringify(out)).not.toMatch(HOST_PATH);
    expect(typeof (out.o as Record<string, unknown>).stack === "string" || (out.o as Record<string, unknown>).stack === undefined).toBe(true);
  });

  it("thrown non-Error values with a looping toString, a Proxy or a Symbol end promptly", () => {
    using mr = new MiniRacer();
    for (const thrown of [
      "({ toString() { while (true) {} }, valueOf() { while (true) {} }, [Symbol.toPrimitive]() { while (true) {} } })",
      "new Proxy({}, { get() { while (true) {} }, getPrototypeOf() { while (true) {} }, ownKeys() { while (true) {} } })",
      "Symbol('s')",
      "null",
      "(() => { const f = () => {}; f.toString = () => { while (true) {} }; return f })()",
    ]) {
      const r = timed(() => mr.eval(`throw ${thrown}`, { timeout: 200 }));
      expect(r.error, thrown).toBeInstanceOf(MiniRacerErrorLike);
      expect(r.ms, thrown).toBeLessThan(5000);
    }
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("thrown Errors whose name, message or stack getter loops end at the timeout", () => {
    using mr = new MiniRacer();
    for (const key of ["name", "message", "stack", "cause"]) {
      const r = timed(() =>
        mr.eval(`const e = new Error('m'); Object.defineProperty(e, '${key}', { get() { while (true) {} }, enumerable: true }); throw e`, { timeout: 200 }),
      );
      expect(r.error, key).toBeInstanceOf(MiniRacerErrorLike);
      expect(r.ms, key).toBeLessThan(5000);
    }
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("sandbox errors spoofing mini-racer error names and codes stay JSEvalError", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const e = caught(() =>
      mr.eval("throw Object.assign(new Error('x'), { name: 'JSTimeoutError', code: 'ERR_MINI_RACER_TIMEOUT' })"),
    );
    expect(e).toBeInstanceOf(JSEvalError);
    expect(e).not.toBeInstanceOf(JSTimeoutError);
    expect(e).toMatchObject({ code: "ERR_MINI_RACER_EVAL", jsName: "JSTimeoutError" });
    const p = mr.evalAsync("Promise.reject(Object.assign(new Error('c'), { name: 'ContextClosedError', code: 'ERR_MINI_RACER_CLOSED' }))");
    await expect(p).rejects.toThrow(JSPromiseError);
    await expect(p).rejects.not.toThrow(ContextClosedError);
    expect(mr.closed).toBe(false);
    const r = mr.eval("({ name: 'HandleReleasedError', code: 'ERR_MINI_RACER_HANDLE_RELEASED' })");
    expect(r).not.toBeInstanceOf(HandleReleasedError);
  });

  it("stack traces of sandbox errors contain no host paths (sync, async, timer, handle call, parse error)", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("hostCall", (f: JSFunctionHandle) => f());
    // Each is a JSEvalError (or a subclass) whose sandbox stack names no host path.
    const sandboxStackOnly = { jsStack: expect.not.stringMatching(HOST_PATH) };
    const handle = mr.eval("() => { undefinedVar }") as JSFunctionHandle;
    for (const call of [
      () => mr.eval("(function a() { null.x })()"),
      () => mr.eval("hostCall(() => { throw new RangeError('r') })"),
      () => mr.eval("function f( {"),
      () => handle(),
      () => mr.eval("(function r() { r() })()"),
    ]) {
      const e = caught(call);
      expect(e, String(call)).toBeInstanceOf(JSEvalError);
      expect(e, String(call)).toMatchObject(sandboxStackOnly);
    }
    for (const code of [
      "new Promise((_, rej) => setTimeout(() => rej(new Error('late')), 1))",
      "new Promise(() => setTimeout(() => { throw new Error('timer') }, 1))",
    ]) {
      const call = mr.evalAsync(code);
      await expect(call, code).rejects.toThrow(JSEvalError);
      await expect(call, code).rejects.toMatchObject(sandboxStackOnly);
    }
    expect(mr.eval<string>("new Error('x').stack")).not.toMatch(HOST_PATH);
  });
});

// Duck type for "a mini-racer error of some kind", so the hostile-throw tests
// accept a JSEvalError as well as a JSTimeoutError, but never a raw host crash.
const MiniRacerErrorLike = {
  [Symbol.hasInstance](e: unknown): boolean {
    return e instanceof JSEvalError || e instanceof JSTimeoutError;
  },
};

describe("exposed host functions as seen from the sandbox", () => {
  it("introspecting a host function: toString, own properties, prototype chain, arguments/caller", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const secret = "HOST-SOURCE-SECRET";
    mr.expose("hostFn", () => secret.length);
    const out = mr.eval<unknown[]>(`[
      hostFn.toString(), Function.prototype.toString.call(hostFn),
      Object.getOwnPropertyNames(hostFn).sort(),
      Object.getPrototypeOf(hostFn) === Function.prototype,
      (() => { try { return typeof hostFn.caller + typeof hostFn.arguments } catch (e) { return e.name } })(),
      typeof hostFn.prototype,
    ]`);
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(out[0]).toMatch(/\[native code\]/);
    expect(out[2]).toEqual(["length", "name"]);
    expect(out[3]).toBe(true);
    expect(out[5]).toBe("undefined");
  });

  it("calling a host function with a hostile this (Proxy), with new, bound and through Reflect", () => {
    using mr = new MiniRacer({ timeout: 1000 });
    const received: unknown[][] = [];
    mr.expose("hostFn", (...args: unknown[]) => {
      received.push(args);
      return "ok";
    });
    mr.execute("globalThis.trapped = 0; globalThis.p = new Proxy({}, { get() { trapped++ }, ownKeys() { trapped++; return [] } })");
    expect(mr.eval("hostFn.call(p, 1)")).toBe("ok");
    expect(mr.eval("Reflect.apply(hostFn, p, [2])")).toBe("ok");
    expect(mr.eval("hostFn.bind(p, 3)()")).toBe("ok");
    expect(received).toEqual([[1], [2], [3]]);
    expect(mr.eval("trapped")).toBe(0);
    const e = caught(() => mr.eval("new hostFn()"));
    expect(e).toBeInstanceOf(JSEvalError);
    expect(e).toMatchObject({ jsName: "TypeError" });
    expect(() => mr.eval("Reflect.construct(hostFn, [])")).toThrow(JSEvalError);
  });

  it("host functions returning host objects (process, globalThis, functions, class instances) never hand over a host function", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    class Service {
      name = "svc";
      run(): unknown {
        return process;
      }
    }
    const values: unknown[] = [process, globalThis, () => process, { fn: () => process }, new Service(), [setTimeout], Promise.resolve(() => 1)];
    mr.expose("give", (i: number) => values[i]);
    for (let i = 0; i < values.length; i++) {
      const kind = await mr.evalAsync<string>(`
        (async () => {
          let v;
          try { v = await give(${i}) } catch (e) { return 'error:' + e.name }
          const seen = new Set();
          const walk = (x) => {
            if (typeof x === 'function') return 'function';
            if (x === null || typeof x !== 'object' || seen.has(x)) return 'data';
            seen.add(x);
            for (const k of Reflect.ownKeys(x)) if (walk(x[k]) === 'function') return 'function';
            return 'data';
          };
          return walk(v);
        })()`);
      expect(kind, String(i)).not.toBe("function");
    }
    const inst = mr.eval<Record<string, unknown>>("give(4)");
    expect(inst).toEqual({ name: "svc" });
    expect(mr.eval("typeof give(4).run")).toBe("undefined");
  });

  it("a host value that cannot be copied does not leak host function source into the sandbox through the error message", () => {
    // Repro: mr.expose("cfg", () => ({ cb: function onError() { return "TOP-SECRET" } }));
    //        mr.eval("try { cfg() } catch (e) { e.message }")
    //   -> "the value cannot be passed into the sandbox: function onError() { return \"TOP-SECRET\" } could not be cloned."
    // The host's v8.Serializer puts the uncloneable value's string rendering (a host
    // function's source text) into its DataCloneError message, and errorParts()
    // forwards that message to the sandbox.
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("cfg", () => ({ token: "public", cb: function onError() { return "TOP-SECRET-TOKEN" } }));
    mr.expose("cfgAsync", async () => ({ cb: () => "TOP-SECRET-ASYNC" }));
    const message = mr.eval<string>("try { cfg(); 'copied' } catch (e) { e.name + ': ' + e.message }");
    expect(message).toMatch(/ValueTransferError/);
    expect(message).not.toContain("TOP-SECRET-TOKEN");
    expect(mr.eval<string>("try { cfg() } catch (e) { String(e.stack) }")).not.toContain("TOP-SECRET");
  });

  it("async path: a host promise resolving to an uncopyable value does not leak host source either", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    mr.expose("cfgAsync", async () => ({ cb: () => "TOP-SECRET-ASYNC" }));
    const message = await mr.evalAsync<string>("cfgAsync().then(() => 'copied', (e) => e.name + ': ' + e.message)");
    expect(message).toMatch(/ValueTransferError/);
    expect(message).not.toContain("TOP-SECRET-ASYNC");
  });

  it("ping-pong recursion between the sandbox and a host function ends as a RangeError, not a crash", () => {
    using mr = new MiniRacer({ timeout: 10_000 });
    mr.expose("pong", (n: number) => (n > 0 ? mr.call("ping", n - 1) : 0));
    mr.execute("function ping(n) { return pong(n) + 1 }");
    // Under ASan a round trip takes several times the stack: fewer fit.
    const depth = UNDER_ASAN ? 10 : 50;
    expect(mr.eval(`ping(${depth})`)).toBe(depth + 1);
    const e = caught(() => mr.eval("ping(1e7)"));
    expect(e).toBeInstanceOf(JSEvalError);
    expect(e).toMatchObject({ jsName: "RangeError" });
    expect(mr.eval("ping(3)")).toBe(4);
  });
});

describe("separation of MiniRacers", () => {
  it("one MiniRacer cannot see another's globals, prototypes or host functions", () => {
    using a = new MiniRacer({ timeout: 1000 });
    using b = new MiniRacer({ timeout: 1000 });
    a.expose("onlyInA", () => "a");
    a.execute("var secretA = 42; globalThis.shared = 'a'; Object.prototype.polluted = 1; Array.prototype.hacked = 2; Function.prototype.evil = 3; Error.prepareStackTrace = () => 'A'");
    expect(b.eval("[typeof secretA, typeof shared, typeof onlyInA, ({}).polluted, [].hacked, (() => {}).evil, new Error('x').stack.startsWith('Error: x')]")).toEqual([
      "undefined", "undefined", "undefined", undefined, undefined, undefined, true,
    ]);
    expect(() => b.call("onlyInA")).toThrow(JSEvalError);
    expect(a.eval("onlyInA() + ({}).polluted")).toBe("a1");
    a.execute("Object.prototype.polluted = undefined; delete Object.prototype.polluted; delete Array.prototype.hacked; delete Function.prototype.evil");
  });

  it("handles of another MiniRacer as arguments, thisArg, set values and host function results", () => {
    using a = new MiniRacer({ timeout: 1000 });
    using b = new MiniRacer({ timeout: 1000 });
    const objA = a.eval("globalThis.secret = { v: 'A-ONLY' }", { handle: true }) as JSObjectHandle;
    const fnA = a.eval("() => secret") as JSFunctionHandle;
    const objB = b.eval("globalThis.box = {}", { handle: true }) as JSObjectHandle;
    const fnB = b.eval("(x) => x") as JSFunctionHandle;
    expect(() => fnB(objA)).toThrow(ValueTransferError);
    expect(() => fnB(fnA)).toThrow(ValueTransferError);
    expect(() => fnB.invoke([], { thisArg: objA })).toThrow(ValueTransferError);
    expect(() => objB.set("k", objA)).toThrow(ValueTransferError);
    expect(() => b.call("String", fnA)).toThrow(ValueTransferError);
    b.expose("leakA", () => objA);
    const viaHost = b.eval<string>("try { leakA(); 'got it' } catch (e) { e.name }");
    expect(viaHost).toBe("ValueTransferError");
    expect(b.eval("JSON.stringify(box)")).toBe("{}");
    expect(fnA()).toEqual({ v: "A-ONLY" });
  });

  it("handles used after release or after close", async () => {
    const mr = new MiniRacer({ timeout: 1000 });
    const obj = mr.eval("globalThis.o = { v: 1 }", { handle: true }) as JSObjectHandle;
    const fn = mr.eval("(x) => x") as JSFunctionHandle;
    const sym = mr.eval("Symbol('s')");
    const stale = mr.eval("(x) => 'stale'") as JSFunctionHandle;
    obj.release();
    stale.release();
    (sym as { release(): void }).release();
    for (const use of [() => obj.get("v"), () => obj.set("v", 2), () => obj.keys(), () => stale(), () => stale.invoke([]), () => fn(obj), () => fn(sym), () => fn.invoke([], { thisArg: obj }), () => mr.call("String", stale)]) {
      expect(use).toThrow(HandleReleasedError);
    }
    await expect(stale.callAsync()).rejects.toThrow(HandleReleasedError);
    mr.expose("giveReleased", () => obj);
    expect(mr.eval("try { giveReleased(); 'got' } catch (e) { e.name }")).toBe("HandleReleasedError");
    expect(fn(5)).toBe(5);
    mr.close();
    expect(() => fn(1)).toThrow(ContextClosedError);
    expect(() => obj.get("v")).toThrow(ContextClosedError);
  });
});

describe("console, timers and deferred callbacks", () => {
  it("console output is not printed to the host's stdout or stderr by default", async () => {
    const out = vi.spyOn(process.stdout, "write");
    const err = vi.spyOn(process.stderr, "write");
    const spies = (["log", "info", "warn", "error", "debug", "trace", "dir"] as const).map((k) => vi.spyOn(console, k));
    using mr = new MiniRacer({ timeout: 1000 });
    mr.eval("console.log('LEAK'); console.error('LEAK'); console.trace('LEAK'); console.dir({ a: 'LEAK' }); console.warn(new Proxy({}, {}))");
    await mr.evalAsync("new Promise((r) => setTimeout(() => { console.log('LEAK'); r() }, 1))");
    expect(out).not.toHaveBeenCalled();
    expect(err).not.toHaveBeenCalled();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it("console.log of Proxies and functions with hostile toString: the handler gets strings, no trap runs", () => {
    const calls: unknown[][] = [];
    using mr = new MiniRacer({ timeout: 1000, onConsole: (_level, args) => calls.push(args) });
    mr.execute(`
      globalThis.trapped = 0;
      const p = new Proxy({}, { get() { trapped++; while (true) {} }, ownKeys() { trapped++; while (true) {} } });
      const f = () => 'fn'; f.toString = () => { trapped++; while (true) {} }; f[Symbol.toPrimitive] = f.toString;
      console.log(p, f, Symbol('s'));
    `);
    expect(calls).toHaveLength(1);
    for (const a of calls[0]) expect(typeof a).not.toBe("function");
    expect(mr.eval("trapped")).toBe(0);
  });

  it("console.log of an object whose getter loops ends at the timeout, handler or not", () => {
    const calls: unknown[][] = [];
    using mr = new MiniRacer({ onConsole: (_level, args) => calls.push(args) });
    const r = timed(() => mr.eval("console.log({ get x() { while (true) {} } }); 'after'", { timeout: 200 }));
    expect(r.error).toBeInstanceOf(JSTimeoutError);
    expect(r.ms).toBeLessThan(5000);
    using quiet = new MiniRacer();
    // Without a handler, output is dropped: nothing is copied, so the getter never runs.
    expect(quiet.eval("console.log({ get x() { while (true) {} } }); 'after'", { timeout: 200 })).toBe("after");
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("setTimeout/setInterval from a sync call never fire later, and timer ids are plain numbers", async () => {
    using mr = new MiniRacer({ timeout: 1000 });
    let hits = 0;
    mr.expose("hit", () => {
      hits++;
    });
    expect(mr.eval("[typeof setTimeout(() => hit(), 0), typeof setInterval(() => hit(), 1)]")).toEqual(["number", "number"]);
    expect(mr.eval("typeof setTimeout(() => {}, 0).unref")).toBe("undefined");
    await mr.evalAsync("setTimeout(() => hit(), 30); setInterval(() => hit(), 5); 'done'");
    await sleep(150);
    expect(hits).toBe(0);
    mr.eval("queueMicrotask(() => hit())");
    expect(hits).toBe(1); // microtasks run before the call returns, never after
    await sleep(20);
    expect(hits).toBe(1);
  });

  it("FinalizationRegistry callbacks never call the host outside a call, and a looping one is bounded", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    using mr = new MiniRacer();
    let hits = 0;
    let inCall = false;
    let outside = 0;
    mr.expose("hit", () => {
      hits++;
      if (!inCall) outside++;
    });
    mr.execute("globalThis.fr = new FinalizationRegistry(() => hit()); (function () { for (let i = 0; i < 50; i++) fr.register({}, i) })()");
    mr.lowMemoryNotification();
    gc?.();
    await sleep(100);
    inCall = true;
    mr.eval("1");
    inCall = false;
    await sleep(50);
    expect(outside).toBe(0);
    expect(hits).toBe(50); // all 50 callbacks ran, inside that call
    mr.execute("globalThis.fr2 = new FinalizationRegistry(() => { while (true) {} }); (function () { fr2.register({}, 1) })()");
    mr.lowMemoryNotification();
    // The looping callback runs in the next call, which it ends at that
    // call's limit; the calls after it are unharmed.
    const outcomes: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const r = timed(() => mr.eval("'ok'", { timeout: 200 }));
      expect(r.ms).toBeLessThan(5000);
      outcomes.push(r.error instanceof JSTimeoutError ? r.error.code : r.value);
    }
    expect(outcomes).toEqual(["ERR_MINI_RACER_TIMEOUT", "ok", "ok", "ok", "ok"]);
    expect(hits).toBe(50);
  });
});

describe("host V8 flags", () => {
  it("a host started with --allow-natives-syntax gets no sandboxes (V8 runtime functions must not reach untrusted code)", () => {
    // V8 flags are process-wide: %-intrinsics would be callable from every
    // sandbox, and they are not memory-safe. mini-racer refuses instead.
    const child = runChild(
      `let refused; try { new MiniRacer(); refused = "no"; } catch (e) { refused = e.constructor.name + "|" + e.code + "|" + e.message; }
       process.stdout.write(JSON.stringify({ refused }));`,
      { nodeArgs: ["--allow-natives-syntax"] },
    );
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout) as { refused: string };
    expect(out.refused).toBe(
      "MiniRacerError|ERR_MINI_RACER_UNSAFE_HOST_FLAGS|mini-racer refuses to run sandboxes in a process started with --allow-natives-syntax: sandboxed code could call V8's internal functions",
    );
  });

  it("globals that host flags install (--expose-gc's gc) are removed from sandboxes", () => {
    const child = runChild(
      `const mr = new MiniRacer();
       process.stdout.write(JSON.stringify({ gc: mr.eval("typeof gc"), hostGc: typeof gc }));`,
      { nodeArgs: ["--expose-gc"] },
    );
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ gc: "undefined", hostGc: "function" });
  });
});
