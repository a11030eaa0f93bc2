// The package as npm ships it, in every runtime a user has (as automerge's packaging_tests):
// `npm pack`, install the tarball into a scratch project outside the repository, and run the
// README's first example unchanged in Node ESM, Node require(), Bun, Deno, workerd (a
// Cloudflare Worker, with its modules listed by hand and as wrangler bundles it), Vite's
// build in Chromium, and a plain page with only an import map.
// Each runtime's binary comes from npm (the root devDependencies); a runtime that cannot run
// on this machine skips its test and says why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import {
  firstExample,
  readmeExample,
  splitImports,
  scratchProject,
  runtime,
  serveStatic,
  moduleGraph,
  root,
} from "./scratch.mjs";

const example = firstExample();
let scratch;

before(() => {
  scratch = scratchProject();
  writeFileSync(join(scratch.dir, "example.mjs"), example.code);
});
after(() => scratch?.remove());

function assertPrints(out, where) {
  assert.ok(example.expected.length >= 3, "the README's first example shows what it prints");
  for (const line of example.expected)
    assert.ok(out.includes(line), `${where} should print ${line}\n--- it printed:\n${out}`);
}

test("the tarball ships the wasm, the types, LICENSE, TESTING.md and the metadata", () => {
  const shipped = scratch.packed.files.map((f) => f.path);
  for (const f of [
    "wasm/elements_poller_bg.wasm",
    "wasm/bindings.js",
    "types/index.d.ts",
    "types/codes.d.ts",
    "src/index.workerd.js",
    "LICENSE",
    "TESTING.md",
    "README.md",
  ]) {
    assert.ok(shipped.includes(f), `${f} is in the tarball`);
  }
  assert.ok(!shipped.some((f) => f.startsWith("tests/") || f.endsWith(".tgz")), "nothing of the repository's tests");
  const meta = JSON.parse(readFileSync(join(scratch.dir, "node_modules/elements-poller/package.json"), "utf8"));
  assert.equal(meta.license, "MIT");
  assert.match(readFileSync(join(scratch.dir, "node_modules/elements-poller/LICENSE"), "utf8"), /^MIT License/);
  assert.ok(meta.repository?.url && meta.homepage, "repository and homepage");
  assert.ok(
    Array.isArray(meta.sideEffects) && meta.sideEffects.length > 0,
    "sideEffects names the modules that load the wasm",
  );
  assert.equal(meta.exports["."].workerd, "./src/index.workerd.js");
});

test("Node ESM runs the README's first example", () => {
  assertPrints(execFileSync("node", ["example.mjs"], { cwd: scratch.dir, encoding: "utf8" }), "node (ESM)");
});

