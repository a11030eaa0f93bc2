// The hand-written .d.ts declare exactly what each entry exports: no declared function that
// no entry exports, no export left undeclared. Both sides are read with the TypeScript
// compiler: the .d.ts as declarations, the entry's JS through its re-exports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const manifest = JSON.parse(readFileSync(`${pkg}package.json`, "utf8"));

/** The names of the values (not types) a module exports. */
function valueExports(program, file) {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  assert.ok(source, `${file} is in the program`);
  const symbol = checker.getSymbolAtLocation(source);
  const out = [];
  for (const s of checker.getExportsOfModule(symbol)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    if (target.flags & ts.SymbolFlags.Value) out.push(s.name);
  }
  return out.sort();
}

for (const [entry, conditions] of Object.entries(manifest.exports)) {
  if (typeof conditions !== "object") continue;
  const js = conditions.node ?? conditions.default;
  test(`${entry}: ${conditions.types} declares what ${js} exports`, () => {
    const files = [pkg + conditions.types.slice(2), pkg + js.slice(2)];
    const program = ts.createProgram(files, {
      allowJs: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
    });
    assert.deepEqual(valueExports(program, files[0]), valueExports(program, files[1]));
  });
}

test("every runtime entry of the main export offers the same names", () => {
  const names = (file) =>
    readFileSync(pkg + file, "utf8")
      .split("\n")
      .filter((l) => l.startsWith("export "));
  const { node, browser, workerd } = manifest.exports["."];
  assert.deepEqual(names(browser.slice(2)), names(node.slice(2)));
  assert.deepEqual(names(workerd.slice(2)), names(node.slice(2)));
});

test("no .d.ts declares a value that no entry exports", () => {
  const entries = Object.values(manifest.exports)
    .filter((c) => typeof c === "object")
    .map((c) => pkg + c.types.slice(2));
  const all = ts.sys.readDirectory(`${pkg}types`, [".d.ts"]);
  const program = ts.createProgram(all, {
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
  });
  const reachable = new Set(entries.flatMap((f) => valueExports(program, f)));
  for (const file of all) {
    const unreachable = valueExports(program, file).filter((name) => !reachable.has(name));
    assert.deepEqual(unreachable, [], `${file.slice(pkg.length)} declares values no entry exports`);
  }
});
