// Hand mutations of the native layer, each of which a test must catch
// (issue 11: mutation testing of what StrykerJS cannot reach).
//
//   node scripts/native-mutants.mjs            every mutant
//   node scripts/native-mutants.mjs --only M3  one of them
//
// Works on a scratch copy of the tree (tracked and untracked files, as
// scripts/test-asan.sh does; node_modules and dist linked from here), so
// the checkout and its build/ are never touched. For each mutant: apply
// one exact source replacement, rebuild the addon incrementally, run the
// test that guards it, and expect that test to FAIL. The unmutated tree
// must pass the same tests first. Prints a table; exits 1 if a mutant
// survives or a replacement no longer matches the source.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { values: opts } = parseArgs({ options: { only: { type: "string" } } });

/** Each mutant: where, the exact text replaced and by what, and the test that must fail. */
const MUTANTS = [
  {
    id: "M1",
    what: "watchdog: a call times out 200 ms after its deadline",
    file: "native/core/limits/watchdog.cc",
    from: "if (Clock::now() >= deadline_) {",
    to: "if (Clock::now() >= deadline_ + std::chrono::milliseconds(200)) {",
    test: ["test/limits.test.ts", "-t", "ends while"],
  },
  {
    id: "M2",
    what: "memory budget: a charge ignores what is already charged",
    file: "native/core/limits/memory_budget.cc",
    from: "if (bytes > max_bytes_ || current + heap > max_bytes_ - bytes) {",
    to: "if (bytes > max_bytes_) {",
    test: ["test/security/resources.test.ts"],
  },
  {
    id: "M3",
    what: "maxResultBytes: a string result one byte over the limit is copied",
    file: "native/wire/value_codec.cc",
    from: "    if (bytes > budget->left()) {\n      *clone_error = true;",
    to: "    if (bytes > budget->left() + 1) {\n      *clone_error = true;",
    test: ["test/security/transfer.test.ts", "-t", "maxResultBytes"],
  },
  {
    id: "M4",
    what: "failure classification: a cancelled call is reported as a timeout",
    file: "native/core/slice_runner.cc",
    from: 'SetFailure(out, MR_ERROR_CANCELLED, "", "the call was cancelled");',
    to: 'SetFailure(out, MR_ERROR_TIMEOUT, "", "the call was cancelled");',
    test: ["test/security/time-escapes.test.ts", "-t", "aborting the outer call"],
  },
  {
    id: "M5",
    what: "handle table: a released handle is still counted",
    file: "native/core/handle_table.cc",
    from: "  live_.fetch_sub(1, std::memory_order_relaxed);\n}",
    to: "}",
    test: ["test/handles.test.ts", "-t", "handleCount"],
  },
  {
    id: "M6",
    what: "natives-syntax guard: the flag check at every call is skipped",
    file: "native/core/slice_runner.cc",
    from: "  if (natives_guard_.Safe(isolate_, slice.context())) return false;",
    to: "  return false;",
    test: ["test/security/resource-caps.test.ts", "-t", "allow-natives-syntax"],
  },
];

const scratch = path.join(tmpdir(), `mini-racer-mutants-${process.getuid?.() ?? 0}`);
const tree = path.join(scratch, "tree");

function prepareTree() {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(tree, { recursive: true });
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((file) => file && existsSync(path.join(ROOT, file)));
  for (const file of files) cpSync(path.join(ROOT, file), path.join(tree, file), { recursive: true });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(tree, "node_modules"));
}

function build() {
  const result = spawnSync("npx", ["node-gyp", existsSync(path.join(tree, "build")) ? "build" : "rebuild", "-j", "2"], {
    cwd: tree,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stderr.slice(-2000)}`);
}

function testPasses(args) {
  const result = spawnSync("npx", ["vitest", "run", ...args], { cwd: tree, encoding: "utf8" });
  const summary = /Tests\s+([^\n]*)/.exec(result.stdout.replace(/\x1b\[[0-9;]*m/g, ""))?.[1]?.trim() ?? "no summary";
  return { passed: result.status === 0, summary };
}

const chosen = MUTANTS.filter((mutant) => opts.only === undefined || mutant.id === opts.only);
prepareTree();
build();
let failures = 0;
const rows = [];
for (const mutant of chosen) {
  const baseline = testPasses(mutant.test);
  const file = path.join(tree, mutant.file);
  const original = readFileSync(file, "utf8");
  if (!original.includes(mutant.from)) {
    rows.push([mutant.id, mutant.what, "replacement not found in the source", "FAIL"]);
    failures++;
    continue;
  }
  writeFileSync(file, original.replace(mutant.from, mutant.to));
  let outcome;
  try {
    build();
    outcome = testPasses(mutant.test);
  } finally {
    writeFileSync(file, original);
  }
  const killed = baseline.passed && !outcome.passed;
  if (!killed) failures++;
  rows.push([
    mutant.id,
    mutant.what,
    `${mutant.test.join(" ")}: unmutated ${baseline.summary}; mutated ${outcome.summary}`,
    killed ? "killed" : baseline.passed ? "SURVIVED" : "baseline failed",
  ]);
  console.log(`${mutant.id}: ${rows.at(-1)[3]}`);
}
build();
console.log("\n| mutant | mutation | guarding test and outcome | verdict |\n|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
process.exit(failures === 0 ? 0 : 1);
