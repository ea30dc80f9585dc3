import { AbortError, ContextClosedError } from "./errors";
import { binding, type NativeSandbox } from "./native";
import { fromWire, toWire } from "./values";
import type { WireValue } from "./native";

/** Options for {@link MiniRacer}'s constructor. */
export interface MiniRacerOptions {
  /**
   * Hard cap, in bytes, on everything the sandbox allocates: its V8 heap and
   * its off-heap buffers (ArrayBuffers) together. At least 8 MiB; default
   * 128 MiB. Reaching it ends the call with {@link JSOOMError}.
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
}

/** Options of a single call. */
export interface CallOptions {
  /** Wall-clock limit of this call in ms; overrides the MiniRacer's default. */
  timeout?: number;
}

/** Options of a single asynchronous call. */
export interface AsyncCallOptions extends CallOptions {
  /**
   * Aborting it ends the call: a queued call never runs, a running script is
   * terminated, and the promise rejects with {@link AbortError} (its `cause`
   * is the signal's reason). The MiniRacer stays usable.
   */
  signal?: AbortSignal;
}

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

const MIN_MAX_MEMORY = 8 * 1024 * 1024;
const OPTION_NAMES = new Set(["maxMemory", "softMemoryLimit", "timeout"]);

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function checkBytes(name: string, value: unknown, min: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number of bytes, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(Math.floor(value)) || value < min) {
    throw new RangeError(`${name} must be a finite number of bytes of at least ${min}, got ${describe(value)}`);
  }
  return Math.floor(value);
}

/** Validates a timeout; 0 means "no limit" to the binding. */
function checkTimeout(value: unknown): number {
  if (typeof value !== "number") {
    throw new TypeError(`timeout must be a number of milliseconds, got ${describe(value)}`);
  }
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`timeout must be a positive finite number of milliseconds, got ${describe(value)}`);
  }
  return value;
}

function checkCode(code: unknown): asserts code is string {
  if (typeof code !== "string") {
    throw new TypeError(`code must be a string, got ${describe(code)}`);
  }
}

function callTimeout(options: CallOptions | undefined, fallback: number): number {
  if (options === undefined) return fallback;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  return options.timeout === undefined ? fallback : checkTimeout(options.timeout);
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  }
}

