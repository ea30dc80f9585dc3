/**
 * The snapshot of a pool's setup (its `snapshot: true | { warmup }`
 * option): made once, when the first sandbox needs it, and shared by every
 * sandbox after; a failed one is forgotten, so that the next sandbox tries
 * again (as a setup that throws is retried).
 * @internal
 */
import type { PoolStats } from "../pool";
import { MiniRacerSnapshot } from "../snapshot";
import type { PoolSettings } from "./pool_settings";

export class SetupSnapshot {
  readonly #settings: PoolSettings;
  #made: Promise<MiniRacerSnapshot> | undefined;
  #ready = false;

  constructor(settings: PoolSettings) {
    this.#settings = settings;
  }

  /** What {@link PoolStats.snapshot} reports. */
  state(): PoolStats["snapshot"] {
    if (this.#settings.snapshotWarmup === undefined) return "off";
    if (!MiniRacerSnapshot.supported) return "unsupported";
    return this.#ready ? "ready" : "making";
  }

  /** The snapshot, made once; undefined when the pool runs its setup in each sandbox instead. */
  get(): Promise<MiniRacerSnapshot> | undefined {
    const { racer, setup, snapshotWarmup } = this.#settings;
    if (snapshotWarmup === undefined || !MiniRacerSnapshot.supported || typeof setup !== "string") return undefined;
    this.#made ??= MiniRacerSnapshot.create({
      setup,
      ...(snapshotWarmup === "" ? {} : { warmup: snapshotWarmup }),
      ...(racer.maxMemory === undefined ? {} : { maxMemory: racer.maxMemory }),
      ...(racer.timeout === undefined ? {} : { timeout: racer.timeout }),
    }).then(
      (made) => {
        this.#ready = true;
        return made;
      },
      (error: unknown) => {
        this.#made = undefined;
        throw error;
      },
    );
    return this.#made;
  }
}
