/**
 * The public MiniRacer class: one sandbox and the calls made into it. Each
 * method checks its arguments (options.ts) and hands the work to internal/:
 * the addon (addon.ts), values and handles on the wire (handle_wire.ts),
 * async calls in flight (pending_calls.ts), host functions
 * (host_dispatch.ts) and console output (console_router.ts).
 */
import { AbortError, ContextClosedError } from "./errors";
import { binding, type NativeSandbox, type WireValue } from "./internal/addon";
import { startingSnapshot } from "./internal/base_snapshots";
import { rethrowWithCallerStack } from "./internal/call_site";
import { evalAsyncStart, evalThroughCache, withStartup, type CodeCacheSettings } from "./internal/code_cache";
import { ConsoleRouter } from "./internal/console_router";
import type { HandleOwner } from "./internal/handle_state";
import { argsToWire, valueFromWire, valueToWire } from "./internal/handle_wire";
import { CallReports } from "./internal/call_reports";
import { HostDispatcher } from "./internal/host_dispatch";
import { LimitSettings } from "./internal/limit_settings";
import { ModuleCalls } from "./internal/module_calls";
import { PendingCalls } from "./internal/pending_calls";
import { CallFlag, HandleOp } from "./internal/wire_constants";
import {
  callLimits,
  callSignal,
  checkCode,
  checkConsole,
  checkMiniRacerOptions,
  checkName,
  checkPath,
  checkSnapshotOptions,
  checkTimeout,
  describe,
  resultFlags,
  type AsyncCallOptions,
  type CallOptions,
  type CallReport,
  type HeapSnapshotOptions,
  type HeapStats,
  type HostFunction,
  type LimitChanges,
  type MiniRacerOptions,
  type ModuleAsyncCallOptions,
  type ModuleCallOptions,
  type SandboxSettings,
  type Usage,
} from "./options";

