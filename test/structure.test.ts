// The shape of src/: no import cycles, public API apart from internals, and
// files small enough to read, each saying at its top why it exists. Reads
// the sources with the TypeScript parser; loads nothing.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = path.resolve(__dirname, "../src");

/** Every .ts / .mts file under `dir`, as paths relative to src/ ("internal/addon.ts"). */
function sourceFiles(dir = src): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (/\.m?ts$/.test(entry.name) && !entry.name.endsWith(".d.ts")) files.push(path.relative(src, full));
  }
  return files.sort();
}

/**
 * The relative module specifiers `file` loads at run time: `import ... from`
 * and `export ... from`. Type-only ones (`import type`, `export type`, or
 * every name marked `type`) are left out: tsc erases them, so they load
 * nothing and cannot make one module run before another has finished
 * loading, which is what a cycle breaks. (There are none in a cycle today.)
 */
function runtimeImports(file: string): string[] {
  const text = readFileSync(path.join(src, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((element) => element.isTypeOnly)));
      if (!typeOnly) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier !== undefined) {
      const clause = statement.exportClause;
      const typeOnly =
        statement.isTypeOnly ||
        (clause !== undefined &&
          ts.isNamedExports(clause) &&
          clause.elements.length > 0 &&
          clause.elements.every((element) => element.isTypeOnly));
      if (!typeOnly) specifiers.push((statement.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return specifiers.filter((specifier) => specifier.startsWith("."));
}

/** The file (relative to src/) a relative specifier in `from` names; throws when there is none. */
function resolve(from: string, specifier: string): string {
  const base = path.join(path.dirname(from), specifier).replace(/\.(m?js)$/, "");
  const files = new Set(sourceFiles());
  for (const candidate of [`${base}.ts`, `${base}.mts`, path.join(base, "index.ts")]) {
    if (files.has(candidate)) return candidate;
  }
  throw new Error(`${from}: cannot resolve ${JSON.stringify(specifier)}`);
}

/** The run-time import graph of src/: file -> files it loads. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles()) graph.set(file, runtimeImports(file).map((specifier) => resolve(file, specifier)));
  return graph;
}

/** Every cycle of `graph`, each as the path that closes it ("a -> b -> a"). */
function findCycles(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const done = new Set<string>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    const at = stack.indexOf(node);
    if (at !== -1) {
      cycles.push([...stack.slice(at), node].join(" -> "));
      return;
    }
    if (done.has(node)) return;
    stack.push(node);
    for (const next of graph.get(node) ?? []) visit(next);
    stack.pop();
    done.add(node);
  };
  for (const node of [...graph.keys()].sort()) visit(node);
  return cycles;
}

describe("src/ structure", () => {
  it("the cycle finder finds cycles (checked on made-up graphs)", () => {
    expect(findCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", []]]))).toEqual([]);
    expect(findCycles(new Map([["a", ["b"]], ["b", ["a"]]]))).toEqual(["a -> b -> a"]);
    expect(findCycles(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["d"]]]))).toEqual([
      "a -> b -> c -> a",
      "d -> d",
    ]);
  });

  it("the import graph of src/ has no cycles (import type aside)", () => {
    const graph = importGraph();
    // The parser sees the imports (a guard against a graph that is empty by mistake).
    expect(graph.get("mini_racer.ts")).toEqual(expect.arrayContaining(["internal/addon.ts", "options.ts", "errors.ts"]));
    expect(findCycles(graph)).toEqual([]);
  });

  it("public modules live in src/, internals in src/internal/, and index.ts exports no internal module", () => {
    const files = sourceFiles();
    const publicFiles = files.filter((file) => !file.startsWith(`internal${path.sep}`));
    // cli.ts is the `mini-racer` command's entry (package.json "bin"), not part of what index.ts exports.
    expect(publicFiles).toEqual(["cli.ts", "errors.ts", "esm.mts", "handles.ts", "index.ts", "mini_racer.ts", "options.ts", "pool.ts", "snapshot.ts"]);
    const indexImports = runtimeImports("index.ts").map((specifier) => resolve("index.ts", specifier));
    expect(indexImports.filter((file) => file.startsWith(`internal${path.sep}`))).toEqual([]);
    // Every internal module says so.
    for (const file of files.filter((f) => f.startsWith(`internal${path.sep}`))) {
      expect(readFileSync(path.join(src, file), "utf8"), file).toMatch(/^\/\*\*[\s\S]*?@internal[\s\S]*?\*\//);
    }
  });

  it("each file opens with a comment saying why it exists, and stays under 300 lines of code", () => {
    for (const file of sourceFiles()) {
      const text = readFileSync(path.join(src, file), "utf8");
      expect(text, file).toMatch(/^(\/\*\*|\/\/)/);
      // Doc comments do not count: every export must have one, and the
      // public classes' examples should not push code into other files.
      const code = text
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .split("\n")
        .filter((line) => line.trim() !== "" && !line.trim().startsWith("//"));
      expect(code.length, file).toBeLessThanOrEqual(300);
    }
  });
});
