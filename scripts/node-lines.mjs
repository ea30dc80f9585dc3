#!/usr/bin/env node
// Official Node builds for each supported line, fetched from the npm registry
// (`npm pack node-<platform>-<arch>@<major>`: bin/node and include/node) and
// cached, so the addon can be built against a line's own headers and tested
// with its own node. Nothing else is downloaded.
//
//   node scripts/node-lines.mjs fetch [22 24 26]     fetch + extract; prints each folder
//   node scripts/node-lines.mjs dir 24               the folder of one line (fetched if needed)
//   node scripts/node-lines.mjs run 24 -- npx vitest run
//        runs a command with that line's bin/ first on PATH and
//        npm_config_nodedir set to it (node-gyp, prebuildify and cmake-js
//        then build against its headers, never a download)
//   node scripts/node-lines.mjs run 20 -- ...        20 is the default line:
//        with --system, the node on PATH is used when its major matches
//
// Options:
//   --cache <dir>   where tarballs and folders go (env NODE_LINES_CACHE,
//                   default <repo>/.node-lines, git-ignored)
//   --seed <dir>    a folder of already downloaded node-<platform>-<arch>-<version>.tgz
//                   tried before the registry (env NODE_LINES_SEED)
//   --refresh       ask the registry for the newest release of the line even
//                   when one is cached
//   --system        for `dir`/`run`: use the node on PATH when it is of the line
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const LINES = ['20', '22', '24', '26'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `usage: node scripts/node-lines.mjs <fetch|dir|run> [line...] [-- command...]
  lines: ${LINES.join(', ')}
  options: --cache <dir> --seed <dir> --refresh --system`;

function packageName() {
  const platform = { win32: 'win', darwin: 'darwin', linux: 'linux' }[process.platform];
  if (!platform) throw new Error(`no official Node package for platform ${process.platform}`);
  return `node-${platform}-${process.arch}`;
}

function fail(message) {
  console.error(`node-lines: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  }
  return result.stdout;
}

// Tarballs (suffix '.tgz') or extracted folders (suffix '') of `major` in
// `dir`, newest version first.
function entriesOf(dir, major, suffix) {
  if (!dir || !existsSync(dir)) return [];
  const prefix = `${packageName()}-${major}.`;
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(suffix) && /^\d+\.\d+\.\d+$/.test(versionOf(f)))
    .sort((a, b) => compareVersions(versionOf(b), versionOf(a)))
    .map((f) => path.join(dir, f));
}

function versionOf(file) {
  return path.basename(file).replace(/\.tgz$/, '').slice(packageName().length + 1);
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

function extracted(cache, version) {
  return path.join(cache, `${packageName()}-${version}`);
}

function hasNode(dir) {
  return existsSync(path.join(dir, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')) &&
    existsSync(path.join(dir, 'include', 'node', 'node.h'));
}

// The folder of one line (bin/node, include/node), fetched if needed.
export function ensureLine(major, { cache, seed, refresh = false, log = console.error } = {}) {
  if (!LINES.includes(String(major))) {
    throw new Error(`unsupported Node line ${major} (supported: ${LINES.join(', ')})`);
  }
  mkdirSync(cache, { recursive: true });
  let tarball;
  if (!refresh) {
    // The newest folder already extracted here, else a tarball here or in the seed.
    const folder = entriesOf(cache, major, '').find((dir) => hasNode(dir));
    if (folder) return folder;
    tarball = entriesOf(cache, major, '.tgz')[0] ?? entriesOf(seed, major, '.tgz')[0];
  }
  if (!tarball) {
    log(`node-lines: npm pack ${packageName()}@${major}`);
    const out = run('npm', ['pack', `${packageName()}@${major}`, '--json', '--pack-destination', cache],
      { cwd: cache, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    tarball = path.join(cache, JSON.parse(out)[0].filename);
  }
  const dir = extracted(cache, versionOf(tarball));
  if (hasNode(dir)) return dir;
  log(`node-lines: extracting ${path.basename(tarball)}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run('tar', ['xzf', tarball, '-C', tmp, '--strip-components=1']);
  if (!hasNode(tmp)) throw new Error(`${tarball} has no bin/node and include/node/node.h`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}

// The node on PATH as a line folder, when it is of `major` and has headers
// beside it (<prefix>/bin/node, <prefix>/include/node).
export function systemLine(major) {
  const which = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['node'], { encoding: 'utf8' });
  const found = which.stdout?.split(/\r?\n/)[0];
  if (!found) return undefined;
  const prefix = path.dirname(path.dirname(realpathSync(found)));
  const version = spawnSync(found, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout?.trim();
  if (version?.split('.')[0] !== String(major)) return undefined;
  return existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : undefined;
}

export function lineEnv(dir, env = process.env) {
  const bin = path.join(dir, 'bin');
  return { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ''}`, npm_config_nodedir: dir };
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      cache: { type: 'string', default: process.env.NODE_LINES_CACHE || path.join(repoRoot, '.node-lines') },
      seed: { type: 'string', default: process.env.NODE_LINES_SEED || undefined },
      refresh: { type: 'boolean', default: false },
      system: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    process.exit(values.help ? 0 : 1);
  }
  // Everything after `--` is the command to run (parseArgs keeps it in positionals).
  const dashDash = process.argv.indexOf('--');
  const command = dashDash === -1 ? [] : process.argv.slice(dashDash + 1);
  const [verb, ...rest] = positionals.slice(0, positionals.length - command.length);
  const options = { cache: path.resolve(values.cache), seed: values.seed, refresh: values.refresh };
  const resolveLine = (line) => (values.system && systemLine(line)) || ensureLine(line, options);

  try {
    switch (verb) {
      case 'fetch':
        for (const line of rest.length ? rest : LINES) console.log(ensureLine(line, options));
        break;
      case 'dir':
        if (rest.length !== 1) fail(`dir takes one line\n${USAGE}`);
        console.log(resolveLine(rest[0]));
        break;
      case 'run': {
        if (rest.length !== 1 || command.length === 0) fail(`run takes one line and -- command\n${USAGE}`);
        const dir = resolveLine(rest[0]);
        const result = spawnSync(command[0], command.slice(1), {
          stdio: 'inherit',
          env: lineEnv(dir),
          shell: process.platform === 'win32',
        });
        if (result.error) fail(`${command[0]}: ${result.error.message}`);
        process.exit(result.status ?? 1);
      }
      default:
        fail(`unknown command ${verb}\n${USAGE}`);
    }
  } catch (error) {
    fail(error.message);
  }
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main();
