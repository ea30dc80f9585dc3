/** Helpers shared by the test files: sizes, timing baselines, and child processes. */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";

export const MB = 1024 * 1024;
/** The repository root. */
export const repoRoot = path.resolve(__dirname, "..");
/** `require(...)` argument for the built package, for scripts run in child processes and workers. */
export const distEntry = JSON.stringify(path.join(repoRoot, "dist/cjs/index.js"));

/** Runs `body()` and returns how long it took (ms), and what it returned or threw. */
export function timed(body: () => unknown): { error: unknown; value: unknown; ms: number } {
  const start = performance.now();
  try {
    const value = body();
    return { error: undefined, value, ms: performance.now() - start };
  } catch (error) {
    return { error, value: undefined, ms: performance.now() - start };
  }
}

/** {@link timed} for a call that returns a promise. */
export async function timedAsync(body: () => Promise<unknown>): Promise<{ error: unknown; value: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await body();
    return { error: undefined, value, ms: performance.now() - start };
  } catch (error) {
    return { error, value: undefined, ms: performance.now() - start };
  }
}

/**
 * The error `body` throws (the test fails when it returns), for a test that
 * goes on to use the error itself: its class and fields in one look
 * (`toBeInstanceOf` and `toMatchObject` on the same error), a stack to take
 * apart, a time measured around it. A test that only checks what is thrown
 * says `expect(body).toThrow(...)`; a rejected promise is checked with
 * `await expect(promise).rejects...` (a promise can be checked more than once).
 */
export function caught(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

/** Starts a call that must reject; returns the error and how long it took, in ms. */
export async function timedRejection(startCall: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const start = performance.now();
  try {
    await startCall();
  } catch (error) {
    return { error, ms: performance.now() - start };
  }
  throw new Error("expected the call to reject");
}

/**
 * True when the suite runs under `npm run test:asan`. AddressSanitizer adds
 * shadow memory and redzones and keeps freed memory in its own allocator, so
 * RSS bounds are scaled by {@link SANITIZER_RSS_FACTOR}; its larger stack
 * frames leave room for fewer sandbox <-> host round trips.
 */
export const UNDER_ASAN = process.env.MINI_RACER_SANITIZER === "address";
/** Factor for host-RSS bounds: 1 normally, 3 under ASan. */
export const SANITIZER_RSS_FACTOR = UNDER_ASAN ? 3 : 1;

/** The middle value of `samples` (the upper middle for an even count). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The median (ms) of `runs` samples of `sample()`, measured again in a new
 * batch while it is at or over `bound`: the best median of up to `batches`
 * batches. Other work on the machine comes in bursts that can hit every
 * sample of one batch; a shape that is really slow is slow in every batch.
 * Assertions about each sample (a lower bound, the error) go in `sample`.
 */
export function medianWithin(sample: () => number, bound: number, runs = 3, batches = 3): number {
  let best = Infinity;
  for (let batch = 0; batch < batches && best >= bound; batch++) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(sample());
    best = Math.min(best, median(samples));
  }
  return best;
}

/** {@link medianWithin} for samples that take a promise. */
export async function medianWithinAsync(sample: () => Promise<number>, bound: number, runs = 3, batches = 3): Promise<number> {
  let best = Infinity;
  for (let batch = 0; batch < batches && best >= bound; batch++) {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await sample());
    best = Math.min(best, median(samples));
  }
  return best;
}

/**
 * How late this machine ends a plain `for (;;)` at a 100 ms deadline: the
 * worst overshoot (ms) of `runs` synchronous calls in `mr`. Timing tests add a
 * noise margin derived from it to the bound a claim states, rather than
 * seconds of fixed slack (the suite shares 2 cores with other work).
 */
export function timeoutOvershoot(mr: { eval(code: string, options?: { timeout?: number }): unknown }, runs = 3): number {
  let worst = 0;
  for (let i = 0; i < runs; i++) {
    const { error, ms } = timed(() => mr.eval("for (;;);", { timeout: 100 }));
    expect(error, "baseline: a timeout").toMatchObject({ code: "ERR_MINI_RACER_TIMEOUT" });
    worst = Math.max(worst, ms - 100);
  }
  return worst;
}

/**
 * Scheduling noise on the host's event loop: the worst lateness (ms) of a
 * 5 ms interval over `ms`, with nothing else running.
 */
export async function timerJitter(ms = 300): Promise<number> {
  let worst = 0;
  let last = performance.now();
  await new Promise<void>((resolve) => {
    const interval = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last - 5);
      last = now;
    }, 5);
    setTimeout(() => {
      clearInterval(interval);
      resolve();
    }, ms);
  });
  return worst;
}

// ---------------------------------------------------------------------------
// Child processes. Tests whose code could crash or hang the test worker, or
// that need a fresh process (its exit, its flags, its memory), run it in a
// child node with the built package (dist/, rebuilt by global-setup.ts).

/** How a child node ended, and what it printed. */
export interface ChildResult {
  /** Exit code; null when the child was ended by a signal. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Why the helper killed it (`"still running after 5000 ms"`, `"RSS passed 2048 MB"`), if it did. */
  killed?: string;
}

/** `body` (CommonJS) after a line that loads the built package: `lib` is the package, `MiniRacer` its class. */
export function withPackage(body: string): string {
  return `const lib = require(${distEntry}); const { MiniRacer } = lib;\n${body}`;
}

/**
 * Runs `body` ({@link withPackage}) in a child node and waits for it; one
 * still running after `timeoutMs` (default 20 s) gets SIGTERM. `nodeArgs`
 * come before the script (`["--expose-gc"]`).
 */
export function runChild(body: string, options: { nodeArgs?: string[]; timeoutMs?: number } = {}): ChildResult {
  const child = spawnSync(process.execPath, [...(options.nodeArgs ?? []), "-e", withPackage(body)], {
    encoding: "utf8",
    timeout: options.timeoutMs ?? 20_000,
  });
  return { status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

/**
 * Runs `script` (CommonJS, as it is) in a child node without blocking the
 * test: for calls that might never return. The child is killed with SIGKILL
 * after `killAfterMs`, or as soon as its resident memory passes `rssLimit`
 * bytes (checked every 100 ms); `killed` then says which.
 */
export function runKillableScript(
  script: string,
  killAfterMs: number,
  options: { rssLimit?: number } = {},
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed: string | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const kill = (why: string): void => {
      if (killed !== undefined) return;
      killed = why;
      child.kill("SIGKILL");
    };
    const timer = setTimeout(() => kill(`still running after ${killAfterMs} ms`), killAfterMs);
    const rssLimit = options.rssLimit;
    const poll =
      rssLimit === undefined
        ? undefined
        : setInterval(() => {
            try {
              const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
              const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
              if (kb * 1024 > rssLimit) kill(`RSS passed ${rssLimit / MB} MB`);
            } catch {
              // exited
            }
          }, 100);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ status, signal, stdout, stderr, killed });
    });
  });
}

/** {@link runKillableScript} for `body` after the package-loading line of {@link withPackage}. */
export function runKillableChild(body: string, killAfterMs: number, options: { rssLimit?: number } = {}): Promise<ChildResult> {
  return runKillableScript(withPackage(body), killAfterMs, options);
}
