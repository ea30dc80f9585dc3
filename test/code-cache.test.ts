import "./no-base-snapshots";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MiniRacer, MiniRacerPool } from "../src/index.js";
import { binding } from "../src/internal/addon.js";
import {
  CODE_CACHE_MIN_UNITS,
  clearCodeCache,
  codeCacheFile,
  codeCacheStats,
  type CodeCacheStats,
} from "../src/internal/code_cache.js";
import { CallFlag, CodeCacheStatus } from "../src/internal/wire_constants.js";
import { repoRoot, runChild } from "./helpers.js";
import { spawnSync } from "node:child_process";

// The code cache (README "Code cache"). Hits are observed through the
// module's counters (src/internal/code_cache.ts), never through timing.

/** `body` after a comment that makes the script exactly `units` code units long. */
function padded(body: string, units = CODE_CACHE_MIN_UNITS + 1000): string {
  const pad = units - body.length - 6;
  return `/*${"x".repeat(pad)}*/\n${body}\n`;
}

const LIBRARY = padded(`
  function add(a, b) { return a + b; }
  var makeCounter = (start) => { let n = start; return () => ++n; };
  var counter = makeCounter(10);
  class Shape { constructor(w, h) { this.w = w; this.h = h; } area() { return this.w * this.h; } }
  globalThis.loaded = (globalThis.loaded ?? 0) + 1;
  add(40, 2);
`);

const zero: CodeCacheStats = {
  hits: 0,
  misses: 0,
  rejected: 0,
  made: 0,
  fileHits: 0,
  fileIgnored: 0,
  fileWrites: 0,
  fileWriteErrors: 0,
  entries: 0,
  bytes: 0,
};

/** The counters, without the byte count (which depends on V8). */
function counts(): Omit<CodeCacheStats, "bytes"> {
  const { bytes: _bytes, ...rest } = codeCacheStats();
  return rest;
}
function expected(changes: Partial<CodeCacheStats>): Omit<CodeCacheStats, "bytes"> {
  const { bytes: _bytes, ...rest } = { ...zero, ...changes };
  return rest;
}

