/**
 * The code cache (README "Code cache"): V8's compiled code of large
 * scripts, made in one sandbox after its script has run and used to compile
 * the same script in the next sandbox of the process, and, with a
 * directory, of later processes.
 *
 * Why it lives here: the native side keeps no process-wide state, so it
 * only compiles from bytes it is handed (telling whether V8 took them) and
 * makes a cache of the script it just ran (native/core/code_cache.h). The
 * cache, its key and its checks are this module's.
 *
 * Trust: V8 checks a cache's version, flags and the source's *length*, not
 * its text, so bytes made for other code of the same length would run that
 * code's functions. The key is therefore a SHA-256 of the code's UTF-16
 * code units (lone surrogates included), and nothing else picks an entry.
 * Bytes in memory were made by this process's V8 and never leave it. Bytes
 * read from a file are used only when the file's header holds this code's
 * hash and a SHA-256 of the bytes that matches them (a truncated, damaged
 * or renamed file is ignored and rewritten); V8 then checks version and
 * flags. Writing the directory is best effort: a failure is counted and
 * ignored, never the eval's error.
 * @internal
 */
import type { CallLimits } from "../options";
import { createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { NativeSandbox, WireValue } from "./addon";
import type { CodeCacheSettings } from "../options";
import type { PendingCalls } from "./pending_calls";
import { CallFlag, CodeCacheStatus } from "./wire_constants";

/** Scripts from this many UTF-16 code units (32 KiB of ASCII) on are cached; shorter ones compile fast anyway. */
export const CODE_CACHE_MIN_UNITS = 32 * 1024;
/** The bytes of caches the process keeps in memory, least recently used dropped first. */
export const CODE_CACHE_MAX_BYTES = 64 * 1024 * 1024;

// Declared in options.ts, so that the public declarations do not reach this
// module's, which need Node's types (Buffer).
export type { CodeCacheSettings } from "../options";

/** What {@link codeCacheStats} counts (for tests and diagnostics). */
export interface CodeCacheStats {
  /** Evals compiled from a cache V8 accepted (from memory or a file). */
  hits: number;
  /** Evals of cacheable size compiled from source: no cache was known. */
  misses: number;
  /** Caches V8 refused (other V8 version or flags): compiled from source. */
  rejected: number;
  /** Caches made after a script ran. */
  made: number;
  /** Hits whose bytes came from a file. */
  fileHits: number;
  /** Files ignored: unreadable, truncated, damaged, or holding another script's hash. */
  fileIgnored: number;
  /** Files written, and writes that failed (ignored). */
  fileWrites: number;
  fileWriteErrors: number;
  /** What the process keeps in memory now. */
  entries: number;
  bytes: number;
}

const counters = {
  hits: 0,
  misses: 0,
  rejected: 0,
  made: 0,
  fileHits: 0,
  fileIgnored: 0,
  fileWrites: 0,
  fileWriteErrors: 0,
};
// Insertion order is recency: a hit moves its entry to the end.
const memory = new Map<string, Buffer>();
let memoryBytes = 0;

/** The counters, and what the in-memory cache holds now. */
export function codeCacheStats(): CodeCacheStats {
  return { ...counters, entries: memory.size, bytes: memoryBytes };
}

/** Forgets every cache kept in memory and zeroes the counters (tests). */
export function clearCodeCache(): void {
  memory.clear();
  memoryBytes = 0;
  for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] = 0;
}

/**
 * A synchronous eval (or execute): through the cache when the code is long
 * enough and `settings` (the MiniRacer's) allow it. Short code is never hashed.
 */
export function evalThroughCache(
  sandbox: NativeSandbox,
  code: string,
  limits: CallLimits,
  flags: CallFlag,
  settings: CodeCacheSettings | undefined,
): WireValue {
  if (code.length < CODE_CACHE_MIN_UNITS || settings === undefined) return sandbox.eval(code, limits, flags);
  const lookup = lookUpCodeCache(code, settings);
  try {
    return sandbox.eval(code, limits, flags | CallFlag.CodeCache, lookup.bytes);
  } finally {
    takeFrom(sandbox, 0, lookup); // the eval's outcome, even when it threw
  }
}

/**
 * How to start an async eval (or execute), for PendingCalls: through the
 * cache as {@link evalThroughCache} says; what it made is recorded when the
 * call ends, before its promise settles.
 */
export function evalAsyncStart(
  sandbox: NativeSandbox,
  calls: PendingCalls,
  code: string,
  limits: CallLimits,
  flags: CallFlag,
  settings: CodeCacheSettings | undefined,
): () => number {
  if (code.length < CODE_CACHE_MIN_UNITS || settings === undefined) {
    return () => sandbox.evalAsync(code, limits, flags);
  }
  const lookup = lookUpCodeCache(code, settings);
  return () => {
    const id = sandbox.evalAsync(code, limits, flags | CallFlag.CodeCache, lookup.bytes);
    calls.onEnd(id, () => takeFrom(sandbox, id, lookup));
    return id;
  };
}

/** Records what came of an eval's code cache; nothing once the sandbox is closed. */
function takeFrom(sandbox: NativeSandbox, id: number, lookup: CodeCacheLookup): void {
  let taken: [number, Uint8Array?];
  try {
    taken = sandbox.takeCodeCache(id);
  } catch {
    return; // closed during the call
  }
  recordCodeCache(lookup, taken);
}

/** One eval's use of the cache: its key, the bytes handed to V8, and where they came from. */
export interface CodeCacheLookup {
  key: Buffer;
  /** The entry's name (entryId). */
  id: string;
  bytes: Buffer | undefined;
  fromFile: boolean;
  dir: string | undefined;
}

