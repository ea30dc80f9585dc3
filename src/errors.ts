/**
 * Errors thrown by mini-racer. Every error is a {@link MiniRacerError} with a
 * stable `code`, so callers can branch on `err.code` or `instanceof`.
 * Bad arguments from the host get the built-in `TypeError` / `RangeError`.
 */

/**
 * Stable error codes: one per error class, and for {@link MiniRacerError}
 * itself one per kind of failure it reports (`internal`: a bug in
 * mini-racer; `unsafeHostFlags`: the host process's V8 flags, such as
 * `--allow-natives-syntax`, make sandboxes unsafe, so none is created and no
 * call runs until they are off).
 */
export const ErrorCodes = {
  /** {@link JSEvalError}: the sandboxed script threw. */
  eval: "ERR_MINI_RACER_EVAL",
  /** {@link JSParseError}: the code did not compile. */
  parse: "ERR_MINI_RACER_PARSE",
  /** {@link JSTimeoutError}: the call ran past its time limit. */
  timeout: "ERR_MINI_RACER_TIMEOUT",
  /** {@link JSOOMError}: the sandbox reached its memory cap. */
  oom: "ERR_MINI_RACER_OOM",
  /** {@link JSCancelledError}: the call was cancelled. */
  cancelled: "ERR_MINI_RACER_CANCELLED",
  /** {@link AbortError}: an async call's signal aborted it. */
  aborted: "ERR_MINI_RACER_ABORTED",
  /** {@link JSPromiseError}: the result was a promise that rejected. */
  promiseRejected: "ERR_MINI_RACER_PROMISE_REJECTED",
  /** {@link ValueTransferError}: a value could not cross. */
  valueTransfer: "ERR_MINI_RACER_VALUE_TRANSFER",
  /** {@link ContextClosedError}: the MiniRacer was used after `close()`. */
  closed: "ERR_MINI_RACER_CLOSED",
  /** {@link HandleReleasedError}: a handle was used after `release()`. */
  handleReleased: "ERR_MINI_RACER_HANDLE_RELEASED",
  /** {@link MiniRacerError}: a bug in mini-racer. */
  internal: "ERR_MINI_RACER_INTERNAL",
  /** {@link MiniRacerError}: the host's V8 flags make sandboxes unsafe. */
  unsafeHostFlags: "ERR_MINI_RACER_UNSAFE_HOST_FLAGS",
  /** {@link NativeBuildError}: no native addon fits the running Node. */
  noNativeBuild: "ERR_MINI_RACER_NO_NATIVE_BUILD",
  /** {@link PoolClosedError}: a run of a closed pool. */
  poolClosed: "ERR_MINI_RACER_POOL_CLOSED",
  /** {@link PoolQueueFullError}: a pool's queue of waiting runs is full. */
  poolQueueFull: "ERR_MINI_RACER_POOL_QUEUE_FULL",
  /** {@link ModuleNotFoundError}: an import found no module. */
  moduleNotFound: "ERR_MINI_RACER_MODULE_NOT_FOUND",
  /** {@link ModuleLoadError}: `loadModule` threw, rejected or answered wrongly. */
  moduleLoad: "ERR_MINI_RACER_MODULE_LOAD",
  /** {@link ModuleLinkError}: a module imports a name another does not export. */
  moduleLink: "ERR_MINI_RACER_MODULE_LINK",
  /** {@link SnapshotError}: a startup snapshot could not be made. */
  snapshot: "ERR_MINI_RACER_SNAPSHOT",
} as const;

/** One of the values of {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error mini-racer throws. */
export class MiniRacerError extends Error {
  /** Stable machine-readable code, e.g. `"ERR_MINI_RACER_TIMEOUT"`. */
  readonly code: ErrorCode;

  /** Made by mini-racer; `code` defaults to `internal` (`options.cause` as for `Error`). */
  constructor(message: string, code: ErrorCode = ErrorCodes.internal, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }

  /** The class's own name (`"JSTimeoutError"`, ...), as subclasses of `Error` show it in stacks. */
  override get name(): string {
    return this.constructor.name;
  }
}