function callSignal(options: AsyncCallOptions | undefined): AbortSignal | undefined {
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

/** An async call in flight. */
interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Keeps the MiniRacer (and so its sandbox) alive while the call runs. */
  owner: MiniRacer;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * The async calls of one sandbox that have not settled. The binding reports
 * every outcome to `complete`; it holds no reference to the MiniRacer itself,
 * so an idle MiniRacer can still be garbage-collected.
 */
class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();

  readonly complete = (id: number, ok: boolean, value: unknown): void => {
    const call = this.take(id);
    if (call === undefined) return; // aborted or closed already
    if (!ok) {
      call.reject(value);
      return;
    }
    let result: unknown;
    try {
      result = fromWire(value as WireValue);
    } catch (error) {
      call.reject(error);
      return;
    }
    call.resolve(result);
  };

  add(id: number, call: PendingCall): void {
    this.#calls.set(id, call);
  }

  take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (call === undefined) return undefined;
    this.#calls.delete(id);
    if (call.onAbort !== undefined) call.signal?.removeEventListener("abort", call.onAbort);
    return call;
  }

  rejectAll(error: () => Error): void {
    for (const id of [...this.#calls.keys()]) this.take(id)?.reject(error());
  }

  get size(): number {
    return this.#calls.size;
  }
}

// Frees the isolate of a MiniRacer that was garbage-collected unclosed.
const unclosed = new FinalizationRegistry<NativeSandbox>((sandbox) => {
  sandbox.close();
});

/**
 * A sandbox: a separate V8 isolate with one global context, a memory cap and
 * per-call time limits. State (globals, functions) persists across calls.
 * Synchronous calls run on the calling thread; async calls
 * (`evalAsync`, `callAsync`) run on a thread the sandbox owns and never block
 * Node's event loop.
 *
 * @example
 * ```ts
 * const mr = new MiniRacer({ maxMemory: 64 * 1024 * 1024, timeout: 1000 });
 * mr.eval("1 + 1"); // 2
 * mr.execute("function add(a, b) { return a + b }");
 * mr.call("add", 1, 2); // 3
 * mr.close();
 * ```
 */
export class MiniRacer {
  /** Version of the V8 engine that runs the sandboxes. */
  static readonly v8Version: string = binding.v8Version;

  #sandbox: NativeSandbox | null;
  readonly #timeout: number;
  #pending: PendingCalls | null = null;

  /**
   * Creates a sandbox. Throws `TypeError` / `RangeError` for bad options.
   */
  constructor(options: MiniRacerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`options must be an object, got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_NAMES.has(key)) throw new TypeError(`unknown option ${JSON.stringify(key)}`);
    }
    const maxMemory =
      options.maxMemory === undefined ? 0 : checkBytes("maxMemory", options.maxMemory, MIN_MAX_MEMORY);
    const softMemory =
      options.softMemoryLimit === undefined ? 0 : checkBytes("softMemoryLimit", options.softMemoryLimit, 1);
    this.#timeout = options.timeout === undefined ? 0 : checkTimeout(options.timeout);
    this.#sandbox = new binding.Sandbox(maxMemory, softMemory);
    unclosed.register(this, this.#sandbox, this);
  }

  #open(): NativeSandbox {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new ContextClosedError();
    return sandbox;
  }

  /**
   * Evaluates code as a script and returns the value of its last expression,
   * copied to the host.
   *
   * @throws {JSEvalError} the script threw; {@link JSParseError} if it did not compile.
   * @throws {JSTimeoutError} the time limit passed.
   * @throws {JSOOMError} the memory cap was reached.
   * @throws {ValueTransferError} the result cannot be copied (a function, a symbol).
   * @throws {ContextClosedError} after `close()`.
   */
  eval<T = unknown>(code: string, options?: CallOptions): T {
    const sandbox = this.#open();
    checkCode(code);
    return fromWire(sandbox.eval(code, callTimeout(options, this.#timeout))) as T;
  }

  /**
   * Runs code for its effects (declarations, statements) and discards its
   * completion value, which therefore never needs to be copied.
   */
  execute(code: string, options?: CallOptions): void {
    const sandbox = this.#open();
    checkCode(code);
    sandbox.eval(code, callTimeout(options, this.#timeout), true);
  }

  /**
   * Calls the global function at `name`, a dotted path such as `"math.add"`
   * (`this` is the object holding it), with copies of `args`.
   */
  call<T = unknown>(name: string, ...args: unknown[]): T {
    return this.apply<T>(name, args);
  }

  /** Like {@link MiniRacer.call}, with the arguments as an array and call options. */
  apply<T = unknown>(name: string, args: readonly unknown[] = [], options?: CallOptions): T {
    const sandbox = this.#open();
    checkName(name);
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
    const timeout = callTimeout(options, this.#timeout);
    const wire = new Array(args.length);
    for (let i = 0; i < args.length; i++) wire[i] = toWire(args[i]);
    return fromWire(sandbox.call(name, wire, timeout)) as T;
  }

  /**
   * Evaluates code on the sandbox's own thread, without blocking Node's event
   * loop, and resolves to the value of its last expression. When that value
   * is a promise, resolves to what it settles to, running the sandbox's
   * timers (`setTimeout`, `setInterval`) meanwhile; the time limit covers
   * the wait. Async calls on one MiniRacer run one at a time, in the order
   * they were made; the limit counts from when a call starts running.
   *
   * Rejects with the errors {@link MiniRacer.eval} throws, with
   * {@link JSPromiseError} when the promise rejects, with
   * {@link AbortError} when `signal` aborts, and with
   * {@link ContextClosedError} when the MiniRacer is closed first.
   *
   * @example
   * ```ts
   * await mr.evalAsync("new Promise(r => setTimeout(() => r(42), 10))"); // 42
   * ```
   */
  evalAsync<T = unknown>(code: string, options?: AsyncCallOptions): Promise<T> {
    try {
      const sandbox = this.#open();
      checkCode(code);
      const timeout = callTimeout(options, this.#timeout);
      return this.#track(sandbox, callSignal(options), () => sandbox.evalAsync(code, timeout)) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Like {@link MiniRacer.evalAsync}, for effects: waits as evalAsync does
   * (a promise completion value included) and resolves to `undefined`
   * without copying the value.
   */
  executeAsync(code: string, options?: AsyncCallOptions): Promise<void> {
    try {
      const sandbox = this.#open();
      checkCode(code);
      const timeout = callTimeout(options, this.#timeout);
      return this.#track(sandbox, callSignal(options), () => sandbox.evalAsync(code, timeout, true)) as Promise<void>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Calls the global function at `name` on the sandbox's thread, as
   * {@link MiniRacer.call} does, and resolves as {@link MiniRacer.evalAsync} does
   * (an async function's promise is waited for).
   */
  callAsync<T = unknown>(name: string, ...args: unknown[]): Promise<T> {
    return this.applyAsync<T>(name, args);
  }

  /** Like {@link MiniRacer.callAsync}, with the arguments as an array and call options. */
  applyAsync<T = unknown>(name: string, args: readonly unknown[] = [], options?: AsyncCallOptions): Promise<T> {
    try {
      const sandbox = this.#open();
      checkName(name);
      if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
      const timeout = callTimeout(options, this.#timeout);
      const signal = callSignal(options);
      const wire = new Array<WireValue>(args.length);
      for (let i = 0; i < args.length; i++) wire[i] = toWire(args[i]);
      return this.#track(sandbox, signal, () => sandbox.callAsync(name, wire, timeout)) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Number of async calls that have not settled yet (queued or running). */
  get pendingCalls(): number {
    return this.#pending?.size ?? 0;
  }

  #track(sandbox: NativeSandbox, signal: AbortSignal | undefined, start: () => number): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    let pending = this.#pending;
    if (pending === null) {
      pending = new PendingCalls();
      sandbox.startAsync(pending.complete);
      this.#pending = pending;
    }
    const calls = pending;
    const id = start();
    return new Promise((resolve, reject) => {
      const call: PendingCall = { resolve, reject, owner: this, signal, onAbort: undefined };
      if (signal !== undefined) {
        call.onAbort = () => {
          if (calls.take(id) === undefined) return;
          sandbox.cancelCall(id);
          reject(new AbortError(signal.reason));
        };
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      calls.add(id, call);
    });
  }

  /** Memory figures of the sandbox. */
  heapStats(): HeapStats {
    return this.#open().heapStats();
  }

  /** Asks the sandbox to collect all the garbage it can, now. */
  lowMemoryNotification(): void {
    this.#open().lowMemoryNotification();
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#sandbox === null;
  }

  /**
   * Frees the isolate and everything in it. Idempotent: closing a closed
   * MiniRacer does nothing. Any other use afterwards throws {@link ContextClosedError}.
   */
  close(): void {
    const sandbox = this.#sandbox;
    if (sandbox === null) return;
    this.#sandbox = null;
    unclosed.unregister(this);
    this.#pending?.rejectAll(() => new ContextClosedError("the MiniRacer was closed before the call finished"));
    sandbox.close();
  }

  /** `using mr = new MiniRacer()` closes it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }
}
