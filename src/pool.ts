/**
 * MiniRacerPool: a fixed number of sandboxes shared by many requests. Each
 * run borrows one sandbox, alone, and gives it back; runs beyond the
 * pool's size wait in line. Sandboxes are made, set up and replaced in the
 * background (MiniRacer.create: off Node's thread), so a request rarely
 * waits for one, and each runs its async calls on its own thread, so a
 * pool keeps every core busy. The lending guard lives in
 * internal/pool_lease.ts, the line of waiting runs in internal/pool_queue.ts,
 * the option checks in internal/pool_settings.ts.
 */
import { AbortError, ContextClosedError, PoolClosedError, PoolQueueFullError } from "./errors";
import { Lease, retiresSandbox } from "./internal/pool_lease";
import { WaitQueue } from "./internal/pool_queue";
import { checkPoolOptions, type PoolSettings } from "./internal/pool_settings";
import { SetupSnapshot } from "./internal/pool_snapshot";
import { MiniRacer } from "./mini_racer";
import {
  callSignal,
  checkName,
  describe,
  type AbortSignalLike,
  type AsyncCallOptions,
  type MiniRacerPoolOptions,
  type PoolCallOptions,
  type PoolRunOptions,
  type Usage,
} from "./options";


/** What {@link MiniRacerPool.stats} reports. */
export interface PoolStats {
  /** The pool's size: most sandboxes alive at once. */
  size: number;
  /** Sandboxes ready for a run. */
  idle: number;
  /** Sandboxes lent to a run. */
  busy: number;
  /** Sandboxes being made (and set up) in the background. */
  starting: number;
  /** Runs waiting for a sandbox. */
  waiting: number;
  /** Sandboxes made and set up so far. */
  created: number;
  /** Sandboxes closed after `maxUses` runs, or after their one run with `fresh`. */
  recycled: number;
  /** Sandboxes closed because their run hit the memory cap or a time limit, was aborted, or left calls or handles behind. */
  replaced: number;
  /** Sandboxes whose creation or setup failed. */
  failed: number;
  /** Runs finished, either way. */
  runs: number;
  /** What the runs' calls took, summed over every sandbox (setup left out): see {@link MiniRacer.usage}. */
  usage: Usage;
  /**
   * With the `snapshot` option of the setup: `"making"` until the snapshot
   * is made, then `"ready"` (sandboxes start from it), or `"unsupported"`
   * on a Node line that cannot make snapshots (sandboxes run `setup`).
   * `"off"` without it.
   */
  snapshot: "off" | "making" | "ready" | "unsupported";
}

interface Slot {
  readonly mr: MiniRacer;
  uses: number;
  /** Live handles after setup: a run that leaves more behind retires the sandbox. */
  handles: number;
  /** The sandbox's usage when it was last counted into the pool's (after setup, then after each run). */
  counted: Usage;
}

/**
 * A pool of sandboxes that serves runs one sandbox each, FIFO when all are
 * busy. Every sandbox has the same options and `setup`.
 *
 * A sandbox whose run hit the memory cap or a time limit, or was aborted,
 * is closed and replaced rather than reused; so is one whose run returned
 * with async calls still pending or handles still alive (release handles
 * before the run ends). A run whose callback throws anything else gives its
 * sandbox back.
 *
 * @example
 * ```ts
 * const pool = new MiniRacerPool({ size: 4, timeout: 1000, setup: "function double(x) { return 2 * x }" });
 * await pool.callAsync("double", 21);                          // 42
 * await pool.run(async (mr) => mr.eval("1 + 1") + (await mr.callAsync("double", 1))); // 4
 * await pool.close();
 * ```
 */
export class MiniRacerPool {
  readonly #settings: PoolSettings;
  readonly #idle: Slot[] = [];
  readonly #queue = new WaitQueue<Slot>();
  #busy = 0;
  #starting = 0;
  // The last creation failed: make new sandboxes only for waiting runs, so
  // that a setup that always throws cannot loop.
  #failing = false;
  readonly #active = new Set<(error: Error) => void>();
  #closed: Promise<void> | null = null;
  #drained: (() => void) | null = null;
  readonly #counts = { created: 0, recycled: 0, replaced: 0, failed: 0, runs: 0 };
  readonly #usage: Usage = { calls: 0, wallMs: 0, cpuMs: 0, hostCalls: 0, hostMs: 0, gcMs: 0 };
  readonly #snapshot: SetupSnapshot;

  /**
   * Makes the pool and starts making its sandboxes in the background.
   * Throws `TypeError` / `RangeError` for bad options.
   */
  constructor(options: MiniRacerPoolOptions = {}) {
    this.#settings = checkPoolOptions(options);
    this.#snapshot = new SetupSnapshot(this.#settings);
    this.#fill();
  }

