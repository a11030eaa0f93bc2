// The service's use of pg-boss: two queues, and the few statements that keep one chain of
// poll jobs per (instance, resource).
//
// Polls go on a `stately` queue keyed by (instance, resource): the database holds at most one
// queued and one active job per key (a partial unique index of pg-boss), so at most one cycle
// per (instance, resource) runs across all processes, and a second chain cannot start. Plain
// `singleton` (one active, any number queued) would let a manual poll start a second chain.
// The next poll of a chain is sent by the transaction that commits the previous cycle.
import { createRequire } from "node:module";

const Manager = createRequire(import.meta.url)("pg-boss/src/manager.js");

export const POLL_QUEUE = "elements_poller_poll";
export const DELIVER_QUEUE = "elements_poller_deliver";
/** Where a job goes when it failed past its retries (dead-letters.js takes them). */
export const POLL_DEAD_QUEUE = "elements_poller_poll_dead";
export const DELIVER_DEAD_QUEUE = "elements_poller_deliver_dead";
/** pg-boss's schema: its job table is read by `pollNow`. */
export const BOSS_SCHEMA = "pgboss";

/** The singleton key of a (instance, resource): the job engine's unit of mutual exclusion. */
export const pollKey = (instanceId, resource) => `${instanceId}/${resource}`;

/**
 * pg-boss 10 completes (or fails) a worked job after its handler returns without awaiting the
 * statement: with the database gone (a crash, a restart) that rejection is unhandled and ends
 * the process. Those calls, the ones without the caller's `db`, are made safe here (on pg-boss's
 * Manager, which makes them; its instances are private to PgBoss): a failure is emitted as the
 * engine's "error" and the job, still active, is retried once its lease expires. The service's
 * own completions pass their transaction's `db` and still reject: the transaction fails with
 * them. Idempotent.
 */
export function guardCompletions() {
  const proto = Manager.prototype;
  if (proto[GUARDED]) return;
  proto[GUARDED] = true;
  for (const method of ["complete", "fail"]) {
    const original = proto[method];
    const guarded = function (name, id, data, options) {
      const done = original.call(this, name, id, data, options);
      if (options?.db) return done;
      return done.catch((e) => {
        this.emit("error", e);
        return null;
      });
    };
    // PgBoss publishes the Manager's methods by their names.
    Object.defineProperty(guarded, "name", { value: method });
    proto[method] = guarded;
  }
}
const GUARDED = Symbol("elements-poller guarded completions");

/**
 * Creates the queues, or brings an existing one to these options (a database made by an
 * earlier version converges).
 */
export async function createQueues(boss, { leaseSeconds, jobRetries = 10 }) {
  const queues = [
    [POLL_DEAD_QUEUE, { policy: "standard", retryLimit: 3, retryDelay: 1, retryBackoff: true }],
    [DELIVER_DEAD_QUEUE, { policy: "standard", retryLimit: 3, retryDelay: 1, retryBackoff: true }],
    [
      POLL_QUEUE,
      {
        policy: "stately",
        // The lease: a job active longer than this is expired and retried elsewhere; the
        // stalled worker's late commit is then refused by the version check (worker.js).
        expireInSeconds: leaseSeconds,
        // Only failures of the service itself (the database gone, a secret that does not
        // open) are retried by pg-boss; a failed cycle is an outcome the worker commits and
        // reschedules itself. Past its retries (about 17 minutes with 10) the job is
        // dead-lettered, and the chain is re-created (dead-letters.js).
        retryLimit: jobRetries,
        retryDelay: 1,
        retryBackoff: true,
        deadLetter: POLL_DEAD_QUEUE,
      },
    ],
    [
      DELIVER_QUEUE,
      {
        policy: "standard",
        // An attempt is one request (30 s at most): its lease is two minutes, or the poll lease when
        // that is shorter, so that `--lease-seconds` bounds how long any job of a killed worker
        // waits to be retried elsewhere.
        expireInSeconds: Math.min(120, leaseSeconds),
        retryLimit: jobRetries,
        retryDelay: 1,
        retryBackoff: true,
        deadLetter: DELIVER_DEAD_QUEUE,
      },
    ],
  ];
  for (const [name, options] of queues) {
    if (await boss.getQueue(name)) await boss.updateQueue(name, options);
    else await boss.createQueue(name, options);
  }
}

