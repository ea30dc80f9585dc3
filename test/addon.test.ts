// Loading the addon (src/internal/addon.ts), in-process: from a folder with
// no build, loadBinding throws NativeBuildError naming the running target,
// the first line of node-gyp-build's reason and the build command. Written
// to kill StrykerJS's mutants of the file (npm run mutants; see
// test/README.md); test/native-load.test.ts checks the same through
// `require("mini-racer")` in child processes, which Stryker cannot see.
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, expect, it } from "vitest";
import { NativeBuildError } from "../src/errors.js";
import { BUILD_FROM_SOURCE_COMMAND, loadBinding } from "../src/internal/addon.js";
import { caught } from "./helpers.js";

const empty = mkdtempSync(path.join(os.tmpdir(), "mini-racer-no-build-"));
const libc = process.env.LIBC;

afterEach(() => {
  if (libc === undefined) delete process.env.LIBC;
  else process.env.LIBC = libc;
});

process.on("exit", () => rmSync(empty, { recursive: true, force: true }));

const SECOND_LINE =
  "Prebuilt binaries ship for Node 20, 22, 24 and 26 on linux-x64 (glibc). To build one from source " +
  "(needs Python 3, make and a C++ compiler; C++20 for Node 24+), run: npm explore mini-racer -- npm run build:native";

function noBuild(): NativeBuildError {
  const error = caught(() => loadBinding(empty));
  expect(error).toBeInstanceOf(NativeBuildError);
  return error as NativeBuildError;
}

it.runIf(process.platform === "linux")(
  "no build in the folder: NativeBuildError with the target, the reason's first line and the command",
  () => {
    delete process.env.LIBC;
    const error = noBuild();
    expect(error.code).toBe("ERR_MINI_RACER_NO_NATIVE_BUILD");
    expect(BUILD_FROM_SOURCE_COMMAND).toBe("npm explore mini-racer -- npm run build:native");
    const target = `${process.platform}-${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules}, glibc)`;
    const cause = error.cause as Error;
    expect(cause).toBeInstanceOf(Error);
    // node-gyp-build's message has more lines (where it looked): only the first is kept.
    expect(cause.message.split("\n").length).toBeGreaterThan(1);
    expect(error.message).toBe(`mini-racer: no native build fits ${target}: ${cause.message.split("\n")[0]}\n${SECOND_LINE}`);
    expect(cause.message.split("\n")[0]).toMatch(/^No native build was found for platform=/);
  },
);

it.runIf(process.platform === "linux")("the libc named is $LIBC when it is set (node-gyp-build's own test)", () => {
  process.env.LIBC = "musl";
  expect(noBuild().message).toContain(`(ABI ${process.versions.modules}, musl): `);
  process.env.LIBC = "";
  expect(noBuild().message).toContain(`(ABI ${process.versions.modules}, glibc): `);
});
