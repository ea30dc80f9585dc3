/**
 * The `mini-racer` command (package.json "bin": bin/mini-racer.js loads
 * this file): runs a script, a file or a function over JSON lines in one
 * sandbox, and maps what happened to an exit status (README "Command
 * line"). Not part of the library's API: index.ts does not export it.
 *
 * Every failure is one line on stderr, `mini-racer: ...`, never a host
 * stack: 1 the code threw, 2 usage, 3 time limit, 4 memory cap.
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { format, inspect } from "node:util";
import { JSEvalError, JSOOMError, JSTimeoutError, MiniRacerError, ValueTransferError } from "./errors";
import { HELP, parseCommandLine, UsageError, type CliSettings } from "./internal/cli_args";
import { LinesRunner, oneLine } from "./internal/cli_lines";
import type { JSFunctionHandle } from "./handles";
import type { MiniRacer } from "./mini_racer";
import type { MiniRacerOptions } from "./options";

/** The exit statuses, as the README documents them. */
const Exit = { ok: 0, threw: 1, usage: 2, timeout: 3, memory: 4 } as const;

function fail(message: string): void {
  // Some library messages (NativeBuildError's) start with the package's name already.
  process.stderr.write(`mini-racer: ${oneLine(message.replace(/^mini-racer: /, ""), 2000)}\n`);
}

/** Reads a whole file, or standard input for "-"; a file that cannot be read is a usage error. */
async function readSource(file: string, what: string): Promise<string> {
  if (file === "-") {
    process.stdin.setEncoding("utf8");
    let text = "";
    for await (const chunk of process.stdin) text += chunk as string;
    return text;
  }
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new UsageError(`cannot read ${what} ${file}: ${reason}`);
  }
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string };
  return manifest.version;
}

/** Makes the sandbox; a constructor TypeError / RangeError is a usage error. */
/**
 * `--module`'s imports: files next to the entry module, and below its
 * folder (the folder of FILE, or the working directory for -e), read by
 * the host; anything else (a bare name, a path outside that folder) is not
 * found. The code never reads files itself.
 */
