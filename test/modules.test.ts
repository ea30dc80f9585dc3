import { describe, expect, it } from "vitest";
import {
  AbortError,
  ContextClosedError,
  ErrorCodes,
  JSEvalError,
  JSFunctionHandle,
  JSOOMError,
  JSObjectHandle,
  JSParseError,
  JSTimeoutError,
  MiniRacer,
  MiniRacerPool,
  ModuleLinkError,
  ModuleLoadError,
  ModuleNotFoundError,
} from "../src/index.js";
import type { ModuleLoader } from "../src/index.js";
import { caught, MB } from "./helpers.js";

// ES modules (issue 15): host-controlled resolution through loadModule,
// on the synchronous (evalModule, importModule, eval's import()) and the
// asynchronous paths (evalModuleAsync, importModuleAsync, evalAsync).

const SOURCES: Record<string, string> = {
  math: "export function add(a, b) { return a + b }\nexport const PI = 3;",
  "math-reexport": 'export * from "math"; export { add as plus } from "math"; export default "re";',
  cycA: 'import { b } from "cycB"; export const a = "A"; export function fromA() { return b }',
  cycB: 'import { a } from "cycA"; export const b = "B"; export function fromB() { return a }',
  counter: "globalThis.instances = (globalThis.instances ?? 0) + 1; export let n = 0; export function inc() { return ++n }",
  meta: "export const url = import.meta.url;",
  "./data.json": '{ "a": [1, 2], "b": "two" }',
  broken: "export const = 1;",
  "needs-nope": 'import { nope } from "math"; export default nope;',
  "throws-top": 'throw new TypeError("from the top level");',
  lazy: 'await new Promise((r) => setTimeout(r, 20)); export const ready = "after a timer";',
  "host-tla": "export const got = await fetchValue(21);",
  spin: "for (;;) {}",
  "dyn-inner": 'export async function load() { return (await import("math")).add(20, 22) }',
};

/** A loader over SOURCES that records every (specifier, referrer) it is asked for. */
function recordingLoader(extra: Record<string, string> = {}): { load: ModuleLoader; asked: [string, string][] } {
  const asked: [string, string][] = [];
  const load: ModuleLoader = (specifier, referrer) => {
    asked.push([specifier, referrer]);
    return extra[specifier] ?? SOURCES[specifier];
  };
  return { load, asked };
}

