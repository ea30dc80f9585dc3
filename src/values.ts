/**
 * Host side of value transfer. Primitives cross as they are; everything else
 * crosses as V8 serialization bytes (the structured-clone format), which
 * both sides read with the same V8, so no JSON text is involved.
 * @internal
 */
import * as v8 from "node:v8";
import { ValueTransferError } from "./errors";
import type { WireValue } from "./native";

/** Turns a host value into what the binding accepts. */
export function toWire(value: unknown): WireValue {
  switch (typeof value) {
    case "number":
    case "string":
    case "boolean":
    case "undefined":
      return value;
    case "object":
      if (value === null) return null;
      break;
    case "function":
      throw new ValueTransferError("a function cannot be passed into the sandbox");
    case "symbol":
      throw new ValueTransferError("a symbol cannot be passed into the sandbox");
    default:
      break;
  }
  // The base Serializer writes typed arrays in V8's own format (Node's
  // default one writes them as Node host objects, which a sandbox cannot read).
  const serializer = new v8.Serializer();
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (error) {
    throw new ValueTransferError(
      `the value cannot be passed into the sandbox: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return serializer.releaseBuffer();
}

/** Turns what the binding returned into a host value. */
export function fromWire(value: WireValue): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) throw new TypeError("a handle must be wrapped by its MiniRacer");
  const deserializer = new v8.Deserializer(value);
  deserializer.readHeader();
  return deserializer.readValue();
}