function moduleFiles(root: string): NonNullable<MiniRacerOptions["loadModule"]> {
  return (specifier, referrer) => {
    if (!/^\.{1,2}\//.test(specifier) && !path.isAbsolute(specifier)) return undefined;
    const base = referrer !== "" && path.isAbsolute(referrer) ? path.dirname(referrer) : root;
    const file = path.resolve(base, specifier);
    if (file !== root && !file.startsWith(root + path.sep)) return undefined;
    try {
      return { source: readFileSync(file, "utf8"), name: file };
    } catch {
      return undefined;
    }
  };
}

function createSandbox(Racer: typeof MiniRacer, settings: CliSettings): MiniRacer {
  const options: MiniRacerOptions = {};
  if (settings.module) {
    options.loadModule = moduleFiles(settings.file === undefined || settings.file === "-" ? process.cwd() : path.dirname(path.resolve(settings.file)));
  }
  if (settings.maxMemory !== undefined) options.maxMemory = settings.maxMemory;
  if (settings.cpuTime !== undefined) options.cpuTime = settings.cpuTime;
  if (settings.allowConsole) {
    options.onConsole = (_level, args) => process.stderr.write(`${format(...args)}\n`);
  }
  try {
    return new Racer(options);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const flag = /^maxMemory/.test(error.message) ? "--max-memory: " : "";
    throw new UsageError(flag + error.message);
  }
}

/** Binds `--input`'s JSON to the global `input`, parsed in the sandbox (under its cap). */
async function bindInput(mr: MiniRacer, file: string): Promise<void> {
  const text = await readSource(file, "--input");
  const bind = mr.eval<JSFunctionHandle>("(text) => { globalThis.input = JSON.parse(text); }");
  try {
    bind(text);
  } catch (error) {
    if (error instanceof JSEvalError && error.jsName === "SyntaxError") {
      throw new UsageError(`--input ${file} is not JSON: ${error.jsMessage}`);
    }
    throw error;
  } finally {
    bind.release();
  }
}

/** How a value is printed: `--json`, or like `node -p` (strings as they are, the rest through inspect). */
function render(value: unknown, json: boolean): string {
  if (json) {
    if (typeof value === "function") throw new ValueTransferError("the result is not JSON: a function");
    let text: string | undefined;
    try {
      text = value === undefined ? "null" : JSON.stringify(value);
    } catch (error) {
      throw new ValueTransferError(`the result is not JSON: ${(error as Error).message}`);
    }
    if (text === undefined) throw new ValueTransferError(`the result is not JSON: a ${typeof value}`);
    return text;
  }
  if (typeof value === "function") {
    // A function handle: inspect would show the handle's host side; show the sandbox function, as node -p would.
    const name = (value as unknown as JSFunctionHandle).get("name");
    return typeof name === "string" && name !== "" ? `[Function: ${name}]` : "[Function (anonymous)]";
  }
  return typeof value === "string" ? value : inspect(value);
}

/** Runs -e CODE or FILE: as a script (waiting for a promise it ends with) or as a module. */
async function runCode(mr: MiniRacer, settings: CliSettings, source: string, print: boolean): Promise<void> {
  const timeout = settings.timeout === undefined ? {} : { timeout: settings.timeout };
  if (settings.module) {
    // Async: top-level await is waited for (under --timeout), as a script's promise is.
    // Named by its absolute path, so that its relative imports resolve next to it.
    const name = settings.file === undefined || settings.file === "-" ? path.resolve("[eval]") : path.resolve(settings.file);
    await mr.evalModuleAsync(source, { name, ...timeout });
    return;
  }
  if (!print) {
    await mr.executeAsync(source, timeout);
    return;
  }
  // A handle result (a function, a symbol) is freed with the sandbox, which main() closes.
  const value = await mr.evalAsync(source, timeout);
  process.stdout.write(`${render(value, settings.json)}\n`);
}

async function runLines(mr: MiniRacer, settings: CliSettings, source: string): Promise<number> {
  const runner = new LinesRunner(
    mr,
    { source, filter: settings.filter, failFast: settings.failFast, timeout: settings.timeout, cpuTime: settings.cpuTime },
    {
      // A full pipe: wait for 'drain' before the next batch, so reading stdin stops too.
      write: (text) => (process.stdout.write(text) ? undefined : once(process.stdout, "drain").then(() => undefined)),
      report: (line, message) => fail(`line ${line}: ${message}`),
    },
  );
  try {
    runner.useFunction();
  } catch (error) {
    if (error instanceof TypeError || error instanceof JSEvalError) throw new UsageError(`--lines: ${errorText(error)}`);
    throw error;
  }
  process.stdin.setEncoding("utf8");
  return runner.run(process.stdin as AsyncIterable<string>);
}

/** A sandbox error as one line, with where it happened when V8 says. */
function errorText(error: unknown): string {
  if (error instanceof JSEvalError) {
    const where = /\n\s+at (.+)/.exec(error.jsStack)?.[1];
    return where === undefined ? error.message : `${error.message} (at ${where})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The exit status for an error, printed as one line. */
function exitFor(error: unknown, settings: CliSettings | undefined): number {
  if (error instanceof UsageError) {
    fail(error.message);
    return Exit.usage;
  }
  if (error instanceof JSTimeoutError) {
    const byCpu = error.limit === "cpuTime";
    fail(`${error.message} (${byCpu ? `--cpu-time ${settings?.cpuTime}` : `--timeout ${settings?.timeout}`} ms)`);
    return Exit.timeout;
  }
  if (error instanceof JSOOMError) {
    fail(error.message);
    return Exit.memory;
  }
  if (error instanceof MiniRacerError) {
    fail(errorText(error));
    return Exit.threw;
  }
  fail(`internal error: ${errorText(error)}`);
  return Exit.threw;
}

async function main(args: string[]): Promise<number> {
  let settings: CliSettings | undefined;
  let mr: MiniRacer | undefined;
  try {
    settings = parseCommandLine(args);
    if (settings.help) {
      process.stdout.write(HELP);
      return Exit.ok;
    }
    if (settings.version) {
      process.stdout.write(`${packageVersion()}\n`);
      return Exit.ok;
    }
    const source = settings.file === undefined ? settings.code : await readSource(settings.file, "file");
    // Loaded only now: --help and --version work without the native addon.
    const { MiniRacer: Racer } = await import("./mini_racer.js");
    mr = createSandbox(Racer, settings);
    if (settings.lines !== undefined) LinesRunner.installHarness(mr);
    if (settings.input !== undefined) await bindInput(mr, settings.input);
    if (source !== undefined) await runCode(mr, settings, source, settings.lines === undefined);
    if (settings.lines !== undefined) return await runLines(mr, settings, settings.lines);
    return Exit.ok;
  } catch (error) {
    return exitFor(error, settings);
  } finally {
    mr?.close();
  }
}

/** Runs the command with `args` (process.argv without node and the script), then sets the exit status. */
export function run(args: string[]): void {
  // A reader that went away (`| head`) is not an error of ours: stop quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(Exit.ok);
    fail(error.message);
    process.exit(Exit.threw);
  });
  void main(args).then((status) => {
    process.exitCode = status;
  });
}
