/**
 * `mini-racer --lines FN`: applies FN to each JSON line of standard input in
 * one sandbox and writes each result as a JSON line.
 *
 * A call per line would cost a crossing per line (~2 µs and a copy of the
 * value each way), so lines go in as text in batches: the sandbox parses
 * each line, applies FN, stringifies the result and hands back the output
 * lines joined, plus the line numbers that failed and why. Reading stops
 * while a batch runs and while standard output is full (write() returned
 * false), so memory stays bounded by one chunk of input and its output.
 *
 * Time limits: a batch stops starting new lines once it has run for
 * BATCH_BUDGET_MS, and its call's limit is `--timeout` + BATCH_BUDGET_MS. A
 * line therefore always has at least its `--timeout`; one that never ends is
 * stopped between `--timeout` and `--timeout` + BATCH_BUDGET_MS after it
 * started. `--cpu-time` is given the same way: the lines before a line used
 * less CPU than wall-clock time, so it gets at least its `--cpu-time`. The sandbox records where it is (text offset, line index) before
 * each line, so after a batch is stopped the host knows which line ran too
 * long, reports it, keeps the output of the lines before it, and resumes at
 * the next line.
 *
 * @internal
 */
import { JSTimeoutError } from "../errors";
import type { MiniRacer } from "../mini_racer";
import type { CallOptions } from "../options";

/** A batch stops starting new lines after this many ms (see the top of this file). */
export const BATCH_BUDGET_MS = 10;

/** The global the harness lives at: non-writable, so code run later cannot replace it. */
const HARNESS = "__miniRacerCli";

// Runs in the sandbox before any user code; keeps its own references to the
// builtins it needs, so that user code redefining them changes only itself.
const HARNESS_SOURCE = `(() => {
  "use strict";
  const parse = JSON.parse, stringify = JSON.stringify, now = Date.now, blank = /^\\s*$/;
  const isPromise = (value) => value instanceof Promise;
  let fn = null, filter = false, failFast = false;
  let pos = 0, done = 0, out = "", errors = [];
  const describe = (error) => {
    try {
      if (error instanceof Error) return String(error.name) + ": " + String(error.message);
      return "uncaught " + (typeof error === "string" ? JSON.stringify(error) : String(error));
    } catch {
      return "uncaught value that cannot be shown";
    }
  };
  // One line: true when it went well (printed, filtered out or blank).
  const apply = (line) => {
    let value;
    try {
      value = parse(line);
    } catch (error) {
      if (blank.test(line)) return true;
      errors.push(done, "not JSON: " + describe(error));
      return false;
    }
    let result;
    try {
      result = fn(value);
    } catch (error) {
      errors.push(done, describe(error));
      return false;
    }
    if (filter && (result === undefined || result === false)) return true;
    if (isPromise(result)) {
      errors.push(done, "the result is a promise: --lines functions must be synchronous");
      return false;
    }
    let json;
    try {
      json = result === undefined ? "null" : stringify(result);
    } catch (error) {
      errors.push(done, "the result is not JSON: " + describe(error));
      return false;
    }
    if (json === undefined) {
      errors.push(done, "the result is not JSON: a " + typeof result);
      return false;
    }
    out += json + "\\n";
    return true;
  };
  Object.defineProperty(globalThis, ${JSON.stringify(HARNESS)}, {
    value: Object.freeze({
      use(f, onlyTruthy, stopAtError) {
        fn = f;
        filter = onlyTruthy;
        failFast = stopAtError;
      },
      // Lines of text (each ended by "\\n"), until the text or the budget ends.
      run(text, budgetMs) {
        pos = 0;
        done = 0;
        out = "";
        errors = [];
        const start = now();
        while (pos < text.length) {
          const end = text.indexOf("\\n", pos);
          const ok = apply(text.slice(pos, end));
          pos = end + 1;
          done++;
          if (!ok && failFast) break;
          if (now() - start >= budgetMs) break;
        }
        return [pos, done, out, errors];
      },
      // Where a stopped run was: the line at index \`done\`, from offset \`pos\`, was running.
      take() {
        return [pos, done, out, errors];
      },
    }),
  });
})()`;

/** What a batch gives back: how far it got, the output lines, and the failures. */
interface BatchResult {
  /** Offset in the batch's text of the first line not done. */
  pos: number;
  /** Lines done (blank and failed lines included). */
  done: number;
  out: string;
  /** Flat pairs: line index in the batch, message. */
  errors: unknown[];
}

/** Where the lines runner writes. */
export interface LinesOutput {
  /** Writes output lines; returns a promise when the reader is behind, to wait for before reading on. */
  write(text: string): Promise<void> | undefined;
  /** A failed line, reported (1-based line number, one-line message). */
  report(line: number, message: string): void;
}

/** What `--lines` was asked for. */
export interface LinesSettings {
  source: string;
  filter: boolean;
  failFast: boolean;
  /** Per-line limit in ms, or undefined. */
  timeout: number | undefined;
  /** Per-line CPU-time limit in ms, or undefined. */
  cpuTime: number | undefined;
}

/** The exit status of the first failed line: 1, or 3 for a line stopped by its time limit; 0: none. */
export type LinesStatus = 0 | 1 | 3;

function batchResult(value: unknown): BatchResult {
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    typeof value[0] !== "number" ||
    typeof value[1] !== "number" ||
    typeof value[2] !== "string" ||
    !Array.isArray(value[3])
  ) {
    throw new Error("the --lines harness in the sandbox returned something unexpected");
  }
  return { pos: value[0], done: value[1], out: value[2], errors: value[3] };
}

