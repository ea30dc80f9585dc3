/**
 * Values on the wire as one MiniRacer sees them: a host value becomes a wire
 * value (handles of this MiniRacer as [type, id], everything else through
 * value_codec.ts), and a wire value becomes a host value (a [type, id] pair
 * becomes the handle object for it, made here).
 * @internal
 */
import { HandleReleasedError } from "../errors";
import { JSArrayHandle, JSFunctionHandle, JSObjectHandle, JSSymbolHandle } from "../handles";
import { describe } from "../options";
import type { WireValue } from "./addon";
import { existingHandle, handleToWire, registerHandle, type HandleOwner, type HandleState } from "./handle_state";
import { fromWire, toWire } from "./value_codec";
import { HandleType } from "./wire_constants";

const NO_TRAPS: ProxyHandler<object> = Object.freeze({});

/** Wraps a handle the binding returned. */
export function makeHandle(owner: HandleOwner, type: HandleType, id: number): unknown {
  const existing = existingHandle(owner, id);
  if (existing !== undefined) {
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
  registerHandle(handle, state);
  return Object.freeze(handle);
}

/** Host value -> wire, handles of `owner` included. */
export function valueToWire(owner: HandleOwner, value: unknown): WireValue {
  if (typeof value !== "object" && typeof value !== "function") return toWire(value);
  if (value !== null) {
    // Handles have prototypes of their own: plain data skips the lookup.
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === Array.prototype) return toWire(value);
    const handle = handleToWire(owner, value);
    if (handle !== undefined) return handle;
  }
  return toWire(value);
}

/** Wire -> host value, wrapping handles as handles of `owner`. */
export function valueFromWire(owner: HandleOwner, value: WireValue): unknown {
  if (Array.isArray(value)) return makeHandle(owner, value[0] as HandleType, value[1]);
  return fromWire(value);
}

/** The arguments of a call, checked to be an array, each to wire. */
export function argsToWire(owner: HandleOwner, args: readonly unknown[]): WireValue[] {
  if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${describe(args)}`);
  const wire = new Array<WireValue>(args.length);
  for (let i = 0; i < args.length; i++) wire[i] = valueToWire(owner, args[i]);
  return wire;
}
