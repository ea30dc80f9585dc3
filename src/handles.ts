/**
 * Handles: host-side stand-ins for sandbox values that stay in the sandbox
 * (functions, symbols, and any object asked for with `{ handle: true }`).
 * A handle keeps its value alive until `release()`, until the handle is
 * garbage-collected on the host, or until its MiniRacer closes.
 */
import { ContextClosedError, HandleReleasedError, ValueTransferError } from "./errors";
import type { AsyncCallOptions, CallOptions } from "./mini_racer";
import type { WireValue } from "./native";

/** Handle kinds, as the native layer numbers them (native/capi/mini_racer.h). @internal */
export const enum HandleType {
  Function = 7,
  Object = 8,
  Array = 9,
  Symbol = 10,
}

/** Native handle operations (mr_handle_op). @internal */
export const enum HandleOp {
  Call = 0,
  Get = 1,
  Set = 2,
  Delete = 3,
  Has = 4,
  Keys = 5,
}

/** A key of a property: a string, an array index, or a symbol handle. */
export type PropertyKey = string | number | JSSymbolHandle;

/** Options of a property read. */
export interface GetOptions {
  /** Return an object value as a handle instead of a copy. */
  handle?: boolean;
  /** Time limit in ms (getters and proxies run sandbox code). */
  timeout?: number;
}

/** Options of the other property operations. */
export interface PropertyOptions {
  /** Time limit in ms (setters and proxies run sandbox code). */
  timeout?: number;
}

/** What a handle needs of the MiniRacer it belongs to. @internal */
export interface HandleOwner {
  /** Throws ContextClosedError once closed. */
  readonly closed: boolean;
  op(op: HandleOp, id: number, args: WireValue[], timeout: number | undefined, handles: boolean): unknown;
  toWire(value: unknown): WireValue;
  invoke(id: number, thisArg: unknown, args: readonly unknown[], options: object | undefined): unknown;
  /** `f(...args)`: no options, `this` undefined. The hot path; may reuse `args`. */
  call(id: number, args: unknown[]): unknown;
  invokeAsync(id: number, thisArg: unknown, args: readonly unknown[], options: object | undefined): Promise<unknown>;
  release(id: number): void;
}

interface HandleState {
  owner: HandleOwner;
  id: number;
  type: HandleType;
  released: boolean;
}

// State lives beside the handle, not on it: nothing of it is enumerable or
// reachable from the handle object itself.
const states = new WeakMap<object, HandleState>();

// The live handle object of each id, per MiniRacer: the sandbox hands out
// one id per value, so the same sandbox function passed to a host function a
// million times is one handle here too, not a million.
const byId = new WeakMap<HandleOwner, Map<number, WeakRef<object>>>();

// Handles the host drops without release() give their value back here.
const collected = new FinalizationRegistry<{ owner: HandleOwner; id: number; state: { released: boolean } }>(
  ({ owner, id, state }) => {
    if (!state.released && !owner.closed) owner.release(id);
    const known = byId.get(owner);
    if (known !== undefined && known.get(id)?.deref() === undefined) known.delete(id);
  },
);

function live(handle: object): HandleState {
  const state = states.get(handle);
  if (state === undefined) throw new TypeError("not a mini-racer handle");
  if (state.owner.closed) throw new ContextClosedError();
  if (state.released) throw new HandleReleasedError();
  return state;
}

function keyToWire(state: HandleState, key: unknown): WireValue {
  if (typeof key === "string" || typeof key === "number") return key;
  if (key instanceof JSSymbolHandle) return state.owner.toWire(key);
  throw new TypeError("a key must be a string, a number or a JSSymbolHandle");
}

function timeoutOf(options: PropertyOptions | undefined): number | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  return options.timeout;
}

function release(handle: object): void {
  const state = states.get(handle);
  if (state === undefined || state.released) return;
  state.released = true;
  collected.unregister(state);
  if (!state.owner.closed) state.owner.release(state.id);
}

