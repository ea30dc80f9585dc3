/**
 * Every number the TypeScript side shares with the C API, in one place.
 *
 * The addon passes these through unchanged: they are defined by
 * native/capi/mini_racer.h, and each one here names its C counterpart. Change
 * them only together with that header. {@link C_NAMES} maps each C name to the
 * value used here, so that a test can compare this file with the constants the
 * addon reports.
 * @internal
 */

/** Failure kinds of a call (`mr_value_type`, MR_ERROR_*). */
export const enum FailureKind {
  /** MR_ERROR_EXCEPTION: the script threw. */
  Exception = 16,
  /** MR_ERROR_PARSE: the code did not compile. */
  Parse = 17,
  /** MR_ERROR_TIMEOUT: the call's time limit was reached. */
  Timeout = 18,
  /** MR_ERROR_OUT_OF_MEMORY: the memory cap was reached. */
  OutOfMemory = 19,
  /** MR_ERROR_CANCELLED: the call was cancelled. */
  Cancelled = 20,
  /** MR_ERROR_VALUE: a value could not cross the boundary. */
  Value = 21,
  /** MR_ERROR_INVALID_ARGUMENT: bad input from the host. */
  InvalidArgument = 22,
  /** MR_ERROR_CLOSED: the sandbox was closed. */
  Closed = 23,
  /** MR_ERROR_INTERNAL: anything else. */
  Internal = 24,
  /** MR_ERROR_PROMISE_REJECTED: the result was a rejected promise. */
  PromiseRejected = 25,
  /** MR_ERROR_UNSAFE_FLAGS: the host's V8 flags make sandboxes unsafe. */
  UnsafeFlags = 26,
  /** MR_ERROR_CPU_TIMEOUT: the call's CPU-time limit was reached. */
  CpuTimeout = 27,
  /** MR_ERROR_MODULE_NOT_FOUND: the module loader had no such module. */
  ModuleNotFound = 28,
  /** MR_ERROR_MODULE_LOAD: the module loader threw or rejected. */
  ModuleLoad = 29,
  /** MR_ERROR_MODULE_LINK: a module imports what another does not export. */
  ModuleLink = 30,
  /** MR_ERROR_SNAPSHOT: a startup snapshot could not be made. */
  Snapshot = 31,
}

/** Kinds of handle, the `mr_value_type` a handle crosses as (its first wire element). */
export const enum HandleType {
  /** MR_VALUE_FUNCTION */
  Function = 7,
  /** MR_VALUE_OBJECT */
  Object = 8,
  /** MR_VALUE_ARRAY */
  Array = 9,
  /** MR_VALUE_SYMBOL */
  Symbol = 10,
}

/** Operations on a handle (`mr_handle_op`). */
export const enum HandleOp {
  /** MR_HANDLE_CALL */
  Call = 0,
  /** MR_HANDLE_GET */
  Get = 1,
  /** MR_HANDLE_SET */
  Set = 2,
  /** MR_HANDLE_DELETE */
  Delete = 3,
  /** MR_HANDLE_HAS */
  Has = 4,
  /** MR_HANDLE_KEYS */
  Keys = 5,
}

/** Flags of evaluations and calls (the anonymous flags enum beside mr_eval). */
export const enum CallFlag {
  /** No flag. */
  None = 0,
  /** MR_EVAL_DISCARD_RESULT: run for effects; the completion value is not copied out. */
  DiscardResult = 1,
  /** MR_RESULT_HANDLES: return any object as a handle instead of a copy. */
  ResultHandles = 2,
  /** MR_EVAL_CODE_CACHE: compile from the cache bytes given; make a cache when there were none or V8 rejected them. */
  CodeCache = 4,
  /** MR_MODULE_IMPORT: evalModule's code is a specifier to import. */
  ModuleImport = 8,
}

/** What came of an eval's code cache (mr_code_cache_status). */
export const enum CodeCacheStatus {
  /** MR_CODE_CACHE_NONE: the eval did not get to compile. */
  None = 0,
  /** MR_CODE_CACHE_ACCEPTED: compiled from the bytes given. */
  Accepted = 1,
  /** MR_CODE_CACHE_REJECTED: V8 refused them; compiled from source. */
  Rejected = 2,
  /** MR_CODE_CACHE_COMPILED: no bytes given; compiled from source. */
  Compiled = 3,
}

/**
 * The host function id of the console (`mr_host_function`: "function_id 0 is
 * the console"); exposed host functions are numbered from 1. The header has
 * no name for it, so it is not in {@link C_NAMES}.
 */
export const CONSOLE_FUNCTION_ID = 0;

/**
 * No call: async call ids are never 0 (mr_eval_async), and a host function
 * called outside any call gets call_id 0 (mr_host_function). The header has
 * no name for it either.
 */
export const NO_CALL_ID = 0;

/**
 * Each constant above by its name in native/capi/mini_racer.h, with the value
 * this side uses: what the addon's own table of constants must equal.
 */
export const C_NAMES = Object.freeze({
  MR_ERROR_EXCEPTION: FailureKind.Exception,
  MR_ERROR_PARSE: FailureKind.Parse,
  MR_ERROR_TIMEOUT: FailureKind.Timeout,
  MR_ERROR_OUT_OF_MEMORY: FailureKind.OutOfMemory,
  MR_ERROR_CANCELLED: FailureKind.Cancelled,
  MR_ERROR_VALUE: FailureKind.Value,
  MR_ERROR_INVALID_ARGUMENT: FailureKind.InvalidArgument,
  MR_ERROR_CLOSED: FailureKind.Closed,
  MR_ERROR_INTERNAL: FailureKind.Internal,
  MR_ERROR_PROMISE_REJECTED: FailureKind.PromiseRejected,
  MR_ERROR_UNSAFE_FLAGS: FailureKind.UnsafeFlags,
  MR_ERROR_CPU_TIMEOUT: FailureKind.CpuTimeout,
  MR_ERROR_MODULE_NOT_FOUND: FailureKind.ModuleNotFound,
  MR_ERROR_MODULE_LOAD: FailureKind.ModuleLoad,
  MR_ERROR_MODULE_LINK: FailureKind.ModuleLink,
  MR_ERROR_SNAPSHOT: FailureKind.Snapshot,
  MR_VALUE_FUNCTION: HandleType.Function,
  MR_VALUE_OBJECT: HandleType.Object,
  MR_VALUE_ARRAY: HandleType.Array,
  MR_VALUE_SYMBOL: HandleType.Symbol,
  MR_HANDLE_CALL: HandleOp.Call,
  MR_HANDLE_GET: HandleOp.Get,
  MR_HANDLE_SET: HandleOp.Set,
  MR_HANDLE_DELETE: HandleOp.Delete,
  MR_HANDLE_HAS: HandleOp.Has,
  MR_HANDLE_KEYS: HandleOp.Keys,
  MR_EVAL_DISCARD_RESULT: CallFlag.DiscardResult,
  MR_RESULT_HANDLES: CallFlag.ResultHandles,
  MR_EVAL_CODE_CACHE: CallFlag.CodeCache,
  MR_MODULE_IMPORT: CallFlag.ModuleImport,
  MR_CODE_CACHE_NONE: CodeCacheStatus.None,
  MR_CODE_CACHE_ACCEPTED: CodeCacheStatus.Accepted,
  MR_CODE_CACHE_REJECTED: CodeCacheStatus.Rejected,
  MR_CODE_CACHE_COMPILED: CodeCacheStatus.Compiled,
});
