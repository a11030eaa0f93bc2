// The HTTP API, the seed's: Authorization `User <secret>, Organization <secret>`; instances,
// their events, polls on demand, deliveries; /healthz and /metrics. Domain rules are the
// library's: the body is judged by validateConfig, secrets masked by redactSecrets, the
// resources and interval read by pollers and refreshIntervalMs.
import { randomBytes, randomUUID, createHash } from "node:crypto";
import { validateConfig, normalizeConfig, redactSecrets, pollers, refreshIntervalMs } from "elements-poller";
import { SCHEMA, transaction } from "./db.js";
import { sendPoll, sendDelivery, pollNow, BOSS_SCHEMA } from "./jobs.js";
import { connectInstance, ServiceError } from "./elements.js";
import { sealSecret, openSecret, hashToken, sameSecret } from "./secrets.js";

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
    ["DELETE", /^\/instances\/([^/]+)$/, deleteInstance],
    ["POST", /^\/instances\/([^/]+)\/poll$/, pollInstance],
    ["POST", /^\/instances\/([^/]+)\/reconcile$/, (req, url, text, id) => pollInstance(req, url, text, id, true)],
    ["GET", /^\/instances\/([^/]+)\/events$/, listEvents],
    ["GET", /^\/deliveries$/, listDeliveries],
    ["PUT", /^\/deliveries\/(\d+)$/, redeliver],
  ];

  async function healthz() {
    await pool.query("SELECT 1");
    return [200, { status: "ok", role: options.role }];
  }

  async function metricsText() {
    return [200, await metrics.register.metrics(), metrics.register.contentType];
  }

  function authorized(req) {
    const parts = {};
    for (const piece of String(req.headers.authorization ?? "").split(",")) {
      const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(piece);
      if (m) parts[m[1].toLowerCase()] = m[2];
    }
    // Both compared, always: which one was wrong is not told by the time it takes.
    const user = sameSecret(parts.user ?? "", userSecret);
    const org = sameSecret(parts.organization ?? "", organizationSecret);
    return user && org;
  }

  async function createInstance(req, url, text) {
    const verdict = validateConfig(text);
    if (!verdict.ok) {
      const n = verdict.diagnostics.filter((d) => d.severity === "error").length;
      return [
        400,
        { message: `the instance body has ${n} error${n === 1 ? "" : "s"}`, diagnostics: verdict.diagnostics },
      ];
    }
    const body = normalizeConfig(text);
    const connection = await connectInstance(body, options);
    const id = randomUUID();
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

  async function listInstances() {
    const { rows } = await pool.query(
      `SELECT id, body AS sealed, created_at FROM ${SCHEMA}.instances WHERE deleted_at IS NULL ORDER BY created_at, id`,
    );
    return [200, rows.map(view)];
  }

  async function instanceRow(id) {
    const { rows } = await pool.query(
      `SELECT id, body AS sealed, created_at FROM ${SCHEMA}.instances WHERE id = $1 AND deleted_at IS NULL`,
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
        resources: rows.map((r) => ({
          name: r.resource,
          version: Number(r.version),
          lastPolledDate: r.last_polled_at?.toISOString() ?? null,
          lastError: r.last_error,
        })),
      },
    ];
  }

  async function deleteInstance(req, url, text, id) {
    await instanceRow(id);
    // Its queued polls complete without a successor when they see the mark (worker.js).
    await pool.query(`UPDATE ${SCHEMA}.instances SET deleted_at = now() WHERE id = $1`, [id]);
    log({ msg: "instance deleted", instance: id });
    return [200, { id, deleted: true }];
  }

  /** A poll of every resource now; `reconcile`: each lists in full and reports DELETED. */
  async function pollInstance(req, url, text, id, reconcile = false) {
    await instanceRow(id);
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
    const instance = url.searchParams.get("instance");
    const limit = pageSize(url);
    const { rows } = await pool.query(
      `SELECT id, instance_id, resource, request, state, status, last_error, created_at, updated_at FROM ${SCHEMA}.deliveries
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR instance_id = $2) ORDER BY id LIMIT $3`,
      [status, instance, limit],
    );
    return [200, rows.map(deliveryView)];
  }

  async function redeliver(req, url, text, id) {
    const now = Date.now();
    const row = await transaction(pool, async (client, db) => {
      const { rows } = await client.query(
        `UPDATE ${SCHEMA}.deliveries SET status = 'queued', state = $2, last_error = NULL, updated_at = now()
         WHERE id = $1 RETURNING id, instance_id, resource, request, state, status, last_error, created_at, updated_at`,
        [id, JSON.stringify({ attempts: 0, nextAttemptAt: now })],
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
    const route = routes.find(([m, re]) => re.test(url.pathname) && m === req.method);
    if (!route) {
      const known = routes.some(([, re]) => re.test(url.pathname));
      return send(res, known ? 405 : 404, { message: known ? `${req.method} is not allowed here` : "not found" });
    }
    const [, re, fn, needsAuth = true] = route;
    if (needsAuth && !authorized(req))
      return send(res, 401, { message: "Authorization must be: User <secret>, Organization <secret>" });
    let text = "";
    if (req.method === "POST" || req.method === "PUT") {
      text = await readBody(req);
      if (text === undefined) return send(res, 413, { message: `the body is larger than ${MAX_BODY} bytes` });
    } else req.resume();
    try {
      const [status, payload, type] = await fn(
        req,
        url,
        text,
        ...re.exec(url.pathname).slice(1).map(decodeURIComponent),
      );
      send(res, status, payload, type);
    } catch (e) {
      if (e instanceof ServiceError) return send(res, e.status, { message: e.message });
      throw e;
    }
  }
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
