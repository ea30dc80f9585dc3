/**
 * The options of a MiniRacer, of a MiniRacerPool and of their calls: the
 * public option types, and the checks that turn what a caller passed into
 * the numbers the addon takes (a bad option is a TypeError or RangeError
 * naming it; a pool's own options are checked in internal/pool_settings.ts). The types are part
 * of the public API (re-exported by index.ts); the check functions are
 * internal, used by mini_racer.ts and internal/.
 */
import type { NativeSnapshot } from "./internal/addon";
import { checkCodeCache, checkSnapshotOption } from "./internal/option_checks";
import { MIN_MAX_MEMORY, checkBytes, checkTimeout, describe } from "./internal/value_checks";
import { CallFlag } from "./internal/wire_constants";
import type { MiniRacer } from "./mini_racer";
import type { MiniRacerSnapshot } from "./snapshot";

/** The levels of `console` output from the sandbox. */
export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/**
 * Receives the sandbox's `console.log/info/warn/error/debug` output: the
 * level and copies of the logged values (what cannot be copied, such as a
 * function, arrives as its string rendering).
 */
export type ConsoleHandler = (level: ConsoleLevel, args: unknown[]) => void;

/** A host function made callable from the sandbox with `MiniRacer.expose`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HostFunction = (...args: any[]) => unknown;

/** Memory figures of a sandbox, in bytes. */
export interface HeapStats {
  /** Heap memory V8 has reserved for the sandbox. */
  totalHeapSize: number;
  /** Heap memory in use by live objects and not yet collected garbage. */
  usedHeapSize: number;
  /** V8's own heap limit (set well above `maxMemory`; the cap is enforced separately). */
  heapSizeLimit: number;
  /** Off-heap memory (ArrayBuffer contents) charged to the cap. */
  externalMemory: number;
  /** The cap, `maxMemory`. */
  maxMemory: number;
  /** Whether a call has left the sandbox above `softMemoryLimit`. */
  softLimitReached: boolean;
  /** Whether a call has ever hit the memory cap. */
  memoryCapReached: boolean;
}

/** Options for {@link MiniRacer}'s constructor. */
export interface MiniRacerOptions {
  /**
   * Hard cap, in bytes, on everything the sandbox allocates: its V8 heap and
   * its off-heap buffers (ArrayBuffers) together. At least 8 MiB, any byte
   * count; default 128 MiB. Reaching it ends the call with {@link JSOOMError}.
   * A host value larger than it is refused with {@link ValueTransferError}.
   */
  maxMemory?: number;
  /**
   * Soft limit in bytes: when a call leaves the sandbox above it, the sandbox
   * collects garbage and {@link HeapStats.softLimitReached} becomes true.
   * Default: none.
   */
  softMemoryLimit?: number;
  /**
   * Default wall-clock limit of each call, in milliseconds (a positive finite
   * number). Reaching it ends the call with {@link JSTimeoutError}. Default: none.
   */
  timeout?: number;
  /**
   * Default CPU-time limit of each call, in milliseconds (a positive finite
   * number): the CPU the call's JavaScript uses on the thread running it
   * (the caller's for sync calls, the sandbox's own for async ones),
   * microtasks, timer callbacks and the copying of the result included;
   * time inside host functions and waiting for timers or promises excluded.
   * Reaching it ends the call with {@link JSTimeoutError} whose `limit` is
   * `"cpuTime"`. With `timeout` too, the first limit reached ends the call.
   * Default: none.
   */
  cpuTime?: number;
  /** Receives the sandbox's console output (default: dropped, never printed). */
  onConsole?: ConsoleHandler;
  /**
   * Most bytes one crossing may copy out of the sandbox: a result, or all
   * the arguments of one host-function or console call together (one big
   * value passed many times counts each time). Past it a result fails with
   * {@link ValueTransferError}, a host call with a `RangeError` in the
   * sandbox, and console arguments arrive as `undefined`, before the host
   * allocates the copy. An error's name, message and stack are each cut to
   * a ninth of it. At least 1024; default: `maxMemory`.
   */
  maxResultBytes?: number;
  /**
   * The code cache (README "Code cache"): a script of 32,768 UTF-16 code
   * units or more (`eval`, `execute` and their async variants) is compiled
   * from V8's code cache of the same script when an earlier sandbox of the
   * process ran it, keyed by a SHA-256 of the code. `true` (the default):
   * in memory, for this process. `{ dir }`: also in that directory, for
   * later processes (files are checked against the code's hash and their
   * own before use; a mismatching one is ignored and rewritten; failing to
   * write is ignored). `false`: this MiniRacer neither uses nor adds to it.
   */
  codeCache?: boolean | CodeCacheOptions;
  /**
   * Resolves and loads ES modules (README "ES modules"): called for every
   * static or dynamic import the sandbox makes, with the specifier as
   * written and the importing module's name (`"<eval>"` for a script,
   * `""` for {@link MiniRacer.importModule}). Returns the module's source,
   * `{ source, name }` to give it a canonical name (one module instance per
   * name and sandbox; a bare source is named by its specifier), or
   * `undefined` when there is no such module. May return a promise to the
   * async calls. Without it every import fails with
   * {@link ModuleNotFoundError}.
   */
  loadModule?: ModuleLoader;
  /**
   * Start from this {@link MiniRacerSnapshot}: the sandbox has the state its
   * setup left, without running it. Its `maxMemory` is the snapshot's
   * (`maxMemory` here, if given, must be the same).
   */
  snapshot?: MiniRacerSnapshot;
}

