// The host side of value transfer, called directly: the fast writer for
// plain data (src/internal/plain_writer.ts) must write exactly the bytes
// V8's own serializer writes, and src/internal/value_codec.ts must refuse
// what cannot cross with its documented messages and cut host stacks from
// errors. Written to kill StrykerJS's mutants of those files (npm run
// mutants; see test/README.md). No sandbox is made here.
import * as v8 from "node:v8";
import { describe, expect, it } from "vitest";
import { ValueTransferError } from "../src/errors.js";
import { encodePlain } from "../src/internal/plain_writer.js";
import { makeHandle } from "../src/internal/handle_wire.js";
import type { HandleOwner } from "../src/internal/handle_state.js";
import { fromWire, toWire } from "../src/internal/value_codec.js";
import { caught } from "./helpers.js";

/** What v8.Serializer writes for `value`, header included. */
function serialized(value: unknown): number[] {
  const serializer = new v8.Serializer();
  serializer.writeHeader();
  serializer.writeValue(value);
  return [...serializer.releaseBuffer()];
}

/** Reads serialization bytes back as V8 does. */
function read(bytes: Uint8Array): unknown {
  const deserializer = new v8.Deserializer(Buffer.from(bytes));
  deserializer.readHeader();
  return deserializer.readValue();
}

/**
 * Makes the next value start at an even offset of the writer's arena. The
 * writer pads two-byte strings so that their data starts at an even offset
 * of the arena (where the bytes are read from); V8 pads relative to the
 * start of its own buffer. From an even start the two agree byte for byte.
 */
function alignArena(): void {
  const probe = encodePlain(true) as Uint8Array; // 3 bytes
  if ((probe.byteOffset + probe.length) % 2 !== 0) encodePlain(true);
}

/** The writer's bytes for `value`, written from an even offset. */
function plain(value: unknown): number[] {
  alignArena();
  const bytes = encodePlain(value);
  expect(bytes, "written as plain data").toBeInstanceOf(Uint8Array);
  return [...(bytes as Uint8Array)];
}

/** n objects nested in one another: {a: {a: ... {}}}. */
function nested(n: number): object {
  let value: object = {};
  for (let i = 1; i < n; i++) value = { a: value };
  return value;
}

const HEADER = [0xff, 0x0f];

