// The service's use of pg-boss: two queues, and the few statements that keep one chain of
// poll jobs per (instance, resource).
//
// Polls go on a `stately` queue keyed by (instance, resource): the database holds at most one
// queued and one active job per key (a partial unique index of pg-boss), so at most one cycle
// per (instance, resource) runs across all processes, and a second chain cannot start. Plain
// `singleton` (one active, any number queued) would let a manual poll start a second chain.
// The next poll of a chain is sent by the transaction that commits the previous cycle.
export const POLL_QUEUE = "elements_poller_poll";
export const DELIVER_QUEUE = "elements_poller_deliver";
/** pg-boss's schema: its job table is read by `pollNow`. */
export const BOSS_SCHEMA = "pgboss";

/** The singleton key of a (instance, resource): the job engine's unit of mutual exclusion. */
export const pollKey = (instanceId, resource) => `${instanceId}/${resource}`;

/** Creates the queues (idempotent: pg-boss ignores an existing queue). */
export async function createQueues(boss, { leaseSeconds }) {
  await boss.createQueue(POLL_QUEUE, {
    policy: "stately",
    // The lease: a job active longer than this is expired and retried elsewhere; the stalled
    // worker's late commit is then refused by the version check (worker.js).
    expireInSeconds: leaseSeconds,
    // Only failures of the service itself (the database gone) are retried by pg-boss; a
    // failed cycle is an outcome the worker commits and reschedules itself.
    retryLimit: 1000,
    retryDelay: 1,
    retryBackoff: true,
  });
  await boss.createQueue(DELIVER_QUEUE, {
    policy: "standard",
    expireInSeconds: 120,
    retryLimit: 1000,
    retryDelay: 1,
    retryBackoff: true,
  });
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
 */
export async function pollNow(boss, client, db, { instanceId, resource, reconcile = false }, schema) {
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
  if (active.rowCount > 0 && !reconcile) return "running";
  await sendPoll(boss, db, { instanceId, resource, reconcile }, Date.now());
  return "queued";
}

/** Sends a delivery attempt of delivery `id` due at `due` (ms), in the caller's transaction. */
export function sendDelivery(boss, db, id, due) {
  return boss.send(DELIVER_QUEUE, { deliveryId: String(id) }, { startAfter: new Date(due), db });
}
