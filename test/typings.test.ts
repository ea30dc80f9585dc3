// The package's types as a user's compiler sees them (README "TypeScript"):
// the shipped declarations (dist/cjs/*.d.ts) type-check on their own under
// --strict without @types/node and without skipLibCheck, and every ```ts
// block of the README compiles under --strict against them, as written
// (with declarations for the names a block leaves to the reader). Uses the
// TypeScript compiler API in-process; dist/ is rebuilt first when stale
// (test/global-setup.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./helpers.js";

/** The lib settings the README states the declarations need: ES2022 and the `using` symbols. */
const LIBS = ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"];

let work: string;
beforeAll(() => {
  // A project that depends on the package, as an installed copy would be found.
  work = mkdtempSync(path.join(tmpdir(), "mini-racer-typings-"));
  mkdirSync(path.join(work, "node_modules"));
  symlinkSync(repoRoot, path.join(work, "node_modules", "mini-racer"), "dir");
  writeFileSync(path.join(work, "package.json"), '{ "name": "app", "private": true, "type": "module" }\n');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The diagnostics of compiling `files` under --strict, as "file:line: message" lines. */
function compile(files: string[], options: ts.CompilerOptions): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: LIBS,
    types: [],
    ...options,
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${diagnostic.file.fileName}:${line + 1}: ${message}`;
  });
}

/** Names README blocks use without defining them, declared for a block that does not define its own. */
const READER_NAMES: Record<string, string> = {
  mr: 'import("mini-racer").MiniRacer',
  store: "Map<string, unknown>",
  logger: 'Record<import("mini-racer").ConsoleLevel, (...args: unknown[]) => void>',
  lines: "unknown[][]",
  librarySource: "string",
  src: "string",
  signal: "AbortSignal",
};

/** The ```ts blocks of the README, each with the line it starts on. */
function readmeBlocks(): { line: number; code: string }[] {
  const lines = readFileSync(path.join(repoRoot, "README.md"), "utf8").split("\n");
  const blocks: { line: number; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const end = lines.indexOf("```", i + 1);
    blocks.push({ line: i + 2, code: lines.slice(i + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

describe("typings", () => {
  it("the shipped declarations type-check under --strict with lib ES2022 + ESNext.Disposable, no @types/node, no skipLibCheck", () => {
    const entries = ["dist/cjs/index.d.ts", "dist/cjs/esm.d.mts"].map((file) => path.join(repoRoot, file));
    expect(compile(entries, {})).toEqual([]);
  });

  it("an AbortSignal of the DOM library fits the signal options (no @types/node)", () => {
    const file = path.join(work, "dom-signal.mts");
    writeFileSync(
      file,
      [
        'import { MiniRacer, MiniRacerPool } from "mini-racer";',
        "const controller = new AbortController();",
        "await new MiniRacer().evalAsync('1', { signal: controller.signal });",
        "await new MiniRacerPool().run(async () => 1, { signal: controller.signal });",
      ].join("\n"),
    );
    expect(compile([file], { lib: [...LIBS, "lib.dom.d.ts"] })).toEqual([]);
  });

  it("every ```ts block of the README compiles under --strict against the built package types", () => {
    const blocks = readmeBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(6);
    const files: string[] = [];
    const offsets = new Map<string, number>();
    blocks.forEach(({ line, code }, index) => {
      const preamble: string[] = [];
      // A block without its own import sees every export, as if imported.
      if (!/from "mini-racer"/.test(code)) {
        preamble.push('import { JSArrayHandle, JSFunctionHandle, JSObjectHandle, MiniRacer, MiniRacerPool } from "mini-racer";');
      }
      for (const [name, type] of Object.entries(READER_NAMES)) {
        if (!new RegExp(`\\b(const|let|var|function|class|using)\\s+${name}\\b`).test(code)) preamble.push(`declare const ${name}: ${type};`);
      }
      preamble.push("export {};");
      const file = path.join(work, `readme-${index + 1}.mts`);
      writeFileSync(file, `${preamble.join("\n")}\n${code}\n`);
      files.push(file);
      offsets.set(file, line - preamble.length - 1);
    });
    // The README's own files: Node's types, as in a Node project.
    const diagnostics = compile(files, { types: ["node"], typeRoots: [path.join(repoRoot, "node_modules", "@types")] });
    const inReadme = diagnostics.map((text) => {
      const match = /^(.+?):(\d+): ([\s\S]*)$/.exec(text);
      if (match === null || !offsets.has(match[1]!)) return text;
      return `README.md:${Number(match[2]) + offsets.get(match[1]!)!}: ${match[3]}`;
    });
    expect(inReadme).toEqual([]);
  });
});
