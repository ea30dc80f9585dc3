/**
 * The checks of the options that are objects of their own: `codeCache` and
 * `snapshot` (MiniRacer's), and MiniRacerSnapshot.create's.
 * @internal
 */
import * as path from "node:path";
import type { CodeCacheSettings, SnapshotOptions } from "../options";
import type { NativeSnapshot } from "./addon";
import { nativeSnapshotOf } from "./snapshot_registry";
import { MIN_MAX_MEMORY, checkBytes, checkTimeout, describe } from "./value_checks";

/** `codeCache`: undefined when off. */
export function checkCodeCache(value: unknown): CodeCacheSettings | undefined {
  if (value === undefined || value === true) return { dir: undefined, fromSnapshot: false };
  if (value === false) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`codeCache must be a boolean or { dir: string }, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== "dir") throw new TypeError(`unknown codeCache option ${JSON.stringify(key)}`);
  }
  const { dir } = value as { dir?: unknown };
  if (typeof dir !== "string") throw new TypeError(`codeCache.dir must be a string, got ${describe(dir)}`);
  if (dir.length === 0 || dir.includes("\0")) {
    throw new RangeError(`codeCache.dir must be a non-empty path without NUL characters, got ${describe(dir)}`);
  }
  return { dir: path.resolve(dir), fromSnapshot: false };
}

/** `snapshot`: its native snapshot, checked against a `maxMemory` asked for (0: none). */
export function checkSnapshotOption(value: unknown, maxMemory: number): NativeSnapshot | undefined {
  if (value === undefined) return undefined;
  const snapshot = nativeSnapshotOf(value);
  if (snapshot === undefined) throw new TypeError(`snapshot must be a MiniRacerSnapshot, got ${describe(value)}`);
  if (maxMemory !== 0 && maxMemory !== snapshot.maxMemory) {
    throw new RangeError(`maxMemory must be the snapshot's (${snapshot.maxMemory}) or left out, got ${maxMemory}`);
  }
  return snapshot;
}

/** Checks {@link SnapshotOptions}; 0 means the default cap / no time limit to the binding. @internal */
export function checkStartupSnapshotOptions(options: SnapshotOptions): Required<Omit<SnapshotOptions, "warmup">> & {
  warmup: string | undefined;
} {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!["setup", "warmup", "maxMemory", "timeout"].includes(key)) {
      throw new TypeError(`unknown snapshot option ${JSON.stringify(key)}`);
    }
  }
  const { setup, warmup } = options;
  if (typeof setup !== "string") throw new TypeError(`setup must be a string of code, got ${describe(setup)}`);
  if (warmup !== undefined && typeof warmup !== "string") {
    throw new TypeError(`warmup must be a string of code, got ${describe(warmup)}`);
  }
  return {
    setup,
    warmup,
    maxMemory: options.maxMemory === undefined ? 0 : checkBytes("maxMemory", options.maxMemory, MIN_MAX_MEMORY),
    timeout: options.timeout === undefined ? 0 : checkTimeout(options.timeout),
  };
}
