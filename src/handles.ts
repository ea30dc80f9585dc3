/**
 * Handles: host-side stand-ins for sandbox values that stay in the sandbox
 * (functions, symbols, and any object asked for with `{ handle: true }`).
 * A handle keeps its value alive until `release()`, until the handle is
 * garbage-collected on the host, or until its MiniRacer closes.
 *
 * This file holds the public handle classes. Their state, and the code that
 * makes handles for results, are internal (internal/handle_state.ts,
 * internal/handle_wire.ts).
 */
import type { HandleReleasedError } from "./errors";
import type { AsyncCallOptions, CallOptions } from "./options";
import type { WireValue } from "./internal/addon";
import { live, releaseHandle as release, stateOf, type HandleState } from "./internal/handle_state";
import { HandleOp } from "./internal/wire_constants";

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
    return stateOf(this)?.released ?? true;
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

/** The call signature of a {@link JSFunctionHandle} (declaration merging: the class is callable). */
export interface JSFunctionHandle {
  /**
   * Calls the function synchronously with copies of `args` (handles arrive
   * as themselves) under the MiniRacer's default time limit, and returns a
   * copy of its result.
   */
  (...args: unknown[]): unknown;
}
/**
 * A sandbox function kept in the sandbox, callable from the host:
 * `f(1, 2)` calls it synchronously with copies of the arguments (handles
 * arrive as themselves) and the MiniRacer's default time limit. It also has
 * the property methods of {@link JSObjectHandle}.
 */
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
    return stateOf(this)?.released ?? true;
  }
  // The property methods are JSObjectHandle's (copied onto the prototype
  // below): a function is an object too.
  /** {@link JSObjectHandle.get}, on the function object. */
  declare get: JSObjectHandle["get"];
  /** {@link JSObjectHandle.set}, on the function object. */
  declare set: JSObjectHandle["set"];
  /** {@link JSObjectHandle.delete}, on the function object. */
  declare delete: JSObjectHandle["delete"];
  /** {@link JSObjectHandle.has}, on the function object. */
  declare has: JSObjectHandle["has"];
  /** {@link JSObjectHandle.keys}, on the function object. */
  declare keys: JSObjectHandle["keys"];
  /** {@link JSObjectHandle.entries}, on the function object. */
  declare entries: JSObjectHandle["entries"];
}
for (const name of ["get", "set", "delete", "has", "keys", "entries"] as const) {
  Object.defineProperty(
    JSFunctionHandle.prototype,
    name,
    Object.getOwnPropertyDescriptor(JSObjectHandle.prototype, name) as PropertyDescriptor,
  );
}

// Host code that receives a handle must not be able to change what every
// other handle does (overwrite `get`, swap a prototype): the classes, their
// prototypes and each handle are frozen.
for (const cls of [JSHandle, JSObjectHandle, JSArrayHandle, JSSymbolHandle, JSFunctionHandle]) {
  Object.freeze(cls.prototype);
  Object.freeze(cls);
}