/** Options of {@link MiniRacerSnapshot.create}. */
export interface SnapshotOptions {
  /** The code to run and snapshot: a script, as `execute` runs it. */
  setup: string;
  /** Code run after `setup`, whose effects and compiled functions go into the snapshot too (warm-up calls). */
  warmup?: string;
  /** The memory cap of the setup's run and of every MiniRacer made from the snapshot. Default 128 MiB. */
  maxMemory?: number;
  /** Wall-clock limit, in ms, of `setup` and of `warmup`, each. Default: none. */
  timeout?: number;
}

/** A module's source, as {@link MiniRacerOptions.loadModule} returns it. */
export type ModuleSource =
  | string
  | {
      /** The module's source code. */
      source: string;
      /** Its canonical name (default: the specifier). */
      name?: string;
    };

/** See {@link MiniRacerOptions.loadModule}. */
export type ModuleLoader = (
  specifier: string,
  referrer: string,
) => ModuleSource | undefined | PromiseLike<ModuleSource | undefined>;

/** The persistent form of {@link MiniRacerOptions.codeCache}. */
export interface CodeCacheOptions {
  /**
   * A directory (made if missing, mode 0700) holding one file per script,
   * V8 version and set of V8 flags. Anyone who can write it can make
   * sandboxes run code of their choosing: keep it private to the process's
   * user.
   */
  dir: string;
}

