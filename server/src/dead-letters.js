// What exhausted its retries, and chains that are gone.
//
// A poll or delivery job that the service itself failed past pg-boss's retries (the database
// was gone, a secret did not open) is moved by pg-boss to its queue's dead-letter queue; the
// workers here take it:
// - a dead poll: its resource row says so (`last_error`), and its chain starts again at once;
// - a dead delivery: the delivery is `dead`, kept and redeliverable (PUT /deliveries/{id}).
// The supervisor covers what no dead letter announces (a job deleted by hand, a dead letter
// lost): every period it finds the active (instance, resource) pairs (not deleted, paused or
// waiting for a re-authorization) with no poll job queued, retrying or running, and sends one. A chain is only ever moved on inside a transaction that
// also sends its next job, so a pair without a job is a dead chain, never one in transition;
// two supervisors at once cannot make two chains (the stately queue holds one queued job a key).
import { SCHEMA, transaction } from "./db.js";
import { POLL_QUEUE, POLL_DEAD_QUEUE, DELIVER_DEAD_QUEUE, BOSS_SCHEMA, sendPoll } from "./jobs.js";

/** The reason pg-boss kept for a failed job: its error's message only (no stack, no data). */
const failure = (job) => String(job.output?.message ?? job.output?.value?.message ?? "no reason kept").slice(0, 500);

/**
 * @param {{pool: import("pg").Pool, boss: any, metrics: any, options: any, log: (o: object) => void}} deps
 */
export function createDeadLetters({ pool, boss, metrics, options, log }) {
  const db = { executeSql: (text, values) => pool.query(text, values) };
  let timer;
  let sweeping = null;
  let stopped = false;

  async function deadPoll([job]) {
    const { instanceId, resource } = job.data;
    const why = `its poll job failed past its retries (${failure(job)}): the chain was started again`;
    metrics.deadLetters.inc({ queue: "poll" });
    log({ msg: "poll job dead-lettered", instance: instanceId, resource, error: failure(job) });
    await transaction(pool, async (client, tx) => {
      const { rowCount } = await client.query(
        `UPDATE ${SCHEMA}.resources r SET last_error = $3 FROM ${SCHEMA}.instances i
         WHERE r.instance_id = $1 AND r.resource = $2 AND i.id = r.instance_id AND i.deleted_at IS NULL AND i.reauthorize_reason IS NULL`,
        [instanceId, resource, why],
      );
      if (rowCount) await sendPoll(boss, tx, { instanceId, resource }, Date.now());
    });
  }

  async function deadDelivery([job]) {
    const id = job.data.deliveryId;
    metrics.deadLetters.inc({ queue: "deliver" });
    log({ msg: "delivery job dead-lettered", delivery: id, error: failure(job) });
    await pool.query(
      `UPDATE ${SCHEMA}.deliveries SET status = 'dead', last_error = $2, updated_at = now() WHERE id = $1 AND status = 'queued'`,
      [id, `its delivery job failed past its retries (${failure(job)})`],
    );
  }

  /**
   * Sends a poll, due now, for every active (instance, resource) that has no poll job. Active:
   * not deleted, not paused (the worker ended its chains; resuming starts them) and not waiting
   * for a re-authorization (a PATCH starts them).
   */
  async function sweep() {
    const { rows } = await pool.query(
      `SELECT r.instance_id, r.resource FROM ${SCHEMA}.resources r JOIN ${SCHEMA}.instances i ON i.id = r.instance_id
       WHERE i.deleted_at IS NULL AND i.paused_at IS NULL AND i.reauthorize_reason IS NULL
         AND NOT EXISTS (SELECT 1 FROM ${BOSS_SCHEMA}.job j WHERE j.name = $1
           AND j.singleton_key = r.instance_id || '/' || r.resource AND j.state IN ('created', 'retry', 'active'))`,
      [POLL_QUEUE],
    );
    for (const { instance_id: instanceId, resource } of rows) {
      const sent = await sendPoll(boss, db, { instanceId, resource }, Date.now());
      if (sent) {
        metrics.chainsRecreated.inc();
        log({ msg: "poll chain re-created", instance: instanceId, resource });
      }
    }
  }

  return {
    async start() {
      const opts = { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: 1 };
      await boss.work(POLL_DEAD_QUEUE, opts, deadPoll);
      await boss.work(DELIVER_DEAD_QUEUE, opts, deadDelivery);
      const period = options.maintenanceSeconds * 1000;
      const tick = () => {
        sweeping = sweep()
          .catch((e) => log({ msg: "supervisor sweep failed", error: String(e?.message ?? e) }))
          .finally(() => {
            metrics.sweeps.inc();
            sweeping = null;
            if (!stopped) timer = setTimeout(tick, period);
          });
      };
      timer = setTimeout(tick, period);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await boss.offWork(POLL_DEAD_QUEUE);
      await boss.offWork(DELIVER_DEAD_QUEUE);
      await sweeping;
    },
    sweep,
  };
}
