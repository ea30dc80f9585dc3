/**
 * Host-function dispatch: the one function the addon calls when the sandbox
 * calls the host, for exposed host functions (ids 1, 2, ...) and for the
 * console (id 0). It decodes the arguments, runs the function, and encodes
 * its result, its failure ({name, message} only, never a host object) or
 * the promise it returned (settled in the sandbox later).
 * @internal
 */
import { JSEvalError } from "../errors";
import type { HostReply, NativeSandbox, WireValue } from "./addon";
import type { ConsoleRouter } from "./console_router";
import type { HandleOwner } from "./handle_state";
import { valueFromWire, valueToWire } from "./handle_wire";
import type { PendingCalls } from "./pending_calls";
import { CONSOLE_FUNCTION_ID } from "./wire_constants";

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

/** A host function as the dispatcher calls it (MiniRacer's HostFunction). */
type Callable = (...args: unknown[]) => unknown;

/** Settles a promise a host function returned, in the sandbox (nothing once closed). */
export type SettleHostPromise = (promiseId: number, ok: boolean, value: WireValue | [string, string]) => void;

/** The host functions of one MiniRacer, and the dispatcher the addon calls. */
export class HostDispatcher {
  readonly #functions: Callable[] = [];
  readonly #owner: HandleOwner;
  readonly #calls: PendingCalls;
  readonly #console: ConsoleRouter;
  readonly #settle: SettleHostPromise;
  #installed = false;
  #consoleEnabled = false;
  #nextPromiseId = 1;
  // Held strongly here (and so by the MiniRacer), weakly by the binding: see install.
  readonly #dispatch = (callId: number, functionId: number, ...args: WireValue[]): HostReply =>
    this.#run(callId, functionId, args);

  constructor(owner: HandleOwner, calls: PendingCalls, console: ConsoleRouter, settle: SettleHostPromise) {
    this.#owner = owner;
    this.#calls = calls;
    this.#console = console;
    this.#settle = settle;
  }

  /** Installs the dispatcher in the sandbox (once; the binding holds it weakly). */
  install(sandbox: NativeSandbox): void {
    if (this.#installed) return;
    sandbox.setHost(this.#dispatch);
    this.#installed = true;
  }

  /** Adds a host function; returns the id the sandbox calls it by. */
  add(fn: Callable): number {
    this.#functions.push(fn);
    return this.#functions.length;
  }

  /** Has the sandbox send its console output to the host (once). */
  enableConsole(sandbox: NativeSandbox): void {
    if (this.#consoleEnabled) return;
    this.install(sandbox);
    sandbox.setConsole(true);
    this.#consoleEnabled = true;
  }

  /**
   * Runs host function `functionId` (0: the console) for the sandbox.
   * Returns the result's wire value or {promise: id}; throws only
   * {name, message} plain data, never a host object.
   */
  #run(callId: number, functionId: number, args: WireValue[]): HostReply {
    const calls = this.#calls;
    // An aborted call's script may reach a host function (or the console)
    // before its termination takes effect: after the AbortError, nothing of
    // that call runs on the host.
    if (calls.isAbandoned(callId)) {
      if (functionId === CONSOLE_FUNCTION_ID) return undefined;
      throw { name: "AbortError", message: "the call was aborted" };
    }
    const owner = this.#owner;
    if (functionId === CONSOLE_FUNCTION_ID) {
      this.#console.deliver(calls.get(callId)?.onConsole, args, (value) => valueFromWire(owner, value));
      return undefined;
    }
    const fn = this.#functions[functionId - 1];
    if (fn === undefined) throw { name: "TypeError", message: "no such host function" };
    let result: unknown;
    try {
      for (let i = 0; i < args.length; i++) {
        const arg = args[i];
        if (typeof arg === "object" && arg !== null) args[i] = valueFromWire(owner, arg) as WireValue;
      }
      // Of an async call: the calls it makes run nested in that one.
      result = calls.get(callId) !== undefined ? calls.runHostFunction(callId, () => fn(...args)) : fn(...args);
    } catch (error) {
      const [name, message] = errorParts(error);
      throw { name, message };
    }
    if (isThenable(result)) {
      const promiseId = this.#nextPromiseId++;
      const settle = this.#settle;
      Promise.resolve(result).then(
        (value) => {
          let wire: WireValue;
          try {
            wire = valueToWire(owner, value);
          } catch (error) {
            settle(promiseId, false, errorParts(error));
            return;
          }
          settle(promiseId, true, wire);
        },
        (error: unknown) => settle(promiseId, false, errorParts(error)),
      );
      return { promise: promiseId };
    }
    try {
      return valueToWire(owner, result);
    } catch (error) {
      const [name, message] = errorParts(error);
      throw { name, message };
    }
  }
}
