#!/usr/bin/env node
// Builds one addon per supported Node line into prebuilds/<platform>-<arch>/
// (prebuildify: node.abi<N>.glibc.node), each against that line's own
// headers and with that line's node, so nothing is downloaded but the
// official Node packages (see scripts/node-lines.mjs).
//
//   npm run prebuilds                     every line in LINES
//   npm run prebuilds -- --line 22 --line 24
//
// The build runs in a staging copy of the sources, so the checkout's own
// build/ (what node-gyp-build loads first in a dev checkout) is left alone.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LINES, ensureLine, lineEnv, systemLine } from './node-lines.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    line: { type: 'string', multiple: true },
    cache: { type: 'string', default: process.env.NODE_LINES_CACHE || path.join(repoRoot, '.node-lines') },
    seed: { type: 'string', default: process.env.NODE_LINES_SEED || undefined },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: node scripts/prebuild.mjs [--line <major>]... [--cache <dir>] [--seed <dir>]');
  process.exit(0);
}
const lines = values.line?.length ? values.line : LINES;
for (const line of lines) {
  if (!LINES.includes(line)) {
    console.error(`prebuild: unsupported line ${line} (supported: ${LINES.join(', ')})`);
    process.exit(1);
  }
}

// What the addon's build needs: binding.gyp, the native sources (every
// layer's folder under native/, whole; not native/fuzz/) and the
// node-addon-api headers (binding.gyp asks `require('node-addon-api')`).
function stage() {
  const dir = path.join(os.tmpdir(), `mini-racer-prebuild-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'native'), { recursive: true });
  cpSync(path.join(repoRoot, 'binding.gyp'), path.join(dir, 'binding.gyp'));
  cpSync(path.join(repoRoot, 'package.json'), path.join(dir, 'package.json'));
  for (const entry of readdirSync(path.join(repoRoot, 'native'))) {
    if (entry === 'fuzz') continue;
    cpSync(path.join(repoRoot, 'native', entry), path.join(dir, 'native', entry), { recursive: true });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

const prebuildify = path.join(repoRoot, 'node_modules', 'prebuildify', 'bin.js');
if (!existsSync(prebuildify)) {
  console.error('prebuild: prebuildify is not installed (npm ci first)');
  process.exit(1);
}

const staged = stage();
try {
  for (const line of lines) {
    const dir = systemLine(line) ?? ensureLine(line, { cache: path.resolve(values.cache), seed: values.seed });
    const node = path.join(dir, 'bin', 'node');
    const version = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
    const started = Date.now();
    console.error(`prebuild: Node ${version} (${dir})`);
    const result = spawnSync(
      node,
      [prebuildify, '--napi=false', '--strip', '--tag-libc', `--target=node@${version}`, `--out=${repoRoot}`, staged],
      { stdio: 'inherit', env: { ...lineEnv(dir), JOBS: process.env.JOBS || 'max' }, cwd: staged },
    );
    if (result.status !== 0) {
      console.error(`prebuild: the build for Node ${version} failed`);
      process.exit(result.status ?? 1);
    }
    console.error(`prebuild: Node ${version} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(staged, { recursive: true, force: true });
}
const out = path.join(repoRoot, 'prebuilds', `${process.platform}-${process.arch}`);
for (const file of readdirSync(out)) console.log(path.join('prebuilds', `${process.platform}-${process.arch}`, file));
