// The embedded default after a real SIGKILL: the killed service leaves its private PostgreSQL
// running (nothing could stop it); the next start on that data directory stops that orphan
// cleanly and starts with the same data. A start while the first service still runs is
// refused: that PostgreSQL is someone's.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, chmodSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHubSimulator } from "elements-poller/testing";
import { serviceEnv, startService, api, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

let dir, hub;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "ep-orphan-"));
  // The `postgres` user (when we are root) must reach the data directory inside.
  chmodSync(dir, 0o755);
  hub = await startHubSimulator({ seed: 2, resources: { appointments: 1 } });
});
after(async () => {
  await hub?.close();
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
};
const postmasterPid = (data) => Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);

test(
  "a SIGKILLed service's PostgreSQL is stopped by the next start, which keeps the data",
  { timeout: 120_000 },
  async () => {
    const data = join(dir, "data");
    const env = { ...serviceEnv(hub, undefined), ELEMENTS_DATA_DIR: data };
    delete env.DATABASE_URL;
    const args = ["--port", "0", "--interval-ms", "600000"];

    const first = await startService(args, env);
    const created = await api(first.url, "POST", "/instances", hubBody(hub, "survives", ["appointments"]));
    assert.equal(created.status, 200, created.text);
    const orphan = postmasterPid(data);
    assert.ok(alive(orphan));

    // While the first service runs, a second start on its directory is refused.
    await assert.rejects(startService(args, env), /already runs on .* for the service process/);
    assert.ok(alive(orphan), "a refused start leaves the running PostgreSQL alone");

    first.proc.kill("SIGKILL");
    await first.exited;
    assert.ok(alive(orphan), "the killed service could not stop its PostgreSQL");

    const second = await startService(args, env);
    try {
      assert.ok(!alive(orphan), "the orphan was stopped");
      assert.ok(
        second.lines.some((l) => /stopping PostgreSQL \d+ .*its service process \d+ is gone/.test(l.msg ?? "")),
        JSON.stringify(second.lines),
      );
      assert.notEqual(postmasterPid(data), orphan);
      const list = await api(second.url, "GET", "/instances");
      assert.ok(
        list.json.some((i) => i.id === created.json.id),
        "the data is kept",
      );
    } finally {
      assert.equal(await second.stop(), 0);
    }
    assert.ok(!existsSync(join(data, "postmaster.pid")), "a clean stop leaves no PostgreSQL behind");
  },
);
