// SIGTERM drains a worker: the cycle in flight (its provider page slow to come) finishes and
// commits its outcome; no job is claimed after the signal (one due meanwhile stays queued, and
// another worker runs it); then the process exits 0.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, until, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

test("SIGTERM: the cycle in flight commits, no new job is claimed, exit 0", { timeout: 180_000 }, async () => {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed: 8, resources: { appointments: 3 } });
  const db = new pg.Pool({ connectionString: postgres.url, max: 1 });
  db.on("error", () => {});
  const services = [];
  try {
    const env = serviceEnv(hub, postgres.url);
    // Polls only on demand; two slots, so a job due after the signal would find one free.
    const args = ["--interval-ms", "3600000", "--lease-seconds", "60", "--concurrency", "2"];
    const apiProc = await startService(["--role", "api", "--port", "0", ...args], env);
    services.push(apiProc);
    const a = await startService(["--role", "worker", ...args], env);
    services.push(a);
    const create = async (name) =>
      (await api(apiProc.url, "POST", "/instances", hubBody(hub, name, ["appointments"], { tagged: true }))).json.id;
    const [x, y] = [await create("x"), await create("y")];
    const version = async (id) => (await api(apiProc.url, "GET", `/instances/${id}`)).json.resources[0].version;
    for (const id of [x, y]) {
      await api(apiProc.url, "POST", `/instances/${id}/poll`);
      await until(async () => (await version(id)) === 1); // the baselines, by A
    }
    hub.mutate({ resource: "appointments", op: "update", count: 1 });

    // X's cycle: the hub holds its page until released below, so it is in flight at the signal.
    hub.setFaults({ latencyMs: 600_000 });
    await api(apiProc.url, "POST", `/instances/${x}/poll`);
    const [held] = await until(() => {
      const { inFlight } = hub.cycles();
      return inFlight.length > 0 && inFlight;
    });
    assert.equal(held.key, "appointments?poller=x");
    a.proc.kill("SIGTERM");
    // A has stopped claiming poll jobs, with X's cycle still running.
    const stopped = await a.waitFor((l) => l.msg === "job fetching stopped" && l.queue === "elements_poller_poll");
    assert.equal(stopped.inFlight, 1, "X's cycle was in flight when A stopped claiming jobs");

    // Y is due now, while A still runs X's cycle: A must leave it.
    await api(apiProc.url, "POST", `/instances/${y}/poll`);
    hub.setFaults({ latencyMs: 0 });
    hub.dispose(); // X's page is answered now

    assert.equal(await a.exited, 0, "A exits 0 after the drain");
    assert.equal(await version(x), 2, "X's cycle committed its outcome after SIGTERM");
    const xCycle = a.lines.find((l) => l.msg === "cycle" && l.instance === x && l.version === 2);
    assert.ok(xCycle, "A committed X's cycle");
    assert.equal(xCycle.events, 1);
    assert.ok(a.lines.indexOf(stopped) < a.lines.indexOf(xCycle), "the commit came after the signal's effect");
    assert.ok(
      !a.lines.some((l) => l.msg === "cycle started" && l.instance === y && l.version === 1),
      "A never started Y",
    );
    assert.equal(await version(y), 1, "Y did not run");
    const { rows } = await db.query(
      "SELECT state FROM pgboss.job WHERE name = 'elements_poller_poll' AND singleton_key = $1 AND state <> 'completed'",
      [`${y}/appointments`],
    );
    assert.deepEqual(
      rows.map((r) => r.state),
      ["created"],
      "Y's job is queued, unclaimed",
    );

    // Another worker runs it.
    const b = await startService(["--role", "worker", ...args], env);
    services.push(b);
    await until(async () => (await version(y)) === 2);
    assert.ok(
      b.lines.some((l) => l.msg === "cycle" && l.instance === y && l.version === 2),
      "B ran Y's cycle",
    );
  } finally {
    for (const s of services) await s.stop();
    await db.end().catch(() => {});
    await hub.close();
    await postgres.stop();
  }
});