function asyncLoader(ms = 2): ModuleLoader {
  return async (specifier) => {
    await new Promise((r) => setTimeout(r, ms));
    return SOURCES[specifier];
  };
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("ES modules: imports", () => {
  it("static imports, re-exports and a namespace copy (sync and async)", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    const src = 'import { add, PI } from "math"; import re, { plus } from "math-reexport"; export const x = add(1, 2); export const y = plus(PI, 4); export { re };';
    expect(mr.evalModule(src, { name: "main.js" })).toEqual({ re: "re", x: 3, y: 7 });
    expect(await mr.evalModuleAsync(src, { name: "main-async.js" })).toEqual({ re: "re", x: 3, y: 7 });
  });

  it("the loader gets the specifier as written and the referrer's name", async () => {
    const { load, asked } = recordingLoader();
    using mr = new MiniRacer({ loadModule: load });
    mr.evalModule('import "math-reexport";', { name: "entry.js" });
    expect(asked).toEqual([
      ["math-reexport", "entry.js"],
      ["math", "math-reexport"],
    ]);
    asked.length = 0;
    mr.execute('import("meta")');
    expect(asked).toEqual([["meta", "<eval>"]]);
    asked.length = 0;
    (mr.importModule("cycA", { handle: true }) as JSObjectHandle).release();
    // cycB's own import of cycA is asked too (resolution is per referrer);
    // the answer's name finds the instance already loaded.
    expect(asked).toEqual([
      ["cycA", ""],
      ["cycB", "cycA"],
      ["cycA", "cycB"],
    ]);
  });

  it("cycles link and evaluate once", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    const src = 'import { fromA } from "cycA"; import { fromB } from "cycB"; export const both = fromA() + fromB();';
    expect(mr.evalModule(src)).toEqual({ both: "BA" });
    expect(await mr.evalModuleAsync(src)).toEqual({ both: "BA" });
  });

  it("dynamic import() from modules and from scripts", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    // From a script: the promise settles within the synchronous call.
    expect(mr.eval('import("math").then((m) => m.add(3, 4))')).toBe(7);
    expect(await mr.evalAsync('import("math").then((m) => m.add(5, 6))')).toBe(11);
    // From a module, at its top level and later from one of its functions.
    expect(await mr.evalModuleAsync('const m = await import("math"); export default m.add(2, 3);')).toEqual({
      default: 5,
    });
    expect(await mr.evalModuleAsync('import { load } from "dyn-inner"; export const v = await load();')).toEqual({
      v: 42,
    });
    // import() is asynchronous: the code after it runs first.
    expect(mr.eval('const order = []; import("meta").then(() => order.push("loaded")); order.push("after"); order.slice()')).toEqual(
      ["after"],
    );
  });

  it("top-level await waits for timers and async host functions on the async paths", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    mr.expose("fetchValue", async (x: unknown) => (x as number) * 2);
    expect(await mr.evalModuleAsync('export { ready } from "lazy";')).toEqual({ ready: "after a timer" });
    expect(await mr.importModuleAsync("host-tla")).toEqual({ got: 42 });
    expect(await mr.evalModuleAsync('await new Promise((r) => setTimeout(r, 5)); export const t = "own";')).toEqual({
      t: "own",
    });
  });

  it("a synchronous call cannot wait for top-level await: JSEvalError, and the module can be loaded again later", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    const error = caught(() => mr.evalModule('import { ready } from "lazy"; export { ready };'));
    expect(error).toBeInstanceOf(JSEvalError);
    expect((error as JSEvalError).code).toBe(ErrorCodes.eval);
    expect((error as JSEvalError).jsName).toBe("TypeError");
    expect((error as JSEvalError).jsMessage).toMatch(/^the module has not finished loading or evaluating/);
    // Its timer went with that call; a new instance is loaded and finishes.
    expect(await mr.importModuleAsync("lazy", { timeout: 2000 })).toEqual({ ready: "after a timer" });
  });

  it("import.meta.url is the module's name", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    expect(mr.evalModule("export const me = import.meta.url;", { name: "file:///app/main.js" })).toEqual({
      me: "file:///app/main.js",
    });
    expect(mr.importModule("meta")).toEqual({ url: "meta" });
    expect(await mr.evalModuleAsync("export const me = import.meta.url;")).toEqual({ me: "<module>" });
  });

  it("JSON modules with `with { type: 'json' }`", async () => {
    using mr = new MiniRacer({ loadModule: recordingLoader().load });
    const src = 'import data from "./data.json" with { type: "json" }; export const a = data.a; export const b = data.b;';
    expect(mr.evalModule(src)).toEqual({ a: [1, 2], b: "two" });
    expect(await mr.evalModuleAsync(src)).toEqual({ a: [1, 2], b: "two" });
    expect(await mr.evalAsync('import("./data.json", { with: { type: "json" } }).then((m) => m.default.b)')).toBe("two");
    // Malformed JSON is a parse error.
    using bad = new MiniRacer({ loadModule: () => "{ nope" });
    const error = caught(() => bad.evalModule('import d from "x.json" with { type: "json" };'));
    expect(error).toBeInstanceOf(JSParseError);
    expect((error as JSParseError).jsName).toBe("SyntaxError");
  });
});