/** Cuts a sandbox message to one short line. */
export function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s*[\r\n]+\s*/g, " ");
  return flat.length > max ? flat.slice(0, max) + "…" : flat;
}

/** Runs `--lines` over a MiniRacer: {@link LinesRunner.install}, then {@link LinesRunner.run}. */
export class LinesRunner {
  readonly #mr: MiniRacer;
  readonly #settings: LinesSettings;
  readonly #output: LinesOutput;
  /** Lines of input consumed so far. */
  #lineCount = 0;
  #status: LinesStatus = 0;
  #stopped = false;

  constructor(mr: MiniRacer, settings: LinesSettings, output: LinesOutput) {
    this.#mr = mr;
    this.#settings = settings;
    this.#output = output;
  }

  /** Puts the harness in the sandbox; before any user code runs. */
  static installHarness(mr: MiniRacer): void {
    mr.execute(HARNESS_SOURCE);
  }

  /** Evaluates FN; throws TypeError when it is not a function. */
  useFunction(): void {
    const { source, filter, failFast } = this.#settings;
    const fn = this.#mr.eval(source, this.#limits(0));
    if (typeof fn !== "function") {
      throw new TypeError(`FN must evaluate to a function, got ${typeof fn}`);
    }
    this.#mr.call(`${HARNESS}.use`, fn, filter, failFast);
    (fn as { release?: () => void }).release?.(); // the harness holds it now
  }

  /** Feeds every line of `input` through FN; resolves to the exit status. */
  async run(input: AsyncIterable<string>): Promise<LinesStatus> {
    let partial: string[] = []; // a line not ended yet, in the pieces it came in
    for await (const chunk of input) {
      const cut = chunk.lastIndexOf("\n") + 1;
      if (cut === 0) {
        partial.push(chunk);
        continue;
      }
      const head = cut === chunk.length ? chunk : chunk.slice(0, cut);
      await this.#batch(partial.length === 0 ? head : partial.join("") + head);
      partial = cut === chunk.length ? [] : [chunk.slice(cut)];
      if (this.#stopped) return this.#status;
    }
    const last = partial.join("");
    if (last.length > 0) await this.#batch(last + "\n");
    return this.#status;
  }

  /** Runs the lines of `text` (each ended by "\n"), a batch at a time. */
  async #batch(text: string): Promise<void> {
    const options = this.#limits(BATCH_BUDGET_MS);
    let from = 0;
    while (from < text.length && !this.#stopped) {
      let result: BatchResult;
      let timedOut: "timeout" | "cpuTime" | undefined;
      try {
        result = batchResult(this.#mr.apply(`${HARNESS}.run`, [from === 0 ? text : text.slice(from), BATCH_BUDGET_MS], options));
      } catch (error) {
        if (!(error instanceof JSTimeoutError)) throw await this.#atLine(error);
        result = batchResult(this.#mr.call(`${HARNESS}.take`));
        timedOut = error.limit;
      }
      this.#reportErrors(result.errors);
      let advance = result.pos;
      this.#lineCount += result.done;
      if (timedOut !== undefined) {
        // The line at index `done` was running: report it, skip to the line after it.
        this.#lineCount++;
        const message =
          timedOut === "cpuTime" ? `ran past --cpu-time ${this.#settings.cpuTime} ms` : `timed out after ${this.#settings.timeout} ms`;
        this.#fail(this.#lineCount, message, 3);
        advance = text.indexOf("\n", from + result.pos) + 1 - from;
      }
      from += advance;
      if (result.out.length > 0) {
        const drained = this.#output.write(result.out);
        if (drained !== undefined) await drained;
      }
    }
  }

  /** The limits of a call: each line limit the command has, plus `slack` ms. */
  #limits(slack: number): CallOptions | undefined {
    const { timeout, cpuTime } = this.#settings;
    if (timeout === undefined && cpuTime === undefined) return undefined;
    const options: CallOptions = {};
    if (timeout !== undefined) options.timeout = timeout + slack;
    if (cpuTime !== undefined) options.cpuTime = cpuTime + slack;
    return options;
  }

  #reportErrors(errors: unknown[]): void {
    for (let i = 0; i + 1 < errors.length; i += 2) {
      this.#fail(this.#lineCount + Number(errors[i]) + 1, oneLine(String(errors[i + 1])), 1);
    }
  }

  #fail(line: number, message: string, status: LinesStatus): void {
    this.#output.report(line, message);
    if (this.#status === 0) this.#status = status;
    if (this.#settings.failFast) this.#stopped = true;
  }

  /**
   * An error that ends the run (the memory cap): when the sandbox can still
   * say where it was, the lines before are printed and the line is named.
   */
  async #atLine(error: unknown): Promise<unknown> {
    let where: BatchResult | undefined;
    try {
      where = batchResult(this.#mr.call(`${HARNESS}.take`));
    } catch {
      // The sandbox cannot answer any more (still over its cap).
    }
    if (where !== undefined) {
      this.#reportErrors(where.errors);
      const drained = where.out.length > 0 ? this.#output.write(where.out) : undefined;
      if (drained !== undefined) await drained;
    }
    const line = where === undefined ? `line ${this.#lineCount + 1} or after` : `line ${this.#lineCount + where.done + 1}`;
    if (error instanceof Error) error.message = `${line}: ${error.message}`;
    return error;
  }
}