/**
 * Sends the poll of (instance, resource) due at `due` (ms) inside the caller's transaction
 * (`db`). Resolves the job id, or null when the key already has a queued job (the chain goes on).
 */
export function sendPoll(boss, db, { instanceId, resource, reconcile = false }, due) {
  return boss.send(
    POLL_QUEUE,
    // `reconcile`: this cycle lists in full and reports DELETED (POST /instances/{id}/reconcile).
    { instanceId, resource, due, ...(reconcile ? { reconcile: true } : {}) },
    { singletonKey: pollKey(instanceId, resource), startAfter: new Date(due), db },
  );
}

/**
 * A poll now, in the caller's transaction, which holds the resource row's lock: the queued job
 * of the chain moved to now; else, while a cycle runs, a flag its commit reads (its successor is
 * then due at once); else a new job. Returns what was done.
 * `fenced`: the caller moved the resource's version on (a PATCH restarted it), so a running
 * cycle will not commit and its flag would never be read: a new job is queued beside it.
 */
export async function pollNow(boss, client, db, { instanceId, resource, reconcile = false, fenced = false }, schema) {
  const key = pollKey(instanceId, resource);
  const moved = await client.query(
    `UPDATE ${schema}.job SET start_after = now(), data = jsonb_set(data, '{due}', to_jsonb((extract(epoch FROM now()) * 1000)::bigint))
       || CASE WHEN $3::boolean THEN '{"reconcile": true}'::jsonb ELSE '{}'::jsonb END
     WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry')`,
    [POLL_QUEUE, key, reconcile],
  );
  if (moved.rowCount > 0) return "queued";
  const active = await client.query(
    `SELECT 1 FROM ${schema}.job WHERE name = $1 AND singleton_key = $2 AND state = 'active'`,
    [POLL_QUEUE, key],
  );
  // A reconciliation asked for while a cycle runs is queued behind it (stately: one queued job
  // beside the active one; the running cycle's successor then finds it and the chain goes on).
  if (active.rowCount > 0 && !reconcile && !fenced) return "running";
  await sendPoll(boss, db, { instanceId, resource, reconcile }, Date.now());
  return "queued";
}

/**
 * The statement that claims up to `$2` due jobs of queue `$1`, for use as a CTE of the service's
 * own statements (the poll pump reads each job's state in the same round trip, worker.js). It is
 * pg-boss 10.4's fetch (plans.js fetchNextJob, with priority): the due jobs in order, locked
 * skipping those another fetch holds, one per singleton key a batch, made active with their
 * start recorded and a retry counted when they had started before. Its RETURNING gives `id`,
 * `name`, `data` and `lease_seconds` (the job's expiry: how long its claim holds). As with
 * pg-boss's fetch, a claim that would make a second active job of a stately key fails the
 * statement with a unique violation, which the caller takes as "none".
 */
export const claimJobs = (schema = BOSS_SCHEMA) => `WITH next AS (
    SELECT id, singleton_key, policy FROM ${schema}.job
    WHERE name = $1 AND state < 'active' AND start_after < now()
    ORDER BY priority DESC, created_on, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
  ), grouped AS (
    SELECT n.id, n.policy AS grouped_policy, row_number() OVER (
      PARTITION BY CASE WHEN $2 > 1 AND n.policy IN ('singleton', 'stately') THEN n.singleton_key ELSE n.id::text END
    ) AS row_number
    FROM next n
  )
  UPDATE ${schema}.job j SET state = 'active', started_on = now(),
    retry_count = CASE WHEN started_on IS NOT NULL THEN retry_count + 1 ELSE retry_count END
  FROM grouped
  WHERE name = $1 AND j.id = grouped.id
    AND ((grouped.grouped_policy IN ('singleton', 'stately') AND grouped.row_number = 1)
      OR coalesce(grouped.grouped_policy, '') NOT IN ('singleton', 'stately'))
  RETURNING j.id, j.name, j.data, extract(epoch FROM j.expire_in)::float8 AS lease_seconds`;

