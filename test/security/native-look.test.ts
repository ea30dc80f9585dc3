// The guards replace builtins (Array.prototype methods, the Intl and
// WebAssembly constructors, ArrayBuffer, Function.prototype.toString...)
// before sandbox code runs. Every function reachable from a sandbox's global
// must still look as V8's own: its source text "function name() { [native
// code] }" (never the guard's code), and the own keys the same function has
// in a pristine V8 context of the same line (no `prototype` on a method, the
// statics of a constructor). Checked on every kind of startup: Node's
// snapshot, with and without a cap, a setup's snapshot and a base snapshot,
// where V8 installs some builtins only after the guard ran.
import { createContext, runInContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { MiniRacer, MiniRacerSnapshot } from "../../src/index.js";
import { baseSnapshotState } from "../../src/internal/base_snapshots.js";

interface Look {
  native: boolean;
  keys: string;
}

/**
 * Every function reachable from the global (own properties, accessors,
 * [[Prototype]] links), by the first path that reaches it: whether its
 * source text is a native function's and its own keys, sorted.
 */
const walk = `(() => {
  const toString = Function.prototype.toString;
  const nativeText = /^(function|class) [^(]*\\(\\) \\{ \\[native code\\] \\}$/;
  const seen = new Set();
  const looks = {};
  const visit = (value, path) => {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value)) return;
    seen.add(value);
    if (typeof value === "function") {
      let text;
      try { text = Reflect.apply(toString, value, []); } catch { text = "(toString threw)"; }
      looks[path] = { native: nativeText.test(text), keys: Reflect.ownKeys(value).map(String).sort().join(",") };
    }
    for (const key of Reflect.ownKeys(value)) {
      const found = Object.getOwnPropertyDescriptor(value, key);
      const at = path + "." + String(key);
      if ("value" in found) visit(found.value, at);
      else { visit(found.get, at + "#get"); visit(found.set, at + "#set"); }
    }
    visit(Object.getPrototypeOf(value), path + ".__proto__");
  };
  visit(globalThis, "globalThis");
  return JSON.stringify(looks);
})()`;

/** The same walk in a pristine V8 context of this process (node:vm). */
const pristine: Record<string, Look> = JSON.parse(runInContext(walk, createContext({})) as string);

/** What differs from a pristine context's builtin at the same path: none expected. */
function differences(mr: MiniRacer): string[] {
  const looks: Record<string, Look> = JSON.parse(mr.eval(walk) as string);
  const found: string[] = [];
  for (const [path, look] of Object.entries(looks)) {
    if (!look.native) found.push(`${path}: its source text is not a native function's`);
    else if (pristine[path] !== undefined && pristine[path]!.keys !== look.keys) {
      found.push(`${path}: own keys ${look.keys}, V8's ${pristine[path]!.keys}`);
    }
  }
  return found;
}

const opened: MiniRacer[] = [];
const track = (mr: MiniRacer): MiniRacer => (opened.push(mr), mr);
afterAll(() => {
  for (const mr of opened) mr.close();
});

const MB = 1024 * 1024;

describe("every builtin a sandbox can reach looks as V8's own", () => {
  it("from Node's snapshot, with and without a cap (the walk reaches hundreds of functions)", () => {
    const plain = track(new MiniRacer());
    const looks = JSON.parse(plain.eval(walk) as string) as Record<string, Look>;
    // Array.prototype.fill, the Intl constructors, ArrayBuffer, WebAssembly.Memory: all guarded.
    expect(Object.keys(looks).length).toBeGreaterThan(550);
    for (const path of ["globalThis.Array.prototype.fill", "globalThis.Intl.Locale", "globalThis.ArrayBuffer", "globalThis.WebAssembly.Memory"]) {
      expect(looks[path]).toEqual({ native: true, keys: pristine[path]!.keys });
    }
    expect(differences(plain)).toEqual([]);
    expect(differences(track(new MiniRacer({ maxMemory: 32 * MB })))).toEqual([]);
    expect(plain.eval("String(Array.prototype.fill)")).toBe("function fill() { [native code] }");
    expect(plain.eval("'prototype' in Array.prototype.fill || 'prototype' in WebAssembly.compile")).toBe(false);
  });

  it.skipIf(!MiniRacerSnapshot.supported)("from a setup's snapshot and from a base snapshot (Node 22+)", async () => {
    const snapshot = await MiniRacerSnapshot.create({ setup: "globalThis.setUp = true" });
    expect(differences(track(new MiniRacer({ snapshot })))).toEqual([]);
    const cap = 24 * MB;
    track(new MiniRacer({ maxMemory: cap }));
    track(new MiniRacer({ maxMemory: cap }));
    for (let i = 0; i < 300 && baseSnapshotState(cap) !== "ready"; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(baseSnapshotState(cap)).toBe("ready");
    expect(differences(track(new MiniRacer({ maxMemory: cap })))).toEqual([]);
  });
});