/** Options of a `MiniRacerPool`: its own, and any {@link MiniRacerOptions}, given to every sandbox. */
export interface MiniRacerPoolOptions extends Omit<MiniRacerOptions, "snapshot"> {
  /** How many sandboxes the pool keeps (a whole number from 1). Default: `os.availableParallelism()`. */
  size?: number;
  /**
   * Run once in each new sandbox before its first run: code (run as
   * `executeAsync` on the sandbox's own thread, under `timeout`), or a
   * function given the sandbox (on Node's thread; it may be async). A
   * sandbox whose setup fails is closed, and the oldest waiting run rejects
   * with the error.
   */
  setup?: string | ((mr: MiniRacer) => void | Promise<void>);
  /** Runs a sandbox serves before it is closed and replaced (a whole number from 1, or Infinity, the default). */
  maxUses?: number;
  /**
   * `true`: every run gets a sandbox no earlier run has used (only `setup`
   * ran in it): a new isolate each time, prepared ahead in the background.
   * Default `false`: a sandbox keeps the globals earlier runs left.
   */
  fresh?: boolean;
  /** Most runs that may wait for a sandbox; one more is refused with {@link PoolQueueFullError}. Default: Infinity. */
  maxQueue?: number;
  /**
   * Start every sandbox from a startup snapshot ({@link MiniRacerSnapshot}):
   * - `true` or `{ warmup }`: of the pool's `setup` (a string), made once,
   *   in the background, with the pool's `maxMemory` and `timeout`; its
   *   sandboxes then start set up instead of running `setup` (a Babel-ready
   *   sandbox in ~20 ms instead of ~75 ms on Node 24). `warmup`: code run after
   *   `setup`, before the snapshot is taken. Where the Node line cannot
   *   make snapshots (Node 20: {@link MiniRacerSnapshot.supported}), each
   *   sandbox runs `setup` as without this option, compiled from the code
   *   cache; {@link PoolStats.snapshot} says which.
   * - a MiniRacerSnapshot: every sandbox starts from it (and then runs
   *   `setup`, if any).
   */
  snapshot?:
    | boolean
    | {
        /** Code run after `setup`, before the snapshot is taken (warm-up calls). */
        warmup?: string;
      }
    | MiniRacerSnapshot;
}

/**
 * What mini-racer uses of an `AbortSignal`: Node's, the DOM's or another
 * realm's all fit. Declared here so that the package's types need neither
 * `@types/node` nor the DOM library.
 */
