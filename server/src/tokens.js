// The bearer tokens of a direct instance, for the workers of every process. The pair lives in
// one row (`oauth_tokens`), sealed with the service's key; the library's OAuthTokens does the
// OAuth (refresh, rotation saved before use, a refused grant kept as "needs re-authorization").
//
// Keap rotates refresh tokens, so two processes refreshing the same instance at once would
// kill each other's token. A refresh is therefore done under a PostgreSQL advisory lock of the
// instance, by an OAuthTokens that reads the row fresh inside the lock: a second process that
// saw the same expired or refused token waits, then finds the new pair and uses it. A token
// that is still live is read without the lock. A process that is stopping stops waiting for
// the lock (its cycle is abandoned, see worker.js), and a session whose lock state is unknown is
// closed, never pooled.
import { OAuthTokens } from "elements-poller";
import { SCHEMA } from "./db.js";
import { sealSecret, openSecret } from "./secrets.js";

/** Refreshed this long before its end, as OAuthTokens does (clocks and the request's flight). */
const EXPIRY_MARGIN_MS = 60000;

/**
 * The library's Store interface over an instance's `oauth_tokens` row. Every `set` commits on
 * its own (autocommit): a rotated pair is durable before OAuthTokens returns it for use.
 */
export function tokenStore(pool, key, instanceId) {
  return {
    async get() {
      const { rows } = await pool.query(`SELECT value FROM ${SCHEMA}.oauth_tokens WHERE instance_id = $1`, [
        instanceId,
      ]);
      return rows.length ? openSecret(rows[0].value, key) : undefined;
    },
    async set(_key, value) {
      await pool.query(
        `INSERT INTO ${SCHEMA}.oauth_tokens (instance_id, value) VALUES ($1, $2)
         ON CONFLICT (instance_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [instanceId, sealSecret(value, key)],
      );
    },
  };
}

/**
 * The token source a direct cycle uses (`accessToken`, `refresh`, `limiter`: what the
 * library's bearer step asks of an OAuthTokens), shared by every process through the row.
 * @param {{pool: import("pg").Pool, key: Buffer, instanceId: string, body: object, tokenUrl: string,
 *   limiter?: {take: (signal?: AbortSignal) => Promise<void>}, signal?: AbortSignal, now?: () => number}} o
 *   `signal` (the process is stopping) ends a token request's wait for the app's rate limit, before
 *   it goes out, and a wait for another process's refresh (the lock); it never aborts a request that went out (Keap may have rotated the refresh token:
 *   its answer must be saved).
 */
export function tokenSource({ pool, key, instanceId, body, tokenUrl, limiter, signal, now = Date.now }) {
  const store = tokenStore(pool, key, instanceId);
  const gate = limiter && { take: () => limiter.take(signal) };
  const fresh = () => OAuthTokens.fromInstance(body, { store, tokenUrl, id: instanceId, limiter: gate });

  async function locked(fn) {
    if (signal?.aborted) throw signal.reason;
    const client = await pool.connect();
    const lock = `${SCHEMA}/oauth/${instanceId}`;
    // Whether the session may go back to the pool: not when its lock state is unknown (the wait
    // failed or was cancelled, or the unlock failed). Closing it ends its locks with it.
    let reusable = false;
    try {
      // A session lock: held across the token request, released by unlock or, if this
      // process dies, by the end of its session.
      if (!(await acquire(client, lock))) throw signal.reason;
      reusable = true;
      try {
        return await fn(fresh());
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lock]).catch(() => (reusable = false));
      }
    } finally {
      client.release(reusable ? undefined : true);
    }
  }

  /**
   * Waits on `client`'s session for the lock; resolves true once it holds it. Another process
   * may hold it for as long as its token request takes, so the wait ends when `signal` aborts
   * (the process is stopping): the waiting statement is cancelled and this resolves false. The
   * cancel (pg_cancel_backend) goes on another pooled connection: the pool has room beyond one
   * client per cycle. It may arrive just after the lock was granted; the caller then closes the
   * session, which gives the lock back whatever the cancel did.
   */
  async function acquire(client, lock) {
    let cancelled;
    const onAbort = () => {
      cancelled = pool.query("SELECT pg_cancel_backend($1)", [client.processID]).catch(() => {});
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [lock]);
    } catch (e) {
      if (!cancelled) throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    if (!cancelled) return true;
    await cancelled;
    return false;
  }

  /** The pair last read or obtained: a source lives for one cycle, so its pages need one read. */
  let known;
  const live = (saved) => !saved.reauthorize && saved.accessToken && (saved.expiresAt ?? 0) - EXPIRY_MARGIN_MS > now();
  const remember = async (token) => {
    const text = await store.get();
    known = text === undefined ? undefined : JSON.parse(text);
    return token;
  };

  return {
    limiter,
    /**
     * A live access token; refreshed under the lock when it is (nearly) expired. One another
     * process replaced meanwhile is still sent: a 401 then leads to `refresh`, which finds the
     * new pair.
     */
    async accessToken() {
      if (known && live(known)) return known.accessToken;
      const text = await store.get();
      known = text === undefined ? undefined : JSON.parse(text);
      if (known && live(known)) return known.accessToken;
      return remember(await locked((t) => t.accessToken()));
    },
    /** A new token because `rejected` was refused (a 401); one refresh across processes. */
    async refresh({ rejected } = {}) {
      return remember(await locked((t) => t.refresh({ rejected })));
    },
  };
}