const propertyMethods = {
  get(this: object, key: PropertyKey, options?: GetOptions): unknown {
    const state = live(this);
    const handles = options?.handle === true;
    return state.owner.op(HandleOp.Get, state.id, [keyToWire(state, key)], timeoutOf(options), handles);
  },
  set(this: object, key: PropertyKey, value: unknown, options?: PropertyOptions): void {
    const state = live(this);
    const wire = [keyToWire(state, key), state.owner.toWire(value)];
    state.owner.op(HandleOp.Set, state.id, wire, timeoutOf(options), false);
  },
  delete(this: object, key: PropertyKey, options?: PropertyOptions): boolean {
    const state = live(this);
    return state.owner.op(HandleOp.Delete, state.id, [keyToWire(state, key)], timeoutOf(options), false) as boolean;
  },
  has(this: object, key: PropertyKey, options?: PropertyOptions): boolean {
    const state = live(this);
    return state.owner.op(HandleOp.Has, state.id, [keyToWire(state, key)], timeoutOf(options), false) as boolean;
  },
  keys(this: object, options?: PropertyOptions): string[] {
    const state = live(this);
    return state.owner.op(HandleOp.Keys, state.id, [], timeoutOf(options), false) as string[];
  },
  entries(this: object): Array<[string, unknown]> {
    const keys = propertyMethods.keys.call(this);
    return keys.map((key) => [key, propertyMethods.get.call(this, key)]);
  },
};

/** Base of the handle classes (function handles are functions instead). */
export abstract class JSHandle {
  /** @internal */
  protected constructor() {}

  /** Lets the sandbox drop the value. Idempotent; any later use throws {@link HandleReleasedError}. */
  release(): void {
    release(this);
  }

  /** Whether `release()` was called. */
  get released(): boolean {
    return states.get(this)?.released ?? true;
  }

  /** `using h = mr.eval(..., { handle: true })` releases it at the end of the scope. */
  [Symbol.dispose](): void {
    release(this);
  }
}

/**
 * A sandbox object kept in the sandbox. Its properties are read and written
 * through the methods below (each runs in the sandbox, with a time limit).
 * Iterating it yields `[key, value]` pairs of its own enumerable string keys.
 */
export class JSObjectHandle extends JSHandle {
  /** The value of `object[key]` (a copy, or a handle for functions and with `{ handle: true }`). */
  get(key: PropertyKey, options?: GetOptions): unknown {
    return propertyMethods.get.call(this, key, options);
  }
  /** `object[key] = value` (the value is copied in; handles arrive as themselves). */
  set(key: PropertyKey, value: unknown, options?: PropertyOptions): void {
    propertyMethods.set.call(this, key, value, options);
  }
  /** `delete object[key]`. */
  delete(key: PropertyKey, options?: PropertyOptions): boolean {
    return propertyMethods.delete.call(this, key, options);
  }
  /** `key in object` (the prototype chain included). */
  has(key: PropertyKey, options?: PropertyOptions): boolean {
    return propertyMethods.has.call(this, key, options);
  }
  /** `Object.keys(object)`. */
  keys(options?: PropertyOptions): string[] {
    return propertyMethods.keys.call(this, options);
  }
  /** `[key, value]` for each of `keys()`. */
  entries(): Array<[string, unknown]> {
    return propertyMethods.entries.call(this);
  }
  /** Yields `[key, value]` pairs, as {@link JSObjectHandle.entries} (an array handle yields its elements). */
  *[Symbol.iterator](): Iterator<unknown> {
    yield* this.entries();
  }
}

/** A sandbox array kept in the sandbox. Iterating it yields its elements. */
export class JSArrayHandle extends JSObjectHandle {
  /** The array's `length`. */
  get length(): number {
    return this.get("length") as number;
  }
  override *[Symbol.iterator](): Iterator<unknown> {
    const length = this.length;
    for (let i = 0; i < length; i++) yield this.get(i);
  }
}

/** A sandbox symbol: an opaque token that can be passed back or used as a key. */
export class JSSymbolHandle extends JSHandle {}

/** Options of a function handle call. */
export interface InvokeOptions {
  /** `this` inside the sandbox function (copied in; handles arrive as themselves). */
  thisArg?: unknown;
}

/**
 * A sandbox function kept in the sandbox, callable from the host:
 * `f(1, 2)` calls it synchronously with copies of the arguments (handles
 * arrive as themselves) and the MiniRacer's default time limit. It also has
 * the property methods of {@link JSObjectHandle}.
 */
