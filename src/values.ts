/**
 * Host side of value transfer. Primitives cross as they are; everything else
 * crosses as V8 serialization bytes (the structured-clone format), which
 * both sides read with the same V8, so no JSON text is involved.
 * @internal
 */
import * as v8 from "node:v8";
import { ValueTransferError } from "./errors";
import type { WireValue } from "./native";

// Plain data (JSON's types, dense arrays, plain objects, no -0, NaN,
// Infinity or undefined) up to this depth crosses as JSON text, which
// JSON.stringify and the sandbox's JSON.parse handle several times faster
// than v8.Serializer; everything else takes the structured-clone path.
const JSON_MAX_DEPTH = 8;

function isPlainData(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth >= JSON_MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        if (Object.getPrototypeOf(value) !== Array.prototype) return false;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainData(value[i], depth + 1)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// One-byte tags, so that tagged JSON text stays a one-byte string.
const JSON_TAG = "\x01";
const ESCAPE_TAG = "\x02";

/** Turns a host value into what the binding accepts. */
export function toWire(value: unknown): WireValue {
  switch (typeof value) {
    case "string": {
      // Real text rarely starts with a control character: escaping those
      // few strings is the only cost of tagging.
      const first = value.charCodeAt(0);
      return first === 1 || first === 2 ? ESCAPE_TAG + value : value;
    }
    case "number":
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
  if (isPlainData(value, 0)) return JSON_TAG + JSON.stringify(value);
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
