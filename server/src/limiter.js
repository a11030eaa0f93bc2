// A rate limiter shared by every process on the database: one row per OAuth app (client id),
// updated atomically by one statement per call.
//
// The provider counts calls in rolling windows (Keap: 1500 a minute and 25 a second per client
// id, reference keap-rest-v1-facts.md §5; the simulator counts the same way). A token bucket
// would allow bursts that a rolling window refuses, so this is a strict GCRA ("virtual
// scheduling"): the row holds the theoretical arrival time (TAT) of the next call; a call takes
// the slot max(TAT, now) and moves TAT one interval on, where the interval is the larger of the
// two windows' spacings (40 ms for Keap). Calls spaced at least that far apart never put more
// than 25 in any second or 1500 in any minute. Each caller then waits for its own slot; no lock
// is held while it waits. Time is PostgreSQL's clock, the one clock every process shares.
//
// A slot is a promise about when the call goes out, so a caller that wakes late (its event
// loop was busy: timers of many callers then fire together) must not use it: that would
// crowd late calls into the next window. It gives the slot up and reserves another, a few
// times at most (then it goes: the provider's 429 is the backstop, which the core retries).
// The margin (default 20%: 20.8 calls a second for Keap) absorbs the rest of the jitter on the way to the provider.
//
// A wait can be long (many processes share the budget), so it ends when the caller's signal
// aborts (SIGTERM: the process is stopping) and the slot is given back when nobody reserved
// after it: a stopping worker neither holds up its exit nor keeps budget it will not use.
import { SCHEMA } from "./db.js";

/** Keap's limits per OAuth app. The reference names none for the Cloud Elements hub. */
export const KEAP_LIMITS = Object.freeze({ perSecond: 25, perMinute: 1500 });

/**
 * @param {import("pg").Pool} pool
 * @param {string} key which budget (e.g. `keap/<client id>`); never a secret
 * @param {{perSecond: number, perMinute: number, margin?: number}} limits
 * @returns {{take: () => Promise<void>, intervalMs: number}}
 */
export function sharedLimiter(pool, key, { perSecond, perMinute, margin = 0.2 }) {
  const intervalMs = Math.max(1000 / perSecond, 60000 / perMinute) * (1 + margin);
  return {
    intervalMs,
    /**
     * Reserves the next slot of the budget and waits for it. When `signal` aborts (the process
     * is stopping) during a wait, the wait ends at once with the signal's reason and the slot
     * is given back (see `release`); a slot that is due needs no wait and is used.
     * @param {AbortSignal} [signal]
     */
    async take(signal) {
      for (let attempt = 1; ; attempt++) {
        const { wait, tat } = await reserve();
        const slot = Date.now() + wait;
        if (wait > 0) {
          try {
            await sleep(wait, signal);
          } catch (e) {
            await release(tat).catch(() => {});
            throw e;
          }
        }
        if (Date.now() - slot <= intervalMs / 2 || attempt === MAX_LATE) return;
      }
    },
  };

  /** Takes the next slot: resolves how long from now until it (ms), and the TAT it left. */
  async function reserve() {
    const { rows } = await pool.query(
      `WITH clock AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms)
         INSERT INTO ${SCHEMA}.rate_limits AS r (key, tat) SELECT $1, ms + $2 FROM clock
         ON CONFLICT (key) DO UPDATE SET tat = greatest(r.tat, (SELECT ms FROM clock)) + $2
         RETURNING r.tat, r.tat - $2 - (SELECT ms FROM clock) AS wait_ms`,
      [key, intervalMs],
    );
    return { wait: Number(rows[0].wait_ms), tat: Number(rows[0].tat) };
  }

  /**
   * Gives back a slot this caller reserved and will not use, only while it is still the last
   * one reserved (the row's TAT is the one this reservation left): TAT moves back one interval
   * and the next caller gets the slot. Once another caller reserved after it, the slot stays
   * an unused gap: moving TAT back then would hand out a slot someone else holds, and a gap
   * only costs one call of throughput, never a call too many. (PostgreSQL 12 and later write
   * a double in its shortest exact form, so `tat` compares equal to what the row holds.)
   */
  async function release(tat) {
    await pool.query(`UPDATE ${SCHEMA}.rate_limits SET tat = tat - $2 WHERE key = $1 AND tat = $3`, [
      key,
      intervalMs,
      tat,
    ]);
  }
}

/** Slots a caller may give up for waking late before it goes anyway. */
const MAX_LATE = 5;

/** `ms` on the event loop's clock; rejects with `signal`'s reason when it aborts first. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => (clearTimeout(timer), reject(signal.reason));
    const timer = setTimeout(() => (signal?.removeEventListener("abort", onAbort), resolve()), ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
