// The jobs a cycle's outcome inserts itself (jobs.js insertJobs, in outcome.js's statement) are
// the rows pg-boss's own `send` writes for the same queue: the same lease, retries, backoff,
// dead-letter queue, policy and retention. A pg-boss upgrade that changes what `send` writes
// fails here, not in a chain that then expires or retries differently.
import { test } from "node:test";
import assert from "node:assert/strict";
import PgBoss from "pg-boss";
import { privatePostgres } from "./helpers/postgres.js";
import { openDatabase } from "../../server/src/db.js";
import {
  createQueues,
  insertJobs,
  sendPoll,
  sendDelivery,
  POLL_QUEUE,
  DELIVER_QUEUE,
  BOSS_SCHEMA,
} from "../../server/src/jobs.js";

/** Every column but those that differ by nature (id, the times sent, the payload). */
const COMPARED = `name, priority, state, retry_limit, retry_count, retry_delay, retry_backoff, singleton_key,
  singleton_on, expire_in, extract(epoch FROM keep_until - start_after) AS kept_for, started_on, completed_on,
  output, dead_letter, policy`;

test("insertJobs writes the rows pg-boss's send writes", { timeout: 60_000 }, async () => {
  const postgres = await privatePostgres();
  const pool = await openDatabase(postgres.url, { max: 2 });
  const boss = new PgBoss({ connectionString: postgres.url, schema: BOSS_SCHEMA, max: 2, supervise: false });
  boss.on("error", () => {});
  try {
    await boss.start();
    // Not the defaults, so that a column taken from the wrong place shows.
    await createQueues(boss, { leaseSeconds: 77, jobRetries: 4 });
    const db = { executeSql: (text, values) => pool.query(text, values) };
    const due = Date.now() + 5000;
    await sendPoll(boss, db, { instanceId: "a", resource: "r" }, due);
    await sendDelivery(boss, db, 1, due);
    const at = `to_timestamp(${due} / 1000.0)`;
    const ours = await pool.query(
      `WITH p AS (${insertJobs(`SELECT '${POLL_QUEUE}'::text AS name, '{}'::jsonb AS data, ${at} AS start_after, 'b/r'::text AS singleton_key`)}),
            d AS (${insertJobs(`SELECT '${DELIVER_QUEUE}'::text AS name, '{}'::jsonb AS data, ${at} AS start_after, NULL::text AS singleton_key`)})
       SELECT (SELECT count(*) FROM p)::int + (SELECT count(*) FROM d)::int AS n`,
    );
    assert.equal(ours.rows[0].n, 2);
    const rows = async (where) =>
      (await pool.query(`SELECT ${COMPARED} FROM ${BOSS_SCHEMA}.job WHERE ${where} ORDER BY name`)).rows;
    const sent = await rows(`data <> '{}'::jsonb`);
    const inserted = await rows(`data = '{}'::jsonb`);
    assert.equal(sent.length, 2);
    assert.deepEqual(
      inserted.map((r) => ({ ...r, singleton_key: r.singleton_key && r.singleton_key.replace("b/", "a/") })),
      sent,
    );
    assert.deepEqual(
      sent.map((r) => [r.name, r.retry_limit, r.dead_letter]),
      [
        [DELIVER_QUEUE, 4, `${DELIVER_QUEUE}_dead`],
        [POLL_QUEUE, 4, `${POLL_QUEUE}_dead`],
      ],
      "the queues' own options, as createQueues set them",
    );

    // A stately key with a queued job gets no second one, as send's.
    const again = await pool.query(
      insertJobs(
        `SELECT '${POLL_QUEUE}'::text AS name, '{}'::jsonb AS data, now() AS start_after, 'a/r'::text AS singleton_key`,
      ),
    );
    assert.equal(again.rowCount, 0);
    assert.equal(await sendPoll(boss, db, { instanceId: "b", resource: "r" }, due), null);
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    await pool.end();
    await postgres.stop();
  }
});