/**
 * An INSERT of pg-boss jobs for use inside one of the service's own statements (a CTE of the
 * cycle's outcome, outcome.js), where a `send` would cost a round trip a job. `rows` is a
 * query yielding `name, data, start_after, singleton_key`; each gets the columns pg-boss 10.4's
 * `send` gives a job sent without per-job options (its plans.js insertJob): everything else
 * from its queue's row, with pg-boss's fallbacks. A stately key that already has a queued job
 * inserts nothing (ON CONFLICT DO NOTHING, as `send`). jobs.test.js compares the rows with
 * `send`'s, so a pg-boss upgrade that changes them fails there.
 */
export const insertJobs = (rows, schema = BOSS_SCHEMA) => `INSERT INTO ${schema}.job
    (id, name, data, priority, start_after, singleton_key, dead_letter, expire_in, keep_until,
     retry_limit, retry_delay, retry_backoff, policy)
  SELECT gen_random_uuid(), q.name, j.data, 0, j.start_after, j.singleton_key, q.dead_letter,
    coalesce(q.expire_seconds * interval '1s', interval '15 minutes'),
    j.start_after + CAST(coalesce((q.retention_minutes * 60)::text, '14 days') AS interval),
    coalesce(q.retry_limit, 2),
    CASE WHEN coalesce(q.retry_backoff, false) THEN greatest(q.retry_delay, 1) ELSE coalesce(q.retry_delay, 0) END,
    coalesce(q.retry_backoff, false), q.policy
  FROM (${rows}) j JOIN ${schema}.queue q ON q.name = j.name
  ON CONFLICT DO NOTHING
  RETURNING id`;

/** Sends a delivery attempt of delivery `id` due at `due` (ms), in the caller's transaction. */
export function sendDelivery(boss, db, id, due) {
  return boss.send(DELIVER_QUEUE, { deliveryId: String(id) }, { startAfter: new Date(due), db });
}

/**
 * Ends every queued poll of an instance, in the caller's transaction (`client`): its chains stop
 * now rather than when each job comes due. A running one ends by itself (worker.js).
 */
export function stopPolls(client, instanceId, schema = BOSS_SCHEMA) {
  return client.query(
    `DELETE FROM ${schema}.job WHERE name = $1 AND state IN ('created', 'retry') AND left(singleton_key, length($2) + 1) = $2 || '/'`,
    [POLL_QUEUE, instanceId],
  );
}

/**
 * Hands an active poll job back to the queue unchanged, for a worker that abandons its cycle
 * because its process is stopping: it becomes queued again, due when it was due, and with no
 * start recorded, so pg-boss does not count the next fetch as a retry (the cycle did not fail).
 * Stately allows one queued job per key: when the key already has one (a poll asked for while
 * the cycle ran), that one carries the chain on and this one stays active until its lease
 * expires. Resolves whether the job was handed back.
 */
export async function releasePoll(client, jobId, schema = BOSS_SCHEMA) {
  const { rowCount } = await client.query(
    `UPDATE ${schema}.job j SET state = 'created', started_on = NULL
     WHERE j.name = $1 AND j.id = $2 AND j.state = 'active'
       AND NOT EXISTS (SELECT 1 FROM ${schema}.job q WHERE q.name = $1 AND q.singleton_key = j.singleton_key AND q.state = 'created')`,
    [POLL_QUEUE, jobId],
  );
  return rowCount > 0;
}