/** The sandboxed script threw. Carries the sandbox error's name, message and stack. */
export class JSEvalError extends MiniRacerError {
  /** `name` of the value thrown in the sandbox (`"TypeError"`, ...), or `""` for non-errors. */
  readonly jsName: string;
  /** `message` of the value thrown in the sandbox (or its rendering, for non-errors). */
  readonly jsMessage: string;
  /** The sandbox-side stack trace, as V8 formats it (`""` when there is none). */
  readonly jsStack: string;

  /** Made by mini-racer from the sandbox error's name, message and stack; the message is `"name: message"`. */
  constructor(jsName: string, jsMessage: string, jsStack: string, code: ErrorCode = ErrorCodes.eval) {
    super(jsName ? `${jsName}: ${jsMessage}` : jsMessage, code);
    this.jsName = jsName;
    this.jsMessage = jsMessage;
    this.jsStack = jsStack;
  }
}

/** The code did not compile (a `SyntaxError`). `jsStack` shows where. */
export class JSParseError extends JSEvalError {
  /** Made by mini-racer from V8's `SyntaxError`. */
  constructor(jsName: string, jsMessage: string, jsStack: string) {
    super(jsName, jsMessage, jsStack, ErrorCodes.parse);
  }
}

/**
 * The call's result was a promise that rejected. `jsName`, `jsMessage` and
 * `jsStack` describe the rejection reason, as for a thrown error.
 */
export class JSPromiseError extends JSEvalError {
  /** Made by mini-racer from the rejection reason. */
  constructor(jsName: string, jsMessage: string, jsStack: string) {
    super(jsName, jsMessage, jsStack, ErrorCodes.promiseRejected);
  }
}

/**
 * The call ran past a time limit and was terminated: its wall-clock
 * `timeout` or its `cpuTime` (`limit` says which). The MiniRacer stays usable.
 */
export class JSTimeoutError extends MiniRacerError {
  /**
   * The sandbox-side stack where the script was stopped, as V8 formats stack
   * frames (`""` when no script was running, e.g. an async call waiting for a
   * promise or a timer).
   */
  readonly jsStack: string;
  /** Which limit ended the call: the wall-clock `"timeout"` or the `"cpuTime"`. */
  readonly limit: "timeout" | "cpuTime";

  /** Made by mini-racer; `jsStack` is where the script was stopped, `limit` which limit stopped it. */
  constructor(
    message = "the call exceeded its time limit",
    jsStack = "",
    limit: "timeout" | "cpuTime" = "timeout",
  ) {
    super(message, ErrorCodes.timeout);
    this.jsStack = jsStack;
    this.limit = limit;
  }
}

/**
 * The sandbox reached its memory cap. The MiniRacer stays usable when a full
 * garbage collection frees enough memory; otherwise every later call throws
 * this error again and the MiniRacer must be closed and recreated.
 */
export class JSOOMError extends MiniRacerError {
  /** Made by mini-racer when the cap is reached. */
  constructor(message = "the sandbox reached its memory cap") {
    super(message, ErrorCodes.oom);
  }
}

/**
 * An import found no module: `loadModule` returned `undefined` for it, or
 * the MiniRacer has no `loadModule`. `jsMessage` names the specifier and
 * the importing module.
 */
export class ModuleNotFoundError extends JSEvalError {
  /** Made by mini-racer from the sandbox's error. */
  constructor(jsName: string, jsMessage: string, jsStack: string) {
    super(jsName, jsMessage, jsStack, ErrorCodes.moduleNotFound);
  }
}

/**
 * `loadModule` threw or its promise rejected (`jsName` and `jsMessage` are
 * its error's name and message, nothing of its host stack), returned
 * something that is not a module source, or returned a promise to a
 * synchronous call (`evalModule`, `importModule`, `eval`'s `import()`).
 */
export class ModuleLoadError extends JSEvalError {
  /** Made by mini-racer from the loader's error. */
  constructor(jsName: string, jsMessage: string, jsStack: string) {
    super(jsName, jsMessage, jsStack, ErrorCodes.moduleLoad);
  }
}

/**
 * A module graph could not be linked: a module imports a name another does
 * not export (the sandbox's `SyntaxError` as `jsName` / `jsMessage`).
 */
export class ModuleLinkError extends JSEvalError {
  /** Made by mini-racer from V8's `SyntaxError`. */
  constructor(jsName: string, jsMessage: string, jsStack: string) {
    super(jsName, jsMessage, jsStack, ErrorCodes.moduleLink);
  }
}

