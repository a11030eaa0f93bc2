// The package as npm would ship it: pack, install the tarball into a scratch project outside
// the repository, and import it from plain ESM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = fileURLToPath(new URL("../../pkg", import.meta.url));

test("npm pack, install the tarball elsewhere, import and call parseDate", () => {
  const scratch = mkdtempSync(join(tmpdir(), "elements-poller-pack-"));
  try {
    const out = execFileSync("npm", ["pack", "--json", "--pack-destination", scratch], { cwd: pkgDir, encoding: "utf8" });
    const [{ filename, files }] = JSON.parse(out);
    const shipped = files.map((f) => f.path);
    assert.ok(shipped.includes("wasm/elements_poller_bg.wasm"), "the wasm is in the tarball");
    assert.ok(shipped.includes("types/index.d.ts"), "the types are in the tarball");
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(scratch, filename)], { cwd: scratch, stdio: "pipe" });
    writeFileSync(
      join(scratch, "main.js"),
      `import { parseDate, PollerError } from "elements-poller";
       const ms = parseDate("2024-03-10T07:05:09.042Z", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
       let code;
       try { parseDate("nope", "yyyy") } catch (e) { code = e instanceof PollerError && e.code }
       console.log(JSON.stringify({ ms, code }));`,
    );
    const result = JSON.parse(execFileSync("node", ["main.js"], { cwd: scratch, encoding: "utf8" }));
    assert.deepEqual(result, { ms: Date.UTC(2024, 2, 10, 7, 5, 9, 42), code: "date.parse.expected-digits" });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
