/**
 * The checks of a MiniRacerPool's options: the pool's own (size, setup,
 * maxUses, fresh, maxQueue) and, through options.ts, the MiniRacer options
 * it passes on to every sandbox. A bad option throws TypeError or
 * RangeError naming it, when the pool is made, not when a sandbox is.
 * @internal
 */
import { availableParallelism } from "node:os";
import type { MiniRacer } from "../mini_racer";
import { checkMiniRacerOptions, describe, type MiniRacerOptions, type MiniRacerPoolOptions } from "../options";

/** What the pool keeps of its options. */
export interface PoolSettings {
  size: number;
  setup: string | ((mr: MiniRacer) => unknown) | undefined;
  maxUses: number;
  fresh: boolean;
  maxQueue: number;
  /** The MiniRacer options, checked, for every sandbox. */
  racer: MiniRacerOptions;
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
  const { size, setup, maxUses, fresh, maxQueue, ...racer } = options;
  checkMiniRacerOptions(racer);
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
  };
}
