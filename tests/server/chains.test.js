// Chains and dead letters against a real PostgreSQL: a poll chain whose job is deleted is
// re-created by the supervisor; a poll job the service fails past its retries (here: the
// instance's sealed connection does not open) goes to the dead-letter queue, the resource says
// so, and the chain goes on once the cause is gone; a delivery job failed past its retries
// makes its delivery `dead`, kept and redeliverable.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startHubSimulator } from "elements-poller/testing";
import { createServer, readConfig } from "elements-poller-server";
import { privatePostgres } from "./helpers/postgres.js";
import { serviceEnv, api, until } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

let postgres, hub, server, db;
const lines = [];
before(async () => {
  postgres = await privatePostgres();
  hub = await startHubSimulator({ seed: 13, resources: { appointments: 3, contacts: 3 } });
  const config = readConfig(
    ["--port", "0", "--interval-ms", "600000", "--maintenance-seconds", "1", "--job-retries", "1"],
    serviceEnv(hub, postgres.url),
  );
  assert.equal(config.errors, undefined);
  server = await createServer(config.options, { log: (l) => lines.push(l) });
  db = new pg.Client(postgres.url);
  await db.connect();
});
after(async () => {
  await db?.end();
  await server?.close();
  await hub?.close();
  await postgres?.stop();
});

const jobsOf = async (key, states = ["created", "retry", "active"]) =>
  (
    await db.query(
      "SELECT id, state FROM pgboss.job WHERE name = 'elements_poller_poll' AND singleton_key = $1 AND state = ANY($2)",
      [key, states],
    )
  ).rows;
const resourceOf = async (id, name) =>
  (await api(server.url, "GET", `/instances/${id}`)).json.resources.find((r) => r.name === name);

test("a deleted poll job: the supervisor re-creates the chain", { timeout: 90_000 }, async () => {
  const { json } = await api(server.url, "POST", "/instances", hubBody(hub, "chain-deleted", ["appointments"]));
  const key = `${json.id}/appointments`;
  const [job] = await jobsOf(key);
  assert.ok(job, "the chain has its job");
  await db.query("DELETE FROM pgboss.job WHERE name = 'elements_poller_poll' AND singleton_key = $1", [key]);
  assert.deepEqual(await jobsOf(key), []);
  const [again] = await until(async () => {
    const jobs = await jobsOf(key);
    return jobs.length ? jobs : undefined;
  });
  assert.notEqual(again.id, job.id);
  assert.ok(lines.some((l) => l.msg === "poll chain re-created" && l.instance === json.id));
  // It is a working chain: its poll runs.
  await api(server.url, "POST", `/instances/${json.id}/poll`);
  await until(async () => (await resourceOf(json.id, "appointments")).version >= 1);
});

test(
  "a poll job failed past its retries is dead-lettered, said, and its chain goes on",
  { timeout: 90_000 },
  async () => {
    const { json } = await api(server.url, "POST", "/instances", hubBody(hub, "chain-failed", ["contacts"]));
    const { rows } = await db.query("SELECT connection FROM elements_poller.instances WHERE id = $1", [json.id]);
    // A connection sealed under another key: every run of the job throws (the service's own failure).
    await db.query("UPDATE elements_poller.instances SET connection = $2 WHERE id = $1", [
      json.id,
      "v1:" + Buffer.alloc(64, 7).toString("base64"),
    ]);
    await api(server.url, "POST", `/instances/${json.id}/poll`);
    const dead = await until(async () => {
      const r = await resourceOf(json.id, "contacts");
      return r.lastError?.includes("failed past its retries") ? r : undefined;
    });
    assert.match(dead.lastError, /does not open with this ELEMENTS_ENCRYPTION_KEY/);
    assert.equal(dead.version, 0, "no cycle committed");
    assert.ok(lines.some((l) => l.msg === "poll job dead-lettered" && l.instance === json.id));
    const metrics = await api(server.url, "GET", "/metrics", undefined, { auth: null });
    assert.match(metrics.text, /elements_poller_dead_lettered_jobs_total\{queue="poll"\} [1-9]/);

    // The cause gone, the chain that was started again polls.
    await db.query("UPDATE elements_poller.instances SET connection = $2 WHERE id = $1", [json.id, rows[0].connection]);
    await until(async () => (await resourceOf(json.id, "contacts")).version >= 1);
    assert.equal((await resourceOf(json.id, "contacts")).lastError, null);
  },
);

test(
  "a delivery job failed past its retries: the delivery is dead, kept and redeliverable",
  { timeout: 90_000 },
  async () => {
    const { json } = await api(server.url, "POST", "/instances", hubBody(hub, "delivery-failed", ["appointments"]));
    await api(server.url, "POST", `/instances/${json.id}/poll`);
    await until(async () => (await resourceOf(json.id, "appointments")).version >= 1);
    hub.mutate({ resource: "appointments", op: "update", count: 1 });
    await api(server.url, "POST", `/instances/${json.id}/poll`);
    const [delivered] = await until(async () => {
      const d = await api(server.url, "GET", `/deliveries?status=delivered&instance=${json.id}`);
      return d.json.length ? d.json : undefined;
    });
    // Its stored request unreadable: the delivery job throws at every attempt.
    const { rows } = await db.query("SELECT request FROM elements_poller.deliveries WHERE id = $1", [delivered.id]);
    await db.query(`UPDATE elements_poller.deliveries SET request = '"not a request"' WHERE id = $1`, [delivered.id]);
    assert.equal((await api(server.url, "PUT", `/deliveries/${delivered.id}`)).status, 200);
    const [dead] = await until(async () => {
      const d = await api(server.url, "GET", `/deliveries?status=dead&instance=${json.id}`);
      return d.json.length ? d.json : undefined;
    });
    assert.equal(dead.id, delivered.id);
    assert.match(dead.lastError, /its delivery job failed past its retries/);

    await db.query("UPDATE elements_poller.deliveries SET request = $2 WHERE id = $1", [delivered.id, rows[0].request]);
    assert.equal((await api(server.url, "PUT", `/deliveries/${delivered.id}`)).status, 200);
    await until(async () => {
      const d = await api(server.url, "GET", `/deliveries?status=delivered&instance=${json.id}`);
      return d.json.some((x) => x.id === delivered.id);
    });
  },
);
