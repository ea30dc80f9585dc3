#!/usr/bin/env node
// Fuzzes the native value-transfer code with libFuzzer (issue 5).
//
//   npm run fuzz [-- options] [-- libFuzzer flags]
//     --seconds N     how long to fuzz in all (default 60)
//     --work DIR      live corpus and crash files (default build-cmake/fuzz/work)
//     --sanitize S    address (default), undefined, address,undefined or none
//     --leaks         libFuzzer's per-input leak check (slow; needs address)
//     --rebuild       rebuild the fuzz addon even if it looks current
//     --repro FILE..  run the given inputs once each (a crash file, say)
//   e.g. npm run fuzz -- --seconds 600
//        npm run fuzz -- --repro build-cmake/fuzz/work/crashes/crash-<sha1>
//        npm run fuzz -- --seconds 60 -- -use_value_profile=1
//
// Builds build-cmake/fuzz/Release/mini_racer_fuzz.node with cmake-js and
// Clang (see cmake/Fuzz.cmake) when it is missing or older than its
// sources, then runs libFuzzer inside node: a child process, with the
// sanitizer runtime preloaded, restarted after each crash until the time is
// up. Prints executions, exec/s, corpus size and crashes (with where the
// crash files are); exits 1 when a crash was found. Not part of CI.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, statSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

