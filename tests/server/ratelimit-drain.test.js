// A worker waiting for a slot of the shared rate limit stops waiting when it gets SIGTERM: it
// exits (cleanly, with no time spent on the wait), gives back the slot it reserved and no other,
// and its cycle is abandoned, not failed: the job goes back to the queue unchanged and another
// worker runs it. The wait is made long the way a busy app makes it: the app's budget row
// already holds slots reserved ten minutes ahead (the test's timeout is far shorter, so a wait
// that is not cut short fails the test).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startKeapSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startKeapService, createKeapInstance, api, until, assertNoSecretsLogged } from "./helpers/service.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const AHEAD_MS = 600_000;

test("SIGTERM cuts a rate-limit wait short; the job is handed back, not failed", { timeout: 120_000 }, async () => {
  const postgres = await privatePostgres();
  const keap = await startKeapSimulator({ seed: 6, resources: { contacts: 3 } });
  const db = new pg.Client(postgres.url);
  const services = [];
  try {
    const { server, worker: a, startWorker } = await startKeapService(postgres.url, keap, services);
    await db.connect();

    // The app's budget is taken ten minutes ahead (on PostgreSQL's clock, the limiter's).
    const key = `keap/${keap.client.clientId}`;
    const {
      rows: [{ tat: ahead }],
    } = await db.query(
      `INSERT INTO elements_poller.rate_limits (key, tat) VALUES ($1, extract(epoch FROM clock_timestamp()) * 1000 + $2)
       ON CONFLICT (key) DO UPDATE SET tat = EXCLUDED.tat RETURNING tat`,
      [key, AHEAD_MS],
    );

    const id = await createKeapInstance(server, keap, "drained");
    assert.equal((await api(server.url, "POST", `/instances/${id}/poll`)).status, 202);

    // A is waiting once it reserved the slot after the ten minutes and its job is active.
    const budget = async () => Number((await db.query("SELECT tat FROM elements_poller.rate_limits")).rows[0].tat);
    await until(async () => (await budget()) > ahead);
    const { rows: active } = await db.query(
      "SELECT id, retry_count, start_after FROM pgboss.job WHERE name = 'elements_poller_poll' AND state = 'active'",
    );
    assert.equal(active.length, 1, "A holds the poll job while it waits");
    const job = active[0];

    a.proc.kill("SIGTERM");
    assert.equal(await a.exited, 0, "A drained and exited cleanly");
    assert.ok(
      a.lines.some((l) => l.msg?.startsWith("cycle abandoned") && /queued again/.test(l.msg) && l.instance === id),
      "A says it abandoned the cycle and queued its job again",
    );
    assert.ok(!a.lines.some((l) => l.msg === "cycle failed" || l.msg === "job failed"), "nothing was failed");
    assert.ok(a.lines.some((l) => l.msg === "stopped"));

    // A gave back its own slot, and only it: the budget is where the others left it.
    assert.ok(Math.abs((await budget()) - ahead) < 1e-6, `budget ${(await budget()) - ahead} ms from where it was`);
    const { rows: handed } = await db.query(
      "SELECT state, retry_count, started_on, start_after FROM pgboss.job WHERE id = $1",
      [job.id],
    );
    assert.deepEqual(
      handed.map((j) => [j.state, j.retry_count, j.started_on, j.start_after.getTime()]),
      [["created", job.retry_count, null, job.start_after.getTime()]],
      "the same job is queued again, due when it was, its retries not counted",
    );
    const { rows: resources } = await db.query(
      "SELECT version, last_error FROM elements_poller.resources WHERE instance_id = $1",
      [id],
    );
    assert.deepEqual(resources, [{ version: "0", last_error: null }], "the cycle committed nothing");
    assert.deepEqual(
      keap.requests().filter((r) => r.url.startsWith("/crm/rest")),
      [],
      "no call went out without its slot",
    );

    // The budget frees; another worker takes the same job and runs the cycle.
    await db.query("DELETE FROM elements_poller.rate_limits WHERE key = $1", [key]);
    const b = await startWorker();
    await until(
      async () =>
        (await db.query("SELECT state FROM pgboss.job WHERE id = $1", [job.id])).rows[0]?.state === "completed",
    );
    const { rows: after } = await db.query(
      "SELECT version, last_error FROM elements_poller.resources WHERE instance_id = $1",
      [id],
    );
    assert.deepEqual(after, [{ version: "1", last_error: null }], "B committed the baseline");
    assert.ok(b.lines.some((l) => l.msg === "cycle" && l.instance === id && l.version === 1));
  } finally {
    for (const s of services) await s.stop();
    await db.end().catch(() => {});
    await keap.close();
    await postgres.stop();
  }
});
