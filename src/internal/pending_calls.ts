/**
 * The async calls of one sandbox that have not settled: the promise each one
 * returned, its abort wiring, and which calls run nested in which (a call
 * made from a host function of another runs inside it). The addon reports
 * every outcome to `complete`.
 * @internal
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { AbortError } from "../errors";
import type { AbortSignalLike, ConsoleHandler } from "../options";
import type { NativeSandbox, WireValue } from "./addon";
import { NO_CALL_ID } from "./wire_constants";

/**
 * The async call whose host function is running, followed across the
 * function's awaits: a call made after an `await` still runs nested in it
 * instead of queueing behind it (it would wait for the outer call, which
 * waits for it). Node 24 and later carry AsyncLocalStorage on
 * AsyncContextFrame, at the cost of a context switch per host call; on 20 and
 * 22 it would install promise hooks that slow every promise of the process
 * (+30% measured), so there only the synchronous part of a host function
 * nests its calls.
 */
const hostCallContext =
  Number(process.versions.node.split(".")[0]) >= 24
    ? new AsyncLocalStorage<{ calls: PendingCalls; id: number }>()
    : undefined;

/** Whether a call made after an `await` in a host function runs nested (Node 24+). */
export const NESTS_ACROSS_AWAITS = hostCallContext !== undefined;

/** An async call in flight. */
export interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  /** Turns the binding's result into the host value. */
  decode: (value: WireValue) => unknown;
  onConsole: ConsoleHandler | undefined;
  /** Keeps the MiniRacer (and so its sandbox) alive while the call runs. */
  owner: object;
  signal: AbortSignalLike | undefined;
  onAbort: (() => void) | undefined;
}

/** What {@link PendingCalls.track} needs of a call besides its id. */
export type CallSettings = Pick<PendingCall, "decode" | "onConsole" | "owner" | "signal">;

/**
 * The async calls of one sandbox that have not settled. The binding holds
 * `complete`, and through it this table; the table holds no reference to the
 * MiniRacer itself (only to the calls in flight), so an idle MiniRacer can
 * still be garbage-collected.
 */
export class PendingCalls {
  readonly #calls = new Map<number, PendingCall>();
  // Calls rejected (aborted) while their script may still be unwinding on
  // the sandbox's thread: nothing of theirs may reach the host any more.
  readonly #abandoned = new Set<number>();
  // Calls running nested in another (made from its host functions), by id:
  // the call they run in. Aborting that one abandons them too.
  readonly #outer = new Map<number, number>();
  // Run when a call ends, however it ends (aborted and closed ones too).
  readonly #onEnd = new Map<number, () => void>();

  /**
   * The async call whose host function is running right now (or NO_CALL_ID). A
   * call made from there may be what that function's promise waits for; it
   * runs nested in that call instead of queueing behind it forever.
   */
  hostFunctionOf: number = NO_CALL_ID;

  /** Receives each call's outcome from the binding. */
  readonly complete = (id: number, ok: boolean, value: unknown): void => {
    const onEnd = this.#onEnd.get(id);
    if (onEnd !== undefined) {
      this.#onEnd.delete(id);
      onEnd();
    }
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

  /**
   * Tracks call `id`, just queued on `sandbox`: nests it in the call whose
   * host function made it, if any, and wires its signal to abort it.
   * Resolves or rejects as the call ends.
   */
  track(sandbox: NativeSandbox, id: number, settings: CallSettings): Promise<unknown> {
    let outer = this.hostFunctionOf;
    if (outer === NO_CALL_ID && hostCallContext !== undefined) {
      // After an await in a host function of a call of this sandbox that is
      // still pending.
      const context = hostCallContext.getStore();
      if (context !== undefined && context.calls === this && this.#calls.has(context.id)) outer = context.id;
    }
    if (outer !== NO_CALL_ID) {
      sandbox.nestCall(id, outer);
      this.#outer.set(id, outer);
    }
    return new Promise((resolve, reject) => {
      const call: PendingCall = {
        resolve,
        reject,
        decode: settings.decode,
        onConsole: settings.onConsole,
        owner: settings.owner,
        signal: settings.signal,
        onAbort: undefined,
      };
      const signal = settings.signal;
      if (signal !== undefined) {
        call.onAbort = () => {
          if (this.abandon(id) === undefined) return;
          sandbox.cancelCall(id);
          reject(new AbortError(signal.reason));
        };
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      this.#calls.set(id, call);
    });
  }

  /** Runs `fn` when call `id` ends, before its promise settles (from the binding's completion). */
  onEnd(id: number, fn: () => void): void {
    this.#onEnd.set(id, fn);
  }

  /**
   * Runs host function `fn` of async call `id`: the calls it makes run
   * nested in `id` (after its awaits too, on Node 24+).
   */
  runHostFunction<T>(id: number, fn: () => T): T {
    const outer = this.hostFunctionOf;
    this.hostFunctionOf = id;
    try {
      return hostCallContext === undefined ? fn() : hostCallContext.run({ calls: this, id }, fn);
    } finally {
      this.hostFunctionOf = outer;
    }
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
