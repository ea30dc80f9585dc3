/**
 * mini-racer: run untrusted JavaScript from Node.js in a separate V8 isolate
 * with a hard memory cap and per-call time limits.
 *
 * Everything public is exported here, from the files beside this one
 * (mini_racer.ts, pool.ts, snapshot.ts, options.ts, handles.ts, errors.ts); src/internal/ holds
 * the implementation and is not part of the API.
 *
 * @packageDocumentation
 */
export { MiniRacer } from "./mini_racer";
export { MiniRacerPool } from "./pool";
export { MiniRacerSnapshot } from "./snapshot";
export type { PoolStats } from "./pool";
export type {
  AbortSignalLike,
  AsyncCallOptions,
  CallOptions,
  CallReport,
  CodeCacheOptions,
  ConsoleHandler,
  ConsoleLevel,
  HeapSnapshotOptions,
  HeapStats,
  HostFunction,
  LimitChanges,
  MiniRacerOptions,
  MiniRacerPoolOptions,
  ModuleCallOptions,
  ModuleAsyncCallOptions,
  ModuleLoader,
  ModuleSource,
  PoolCallOptions,
  PoolRunOptions,
  SnapshotOptions,
  Usage,
} from "./options";
export { JSArrayHandle, JSFunctionHandle, JSHandle, JSObjectHandle, JSSymbolHandle } from "./handles";
export type { GetOptions, InvokeOptions, PropertyKey, PropertyOptions } from "./handles";
export {
  AbortError,
  ContextClosedError,
  ErrorCodes,
  HandleReleasedError,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacerError,
  ModuleLinkError,
  ModuleLoadError,
  ModuleNotFoundError,
  NativeBuildError,
  PoolClosedError,
  PoolQueueFullError,
  SnapshotError,
  ValueTransferError,
} from "./errors";
export type { ErrorCode } from "./errors";
