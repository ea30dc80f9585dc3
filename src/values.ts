/**
 * Host side of value transfer. Primitives cross as they are; everything else
 * crosses as V8 serialization bytes (the structured-clone format), which
 * both sides read with the same V8, so no JSON text is involved.
 * @internal
 */
import * as v8 from "node:v8";
import { ValueTransferError } from "./errors";
import type { WireValue } from "./native";

// Plain data (strings, numbers, booleans, null, undefined, dense arrays and
// plain objects of those, up to a depth) is written here, in V8's own
// serialization format (the one v8.Serializer writes), several times
// faster than Node's JS-level v8.Serializer. The sandbox reads it with the
// same ValueDeserializer as everything else. Anything else returns
// undefined and takes the Serializer path.
const MAX_PLAIN_DEPTH = 16;
// Values are written into an arena and handed out as views of it. The
// arena is only ever appended to, and replaced (never rewound) when full,
// so a view stays valid however long it lives: no copy and no allocation
// per value, one 64 KiB buffer per few thousand small values.
const ARENA_SIZE = 64 * 1024;
let scratch = new Uint8Array(ARENA_SIZE);
let scratchView = new DataView(scratch.buffer);
let position = 0;
let valueStart = 0;

function reserve(bytes: number): void {
  if (position + bytes <= scratch.length) return;
  // Move the value written so far to a new arena big enough for it.
  const written = scratch.subarray(valueStart, position);
  let size = ARENA_SIZE;
  while (size < written.length + bytes) size *= 2;
  const arena = new Uint8Array(size);
  arena.set(written);
  scratch = arena;
  scratchView = new DataView(arena.buffer);
  position = written.length;
  valueStart = 0;
}

function writeVarint(value: number): void {
  while (value >= 0x80) {
    scratch[position++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  scratch[position++] = value;
}

function writeString(text: string): void {
  const length = text.length;
  let oneByte = true;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(i) > 0xff) {
      oneByte = false;
      break;
    }
  }
  if (oneByte) {
    reserve(6 + length);
    scratch[position++] = 0x22; // '"': one-byte (Latin-1) string
    writeVarint(length);
    for (let i = 0; i < length; i++) scratch[position++] = text.charCodeAt(i);
    return;
  }
  const bytes = length * 2;
  reserve(7 + bytes);
  // Like V8: pad so that the UTF-16 data starts at an even offset.
  let varintSize = 1;
  for (let n = bytes; n >= 0x80; n = Math.floor(n / 0x80)) varintSize++;
  if ((position + 1 + varintSize) & 1) scratch[position++] = 0x00;
  scratch[position++] = 0x63; // 'c': two-byte string
  writeVarint(bytes);
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    scratch[position++] = unit & 0xff;
    scratch[position++] = unit >> 8;
  }
}

function writePlain(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
      writeString(value);
      return true;
    case "number":
      reserve(10);
      if ((value | 0) === value && !Object.is(value, -0)) {
        scratch[position++] = 0x49; // 'I': zigzag int32
        writeVarint(((value << 1) ^ (value >> 31)) >>> 0);
      } else {
        scratch[position++] = 0x4e; // 'N': double
        scratchView.setFloat64(position, value, true);
        position += 8;
      }
      return true;
    case "boolean":
      reserve(1);
      scratch[position++] = value ? 0x54 : 0x46; // 'T' / 'F'
      return true;
    case "undefined":
      reserve(1);
      scratch[position++] = 0x5f; // '_'
      return true;
    case "object": {
      if (value === null) {
        reserve(1);
        scratch[position++] = 0x30; // '0'
        return true;
      }
      if (depth >= MAX_PLAIN_DEPTH) return false;
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) return false;
        const length = value.length;
        reserve(11);
        scratch[position++] = 0x41; // 'A': dense array
        writeVarint(length);
        for (let i = 0; i < length; i++) {
          const element: unknown = value[i];
          if (element === undefined && !(i in value)) return false; // a hole: sparse
          if (!writePlain(element, depth + 1)) return false;
        }
        reserve(11);
        scratch[position++] = 0x24; // '$': end of dense array
        writeVarint(0);
        writeVarint(length);
        return true;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      reserve(1);
      scratch[position++] = 0x6f; // 'o': object
      let count = 0;
      for (const key in value) {
        writeString(key);
        if (!writePlain((value as Record<string, unknown>)[key], depth + 1)) return false;
        count++;
      }
      reserve(6);
      scratch[position++] = 0x7b; // '{': end of object
      writeVarint(count);
      return true;
    }
    default:
      return false;
  }
}

/** V8 serialization bytes of plain data, or undefined for anything else. */
function encodePlain(value: unknown): Uint8Array | undefined {
  valueStart = position;
  reserve(2);
  scratch[position++] = 0xff; // header: version 15, as V8 11 writes
  scratch[position++] = 0x0f;
  if (!writePlain(value, 0)) {
    position = valueStart; // nothing handed out: the space is reused
    return undefined;
  }
  return scratch.subarray(valueStart, position);
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
    throw new ValueTransferError(
      "the value cannot be passed into the sandbox: it holds something structured clone cannot copy " +
        "(a function, a symbol, a class instance with private state, ...)",
      { cause: error },
    );
  }
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
