/**
 * mini-racer: run untrusted JavaScript from Node.js in a separate V8 isolate
 * with a hard memory cap and per-call time limits.
 *
 * @packageDocumentation
 */
export { MiniRacer } from "./mini_racer";
export type { AsyncCallOptions, CallOptions, HeapStats, MiniRacerOptions } from "./mini_racer";
export {
  AbortError,
  ContextClosedError,
  ErrorCodes,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSPromiseError,
  JSTimeoutError,
  MiniRacerError,
  ValueTransferError,
} from "./errors";
export type { ErrorCode } from "./errors";
