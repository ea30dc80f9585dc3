/**
 * The host side of ES modules: the MiniRacer's `loadModule` wrapped as the
 * host function the sandbox's module loader calls (mr_sandbox_set_module_loader
 * in native/capi/mini_racer.h). It hands the native side one shape only,
 * `[canonical name, source]` or `undefined`, so that the core never parses
 * the user's variants; a promise (async calls) settles to the same.
 * @internal
 */
import { JSObjectHandle } from "../handles";
import { stateOf } from "./handle_state";
import type { ModuleLoader, ModuleSource } from "../options";
import { describe } from "../options";

/** What crosses to the sandbox's loader: [canonical name, source], or undefined (no such module). */
export type LoadedModule = [string, string] | undefined;

/** Normalizes one answer of `loadModule` for `specifier`; throws TypeError for anything else. */
function normalize(specifier: string, answer: ModuleSource | undefined | null): LoadedModule {
  if (answer === undefined || answer === null) return undefined;
  if (typeof answer === "string") return [specifier, answer];
  if (typeof answer === "object") {
    const { source, name } = answer;
    if (typeof source === "string" && (name === undefined || (typeof name === "string" && name.length > 0))) {
      return [name ?? specifier, source];
    }
  }
  throw new TypeError(
    `loadModule must return a source string, { source, name? } or undefined for ${JSON.stringify(specifier)}, got ${describe(answer)}`,
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * What a module call returns: the namespace handle itself when `asHandle`;
 * else the addon's copy, or (when an export is a function or a symbol, and
 * the addon gave the namespace as a handle) a plain object of its exports,
 * each copied as a call's result is (functions and symbols as handles), the
 * namespace handle released.
 */
export function namespaceResult(ns: unknown, asHandle: boolean): unknown {
  if (asHandle || !(ns instanceof JSObjectHandle)) return ns;
  try {
    return Object.fromEntries(ns.entries());
  } finally {
    // The namespace may be a handle the caller already holds (the sandbox
    // gives one handle object per value): releasing it would end theirs.
    if (stateOf(ns)?.shared !== true) ns.release();
  }
}

/** The host function installed for `load`: (specifier, referrer) -> LoadedModule, or a promise of one. */
export function moduleLoaderFunction(load: ModuleLoader): (specifier: unknown, referrer: unknown) => unknown {
  return (specifier, referrer) => {
    const spec = String(specifier);
    const answer = load(spec, String(referrer));
    if (isThenable(answer)) {
      return Promise.resolve(answer).then((settled) => normalize(spec, settled as ModuleSource | undefined));
    }
    return normalize(spec, answer as ModuleSource | undefined);
  };
}