describe("ES modules: resolution belongs to the host", () => {
  it("{ source, name } canonicalizes: two specifiers share one instance", async () => {
    using mr = new MiniRacer({
      loadModule: (specifier) =>
        specifier === "./counter.js" || specifier === "../lib/counter.js"
          ? { source: SOURCES.counter, name: "/lib/counter.js" }
          : undefined,
    });
    const ns = mr.evalModule(
      'import { inc as i1 } from "./counter.js"; import { inc as i2 } from "../lib/counter.js"; i1(); export const n = i2();',
    );
    expect(ns).toEqual({ n: 2 });
    expect(await mr.evalModuleAsync('import { inc } from "./counter.js"; export const n = inc();')).toEqual({ n: 3 });
    expect(mr.eval("globalThis.instances")).toBe(1);
    // The host names a loaded module by its canonical name without asking the loader.
    expect((mr.importModule("/lib/counter.js", { handle: true }) as JSObjectHandle).get("n")).toBe(3);
  });

  it("a module is instantiated once per sandbox per canonical name, and again in another sandbox", () => {
    const loadModule = recordingLoader().load;
    using a = new MiniRacer({ loadModule });
    using b = new MiniRacer({ loadModule });
    a.evalModule('import "counter";');
    a.evalModule('import "counter";');
    a.execute('import("counter")');
    b.evalModule('import "counter";');
    expect(a.eval("globalThis.instances")).toBe(1);
    expect(b.eval("globalThis.instances")).toBe(1);
  });

  it("an async loader works on the async paths", async () => {
    using mr = new MiniRacer({ loadModule: asyncLoader() });
    expect(await mr.evalModuleAsync('import { add } from "math"; import { fromA } from "cycA"; export default add(2, 3) + fromA();')).toEqual({
      default: "5B",
    });
    expect(await mr.evalAsync('import("math").then((m) => m.PI)')).toBe(3);
    expect(await mr.importModuleAsync("math-reexport", { handle: true })).toBeInstanceOf(JSObjectHandle);
  });

  it("an async loader on a synchronous call: ModuleLoadError, at once", () => {
    using mr = new MiniRacer({ loadModule: asyncLoader(1000) });
    const started = performance.now();
    const error = caught(() => mr.evalModule('import "math";'));
    expect(performance.now() - started).toBeLessThan(500);
    expect(error).toBeInstanceOf(ModuleLoadError);
    expect((error as ModuleLoadError).code).toBe(ErrorCodes.moduleLoad);
    expect((error as ModuleLoadError).jsMessage).toBe(
      'loadModule returned a Promise for "math"; a synchronous call cannot wait for it (use evalModuleAsync or importModuleAsync)',
    );
    expect(mr.eval("1 + 1")).toBe(2);
  });

  it("without loadModule every import fails with ModuleNotFoundError", async () => {
    using mr = new MiniRacer();
    const message = 'Cannot import "fs": no module loader was given (the loadModule option)';
    for (const error of [
      caught(() => mr.evalModule('import "fs";')),
      caught(() => mr.eval('import("fs")')),
      await rejection(mr.evalModuleAsync('import "fs";')),
      await rejection(mr.evalAsync('import("fs")')),
      caught(() => mr.importModule("fs")),
    ]) {
      expect(error).toBeInstanceOf(ModuleNotFoundError);
      expect((error as ModuleNotFoundError).code).toBe("ERR_MINI_RACER_MODULE_NOT_FOUND");
      expect((error as ModuleNotFoundError).jsMessage).toBe(message);
    }
    // Modules without imports need no loader.
    expect(mr.evalModule("export const one = 1;")).toEqual({ one: 1 });
  });
});

