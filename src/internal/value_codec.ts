/**
 * Host side of value transfer. Primitives cross as they are; everything else
 * crosses as V8 serialization bytes (the structured-clone format), which
 * both sides read with the same V8, so no JSON text is involved. Plain data
 * takes the fast writer in plain_writer.ts; the rest goes through
 * v8.Serializer here, with host stacks cut from errors on the way in.
 * @internal
 */
import * as v8 from "node:v8";
import { ValueTransferError } from "../errors";
import type { WireValue } from "./addon";
import { isHandle } from "./handle_state";
import { encodePlain, NESTED_HANDLE_MESSAGE } from "./plain_writer";

/**
 * Whether a handle sits somewhere in `value`, for the message of a copy that
 * failed. Reads what structured clone would (own enumerable keys, elements,
 * Map and Set entries) but only data properties, so no getter runs; gives
 * up (false) after a bounded amount of work or on any throw.
 */
function holdsHandle(value: unknown): boolean {
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  let budget = 100_000;
  const push = (descriptor: PropertyDescriptor | undefined): void => {
    if (descriptor !== undefined && "value" in descriptor) pending.push(descriptor.value);
  };
  try {
    while (pending.length > 0 && budget > 0) {
      const item = pending.pop();
      if ((typeof item !== "object" && typeof item !== "function") || item === null || seen.has(item)) continue;
      if (isHandle(item)) return true;
      seen.add(item);
      budget--;
      // Their indices hold no objects (and may be many).
      if (ArrayBuffer.isView(item) || item instanceof ArrayBuffer || item instanceof String) continue;
      if (item instanceof Map) {
        Map.prototype.forEach.call(item, (entry: unknown, key: unknown) => {
          if (budget-- > 0) pending.push(key, entry);
        });
      } else if (item instanceof Set) {
        Set.prototype.forEach.call(item, (entry: unknown) => {
          if (budget-- > 0) pending.push(entry);
        });
      }
      if (Array.isArray(item)) {
        const length = Math.min(item.length, budget);
        for (let i = 0; i < length; i++) push(Object.getOwnPropertyDescriptor(item, i));
        budget -= length;
        continue;
      }
      for (const key of Object.keys(item)) {
        if (budget-- <= 0) break;
        push(Object.getOwnPropertyDescriptor(item, key));
      }
    }
  } catch {
    // (A host Proxy's trap threw: the generic message stands.)
  }
  return false;
}

/** Turns a host value into what the binding accepts. */
export function toWire(value: unknown): WireValue {
  switch (typeof value) {
    case "string":
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
  const plain = encodePlain(value);
  if (plain !== undefined) return plain;
  // The base Serializer writes typed arrays in V8's own format (Node's
  // default one writes them as Node host objects, which a sandbox cannot read).
  const serializer = new v8.Serializer();
  serializer.writeHeader();
  try {
    serializer.writeValue(value);
  } catch (error) {
    // Not the serializer's message: it quotes the value (a function's whole
    // source), and this message may reach the sandbox through a host
    // function. The detail stays in `cause`, on the host.
    if (error instanceof RangeError) {
      throw new ValueTransferError("the value cannot be passed into the sandbox: it is nested too deeply to copy", {
        cause: error,
      });
    }
    // (Only on failure: the walk is not worth it for values that cross.)
    if (holdsHandle(value)) throw new ValueTransferError(NESTED_HANDLE_MESSAGE, { cause: error });
    throw new ValueTransferError(
      "the value cannot be passed into the sandbox: it holds something structured clone cannot copy " +
        "(a function, a symbol, a WeakMap, a Promise, a Proxy, ...)",
      { cause: error },
    );
  }
  return withoutHostStacks(serializer.releaseBuffer());
}

/**
 * Host errors cross with their name, message, cause and own properties,
 * never their stack: a host stack names host files and frames, which no
 * sandbox may see. V8's serializer writes an Error's stack, so the written
 * value is read back on the host (a copy: no getter or Proxy of the
 * original runs again, so what is checked is what crosses), and when it
 * holds an Error, each one's stack is cut to its first line
 * ("TypeError: message") and the copy written again. Only values that are
 * not plain data come here; those without an Error pay one extra read.
 */
function withoutHostStacks(written: Buffer): Buffer {
  const deserializer = new v8.Deserializer(written);
  deserializer.readHeader();
  const copy: unknown = deserializer.readValue();
  let found = false;
  const seen = new Set<object>();
  const pending: unknown[] = [copy];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item !== "object" || item === null || seen.has(item)) continue;
    seen.add(item);
    if (item instanceof Error) {
      found = true;
      const message = String(item.message);
      Object.defineProperty(item, "stack", {
        value: message === "" ? String(item.name) : `${String(item.name)}: ${message}`,
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
    if (item instanceof Map) {
      for (const [key, value] of item) pending.push(key, value);
    } else if (item instanceof Set) {
      for (const value of item) pending.push(value);
    } else if (item instanceof Error) {
      // V8 writes an error's message, stack and cause, nothing else.
      if (Object.hasOwn(item, "cause")) pending.push(item.cause);
    } else if (!ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer)) {
      // Arrays (only the elements present) and plain objects.
      for (const value of Object.values(item)) {
        if (typeof value === "object" && value !== null) pending.push(value);
      }
    }
  }
  if (!found) return written;
  const serializer = new v8.Serializer();
  serializer.writeHeader();
  serializer.writeValue(copy);
  return serializer.releaseBuffer();
}

/** Turns what the binding returned into a host value. */
export function fromWire(value: WireValue): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) throw new TypeError("a handle must be wrapped by its MiniRacer");
  try {
    const deserializer = new v8.Deserializer(value);
    deserializer.readHeader();
    return deserializer.readValue();
  } catch (error) {
    // E.g. nesting deeper than the host's stack allows.
    throw new ValueTransferError(`the value cannot be copied to the host: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