// What MiniRacer.create made in the background, for the constructor to take.
let adopted: { sandbox: NativeSandbox; settings: SandboxSettings; fromSnapshot: boolean } | null = null;

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
  readonly #limits: LimitSettings;
  readonly #reports = new CallReports();
  readonly #codeCache: CodeCacheSettings | undefined;
  readonly #calls = new PendingCalls();
  #asyncStarted = false;
  readonly #console: ConsoleRouter;
  readonly #host: HostDispatcher;
  // What handles see of this MiniRacer (see internal/handle_state.ts).
  readonly #owner: HandleOwner;
  readonly #modules = new ModuleCalls({
    open: () => this.#open(),
    limits: () => this.#limits.calls,
    sync: (options, run) => this.#sync(options, run),
    track: (sandbox, options, start) => this.#track(sandbox, options, start),
  });

  /** Creates a sandbox. Throws `TypeError` / `RangeError` for bad options. */
  constructor(options: MiniRacerOptions = {}) {
    const taken = adopted;
    adopted = null;
    const settings = taken?.settings ?? checkMiniRacerOptions(options);
    this.#limits = new LimitSettings(settings);
    this.#console = new ConsoleRouter(settings.onConsole);
    const snapshot = taken === null ? startingSnapshot(settings) : undefined;
    this.#sandbox =
      taken?.sandbox ?? new binding.Sandbox(settings.maxMemory, settings.softMemory, settings.maxResultBytes, snapshot);
    // V8 refuses a code cache made by an isolate from another kind of startup snapshot.
    this.#codeCache = withStartup(settings.codeCache, taken?.fromSnapshot ?? snapshot !== undefined);
    unclosed.register(this, this.#sandbox, this);
    const self = this;
    this.#owner = {
      get closed() {
        return self.#sandbox === null;
      },
      op: (op, id, args, timeout, handles) => {
        const sandbox = this.#open();
        const limits = timeout === undefined ? this.#limits.calls : this.#limits.withTimeout(checkTimeout(timeout));
        const flags = handles ? CallFlag.ResultHandles : CallFlag.None;
        this.#reports.lastAsync = undefined;
        return valueFromWire(this.#owner, sandbox.handleOp(op, id, args, limits, flags));
      },
      toWire: (value) => valueToWire(this.#owner, value),
      invoke: (id, thisArg, args, options) => this.#invoke(id, thisArg, args, options as CallOptions | undefined),
      call: (id, args) => this.#callHandle(id, args),
      invokeAsync: (id, thisArg, args, options) =>
        this.#invokeAsync(id, thisArg, args, options as AsyncCallOptions | undefined),
      release: (id) => this.#sandbox?.releaseHandle(id),
    };
    this.#host = new HostDispatcher(this.#owner, this.#calls, this.#console, (id, ok, value) =>
      this.#sandbox?.settleHostPromise(id, ok, value),
    );
    if (settings.onConsole !== undefined) this.#host.enableConsole(this.#sandbox);
    this.#modules.install(this.#sandbox, this.#host, settings.loadModule);
  }

  /**
   * Creates a sandbox as the constructor does, but off Node's thread: the
   * isolate and its context (~4-6 ms of work) are made on a thread of
   * libuv's pool while Node's event loop goes on. Rejects with `TypeError` /
   * `RangeError` for bad options.
   *
   * @example
   * ```ts
   * const mr = await MiniRacer.create({ maxMemory: 64 * 1024 * 1024 });
   * mr.eval("1 + 1"); // 2
   * ```
   */
  static async create(options: MiniRacerOptions = {}): Promise<MiniRacer> {
    const settings = checkMiniRacerOptions(options);
    const { maxMemory, softMemory, maxResultBytes } = settings;
    const snapshot = startingSnapshot(settings);
    const sandbox = await binding.Sandbox.create(maxMemory, softMemory, maxResultBytes, snapshot);
    adopted = { sandbox, settings, fromSnapshot: snapshot !== undefined };
    return new MiniRacer(); // takes `adopted` before anything can throw
  }

  #open(): NativeSandbox {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new ContextClosedError();
    return sandbox;
  }

  /** Runs a synchronous call with its console handler in place. */
  #sync<T>(options: CallOptions | undefined, run: () => WireValue): T {
    const onConsole = checkConsole(options?.onConsole);
    this.#reports.lastAsync = undefined;
    if (onConsole === undefined && this.#console.idle) {
      return valueFromWire(this.#owner, run()) as T; // the common case: no console wiring at all
    }
    if (onConsole !== undefined) this.#host.enableConsole(this.#open());
    return this.#console.runSync(onConsole, () => valueFromWire(this.#owner, run()) as T);
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
    return this.#eval<T>(code, options, resultFlags(options));
  }

  /**
   * Runs code for its effects (declarations, statements) and discards its
   * completion value, which therefore never needs to be copied.
   */
  execute(code: string, options?: CallOptions): void {
    this.#eval(code, options, CallFlag.DiscardResult);
  }

  /** eval and execute: through the code cache when the code is long (short code is never hashed). */
  #eval<T>(code: string, options: CallOptions | undefined, flags: CallFlag): T {
    const sandbox = this.#open();
    checkCode(code);
    const limits = callLimits(options, this.#limits.calls);
    const cache = this.#codeCache;
    return this.#sync<T>(options, () => evalThroughCache(sandbox, code, limits, flags, cache));
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
    const limits = callLimits(options, this.#limits.calls);
    const wire = argsToWire(this.#owner, args);
    return this.#sync<T>(options, () => sandbox.call(name, wire, limits, resultFlags(options)));
  }

  #callHandle(id: number, args: unknown[]): unknown {
    const sandbox = this.#sandbox;
    if (sandbox === null) throw new ContextClosedError();
    const owner = this.#owner;
    // The rest array is ours: convert in place and pass it on as is.
    for (let i = 0; i < args.length; i++) args[i] = valueToWire(owner, args[i]);
    const wire = args as WireValue[];
    if (this.#console.idle) {
      this.#reports.lastAsync = undefined;
      const result = sandbox.callHandle(id, this.#limits.calls, CallFlag.None, undefined, ...wire);
      return typeof result === "object" && result !== null ? valueFromWire(owner, result) : result;
    }
    return this.#sync(undefined, () => sandbox.callHandle(id, this.#limits.calls, CallFlag.None, undefined, ...wire));
  }

  #invoke(id: number, thisArg: unknown, args: readonly unknown[], options: CallOptions | undefined): unknown {
    const sandbox = this.#open();
    const limits = callLimits(options, this.#limits.calls);
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
    const owner = this.#owner;
    const wire = new Array<WireValue>(args.length + 1);
    wire[0] = thisArg === undefined ? undefined : valueToWire(owner, thisArg);
    for (let i = 0; i < args.length; i++) wire[i + 1] = valueToWire(owner, args[i]);
    const flags = resultFlags(options);
    if (options === undefined && this.#console.idle) {
      this.#reports.lastAsync = undefined;
      return valueFromWire(owner, sandbox.handleOp(HandleOp.Call, id, wire, limits, flags)); // the hot path
    }
    return this.#sync(options, () => sandbox.handleOp(HandleOp.Call, id, wire, limits, flags));
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
    return this.#evalAsync(code, options, resultFlags(options)) as Promise<T>;
  }

  /**
   * Like {@link MiniRacer.evalAsync}, for effects: waits as evalAsync does
   * (a promise completion value included) and resolves to `undefined`
   * without copying the value.
   */
  executeAsync(code: string, options?: AsyncCallOptions): Promise<void> {
    return this.#evalAsync(code, options, CallFlag.DiscardResult) as Promise<void>;
  }

  /** evalAsync and executeAsync: through the code cache when the code is long. */
  #evalAsync(code: string, options: AsyncCallOptions | undefined, flags: CallFlag): Promise<unknown> {
    try {
      const sandbox = this.#open();
      checkCode(code);
      const limits = callLimits(options, this.#limits.calls);
      return this.#track(sandbox, options, evalAsyncStart(sandbox, this.#calls, code, limits, flags, this.#codeCache));
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
      const limits = callLimits(options, this.#limits.calls);
      const wire = argsToWire(this.#owner, args);
      return this.#track(sandbox, options, () =>
        sandbox.callAsync(name, wire, limits, resultFlags(options)),
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
      const limits = callLimits(options, this.#limits.calls);
      const wire = [valueToWire(this.#owner, thisArg), ...argsToWire(this.#owner, args)];
      return this.#track(sandbox, options, () => sandbox.handleCallAsync(id, wire, limits, resultFlags(options)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Evaluates `code` as an ES module, its imports loaded first through the
   * `loadModule` option (synchronously here), and returns a copy of its
   * namespace: a plain object of its exports, functions and symbols as
   * handles; with `{ handle: true }` the namespace as a {@link JSObjectHandle}.
   * Throws {@link ModuleNotFoundError}, {@link ModuleLoadError},
   * {@link JSParseError}, {@link ModuleLinkError}, {@link JSEvalError} (its
   * top level threw, or awaits), and as {@link MiniRacer.eval} (README "ES modules").
   */
  evalModule<T = Record<string, unknown>>(code: string, options?: ModuleCallOptions): T {
    return this.#modules.evalModule(code, options) as T;
  }

  /** The namespace of module `specifier` (loaded now, or before under that canonical name), as evalModule gives it. */
  importModule<T = Record<string, unknown>>(specifier: string, options?: CallOptions): T {
    return this.#modules.importModule(specifier, options) as T;
  }

  /**
   * evalModule on the sandbox's thread: `loadModule` may return promises and
   * top-level `await` is waited for (timers, async host functions), within
   * the time limit; rejects as evalModule throws and as evalAsync does.
   */
  evalModuleAsync<T = Record<string, unknown>>(code: string, options?: ModuleAsyncCallOptions): Promise<T> {
    return this.#modules.evalModuleAsync(code, options) as Promise<T>;
  }

  /** importModule on the sandbox's thread, as evalModuleAsync. */
  importModuleAsync<T = Record<string, unknown>>(specifier: string, options?: AsyncCallOptions): Promise<T> {
    return this.#modules.importModuleAsync(specifier, options) as Promise<T>;
  }

  /** Number of async calls that have not settled yet (queued or running). */
  get pendingCalls(): number {
    return this.#calls.size;
  }

  #track(sandbox: NativeSandbox, options: AsyncCallOptions | undefined, start: () => number): Promise<unknown> {
    const signal = callSignal(options);
    const onConsole = checkConsole(options?.onConsole);
    if (signal?.aborted) return Promise.reject(new AbortError(signal.reason));
    if (onConsole !== undefined) this.#host.enableConsole(sandbox);
    const calls = this.#calls;
    if (!this.#asyncStarted) {
      sandbox.startAsync((id, ok, value, report) => {
        this.#reports.lastAsync = report;
        calls.complete(id, ok, value);
      });
      this.#asyncStarted = true;
    }
    const settled = calls.track(sandbox, start(), {
      decode: (value) => valueFromWire(this.#owner, value),
      onConsole: onConsole ?? this.#console.fallback,
      owner: this,
      signal,
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
    checkPath(name);
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${describe(fn)}`);
    this.#host.install(sandbox);
    sandbox.expose(name, this.#host.add(fn));
  }

  /** Live handles of this MiniRacer: neither released nor garbage-collected. */
  handleCount(): number {
    return this.#open().handleCount();
  }

  /** Memory figures of the sandbox. */
  heapStats(): HeapStats {
    return this.#open().heapStats();
  }

  /** Asks the sandbox to collect all the garbage it can, now. */
  lowMemoryNotification(): void {
    this.#open().lowMemoryNotification();
  }

  /**
   * What the last call to end took: wall-clock and CPU time, host
   * functions, the heap it left (see {@link CallReport}). The last call is
   * the last synchronous call to return or async call to settle;
   * `undefined` before any. Always kept: reading it costs nothing until
   * read.
   *
   * @example
   * ```ts
   * mr.eval("let s = 0; for (let i = 0; i < 1e6; i++) s += i");
   * const { wallMs, cpuMs, hostCalls } = mr.lastCall!;
   * ```
   */
  get lastCall(): CallReport | undefined {
    return this.#reports.last(this.#open());
  }

  /** Every call that has ended, summed (still readable after `close()`). */
  get usage(): Usage {
    return this.#reports.usage(this.#sandbox);
  }

  /**
   * Changes limits between calls, checked as the constructor checks them
   * (`TypeError`, `RangeError`); omitted ones stay, `null` removes a time
   * limit or the soft limit. `maxMemory` can go down, and back up to the
   * cap the MiniRacer was created with. Lowered under the live heap, the
   * next call fails with {@link JSOOMError} (the process is never at risk)
   * until it is raised again.
   *
   * @example
   * ```ts
   * mr.setLimits({ cpuTime: 50, timeout: 500 });
   * mr.setLimits({ maxMemory: 16 * 1024 * 1024 });
   * ```
   */
  setLimits(limits: LimitChanges): void {
    this.#limits.change(this.#open(), limits);
  }

  /**
   * A heap snapshot of the sandbox: the JSON of a Chrome DevTools
   * `.heapsnapshot` file. Save it under that extension and load it in
   * DevTools (Memory tab, "Load profile") to see what holds the sandbox's
   * memory. Taken on the calling thread between calls; V8 builds it outside
   * the sandbox's heap, so it costs host memory (a few times the heap's
   * size while it is made). A snapshot longer than `maxBytes` fails with
   * {@link ValueTransferError}; one that takes past `timeout` with
   * {@link JSTimeoutError}.
   *
   * @example
   * ```ts
   * import { writeFileSync } from "node:fs";
   * writeFileSync("sandbox.heapsnapshot", mr.heapSnapshot());
   * ```
   */
  heapSnapshot(options?: HeapSnapshotOptions): string {
    const sandbox = this.#open();
    const [maxBytes, timeout] = checkSnapshotOptions(options);
    return sandbox.heapSnapshot(maxBytes, timeout);
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
    this.#reports.closing(sandbox);
    this.#sandbox = null;
    unclosed.unregister(this);
    this.#calls.rejectAll(() => new ContextClosedError("the MiniRacer was closed before the call finished"));
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