describe("ES modules: errors", () => {
  const loadModule = recordingLoader().load;

  it("a missing module: ModuleNotFoundError naming the specifier and the referrer", async () => {
    using mr = new MiniRacer({ loadModule });
    const sync = caught(() => mr.evalModule('import "nowhere";', { name: "main.js" }));
    const async_ = await rejection(mr.evalModuleAsync('import "nowhere";', { name: "main.js" }));
    for (const error of [sync, async_]) {
      expect(error).toBeInstanceOf(ModuleNotFoundError);
      expect((error as ModuleNotFoundError).jsMessage).toBe('Cannot find module "nowhere" imported from "main.js"');
    }
    expect(await mr.evalModuleAsync('export const r = await import("nowhere").catch((e) => e.message);')).toEqual({
      r: 'Cannot find module "nowhere" imported from "<module>"',
    });
  });

  it("every answer of loadModule but a source, { source, name? }, undefined or null is a TypeError naming it, sync and async", async () => {
    const answers: Record<string, unknown> = {
      number: 42,
      boolean: true,
      function: () => "export default 1",
      "no source": {},
      "a number source": { source: 1 },
      "an empty name": { source: "export default 1", name: "" },
      "a number name": { source: "export default 1", name: 5 },
      "an array name": { source: "export default 1", name: ["x"] },
      "a function with a source": Object.assign(() => 0, { source: "export default 1" }),
    };
    const found = (specifier: string): unknown =>
      specifier === "null"
        ? null
        : specifier === "good"
          ? { source: "export default import.meta.url", name: "canonical" }
          : specifier === "unnamed"
            ? { source: "export default import.meta.url" }
            : answers[specifier];
    using mr = new MiniRacer({ loadModule: (specifier) => found(specifier) as string });
    using later = new MiniRacer({ loadModule: (specifier) => Promise.resolve(found(specifier) as string) });
    for (const specifier of Object.keys(answers)) {
      const expected = `loadModule must return a source string, { source, name? } or undefined for ${JSON.stringify(specifier)}, got `;
      const sync = caught(() => mr.importModule(specifier)) as ModuleLoadError;
      const async_ = (await rejection(later.importModuleAsync(specifier))) as ModuleLoadError;
      for (const error of [sync, async_]) {
        expect(error, specifier).toBeInstanceOf(ModuleLoadError);
        expect(error.jsName, specifier).toBe("TypeError");
        expect(error.jsMessage.startsWith(expected), `${specifier}: ${error.jsMessage}`).toBe(true);
      }
    }
    // null is "no such module", as undefined is.
    expect(caught(() => mr.importModule("null"))).toBeInstanceOf(ModuleNotFoundError);
    expect(await rejection(later.importModuleAsync("null"))).toBeInstanceOf(ModuleNotFoundError);
    // A named answer is the module's canonical name.
    expect(mr.evalModule('export { default } from "good";')).toEqual({ default: "canonical" });
    expect(await later.evalModuleAsync('import d from "good"; export const v = d;')).toEqual({ v: "canonical" });
    // Without a name, the specifier is the name.
    expect(mr.evalModule('export { default } from "unnamed";')).toEqual({ default: "unnamed" });
    expect(await later.evalModuleAsync('import d from "unnamed"; export const v = d;')).toEqual({ v: "unnamed" });
  });

  it("a syntax error: JSParseError with the module's name, line and column", async () => {
    using mr = new MiniRacer({ loadModule });
    const dependency = caught(() => mr.evalModule('import "broken";')) as JSParseError;
    expect(dependency).toBeInstanceOf(JSParseError);
    expect(dependency.code).toBe(ErrorCodes.parse);
    expect(dependency.jsName).toBe("SyntaxError");
    expect(dependency.jsMessage).toBe("Unexpected token '='");
    expect(dependency.jsStack.split("\n")[0]).toBe("broken:1:14");
    const entry = (await rejection(mr.evalModuleAsync("export const ok = 1;\nexport const = 2;", { name: "entry.js" }))) as JSParseError;
    expect(entry).toBeInstanceOf(JSParseError);
    expect(entry.jsStack.split("\n")[0]).toBe("entry.js:2:14");
  });

  it("a failing link: ModuleLinkError", async () => {
    using mr = new MiniRacer({ loadModule });
    const sync = caught(() => mr.evalModule('import "needs-nope";'));
    const async_ = await rejection(mr.evalModuleAsync('import "needs-nope";'));
    for (const error of [sync, async_]) {
      expect(error).toBeInstanceOf(ModuleLinkError);
      expect((error as ModuleLinkError).code).toBe("ERR_MINI_RACER_MODULE_LINK");
      expect((error as ModuleLinkError).jsName).toBe("SyntaxError");
      expect((error as ModuleLinkError).jsMessage).toBe("The requested module 'math' does not provide an export named 'nope'");
    }
  });

  it("a throwing top level: JSEvalError with the sandbox's error", async () => {
    using mr = new MiniRacer({ loadModule });
    const sync = caught(() => mr.evalModule('import "throws-top";'));
    const async_ = await rejection(mr.evalModuleAsync('import "throws-top";'));
    for (const error of [sync, async_]) {
      expect(error).toBeInstanceOf(JSEvalError);
      expect((error as JSEvalError).code).toBe(ErrorCodes.eval);
      expect((error as JSEvalError).jsName).toBe("TypeError");
      expect((error as JSEvalError).jsMessage).toBe("from the top level");
      expect((error as JSEvalError).jsStack).toContain("throws-top:1:");
    }
  });

  it("a loader that throws or rejects: ModuleLoadError with its message, not its host stack", async () => {
    using mr = new MiniRacer({
      loadModule: (specifier) => {
        if (specifier === "reject") return Promise.reject(new RangeError("no such package"));
        if (specifier === "weird") return 42 as unknown as string;
        throw new Error("disk on fire");
      },
    });
    const thrown = caught(() => mr.evalModule('import "x";')) as ModuleLoadError;
    expect(thrown).toBeInstanceOf(ModuleLoadError);
    expect(thrown.code).toBe(ErrorCodes.moduleLoad);
    expect(thrown.jsName).toBe("Error");
    expect(thrown.jsMessage).toBe("disk on fire");
    expect(thrown.jsStack).not.toContain("modules.test");
    const rejected = (await rejection(mr.evalModuleAsync('import "reject";'))) as ModuleLoadError;
    expect(rejected).toBeInstanceOf(ModuleLoadError);
    expect(rejected.jsName).toBe("RangeError");
    expect(rejected.jsMessage).toBe("no such package");
    const weird = caught(() => mr.evalModule('import "weird";')) as ModuleLoadError;
    expect(weird).toBeInstanceOf(ModuleLoadError);
    expect(weird.jsName).toBe("TypeError");
    expect(weird.jsMessage).toBe('loadModule must return a source string, { source, name? } or undefined for "weird", got 42');
    // In the sandbox, a failed import() is an ordinary catchable Error.
    expect(mr.eval('let r; import("x").catch((e) => { r = e.message }); r')).toBeUndefined();
    expect(await mr.evalAsync('import("x").catch((e) => e.name + ": " + e.message)')).toBe("Error: disk on fire");
  });

  it("a module that failed to link can be loaded again once fixed", () => {
    const sources: Record<string, string> = { dep: "export const a = 1;" };
    using mr = new MiniRacer({ loadModule: (s) => sources[s] });
    expect(caught(() => mr.evalModule('import { b } from "dep";'))).toBeInstanceOf(ModuleLinkError);
    expect(mr.evalModule('import { a } from "dep"; export const v = a;')).toEqual({ v: 1 });
  });
});

