// A poll cycle's outcome, committed by one statement.
//
// One statement is one transaction: the fence on the version, the new state, the poll's row in
// the timeline, the events, the delivery rows and their jobs, the next poll of the chain and the
// job's completion commit together or not at all, as the BEGIN/COMMIT they replace did, in one
// round trip instead of eight or more (CPU per poll is what limits the service; bench/server.mjs).
//
// The fence: `cur` locks the resource row only while its version is the one the cycle started
// from (a worker that stalled past its lease finds a newer one: `cur` is empty). Under READ
// COMMITTED a row locked by a concurrent commit is waited for, then its latest version is
// checked again, so the fence holds against a commit that races this one. Every write hangs on
// `upd` (the row moved on), except the job's completion: a refused outcome still completes its
// job, as a stale cycle did before (its chain is carried by the newer cycle's commit).
import { SCHEMA } from "./db.js";
import { POLL_QUEUE, DELIVER_QUEUE, BOSS_SCHEMA, insertJobs } from "./jobs.js";

/** What the timeline keeps of a cycle's tally (0 when the cycle did not count it). */
const TALLIED = ["requests", "pages", "records", "events", "retries", "throttled"];

/** How many polls of a resource the timeline keeps (the table stays bounded). */
const POLLS_KEPT = 200;

const TEXT = `WITH cur AS (
  SELECT poll_requested FROM ${SCHEMA}.resources
  WHERE instance_id = $1 AND resource = $2 AND version = $3
  FOR UPDATE
), upd AS (
  UPDATE ${SCHEMA}.resources r SET version = r.version + 1, poll_requested = false, last_polled_at = now(),
    state = CASE WHEN $5::text IS NULL THEN $4::jsonb ELSE r.state END, last_error = $5::text, progress = NULL
  FROM cur WHERE r.instance_id = $1 AND r.resource = $2
  RETURNING cur.poll_requested AS requested
), poll AS (
  INSERT INTO ${SCHEMA}.polls (instance_id, resource, version, started_at, duration_ms, requests, pages, records, events, retries, throttled, error)
  SELECT $1, $2, $3 + 1, to_timestamp($6::bigint / 1000.0), ($7::jsonb->>'durationMs')::int,
    ($7::jsonb->>'requests')::int, ($7::jsonb->>'pages')::int, ($7::jsonb->>'records')::int,
    ($7::jsonb->>'events')::int, ($7::jsonb->>'retries')::int, ($7::jsonb->>'throttled')::int, $5::text
  FROM upd
), trimmed AS (
  -- The statement sees the rows before its own insert: the newest ${POLLS_KEPT - 1} of them stay.
  DELETE FROM ${SCHEMA}.polls WHERE instance_id = $1 AND resource = $2 AND EXISTS (SELECT 1 FROM upd) AND id <=
    (SELECT id FROM ${SCHEMA}.polls WHERE instance_id = $1 AND resource = $2 ORDER BY id DESC OFFSET ${POLLS_KEPT - 1} LIMIT 1)
), kept AS (
  INSERT INTO ${SCHEMA}.events (instance_id, resource, version, event)
  SELECT $1, $2, $3 + 1, e.value FROM upd, jsonb_array_elements($8::jsonb) WITH ORDINALITY e ORDER BY e.ordinality
), deliveries AS (
  INSERT INTO ${SCHEMA}.deliveries (instance_id, resource, request, state, status)
  SELECT $1, $2, n.value, jsonb_build_object('attempts', 0, 'nextAttemptAt', $10::bigint), 'queued'
  FROM upd, jsonb_array_elements($9::jsonb) WITH ORDINALITY n ORDER BY n.ordinality
  RETURNING id
), delivery_jobs AS (
  ${insertJobs(`SELECT '${DELIVER_QUEUE}'::text AS name, jsonb_build_object('deliveryId', id::text) AS data,
     to_timestamp($10::bigint / 1000.0) AS start_after, NULL::text AS singleton_key FROM deliveries`)}
), reauthorized AS (
  -- The grant was refused: the instance's chains stop (this one sends no successor, the queued
  -- ones are ended here, a running one ends when it commits) and GET /instances/{id} says why.
  UPDATE ${SCHEMA}.instances SET reauthorize_reason = $5::text, reauthorize_at = now()
  WHERE id = $1 AND $11::boolean AND reauthorize_reason IS NULL AND EXISTS (SELECT 1 FROM upd)
), stopped AS (
  DELETE FROM ${BOSS_SCHEMA}.job WHERE name = '${POLL_QUEUE}' AND state IN ('created', 'retry')
    AND left(singleton_key, length($1) + 1) = $1 || '/' AND $11::boolean AND EXISTS (SELECT 1 FROM upd)
), successor AS (
  -- Due at once when a poll was asked for while this cycle ran, else an interval on, from this
  -- transaction's now() (the job's completed_on: never less than an interval after it).
  ${insertJobs(`SELECT '${POLL_QUEUE}'::text AS name, jsonb_build_object('instanceId', $1::text, 'resource', $2::text, 'due', d.due) AS data,
     to_timestamp(d.due / 1000.0) AS start_after, $1 || '/' || $2 AS singleton_key
     FROM (SELECT ceil(extract(epoch FROM now()) * 1000)::bigint + CASE WHEN requested THEN 0 ELSE $12::bigint END AS due
       FROM upd WHERE NOT $11::boolean) d`)}
), completed AS (
  UPDATE ${BOSS_SCHEMA}.job SET completed_on = now(), state = 'completed', output = NULL
  WHERE name = '${POLL_QUEUE}' AND id = $13::uuid AND state = 'active'
)
SELECT count(*)::int AS committed FROM upd`;

/**
 * Commits the outcome of the cycle of `jobId` that started from `version`; resolves true, or
 * false when the version had moved on (nothing written but the job's completion).
 * @param {import("pg").Pool} pool
 * @param {{instanceId: string, resource: string, version: number, jobId: string,
 *   state?: object, error?: string, reauthorize?: boolean, startedAt: number, tally: object,
 *   events: object[], notifications: object[], now: number, intervalMs: number}} o
 *   `error` set: the state stays, `last_error` says why. `now`: when the notifications are due;
 *   `intervalMs`: the successor's delay (none when a poll was asked for while the cycle ran).
 */
export async function commitOutcome(pool, o) {
  const { rows } = await pool.query({
    // Prepared once a connection: the statement is long, and parsed and planned once.
    name: "elements_poller_outcome",
    text: TEXT,
    values: [
      o.instanceId,
      o.resource,
      o.version,
      o.error ? null : JSON.stringify(o.state),
      o.error ?? null,
      o.startedAt,
      JSON.stringify({
        durationMs: Math.round(o.tally.durationMs ?? 0),
        ...Object.fromEntries(TALLIED.map((k) => [k, o.tally[k] ?? 0])),
      }),
      JSON.stringify(o.events),
      JSON.stringify(o.notifications),
      o.now,
      o.reauthorize === true,
      o.intervalMs,
      o.jobId,
    ],
  });
  return rows[0].committed === 1;
}
