/**
 * Host side of value transfer. Primitives cross as they are; everything else
 * crosses as V8 serialization bytes (the structured-clone format), which
 * both sides read with the same V8, so no JSON text is involved.
 * @internal
 */
import * as v8 from "node:v8";
import { ValueTransferError } from "./errors";
import { isHandle } from "./handles";
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
// Objects of one value looked up by a scan; past that many, by a Map.
const LINEAR_LOOKUP_OBJECTS = 16;

/**
 * One encoding in progress. A getter of the value may encode another value
 * (for this or another MiniRacer) while this one is half written, so the
 * position lives here, not in module state: the nested encoding takes a
 * writer of its own (see encodePlain).
 */
class PlainWriter {
  scratch = new Uint8Array(ARENA_SIZE);
  view = new DataView(this.scratch.buffer);
  position = 0;
  valueStart = 0;
  // The objects written so far: V8 numbers objects in the order they are
  // written, and a second occurrence refers back to that id (structured-
  // clone identity, cycles). The first few are in a list, the rest in a Map.
  readonly objects: Array<object | undefined> = new Array<object | undefined>(LINEAR_LOOKUP_OBJECTS).fill(undefined);
  objectCount = 0;
  ids: Map<object, number> | null = null;

  reserve(bytes: number): void {
    if (this.position + bytes <= this.scratch.length) return;
    // Move the value written so far to a new arena big enough for it.
    const written = this.scratch.subarray(this.valueStart, this.position);
    let size = ARENA_SIZE;
    while (size < written.length + bytes) size *= 2;
    const arena = new Uint8Array(size);
    arena.set(written);
    this.scratch = arena;
    this.view = new DataView(arena.buffer);
    this.position = written.length;
    this.valueStart = 0;
  }