  /**
   * Runs `fn` with a sandbox of its own and resolves to what it returns (or
   * its promise settles to). Waits for a free sandbox first when all are
   * busy. The MiniRacer `fn` gets is lent: once the run has settled, every
   * use of it throws {@link ContextClosedError}.
   *
   * Rejects with what `fn` throws, with {@link AbortError} when `signal`
   * aborts, {@link PoolQueueFullError} when `maxQueue` runs already wait,
   * and {@link PoolClosedError} after (or during) `close()`.
   *
   * @example
   * ```ts
   * const html = await pool.run((mr) => mr.callAsync("render", template, data), { signal });
   * ```
   */
  run<T>(fn: (mr: MiniRacer) => T | PromiseLike<T>, options?: PoolRunOptions): Promise<Awaited<T>> {
    try {
      if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${describe(fn)}`);
      const signal = callSignal(options);
      return this.#borrow(signal, (slot) => this.#lend(slot, signal, fn, true));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `mr.evalAsync(code, options)` on a sandbox of the pool (see
   * {@link MiniRacer.evalAsync}); `signal` also covers the wait.
   *
   * @example
   * ```ts
   * await pool.evalAsync("1 + 1"); // 2
   * ```
   */
  evalAsync<T = unknown>(code: string, options?: PoolCallOptions): Promise<T> {
    return this.#shortcut(options, (mr, call) => mr.evalAsync<T>(code, call));
  }

  /** `mr.callAsync(name, ...args)` on a sandbox of the pool (see {@link MiniRacer.callAsync}). */
  callAsync<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
    return this.applyAsync<T>(name, args);
  }

  /** `mr.applyAsync(name, args, options)` on a sandbox of the pool; `signal` also covers the wait. */
  applyAsync<T = unknown>(name: string, args: readonly unknown[] = [], options?: PoolCallOptions): Promise<T> {
    try {
      checkName(name);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#shortcut(options, (mr, call) => mr.applyAsync<T>(name, args, call));
  }

  /** The pool's figures now. */
  stats(): PoolStats {
    const { size } = this.#settings;
    return {
      size,
      idle: this.#idle.length,
      busy: this.#busy,
      starting: this.#starting,
      waiting: this.#queue.size,
      ...this.#counts,
      usage: { ...this.#usage },
      snapshot: this.#snapshot.state(),
    };
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closed !== null;
  }

  /**
   * Closes the pool: waiting runs reject with {@link PoolClosedError} and
   * no new run starts. Runs in flight finish first (their sandboxes are then
   * closed), unless `force`: then they reject with PoolClosedError at once
   * and their sandboxes are closed under them (their calls end). Resolves
   * when every sandbox is closed. A later call returns the same promise;
   * with `force` it also ends the runs a graceful close is waiting for.
   */
  close(options: { force?: boolean } = {}): Promise<void> {
    if (this.#closed === null) {
      this.#closed = new Promise<void>((resolve) => (this.#drained = resolve));
      for (let waiter = this.#queue.next(); waiter !== undefined; waiter = this.#queue.next()) {
        waiter.reject(new PoolClosedError("the pool was closed while the run waited for a sandbox"));
      }
      for (const slot of this.#idle.splice(0)) slot.mr.close();
    }
    if (options?.force === true) {
      for (const abandon of [...this.#active]) abandon(new PoolClosedError("the pool was closed during the run"));
    }
    this.#checkDrained();
    return this.#closed;
  }

  /** `await using pool = new MiniRacerPool()` closes it (gracefully) at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #shortcut<T>(
    options: PoolCallOptions | undefined,
    call: (mr: MiniRacer, options: AsyncCallOptions | undefined) => Promise<T>,
  ): Promise<T> {
    try {
      const signal = callSignal(options);
      if ((options as AsyncCallOptions | undefined)?.handle !== undefined) {
        throw new TypeError("the pool's call shortcuts return copies (no `handle` option); use run() for handles");
      }
      // The pool watches the signal (an abort closes the sandbox); the call gets the rest.
      const own: AsyncCallOptions | undefined = options === undefined ? undefined : { ...options, signal: undefined };
      return this.#borrow(signal, (slot) => this.#lend(slot, signal, (mr) => call(mr, own), false));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Gets a sandbox (now when one is idle and nobody waits) and runs `use` with it. */
  #borrow<T>(signal: AbortSignalLike | undefined, use: (slot: Slot) => Promise<T>): Promise<T> {
    if (this.#closed !== null) throw new PoolClosedError();
    if (signal?.aborted) throw new AbortError(signal.reason);
    if (this.#queue.size === 0) {
      const slot = this.#idle.pop();
      if (slot !== undefined) {
        this.#busy++;
        return use(slot);
      }
    }
    if (this.#queue.size >= this.#settings.maxQueue) {
      throw new PoolQueueFullError(`all ${this.#settings.size} sandboxes are busy and ${this.#queue.size} runs wait`);
    }
    const waited = this.#queue.wait(signal);
    this.#fill();
    return waited.then(use);
  }

  /** Runs `fn` on a borrowed sandbox (through a lease when `guard`) and gives the sandbox back. */
  #lend<T>(
    slot: Slot,
    signal: AbortSignalLike | undefined,
    fn: (mr: MiniRacer) => T | PromiseLike<T>,
    guard: boolean,
  ): Promise<Awaited<T>> {
    if (signal?.aborted) {
      // Aborted between being served and starting: nothing ran.
      this.#giveBack(slot, false);
      return Promise.reject(new AbortError(signal.reason));
    }
    const lease = guard ? new Lease(slot.mr) : undefined;
    return new Promise<Awaited<T>>((resolve, reject) => {
      let done = false;
      const end = (ok: boolean, value: unknown, retire: boolean): void => {
        if (done) return;
        done = true;
        this.#active.delete(abandon);
        signal?.removeEventListener("abort", onAbort);
        lease?.revoke();
        this.#giveBack(slot, retire || (!ok && retiresSandbox(value)) || lease?.failure !== undefined);
        if (ok) resolve(value as Awaited<T>);
        else reject(value);
      };
      const abandon = (error: Error): void => end(false, error, true);
      const onAbort = (): void => abandon(new AbortError(signal?.reason));
      this.#active.add(abandon);
      signal?.addEventListener("abort", onAbort, { once: true });
      const start = (): void => {
        if (done) return;
        try {
          Promise.resolve(fn(lease === undefined ? slot.mr : lease.view)).then(
            (value) => end(true, value, false),
            (error: unknown) => end(false, error, false),
          );
        } catch (error) {
          end(false, error, false);
        }
      };
      // A caller's callback always runs after run() has returned, sandbox idle or not.
      if (lease === undefined) start();
      else queueMicrotask(start);
    });
  }

