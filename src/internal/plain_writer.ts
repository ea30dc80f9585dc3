/**
 * The fast path of value transfer: plain data written directly in V8's
 * serialization format (details below). value_codec.ts tries it first and
 * falls back to v8.Serializer for anything else.
 * @internal
 */
import { ValueTransferError } from "../errors";
import { isHandle } from "./handle_state";

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
// From this length on a string is checked and copied by Node's native code
// (a regular expression, Buffer#write) instead of a loop of charCodeAt: a
// string made by concatenation or repeat() (a module's source, say) is a
// tree of pieces that V8 need not flatten for charCodeAt, which then walks
// the tree for every character (seconds for 20 MB on V8 13).
const NATIVE_COPY_UNITS = 1024;
const TWO_BYTE_UNIT = /[\u0100-\uffff]/;

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
    const native = length >= NATIVE_COPY_UNITS;
    let oneByte = true;
    if (native) {
      oneByte = !TWO_BYTE_UNIT.test(text);
    } else {
      for (let i = 0; i < length; i++) {
        if (text.charCodeAt(i) > 0xff) {
          oneByte = false;
          break;
        }
      }
    }
    if (oneByte) {
      this.reserve(6 + length);
      this.scratch[this.position++] = 0x22; // '"': one-byte (Latin-1) string
      this.writeVarint(length);
      if (native) {
        this.position += this.asBuffer().write(text, this.position, length, "latin1");
        return;
      }
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
    if (native) {
      // UTF-16LE code units as they are (lone surrogates included).
      this.position += this.asBuffer().write(text, this.position, bytes, "utf16le");
      return;
    }
    const scratch = this.scratch;
    let position = this.position;
    for (let i = 0; i < length; i++) {
      const unit = text.charCodeAt(i);
      scratch[position++] = unit & 0xff;
      scratch[position++] = unit >> 8;
    }
    this.position = position;
  }

  /** The arena as a Buffer (same memory), for Node's native string writes. */
  asBuffer(): Buffer {
    return Buffer.from(this.scratch.buffer, this.scratch.byteOffset, this.scratch.byteLength);
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

/** V8 serialization bytes of plain data (a view of the arena), or undefined for anything else. */
export function encodePlain(value: unknown): Uint8Array | undefined {
  const writer = idleWriter ?? new PlainWriter();
  idleWriter = null;
  try {
    return writer.encode(value);
  } finally {
    idleWriter = writer;
  }
}

/** Why a handle nested in a value cannot cross. */
export const NESTED_HANDLE_MESSAGE =
  "a handle cannot be passed inside a copied value: pass it as an argument of its own " +
  "(or store it with the object handle's set())";

/** Throws when `value` is a handle: it crosses only as a whole argument. */
function refuseNestedHandle(value: object): void {
  if (isHandle(value)) throw new ValueTransferError(NESTED_HANDLE_MESSAGE);
}
