/**
 * Base snapshots: a startup snapshot of a sandbox with nothing but its
 * guards installed, one per memory cap (the guards are made for it), from
 * which MiniRacers without a snapshot of their own start on Node 22 and
 * later. Measured on Node 24 (bench section 23): ~20% less time to create
 * a sandbox (the guards' bootstrap scripts do not run again) and ~0.4 MB
 * less memory per idle sandbox than a context from Node's snapshot plus
 * the bootstrap.
 *
 * A base snapshot is made in the background, on libuv's pool, once a
 * second sandbox with the same cap is made: a process that makes one
 * sandbox pays nothing, and no creation waits for one. At most
 * {@link MAX_CAPS} caps get one (~1.7 MB each). Set the environment
 * variable MINI_RACER_NO_BASE_SNAPSHOT=1 to turn them off.
 * @internal
 */
import { binding, type NativeSnapshot } from "./addon";

const MAX_CAPS = 4;

/** Per cap (0: the default cap): the snapshot once made, or how many sandboxes were made without. */
const caps = new Map<number, NativeSnapshot | number>();
const enabled = binding.Snapshot.supported && process.env.MINI_RACER_NO_BASE_SNAPSHOT !== "1";

/** For tests: whether the cap has a base snapshot yet, or how many sandboxes were made without. */
export function baseSnapshotState(maxMemory: number): "ready" | "off" | number {
  if (!enabled) return "off";
  const known = caps.get(maxMemory);
  return typeof known === "object" ? "ready" : (known ?? 0);
}

/** The snapshot a sandbox starts from: its own, or the base one for its cap. */
export function startingSnapshot(settings: { snapshot: NativeSnapshot | undefined; maxMemory: number }): NativeSnapshot | undefined {
  return settings.snapshot ?? baseSnapshotFor(settings.maxMemory);
}

/** The base snapshot for sandboxes capped at `maxMemory` (0: the default), if there is one yet. */
function baseSnapshotFor(maxMemory: number): NativeSnapshot | undefined {
  if (!enabled) return undefined;
  const known = caps.get(maxMemory);
  if (typeof known === "object") return known;
  const made = (known ?? 0) + 1;
  if (known === undefined && caps.size >= MAX_CAPS) return undefined;
  caps.set(maxMemory, made);
  if (made === 2) {
    binding.Snapshot.create("", undefined, maxMemory, 0).then(
      (snapshot) => caps.set(maxMemory, snapshot),
      () => caps.set(maxMemory, -Infinity), // never again for this cap
    );
  }
  return undefined;
}
