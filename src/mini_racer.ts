import { rethrowWithCallerStack } from "./call_site";
import { AbortError, ContextClosedError, JSEvalError } from "./errors";
import { handleToWire, HandleOp, type HandleOwner, type HandleType, makeHandle } from "./handles";
import { binding, type HostReply, type NativeSandbox, type WireValue } from "./native";
import { fromWire, toWire } from "./values";

/** The levels of `console` output from the sandbox. */
export type ConsoleLevel = "log" | "info" | "warn" | "error" | "debug";

/**
 * Receives the sandbox's `console.log/info/warn/error/debug` output: the
 * level and copies of the logged values (what cannot be copied, such as a
 * function, arrives as its string rendering).
 */
export type ConsoleHandler = (level: ConsoleLevel, args: unknown[]) => void;

/** A host function made callable from the sandbox with {@link MiniRacer.expose}. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HostFunction = (...args: any[]) => unknown;

const FLAG_DISCARD_RESULT = 1;
const FLAG_RESULT_HANDLES = 2;

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
}

/** Options of a single call. */
export interface CallOptions {
  /** Wall-clock limit of this call in ms; overrides the MiniRacer's default. */
  timeout?: number;
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
const MAX_BYTES = 2 ** 50;
const OPTION_NAMES = new Set(["maxMemory", "softMemoryLimit", "timeout", "onConsole", "maxResultBytes"]);
const PATH = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (Object.is(value, -0)) return "-0";
  if (value === null || typeof value !== "object") return String(value);
  return Array.isArray(value) ? "an array" : "an object";
}

