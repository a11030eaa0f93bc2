// What an operator's console needs beyond the seed's API: pause and resume an instance, its
// status per resource (last and next poll, the watermark, what the next poll will request,
// whether it needs re-authorization) and the timeline of its polls. Routes in api.js's
// route-table form, self-contained: they read the tables and pg-boss's job table, and change
// only `paused_at` (the worker ends a paused instance's chains, as it does a deleted one's).
import { PollCycle, PollerError } from "elements-poller";
import { SCHEMA, transaction } from "./db.js";
import { POLL_QUEUE, BOSS_SCHEMA, pollKey, pollNow } from "./jobs.js";
import { ServiceError } from "./elements.js";
import { openSecret } from "./secrets.js";

/** Error codes of a cycle the provider refused for its credentials (a resource's `authError`). */
const AUTH_ERROR = /\b(oauth\.reauthorize|cycle\.auth)\b/;

/**
 * @param {{pool: import("pg").Pool, boss: any, key: Buffer, log: (o: object) => void}} deps
 */
export function manageRoutes({ pool, boss, key, log }) {
  async function instance(id) {
    const { rows } = await pool.query(
      `SELECT id, body, connection, paused_at, reauthorize_reason, reauthorize_at FROM ${SCHEMA}.instances WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    if (rows.length === 0) throw new ServiceError(404, `no instance ${JSON.stringify(id)}`);
    return rows[0];
  }

  async function pause(req, url, text, id) {
    await instance(id);
    // Polls queued or running finish without a successor (worker.js); nothing else changes.
    await pool.query(`UPDATE ${SCHEMA}.instances SET paused_at = COALESCE(paused_at, now()) WHERE id = $1`, [id]);
    log({ msg: "instance paused", instance: id });
    return [200, { id, paused: true }];
  }

  async function resume(req, url, text, id) {
    await instance(id);
    // Each chain starts again now: a queued job moves to now, a running cycle's successor is due
    // at once, else a new job (pollNow, in the transaction that holds the resource rows).
    const resources = await transaction(pool, async (client, db) => {
      await client.query(`UPDATE ${SCHEMA}.instances SET paused_at = NULL WHERE id = $1`, [id]);
      const { rows } = await client.query(
        `SELECT resource FROM ${SCHEMA}.resources WHERE instance_id = $1 ORDER BY resource FOR UPDATE`,
        [id],
      );
      const out = [];
      for (const { resource } of rows) {
        const what = await pollNow(boss, client, db, { instanceId: id, resource }, BOSS_SCHEMA);
        if (what === "running")
          await client.query(
            `UPDATE ${SCHEMA}.resources SET poll_requested = true WHERE instance_id = $1 AND resource = $2`,
            [id, resource],
          );
        out.push({ name: resource, poll: what });
      }
      return out;
    });
    log({ msg: "instance resumed", instance: id });
    return [200, { id, paused: false, resources }];
  }

  async function status(req, url, text, id) {
    const row = await instance(id);
    const body = JSON.parse(openSecret(row.body, key));
    const connection = row.connection ? JSON.parse(openSecret(row.connection, key)) : {};
    const { rows } = await pool.query(
      `SELECT r.resource, r.version, r.state, r.last_polled_at, r.last_error, r.progress,
         (SELECT count(*) FROM ${SCHEMA}.events e WHERE e.instance_id = r.instance_id AND e.resource = r.resource) AS events
       FROM ${SCHEMA}.resources r WHERE r.instance_id = $1 ORDER BY r.resource`,
      [id],
    );
    const jobs = await pool.query(
      `SELECT singleton_key, state, start_after FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND singleton_key = ANY($2) AND state IN ('created', 'retry', 'active')`,
      [POLL_QUEUE, rows.map((r) => pollKey(id, r.resource))],
    );
    const jobOf = (resource) => jobs.rows.filter((j) => j.singleton_key === pollKey(id, resource));
    const resources = rows.map((r) => {
      const queued = jobOf(r.resource).find((j) => j.state !== "active");
      const polling = jobOf(r.resource).some((j) => j.state === "active");
      return {
        name: r.resource,
        version: Number(r.version),
        lastPolledDate: r.last_polled_at?.toISOString() ?? null,
        nextPollDate: row.paused_at ? null : (queued?.start_after?.toISOString() ?? null),
        polling,
        // While a cycle runs: what it has read so far (pages, records, events, retries).
        progress: polling ? (r.progress ?? null) : null,
        lastError: r.last_error,
        // Its last cycle was refused for its credentials (the hub's secrets, or Keap's grant);
        // whether polling stopped for it is the instance's `needsReauthorization`.
        authError: AUTH_ERROR.test(r.last_error ?? ""),
        events: Number(r.events),
        // The state keeps it as epoch ms; shown as the instant.
        watermark: Number.isFinite(r.state?.watermark) ? new Date(r.state.watermark).toISOString() : null,
        nextRequest: nextRequest({ body, resource: r.resource, state: r.state, connection, id }),
      };
    });
    return [
      200,
      {
        id,
        name: body.name,
        element: body.element,
        paused: !!row.paused_at,
        pausedDate: row.paused_at?.toISOString() ?? null,
        // The instance's own mark, as GET /instances/{id} gives it: set when the provider refused
        // the grant (its polls stopped), cleared by a PATCH with a new providerData.code.
        needsReauthorization: row.reauthorize_reason
          ? { reason: row.reauthorize_reason, since: row.reauthorize_at.toISOString() }
          : null,
        resources,
      },
    ];
  }

  async function polls(req, url, text, id) {
    await instance(id);
    const resource = url.searchParams.get("resource");
    const limitText = url.searchParams.get("limit") ?? "50";
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 200)
      throw new ServiceError(400, "limit must be 1 to 200");
    const { rows } = await pool.query(
      `SELECT * FROM (SELECT id, resource, version, started_at, duration_ms, requests, pages, records, events, retries, throttled, error
         FROM ${SCHEMA}.polls WHERE instance_id = $1 AND ($2::text IS NULL OR resource = $2) ORDER BY id DESC LIMIT $3) p ORDER BY id`,
      [id, resource, Number(limitText)],
    );
    return [
      200,
      rows.map((p) => ({
        id: String(p.id),
        resource: p.resource,
        version: Number(p.version),
        startedDate: p.started_at.toISOString(),
        durationMs: p.duration_ms,
        requests: p.requests,
        pages: p.pages,
        records: p.records,
        events: p.events,
        retries: p.retries,
        throttled: p.throttled,
        error: p.error,
      })),
    ];
  }

  return [
    ["POST", /^\/instances\/([^/]+)\/pause$/, pause],
    ["POST", /^\/instances\/([^/]+)\/resume$/, resume],
    ["GET", /^\/instances\/([^/]+)\/status$/, status],
    ["GET", /^\/instances\/([^/]+)\/polls$/, polls],
  ];
}

/**
 * What the next poll of a resource will request first: the core's own first request from the
 * saved state (the url rendered from the watermark), without its headers (they carry the
 * credentials). A resource whose cycle cannot start says why.
 */
function nextRequest({ body, resource, state, connection, id }) {
  try {
    const cycle = new PollCycle({
      instance: body,
      resource,
      state,
      baseUrl: connection.baseUrl ?? "",
      auth: connection.auth,
      instanceId: id,
    });
    const req = cycle.nextRequest();
    return req ? { method: req.method, url: req.url } : null;
  } catch (e) {
    return { error: e instanceof PollerError ? `${e.code}: ${e.message}` : String(e?.message ?? e) };
  }
}
