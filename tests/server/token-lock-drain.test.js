// A worker waiting for another process's token refresh (the instance's advisory lock, tokens.js)
// stops waiting when it gets SIGTERM: it exits cleanly, holds no lock and no connection, and its
// cycle is abandoned, not failed: the job goes back to the queue unchanged and another worker
// runs it. The wait is made the way a second process makes it: this test's own session holds the
// instance's lock for as long as the test needs, so a wait that is not cut short never ends and
// the test fails on its timeout.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startKeapSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startKeapService, createKeapInstance, api, until, assertNoSecretsLogged } from "./helpers/service.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

/** The instance's refresh lock, as tokens.js names it (a 32-bit key: pg_locks' objid). */
const LOCK = "elements_poller/oauth/";
const LOCKS_OF = `SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory'
  AND objid::bigint = (hashtext($1)::bigint & 4294967295) ORDER BY granted DESC`;

test(
  "SIGTERM cuts a wait for a token refresh's lock short; the job is handed back",
  { timeout: 120_000 },
  async (t) => {
    const postgres = await privatePostgres();
    // Tokens that live 30 s are inside the refresh margin (60 s) from the start: every cycle
    // refreshes, so it takes the instance's lock before its first call.
    const keap = await startKeapSimulator({ seed: 7, resources: { contacts: 3 }, expiresIn: 30 });
    const db = new pg.Client(postgres.url);
    const services = [];
    try {
      const { server, worker: a, startWorker } = await startKeapService(postgres.url, keap, services);
      await db.connect();

      const id = await createKeapInstance(server, keap, "lock-drained");
      const tokenCalls = () => keap.requests().filter((r) => r.url.startsWith("/token")).length;
      const exchanged = tokenCalls();

      // "Another process" refreshes this instance's token: it holds the lock.
      await db.query("SELECT pg_advisory_lock(hashtext($1))", [LOCK + id]);
      assert.equal((await api(server.url, "POST", `/instances/${id}/poll`)).status, 202);

      // A waits once its session asks for the lock and is not granted it.
      const locks = async () => (await db.query(LOCKS_OF, [LOCK + id])).rows;
      await until(async () => (await locks()).some((l) => !l.granted));
      const { rows: active } = await db.query(
        "SELECT id, retry_count, start_after FROM pgboss.job WHERE name = 'elements_poller_poll' AND state = 'active'",
      );
      assert.equal(active.length, 1, "A holds the poll job while it waits");
      const job = active[0];

      a.proc.kill("SIGTERM");
      // The exit also shows the connection went back: the pool's end waits for every client.
      // Without the fix A waits until the lock is free, which it never is here: the test's
      // timeout ends the wait (t.signal), and the cleanup below then kills what is left.
      const exit = await Promise.race([
        a.exited,
        new Promise((r) => t.signal.addEventListener("abort", () => r("timed out"))),
      ]);
      assert.equal(exit, 0, "A drained and exited cleanly");
      assert.ok(
        a.lines.some((l) => l.msg?.startsWith("cycle abandoned") && /queued again/.test(l.msg) && l.instance === id),
        "A says it abandoned the cycle and queued its job again",
      );
      assert.ok(!a.lines.some((l) => l.msg === "cycle failed" || l.msg === "job failed"), "nothing was failed");
      assert.ok(a.lines.some((l) => l.msg === "stopped"));

      assert.deepEqual(await locks(), [{ pid: db.processID, granted: true }], "only the test's session holds the lock");
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
      assert.equal(tokenCalls(), exchanged, "A asked for no token");
      assert.deepEqual(
        keap.requests().filter((r) => r.url.startsWith("/crm/rest")),
        [],
        "no call went out",
      );

      // The other refresh ends; another worker takes the same job, refreshes and runs the cycle.
      await db.query("SELECT pg_advisory_unlock(hashtext($1))", [LOCK + id]);
      await startWorker();
      await until(
        async () =>
          (await db.query("SELECT state FROM pgboss.job WHERE id = $1", [job.id])).rows[0]?.state === "completed",
      );
      const { rows: after } = await db.query(
        "SELECT version, last_error FROM elements_poller.resources WHERE instance_id = $1",
        [id],
      );
      assert.deepEqual(after, [{ version: "1", last_error: null }], "B committed the baseline");
      assert.ok(tokenCalls() > exchanged, "B refreshed the token");
      assert.deepEqual(await locks(), [], "B let the lock go");
    } finally {
      for (const s of services) await s.stop(t.signal.aborted ? "SIGKILL" : "SIGTERM");
      await db.end().catch(() => {});
      await keap.close();
      await postgres.stop();
    }
  },
);
