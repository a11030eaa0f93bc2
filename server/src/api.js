// The HTTP API, the seed's: Authorization `User <secret>, Organization <secret>`; instances,
// their events, polls on demand, deliveries; /healthz and /metrics. Every route is served at
// its path and under the platform's `/elements/api-v2` (API_PREFIX), so the seed's cURL works
// with only the host changed. Domain rules are the
// library's: the body is judged by validateConfig, secrets masked by redactSecrets, the
// resources and interval read by pollers and refreshIntervalMs.
import { randomBytes, randomUUID, createHash } from "node:crypto";
import { validateConfig, normalizeConfig, redactSecrets, pollers, pollerApi, refreshIntervalMs } from "elements-poller";
import { SCHEMA, transaction } from "./db.js";
import { sendPoll, sendDelivery, pollNow, BOSS_SCHEMA } from "./jobs.js";
import { connectInstance, ServiceError } from "./elements.js";
import { sealSecret, openSecret, hashToken, sameSecret } from "./secrets.js";
import { oauthUrlRoutes } from "./oauth-url.js";
import { manageRoutes } from "./manage.js";

const MAX_BODY = 1024 * 1024;

/**
 * @param {{pool: import("pg").Pool, boss: any, metrics: any, options: any, log: (o: object) => void, key: Buffer}} deps
 * @returns {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void}
 */