/** The settings of a sandbox that did (or did not) start from a snapshot made in the process. */
export function withStartup(settings: CodeCacheSettings | undefined, fromSnapshot: boolean): CodeCacheSettings | undefined {
  return settings === undefined ? undefined : { ...settings, fromSnapshot };
}

/** For code of cacheable size (the caller checks the length): the key and any cache known for it. */
export function lookUpCodeCache(code: string, settings: CodeCacheSettings): CodeCacheLookup {
  const key = createHash("sha256").update(code, "utf16le").digest();
  const id = entryId(key, settings.fromSnapshot);
  const bytes = memory.get(id);
  if (bytes !== undefined) {
    memory.delete(id);
    memory.set(id, bytes);
    return { key, id, bytes, fromFile: false, dir: settings.dir };
  }
  const fromFile = settings.dir === undefined ? undefined : readCacheFile(settings.dir, id, key);
  return { key, id, bytes: fromFile, fromFile: fromFile !== undefined, dir: settings.dir };
}

/**
 * An entry's name: the code's hash, and `-s` for sandboxes from a snapshot
 * made in the process. V8 stamps a cache with the checksum of the startup
 * snapshot's read-only part and refuses it under another: Node's blob and
 * the blobs made here differ (all of the latter agree with each other).
 */
function entryId(key: Buffer, fromSnapshot: boolean): string {
  return fromSnapshot ? `${key.toString("hex")}-s` : key.toString("hex");
}

/** Records what came of a lookup's eval: `taken` is the addon's [status, new cache bytes?]. */
export function recordCodeCache(lookup: CodeCacheLookup, taken: [number, Uint8Array?]): void {
  const [status, made] = taken;
  const id = lookup.id;
  switch (status as CodeCacheStatus) {
    case CodeCacheStatus.Accepted:
      counters.hits++;
      if (lookup.fromFile) {
        counters.fileHits++;
        remember(id, lookup.bytes as Buffer);
      }
      return;
    case CodeCacheStatus.Rejected:
      counters.rejected++;
      forget(id);
      break;
    case CodeCacheStatus.Compiled:
      counters.misses++;
      break;
    default:
      return; // it never compiled (failed before, or the sandbox closed)
  }
  if (made === undefined || made.length === 0) return; // the script threw: nothing made
  counters.made++;
  const bytes = Buffer.from(made.buffer, made.byteOffset, made.byteLength);
  remember(id, bytes);
  if (lookup.dir !== undefined) writeCacheFile(lookup.dir, id, lookup.key, bytes);
}

function remember(id: string, bytes: Buffer): void {
  forget(id);
  if (bytes.length > CODE_CACHE_MAX_BYTES) return;
  memory.set(id, bytes);
  memoryBytes += bytes.length;
  for (const [oldest, old] of memory) {
    if (memoryBytes <= CODE_CACHE_MAX_BYTES) break;
    memory.delete(oldest);
    memoryBytes -= old.length;
  }
}

function forget(id: string): void {
  const old = memory.get(id);
  if (old === undefined) return;
  memory.delete(id);
  memoryBytes -= old.length;
}

// ---------------------------------------------------------------------------
// Files: <dir>/<sha-256 of the code>-<V8 version>-<flags>.v8cache, holding
// MAGIC, the code's SHA-256, the cache bytes' SHA-256, then the bytes.

const MAGIC = Buffer.from("mini-racer code cache 1\n", "latin1");
const HASH_BYTES = 32;
const HEADER_BYTES = MAGIC.length + 2 * HASH_BYTES;

// V8's version and the flags the process was started with: a file made
// under others is another file (V8 would reject it anyway).
let nameSuffix: string | undefined;
function fileSuffix(): string {
  if (nameSuffix === undefined) {
    const flags = createHash("sha256")
      .update(JSON.stringify([process.execArgv, process.env.NODE_OPTIONS ?? ""]))
      .digest("hex")
      .slice(0, 12);
    nameSuffix = `${process.versions.v8.replace(/[^\w.]/g, "_")}-${flags}`;
  }
  return nameSuffix;
}

/** The file of entry `id` (lookUpCodeCache) in `dir`. */
export function codeCacheFile(dir: string, id: string): string {
  return path.join(dir, `${id}-${fileSuffix()}.v8cache`);
}

function readCacheFile(dir: string, id: string, key: Buffer): Buffer | undefined {
  let data: Buffer;
  try {
    data = fs.readFileSync(codeCacheFile(dir, id));
  } catch {
    return undefined; // none yet (or unreadable: then it is rewritten)
  }
  const bytes = data.subarray(HEADER_BYTES);
  const valid =
    data.length > HEADER_BYTES &&
    data.subarray(0, MAGIC.length).equals(MAGIC) &&
    data.subarray(MAGIC.length, MAGIC.length + HASH_BYTES).equals(key) &&
    data.subarray(MAGIC.length + HASH_BYTES, HEADER_BYTES).equals(createHash("sha256").update(bytes).digest());
  if (!valid) {
    counters.fileIgnored++;
    return undefined;
  }
  return bytes;
}

function writeCacheFile(dir: string, id: string, key: Buffer, bytes: Buffer): void {
  const file = codeCacheFile(dir, id);
  // Written aside and renamed: a reader never sees half a file.
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const hash = createHash("sha256").update(bytes).digest();
    fs.writeFileSync(temporary, Buffer.concat([MAGIC, key, hash, bytes]), { mode: 0o600 });
    fs.renameSync(temporary, file);
    counters.fileWrites++;
  } catch {
    counters.fileWriteErrors++;
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to do
    }
  }
}
