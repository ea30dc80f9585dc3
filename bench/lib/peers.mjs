// Loads the sandboxes the benchmark compares, each defensively: a peer that
// is missing or fails to load must turn its rows into "unavailable" (with the
// reason), never end the run. Used by bench/run.mjs and its child processes.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
// The peers live in bench/peers (own package.json and lock), installed on
// demand with `npm run bench:peers`: isolated-vm does not build on Node 22+.
const peerRequire = createRequire(new URL("../peers/package.json", import.meta.url));
export const PEERS_HINT = "not installed (npm run bench:peers)";

export function peerInstalled(name) {
  try {
    peerRequire.resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
}

export async function loadMiniRacer() {
  // Load the CommonJS build first: on Node 20, when a CommonJS module that
  // throws (say, the addon is not built) is reached through `import()`, the
  // rejection is caught here but Node also raises a second, unhandled one that
  // ends the process. `require` fails cleanly; once it has succeeded, the ESM
  // entry re-exports the same, already loaded module.
  require(fileURLToPath(new URL("../../dist/cjs/index.js", import.meta.url)));
  const { MiniRacer, MiniRacerPool, MiniRacerSnapshot } = await import(new URL("../../dist/cjs/esm.mjs", import.meta.url).href);
  return { MiniRacer, MiniRacerPool, MiniRacerSnapshot, version: `V8 ${MiniRacer.v8Version}` };
}

export function loadIvm() {
  if (!peerInstalled("isolated-vm")) throw new Error(PEERS_HINT);
  const ivm = peerRequire("isolated-vm");
  return { ivm, version: `isolated-vm ${peerRequire("isolated-vm/package.json").version}` };
}

export async function loadQuickJS() {
  if (!peerInstalled("quickjs-emscripten")) throw new Error(PEERS_HINT);
  const mod = await import(pathToFileURL(peerRequire.resolve("quickjs-emscripten")).href);
  const QuickJS = await mod.getQuickJS();
  let version = "quickjs-emscripten";
  try {
    version += " " + JSON.parse(readFileSync(peerRequire.resolve("quickjs-emscripten/package.json"), "utf8")).version;
  } catch {}
  return { QuickJS, version };
}

/** Runs a loader; `{ ok: true, ...loaded }` or `{ ok: false, reason }`. */
export async function attempt(load) {
  try {
    return { ok: true, ...(await load()) };
  } catch (e) {
    return { ok: false, reason: firstLine(e) };
  }
}

/** The first line of an error's message, at most 140 characters. */
export function firstLine(e) {
  const line = String(e?.message ?? e).split("\n")[0].trim();
  return line.length > 140 ? line.slice(0, 139) + "…" : line;
}
