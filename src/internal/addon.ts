/**
 * Loads the native addon (a prebuild when one matches, else the local build)
 * and describes its shape: the methods of a native sandbox and the wire
 * values they take and return. The public classes never call the addon
 * directly; everything goes through a NativeSandbox from here.
 * @internal
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isMainThread } from "node:worker_threads";
import { NativeBuildError } from "../errors";
import { errorFromNative } from "./native_errors";
import type { CallFlag, HandleOp } from "./wire_constants";
import type { CallLimits, CallReport, Usage } from "../options";

/** Heap figures as the binding reports them. */
export interface NativeHeapStats {
  totalHeapSize: number;
  usedHeapSize: number;
  heapSizeLimit: number;
  externalMemory: number;
  maxMemory: number;
  softLimitReached: boolean;
  memoryCapReached: boolean;
}

/** A primitive, V8 serialization bytes for other copies, or a handle as [type, id] (type: HandleType). */
export type WireValue = undefined | null | boolean | number | string | Uint8Array | [number, number];

/**
 * A host function's answer: the wire value, or {promise: id} for a promise
 * the host settles later (MR_VALUE_HOST_PROMISE in the C API). A failure is
 * thrown as {name, message}.
 */
export type HostReply = WireValue | { promise: number };

/** Receives each async call's outcome: its value, or the error to reject with, and what it took. */
export type AsyncCompletion = (id: number, ok: boolean, value: unknown, report: CallReport) => void;

/** One sandbox: an isolate and its context. */
export interface NativeSandbox {
  /** With CallFlag.CodeCache: compiles from `cache` if given; takeCodeCache(0) then tells what came of it. */
  eval(code: string, limits: CallLimits, flags?: CallFlag, cache?: Uint8Array): WireValue;
  call(path: string, args: WireValue[], limits: CallLimits, flags?: CallFlag): WireValue;
  cancel(): void;
  heapStats(): NativeHeapStats;
  lowMemoryNotification(): void;
  /** Returns whether this call closed it (false when already closed). */
  close(): boolean;
  /** Opens the channel async results arrive through (idempotent). */
  startAsync(onComplete: AsyncCompletion): void;
  /** Queues an evaluation on the sandbox's thread; returns the call id. */
  evalAsync(code: string, limits: CallLimits, flags?: CallFlag, cache?: Uint8Array): number;
  /**
   * What came of the code cache of async eval `id` (after its completion), or
   * of the last synchronous eval with CallFlag.CodeCache (id 0): a
   * CodeCacheStatus and the cache made after the script ran, if any.
   */
  takeCodeCache(id: number): [number, Uint8Array?];
  /** Queues a call on the sandbox's thread; returns the call id. */
  callAsync(path: string, args: WireValue[], limits: CallLimits, flags?: CallFlag): number;
  /** A handle operation (mr_handle_op_run in native/capi/mini_racer.h). */
  handleOp(op: HandleOp, handle: number, args: WireValue[], limits: CallLimits, flags: CallFlag): WireValue;
  /** A function handle call with its arguments inline (the hot path). */
  callHandle(handle: number, limits: CallLimits, flags: CallFlag, thisArg: WireValue, ...args: WireValue[]): WireValue;
  /** Calls a function handle on the sandbox's thread; args[0] is `this`. Returns the call id. */
  handleCallAsync(handle: number, args: WireValue[], limits: CallLimits, flags: CallFlag): number;
  releaseHandle(handle: number): void;
  /** The report of the last synchronous call (mr_last_call_report), undefined before any. */
  lastCall(): CallReport | undefined;
  /** Every call that has ended, summed (mr_usage_get). */
  usage(): Usage;
  /** False when maxMemory is above the cap the sandbox was made with. */
  setMemoryLimits(maxMemory: number, softMemory: number): boolean;
  /** The JSON of a heap snapshot, or a thrown failure. */
  heapSnapshot(maxBytes: number, timeoutMs: number): string;
  handleCount(): number;
  /** Installs the host-function dispatcher (held weakly by the binding). */
  setHost(dispatch: (callId: number, functionId: number, ...args: WireValue[]) => HostReply): void;
  expose(path: string, functionId: number): void;
  settleHostPromise(promiseId: number, ok: boolean, value: WireValue | [string, string]): void;
  setConsole(enabled: boolean): void;
  /** Evaluates an ES module (or, with CallFlag.ModuleImport, imports a specifier); gives its namespace. */
  evalModule(code: string, name: string, limits: CallLimits, flags: CallFlag): WireValue;
  /** evalModule on the sandbox's thread; returns the call id. */
  evalModuleAsync(code: string, name: string, limits: CallLimits, flags: CallFlag): number;
  /** The host function (an id from the dispatcher) that loads modules. */
  setModuleLoader(functionId: number): void;
  /** Cancels an async call (queued or running); unknown ids are ignored. */
  cancelCall(id: number): void;
  /** Runs queued call `id` nested in running call `parentId` (made by one of its host functions). */
  nestCall(id: number, parentId: number): void;
}