export interface JSFunctionHandle {
  (...args: unknown[]): unknown;
}
export class JSFunctionHandle extends Function {
  /** @internal */
  private constructor() {
    super();
    throw new TypeError("function handles come from a MiniRacer");
  }
  /** Calls the function with call options (`timeout`, `handle`, `onConsole`, `thisArg`). */
  invoke(args: readonly unknown[] = [], options?: CallOptions & InvokeOptions): unknown {
    const state = live(this);
    return state.owner.invoke(state.id, options?.thisArg, args, options);
  }
  /** Calls the function on the sandbox's thread; an async function's promise is awaited. */
  callAsync(...args: unknown[]): Promise<unknown> {
    return this.invokeAsync(args);
  }
  /** {@link JSFunctionHandle.callAsync} with call options (`timeout`, `signal`, `handle`, `onConsole`, `thisArg`). */
  invokeAsync(args: readonly unknown[] = [], options?: AsyncCallOptions & InvokeOptions): Promise<unknown> {
    let state: HandleState;
    try {
      state = live(this);
    } catch (error) {
      return Promise.reject(error);
    }
    return state.owner.invokeAsync(state.id, options?.thisArg, args, options);
  }
  /** Lets the sandbox drop the function. Idempotent. */
  release(): void {
    release(this);
  }
  /** Whether `release()` was called. */
  get released(): boolean {
    return states.get(this)?.released ?? true;
  }
  // The property methods are JSObjectHandle's (copied onto the prototype
  // below): a function is an object too.
  declare get: JSObjectHandle["get"];
  declare set: JSObjectHandle["set"];
  declare delete: JSObjectHandle["delete"];
  declare has: JSObjectHandle["has"];
  declare keys: JSObjectHandle["keys"];
  declare entries: JSObjectHandle["entries"];
}
for (const name of ["get", "set", "delete", "has", "keys", "entries"] as const) {
  Object.defineProperty(
    JSFunctionHandle.prototype,
    name,
    Object.getOwnPropertyDescriptor(JSObjectHandle.prototype, name) as PropertyDescriptor,
  );
}

const NO_TRAPS: ProxyHandler<object> = Object.freeze({});

/** Whether `value` is a handle (of any MiniRacer). @internal */
export function isHandle(value: object): boolean {
  return states.has(value);
}

// Host code that receives a handle must not be able to change what every
// other handle does (overwrite `get`, swap a prototype): the classes, their
// prototypes and each handle are frozen.
for (const cls of [JSHandle, JSObjectHandle, JSArrayHandle, JSSymbolHandle, JSFunctionHandle]) {
  Object.freeze(cls.prototype);
  Object.freeze(cls);
}

/** Wraps a handle the binding returned. @internal */
export function makeHandle(owner: HandleOwner, type: HandleType, id: number): unknown {
  let known = byId.get(owner);
  if (known === undefined) {
    known = new Map();
    byId.set(owner, known);
  }
  const existing = known.get(id)?.deref();
  if (existing !== undefined && states.get(existing)?.released === false) {
    // The sandbox took one more reference for this delivery: the handle
    // already here holds one, so this one goes back at once.
    owner.release(id);
    return existing;
  }
  let handle: object;
  const state: HandleState = { owner, id, type, released: false };
  if (type === HandleType.Function) {
    const call = function (this: unknown, ...args: unknown[]): unknown {
      if (state.released) throw new HandleReleasedError();
      return owner.call(id, args);
    };
    Object.setPrototypeOf(call, JSFunctionHandle.prototype);
    handle = call;
  } else {
    const prototype =
      type === HandleType.Array
        ? JSArrayHandle.prototype
        : type === HandleType.Symbol
          ? JSSymbolHandle.prototype
          : JSObjectHandle.prototype;
    // A Proxy (with no traps: it acts as its target) because structured
    // clone refuses proxies: a handle nested in a value copied by
    // v8.Serializer fails the copy instead of arriving as `{}`.
    handle = new Proxy(Object.create(prototype) as object, NO_TRAPS);
  }
  states.set(handle, state);
  collected.register(handle, { owner, id, state }, state);
  known.set(id, new WeakRef(handle));
  return Object.freeze(handle);
}

/** The wire form of a handle of `owner`, or undefined if `value` is not a handle. @internal */
export function handleToWire(owner: HandleOwner, value: object): WireValue | undefined {
  const state = states.get(value);
  if (state === undefined) return undefined;
  if (state.released) throw new HandleReleasedError();
  if (state.owner !== owner) throw new ValueTransferError("a handle of another MiniRacer cannot be passed in");
  return [state.type, state.id];
}