describe("the plain-data writer writes V8's own bytes", () => {
  it("strings: one-byte, two-byte with V8's padding, at every varint size", () => {
    const strings = [
      "",
      "abc",
      "\xe9t\xe9 \xff",
      "\u0100",
      "a\u20acb",
      "x".repeat(127),
      "x".repeat(128),
      "x".repeat(20_000),
      "\u20ac".repeat(63),
      "\u20ac".repeat(64),
      "\u20ac".repeat(8192),
    ];
    for (const text of strings) {
      expect(plain(text), JSON.stringify(text.slice(0, 8))).toEqual(serialized(text));
    }
    // Two-byte strings after one-byte data of each parity: the padding byte
    // goes in only when the UTF-16 data would start at an odd offset.
    for (const key of ["k", "kk", "kkk"]) {
      for (const text of ["\u20ac", "\u20ac".repeat(64)]) {
        const value = { [key]: text, b: [text, "\u0101"] };
        expect(plain(value), `${key} ${text.length}`).toEqual(serialized(value));
      }
    }
    // From an odd offset of the arena, the padding follows the arena.
    alignArena();
    encodePlain(true);
    const odd = encodePlain("\u20ac") as Uint8Array;
    expect(odd.byteOffset % 2).toBe(1);
    expect([...odd]).toEqual([...HEADER, 0x00, 0x63, 0x02, 0xac, 0x20]);
    expect(read(odd)).toBe("\u20ac");
  });

  it("numbers: zigzag int32s at the varint and int32 boundaries, doubles otherwise", () => {
    const int = (zigzag: number[]): number[] => [...HEADER, 0x49, ...zigzag];
    expect(plain(0)).toEqual(int([0x00]));
    expect(plain(-1)).toEqual(int([0x01]));
    expect(plain(1)).toEqual(int([0x02]));
    expect(plain(63)).toEqual(int([0x7e]));
    expect(plain(-64)).toEqual(int([0x7f]));
    expect(plain(64)).toEqual(int([0x80, 0x01]));
    expect(plain(-65)).toEqual(int([0x81, 0x01]));
    expect(plain(2 ** 31 - 1)).toEqual(int([0xfe, 0xff, 0xff, 0xff, 0x0f]));
    expect(plain(-(2 ** 31))).toEqual(int([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const double = (value: number): number[] => {
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setFloat64(0, value, true);
      return [...HEADER, 0x4e, ...bytes];
    };
    for (const value of [2 ** 31, -(2 ** 31) - 1, 0.5, -0, NaN, Infinity, -Infinity, 1e300, Number.MIN_VALUE, 2 ** 32]) {
      expect(plain(value), String(value)).toEqual(double(value));
      expect(Object.is(read(new Uint8Array(plain(value))), value), String(value)).toBe(true);
    }
  });

  it("booleans, null, undefined, objects, arrays, identity and cycles", () => {
    const shared = { s: 1 };
    const cycle: Record<string, unknown> = { name: "c" };
    cycle.self = cycle;
    const values: unknown[] = [
      true,
      false,
      null,
      undefined,
      {},
      [],
      { a: 1, b: "two", c: [true, false, null, undefined], d: { e: -5, f: 0.25 } },
      [[], [[]], { x: [] }],
      { one: shared, two: shared, list: [shared, shared] },
      cycle,
      Object.assign(Object.create(null) as object, { n: "null prototype" }),
      nested(16),
    ];
    for (const value of values) {
      expect(plain(value), JSON.stringify(value === cycle ? "cycle" : value)).toEqual(serialized(value));
    }
  });

  it("more objects than the linear lookup holds: identity still by id", () => {
    const objects = Array.from({ length: 40 }, (_, i) => ({ i }));
    const value = [...objects, ...objects.slice().reverse(), objects[0]];
    expect(plain(value)).toEqual(serialized(value));
    const back = read(new Uint8Array(plain(value))) as Array<{ i: number }>;
    expect(back[0]).toBe(back[79]);
    expect(back[0]).toBe(back[80]);
    expect(back[39]).toBe(back[40]);
    expect(back[5]).not.toBe(back[6]);
    expect(back.map((o) => o.i)).toEqual(value.map((o) => o.i));
    // Every object of a big value is forgotten afterwards: the same
    // objects written again get fresh ids.
    expect(plain(value)).toEqual(serialized(value));
  });

  it("what is not plain data is left to v8.Serializer (undefined)", () => {
    class Point {
      x = 1;
    }
    const holey = [1, , 3];
    for (const value of [
      new Date(0),
      new Map(),
      new Set(),
      new Point(),
      /x/,
      new Uint8Array(2),
      1n,
      Symbol("s"),
      () => 1,
      { f() {} },
      { inner: new Map() },
      [1, new Date(0)],
      holey,
      nested(17),
      { deep: nested(16) },
    ]) {
      expect(encodePlain(value)).toBeUndefined();
    }
    // An explicit undefined is not a hole.
    expect(plain([undefined, 1])).toEqual(serialized([undefined, 1]));
  });

  it("each value's bytes stay as written while later values are written", () => {
    const first = encodePlain({ first: "a".repeat(100) }) as Uint8Array;
    const expected = serialized({ first: "a".repeat(100) });
    for (let i = 0; i < 2_000; i++) encodePlain({ i, filler: "b".repeat(50) });
    // A value bigger than the arena, then small ones again.
    const big = "c".repeat(100_000);
    const bigBytes = encodePlain([big]) as Uint8Array;
    const after = encodePlain("after") as Uint8Array;
    for (let i = 0; i < 500; i++) encodePlain(["d".repeat(200)]);
    expect([...first]).toEqual(expected);
    expect([...bigBytes]).toEqual(serialized([big]));
    expect([...after]).toEqual(serialized("after"));
    // The arena grown for the big value went with it: the next one is new and small.
    expect(bigBytes.buffer.byteLength).toBeGreaterThan(100_000);
    expect(after.buffer).not.toBe(bigBytes.buffer);
    expect(after.buffer.byteLength).toBe(64 * 1024);
    // A value that was refused half-way leaves nothing behind.
    expect(encodePlain([1, 2, new Date(0)])).toBeUndefined();
    expect(plain([1, 2])).toEqual(serialized([1, 2]));
  });

  it("nothing of a value stays reachable from the writer once written, or refused", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "tests run with --expose-gc").toBeTypeOf("function");
    const refs: Array<WeakRef<object>> = [];
    const write = (count: number, refused: boolean): void => {
      const objects = Array.from({ length: count }, (_, i) => ({ i }));
      for (const object of objects) refs.push(new WeakRef(object));
      encodePlain(refused ? [...objects, new Date(0)] : objects);
    };
    write(3, false); // the linear lookup
    write(40, false); // the Map past it
    write(40, true);
    // A WeakRef holds its target until the current job ends.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc?.();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
  });

  it("a getter that encodes another value mid-write gets a writer of its own", () => {
    let inner: Uint8Array | undefined;
    const value = {
      before: "x".repeat(10),
      get g(): number {
        inner = encodePlain({ inner: [1, 2, 3] });
        return 7;
      },
      after: [4, 5],
    };
    const bytes = plain(value);
    expect(read(new Uint8Array(bytes))).toEqual({ before: "x".repeat(10), g: 7, after: [4, 5] });
    expect([...(inner as Uint8Array)]).toEqual(serialized({ inner: [1, 2, 3] }));
  });
});

describe("toWire and fromWire", () => {
  it("primitives cross as they are; functions and symbols are refused with their own messages", () => {
    for (const value of ["s", 1.5, -0, true, false, undefined, null]) {
      expect(Object.is(toWire(value), value)).toBe(true);
    }
    const fn = caught(() => toWire(() => 1));
    expect(fn).toBeInstanceOf(ValueTransferError);
    expect((fn as Error).message).toBe("a function cannot be passed into the sandbox");
    const symbol = caught(() => toWire(Symbol("s")));
    expect(symbol).toBeInstanceOf(ValueTransferError);
    expect((symbol as Error).message).toBe("a symbol cannot be passed into the sandbox");
  });

  it("plain data takes the fast writer; the rest v8.Serializer's bytes", () => {
    expect([...(toWire({ a: [1] }) as Uint8Array)]).toEqual(serialized({ a: [1] }));
    for (const value of [12n, new Date(5), new Map([[1, { k: "v" }]]), new Set(["s"]), /re/g, new Uint16Array([1, 2])]) {
      const wire = toWire(value) as Uint8Array;
      expect([...wire]).toEqual(serialized(value));
      expect(fromWire(wire)).toEqual(value);
    }
  });

  it("what structured clone refuses: ValueTransferError with the cause kept on the host", () => {
    for (const value of [new WeakMap(), Promise.resolve(1), { f: () => 1, pad: new Date(0) }, [new WeakSet()]]) {
      const error = caught(() => toWire(value));
      expect(error).toBeInstanceOf(ValueTransferError);
      expect((error as Error).message).toBe(
        "the value cannot be passed into the sandbox: it holds something structured clone cannot copy " +
          "(a function, a symbol, a WeakMap, a Promise, a Proxy, ...)",
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    // Arrays and objects past the writer's depth go to the serializer too.
    for (const wrap of [(inner: unknown) => [inner], (inner: unknown) => ({ inner })]) {
      let nestedValue: unknown = 0;
      for (let i = 0; i < 100_000; i++) nestedValue = wrap(nestedValue);
      const refused = caught(() => toWire(nestedValue));
      expect(refused).toBeInstanceOf(ValueTransferError);
      expect((refused as Error).message).toBe("the value cannot be passed into the sandbox: it is nested too deeply to copy");
    }
    let deep: unknown = new Map();
    for (let i = 0; i < 100_000; i++) deep = new Map([[1, deep]]);
    const error = caught(() => toWire(deep));
    expect(error).toBeInstanceOf(ValueTransferError);
    expect((error as Error).message).toBe("the value cannot be passed into the sandbox: it is nested too deeply to copy");
    expect((error as Error).cause).toBeInstanceOf(RangeError);
  });

  it("a handle nested where only v8.Serializer goes: found among nulls, primitives and cycles, cause kept", () => {
    const owner = { closed: false, release: () => {} } as unknown as HandleOwner;
    const handle = makeHandle(owner, 8, 1);
    const cyclic = new Map<unknown, unknown>();
    cyclic.set("self", cyclic);
    for (const value of [
      new Map<unknown, unknown>([[1, handle], [2, null], [null, "x"]]),
      new Set([handle, null, 3, "s"]),
      [new Date(0), null, 1, { deep: [handle] }],
      new Map<unknown, unknown>([["cycle", cyclic], ["h", handle]]),
    ]) {
      const error = caught(() => toWire(value));
      expect(error).toBeInstanceOf(ValueTransferError);
      expect((error as Error).message).toBe(
        "a handle cannot be passed inside a copied value: pass it as an argument of its own " +
          "(or store it with the object handle's set())",
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    // A getter is not run to look for one: the generic message.
    let ran = 0;
    const withGetter = [
      new Date(0),
      {
        get h(): unknown {
          ran++;
          return handle;
        },
      },
    ];
    expect((caught(() => toWire(withGetter)) as Error).message).toMatch(/^the value cannot be passed into the sandbox: it holds/);
    expect(ran).toBe(1); // by v8.Serializer itself, not by the search
  });

  it("values that are not plain data, with nulls and cycles, cross intact", () => {
    const cyclic = new Map<unknown, unknown>([[null, null]]);
    cyclic.set("self", cyclic);
    const value = { cyclic, set: new Set([null, 1, "s", cyclic]), error: new Error("e", { cause: null }) };
    const back = fromWire(toWire(value)) as typeof value;
    expect(back.cyclic.get("self")).toBe(back.cyclic);
    expect(back.cyclic.get(null)).toBeNull();
    expect([...back.set].slice(0, 3)).toEqual([null, 1, "s"]);
    expect([...back.set][3]).toBe(back.cyclic);
    expect(back.error.stack).toBe("Error: e");
    expect(back.error.cause).toBeNull();
  });

  it("errors cross without their host stacks, wherever they sit", () => {
    const plainError = new Error("m");
    const typeError = new TypeError("t");
    const empty = new Error("");
    const renamed = new Error("r");
    renamed.name = "Custom";
    const inCause = new Error("outer", { cause: new RangeError("inner") });
    const value = {
      plainError,
      list: [typeError, 1],
      map: new Map<unknown, unknown>([[new Error("key"), new Error("value")]]),
      set: new Set([empty]),
      inCause,
      nested: { deeper: { renamed } },
      date: new Date(0),
    };
    const back = fromWire(toWire(value)) as typeof value;
    expect(back.plainError.stack).toBe("Error: m");
    expect(back.list[0]).toBeInstanceOf(TypeError);
    expect((back.list[0] as Error).stack).toBe("TypeError: t");
    const [[key, entry]] = [...back.map] as Array<[Error, Error]>;
    expect(key.stack).toBe("Error: key");
    expect(entry.stack).toBe("Error: value");
    expect([...back.set][0]!.stack).toBe("Error");
    expect(back.inCause.stack).toBe("Error: outer");
    expect((back.inCause.cause as Error).stack).toBe("RangeError: inner");
    expect(back.nested.deeper.renamed.stack).toBe("Error: r");
    expect(back.nested.deeper.renamed.message).toBe("r");
    expect(back.date).toEqual(new Date(0));
    // The host's own errors keep their stacks.
    expect(plainError.stack).toContain("codec.test");
    // A value with no error in it crosses as the serializer wrote it.
    const noError = { when: new Date(1), list: [new Map([[1, 2]])] };
    expect([...(toWire(noError) as Uint8Array)]).toEqual(serialized(noError));
  });

  it("fromWire: primitives as they are, handles refused, bad bytes a ValueTransferError", () => {
    for (const value of ["s", 2, null, undefined, false]) expect(fromWire(value)).toBe(value);
    const handle = caught(() => fromWire([7, 1]));
    expect(handle).toBeInstanceOf(TypeError);
    expect((handle as Error).message).toBe("a handle must be wrapped by its MiniRacer");
    const bad = caught(() => fromWire(new Uint8Array([0xff, 0x0f, 0x99])));
    expect(bad).toBeInstanceOf(ValueTransferError);
    expect((bad as Error).message).toMatch(/^the value cannot be copied to the host: ./);
    expect((bad as Error).cause).toBeInstanceOf(Error);
  });
});
