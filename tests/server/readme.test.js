// The README's "Run the events service" commands, run as written: the hub, database url and
// port replaced by the test's (a hub simulator, a private PostgreSQL, a free port). Each
// `npm run serve` line is a process; the test creates an instance, sees it polled, then
// SIGTERMs every process and expects a clean exit (the drain).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, chmodSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { api, until } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = (await import("node:fs")).readFileSync(`${root}README.md`, "utf8");
const section = readme.split("\n## Run the events service\n")[1]?.split("\n## ")[0] ?? "";
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim().split("\n"));

let hub, postgres, dir;
before(async () => {
  hub = await startHubSimulator({ seed: 3, resources: { appointments: 2 } });
  postgres = await privatePostgres();
  dir = mkdtempSync(join(tmpdir(), "ep-readme-"));
  chmodSync(dir, 0o755);
});
after(async () => {
  await hub?.close();
  await postgres?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A README line with the test's hub, database and port in place of the example's. */
function localized(line) {
  const values = {
    ELEMENTS_HUB_URL: hub.baseUrl,
    ELEMENTS_HUB_USER_SECRET: hub.credentials.user,
    ELEMENTS_HUB_ORGANIZATION_SECRET: hub.credentials.organization,
    ELEMENTS_HUB_ELEMENT_TOKEN: hub.credentials.element,
    DATABASE_URL: postgres.url,
  };
  return line
    .replace(/\b([A-Z_]+)=(\S+)/g, (m, name) => (name in values ? `${name}=${values[name]}` : m))
    .replace(/--port \d+/, "--port 0");
}

/** Runs `line` after `exports` in bash; resolves once the service logged "started". */
function run(line, env) {
  const script = `exec env ${line}`;
  const proc = spawn("bash", ["-c", script], { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
  let text = "";
  // "close": after every holder of the stderr pipe (npm and the service it runs) is gone.
  const exited = new Promise((resolve) => proc.once("close", (code) => resolve(code)));
  const started = new Promise((resolve, reject) => {
    proc.stderr.on("data", (d) => {
      text += d;
      const m = /"msg":"started"[^\n]*/.exec(text);
      if (m) resolve(JSON.parse(`{${m[0]}`).url);
    });
    exited.then((code) => reject(new Error(`"${line}" exited (${code}): ${text.slice(-2000)}`)));
  });
  return { proc, started, exited, log: () => text };
}

test("the README shows the one command, your own PostgreSQL and scaling out", () => {
  assert.equal(blocks.length, 3);
  assert.ok(blocks.every((b) => b.some((l) => l.startsWith("npm run serve") || l.includes(" npm run serve"))));
});

blocks.forEach((lines, i) => {
  test(`README events service block ${i + 1} runs`, { timeout: 60_000 }, async () => {
    const exports = lines.filter((l) => l.startsWith("export ")).map(localized);
    const commands = lines.filter((l) => !l.startsWith("export ") && /npm run serve/.test(l)).map(localized);
    const env = { ...process.env, PORT: "0", ELEMENTS_DATA_DIR: join(dir, `data-${i}`) };
    // Earlier blocks' exports hold (the secrets, the hub): a reader runs them in one shell.
    const earlier = blocks
      .slice(0, i)
      .flat()
      .filter((l) => l.startsWith("export "))
      .map(localized);
    // The exports run once, in one shell, as a reader runs them: one generated key for all.
    const exported = execFileSync("bash", ["-c", [...earlier, ...exports, "env -0"].join("\n")], { env });
    const shellEnv = Object.fromEntries(
      exported
        .toString()
        .split("\0")
        .filter(Boolean)
        .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
    );
    const procs = commands.map((c) => run(c, shellEnv));
    try {
      const urls = (await Promise.all(procs.map((p) => p.started))).filter(Boolean);
      assert.ok(urls.length >= 1, "one process serves the API");
      const secrets = Object.fromEntries(
        [
          ...[...earlier, ...exports].join(" ").matchAll(/(ELEMENTS_USER_SECRET|ELEMENTS_ORGANIZATION_SECRET)=(\S+)/g),
        ].map((m) => [m[1], m[2]]),
      );
      const auth = `User ${secrets.ELEMENTS_USER_SECRET}, Organization ${secrets.ELEMENTS_ORGANIZATION_SECRET}`;
      const url = urls[0];
      assert.equal((await api(url, "GET", "/healthz", undefined, { auth: null })).status, 200);
      const created = await api(url, "POST", "/instances", hubBody(hub, `readme-${i}`, ["appointments"]), { auth });
      assert.equal(created.status, 200, created.text);
      await api(url, "POST", `/instances/${created.json.id}/poll`, undefined, { auth });
      await until(async () => {
        const { json } = await api(url, "GET", `/instances/${created.json.id}`, undefined, { auth });
        return json.resources[0].version >= 1;
      });
    } finally {
      for (const p of procs) p.proc.kill("SIGTERM");
      await Promise.all(procs.map((p) => p.exited));
      // npm passes SIGTERM on to the service and ends by the same signal; the service's own
      // last line says it drained and stopped.
      for (const p of procs)
        assert.match(p.log(), /"msg":"stopped"/, `SIGTERM drains and stops: ${p.log().slice(-800)}`);
    }
    if (!lines.some((l) => l.includes("DATABASE_URL")))
      // The private PostgreSQL runs on the data directory itself (postgres.js).
      assert.ok(!existsSync(join(env.ELEMENTS_DATA_DIR, "postmaster.pid")), "the private PostgreSQL stopped");
  });
});
