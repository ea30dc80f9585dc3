/**
 * mini-racer: run untrusted JavaScript from Node.js in a separate V8 isolate
 * with a hard memory cap and per-call time limits.
 *
 * Everything public is exported here, from the files beside this one
 * (mini_racer.ts, options.ts, handles.ts, errors.ts); src/internal/ holds
 * the implementation and is not part of the API.
 *
 * @packageDocumentation
 */
export { MiniRacer } from "./mini_racer";
export type { HeapStats, HostFunction } from "./mini_racer";
export type { AsyncCallOptions, CallOptions, ConsoleHandler, ConsoleLevel, MiniRacerOptions } from "./options";
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
  NativeBuildError,
  ValueTransferError,
} from "./errors";
export type { ErrorCode } from "./errors";
