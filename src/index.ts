/**
 * mini-racer: run untrusted JavaScript from Node.js in a separate V8 isolate
 * with a hard memory cap and per-call time limits.
 *
 * @packageDocumentation
 */
export { MiniRacer } from "./mini_racer";
export type { CallOptions, HeapStats, MiniRacerOptions } from "./mini_racer";
export {
  ContextClosedError,
  ErrorCodes,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSTimeoutError,
  MiniRacerError,
  ValueTransferError,
} from "./errors";
export type { ErrorCode } from "./errors";
