/**
 * The command line of `mini-racer` (src/cli.ts): its options, read with
 * `node:util` parseArgs, checked into a {@link CliSettings}, and the
 * `--help` text. Every mistake is a {@link UsageError}, which the CLI prints
 * as one line and exits 2 with.
 *
 * @internal
 */
import { parseArgs } from "node:util";

/** A mistake on the command line: printed as one line, exit status 2. */
export class UsageError extends Error {}

/** What the command line asks for, checked. */
export interface CliSettings {
  /** Code from `-e`, or undefined. */
  code: string | undefined;
  /** The file argument, or undefined. */
  file: string | undefined;
  module: boolean;
  /** `--lines FN`: the function's source, or undefined. */
  lines: string | undefined;
  filter: boolean;
  failFast: boolean;
  /** Milliseconds, or undefined for no limit. */
  timeout: number | undefined;
  /** Milliseconds, or undefined. */
  cpuTime: number | undefined;
  /** Bytes, or undefined for the library's default. */
  maxMemory: number | undefined;
  /** `--input`: a path, `-` for standard input, or undefined. */
  input: string | undefined;
  json: boolean;
  allowConsole: boolean;
  help: boolean;
  version: boolean;
}

const OPTIONS = {
  eval: { type: "string", short: "e" },
  module: { type: "boolean" },
  lines: { type: "string" },
  filter: { type: "boolean" },
  "fail-fast": { type: "boolean" },
  timeout: { type: "string" },
  "cpu-time": { type: "string" },
  "max-memory": { type: "string" },
  input: { type: "string" },
  json: { type: "boolean" },
  "allow-console": { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

export const HELP = `Usage: mini-racer [options] [FILE]
       mini-racer [options] -e CODE
       mini-racer [options] --lines FN < input.jsonl

Runs JavaScript in a separate V8 isolate (no require, process, file system or
network) with a memory cap and a time limit, and prints the result.

Code:
  -e, --eval CODE       run CODE as a script and print its value
  FILE                  run the script in FILE and print its value
  --module              run the code as an ES module; it may import files in the
                        folder of FILE (or the working directory) and below
  --lines FN            apply the function FN to each JSON line of standard input
                        and print each result as a JSON line (undefined: null);
                        -e CODE or FILE, if given, runs first (definitions for FN)
  --filter              with --lines: print nothing for undefined and false results
  --fail-fast           with --lines: stop at the first line that fails

Limits:
  --timeout MS          wall-clock limit in milliseconds of the code, or of each line
  --cpu-time MS         CPU-time limit in milliseconds of the code, or of each line
  --max-memory BYTES    memory cap, e.g. 64M; suffixes K, M, G are powers of 1024
                        (at least 8M; default 128M)

Input and output:
  --input FILE          parse FILE as JSON and bind it to the global \`input\` (- : stdin)
  --json                print the value as JSON (default: strings as they are,
                        other values as Node's util.inspect shows them)
  --allow-console       print the sandbox's console output to stderr (default: dropped)
  -h, --help            print this help
  -v, --version         print the version of mini-racer

Exit status: 0 ok; 1 the code threw (or, with --lines, a line failed); 2 usage
error; 3 time limit reached; 4 memory cap reached.
`;

const BYTES = /^(\d+(?:\.\d+)?)([KMG])?$/i;
const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--max-memory`'s value: bytes, with K/M/G as powers of 1024. */
export function parseBytes(text: string): number {
  const match = BYTES.exec(text.trim());
  if (match === null) {
    throw new UsageError(
      `--max-memory must be a number of bytes with an optional K, M or G suffix (powers of 1024), got ${JSON.stringify(text)}`,
    );
  }
  const unit = match[2] === undefined ? 1 : UNIT[match[2].toUpperCase()]!;
  return Math.floor(Number(match[1]) * unit);
}

/** A positive number of milliseconds, for `--timeout` and `--cpu-time`. */
export function parseMilliseconds(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(`${flag} must be a positive number of milliseconds, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** Reads and checks the arguments (without node and the script). Throws {@link UsageError}. */
export function parseCommandLine(args: string[]): CliSettings {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs's messages may go on with advice on `--`: keep what was wrong.
    const message = (error as Error).message.replace(/\. To specify a positional[\s\S]*$/, "");
    throw new UsageError(`${message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`one FILE at most, got ${positionals.length}: ${positionals.join(" ")}`);
  const settings: CliSettings = {
    code: values.eval,
    file: positionals[0],
    module: values.module === true,
    lines: values.lines,
    filter: values.filter === true,
    failFast: values["fail-fast"] === true,
    timeout: values.timeout === undefined ? undefined : parseMilliseconds("--timeout", values.timeout),
    cpuTime: values["cpu-time"] === undefined ? undefined : parseMilliseconds("--cpu-time", values["cpu-time"]),
    maxMemory: values["max-memory"] === undefined ? undefined : parseBytes(values["max-memory"]),
    input: values.input,
    json: values.json === true,
    allowConsole: values["allow-console"] === true,
    help: values.help === true,
    version: values.version === true,
  };
  if (settings.help || settings.version) return settings;
  if (settings.code !== undefined && settings.file !== undefined) {
    throw new UsageError("give either -e CODE or a FILE, not both");
  }
  if (settings.code === undefined && settings.file === undefined && settings.lines === undefined) {
    throw new UsageError("nothing to run: give -e CODE, a FILE or --lines FN (see --help)");
  }
  if (settings.lines === undefined && (settings.filter || settings.failFast)) {
    throw new UsageError(`${settings.filter ? "--filter" : "--fail-fast"} goes with --lines`);
  }
  if (settings.lines !== undefined && settings.input === "-") {
    throw new UsageError("--input - reads standard input, which --lines reads: give --input a file");
  }
  if (settings.lines !== undefined && settings.json) {
    throw new UsageError("--json goes without --lines (--lines always prints JSON)");
  }
  if (settings.file === "-") throw new UsageError("FILE - (standard input) is not supported: use -e \"$(cat)\"");
  return settings;
}
