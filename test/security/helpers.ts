/** Helpers of the security tests: what a host path looks like, whether the host was touched. */
import * as path from "node:path";
import { expect } from "vitest";

/** The repository root: no host path of it may reach a sandbox or a sandbox stack. */
export const root = path.resolve(__dirname, "../..");

/** Anything that looks like a host file, a Node internal module or a host source location. */
export const HOST_PATH = new RegExp(
  [
    root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    "node:",
    "node_modules",
    "file://",
    "internal/",
    "\\.[cm]?[jt]s:\\d",
    "/src/",
    "/native/",
    "/dist/",
  ].join("|"),
);

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}


const objectProtoNames = Object.getOwnPropertyNames(Object.prototype).sort();
const arrayProtoNames = Object.getOwnPropertyNames(Array.prototype).sort();
const functionProtoNames = Object.getOwnPropertyNames(Function.prototype).sort();
const promiseProtoNames = Object.getOwnPropertyNames(Promise.prototype).sort();
const promiseThen = Promise.prototype.then;
const errorProtoNames = Object.getOwnPropertyNames(Error.prototype).sort();
const globalNames = Object.getOwnPropertyNames(globalThis).sort();

/** The host's prototypes and globals are as they were when this module loaded. */
export function expectHostUntouched(): void {
  const probe = {} as Record<string, unknown>;
  for (const key of ["polluted", "injected", "evil", "extra", "hacked"]) {
    expect(probe[key], `({}).${key}`).toBeUndefined();
    expect(([] as unknown as Record<string, unknown>)[key], `[].${key}`).toBeUndefined();
  }
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(objectProtoNames);
  expect(Object.getOwnPropertyNames(Array.prototype).sort()).toEqual(arrayProtoNames);
  expect(Object.getOwnPropertyNames(Function.prototype).sort()).toEqual(functionProtoNames);
  expect(Object.getOwnPropertyNames(Promise.prototype).sort()).toEqual(promiseProtoNames);
  expect(Object.getOwnPropertyNames(Error.prototype).sort()).toEqual(errorProtoNames);
  expect(Promise.prototype.then).toBe(promiseThen);
  expect(Object.getOwnPropertyNames(globalThis).sort()).toEqual(globalNames);
}
