/**
 * What a handle is on the inside: its MiniRacer, id, kind and whether it was
 * released, kept in a WeakMap beside the handle object (nothing of it is
 * reachable from the handle itself), and the bookkeeping that gives a
 * dropped handle's value back to the sandbox. The public handle classes
 * (../handles.ts) and the code that makes handles (handle_wire.ts) share it.
 * @internal
 */
import { ContextClosedError, HandleReleasedError, ValueTransferError } from "../errors";
import type { WireValue } from "./addon";
import type { HandleOp, HandleType } from "./wire_constants";

/** What a handle needs of the MiniRacer it belongs to. */
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

/** One handle's state. */
export interface HandleState {
  owner: HandleOwner;
  id: number;
  type: HandleType;
  released: boolean;
  /**
   * Whether the handle object was given out more than once (the sandbox
   * delivered its value again while it was live): code of the library that
   * received it must not release it, since someone else may hold it.
   */
  shared?: boolean;
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

/** The state of `handle`, or undefined if it is not a handle. */
export function stateOf(handle: object): HandleState | undefined {
  return states.get(handle);
}

/** The state of a handle that may be used: throws if it is not one, or is released or closed. */
export function live(handle: object): HandleState {
  const state = states.get(handle);
  if (state === undefined) throw new TypeError("not a mini-racer handle");
  if (state.owner.closed) throw new ContextClosedError();
  if (state.released) throw new HandleReleasedError();
  return state;
}

/** Releases `handle` (idempotent; nothing for a non-handle). */
export function releaseHandle(handle: object): void {
  const state = states.get(handle);
  if (state === undefined || state.released) return;
  state.released = true;
  collected.unregister(state);
  if (!state.owner.closed) state.owner.release(state.id);
}

/** Whether `value` is a handle (of any MiniRacer). */
export function isHandle(value: object): boolean {
  return states.has(value);
}

/**
 * The unreleased handle object `owner` already has for `id`, if any, given
 * out again: it is marked shared.
 */
export function existingHandle(owner: HandleOwner, id: number): object | undefined {
  const existing = byId.get(owner)?.get(id)?.deref();
  const state = existing === undefined ? undefined : states.get(existing);
  if (state === undefined || state.released) return undefined;
  state.shared = true;
  return existing;
}

/** Records a new handle object and its state. */
export function registerHandle(handle: object, state: HandleState): void {
  let known = byId.get(state.owner);
  if (known === undefined) {
    known = new Map();
    byId.set(state.owner, known);
  }
  states.set(handle, state);
  collected.register(handle, { owner: state.owner, id: state.id, state }, state);
  known.set(state.id, new WeakRef(handle));
}

/** The wire form of a handle of `owner`, or undefined if `value` is not a handle. */
export function handleToWire(owner: HandleOwner, value: object): WireValue | undefined {
  const state = states.get(value);
  if (state === undefined) return undefined;
  if (state.released) throw new HandleReleasedError();
  if (state.owner !== owner) throw new ValueTransferError("a handle of another MiniRacer cannot be passed in");
  return [state.type, state.id];
}
