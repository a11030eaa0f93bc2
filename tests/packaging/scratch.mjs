// Shared set-up of the packaging tests: the package as npm ships it (`npm pack`), installed
// from the tarball into a scratch project outside the repository, and the README's first
// example, which every runtime runs unchanged.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, extname, normalize } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../", import.meta.url));
const pkgDir = join(root, "pkg");

/** The README's first ```js block, and the lines its `// ->` comments say it prints. */
export function firstExample() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const code = readme.match(/```js\n([\s\S]*?)```/)[1];
  const expected = [...code.matchAll(/\/\/ -> (.*)/g)].map((m) => m[1].trim());
  return { code, expected };
}

/** The README's ```js block that follows the line starting with `after`, and its `// ->` lines. */
export function readmeExample(after) {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const at = readme.indexOf(after);
  if (at < 0) throw new Error(`the README has no line ${JSON.stringify(after)}`);
  const code = readme.slice(at).match(/```js\n([\s\S]*?)```/)[1];
  const expected = [...code.matchAll(/\/\/ -> (.*)/g)].map((m) => m[1].trim());
  return { code, expected };
}

/** The example split into its import lines and the rest (to run inside a function). */
export function splitImports(code) {
  const lines = code.split("\n");
  return {
    imports: lines.filter((l) => /^import /.test(l)).join("\n"),
    body: lines.filter((l) => !/^import /.test(l)).join("\n"),
  };
}

/** Packs the package and installs the tarball into a new scratch project. */
export function scratchProject() {
  const dir = mkdtempSync(join(tmpdir(), "elements-poller-pack-"));
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: pkgDir, encoding: "utf8" }),
  );
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, packed.filename)], {
    cwd: dir,
    stdio: "pipe",
  });
  return { dir, packed, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A runtime binary from the repository's devDependencies, or why it cannot run here: a
 * test that cannot have its runtime is skipped with that reason, never passed.
 */
export function runtime(name, versionArgs = ["--version"]) {
  const bin = join(root, "node_modules", ".bin", name);
  if (!existsSync(bin)) return { missing: `${name} is not installed (npm ci installs it from the devDependencies)` };
  const r = spawnSync(bin, versionArgs, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0)
    return {
      missing: `${name} does not run on this machine: ${(r.error?.message ?? r.stderr ?? "").trim().split("\n")[0]}`,
    };
  return { bin, version: r.stdout.trim().split("\n")[0] };
}

const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/** Serves `dir` as plain static files on loopback (no bundler, no rewriting). */
export async function serveStatic(dir) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname));
    const file = join(dir, path.endsWith("/") ? `${path}index.html` : path);
    if (!file.startsWith(dir)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

/** The relative modules `entry` reaches (static imports and re-exports), itself included. */
export function moduleGraph(entry) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!file.endsWith(".js")) return;
    const text = readFileSync(file, "utf8");
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"'`;]*?["'](\.\.?\/[^"']+)["']/g)) {
      visit(join(file, "..", spec));
    }
  };
  visit(entry);
  return [...seen];
}
