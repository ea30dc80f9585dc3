/**
 * mini-racer: run untrusted JavaScript from Node.js in a separate V8 isolate
 * with a hard memory cap and per-call time limits.
 *
 * @packageDocumentation
 */
export { MiniRacer } from "./mini_racer";
export type {
  AsyncCallOptions,
  CallOptions,
  ConsoleHandler,
  ConsoleLevel,
  HeapStats,
  HostFunction,
  MiniRacerOptions,
} from "./mini_racer";
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