const racers: MiniRacer[] = [];
function racer(options: ConstructorParameters<typeof MiniRacer>[0] = {}): MiniRacer {
  const mr = new MiniRacer(options);
  racers.push(mr);
  return mr;
}
let dir: string;
beforeEach(() => {
  clearCodeCache();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "mr-code-cache-"));
});
afterEach(() => {
  for (const mr of racers.splice(0)) mr.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("code cache in the process", () => {
  it("a script of 32,768 code units or more compiles from the cache in the next sandbox, with the same results", () => {
    expect(CODE_CACHE_MIN_UNITS).toBe(32768);
    const first = racer();
    expect(first.eval(LIBRARY)).toBe(42);
    expect(counts()).toEqual(expected({ misses: 1, made: 1, entries: 1 }));
    expect(codeCacheStats().bytes).toBeGreaterThan(0);
    first.eval("counter(); counter()");

    const second = racer();
    expect(second.eval(LIBRARY)).toBe(42);
    expect(counts()).toEqual(expected({ hits: 1, misses: 1, made: 1, entries: 1 }));
    // Functions, closures and classes behave as compiled from source; state is the sandbox's own.
    expect(second.eval("add(2, 3)")).toBe(5);
    expect(second.eval("[counter(), counter(), makeCounter(0)()]")).toEqual([11, 12, 1]);
    expect(second.eval("new Shape(6, 7).area()")).toBe(42);
    expect(second.eval("loaded")).toBe(1);
    expect(second.eval("add.toString()")).toBe("function add(a, b) { return a + b; }");

    // execute goes the same way.
    racer().execute(LIBRARY);
    expect(counts()).toEqual(expected({ hits: 2, misses: 1, made: 1, entries: 1 }));
  });

  it("evalAsync and executeAsync use and fill the same cache as eval", async () => {
    const first = racer();
    await first.executeAsync(LIBRARY);
    expect(counts()).toEqual(expected({ misses: 1, made: 1, entries: 1 }));
    const second = racer();
    expect(await second.evalAsync(LIBRARY)).toBe(42);
    expect(await second.callAsync("counter")).toBe(11);
    expect(counts()).toEqual(expected({ hits: 1, misses: 1, made: 1, entries: 1 }));
    expect(racer().eval(LIBRARY)).toBe(42);
    expect(counts()).toEqual(expected({ hits: 2, misses: 1, made: 1, entries: 1 }));
  });

  it("a changed script of the same length compiles from source and behaves as itself", () => {
    const one = padded("globalThis.answer = 'one'; answer");
    const two = padded("globalThis.answer = 'two'; answer");
    expect(one.length).toBe(two.length);
    expect(racer().eval(one)).toBe("one");
    const mr = racer();
    expect(mr.eval(two)).toBe("two");
    expect(mr.eval("answer")).toBe("two");
    expect(counts()).toEqual(expected({ misses: 2, made: 2, entries: 2 }));
  });

  it("scripts that differ only in a lone surrogate have different keys", () => {
    const one = padded("'\uD800'.charCodeAt(0)");
    const two = padded("'\uD801'.charCodeAt(0)");
    expect(racer().eval(one)).toBe(0xd800);
    expect(racer().eval(two)).toBe(0xd801);
    expect(counts()).toEqual(expected({ misses: 2, made: 2, entries: 2 }));
  });

  it("V8 alone would accept another script's cache of the same length and run its code (why the key is a hash of the code)", () => {
    const one = padded("'one'");
    const two = padded("'two'");
    const a = new binding.Sandbox(0, 0);
    const b = new binding.Sandbox(0, 0);
    try {
      expect(a.eval(one, 0, CallFlag.CodeCache)).toBe("one");
      const [status, made] = a.takeCodeCache(0);
      expect(status).toBe(CodeCacheStatus.Compiled);
      expect(made).toBeInstanceOf(Uint8Array);
      expect(b.eval(two, 0, CallFlag.CodeCache, made)).toBe("one");
      expect(b.takeCodeCache(0)).toEqual([CodeCacheStatus.Accepted, undefined]);
      // Another length: V8 rejects it, compiles from source and makes a new cache.
      const three = padded("'three'", CODE_CACHE_MIN_UNITS + 2000);
      expect(b.eval(three, 0, CallFlag.CodeCache, made)).toBe("three");
      const [rejected, remade] = b.takeCodeCache(0);
      expect(rejected).toBe(CodeCacheStatus.Rejected);
      expect(remade?.length).toBeGreaterThan(0);
    } finally {
      a.close();
      b.close();
    }
  });

  it("scripts under 32,768 code units are not cached", () => {
    racer().eval(padded("1", CODE_CACHE_MIN_UNITS - 1));
    racer().eval(padded("1", CODE_CACHE_MIN_UNITS - 1));
    expect(counts()).toEqual(expected({}));
    racer().eval(padded("1", CODE_CACHE_MIN_UNITS));
    expect(counts()).toEqual(expected({ misses: 1, made: 1, entries: 1 }));
  });

  it("a script that throws makes no cache; the next sandbox compiles it from source", async () => {
    const throwing = padded("function f() { return 1; } throw new Error('no')");
    expect(() => racer().eval(throwing)).toThrow("no");
    await expect(racer().evalAsync(throwing)).rejects.toThrow("no");
    expect(counts()).toEqual(expected({ misses: 2 }));
  });

  it("codeCache: false neither uses nor adds to it", () => {
    racer({ codeCache: false }).eval(LIBRARY);
    expect(counts()).toEqual(expected({}));
    racer().eval(LIBRARY);
    expect(racer({ codeCache: false }).eval(LIBRARY)).toBe(42);
    expect(counts()).toEqual(expected({ misses: 1, made: 1, entries: 1 }));
  });

  it("a pool's setup compiles from the cache in every sandbox after the first", async () => {
    const pool = new MiniRacerPool({ size: 1, fresh: true, setup: LIBRARY });
    for (let i = 0; i < 3; i++) expect(await pool.run((mr) => mr.callAsync("add", i, 1))).toBe(i + 1);
    await pool.close();
    const { created } = pool.stats();
    expect(created).toBeGreaterThanOrEqual(3);
    expect(counts()).toEqual(expected({ hits: created - 1, misses: 1, made: 1, entries: 1 }));
  });

  it("bad codeCache options throw TypeError / RangeError naming them", () => {
    expect(() => new MiniRacer({ codeCache: "yes" as never })).toThrow(
      new TypeError('codeCache must be a boolean or { dir: string }, got "yes"'),
    );
    expect(() => new MiniRacer({ codeCache: null as never })).toThrow(TypeError);
    expect(() => new MiniRacer({ codeCache: [] as never })).toThrow(TypeError);
    expect(() => new MiniRacer({ codeCache: {} as never })).toThrow(
      new TypeError("codeCache.dir must be a string, got undefined"),
    );
    expect(() => new MiniRacer({ codeCache: { dir: 1 } as never })).toThrow(TypeError);
    expect(() => new MiniRacer({ codeCache: { dir, max: 1 } as never })).toThrow(
      new TypeError('unknown codeCache option "max"'),
    );
    expect(() => new MiniRacer({ codeCache: { dir: "" } })).toThrow(RangeError);
    expect(() => new MiniRacer({ codeCache: { dir: "a\0b" } })).toThrow(RangeError);
    expect(() => new MiniRacerPool({ size: 1, codeCache: 1 as never })).toThrow(TypeError);
    return expect(MiniRacer.create({ codeCache: "x" as never })).rejects.toThrow(TypeError);
  });
});

describe("code cache in a directory", () => {
  it("a new process compiles from the file the first one wrote", () => {
    const script = JSON.stringify(LIBRARY);
    const child = (): unknown => {
      const result = runChild(`
        const { codeCacheStats } = require(${JSON.stringify(path.resolve("dist/cjs/internal/code_cache.js"))});
        const mr = new MiniRacer({ codeCache: { dir: ${JSON.stringify(dir)} } });
        const value = mr.eval(${script});
        const { bytes, ...stats } = codeCacheStats();
        console.log(JSON.stringify({ value, stats }));
        mr.close();`);
      expect(result.stderr).toBe("");
      return JSON.parse(result.stdout);
    };
    expect(child()).toEqual({ value: 42, stats: expected({ misses: 1, made: 1, fileWrites: 1, entries: 1 }) });
    expect(fs.readdirSync(dir)).toHaveLength(1);
    expect(child()).toEqual({ value: 42, stats: expected({ hits: 1, fileHits: 1, entries: 1 }) });
  });

  /** Runs `code` in a new sandbox with the directory, after forgetting what the process keeps in memory. */
  function fromDisk(code: string): unknown {
    clearCodeCache();
    return racer({ codeCache: { dir } }).eval(code);
  }
  /** The file of `code` in the directory (and check it is the only one). */
  function fileOf(code: string): string {
    const file = codeCacheFile(dir, codeCacheKey(code).toString("hex"));
    expect(fs.readdirSync(dir)).toEqual([path.basename(file)]);
    return file;
  }

  it("a truncated or bit-flipped file is ignored, and rewritten", () => {
    const one = padded("globalThis.answer = 'one'; answer");
    expect(fromDisk(one)).toBe("one");
    const file = fileOf(one);
    const good = fs.readFileSync(file);
    const damaged = [
      good.subarray(0, good.length - 100), // truncated
      good.subarray(0, 40), // only part of the header
      Buffer.from(good).fill(0xff, good.length - 50, good.length - 49), // a byte of the cache flipped
      Buffer.from(good).fill(0x00, 30, 31), // a byte of the code's hash
    ];
    for (const bytes of damaged) {
      fs.writeFileSync(file, bytes);
      expect(fromDisk(one)).toBe("one");
      expect(counts()).toEqual(expected({ misses: 1, made: 1, fileIgnored: 1, fileWrites: 1, entries: 1 }));
      expect(fs.readFileSync(file).length).toBeGreaterThan(good.length - 100); // rewritten whole
      expect(fromDisk(one)).toBe("one");
      expect(counts()).toEqual(expected({ hits: 1, fileHits: 1, entries: 1 }));
    }
  });

  it("another script's file renamed to this script's name is ignored: its code never runs", () => {
    const one = padded("globalThis.answer = 'one'; answer");
    const two = padded("globalThis.answer = 'two'; answer");
    expect(fromDisk(two)).toBe("two");
    fs.renameSync(fileOf(two), codeCacheFile(dir, codeCacheKey(one).toString("hex")));
    expect(fromDisk(one)).toBe("one");
    expect(racers.at(-1)?.eval("answer")).toBe("one");
    expect(counts()).toEqual(expected({ misses: 1, made: 1, fileIgnored: 1, fileWrites: 1, entries: 1 }));
    expect(fromDisk(one)).toBe("one");
    expect(counts()).toEqual(expected({ hits: 1, fileHits: 1, entries: 1 }));
  });

  it("a well-formed file that V8 refuses (made by another V8 or flags) is rewritten", () => {
    const one = padded("'one'");
    const three = padded("'three'", CODE_CACHE_MIN_UNITS + 2000);
    expect(fromDisk(three)).toBe("three");
    const threeFile = fileOf(three);
    // The other script's bytes under this script's header: passes the file's
    // checks, fails V8's (its source length differs).
    const key = codeCacheKey(one);
    const bytes = fs.readFileSync(threeFile);
    const header = Buffer.from("mini-racer code cache 1\n", "latin1");
    const payload = bytes.subarray(header.length + 64);
    const hash = createHash("sha256").update(payload).digest();
    fs.rmSync(threeFile);
    fs.writeFileSync(codeCacheFile(dir, key.toString("hex")), Buffer.concat([header, key, hash, payload]));
    expect(fromDisk(one)).toBe("one");
    expect(counts()).toEqual(expected({ rejected: 1, made: 1, fileWrites: 1, entries: 1 }));
    expect(fromDisk(one)).toBe("one");
    expect(counts()).toEqual(expected({ hits: 1, fileHits: 1, entries: 1 }));
  });

  it("a directory that cannot be written is ignored: the eval succeeds", () => {
    const blocker = path.join(dir, "a-file");
    fs.writeFileSync(blocker, "");
    const mr = racer({ codeCache: { dir: path.join(blocker, "cache") } });
    expect(mr.eval(LIBRARY)).toBe(42);
    expect(counts()).toEqual(expected({ misses: 1, made: 1, fileWriteErrors: 1, entries: 1 }));
  });
});

/** The key of `code`, as src/internal/code_cache.ts computes it. */
function codeCacheKey(code: string): Buffer {
  return createHash("sha256").update(code, "utf16le").digest();
}

describe("examples/code-cache.mjs", () => {
  it("npm run example:code-cache loads the library into three sandboxes and writes one file; a second run starts from it", () => {
    const run = (): string[] => {
      const child = spawnSync(process.execPath, [path.join(repoRoot, "examples/code-cache.mjs"), dir], {
        cwd: repoRoot,
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(child.stderr).toBe("");
      expect(child.status).toBe(0);
      return child.stdout.trim().split("\n");
    };
    for (const before of [0, 1]) {
      const lines = run();
      expect(lines).toHaveLength(5);
      expect(lines[0]).toBe(`cache directory ${dir}: ${before} file(s) before this run`);
      for (const [i, which] of ["first", "second", "third"].entries()) {
        expect(lines[i + 1]).toMatch(
          new RegExp(`^${which} sandbox: library loaded in [0-9.]+ ms; render -> "Hello, Ada! You have 3 new messages."$`),
        );
      }
      expect(lines[4]).toBe("cache directory: 1 file(s) after this run");
    }
  });
});
