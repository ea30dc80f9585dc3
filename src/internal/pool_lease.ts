/**
 * The MiniRacer a pool lends to one run (or to a `setup` function): a view
 * of the pool's sandbox that stops working when the run ends, so a callback
 * that keeps it (in a closure, a cache, a timer) cannot reach the sandbox
 * once another run has it. It also notes the failures that mean the
 * sandbox must not be reused, even when the callback caught them.
 *
 * The view is a Proxy of the MiniRacer: `instanceof MiniRacer` holds, and
 * each method is a wrapper that checks the lease first, so a method read
 * off the view during the run (`const run = mr.evalAsync`) is revoked too.
 * After the run every use throws {@link ContextClosedError} (an async
 * method rejects with it) and `closed` is true. The view cannot
 * be written to: nothing a run stores on it reaches a later run.
 * @internal
 */
import { AbortError, ContextClosedError, JSCancelledError, JSOOMError, JSTimeoutError } from "../errors";
import type { MiniRacer } from "../mini_racer";

/**
 * Whether a run that failed with `error` leaves a sandbox that must be
 * closed rather than reused: the memory cap was reached, a time limit
 * passed, the run was aborted or cancelled (a script was terminated
 * mid-way), or the sandbox was closed.
 */
export function retiresSandbox(error: unknown): boolean {
  return (
    error instanceof JSOOMError ||
    error instanceof JSTimeoutError ||
    error instanceof AbortError ||
    error instanceof JSCancelledError ||
    error instanceof ContextClosedError
  );
}

function ended(): ContextClosedError {
  return new ContextClosedError("this MiniRacer was lent by a pool to a run that has ended");
}

/** One loan of a MiniRacer: the view handed out, revoked by {@link Lease.revoke}. */
export class Lease {
  /** What the callback gets. */
  readonly view: MiniRacer;
  #revoked = false;
  #failure: unknown = undefined;

  constructor(mr: MiniRacer) {
    const wrappers = new Map<PropertyKey, unknown>();
    const note = (error: unknown): never => {
      if (retiresSandbox(error) && this.#failure === undefined) this.#failure = error;
      throw error;
    };
    const check = (): void => {
      if (this.#revoked) throw ended();
    };
    const refuse = (): boolean => {
      check();
      return false; // a TypeError in strict code: the view is read-only
    };
    this.view = new Proxy(mr, {
      get: (target, key) => {
        if (key === "closed" && this.#revoked) return true;
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== "function" || key === "constructor") {
          check();
          return value;
        }
        let wrapper = wrappers.get(key);
        if (wrapper === undefined) {
          const method = value as (...args: unknown[]) => unknown;
          // An async method rejects, as it does on a closed MiniRacer.
          const async = typeof key === "string" && key.endsWith("Async");
          wrapper = (...args: unknown[]): unknown => {
            if (this.#revoked) return async ? Promise.reject(ended()) : check();
            let result: unknown;
            try {
              result = method.apply(target, args);
            } catch (error) {
              note(error);
            }
            return result instanceof Promise ? result.then(undefined, note) : result;
          };
          wrappers.set(key, wrapper);
        }
        return wrapper;
      },
      set: refuse,
      defineProperty: refuse,
      deleteProperty: refuse,
      setPrototypeOf: refuse,
    });
  }

  /** The first failure of a call made through the view that retires the sandbox, if any. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Ends the loan: every later use of the view throws ContextClosedError. */
  revoke(): void {
    this.#revoked = true;
  }
}
