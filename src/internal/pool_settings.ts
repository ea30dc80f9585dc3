/**
 * The checks of a MiniRacerPool's options: the pool's own (size, setup,
 * maxUses, fresh, maxQueue, snapshot) and, through options.ts, the MiniRacer options
 * it passes on to every sandbox. A bad option throws TypeError or
 * RangeError naming it, when the pool is made, not when a sandbox is.
 * @internal
 */
import { availableParallelism } from "node:os";
import type { MiniRacer } from "../mini_racer";
import { checkMiniRacerOptions, describe, type MiniRacerOptions, type MiniRacerPoolOptions } from "../options";
import type { MiniRacerSnapshot } from "../snapshot";
import { nativeSnapshotOf } from "./snapshot_registry";

/** What the pool keeps of its options. */
export interface PoolSettings {
  size: number;
  setup: string | ((mr: MiniRacer) => unknown) | undefined;
  maxUses: number;
  fresh: boolean;
  maxQueue: number;
  /** The MiniRacer options, checked, for every sandbox. */
  racer: MiniRacerOptions;
  /** Snapshot the (string) setup: with this warm-up code (`""`: none). undefined: no. */
  snapshotWarmup: string | undefined;
}

/** A whole number from `min` up (Infinity too, when `infinite`). */
function checkCount(name: string, value: unknown, min: number, infinite: boolean): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  if (!(value === Infinity && infinite) && !(Number.isSafeInteger(value) && value >= min)) {
    const range = infinite ? `a whole number from ${min} up, or Infinity` : `a whole number from ${min} up`;
    throw new RangeError(`${name} must be ${range}, got ${describe(value)}`);
  }
  return value;
}

/** Checks the pool's options (the MiniRacer ones through checkMiniRacerOptions). */
export function checkPoolOptions(options: MiniRacerPoolOptions): PoolSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const { size, setup, maxUses, fresh, maxQueue, snapshot, ...rest } = options;
  const ofSetup = typeof snapshot === "boolean" || (nativeSnapshotOf(snapshot) === undefined && snapshot !== undefined);
  const racer: MiniRacerOptions = ofSetup || snapshot === undefined ? rest : { ...rest, snapshot: snapshot as MiniRacerSnapshot };
  checkMiniRacerOptions(racer);
  const snapshotWarmup = ofSetup ? checkSetupSnapshot(snapshot, setup) : undefined;
  if (setup !== undefined && typeof setup !== "string" && typeof setup !== "function") {
    throw new TypeError(`setup must be a string of code or a function, got ${describe(setup)}`);
  }
  if (fresh !== undefined && typeof fresh !== "boolean") {
    throw new TypeError(`fresh must be a boolean, got ${describe(fresh)}`);
  }
  return {
    size: size === undefined ? availableParallelism() : checkCount("size", size, 1, false),
    setup,
    maxUses: maxUses === undefined ? Infinity : checkCount("maxUses", maxUses, 1, true),
    fresh: fresh ?? false,
    maxQueue: maxQueue === undefined ? Infinity : checkCount("maxQueue", maxQueue, 0, true),
    racer,
    snapshotWarmup,
  };
}

/** Checks `snapshot: true | false | { warmup }`; returns the warm-up code ("" for none), or undefined for false. */
function checkSetupSnapshot(snapshot: unknown, setup: unknown): string | undefined {
  if (snapshot === false) return undefined;
  if (snapshot !== true) {
    if (typeof snapshot !== "object" || snapshot === null || Array.isArray(snapshot)) {
      throw new TypeError(`snapshot must be a boolean, { warmup } or a MiniRacerSnapshot, got ${describe(snapshot)}`);
    }
    for (const key of Object.keys(snapshot)) {
      if (key !== "warmup") throw new TypeError(`unknown snapshot option ${JSON.stringify(key)}`);
    }
  }
  if (typeof setup !== "string") {
    throw new TypeError(`snapshot: true snapshots the pool's setup, which must then be a string of code, got ${describe(setup)}`);
  }
  const warmup = snapshot === true ? undefined : (snapshot as { warmup?: unknown }).warmup;
  if (warmup !== undefined && typeof warmup !== "string") {
    throw new TypeError(`snapshot.warmup must be a string of code, got ${describe(warmup)}`);
  }
  return warmup ?? "";
}
