/**
 * Console routing: which handler receives a `console.*` call the sandbox
 * made. The handler of the async call that made it comes first, then that
 * of the innermost synchronous call running, then the MiniRacer's own
 * `onConsole`. Console output reaches the host as host function 0 (see
 * host_dispatch.ts), and only once a handler has asked for it.
 * @internal
 */
import type { ConsoleHandler, ConsoleLevel } from "../options";
import type { WireValue } from "./addon";

export class ConsoleRouter {
  /** The MiniRacer's own handler, its `onConsole` option. */
  readonly fallback: ConsoleHandler | undefined;
  // Console handlers of the synchronous calls running now, innermost last.
  readonly #sync: Array<ConsoleHandler | undefined> = [];

  constructor(fallback: ConsoleHandler | undefined) {
    this.fallback = fallback;
  }

  /** Whether no handler is in place: calls may skip {@link ConsoleRouter.runSync}. */
  get idle(): boolean {
    return this.#sync.length === 0 && this.fallback === undefined;
  }

  /** Runs a synchronous call with its handler (`handler`, else the fallback) in place. */
  runSync<T>(handler: ConsoleHandler | undefined, run: () => T): T {
    this.#sync.push(handler ?? this.fallback);
    try {
      return run();
    } finally {
      this.#sync.pop();
    }
  }

  /**
   * Hands one console call to its handler: `args` are the level and the
   * logged values, `asyncHandler` the handler of the async call that made
   * it (if any). Never throws: a value that cannot be decoded drops the
   * call, and a failing handler must not fail the sandbox's call.
   */
  deliver(asyncHandler: ConsoleHandler | undefined, args: WireValue[], decode: (value: WireValue) => unknown): void {
    const handler =
      asyncHandler ?? (this.#sync.length > 0 ? this.#sync[this.#sync.length - 1] : this.fallback);
    if (handler === undefined) return;
    let level: ConsoleLevel;
    let values: unknown[];
    try {
      level = String(args[0]) as ConsoleLevel;
      values = args.slice(1).map((arg) => decode(arg));
    } catch {
      return;
    }
    try {
      handler(level, values);
    } catch {
      // A failing handler must not fail the sandbox's call.
    }
  }
}
