// The service's tables, beside pg-boss's own schema. One instance row per POST /instances, one
// resource row per (instance, resource) holding the core's state and the version that fences
// it, the events it found and the deliveries of their notifications; the polls (one row a
// cycle: what the console's timeline shows) and whether an instance is paused.
import pg from "pg";

export const SCHEMA = "elements_poller";

const DDL = `
CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
CREATE TABLE IF NOT EXISTS ${SCHEMA}.instances (
  id text PRIMARY KEY,
  name text NOT NULL,
  element text NOT NULL,
  body text NOT NULL,
  connection text,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.resources (
  instance_id text NOT NULL REFERENCES ${SCHEMA}.instances(id) ON DELETE CASCADE,
  resource text NOT NULL,
  state jsonb,
  version bigint NOT NULL DEFAULT 0,
  poll_requested boolean NOT NULL DEFAULT false,
  last_polled_at timestamptz,
  last_error text,
  PRIMARY KEY (instance_id, resource)
);
-- A resource restarted (its dates configuration changed) or added by a PATCH: its first cycle
-- starts from this instant, not from its own now.
ALTER TABLE ${SCHEMA}.resources ADD COLUMN IF NOT EXISTS start_from timestamptz;
-- A direct instance's OAuth token pair (sealed): its own row, because it rotates.
CREATE TABLE IF NOT EXISTS ${SCHEMA}.oauth_tokens (
  instance_id text PRIMARY KEY REFERENCES ${SCHEMA}.instances(id) ON DELETE CASCADE,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Set when the provider refused the instance's grant: its polls stop until a PATCH gives a new
-- providerData.code.
ALTER TABLE ${SCHEMA}.instances ADD COLUMN IF NOT EXISTS reauthorize_reason text;
ALTER TABLE ${SCHEMA}.instances ADD COLUMN IF NOT EXISTS reauthorize_at timestamptz;
-- The shared rate limiter (limiter.js): per budget, the theoretical arrival time of its next call (epoch ms).
CREATE TABLE IF NOT EXISTS ${SCHEMA}.rate_limits (
  key text PRIMARY KEY,
  tat double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.events (
  id bigserial PRIMARY KEY,
  instance_id text NOT NULL REFERENCES ${SCHEMA}.instances(id) ON DELETE CASCADE,
  resource text NOT NULL,
  version bigint NOT NULL,
  event jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS events_by_instance ON ${SCHEMA}.events (instance_id, id DESC);
CREATE TABLE IF NOT EXISTS ${SCHEMA}.deliveries (
  id bigserial PRIMARY KEY,
  instance_id text NOT NULL REFERENCES ${SCHEMA}.instances(id) ON DELETE CASCADE,
  resource text NOT NULL,
  request jsonb NOT NULL,
  state jsonb NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'delivered', 'dead')),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS deliveries_by_status ON ${SCHEMA}.deliveries (status, id);
ALTER TABLE ${SCHEMA}.instances ADD COLUMN IF NOT EXISTS paused_at timestamptz;
ALTER TABLE ${SCHEMA}.resources ADD COLUMN IF NOT EXISTS progress jsonb;
CREATE TABLE IF NOT EXISTS ${SCHEMA}.polls (
  id bigserial PRIMARY KEY,
  instance_id text NOT NULL REFERENCES ${SCHEMA}.instances(id) ON DELETE CASCADE,
  resource text NOT NULL,
  version bigint NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  requests integer NOT NULL,
  pages integer NOT NULL,
  records integer NOT NULL,
  events integer NOT NULL,
  retries integer NOT NULL,
  throttled integer NOT NULL,
  error text
);
CREATE INDEX IF NOT EXISTS polls_by_resource ON ${SCHEMA}.polls (instance_id, resource, id DESC);
`;

/** A pool on `url`; the tables made once (under an advisory lock: many processes start together). */
export async function openDatabase(url, { max = 10 } = {}) {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client's error (the server restarting) must not crash the process: the next
  // query reconnects.
  pool.on("error", () => {});
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [SCHEMA]);
    await client.query(DDL);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
  return pool;
}

/**
 * Runs `fn(client, db)` in one transaction; `db` is the `{executeSql}` pg-boss takes as its
 * `db` option, so its sends and completions commit or roll back with ours. `fn` returning
 * `ROLLBACK` rolls back without an error.
 */
export async function transaction(pool, fn) {
  const client = await pool.connect();
  // A connection lost while the client is checked out (the server crashed or restarted) is
  // emitted as an 'error' event, which unheard would end the process; the query in flight
  // fails with it anyway. The lost client is destroyed on release, not handed out again.
  let lost;
  const onLost = (e) => (lost = e);
  client.on("error", onLost);
  const db = { executeSql: (text, values) => client.query(text, values) };
  try {
    await client.query("BEGIN");
    const out = await fn(client, db);
    await client.query(out === ROLLBACK ? "ROLLBACK" : "COMMIT");
    return out;
  } catch (e) {
    if (!lost) await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.off("error", onLost);
    client.release(lost);
  }
}

export const ROLLBACK = Symbol("rollback");