export interface AbortSignalLike {
  /** Whether the signal has aborted. */
  readonly aborted: boolean;
  /** Why it aborted: becomes the `cause` of {@link AbortError}. */
  readonly reason?: unknown;
  /** Listens for the abort. */
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  /** Stops listening. */
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Options of `MiniRacerPool.run`. */
export interface PoolRunOptions {
  /**
   * Aborting it gives up the run with {@link AbortError} (`cause`: the
   * signal's reason): a waiting run leaves the line; a running one loses
   * its sandbox, which is closed (its calls end) and replaced.
   */
  signal?: AbortSignalLike;
}

/** Options of the pool's call shortcuts: a call's own (no `handle`: results are copies) and `signal`. */
export type PoolCallOptions = Omit<AsyncCallOptions, "handle">;

/** Options of a single call. */
export interface CallOptions {
  /** Wall-clock limit of this call in ms; overrides the MiniRacer's default. */
  timeout?: number;
  /** CPU-time limit of this call in ms (see {@link MiniRacerOptions.cpuTime}); overrides the MiniRacer's default. */
  cpuTime?: number;
  /**
   * Return an object result (plain object, array, function, ...) as a handle
   * ({@link JSObjectHandle}, {@link JSArrayHandle}, {@link JSFunctionHandle})
   * that stays in the sandbox, instead of a copy. Functions and symbols come
   * back as handles anyway, since they cannot be copied.
   */
  handle?: boolean;
  /** Receives this call's console output, instead of the MiniRacer's `onConsole`. */
  onConsole?: ConsoleHandler;
}

/** Options of {@link MiniRacer.evalModule}. */
export interface ModuleCallOptions extends CallOptions {
  /**
   * The module's name: its `import.meta.url`, the referrer its imports are
   * loaded for, and the canonical name it is registered under if no module
   * has it yet. Default `"<module>"`.
   */
  name?: string;
}

/** Options of a single asynchronous call. */
export interface AsyncCallOptions extends CallOptions {
  /**
   * Aborting it ends the call: a queued call never runs, a running script is
   * terminated, and the promise rejects with {@link AbortError} (its `cause`
   * is the signal's reason). The MiniRacer stays usable.
   */
  signal?: AbortSignalLike;
}

/** Options of {@link MiniRacer.evalModuleAsync}. */
export interface ModuleAsyncCallOptions extends AsyncCallOptions {
  /** As {@link ModuleCallOptions.name}. */
  name?: string;
}

// ---------------------------------------------------------------------------
// Checks (internal). Each throws TypeError for a wrong type and RangeError for
// a number out of range, with a message naming the option and the value.

const OPTION_NAMES = new Set([
  "maxMemory",
  "softMemoryLimit",
  "timeout",
  "cpuTime",
  "onConsole",
  "maxResultBytes",
  "codeCache",
  "loadModule",
  "snapshot",
]);
const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export { checkTimeout, describe };

/** Validates a `cpuTime`. @internal */
export function checkCpuTime(value: unknown): number {
  return checkTimeout(value, "cpuTime");
}

/**
 * A call's limits as the addon takes them: the time limit alone (the
 * common case, a plain number) or [timeout, cpuTime]. @internal
 */
export type CallLimits = number | [number, number];

/** The addon's form of a time limit and a CPU-time limit (0: none). @internal */
export function limitsOf(timeout: number, cpuTime: number): CallLimits {
  return cpuTime === 0 ? timeout : [timeout, cpuTime];
}

/**
 * A MiniRacer's code cache settings: `dir`, the directory that persists it,
 * if any; `fromSnapshot`, whether its sandbox started from a snapshot made
 * in the process rather than Node's (V8 refuses a cache made under the
 * other kind, so each kind has its own entries). @internal
 */
export interface CodeCacheSettings {
  dir: string | undefined;
  fromSnapshot: boolean;
}

/** What the addon's Sandbox constructor and the MiniRacer take from {@link MiniRacerOptions}. @internal */
export interface SandboxSettings {
  /** Bytes; 0: the default. */
  maxMemory: number;
  /** Bytes; 0: none. */
  softMemory: number;
  /** Bytes; 0: maxMemory. */
  maxResultBytes: number;
  /** Milliseconds; 0: no limit. */
  timeout: number;
  /** CPU milliseconds; 0: no limit. */
  cpuTime: number;
  onConsole: ConsoleHandler | undefined;
  /** undefined: no code cache for this MiniRacer. */
  codeCache: CodeCacheSettings | undefined;
  loadModule: ModuleLoader | undefined;
  /** The snapshot to start from, if any. */
  snapshot: NativeSnapshot | undefined;
}

/** Checks the constructor's options. @internal */
export function checkMiniRacerOptions(options: MiniRacerOptions): SandboxSettings {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.has(key)) throw new TypeError(`unknown option ${JSON.stringify(key)}`);
  }
  const requested = options.maxMemory === undefined ? 0 : checkBytes("maxMemory", options.maxMemory, MIN_MAX_MEMORY);
  const snapshot = checkSnapshotOption(options.snapshot, requested);
  const maxMemory = snapshot?.maxMemory ?? requested;
  const softMemory =
    options.softMemoryLimit === undefined ? 0 : checkBytes("softMemoryLimit", options.softMemoryLimit, 1);
  const timeout = options.timeout === undefined ? 0 : checkTimeout(options.timeout);
  const cpuTime = options.cpuTime === undefined ? 0 : checkCpuTime(options.cpuTime);
  const onConsole = checkConsole(options.onConsole);
  const maxResultBytes =
    options.maxResultBytes === undefined ? 0 : checkBytes("maxResultBytes", options.maxResultBytes, 1024);
  const codeCache = checkCodeCache(options.codeCache);
  const loadModule = options.loadModule;
  if (loadModule !== undefined && typeof loadModule !== "function") {
    throw new TypeError(`loadModule must be a function, got ${describe(loadModule)}`);
  }
  return { maxMemory, softMemory, maxResultBytes, timeout, cpuTime, onConsole, codeCache, loadModule, snapshot };
}



/** @internal */
export function checkCode(code: unknown): asserts code is string {
  if (typeof code !== "string") {
    throw new TypeError(`code must be a string, got ${describe(code)}`);
  }
}

/** The name of a global function to call. @internal */
export function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  }
}