/** The call was cancelled before it finished. The MiniRacer stays usable. */
export class JSCancelledError extends MiniRacerError {
  /** Made by mini-racer when the call is cancelled. */
  constructor(message = "the call was cancelled") {
    super(message, ErrorCodes.cancelled);
  }
}

/**
 * An async call was aborted through its `signal`. Named `"AbortError"`, like
 * the DOM's and Node's own, with the signal's `reason` as `cause`. The
 * script is terminated if it was running; the MiniRacer stays usable.
 */
export class AbortError extends MiniRacerError {
  /** Made by mini-racer; `reason` (the signal's) becomes `cause`. */
  constructor(reason?: unknown) {
    super("the call was aborted", ErrorCodes.aborted, { cause: reason });
  }
}

/**
 * A value could not cross between host and sandbox: a function, a symbol, a
 * `SharedArrayBuffer`, or anything else structured clone refuses.
 */
export class ValueTransferError extends MiniRacerError {
  /** Made by mini-racer, naming the value that could not cross. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ErrorCodes.valueTransfer, options);
  }
}

/** The MiniRacer was used after `close()`. */
export class ContextClosedError extends MiniRacerError {
  /** Made by mini-racer on a call after `close()`. */
  constructor(message = "this MiniRacer is closed") {
    super(message, ErrorCodes.closed);
  }
}

/** A handle was used (or passed in) after `release()`. */
export class HandleReleasedError extends MiniRacerError {
  /** Made by mini-racer on a use after `release()`. */
  constructor(message = "the handle has been released") {
    super(message, ErrorCodes.handleReleased);
  }
}

/**
 * No native addon fits the running Node (platform, architecture, Node ABI or
 * libc), or the one found was built for another Node line. Thrown by
 * `require("mini-racer")` / `import`; the message names the build that was
 * looked for and the command that builds one from source.
 */
export class NativeBuildError extends MiniRacerError {
  /** Made when the addon is loaded, naming the build that was looked for. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, ErrorCodes.noNativeBuild, options);
  }
}

/**
 * A run was asked of a {@link MiniRacerPool} after `close()`, or was still
 * waiting for a sandbox when `close()` was called (or, with
 * `close({ force: true })`, was running then).
 */
export class PoolClosedError extends MiniRacerError {
  /** Made by the pool for a run it refuses or gives up. */
  constructor(message = "the pool is closed") {
    super(message, ErrorCodes.poolClosed);
  }
}

/**
 * A run found every sandbox of a {@link MiniRacerPool} busy and its queue
 * of waiting runs already `maxQueue` long. Nothing was started; retry later
 * or shed the request.
 */
export class PoolQueueFullError extends MiniRacerError {
  /** Made by the pool for a run it refuses. */
  constructor(message = "the pool's queue of waiting runs is full") {
    super(message, ErrorCodes.poolQueueFull);
  }
}

/**
 * A {@link MiniRacerSnapshot} could not be made: this Node line cannot make
 * startup snapshots (Node 20; check {@link MiniRacerSnapshot.supported}), or
 * the setup left what no snapshot can hold (a live `Intl` object). A setup
 * that throws, or runs past its limits, rejects with the error a call would
 * ({@link JSEvalError}, {@link JSTimeoutError}, {@link JSOOMError}).
 */
export class SnapshotError extends MiniRacerError {
  /** Made by mini-racer when V8 cannot make the snapshot. */
  constructor(message: string) {
    super(message, ErrorCodes.snapshot);
  }
}

// Code that catches one of these must not be able to change every other
// (a `name` getter or `constructor` swapped on a shared prototype).
for (const cls of [
  MiniRacerError,
  JSEvalError,
  JSParseError,
  JSPromiseError,
  JSTimeoutError,
  JSOOMError,
  JSCancelledError,
  AbortError,
  ValueTransferError,
  ContextClosedError,
  HandleReleasedError,
  NativeBuildError,
  PoolClosedError,
  PoolQueueFullError,
  ModuleNotFoundError,
  ModuleLoadError,
  ModuleLinkError,
  SnapshotError,
]) {
  Object.freeze(cls.prototype);
  Object.freeze(cls);
}
Object.freeze(ErrorCodes);