test("Node require() runs the README's first example", () => {
  const { imports, body } = splitImports(example.code);
  const cjs = imports.replace(/^import \{([^}]*)\} from ("[^"]+");$/gm, "const {$1} = require($2);");
  assert.ok(!/^import /m.test(cjs), "every import became a require");
  writeFileSync(join(scratch.dir, "example.cjs"), `${cjs}\n${body}`);
  const r = spawnSync("node", ["example.cjs"], { cwd: scratch.dir, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!/ExperimentalWarning/.test(r.stderr), `require(esm) without warnings: ${r.stderr}`);
  assertPrints(r.stdout, "node (require)");
});

test("Bun runs the README's first example", (t) => {
  const bun = runtime("bun");
  if (bun.missing) return t.skip(bun.missing);
  const r = spawnSync(bun.bin, ["example.mjs"], { cwd: scratch.dir, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assertPrints(r.stdout, `bun ${bun.version}`);
});

test("Deno runs the README's first example with read access to the package only", (t) => {
  const deno = runtime("deno");
  if (deno.missing) return t.skip(deno.missing);
  const r = spawnSync(deno.bin, ["run", "--no-prompt", "--allow-read=.", "example.mjs"], {
    cwd: scratch.dir,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, DENO_DIR: join(scratch.dir, ".deno"), NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  });
  assert.equal(r.status, 0, r.stderr);
  assertPrints(r.stdout, deno.version);
});

/** A free loopback port (workerd is given an address, not a listening socket). */
async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** The README's example as a Worker's fetch handler that answers with what it printed. */
function workerSource(imports, code = example.code) {
  const { body } = splitImports(code);
  return `${imports}
export default {
  async fetch() {
    const lines = [];
    const log = console.log;
    console.log = (...args) => lines.push(args.join(" "));
    try {
${body}
    } finally {
      console.log = log;
    }
    return new Response(lines.join("\\n"));
  },
};
`;
}

/** Serves a Worker of `modules` ([name, file, kind]) in workerd and returns what `/` answers. */
async function inWorkerd(bin, cwd, modules) {
  const port = await freePort();
  const list = modules.map(
    ([name, file, kind]) => `(name = ${JSON.stringify(name)}, ${kind} = embed ${JSON.stringify(file)})`,
  );
  writeFileSync(
    join(cwd, "worker.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${list.join(", ")}],
  compatibilityDate = "2025-09-01",
);
`,
  );
  const child = spawn(bin, ["serve", "worker.capnp"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  try {
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) break;
      try {
        const res = await fetch(`http://127.0.0.1:${port}/`);
        const out = await res.text();
        assert.equal(res.status, 200, out);
        return out;
      } catch (e) {
        if (e?.code === "ERR_ASSERTION") throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.fail(`workerd did not answer (exit ${child.exitCode}): ${stderr}`);
  } finally {
    child.kill();
  }
}

test("a Cloudflare Worker in workerd runs the README's first example through the workerd export", async (t) => {
  const workerd = runtime("workerd");
  if (workerd.missing) return t.skip(workerd.missing);
  // Without a bundler: the worker imports the entry the package's exports map names for
  // workerd, and every module that entry reaches is listed, the .wasm as a wasm module
  // (workerd itself has no npm resolution).
  const pkg = join(scratch.dir, "node_modules/elements-poller");
  const entry = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).exports["."].workerd;
  const { imports } = splitImports(example.code);
  writeFileSync(
    join(scratch.dir, "worker.js"),
    workerSource(
      imports.replaceAll('"elements-poller"', JSON.stringify(`./node_modules/elements-poller/${entry.slice(2)}`)),
    ),
  );
  const modules = moduleGraph(join(pkg, entry)).map((file) => {
    const name = relative(scratch.dir, file);
    return [name, name, file.endsWith(".wasm") ? "wasm" : "esModule"];
  });
  assert.ok(
    modules.some(([name]) => name.endsWith(".wasm")),
    "the workerd entry imports the wasm as a module",
  );
  assertPrints(
    await inWorkerd(workerd.bin, scratch.dir, [["worker.js", "worker.js", "esModule"], ...modules]),
    `workerd ${workerd.version}`,
  );
});

// Issue 16: verifyNotification works in Workers. The README's fetch-style receiver, unchanged,
// as a Worker: it signs with buildNotifications, verifies with key rotation, refuses a replay.
test("a Cloudflare Worker in workerd verifies notifications: the README's fetch-style receiver", async (t) => {
  const workerd = runtime("workerd");
  if (workerd.missing) return t.skip(workerd.missing);
  const receiver = readmeExample("In a fetch-style handler");
  assert.ok(receiver.expected.length >= 2, "the receiver example shows what it prints");
  const pkg = join(scratch.dir, "node_modules/elements-poller");
  const entry = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).exports["."].workerd;
  const { imports } = splitImports(receiver.code);
  writeFileSync(
    join(scratch.dir, "receiver.js"),
    workerSource(
      imports.replaceAll('"elements-poller"', JSON.stringify(`./node_modules/elements-poller/${entry.slice(2)}`)),
      receiver.code,
    ),
  );
  const modules = moduleGraph(join(pkg, entry)).map((file) => {
    const name = relative(scratch.dir, file);
    return [name, name, file.endsWith(".wasm") ? "wasm" : "esModule"];
  });
  const out = await inWorkerd(workerd.bin, scratch.dir, [["receiver.js", "receiver.js", "esModule"], ...modules]);
  for (const line of receiver.expected)
    assert.ok(out.includes(line), `workerd should print ${line}\n--- it printed:\n${out}`);
});

test("wrangler bundles a Worker that imports the package, and workerd runs it", async (t) => {
  const workerd = runtime("workerd");
  if (workerd.missing) return t.skip(workerd.missing);
  const wrangler = runtime("wrangler");
  if (wrangler.missing) return t.skip(wrangler.missing);
  // As a Workers user writes it: `import ... from "elements-poller"`; wrangler's bundler picks
  // the `workerd` condition and ships the .wasm as a module. `deploy --dry-run` bundles
  // without an account or the network.
  const app = join(scratch.dir, "wrangler-app");
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, "worker.js"), workerSource(splitImports(example.code).imports));
  writeFileSync(
    join(app, "wrangler.toml"),
    'name = "packaging"\nmain = "worker.js"\ncompatibility_date = "2025-09-01"\n',
  );
  const env = {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CI: "1",
    HOME: app,
    XDG_CONFIG_HOME: join(app, ".config"),
  };
  const r = spawnSync(wrangler.bin, ["deploy", "--dry-run", "--outdir", "out"], {
    cwd: app,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr || r.stdout);
  const bundle = readFileSync(join(app, "out/worker.js"), "utf8");
  const wasm = /from "\.\/([\w-]+\.wasm)"/.exec(bundle)?.[1];
  assert.ok(wasm, "the bundle imports the wasm as a module");
  assert.doesNotMatch(bundle, /new URL\("\.\.\/wasm/, "no URL to a .wasm file in a Worker");
  const out = join(app, "out");
  assertPrints(
    await inWorkerd(workerd.bin, out, [
      ["worker.js", "worker.js", "esModule"],
      [wasm, wasm, "wasm"],
    ]),
    `wrangler ${wrangler.version} + workerd`,
  );
});

let browser;
async function chromium(t) {
  if (browser) return browser;
  try {
    const { launch } = await import("../e2e/browser.mjs");
    browser = await launch();
  } catch (e) {
    t.skip(`Chromium cannot run here: ${e.message.split("\n")[0]}`);
    return undefined;
  }
  return browser;
}
after(() => browser?.close());

/** Opens `url`, returns the console lines once `done` appears, failing on page errors. */
async function consoleOf(url, done = "done") {
  const page = await browser.newPage();
  const lines = [];
  const errors = [];
  page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : lines.push(m.text())));
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page
    .waitForFunction((d) => document.title === d || document.title.startsWith("error"), done, { timeout: 30_000 })
    .catch(() => {});
  assert.deepEqual(errors, [], `no errors on ${url}`);
  return { page, out: lines.join("\n") };
}

