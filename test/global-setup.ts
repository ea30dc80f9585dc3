// Runs once before the suite: child-process and worker tests load the built
// package (dist/), in-process tests load src/. Rebuild dist/ whenever any
// source is newer than it, so that no test ever runs stale code.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs;
    newest = Math.max(newest, time);
  }
  return newest;
}

function oldestMtime(dir: string): number {
  let oldest = Infinity;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    const time = entry.isDirectory() ? oldestMtime(full) : fs.statSync(full).mtimeMs;
    oldest = Math.min(oldest, time);
  }
  return oldest;
}

export default function setup(): void {
  const dist = path.join(root, "dist");
  const stale =
    !fs.existsSync(path.join(dist, "cjs", "index.js")) ||
    newestMtime(path.join(root, "src")) > oldestMtime(dist) ||
    fs.statSync(path.join(root, "tsconfig.json")).mtimeMs > oldestMtime(dist);
  if (!stale) return;
  // A failed build fails the run here, before any test sees old code.
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(root, "tsconfig.json")], {
    cwd: root,
    stdio: "inherit",
  });
}
