// The ES module entry point re-exports the CommonJS build, so that `import`
// and `require` share one set of classes (instanceof works across both).
export {
  ContextClosedError,
  ErrorCodes,
  JSCancelledError,
  JSEvalError,
  JSOOMError,
  JSParseError,
  JSTimeoutError,
  MiniRacer,
  MiniRacerError,
  ValueTransferError,
} from "./index.js";
export type { CallOptions, ErrorCode, HeapStats, MiniRacerOptions } from "./index.js";