test("Vite builds the README's first example for Chromium", async (t) => {
  if (!(await chromium(t))) return;
  const app = join(scratch.dir, "vite-app");
  mkdirSync(app, { recursive: true });
  writeFileSync(
    join(app, "index.html"),
    `<!doctype html><title>loading</title><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>`,
  );
  writeFileSync(join(app, "main.js"), `${example.code}\ndocument.title = "done";\n`);
  // The repository's Vite, building the scratch project (which resolves the installed tarball).
  execFileSync(
    "node",
    [join(root, "node_modules/vite/bin/vite.js"), "build", "--logLevel", "error", "--outDir", "dist"],
    { cwd: app, stdio: "pipe" },
  );
  const site = await serveStatic(join(app, "dist"));
  try {
    const { out, page } = await consoleOf(site.url + "/");
    assertPrints(out, "Vite's build in Chromium");
    await page.close();
  } finally {
    await site.close();
  }
});

test("a plain page with only an import map runs the example and shows the editor (no bundler, no init call)", async (t) => {
  if (!(await chromium(t))) return;
  const page = `<!doctype html>
<title>loading</title>
<link rel="icon" href="data:,">
<script type="importmap">
{ "imports": {
  "elements-poller": "./node_modules/elements-poller/src/index.browser.js",
  "elements-poller/editor": "./node_modules/elements-poller/src/editor/index.js"
} }
</script>
<poller-config-editor></poller-config-editor>
<script type="module">
${example.code}
import "elements-poller/editor";
import { buildInstance, presets } from "elements-poller";
const editor = document.querySelector("poller-config-editor");
await customElements.whenDefined("poller-config-editor");
editor.value = buildInstance({ element: "infusionsoftrest", name: "plain", code: "grant", oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" }, callbackUrl: "https://app.example.com/events", resources: ["appointments"] });
console.log("editor", editor.shadowRoot.querySelectorAll("input").length, Object.keys(presets.infusionsoftrest).length > 0);
document.title = "done";
</script>
`;
  writeFileSync(join(scratch.dir, "plain.html"), page);
  const site = await serveStatic(scratch.dir);
  try {
    const { out, page: p } = await consoleOf(`${site.url}/plain.html`);
    assertPrints(out, "a plain page");
    const [, inputs, hasPresets] = out.match(/editor (\d+) (true|false)/) ?? [];
    assert.ok(Number(inputs) > 5, `the editor rendered its form (${inputs} inputs)`);
    assert.equal(hasPresets, "true");
    assert.ok(await p.locator("poller-config-editor").isVisible(), "the editor is shown");
    mkdirSync(join(root, "test-results"), { recursive: true });
    await p.screenshot({ path: join(root, "test-results/packaging-plain-page.png") });
    await p.close();
  } finally {
    await site.close();
  }
});
