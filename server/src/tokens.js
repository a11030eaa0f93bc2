// The bearer tokens of a direct instance, for the workers of every process. The pair lives in
// one row (`oauth_tokens`), sealed with the service's key; the library's OAuthTokens does the
// OAuth (refresh, rotation saved before use, a refused grant kept as "needs re-authorization").
//
// Keap rotates refresh tokens, so two processes refreshing the same instance at once would
// kill each other's token. A refresh is therefore done under a PostgreSQL advisory lock of the
// instance, by an OAuthTokens that reads the row fresh inside the lock: a second process that
// saw the same expired or refused token waits, then finds the new pair and uses it. A token
// that is still live is read without the lock.
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
 *   it goes out; it never aborts a request that went out (Keap may have rotated the refresh token:
 *   its answer must be saved).
 */
export function tokenSource({ pool, key, instanceId, body, tokenUrl, limiter, signal, now = Date.now }) {
  const store = tokenStore(pool, key, instanceId);
  const gate = limiter && { take: () => limiter.take(signal) };
  const fresh = () => OAuthTokens.fromInstance(body, { store, tokenUrl, id: instanceId, limiter: gate });

  async function locked(fn) {
    const client = await pool.connect();
    const lock = `${SCHEMA}/oauth/${instanceId}`;
    try {
      // A session lock: held across the token request, released by unlock or, if this
      // process dies, by the end of its session.
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [lock]);
      try {
        return await fn(fresh());
      } finally {
        await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lock]).catch(() => {});
      }
    } finally {
      client.release();
    }
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