export function createApi({ pool, boss, metrics, options, log, key }) {
  const { userSecret, organizationSecret } = options.api;
  const intervalOf = (body) => options.intervalMs ?? refreshIntervalMs(body);

  const routes = [
    ["GET", /^\/healthz$/, healthz, false],
    ["GET", /^\/metrics$/, metricsText, false],
    ["POST", /^\/instances$/, createInstance],
    ["GET", /^\/instances$/, listInstances],
    ["GET", /^\/instances\/([^/]+)$/, getInstance],
    ["PATCH", /^\/instances\/([^/]+)$/, patchInstance],
    ["DELETE", /^\/instances\/([^/]+)$/, deleteInstance],
    ["POST", /^\/instances\/([^/]+)\/poll$/, pollInstance],
    ["POST", /^\/instances\/([^/]+)\/reconcile$/, (req, url, text, id) => pollInstance(req, url, text, id, true)],
    ["GET", /^\/instances\/([^/]+)\/events$/, listEvents],
    ["GET", /^\/deliveries$/, listDeliveries],
    ["PUT", /^\/deliveries\/(\d+)$/, redeliver],
    ...oauthUrlRoutes(options),
    ...manageRoutes({ pool, boss, key, log }),
  ];

  async function healthz() {
    await pool.query("SELECT 1");
    return [200, { status: "ok", role: options.role }];
  }

  async function metricsText() {
    return [200, await metrics.register.metrics(), metrics.register.contentType];
  }

  /** The Authorization header's parts, or undefined when User and Organization are not both right. */
  function credentials(req) {
    const parts = {};
    for (const piece of String(req.headers.authorization ?? "").split(",")) {
      const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(piece);
      if (m) parts[m[1].toLowerCase()] = m[2];
    }
    // Both compared, always: which one was wrong is not told by the time it takes.
    const user = sameSecret(parts.user ?? "", userSecret);
    const org = sameSecret(parts.organization ?? "", organizationSecret);
    return user && org ? parts : undefined;
  }

  /**
   * The instance an `Element <token>` names (as the platform's hub calls do: User and
   * Organization say who calls, Element which instance), or null for an unknown or deleted
   * one. Looked up by the token's hash: the token itself is never stored.
   */
  async function elementScope(token) {
    const { rows } = await pool.query(
      `SELECT id FROM ${SCHEMA}.instances WHERE token_hash = $1 AND deleted_at IS NULL`,
      [hashToken(token)],
    );
    return rows[0]?.id ?? null;
  }

  /** The instance a request is scoped to (its Element token), or undefined for the whole organization. */
  const scopeOf = (req) => scopes.get(req);
  const scopes = new WeakMap();

  /** The validator's 400 for a body with errors, or undefined when it has none. */
  function invalid(text, what = "the instance body") {
    const verdict = validateConfig(text);
    if (verdict.ok) return undefined;
    const n = verdict.diagnostics.filter((d) => d.severity === "error").length;
    return [400, { message: `${what} has ${n} error${n === 1 ? "" : "s"}`, diagnostics: verdict.diagnostics }];
  }

  async function createInstance(req, url, text) {
    const refused = invalid(text);
    if (refused) return refused;
    const body = normalizeConfig(text);
    const id = randomUUID();
    // A direct instance's grant code is exchanged here, before anything is stored: a refused
    // code is the caller's 400 and leaves no instance behind.
    const { connection, tokens } = await connectInstance(body, options, { instanceId: id });
    const token = randomBytes(32).toString("base64url");
    const createdDate = new Date();
    const resources = pollers(body).map((p) => p.name);
    const interval = intervalOf(body);
    await transaction(pool, async (client, db) => {
      await client.query(
        `INSERT INTO ${SCHEMA}.instances (id, name, element, body, connection, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          body.name,
          body.element?.key ?? "",
          sealSecret(JSON.stringify(body), key),
          sealSecret(JSON.stringify(connection), key),
          hashToken(token),
          createdDate,
        ],
      );
      if (tokens !== undefined)
        await client.query(`INSERT INTO ${SCHEMA}.oauth_tokens (instance_id, value) VALUES ($1, $2)`, [
          id,
          sealSecret(tokens, key),
        ]);
      for (const resource of resources) {
        await client.query(`INSERT INTO ${SCHEMA}.resources (instance_id, resource) VALUES ($1, $2)`, [id, resource]);
        // First polls spread over the interval, by a hash of the key: a thousand instances
        // created at once do not all poll at once.
        await sendPoll(boss, db, { instanceId: id, resource }, createdDate.getTime() + spread(id, resource, interval));
      }
    });
    log({ msg: "instance created", instance: id, resources: resources.length });
    return [200, { id, token, ...view({ id, body, created_at: createdDate }) }];
  }

  function view(row) {
    const body = row.body ?? JSON.parse(openSecret(row.sealed, key));
    const masked = redactSecrets(body);
    return {
      id: row.id,
      name: masked.name,
      element: masked.element,
      configuration: masked.configuration,
      createdDate: new Date(row.created_at).toISOString(),
    };
  }

  async function listInstances(req) {
    const { rows } = await pool.query(
      `SELECT id, body AS sealed, created_at FROM ${SCHEMA}.instances WHERE deleted_at IS NULL AND ($1::text IS NULL OR id = $1) ORDER BY created_at, id`,
      [scopeOf(req) ?? null],
    );
    return [200, rows.map(view)];
  }

  async function instanceRow(id) {
    const { rows } = await pool.query(
      `SELECT id, body AS sealed, created_at, reauthorize_reason, reauthorize_at FROM ${SCHEMA}.instances WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    if (rows.length === 0) throw new ServiceError(404, `no instance ${JSON.stringify(id)}`);
    return rows[0];
  }

  async function getInstance(req, url, text, id) {
    const row = await instanceRow(id);
    const { rows } = await pool.query(
      `SELECT resource, version, last_polled_at, last_error FROM ${SCHEMA}.resources WHERE instance_id = $1 ORDER BY resource`,
      [id],
    );
    return [
      200,
      {
        ...view(row),
        // The provider refused the grant: polls stopped until a PATCH gives a new providerData.code.
        needsReauthorization: row.reauthorize_reason
          ? { reason: row.reauthorize_reason, since: row.reauthorize_at.toISOString() }
          : null,
        resources: rows.map((r) => ({
          name: r.resource,
          version: Number(r.version),
          lastPolledDate: r.last_polled_at?.toISOString() ?? null,
          lastError: r.last_error,
        })),
      },
    ];
  }

  // PATCH: a JSON merge patch (RFC 7396) over the stored body: objects merge key by key, null
  // removes a key, anything else replaces it; a secret sent back as its mask (a GET's body
  // patched and sent) keeps the stored secret. The merged body is validated as a POST's is.
  // A resource whose datesConfiguration changed restarts from now (its old watermark is in the
  // old fields' terms); one added starts from now; one removed stops. Its cycle in flight is
  // fenced by the version: its outcome is refused.
  async function patchInstance(req, url, text, id) {
    let patch;
    try {
      patch = JSON.parse(text);
    } catch {
      patch = undefined;
    }
    if (!isObject(patch))
      throw new ServiceError(400, "a PATCH body is a JSON object: the fields to change (null removes one)");
    const out = await transaction(pool, async (client, db) => {
      const { rows } = await client.query(
        `SELECT id, body AS sealed, created_at FROM ${SCHEMA}.instances WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`,
        [id],
      );
      if (rows.length === 0) throw new ServiceError(404, `no instance ${JSON.stringify(id)}`);
      const before = JSON.parse(openSecret(rows[0].sealed, key));
      const merged = mergePatch(before, unmask(patch, before, redactSecrets(before)));
      const mergedText = JSON.stringify(merged);
      const refused = invalid(mergedText, "the patched instance body");
      if (refused) return refused;
      const body = normalizeConfig(mergedText);
      for (const [what, of] of [
        ["element.key", (b) => b.element?.key],
        ["configuration.event.poller.api", pollerApi],
      ])
        if (of(body) !== of(before))
          throw new ServiceError(
            400,
            `${what} cannot change (its provider connection would not match): create a new instance`,
          );
      const now = new Date();
      // A new grant code (the user consented again): exchanged now, and the instance's polls
      // start again if the provider had refused its grant.
      const code = body.providerData?.code;
      const reauthorized = pollerApi(body) === "direct" && code !== before.providerData?.code;
      if (reauthorized) {
        const { tokens } = await connectInstance(body, options, { instanceId: id });
        await client.query(
          `INSERT INTO ${SCHEMA}.oauth_tokens (instance_id, value) VALUES ($1, $2)
           ON CONFLICT (instance_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
          [id, sealSecret(/** @type {string} */ (tokens), key)],
        );
        await client.query(
          `UPDATE ${SCHEMA}.instances SET reauthorize_reason = NULL, reauthorize_at = NULL WHERE id = $1`,
          [id],
        );
      }
      const old = new Map(pollers(before).map((p) => [p.name, p]));
      const next = new Map(pollers(body).map((p) => [p.name, p]));
      const added = [...next.keys()].filter((n) => !old.has(n));
      const removed = [...old.keys()].filter((n) => !next.has(n));
      const restarted = [];
      for (const [name, p] of next) {
        if (!old.has(name)) continue;
        const changed = changedKeys(old.get(name).datesConfiguration, p.datesConfiguration);
        if (changed.length)
          restarted.push({
            name,
            reason: `datesConfiguration changed (${changed.join(", ")}): the saved watermark was in the old fields' terms`,
          });
      }
      await client.query(`UPDATE ${SCHEMA}.instances SET body = $2, name = $3 WHERE id = $1`, [
        id,
        sealSecret(JSON.stringify(body), key),
        body.name,
      ]);
      if (removed.length)
        // The chain of a removed resource ends: its next job finds no row and sends no successor.
        await client.query(`DELETE FROM ${SCHEMA}.resources WHERE instance_id = $1 AND resource = ANY($2)`, [
          id,
          removed,
        ]);
      for (const { name } of restarted) {
        // The version moves on: a cycle in flight with the old configuration cannot commit.
        await client.query(
          `UPDATE ${SCHEMA}.resources SET state = NULL, version = version + 1, start_from = $3, last_error = NULL
           WHERE instance_id = $1 AND resource = $2`,
          [id, name, now],
        );
        // Polled now, from the PATCH's instant: the chain's queued job (due up to an interval
        // away) moved to now, else one sent, beside the fenced cycle in flight if there is one
        // (stately: one queued beside one active), which keeps the chain when that is its only job.
        await pollNow(boss, client, db, { instanceId: id, resource: name, fenced: true }, BOSS_SCHEMA);
      }
      if (reauthorized)
        for (const name of next.keys())
          if (old.has(name)) await sendPoll(boss, db, { instanceId: id, resource: name }, now.getTime());
      for (const name of added) {
        await client.query(
          `INSERT INTO ${SCHEMA}.resources (instance_id, resource, start_from) VALUES ($1, $2, $3)
           ON CONFLICT (instance_id, resource) DO UPDATE SET state = NULL, version = ${SCHEMA}.resources.version + 1, start_from = $3`,
          [id, name, now],
        );
        // Fenced too: a resource removed and added again may still have its old chain's job.
        await pollNow(boss, client, db, { instanceId: id, resource: name, fenced: true }, BOSS_SCHEMA);
      }
      return [
        200,
        {
          ...view({ id, body, created_at: rows[0].created_at }),
          resources: [...next.keys()],
          added,
          removed,
          restarted,
          reauthorized,
        },
      ];
    });
    if (out[0] === 200)
      log({
        msg: "instance patched",
        instance: id,
        added: out[1].added.length,
        removed: out[1].removed.length,
        restarted: out[1].restarted.length,
      });
    return out;
  }

  async function deleteInstance(req, url, text, id) {
    await instanceRow(id);
    // Its queued polls complete without a successor when they see the mark (worker.js).
    await transaction(pool, async (client) => {
      await client.query(`UPDATE ${SCHEMA}.instances SET deleted_at = now() WHERE id = $1`, [id]);
      // A deleted instance's provider tokens are of no more use: none is kept.
      await client.query(`DELETE FROM ${SCHEMA}.oauth_tokens WHERE instance_id = $1`, [id]);
    });
    log({ msg: "instance deleted", instance: id });
    return [200, { id, deleted: true }];
  }

  /** A poll of every resource now; `reconcile`: each lists in full and reports DELETED. */
  async function pollInstance(req, url, text, id, reconcile = false) {
    const row = await instanceRow(id);
    if (row.reauthorize_reason)
      throw new ServiceError(
        409,
        "the instance needs re-authorization (see needsReauthorization): PATCH it with a new providerData.code",
      );
    const out = await transaction(pool, async (client, db) => {
      const { rows } = await client.query(
        `SELECT resource FROM ${SCHEMA}.resources WHERE instance_id = $1 ORDER BY resource FOR UPDATE`,
        [id],
      );
      const result = [];
      for (const { resource } of rows) {
        const what = await pollNow(boss, client, db, { instanceId: id, resource, reconcile }, BOSS_SCHEMA);
        if (what === "running")
          await client.query(
            `UPDATE ${SCHEMA}.resources SET poll_requested = true WHERE instance_id = $1 AND resource = $2`,
            [id, resource],
          );
        result.push({ name: resource, poll: what });
      }
      return result;
    });
    return [202, { id, resources: out }];
  }

  async function listEvents(req, url, text, id) {
    await instanceRow(id);
    const limit = pageSize(url);
    const before = url.searchParams.get("before");
    if (before !== null && !/^\d+$/.test(before))
      throw new ServiceError(400, "before must be an event id (a whole number)");
    const { rows } = await pool.query(
      `SELECT id, resource, event, created_at FROM ${SCHEMA}.events
       WHERE instance_id = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [id, before, limit],
    );
    const events = rows.map((r) => ({
      id: String(r.id),
      resource: r.resource,
      createdDate: r.created_at.toISOString(),
      ...r.event,
    }));
    return [200, { events, next: rows.length === limit ? String(rows[rows.length - 1].id) : null }];
  }

  async function listDeliveries(req, url) {
    const status = url.searchParams.get("status");
    if (status !== null && !["queued", "dead", "delivered"].includes(status))
      throw new ServiceError(400, "status must be queued, dead or delivered");
    const instance = scopeOf(req) ?? url.searchParams.get("instance");
    if (scopeOf(req) && ![null, instance].includes(url.searchParams.get("instance")))
      throw new ServiceError(404, `no instance ${JSON.stringify(url.searchParams.get("instance"))}`);
    const limit = pageSize(url);
    // Newest first, a page at a time: the next page is `before=` the last id of this one (a
    // page shorter than the limit is the last). Ids only grow, so a page never repeats a row.
    const before = url.searchParams.get("before");
    if (before !== null && !/^\d+$/.test(before))
      throw new ServiceError(400, "before must be a delivery id (a whole number)");
    const { rows } = await pool.query(
      `SELECT id, instance_id, resource, request, state, status, last_error, created_at, updated_at FROM ${SCHEMA}.deliveries
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR instance_id = $2) AND ($4::bigint IS NULL OR id < $4)
       ORDER BY id DESC LIMIT $3`,
      [status, instance, limit, before],
    );
    return [200, rows.map(deliveryView)];
  }

  async function redeliver(req, url, text, id) {
    const now = Date.now();
    const row = await transaction(pool, async (client, db) => {
      const { rows } = await client.query(
        `UPDATE ${SCHEMA}.deliveries SET status = 'queued', state = $2, last_error = NULL, updated_at = now()
         WHERE id = $1 AND ($3::text IS NULL OR instance_id = $3) RETURNING id, instance_id, resource, request, state, status, last_error, created_at, updated_at`,
        [id, JSON.stringify({ attempts: 0, nextAttemptAt: now }), scopeOf(req) ?? null],
      );
      if (rows.length === 0) throw new ServiceError(404, `no delivery ${id}`);
      await sendDelivery(boss, db, id, now);
      return rows[0];
    });
    return [200, deliveryView(row)];
  }

  function deliveryView(r) {
    let eventIds = [];
    try {
      eventIds = (JSON.parse(r.request.body).message?.events ?? []).map((e) => e.eventId).filter(Boolean);
    } catch {
      // a body that is not the envelope: no ids to show
    }
    return {
      id: String(r.id),
      instanceId: r.instance_id,
      resource: r.resource,
      status: r.status,
      attempts: r.state.attempts ?? 0,
      nextAttemptDate: r.status === "queued" ? new Date(r.state.nextAttemptAt).toISOString() : null,
      lastStatus: r.state.lastStatus ?? null,
      lastError: r.last_error,
      eventIds,
      createdDate: r.created_at.toISOString(),
      updatedDate: r.updated_at.toISOString(),
    };
  }

  return (req, res) => {
    handle(req, res).catch((e) => {
      log({
        msg: "request failed",
        method: req.method,
        path: new URL(req.url, "http://x").pathname,
        error: String(e?.message ?? e),
      });
      if (!res.headersSent) send(res, 500, { message: "internal error" });
    });
  };

  async function handle(req, res) {
    const url = new URL(req.url ?? "/", "http://localhost");
    const path = routePath(url.pathname);
    const route = routes.find(([m, re]) => re.test(path) && m === req.method);
    if (!route) {
      const known = routes.some(([, re]) => re.test(path));
      return send(res, known ? 405 : 404, { message: known ? `${req.method} is not allowed here` : "not found" });
    }
    const [, re, fn, needsAuth = true] = route;
    let params;
    try {
      params = re.exec(path).slice(1).map(decodeURIComponent);
    } catch {
      return send(res, 400, { message: "the path has a bad percent-encoding" });
    }
    if (needsAuth) {
      const parts = credentials(req);
      if (!parts)
        return send(res, 401, {
          message:
            "Authorization must be: User <secret>, Organization <secret> (and Element <instance token> for one instance)",
        });
      if (parts.element !== undefined) {
        const scope = await elementScope(parts.element);
        if (scope === null)
          return send(res, 401, { message: "the Element token is not an instance's (or its instance was deleted)" });
        // An instance's token reaches that instance only: another's id is not found, and it
        // cannot create instances.
        if (req.method === "POST" && path === "/instances")
          return send(res, 403, { message: "an Element token is scoped to its instance: it cannot create instances" });
        if (path.startsWith("/instances/") && params[0] !== scope)
          return send(res, 404, { message: `no instance ${JSON.stringify(params[0])}` });
        scopes.set(req, scope);
      }
    }
    let text = "";
    if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH") {
      text = await readBody(req);
      if (text === undefined) return send(res, 413, { message: `the body is larger than ${MAX_BODY} bytes` });
    } else req.resume();
    try {
      const [status, payload, type] = await fn(req, url, text, ...params);
      send(res, status, payload, type);
    } catch (e) {
      if (e instanceof ServiceError) return send(res, e.status, { message: e.message });
      throw e;
    }
  }
}

/**
 * The platform's base path: its cURL commands post to `https://api.cloud-elements.com/elements/api-v2/instances`,
 * so every route is served under it too (the same handler), beside the plain path.
 */
export const API_PREFIX = "/elements/api-v2";

/** The route table's path for a request's: `pathname` without API_PREFIX. */
const routePath = (pathname) => (pathname.startsWith(`${API_PREFIX}/`) ? pathname.slice(API_PREFIX.length) : pathname);

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

/** RFC 7396: `patch` over `target`. */
function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** `patch` with every value that is the stored value's mask put back to the stored value. */
function unmask(patch, stored, masked) {
  if (!isObject(patch)) return patch;
  const out = {};
  for (const [k, v] of Object.entries(patch)) {
    const s = isObject(stored) ? stored[k] : undefined;
    const m = isObject(masked) ? masked[k] : undefined;
    if (typeof v === "string" && v === m && s !== m) out[k] = s;
    else out[k] = isObject(v) ? unmask(v, s, m) : v;
  }
  return out;
}

/** The keys whose values differ between two flat objects (dates configurations), sorted. */
function changedKeys(a = {}, b = {}) {
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
  return keys.filter((k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k]));
}

function pageSize(url) {
  const v = url.searchParams.get("limit");
  if (v === null) return 100;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000) throw new ServiceError(400, "limit must be 1 to 1000");
  return Number(v);
}

/** Up to MAX_BODY bytes as text; undefined when larger. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, payload, type = "application/json") {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(text);
}

/** An offset in [0, interval) from the key: the same instance keeps its place in the interval. */
function spread(id, resource, interval) {
  const h = createHash("sha256").update(`${id}/${resource}`).digest();
  return h.readUInt32BE(0) % interval;
}