function checkBytes(name: string, value: unknown, min: number): number {
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

function resultFlags(options: CallOptions | undefined): number {
  return options?.handle === true ? FLAG_RESULT_HANDLES : 0;
}

function checkConsole(handler: unknown): ConsoleHandler | undefined {
  if (handler === undefined) return undefined;
  if (typeof handler !== "function") throw new TypeError(`onConsole must be a function, got ${describe(handler)}`);
  return handler as ConsoleHandler;
}

/** [name, message] of a host error, for the sandbox (never its stack or the object). */
function errorParts(error: unknown): [string, string] {
  try {
    // A sandbox error on its way back through a host function goes on as
    // what it was in the sandbox.
    if (error instanceof JSEvalError) return [error.jsName || "Error", error.jsMessage];
    if (error instanceof Error) return [String(error.name), String(error.message)];
    return ["Error", String(error)];
  } catch {
    return ["Error", "the host function threw"];
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new TypeError(`name must be a non-empty string, got ${describe(name)}`);
  }
}

function callSignal(options: AsyncCallOptions | undefined): AbortSignal | undefined {
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

/** An async call in flight. */
interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Turns the binding's result into the host value. */
  decode: (value: WireValue) => unknown;
  onConsole: ConsoleHandler | undefined;
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
  // Calls rejected (aborted) while their script may still be unwinding on
  // the sandbox's thread: nothing of theirs may reach the host any more.
  readonly #abandoned = new Set<number>();
  // Calls running nested in another (made from its host functions), by id:
  // the call they run in. Aborting that one abandons them too.
  readonly #outer = new Map<number, number>();

  readonly complete = (id: number, ok: boolean, value: unknown): void => {
    const call = this.take(id);
    this.#outer.delete(id);
    if (call === undefined) {
      this.#abandoned.delete(id); // aborted or closed already: now it is over
      return;
    }
    if (!ok) {
      call.reject(value);
      return;
    }
    let result: unknown;
    try {
      result = call.decode(value as WireValue);
    } catch (error) {
      call.reject(error);
      return;
    }
    call.resolve(result);
  };

  add(id: number, call: PendingCall): void {
    this.#calls.set(id, call);
  }

  get(id: number): PendingCall | undefined {
    return this.#calls.get(id);
  }

  take(id: number): PendingCall | undefined {
    const call = this.#calls.get(id);
    if (call === undefined) return undefined;
    this.#calls.delete(id);
    if (call.onAbort !== undefined) call.signal?.removeEventListener("abort", call.onAbort);
    return call;
  }

  /** Takes the call out before the sandbox has ended it; see isAbandoned. */
  abandon(id: number): PendingCall | undefined {
    const call = this.take(id);
    if (call !== undefined) this.#abandoned.add(id);
    return call;
  }

  /** Records that call `id` runs nested in call `outer`. */
  nest(id: number, outer: number): void {
    this.#outer.set(id, outer);
  }

  /** Whether `id`, or a call it runs nested in, was rejected early and has not ended yet. */
  isAbandoned(id: number): boolean {
    if (this.#abandoned.size === 0) return false;
    for (let call: number | undefined = id; call !== undefined; call = this.#outer.get(call)) {
      if (this.#abandoned.has(call)) return true;
    }
    return false;
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
  #onConsole: ConsoleHandler | undefined;
  // Console handlers of the synchronous calls running now, innermost last.
  readonly #syncConsole: Array<ConsoleHandler | undefined> = [];
  readonly #hostFunctions: HostFunction[] = [];
  #hostInstalled = false;
  #consoleEnabled = false;
  #nextPromiseId = 1;
  // The async call whose host function is running right now (0: none). A
  // call made from there may be what that function's promise waits for; it
  // runs nested in that call instead of queueing behind it forever.
  #hostFunctionOf = 0;
  // What handles see of this MiniRacer (see handles.ts).
  readonly #owner: HandleOwner;
  // Held strongly here, weakly by the binding: see setHost.
  readonly #dispatch = (callId: number, functionId: number, ...args: WireValue[]): HostReply =>
    this.#runHostFunction(callId, functionId, args);

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
    this.#onConsole = checkConsole(options.onConsole);
    const maxResult =
      options.maxResultBytes === undefined ? 0 : checkBytes("maxResultBytes", options.maxResultBytes, 1024);
    this.#sandbox = new binding.Sandbox(maxMemory, softMemory, maxResult);
    unclosed.register(this, this.#sandbox, this);
    const self = this;
    this.#owner = {
      get closed() {
        return self.#sandbox === null;
      },
      op: (op, id, args, timeout, handles) => {
        const sandbox = this.#open();
        const limit = timeout === undefined ? this.#timeout : checkTimeout(timeout);
        return this.#fromWire(sandbox.handleOp(op, id, args, limit, handles ? FLAG_RESULT_HANDLES : 0));
      },
      toWire: (value) => this.#toWire(value),
      invoke: (id, thisArg, args, options) => this.#invoke(id, thisArg, args, options as CallOptions | undefined),
      call: (id, args) => this.#callHandle(id, args),
      invokeAsync: (id, thisArg, args, options) =>
        this.#invokeAsync(id, thisArg, args, options as AsyncCallOptions | undefined),
      release: (id) => this.#sandbox?.releaseHandle(id),
    };
    if (this.#onConsole !== undefined) this.#enableConsole(this.#sandbox);
  }

  #open(): NativeSandbox {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new ContextClosedError();
    return sandbox;
  }

  /** Host value -> wire, handles of this MiniRacer included. */
  #toWire(value: unknown): WireValue {
    if (typeof value !== "object" && typeof value !== "function") return toWire(value);
    if (value !== null) {
      // Handles have prototypes of their own: plain data skips the lookup.
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Object.prototype || proto === Array.prototype) return toWire(value);
      const handle = handleToWire(this.#owner, value);
      if (handle !== undefined) return handle;
    }
    return toWire(value);
  }

  /** Wire -> host value, wrapping handles. */
  #fromWire(value: WireValue): unknown {
    if (Array.isArray(value)) return makeHandle(this.#owner, value[0] as HandleType, value[1]);
    return fromWire(value);
  }

  #argsToWire(args: readonly unknown[]): WireValue[] {
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
    const wire = new Array<WireValue>(args.length);
    for (let i = 0; i < args.length; i++) wire[i] = this.#toWire(args[i]);
    return wire;
  }

  /** Runs a synchronous call with its console handler in place. */
  #sync<T>(options: CallOptions | undefined, run: () => WireValue): T {
    const onConsole = checkConsole(options?.onConsole);
    if (onConsole === undefined && this.#syncConsole.length === 0 && this.#onConsole === undefined) {
      return this.#fromWire(run()) as T; // the common case: no console wiring at all
    }
    if (onConsole !== undefined) this.#enableConsole(this.#open());
    this.#syncConsole.push(onConsole ?? this.#onConsole);
    try {
      return this.#fromWire(run()) as T;
    } finally {
      this.#syncConsole.pop();
    }
  }

  /**
   * Evaluates code as a script and returns the value of its last expression,
   * copied to the host (functions and symbols come back as handles; with
   * `{ handle: true }` any object does).
   *
   * @throws {JSEvalError} the script threw; {@link JSParseError} if it did not compile.
   * @throws {JSTimeoutError} the time limit passed.
   * @throws {JSOOMError} the memory cap was reached.
   * @throws {ValueTransferError} the result cannot be copied (e.g. an object holding a function).
   * @throws {ContextClosedError} after `close()`.
   */
  eval<T = unknown>(code: string, options?: CallOptions): T {
    const sandbox = this.#open();
    checkCode(code);
    const timeout = callTimeout(options, this.#timeout);
    const flags = resultFlags(options);
    return this.#sync<T>(options, () => sandbox.eval(code, timeout, flags));
  }

  /**
   * Runs code for its effects (declarations, statements) and discards its
   * completion value, which therefore never needs to be copied.
   */
  execute(code: string, options?: CallOptions): void {
    const sandbox = this.#open();
    checkCode(code);
    const timeout = callTimeout(options, this.#timeout);
    this.#sync(options, () => sandbox.eval(code, timeout, FLAG_DISCARD_RESULT));
  }

  /**
   * Calls the global function at `name`, a dotted path such as `"math.add"`
   * (`this` is the object holding it), with copies of `args` (handles arrive
   * as themselves).
   */
  call<T = unknown>(name: string, ...args: unknown[]): T {
    return this.apply<T>(name, args);
  }

  /** Like {@link MiniRacer.call}, with the arguments as an array and call options. */
  apply<T = unknown>(name: string, args: readonly unknown[] = [], options?: CallOptions): T {
    const sandbox = this.#open();
    checkName(name);
    const timeout = callTimeout(options, this.#timeout);
    const wire = this.#argsToWire(args);
    return this.#sync<T>(options, () => sandbox.call(name, wire, timeout, resultFlags(options)));
  }

  #callHandle(id: number, args: unknown[]): unknown {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new ContextClosedError();
    // The rest array is ours: convert in place and pass it on as is.
    for (let i = 0; i < args.length; i++) args[i] = this.#toWire(args[i]);
    const wire = args as WireValue[];
    if (this.#syncConsole.length === 0 && this.#onConsole === undefined) {
      const result = sandbox.callHandle(id, this.#timeout, 0, undefined, ...wire);
      return typeof result === "object" && result !== null ? this.#fromWire(result) : result;
    }
    return this.#sync(undefined, () => sandbox.callHandle(id, this.#timeout, 0, undefined, ...wire));
  }

  #invoke(id: number, thisArg: unknown, args: readonly unknown[], options: CallOptions | undefined): unknown {
    const sandbox = this.#open();
    const timeout = callTimeout(options, this.#timeout);
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
    const wire = new Array<WireValue>(args.length + 1);
    wire[0] = thisArg === undefined ? undefined : this.#toWire(thisArg);
    for (let i = 0; i < args.length; i++) wire[i + 1] = this.#toWire(args[i]);
    const flags = resultFlags(options);
    if (options === undefined && this.#syncConsole.length === 0 && this.#onConsole === undefined) {
      return this.#fromWire(sandbox.handleOp(HandleOp.Call, id, wire, timeout, flags)); // the hot path
    }
    return this.#sync(options, () => sandbox.handleOp(HandleOp.Call, id, wire, timeout, flags));
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
      const flags = resultFlags(options);
      return this.#track(sandbox, options, () => sandbox.evalAsync(code, timeout, flags)) as Promise<T>;
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
      return this.#track(sandbox, options, () =>
        sandbox.evalAsync(code, timeout, FLAG_DISCARD_RESULT),
      ) as Promise<void>;
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
      const timeout = callTimeout(options, this.#timeout);
      const wire = this.#argsToWire(args);
      return this.#track(sandbox, options, () =>
        sandbox.callAsync(name, wire, timeout, resultFlags(options)),
      ) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #invokeAsync(
    id: number,
    thisArg: unknown,
    args: readonly unknown[],
    options: AsyncCallOptions | undefined,
  ): Promise<unknown> {
    try {
      const sandbox = this.#open();
      const timeout = callTimeout(options, this.#timeout);
      const wire = [this.#toWire(thisArg), ...this.#argsToWire(args)];
      return this.#track(sandbox, options, () => sandbox.handleCallAsync(id, wire, timeout, resultFlags(options)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Number of async calls that have not settled yet (queued or running). */
  get pendingCalls(): number {
    return this.#pending?.size ?? 0;
  }

  #track(sandbox: NativeSandbox, options: AsyncCallOptions | undefined, start: () => number): Promise<unknown> {
    const signal = callSignal(options);
    const onConsole = checkConsole(options?.onConsole);
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (onConsole !== undefined) this.#enableConsole(sandbox);
    let pending = this.#pending;
    if (pending === null) {
      pending = new PendingCalls();
      sandbox.startAsync(pending.complete);
      this.#pending = pending;
    }
    const calls = pending;
    const id = start();
    if (this.#hostFunctionOf !== 0) {
      sandbox.nestCall(id, this.#hostFunctionOf);
      calls.nest(id, this.#hostFunctionOf);
    }
    const settled = new Promise((resolve, reject) => {
      const call: PendingCall = {
        resolve,
        reject,
        decode: (value) => this.#fromWire(value),
        onConsole: onConsole ?? this.#onConsole,
        owner: this,
        signal,
        onAbort: undefined,
      };
      if (signal !== undefined) {
        call.onAbort = () => {
          if (calls.abandon(id) === undefined) return;
          sandbox.cancelCall(id);
          reject(new AbortError(signal.reason));
        };
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      calls.add(id, call);
    });
    // The error is made on the event loop: its stack names the awaiting caller.
    return settled.then(undefined, rethrowWithCallerStack);
  }

  /**
   * Makes a host function callable from the sandbox as the global at `name`,
   * a dotted path (`"lookup"`, `"db.get"`; missing objects on the way are
   * created). Arguments arrive as copies (functions and symbols as handles)
   * and the return value is copied back. A host function that returns a
   * promise returns a promise in the sandbox, which async calls wait for. A
   * host function that throws throws a new `Error` in the sandbox with the
   * same name and message, nothing more of the host. Time spent in host
   * functions counts against the call's limit.
   *
   * @example
   * ```ts
   * mr.expose("db.get", (key: string) => store.get(key));
   * mr.eval("db.get('answer') + 1");
   * ```
   */
  expose(name: string, fn: HostFunction): void {
    const sandbox = this.#open();
    if (typeof name !== "string" || !PATH.test(name)) {
      throw new TypeError(`name must be a dotted path of identifiers, got ${describe(name)}`);
    }
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${describe(fn)}`);
    this.#installHost(sandbox);
    this.#hostFunctions.push(fn);
    sandbox.expose(name, this.#hostFunctions.length);
  }

  /** Live handles of this MiniRacer: neither released nor garbage-collected. */
  handleCount(): number {
    return this.#open().handleCount();
  }

  #installHost(sandbox: NativeSandbox): void {
    if (this.#hostInstalled) return;
    sandbox.setHost(this.#dispatch);
    this.#hostInstalled = true;
  }

  #enableConsole(sandbox: NativeSandbox): void {
    if (this.#consoleEnabled) return;
    this.#installHost(sandbox);
    sandbox.setConsole(true);
    this.#consoleEnabled = true;
  }

  /**
   * Runs host function `functionId` (0: the console) for the sandbox.
   * Returns the result's wire value or {promise: id}; throws only
   * {name, message} plain data, never a host object.
   */
  #runHostFunction(callId: number, functionId: number, args: WireValue[]): HostReply {
    // An aborted call's script may reach a host function (or the console)
    // before its termination takes effect: after the AbortError, nothing of
    // that call runs on the host.
    if (this.#pending?.isAbandoned(callId)) {
      if (functionId === 0) return undefined;
      throw { name: "AbortError", message: "the call was aborted" };
    }
    if (functionId === 0) {
      this.#deliverConsole(callId, args);
      return undefined;
    }
    const fn = this.#hostFunctions[functionId - 1];
    if (fn === undefined) throw { name: "TypeError", message: "no such host function" };
    let result: unknown;
    const outer = this.#hostFunctionOf;
    try {
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (typeof arg === "object" && arg !== null) args[i] = this.#fromWire(arg) as WireValue;
      }
      if (this.#pending?.get(callId) !== undefined) this.#hostFunctionOf = callId;
      result = fn(...args);
    } catch (error) {
      const [name, message] = errorParts(error);
      throw { name, message };
    } finally {
      this.#hostFunctionOf = outer;
    }
    if (isThenable(result)) {
      const promiseId = this.#nextPromiseId++;
      const settle = (ok: boolean, value: WireValue | [string, string]): void => {
        this.#sandbox?.settleHostPromise(promiseId, ok, value);
      };
      Promise.resolve(result).then(
        (value) => {
          let wire: WireValue;
          try {
            wire = this.#toWire(value);
          } catch (error) {
            settle(false, errorParts(error));
            return;
          }
          settle(true, wire);
        },
        (error: unknown) => settle(false, errorParts(error)),
      );
      return { promise: promiseId };
    }
    try {
      return this.#toWire(result);
    } catch (error) {
      const [name, message] = errorParts(error);
      throw { name, message };
    }
  }

  #deliverConsole(callId: number, args: WireValue[]): void {
    const handler =
      this.#pending?.get(callId)?.onConsole ??
      (this.#syncConsole.length > 0 ? this.#syncConsole[this.#syncConsole.length - 1] : this.#onConsole);
    if (handler === undefined) return;
    let level: ConsoleLevel;
    let values: unknown[];
    try {
      level = String(args[0]) as ConsoleLevel;
      values = args.slice(1).map((arg) => this.#fromWire(arg));
    } catch {
      return;
    }
    try {
      handler(level, values);
    } catch {
      // A failing handler must not fail the sandbox's call.
    }
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
   * Frees the isolate and everything in it (handles included). Idempotent:
   * closing a closed MiniRacer does nothing. Any other use afterwards throws
   * {@link ContextClosedError}; pending async calls reject with it.
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

// Host code handed a MiniRacer must not be able to change what every other
// MiniRacer does (overwrite `eval` on the shared prototype).
Object.freeze(MiniRacer.prototype);
Object.freeze(MiniRacer);