// ---------------------------------------------------------------------------
// Child mode: load the addon and hand the process to libFuzzer.
// ---------------------------------------------------------------------------
if (process.argv[2] === '--child') {
  const require = createRequire(import.meta.url);
  const addon = require(process.argv[3]);
  const rc = addon.run(process.argv.slice(4));
  process.exit(rc);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build-cmake', 'fuzz');
const fuzzSrc = join(root, 'native', 'fuzz');

// ---------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------
const opts = { seconds: 60, work: join(buildDir, 'work'), sanitize: 'address',
  leaks: false, rebuild: false, repro: null, extra: [] };
{
  // parseArgs reads this script's own options. Not for it: what follows `--`
  // (libFuzzer flags), what follows `--repro` (input files), and arguments
  // with one dash (`-use_value_profile=1`: libFuzzer flags too; so a value
  // of our own that starts with a dash takes the --option=value form).
  const args = process.argv.slice(2);
  const stop = args.findIndex((a) => a === '--' || a === '--repro');
  const own = [];
  for (const a of stop === -1 ? args : args.slice(0, stop)) {
    if (a.startsWith('-') && !a.startsWith('--') && a !== '-h') opts.extra.push(a);
    else own.push(a);
  }
  if (stop !== -1 && args[stop] === '--') opts.extra.push(...args.slice(stop + 1));
  if (stop !== -1 && args[stop] === '--repro') opts.repro = args.slice(stop + 1).map((f) => resolve(f));
  let values;
  try {
    ({ values } = parseArgs({
      args: own,
      options: {
        seconds: { type: 'string', default: String(opts.seconds) },
        work: { type: 'string' },
        sanitize: { type: 'string', default: opts.sanitize },
        leaks: { type: 'boolean', default: false },
        rebuild: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  if (values.help) usage();
  opts.seconds = Number(values.seconds);
  if (values.work !== undefined) opts.work = resolve(values.work);
  opts.sanitize = values.sanitize;
  opts.leaks = values.leaks;
  opts.rebuild = values.rebuild;
  if (!(opts.seconds > 0)) usage('--seconds must be a positive number');
  if (opts.sanitize === 'none') opts.sanitize = '';
}

function usage(problem) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8')
    .split('\n').slice(1, 20).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
  if (problem) console.error(`fuzz: ${problem}\n`);
  console.error(text);
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------
// Build
// ---------------------------------------------------------------------------
function findClang() {
  if (process.env.CXX && /clang/.test(process.env.CXX)) {
    return { cc: process.env.CC || process.env.CXX.replace(/\+\+/, ''), cxx: process.env.CXX };
  }
  for (const v of ['', '-19', '-18', '-17', '-16', '-15', '-14', '-13']) {
    const r = spawnSync(`clang++${v}`, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return { cc: `clang${v}`, cxx: `clang++${v}` };
  }
  console.error('fuzz: no clang++ on PATH. On Debian: apt-get install -y clang-14 libclang-rt-14-dev');
  process.exit(2);
}

function newestSource() {
  let newest = 0;
  const consider = (f) => { newest = Math.max(newest, statSync(f).mtimeMs); };
  // Every layer's folder under native/, native/fuzz/ (fuzzSrc) included.
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (/\.(cc|h|js|inc)$/.test(e.name)) consider(join(dir, e.name));
    }
  };
  walk(join(root, 'native'));
  consider(join(root, 'CMakeLists.txt'));
  consider(join(root, 'cmake', 'Fuzz.cmake'));
  return newest;
}

function readEnv() {
  const file = join(buildDir, 'fuzz-env.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

function build() {
  let env = readEnv();
  const current = env && existsSync(env.addon) && env.sanitize === opts.sanitize &&
    statSync(env.addon).mtimeMs >= newestSource();
  if (current && !opts.rebuild) return env;
  const { cc, cxx } = findClang();
  const require = createRequire(import.meta.url);
  const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const childEnv = { ...process.env };
  // Node's headers come from the node that runs this (as in .ci/run), never
  // from a download.
  if (!childEnv.npm_config_nodedir) {
    childEnv.npm_config_nodedir = dirname(dirname(realpathSync(process.execPath)));
  }
  const args = [cmakeJs, 'compile', '-O', relative(root, buildDir), '-T', 'mini_racer_fuzz',
    '--cc', cc, '--cxx', cxx, '--CDMINI_RACER_FUZZ=ON',
    `--CDMINI_RACER_FUZZ_SANITIZE=${opts.sanitize}`];
  console.log(`fuzz: building the fuzz addon (${cxx}, sanitizers: fuzzer-no-link ${opts.sanitize})`);
  const r = spawnSync(process.execPath, args, { cwd: root, env: childEnv, stdio: 'inherit' });
  env = readEnv();
  if (r.status !== 0 || !env || !existsSync(env.addon)) {
    console.error('fuzz: the build failed');
    process.exit(2);
  }
  return env;
}

// ---------------------------------------------------------------------------
// Run
// ---------------------------------------------------------------------------
const env = build();
const corpusDir = join(opts.work, 'corpus');
const crashDir = join(opts.work, 'crashes');
const logDir = join(opts.work, 'logs');
for (const d of [corpusDir, crashDir, logDir]) mkdirSync(d, { recursive: true });

function childEnv() {
  const e = { ...process.env };
  if (env.preload) e.LD_PRELOAD = env.preload + (e.LD_PRELOAD ? `:${e.LD_PRELOAD}` : '');
  // No exit-time leak check: libFuzzer leaves through exit() with node's and
  // the sandbox's memory still in use. Per-input checks (--leaks) still work.
  e.ASAN_OPTIONS = e.ASAN_OPTIONS ??
    `detect_leaks=${opts.leaks ? 1 : 0}:leak_check_at_exit=0:malloc_context_size=30:` +
    'allocator_may_return_null=1:handle_abort=1:symbolize=1';
  e.UBSAN_OPTIONS = e.UBSAN_OPTIONS ?? 'print_stacktrace=1:halt_on_error=1';
  return e;
}

function runChild(fuzzArgs, logFile, onLine) {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath,
      [fileURLToPath(import.meta.url), '--child', env.addon, ...fuzzArgs],
      { cwd: opts.work, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(logFile);
    let pending = '';
    const take = (chunk) => {
      log.write(chunk);
      pending += chunk.toString('latin1');
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code, signal) => { if (pending) onLine(pending); log.end(); resolveRun({ code, signal }); });
  });
}

const artifacts = () => new Set(readdirSync(crashDir));

if (opts.repro) {
  const { code, signal } = await runChild(
    [`-artifact_prefix=${crashDir}/`, '-runs=1', ...opts.extra, ...opts.repro],
    join(logDir, 'repro.log'), (line) => console.log(line));
  process.exit(code ?? (signal ? 1 : 0));
}

const started = Date.now();
const deadline = started + opts.seconds * 1000;
let executions = 0;
let runs = 0;
const crashes = [];
const seen = artifacts();
let lastPrint = 0;

console.log(`fuzz: ${opts.seconds}s; corpus ${relative(root, corpusDir)} (+ seeds ${relative(root, join(fuzzSrc, 'corpus'))}), ` +
  `crashes go to ${relative(root, crashDir)}`);

while (Date.now() < deadline - 2000) {
  runs++;
  const remaining = Math.max(1, Math.floor((deadline - Date.now()) / 1000));
  const logFile = join(logDir, `run-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  let lastExecs = 0;
  let finalExecs = null;
  let crashLines = [];
  const { code, signal } = await runChild([
    `-max_total_time=${remaining}`,
    `-artifact_prefix=${crashDir}/`,
    `-dict=${join(fuzzSrc, 'v8-serialization.dict')}`,
    '-max_len=4096',
    '-timeout=30',
    '-rss_limit_mb=6144',
    '-malloc_limit_mb=2048',
    `-detect_leaks=${opts.leaks ? 1 : 0}`,
    '-print_final_stats=1',
    '-reload=1',
    ...opts.extra,
    corpusDir,
    join(fuzzSrc, 'corpus'),
  ], logFile, (line) => {
    let m;
    if ((m = /^#(\d+)\s+(\w+)/.exec(line))) {
      lastExecs = Number(m[1]);
      const now = Date.now();
      if (m[2] === 'INITED' || m[2] === 'DONE' || now - lastPrint > 15000) {
        lastPrint = now;
        console.log(`  ${line.replace(/\s+MS:.*$/, '')}`);
      }
    } else if ((m = /^stat::number_of_executed_units:\s+(\d+)/.exec(line))) {
      finalExecs = Number(m[1]);
    } else if (/^(==\d+==ERROR|SUMMARY:|mini_racer_fuzz: contract|ERROR: libFuzzer|artifact_prefix|Test unit written)/.test(line) ||
               /^\s+#\d+ 0x/.test(line) && crashLines.length < 40) {
      crashLines.push(line);
    }
  });
  executions += finalExecs ?? lastExecs;
  const fresh = [...artifacts()].filter((f) => !seen.has(f));
  for (const f of fresh) seen.add(f);
  if (fresh.length > 0 || (code !== 0 && code !== null) || signal) {
    const what = fresh.length ? fresh.map((f) => join(crashDir, f)) : ['(no crash file)'];
    crashes.push({ files: what, log: logFile, code, signal });
    console.log(`fuzz: run ${runs} ended with ${signal ?? `exit code ${code}`}: ${what.map((f) => relative(root, f)).join(', ')}`);
    for (const l of crashLines.slice(0, 30)) console.log(`    ${l}`);
    console.log(`    full log: ${relative(root, logFile)}`);
    if (!fresh.length && code !== 0) break;  // not a finding libFuzzer recorded: do not spin
  }
}

const seconds = (Date.now() - started) / 1000;
const corpusFiles = readdirSync(corpusDir);
const corpusBytes = corpusFiles.reduce((n, f) => n + statSync(join(corpusDir, f)).size, 0);
console.log('');
console.log('fuzz summary');
console.log(`  addon:       ${relative(root, env.addon)} (${env.compiler}; fuzzer-no-link ${env.sanitize || ''})`);
console.log(`  time:        ${seconds.toFixed(0)} s in ${runs} run(s)`);
console.log(`  executions:  ${executions}`);
console.log(`  exec/s:      ${(executions / seconds).toFixed(0)}`);
console.log(`  corpus:      ${corpusFiles.length} inputs, ${(corpusBytes / 1024).toFixed(1)} KiB in ${relative(root, corpusDir)}`);
console.log(`  crashes:     ${crashes.length}`);
for (const c of crashes) {
  console.log(`    ${c.files.map((f) => relative(root, f)).join(', ')} (log ${relative(root, c.log)})`);
}
if (crashes.length) {
  console.log('  reproduce:   npm run fuzz -- --repro <crash file>');
}
process.exit(crashes.length ? 1 : 0);
