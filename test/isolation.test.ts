import { describe, expect, it } from "vitest";
import { MiniRacer } from "../src/index.js";

describe("nothing from the host leaks in", () => {
  it("has no Node globals", () => {
    using mr = new MiniRacer();
    for (const name of ["require", "process", "Buffer", "fetch", "module", "exports", "global", "setImmediate", "__dirname"]) {
      expect(mr.eval(`typeof ${name}`), name).toBe("undefined");
    }
  });

  it("has the ECMAScript built-ins and Intl", () => {
    using mr = new MiniRacer();
    expect(mr.eval("[typeof Map, typeof Proxy, typeof WeakRef, typeof Intl, typeof WebAssembly]")).toEqual([
      "function", "function", "function", "object", "object",
    ]);
    expect(mr.eval("new Intl.NumberFormat('en-US').format(1234.5)")).toBe("1,234.5");
    expect(mr.eval("new Date(0).toISOString()")).toBe("1970-01-01T00:00:00.000Z");
  });

  it("cannot reach the host through constructors or dynamic import", () => {
    using mr = new MiniRacer();
    expect(mr.eval("this.constructor.constructor('return typeof process')()")).toBe("undefined");
    expect(mr.eval("(function(){ return this })() === globalThis")).toBe(true);
    expect(() => mr.eval("import('fs')")).toThrow();
  });

  it("keeps two MiniRacers apart", () => {
    using a = new MiniRacer();
    using b = new MiniRacer();
    a.execute("var secret = 42; Object.prototype.polluted = 1");
    expect(b.eval("typeof secret")).toBe("undefined");
    expect(b.eval("({}).polluted")).toBeUndefined();
    expect(a.eval("({}).polluted")).toBe(1);
  });

  it("does not let sandbox prototype pollution reach host copies", () => {
    using mr = new MiniRacer();
    mr.execute("Object.prototype.injected = 'x'; Array.prototype.extra = 'y'");
    const out = mr.eval<Record<string, unknown>>("({ a: [1] })");
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).injected).toBeUndefined();
    expect((out.a as unknown as Record<string, unknown>).extra).toBeUndefined();
    const proto = mr.eval<Record<string, unknown>>("JSON.parse('{\"__proto__\": {\"evil\": 1}}')");
    expect(({} as Record<string, unknown>).evil).toBeUndefined();
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
  });
});
