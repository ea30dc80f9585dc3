import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { expect, it } from "vitest";
import { distEntry } from "./helpers.js";

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