describe("ES modules: limits hold", () => {
  it("the timeout covers loading (a slow loader), linking and evaluation", async () => {
    using mr = new MiniRacer({
      timeout: 100,
      loadModule: (specifier) => {
        if (specifier === "slow") {
          const end = performance.now() + 300;
          while (performance.now() < end) {
            // a loader busy past the limit
          }
          return "export const x = 1;";
        }
        return SOURCES[specifier];
      },
    });
    expect(caught(() => mr.evalModule('import "slow";'))).toBeInstanceOf(JSTimeoutError);
    expect(caught(() => mr.evalModule('import "spin";'))).toBeInstanceOf(JSTimeoutError);
    expect(await rejection(mr.evalModuleAsync('import "spin";'))).toBeInstanceOf(JSTimeoutError);
    expect(await rejection(mr.evalModuleAsync("await new Promise(() => {});"))).toBeInstanceOf(JSTimeoutError);
    expect(mr.evalModule('import { add } from "math"; export const v = add(1, 1);')).toEqual({ v: 2 });
  });

  it("cpuTime covers module code; the loader's calls are host time in lastCall", async () => {
    const { load } = recordingLoader();
    using mr = new MiniRacer({ loadModule: load });
    const sync = caught(() => mr.evalModule('import "spin";', { cpuTime: 50 })) as JSTimeoutError;
    expect(sync).toBeInstanceOf(JSTimeoutError);
    expect(sync.limit).toBe("cpuTime");
    const async_ = (await rejection(mr.evalModuleAsync('import "spin";', { cpuTime: 50 }))) as JSTimeoutError;
    expect(async_).toBeInstanceOf(JSTimeoutError);
    expect(async_.limit).toBe("cpuTime");
    // A namespace of data crosses in the call itself: lastCall is the module call's.
    expect(mr.evalModule('import d from "./data.json" with { type: "json" }; export const b = d.b;')).toEqual({ b: "two" });
    expect(mr.lastCall?.hostCalls).toBe(1); // the loader, for ./data.json
  });

  it("a never-settling async loader ends at the timeout", async () => {
    using mr = new MiniRacer({ loadModule: () => new Promise<string>(() => {}) });
    const started = performance.now();
    expect(await rejection(mr.evalModuleAsync('import "x";', { timeout: 100 }))).toBeInstanceOf(JSTimeoutError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("an abort or close() while a loader's promise is pending ends the call; the sandbox stays usable after the abort", async () => {
    using mr = new MiniRacer({ loadModule: (s) => (s === "never" ? new Promise<string>(() => {}) : SOURCES[s]) });
    const controller = new AbortController();
    const aborted = mr.evalModuleAsync('import "never";', { signal: controller.signal });
    setTimeout(() => controller.abort("enough"), 20);
    const error = (await rejection(aborted)) as AbortError;
    expect(error).toBeInstanceOf(AbortError);
    expect(error.cause).toBe("enough");
    expect(await mr.evalModuleAsync('export { PI } from "math";')).toEqual({ PI: 3 });
    const pending = mr.evalModuleAsync('import "never";');
    setTimeout(() => mr.close(), 20);
    expect(await rejection(pending)).toBeInstanceOf(ContextClosedError);
  });

  it("the bytes a loader returns count against the memory cap", () => {
    using mr = new MiniRacer({
      maxMemory: 16 * MB,
      loadModule: (specifier) => `export const s = "${"x".repeat(specifier === "big" ? 20 * MB : 1000)}";`,
    });
    const error = caught(() => mr.evalModule('import { s } from "big";')) as JSOOMError;
    expect(error).toBeInstanceOf(JSOOMError);
    expect(error.code).toBe(ErrorCodes.oom);
    expect(error.message).toMatch(/^the value is larger than the sandbox's memory cap/);
    expect(mr.evalModule('import { s } from "small"; export const n = s.length;')).toEqual({ n: 1000 });
  });

  it("a module filling the heap ends in JSOOMError and the sandbox stays usable", async () => {
    using mr = new MiniRacer({ maxMemory: 16 * MB });
    const fill = "const a = []; for (;;) a.push(new Array(1000).fill(a.length));";
    expect(caught(() => mr.evalModule(fill))).toBeInstanceOf(JSOOMError);
    expect(await rejection(mr.evalModuleAsync(fill))).toBeInstanceOf(JSOOMError);
    expect(mr.evalModule("export const ok = true;")).toEqual({ ok: true });
  });
});

describe("ES modules: handles, host functions, console, pool, options", () => {
  it("a namespace as a handle: exported functions called many times without re-importing", async () => {
    const { load, asked } = recordingLoader();
    using mr = new MiniRacer({ loadModule: load });
    const ns = mr.evalModule('export { add, PI } from "math"; export let calls = 0;', { handle: true }) as JSObjectHandle;
    expect(ns).toBeInstanceOf(JSObjectHandle);
    const add = ns.get("add") as JSFunctionHandle;
    expect(add).toBeInstanceOf(JSFunctionHandle);
    let sum = 0;
    for (let i = 0; i < 100; i++) sum += add(i, 1) as number;
    expect(sum).toBe(5050);
    expect(ns.get("PI")).toBe(3);
    expect(ns.keys()).toEqual(["PI", "add", "calls"]);
    expect(asked).toEqual([["math", "<module>"]]);
    const math = (await mr.importModuleAsync("math", { handle: true })) as JSObjectHandle;
    expect(await (math.get("add") as JSFunctionHandle).callAsync(40, 2)).toBe(42);
    // Without { handle: true }: a plain object, exported functions as handles.
    const handlesBefore = mr.handleCount();
    const copy = mr.importModule<{ add: JSFunctionHandle; PI: number }>("math");
    // The namespace and `add` are handles held here already (one handle
    // object per value): the copy neither adds one nor releases ours.
    expect(mr.handleCount()).toBe(handlesBefore);
    expect(math.get("PI")).toBe(3);
    expect(Object.keys(copy)).toEqual(["PI", "add"]);
    expect(copy.PI).toBe(3);
    expect(copy.add).toBeInstanceOf(JSFunctionHandle);
    expect(copy.add(2, 2)).toBe(4);
    // The same on the async paths.
    for (const made of [await mr.importModuleAsync("math"), await mr.evalModuleAsync('export { add } from "math"; export const n = 1;')]) {
      expect(made).not.toBeInstanceOf(JSObjectHandle);
      expect((made as { add: JSFunctionHandle }).add).toBeInstanceOf(JSFunctionHandle);
      expect((made as { add: JSFunctionHandle }).add(20, 22)).toBe(42);
    }
  });

  it("a copy of a namespace with functions holds one handle per function; the namespace's own is released, never one the caller holds", async () => {
    const source = "export function add(a, b) { return a + b }\nexport function twice(a) { return 2 * a }\nexport const PI = 3;";
    using mr = new MiniRacer({ loadModule: () => source });
    const copy = mr.importModule<{ add: JSFunctionHandle; twice: JSFunctionHandle }>("math");
    expect(mr.handleCount()).toBe(2);
    const copied = await mr.importModuleAsync<{ add: JSFunctionHandle }>("math");
    expect(copied.add).toBe(copy.add);
    expect(mr.handleCount()).toBe(2);
    const ns = mr.importModule("math", { handle: true }) as JSObjectHandle;
    expect(mr.handleCount()).toBe(3);
    for (const again of [mr.importModule("math"), await mr.importModuleAsync("math")]) {
      expect((again as { twice: JSFunctionHandle }).twice(21)).toBe(42);
      expect(ns.get("PI")).toBe(3);
      expect(mr.handleCount()).toBe(3);
    }
  });

  it("the async module calls reject, never throw, for a bad argument", async () => {
    using mr = new MiniRacer({ loadModule: () => "export default 1" });
    const bad = mr.evalModuleAsync(42 as never);
    await expect(bad).rejects.toBeInstanceOf(TypeError);
    const badName = mr.importModuleAsync(42 as never);
    await expect(badName).rejects.toBeInstanceOf(TypeError);
    expect(await mr.importModuleAsync("fine")).toEqual({ default: 1 });
  });

  it("host functions and the console work inside modules", async () => {
    const logged: unknown[] = [];
    using mr = new MiniRacer({
      loadModule: () => 'console.log("loading", import.meta.url); export const twice = double(21);',
      onConsole: (level, args) => logged.push([level, ...args]),
    });
    mr.expose("double", (x: unknown) => (x as number) * 2);
    expect(mr.importModule("dep")).toEqual({ twice: 42 });
    expect(await mr.evalModuleAsync('import { twice } from "dep2"; export const t = twice;')).toEqual({ t: 42 });
    expect(logged).toEqual([
      ["log", "loading", "dep"],
      ["log", "loading", "dep2"],
    ]);
  });

  it("the pool runs modules (loadModule is passed to every sandbox)", async () => {
    await using pool = new MiniRacerPool({ size: 2, loadModule: asyncLoader() });
    const results = await Promise.all(
      [1, 2, 3, 4].map((i) => pool.run((mr) => mr.evalModuleAsync(`import { add } from "math"; export const v = add(${i}, 10);`))),
    );
    expect(results).toEqual([{ v: 11 }, { v: 12 }, { v: 13 }, { v: 14 }]);
  });

  it("options: loadModule must be a function; name a non-empty string", () => {
    expect(() => new MiniRacer({ loadModule: 5 as unknown as ModuleLoader })).toThrow(
      new TypeError("loadModule must be a function, got 5"),
    );
    expect(() => new MiniRacerPool({ loadModule: "x" as unknown as ModuleLoader })).toThrow(TypeError);
    using mr = new MiniRacer();
    expect(() => mr.evalModule("export {}", { name: "" })).toThrow(new TypeError('name must be a non-empty string, got ""'));
    expect(() => mr.evalModule(5 as unknown as string)).toThrow(new TypeError("code must be a string, got 5"));
    expect(() => mr.importModule("")).toThrow(TypeError);
  });
});
