/**
 * The checks every option is made of: a byte count, a time limit, and the
 * short rendering of a bad value that their messages show. Each throws
 * TypeError for a wrong type and RangeError for a number out of range,
 * naming the option and the value.
 * @internal
 */

/** The smallest memory cap. */
export const MIN_MAX_MEMORY = 8 * 1024 * 1024;
const MAX_BYTES = 2 ** 50;

/** A short rendering of a bad value, for error messages. @internal */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Object.is(value, -0)) return "-0";
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

/** A byte count from `min` to 1 PiB, rounded down. */
export function checkBytes(name: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number of bytes, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(Math.floor(value)) || value < min || value > MAX_BYTES) {
    throw new RangeError(
      `${name} must be a finite number of bytes from ${min} to ${MAX_BYTES} (1 PiB), got ${describe(value)}`,
    );
  }
  return Math.floor(value);
}

/** Validates a time limit (`timeout`, `cpuTime`); 0 means "no limit" to the binding. @internal */
export function checkTimeout(value: unknown, name = "timeout"): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number of milliseconds, got ${describe(value)}`);
  }
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`${name} must be a positive finite number of milliseconds, got ${describe(value)}`);
  }
  return value;
}
