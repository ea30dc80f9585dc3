/**
 * Which objects are {@link MiniRacerSnapshot}s, and their native snapshots:
 * options.ts checks the `snapshot` option here without importing the class
 * (which imports options.ts for its own checks).
 * @internal
 */
import type { NativeSnapshot } from "./addon";

const natives = new WeakMap<object, NativeSnapshot>();

/** Records a MiniRacerSnapshot's native snapshot (its constructor does). */
export function registerSnapshot(snapshot: object, native: NativeSnapshot): void {
  natives.set(snapshot, native);
}

/** The native snapshot of a MiniRacerSnapshot, or undefined for any other value. */
export function nativeSnapshotOf(value: unknown): NativeSnapshot | undefined {
  return typeof value === "object" && value !== null ? natives.get(value) : undefined;
}