  writeVarint(value: number): void {
    const scratch = this.scratch;
    while (value >= 0x80) {
      scratch[this.position++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    scratch[this.position++] = value;
  }

  writeString(text: string): void {
    const length = text.length;
    let oneByte = true;
    for (let i = 0; i < length; i++) {
      if (text.charCodeAt(i) > 0xff) {
        oneByte = false;
        break;
      }
    }
    if (oneByte) {
      this.reserve(6 + length);
      this.scratch[this.position++] = 0x22; // '"': one-byte (Latin-1) string
      this.writeVarint(length);
      const scratch = this.scratch;
      let position = this.position;
      for (let i = 0; i < length; i++) scratch[position++] = text.charCodeAt(i);
      this.position = position;
      return;
    }
    const bytes = length * 2;
    this.reserve(7 + bytes);
    // Like V8: pad so that the UTF-16 data starts at an even offset.
    let varintSize = 1;
    for (let n = bytes; n >= 0x80; n = Math.floor(n / 0x80)) varintSize++;
    if ((this.position + 1 + varintSize) & 1) this.scratch[this.position++] = 0x00;
    this.scratch[this.position++] = 0x63; // 'c': two-byte string
    this.writeVarint(bytes);
    const scratch = this.scratch;
    let position = this.position;
    for (let i = 0; i < length; i++) {
      const unit = text.charCodeAt(i);
      scratch[position++] = unit & 0xff;
      scratch[position++] = unit >> 8;
    }
    this.position = position;
  }

  /** The id of an object already written, or -1 (and it gets the next id). */
  idOf(object: object): number {
    const count = this.objectCount;
    if (count < LINEAR_LOOKUP_OBJECTS) {
      // Most values hold a few objects: a scan costs less than a Map.
      const objects = this.objects;
      for (let i = 0; i < count; i++) if (objects[i] === object) return i;
      objects[count] = object;
      this.objectCount = count + 1;
      return -1;
    }
    let ids = this.ids;
    if (ids === null) {
      ids = this.ids = new Map<object, number>();
      for (let i = 0; i < count; i++) ids.set(this.objects[i] as object, i);
    }
    const id = ids.get(object);
    if (id !== undefined) return id;
    ids.set(object, count);
    this.objectCount = count + 1;
    return -1;
  }

  writePlain(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case "string":
        this.writeString(value);
        return true;
      case "number":
        this.reserve(10);
        if ((value | 0) === value && !Object.is(value, -0)) {
          this.scratch[this.position++] = 0x49; // 'I': zigzag int32
          this.writeVarint(((value << 1) ^ (value >> 31)) >>> 0);
        } else {
          this.scratch[this.position++] = 0x4e; // 'N': double
          this.view.setFloat64(this.position, value, true);
          this.position += 8;
        }
        return true;
      case "boolean":
        this.reserve(1);
        this.scratch[this.position++] = value ? 0x54 : 0x46; // 'T' / 'F'
        return true;
      case "undefined":
        this.reserve(1);
        this.scratch[this.position++] = 0x5f; // '_'
        return true;
      case "object": {
        if (value === null) {
          this.reserve(1);
          this.scratch[this.position++] = 0x30; // '0'
          return true;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        const isArray = Array.isArray(value);
        if (isArray ? proto !== Array.prototype : proto !== Object.prototype && proto !== null) {
          refuseNestedHandle(value);
          return false;
        }
        const id = this.idOf(value);
        if (id !== -1) {
          this.reserve(6);
          this.scratch[this.position++] = 0x5e; // '^': the object with this id
          this.writeVarint(id);
          return true;
        }
        if (depth >= MAX_PLAIN_DEPTH) return false;
        if (isArray) {
          const array = value as unknown[];
          const length = array.length;
          this.reserve(11);
          this.scratch[this.position++] = 0x41; // 'A': dense array
          this.writeVarint(length);
          for (let i = 0; i < length; i++) {
            const element: unknown = array[i];
            if (element === undefined && !(i in array)) return false; // a hole: sparse
            if (!this.writePlain(element, depth + 1)) return false;
          }
          this.reserve(11);
          this.scratch[this.position++] = 0x24; // '$': end of dense array
          this.writeVarint(0);
          this.writeVarint(length);
          return true;
        }
        this.reserve(1);
        this.scratch[this.position++] = 0x6f; // 'o': object
        let count = 0;
        for (const key in value) {
          this.writeString(key);
          if (!this.writePlain((value as Record<string, unknown>)[key], depth + 1)) return false;
          count++;
        }
        this.reserve(6);
        this.scratch[this.position++] = 0x7b; // '{': end of object
        this.writeVarint(count);
        return true;
      }
      case "function":
        refuseNestedHandle(value);
        return false;
      default:
        return false;
    }
  }

  /** V8 serialization bytes of plain data, or undefined for anything else. */
  encode(value: unknown): Uint8Array | undefined {
    this.valueStart = this.position;
    this.reserve(2);
    this.scratch[this.position++] = 0xff; // header: version 15, as V8 11 writes
    this.scratch[this.position++] = 0x0f;
    let written = false;
    try {
      written = this.writePlain(value, 0);
    } finally {
      // Nothing of the value stays reachable from the writer.
      const listed = Math.min(this.objectCount, LINEAR_LOOKUP_OBJECTS);
      for (let i = 0; i < listed; i++) this.objects[i] = undefined;
      this.objectCount = 0;
      this.ids = null;
      if (!written) this.position = this.valueStart; // nothing handed out: the space is reused
    }
    if (!written) return undefined;
    const bytes = this.scratch.subarray(this.valueStart, this.position);
    if (this.scratch.length > ARENA_SIZE) {
      // An arena grown for one large value goes with that value's view:
      // the writer starts the next one small again.
      this.scratch = new Uint8Array(ARENA_SIZE);
      this.view = new DataView(this.scratch.buffer);
      this.position = 0;
    }
    return bytes;
  }
}

// The writer no encoding is using; an encoding that starts while another
// is in progress (from a getter) makes a writer of its own.
let idleWriter: PlainWriter | null = new PlainWriter();

function encodePlain(value: unknown): Uint8Array | undefined {
  const writer = idleWriter ?? new PlainWriter();
  idleWriter = null;
  try {
    return writer.encode(value);
  } finally {
    idleWriter = writer;
  }
}

const NESTED_HANDLE_MESSAGE =
  "a handle cannot be passed inside a copied value: pass it as an argument of its own " +
  "(or store it with the object handle's set())";

/** Throws when `value` is a handle: it crosses only as a whole argument. */
function refuseNestedHandle(value: object): void {
  if (isHandle(value)) throw new ValueTransferError(NESTED_HANDLE_MESSAGE);
}

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
