// One case of scripts/builtin-hangs.mjs, in the child process the parent
// starts for it (`builtin-hangs.mjs --child <case as JSON>`), so that a hang
// can be ended with a hard kill and a crash takes only this process. Prints
// one JSON line with the call's time, outcome and RSS growth, then one with
// how long close() took.

import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const distEntry = path.join(here, "..", "..", "dist", "cjs", "index.js");

export async function child(spec) {
  const { MiniRacer } = require(distEntry);
  const { setup, code, timeout, asyncCall, maxMemory } = JSON.parse(spec);
  const mr = new MiniRacer(maxMemory ? { maxMemory } : {});
  const report = (fields) => process.stdout.write(JSON.stringify(fields) + "\n");
  try {
    if (setup) mr.eval(`${setup}; void 0`, { timeout: 60_000 });
  } catch (error) {
    report({ setupError: `${error.name}: ${error.message}`.slice(0, 200) });
    return;
  }
  const rss0 = process.memoryUsage().rss;
  const started = performance.now();
  let outcome;
  try {
    if (asyncCall) await mr.evalAsync(code, { timeout });
    else mr.eval(code, { timeout });
    outcome = "returned";
  } catch (error) {
    outcome = `${error.name}${error.code ? "/" + error.code : ""}: ${String(error.message).slice(0, 120)}`;
  }
  const ms = performance.now() - started;
  const rssMB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  report({ ms, outcome, rssMB });
  const closeStart = performance.now();
  mr.close();
  report({ closeMs: performance.now() - closeStart });
}
