// The embedded default, through the binary: without DATABASE_URL (nor ELEMENTS_ENCRYPTION_KEY)
// it starts a private PostgreSQL in --data-dir, as the `postgres` user when started as root,
// and generates an encryption key there, saying so; a second start on the same directory
// uses that key (its instances' secrets still open) and generates none.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHubSimulator } from "elements-poller/testing";
import { startService, serviceEnv, api, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

let hub, dir;
const services = [];
before(async () => {
  hub = await startHubSimulator({ seed: 13, resources: { appointments: 2 } });
  dir = mkdtempSync(join(tmpdir(), "ep-embedded-"));
  // The `postgres` user (when we are root) must reach the data directory inside.
  chmodSync(dir, 0o755);
});
after(() => assertNoSecretsLogged());
after(async () => {
  for (const s of services) await s.stop();
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The service on `dataDir`, embedded: the test's environment without DATABASE_URL or a key. */
async function start(dataDir) {
  const env = serviceEnv(hub, "");
  delete env.DATABASE_URL;
  delete env.ELEMENTS_ENCRYPTION_KEY;
  delete env.ELEMENTS_DATA_DIR;
  const s = await startService(["--port", "0", "--interval-ms", "86400000", "--data-dir", dataDir], env);
  services.push(s);
  return s;
}

/** The real, effective, saved and filesystem uids of a process (/proc/<pid>/status). */
function uids(pid) {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("Uid:"));
  return line.split(/\s+/).slice(1, 5).map(Number);
}

test("the embedded default: the private PostgreSQL runs as postgres under root, the key is generated once and said so", async () => {
  const dataDir = join(dir, "data");
  const keyFile = join(dataDir, "encryption.key");
  const first = await start(dataDir);
  const generated = first.lines.filter((l) => /^generated an encryption key in /.test(l.msg ?? ""));
  assert.equal(generated.length, 1, JSON.stringify(first.lines));
  assert.equal(
    generated[0].msg,
    `generated an encryption key in ${keyFile}: keep it with the data, or set ELEMENTS_ENCRYPTION_KEY`,
  );
  const key = readFileSync(keyFile, "utf8");
  assert.equal(Buffer.from(key.trim(), "base64").length, 32);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600, "only its owner reads the key");
  assert.ok(!JSON.stringify(first.lines).includes(key.trim()), "the key itself is never logged");
  assert.ok(
    first.lines.some((l) => l.msg === "started" && l.database === "embedded"),
    "it runs on the private PostgreSQL",
  );

  // The postmaster (its pid in the data directory) and who it runs as.
  const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
  assert.ok(pid > 0);
  assert.equal(readFileSync(`/proc/${pid}/comm`, "utf8").trim(), "postgres");
  const expected =
    process.getuid() === 0 ? Number(execFileSync("id", ["-u", "postgres"]).toString().trim()) : process.getuid();
  assert.notEqual(expected, 0, "PostgreSQL never runs as root");
  assert.deepEqual(uids(pid), [expected, expected, expected, expected], "started as root, it runs as postgres");
  assert.equal(statSync(dataDir).uid, expected, "the data directory is its user's");

  const created = await api(first.url, "POST", "/instances", hubBody(hub, "embedded", ["appointments"]));
  assert.equal(created.status, 200, created.text);
  assert.equal(await first.stop(), 0, "SIGTERM drains and exits 0");

  // The same directory again: the key is read, not generated; the instance's secrets open.
  const second = await start(dataDir);
  assert.deepEqual(
    second.lines.filter((l) => /generated an encryption key/.test(l.msg ?? "")),
    [],
    "no new key on a second start",
  );
  assert.equal(readFileSync(keyFile, "utf8"), key, "the key file is unchanged");
  const again = await api(second.url, "GET", `/instances/${created.json.id}`);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.name, "embedded");
  assert.equal(await second.stop(), 0);
});