/** A startup snapshot of a setup (native/binding/snapshot_wrap.h). */
export interface NativeSnapshot {
  readonly bytes: number;
  readonly maxMemory: number;
}

interface Binding {
  Sandbox: {
    /** `snapshot`: start from it (`maxMemory` then 0 or the snapshot's). */
    new (maxMemory: number, softMemory: number, maxResultBytes?: number, snapshot?: NativeSnapshot): NativeSandbox;
    /** Makes the sandbox on a thread of libuv's pool, off Node's event loop. */
    create(
      maxMemory: number,
      softMemory: number,
      maxResultBytes?: number,
      snapshot?: NativeSnapshot,
    ): Promise<NativeSandbox>;
  };
  Snapshot: {
    /** Whether this Node line can make snapshots (Node 22 and later). */
    readonly supported: boolean;
    /** Runs the setup (then the warm-up) on a thread of libuv's pool and serializes it. */
    create(setup: string, warmup: string | undefined, maxMemory: number, timeoutMs: number): Promise<NativeSnapshot>;
  };
  setErrorFactory(factory: (kind: number, name: string, message: string, stack: string) => Error): void;
  v8Version: string;
  /** Main thread, once: the returned function must get the exit code from process.on("exit"). */
  guardProcessExit(): (exitCode: number) => void;
  /** The C API's enumerators by their C names (native/binding/constants.cc). */
  constants: Readonly<Record<string, number>>;
}

/** The package root: the nearest folder above this file with our package.json. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest)) {
      const { name } = JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string };
      if (name === "mini-racer") return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("mini-racer: cannot find the package root to load the addon");
    dir = parent;
  }
}

/** The command that builds the addon from source inside an installed package. */
export const BUILD_FROM_SOURCE_COMMAND = "npm explore mini-racer -- npm run build:native";

/** What node-gyp-build looks for: the running Node's platform, ABI and libc (its own test). */
function runningTarget(): string {
  const libc =
    process.platform === "linux"
      ? `, ${process.env.LIBC || (fs.existsSync("/etc/alpine-release") ? "musl" : "glibc")}`
      : "";
  return `${process.platform}-${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules}${libc})`;
}

/**
 * Loads the addon from `root` (build/Release of a source build first, then
 * prebuilds/<platform>-<arch>/ matched on ABI and libc). Every failure
 * becomes a NativeBuildError that says what was looked for and how to build.
 * @internal
 */
export function loadBinding(root: string): Binding {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeGypBuild = require("node-gyp-build") as (dir: string) => unknown;
  let binding: Binding;
  try {
    binding = nodeGypBuild(root) as Binding;
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new NativeBuildError(
      `mini-racer: no native build fits ${runningTarget()}: ${reason}\n` +
        `Prebuilt binaries ship for Node 20, 22, 24 and 26 on linux-x64 (glibc). ` +
        `To build one from source (needs Python 3, make and a C++ compiler; C++20 for Node 24+), run: ${BUILD_FROM_SOURCE_COMMAND}`,
      { cause: error },
    );
  }
  binding.setErrorFactory(errorFromNative);
  if (isMainThread) {
    // A sandbox left running at teardown (a builtin that never returns)
    // ends the process with this code instead of Node's V8 teardown, which
    // would abort on it (native/binding/process_exit.h).
    const noteExitCode = binding.guardProcessExit();
    process.on("exit", (code) => noteExitCode(code));
  }
  return binding;
}

/** The loaded binding. */
export const binding: Binding = loadBinding(packageRoot());