/** Where expose() puts a host function: a dotted path of identifiers. @internal */
export function checkPath(name: unknown): asserts name is string {
  if (typeof name !== "string" || !PATH.test(name)) {
    throw new TypeError(`name must be a dotted path of identifiers, got ${describe(name)}`);
  }
}

/**
 * A call's limits: its own `timeout` and `cpuTime`, else the MiniRacer's
 * (`defaults`, as limitsOf made them). @internal
 */
export function callLimits(options: CallOptions | undefined, defaults: CallLimits): CallLimits {
  if (options === undefined) return defaults;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const { timeout, cpuTime } = options;
  if (timeout === undefined && cpuTime === undefined) return defaults;
  const [defaultTimeout, defaultCpu] = typeof defaults === "number" ? [defaults, 0] : defaults;
  return limitsOf(
    timeout === undefined ? defaultTimeout : checkTimeout(timeout),
    cpuTime === undefined ? defaultCpu : checkCpuTime(cpuTime),
  );
}

/** What {@link MiniRacer.lastCall} reports: what one call took. */
export interface CallReport {
  /** Wall-clock time from the call's start to its end, waits included (for an async call, from when it started running). */
  wallMs: number;
  /**
   * CPU time of the call's JavaScript on its thread, host functions
   * excluded. Read from the thread's CPU clock when `cpuMeasured`: async
   * calls, and calls with a `cpuTime` limit. Otherwise (a synchronous call
   * without one, where the clock's system call would cost as much as a
   * small call) it is the time the call ran, host functions and waiting
   * for the isolate taken out: a synchronous call never waits for anything
   * else, so the two differ only when the OS takes the core away.
   */
  cpuMs: number;
  /** Whether `cpuMs` was read from the thread's CPU clock. */
  cpuMeasured: boolean;
  /** The sandbox's used heap when the call ended, in bytes. */
  heapUsed: number;
  /** Host-function and console calls the sandbox made during the call. */
  hostCalls: number;
  /** Wall-clock time spent inside them. */
  hostMs: number;
  /**
   * Wall-clock time the call spent paused for V8's garbage collection
   * (part of `wallMs`). A pause cannot be interrupted, so a call that grows
   * a large heap can end past its deadline by one: this says how much.
   */
  gcMs: number;
}

/** What {@link MiniRacer.usage} reports: every call that has ended, summed. */
export interface Usage {
  /** Calls that have ended (sync, and async once settled). */
  calls: number;
  /** Sum of their {@link CallReport.wallMs}. */
  wallMs: number;
  /** Sum of their {@link CallReport.cpuMs}. */
  cpuMs: number;
  /** Sum of their {@link CallReport.hostCalls}. */
  hostCalls: number;
  /** Sum of their {@link CallReport.hostMs}. */
  hostMs: number;
  /** Sum of their {@link CallReport.gcMs}. */
  gcMs: number;
}

/**
 * Limits {@link MiniRacer.setLimits} changes. An omitted one stays as it
 * is; `null` removes `softMemoryLimit`, `timeout` or `cpuTime`.
 */
export interface LimitChanges {
  /**
   * The memory cap, in bytes: at least 8 MiB and at most the cap the
   * MiniRacer was created with (its V8 heap was sized for that). Lowered
   * under what is live, the next call fails with {@link JSOOMError} until
   * it is raised again.
   */
  maxMemory?: number;
  /** See {@link MiniRacerOptions.softMemoryLimit}. */
  softMemoryLimit?: number | null;
  /** The default time limit of later calls. */
  timeout?: number | null;
  /** The default CPU-time limit of later calls. */
  cpuTime?: number | null;
}

/** Options of {@link MiniRacer.heapSnapshot}. */
export interface HeapSnapshotOptions {
  /**
   * Largest snapshot to return, in bytes (default 64 MiB; at most 512 MiB,
   * V8's longest string). A heap with more objects than it allows, at
   * ~100 bytes of JSON each, is refused before the snapshot is built.
   */
  maxBytes?: number;
  /** Wall-clock limit in ms for taking it (and for waiting for a running async call). Default: none. */
  timeout?: number;
}