  /** After a run: the sandbox goes to the next waiting run, back to the idle ones, or is closed and replaced. */
  #giveBack(slot: Slot, retire: boolean): void {
    this.#busy--;
    this.#counts.runs++;
    slot.uses++;
    const { mr } = slot;
    // (usage stays readable after a run closed its sandbox.)
    const now = mr.usage;
    for (const key of ["calls", "wallMs", "cpuMs", "hostCalls", "hostMs", "gcMs"] as const) {
      this.#usage[key] += now[key] - slot.counted[key];
    }
    slot.counted = now;
    const { fresh, maxUses } = this.#settings;
    if (this.#closed !== null) {
      mr.close();
      this.#checkDrained();
      return;
    }
    if (
      retire ||
      mr.closed ||
      mr.pendingCalls > 0 ||
      mr.handleCount() > slot.handles ||
      (!fresh && mr.heapStats().memoryCapReached)
    ) {
      this.#counts.replaced++;
    } else if (fresh || slot.uses >= maxUses) {
      this.#counts.recycled++;
    } else {
      this.#offer(slot);
      return;
    }
    mr.close();
    this.#fill();
  }

  /** Hands a ready sandbox to the oldest waiting run, or keeps it idle. */
  #offer(slot: Slot): void {
    const waiter = this.#queue.next();
    if (waiter === undefined) {
      this.#idle.push(slot);
      return;
    }
    this.#busy++;
    waiter.resolve(slot);
  }

  /** Starts making sandboxes until the pool has `size` (only for waiting runs after a failure). */
  #fill(): void {
    if (this.#closed !== null) return;
    let wanted = this.#settings.size - this.#idle.length - this.#busy - this.#starting;
    if (this.#failing) wanted = Math.min(wanted, this.#queue.size - this.#starting);
    for (; wanted > 0; wanted--) this.#start();
  }

  #start(): void {
    this.#starting++;
    this.#make().then(
      (slot) => {
        this.#starting--;
        this.#counts.created++;
        this.#failing = false;
        if (this.#closed !== null) {
          slot.mr.close();
          this.#checkDrained();
        } else {
          this.#offer(slot);
        }
      },
      (error: unknown) => {
        this.#starting--;
        this.#counts.failed++;
        this.#failing = true;
        this.#queue.next()?.reject(error);
        this.#checkDrained();
        this.#fill();
      },
    );
  }

  /** A new sandbox, made off Node's thread and set up. */
  async #make(): Promise<Slot> {
    const { racer } = this.#settings;
    let { setup } = this.#settings;
    const fromSnapshot = this.#snapshot.get();
    const options = fromSnapshot === undefined ? racer : { ...racer, snapshot: await fromSnapshot };
    if (fromSnapshot !== undefined) setup = undefined;
    const mr = await MiniRacer.create(options);
    try {
      if (typeof setup === "string") {
        await mr.executeAsync(setup);
      } else if (setup !== undefined) {
        const lease = new Lease(mr);
        try {
          await setup(lease.view);
        } finally {
          lease.revoke();
        }
        if (lease.failure !== undefined) throw lease.failure; // caught by setup, but the sandbox is spent
        if (mr.closed) throw new ContextClosedError("the pool's setup function closed its sandbox");
        if (mr.pendingCalls > 0) throw new TypeError("the pool's setup function returned before its async calls settled");
      }
      return { mr, uses: 0, handles: mr.handleCount(), counted: mr.usage };
    } catch (error) {
      mr.close();
      throw error;
    }
  }

  #checkDrained(): void {
    if (this.#closed !== null && this.#busy === 0 && this.#starting === 0) this.#drained?.();
  }
}

Object.freeze(MiniRacerPool.prototype);
Object.freeze(MiniRacerPool);
