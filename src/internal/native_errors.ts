/**
 * Turns a native failure (a failure kind from the C API and the name,
 * message and stack it carries) into the public error class for it. The
 * addon calls this to make every error it throws or rejects with, so that
 * the public classes in ../errors.ts stay free of the C numbering.
 * @internal
 */
import {
  ContextClosedError,
  ErrorCodes,
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
  SnapshotError,
  ValueTransferError,
} from "../errors";
import { FailureKind } from "./wire_constants";

/** Builds the error object for a native failure; registered with the binding. */
export function errorFromNative(kind: number, name: string, message: string, stack: string): Error {
  switch (kind) {
    case FailureKind.Exception:
      return new JSEvalError(name, message, stack);
    case FailureKind.PromiseRejected:
      return new JSPromiseError(name, message, stack);
    case FailureKind.Parse:
      return new JSParseError(name, message, stack);
    case FailureKind.Timeout:
      return new JSTimeoutError(message || undefined, stack);
    case FailureKind.CpuTimeout:
      return new JSTimeoutError(message || undefined, stack, "cpuTime");
    case FailureKind.OutOfMemory:
      return new JSOOMError(message || undefined);
    case FailureKind.Cancelled:
      return new JSCancelledError(message || undefined);
    case FailureKind.Value:
      return new ValueTransferError(name ? `${name}: ${message}` : message);
    case FailureKind.InvalidArgument:
      return new TypeError(message);
    case FailureKind.Closed:
      return new ContextClosedError(message || undefined);
    case FailureKind.ModuleNotFound:
      return new ModuleNotFoundError(name, message, stack);
    case FailureKind.ModuleLoad:
      return new ModuleLoadError(name, message, stack);
    case FailureKind.ModuleLink:
      return new ModuleLinkError(name, message, stack);
    case FailureKind.Snapshot:
      return new SnapshotError(message);
    case FailureKind.UnsafeFlags:
      return new MiniRacerError(message, ErrorCodes.unsafeHostFlags);
    default: // FailureKind.Internal, and any kind this side does not know
      return new MiniRacerError(name ? `${name}: ${message}` : message, ErrorCodes.internal);
  }
}