const SNAPSHOT_DEFAULT_BYTES = 64 * 1024 * 1024;
const SNAPSHOT_MAX_BYTES = 2 ** 29 - 24;

/** Checks heapSnapshot's options: [maxBytes, timeout]. @internal */
export function checkSnapshotOptions(options: HeapSnapshotOptions | undefined): [number, number] {
  if (options === undefined) return [SNAPSHOT_DEFAULT_BYTES, 0];
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "maxBytes" && key !== "timeout") throw new TypeError(`unknown option ${JSON.stringify(key)}`);
  }
  const maxBytes =
    options.maxBytes === undefined ? SNAPSHOT_DEFAULT_BYTES : checkBytes("maxBytes", options.maxBytes, 1);
  if (maxBytes > SNAPSHOT_MAX_BYTES) {
    throw new RangeError(`maxBytes must be at most ${SNAPSHOT_MAX_BYTES} (V8's longest string), got ${maxBytes}`);
  }
  return [maxBytes, options.timeout === undefined ? 0 : checkTimeout(options.timeout)];
}

/** The checked form of {@link LimitChanges} (undefined: unchanged; 0: none). @internal */
export interface CheckedLimitChanges {
  maxMemory?: number;
  softMemory?: number;
  timeout?: number;
  cpuTime?: number;
}

/** Checks setLimits' argument as the constructor checks its options. @internal */
export function checkLimitChanges(changes: LimitChanges): CheckedLimitChanges {
  if (typeof changes !== "object" || changes === null) {
    throw new TypeError(`limits must be an object, got ${describe(changes)}`);
  }
  const known = ["maxMemory", "softMemoryLimit", "timeout", "cpuTime"];
  for (const key of Object.keys(changes)) {
    if (!known.includes(key)) throw new TypeError(`unknown limit ${JSON.stringify(key)}`);
  }
  const out: CheckedLimitChanges = {};
  if (changes.maxMemory !== undefined) out.maxMemory = checkBytes("maxMemory", changes.maxMemory, MIN_MAX_MEMORY);
  const { softMemoryLimit, timeout, cpuTime } = changes;
  if (softMemoryLimit !== undefined) {
    out.softMemory = softMemoryLimit === null ? 0 : checkBytes("softMemoryLimit", softMemoryLimit, 1);
  }
  if (timeout !== undefined) out.timeout = timeout === null ? 0 : checkTimeout(timeout);
  if (cpuTime !== undefined) out.cpuTime = cpuTime === null ? 0 : checkCpuTime(cpuTime);
  return out;
}

/** The addon flags a call's options ask for. @internal */
export function resultFlags(options: CallOptions | undefined): CallFlag {
  return options?.handle === true ? CallFlag.ResultHandles : CallFlag.None;
}

/** @internal */
export function checkConsole(handler: unknown): ConsoleHandler | undefined {
  if (handler === undefined) return undefined;
  if (typeof handler !== "function") throw new TypeError(`onConsole must be a function, got ${describe(handler)}`);
  return handler as ConsoleHandler;
}

/** A module call's name option. @internal */
export function moduleName(options: ModuleCallOptions | undefined): string {
  const name = options?.name;
  if (name === undefined) return "<module>";
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  }
  return name;
}

/** An async call's abort signal, if it has one. @internal */
export function callSignal(options: AsyncCallOptions | undefined): AbortSignalLike | undefined {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  const signal = options?.signal;
  if (signal === undefined) return undefined;
  // Duck-typed: AbortSignals of another realm (a vm context) qualify too.
  if (
    typeof signal !== "object" ||
    signal === null ||
    typeof signal.aborted !== "boolean" ||
    typeof signal.addEventListener !== "function"
  ) {
    throw new TypeError(`signal must be an AbortSignal, got ${describe(signal)}`);
  }
  return signal;
}
