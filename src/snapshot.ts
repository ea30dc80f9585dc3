/**
 * Startup snapshots of a setup script: sandboxes that start with a library
 * already loaded, instead of loading it each time (README "Snapshots").
 */
import { binding } from "./internal/addon";
import type { NativeSnapshot } from "./internal/addon";
import { registerSnapshot } from "./internal/snapshot_registry";
import { checkStartupSnapshotOptions } from "./internal/option_checks";
import type { SnapshotOptions } from "./options";

// The native snapshot `create` hands to the constructor (which empties it):
// never reachable from outside this module.
let adopting: NativeSnapshot | undefined;

/**
 * A V8 startup snapshot of a sandbox after its setup ran: a
 * {@link MiniRacer} made with `{ snapshot }` starts with the setup's globals,
 * functions, classes and data in place, in a few milliseconds, however long
 * the setup took (Babel standalone: ~20 ms instead of ~75 ms on Node 24). Made in
 * this process, from code, on a thread of libuv's pool; never loaded from
 * bytes. Node 22 and later ({@link MiniRacerSnapshot.supported}).
 *
 * The setup runs in a sandbox like any other (the builtin and memory
 * guards in place, under `maxMemory` and `timeout`) but without timers,
 * host functions, `WebAssembly` or the language features V8 still keeps
 * behind a flag, which sandboxes made from the snapshot get as usual (a
 * polyfill the setup made of one gives way to the builtin), and its
 * `console` output is dropped; it may not leave `Intl` objects alive (make
 * them on first use), register with a `FinalizationRegistry`, or freeze a
 * builtin that V8 extends (README "Snapshots"). A `warmup` script runs after it, so that the functions it
 * calls are compiled into the snapshot too.
 *
 * @example
 * ```ts
 * const snapshot = await MiniRacerSnapshot.create({ setup: "function double(x) { return 2 * x }" });
 * const mr = new MiniRacer({ snapshot });
 * mr.call("double", 21); // 42
 * ```
 */
export class MiniRacerSnapshot {
  /** The snapshot's size in bytes (the host memory it takes). */
  readonly bytes: number;
  /** The memory cap of the setup's run and of every MiniRacer made from it. */
  readonly maxMemory: number;

  /** Only {@link MiniRacerSnapshot.create} makes snapshots: `new` throws `TypeError`. */
  constructor(token: never) {
    const native = adopting;
    adopting = undefined;
    if (native === undefined || token !== undefined) {
      throw new TypeError("snapshots are made by MiniRacerSnapshot.create()");
    }
    this.bytes = native.bytes;
    this.maxMemory = native.maxMemory;
    registerSnapshot(this, native);
    Object.freeze(this);
  }

  /** Whether this Node line can make snapshots: Node 22 and later (V8 11.3, in Node 20, restores some state wrong). */
  static get supported(): boolean {
    return binding.Snapshot.supported;
  }

  /**
   * Runs `setup`, then `warmup`, in a new sandbox off Node's thread and
   * snapshots it. Throws `TypeError` / `RangeError` for bad options; rejects
   * with the setup's error ({@link JSParseError}, {@link JSEvalError},
   * {@link JSTimeoutError}, {@link JSOOMError}) or {@link SnapshotError}
   * (on Node 20, or when the setup left what no snapshot can hold).
   */
  static async create(options: SnapshotOptions): Promise<MiniRacerSnapshot> {
    const { setup, warmup, maxMemory, timeout } = checkStartupSnapshotOptions(options);
    adopting = await binding.Snapshot.create(setup, warmup, maxMemory, timeout);
    return new MiniRacerSnapshot(undefined as never);
  }
}
