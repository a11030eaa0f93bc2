// A local Cloud Elements hub for the Infusionsoft element: the hub "find" API with CEQL,
// paging headers and auth; a control API to create and update records, inject faults and
// read what the webhook receiver got. Node-only (node:http, node:crypto). This module is the
// HTTP side (routes, credentials, the fault's latency, the request log); what the hub answers
// to a read is listing.js's, pure.

import { serveSimulator } from "./serve.js";
import { parseInstant } from "./ceql.js";
import { decodeToken, hubFailure, hubRead } from "./listing.js";
import { FaultPlan } from "./faults.js";
import { ResourceTable, RESOURCE_NAMES, SCHEMAS, deriveSeed, lifecycle, pollerConfigFor, prng } from "./records.js";
import { verifyReceived } from "./receiver.js";
import { PollerError } from "../errors.js";
import {
  API_SECURITY_HEADERS,
  BodyTooLarge,
  DEFAULT_MAX_BODY_BYTES,
  checkRequest,
  corsHeaders,
  readBody,
} from "./guard.js";

/** Default credentials of the simulated hub. */
export const DEFAULT_CREDENTIALS = Object.freeze({
  user: "sim-user-secret",
  organization: "sim-organization-secret",
  element: "sim-element-token",
});

/** Default webhook signature key of the receiver. */
export const DEFAULT_SIGNATURE_KEY = "sim-signature-key";

const API_PREFIX = "/elements/api-v2";
const DEFAULT_COUNTS = { appointments: 50, contacts: 20, opportunities: 20, tasks: 20, orders: 20, transactions: 20 };
const DAY = 86400000;

/**
 * @typedef {object} HubOptions
 * @property {number} [seed=1] makes records, ids and fault draws deterministic
 * @property {string[]|Record<string, number|{count: number}>} [resources] resources and their
 *   initial record counts (default: all six; 50 appointments, 20 of each other)
 * @property {import("./faults.js").Faults} [faults]
 * @property {() => number} [now] the simulator clock, epoch ms (default Date.now)
 * @property {{user: string, organization: string, element: string}} [credentials]
 *   what the `Authorization: User u, Organization o, Element e` header must carry
 * @property {string|null} [signatureKey] key the webhook receiver verifies with; null: accept unsigned
 * @property {string} [controlPrefix="/__hub"]
 * @property {string} [baseUrl] origin the simulator is reachable at (set by startHubSimulator)
 * @property {string[]} [allowedHosts] host names (no port) accepted in `Host` besides loopback
 *   names and the host of `baseUrl` (DNS rebinding protection)
 * @property {string[]} [allowedOrigins] origins (`http://host:port`) whose pages may call the
 *   simulator; every other origin is refused (default: same origin only)
 * @property {number} [maxBodyBytes=4194304] the largest request body read (control API and webhooks)
 */

/**
 * @typedef {object} MutateOptions
 * @property {string} resource
 * @property {"create"|"update"|"delete"|"restore"} op (`delete`, `restore`: the records `id` or `ids`)
 * @property {number|string} [id] update this record
 * @property {Array<number|string>} [ids] update these records
 * @property {object} [fields] fields merged into each record
 * @property {number} [count=1] how many records to create, or to pick (deterministically) to update
 * @property {number|string} [updatedAt] stamp this updated instant instead of the clock
 *   (epoch ms or ISO; e.g. a slow transaction committing an older timestamp)
 * @property {number} [visibleAfterMs=0] the new versions become visible to queries this long after now
 */

/**
 * @typedef {object} Overlap
 * @property {"stale"|"concurrent"} kind `stale`: a request of an older cycle of the key arrived after a
 *   newer cycle of it had begun; `concurrent`: a request arrived while another of the same key was in flight
 * @property {string} key the listing: credentials (by number, never the secret), resource and tag
 * @property {number} cycle the cycle of the request that arrived
 * @property {number} other the newer cycle (`stale`), or the cycle of the request in flight (`concurrent`)
 * @property {string} url the request's url
 * @property {number} at the simulator clock
 */

/**
 * Poll cycles as a provider sees them, per key (one listing of one client: credentials and
 * resource). A first-page request opens a cycle; a next-page request belongs to the cycle whose
 * page handed out its cursor (`cursor`, from `handOut`); an item request (no cursor known) to the
 * key's latest cycle. Counted as overlaps: a request of an older cycle arriving after a newer
 * cycle of the key began, and a request arriving while another of the key is in flight (from its
 * arrival to its answer). Records only what arrives: a cycle whose client never sends another
 * request is not seen to overlap.
 * @param {() => number} clock
 */
export function cycleLedger(clock) {
  /** @type {Map<string, {latest: number, inFlight: Set<{cycle: number, url: string}>}>} */
  const keys = new Map();
  /** `key \n cursor` -> the cycle that handed the cursor out (the newest one, when several did) */
  const cursors = new Map();
  /** @type {Overlap[]} */
  const overlaps = [];
  let cycles = 0;
  let requests = 0;
  return {
    /**
     * A request of `key` arrived: `cursor` undefined for a first page, the cursor it carries for
     * a next page, null for a request that carries none (an item). Returns the request's entry;
     * call `done(entry, handOut)` when it is answered.
     * @param {string} key @param {string|null|undefined} cursor @param {string} url
     */
    begin(key, cursor, url) {
      let k = keys.get(key);
      if (!k) keys.set(key, (k = { latest: 0, inFlight: new Set() }));
      requests++;
      let cycle;
      if (cursor === undefined) cycle = k.latest = ++cycles;
      else cycle = (cursor === null ? undefined : cursors.get(`${key}\n${cursor}`)) ?? k.latest;
      const at = clock();
      if (cycle < k.latest) overlaps.push({ kind: "stale", key, cycle, other: k.latest, url, at });
      for (const other of k.inFlight) overlaps.push({ kind: "concurrent", key, cycle, other: other.cycle, url, at });
      const entry = { key, cycle, url, at };
      k.inFlight.add(entry);
      return entry;
    },
    /** The request of `entry` was answered; `handOut`: the cursor its page gave for the next one. */
    done(entry, handOut) {
      if (!entry) return;
      keys.get(entry.key)?.inFlight.delete(entry);
      if (handOut !== undefined) cursors.set(`${entry.key}\n${handOut}`, entry.cycle);
    },
    /** What was recorded: cycles opened, requests, the overlaps, and the requests in flight now. */
    toJSON() {
      return {
        cycles,
        requests,
        overlaps: structuredClone(overlaps),
        inFlight: [...keys.values()].flatMap((k) => [...k.inFlight].map((e) => ({ ...e }))),
      };
    },
    clear() {
      keys.clear();
      cursors.clear();
      overlaps.length = 0;
      cycles = 0;
      requests = 0;
    },
  };
}

/**
 * Builds a hub simulator without a server, to mount on an existing one:
 * `if (!hub.handle(req, res)) { ...your routes... }`.
 * @param {HubOptions} [opts]
 */
export function createHubSimulator(opts = {}) {
  const seed = opts.seed ?? 1;
  const clock = opts.now ?? Date.now;
  const credentials = { ...DEFAULT_CREDENTIALS, ...(opts.credentials ?? {}) };
  const signatureKey = opts.signatureKey === undefined ? DEFAULT_SIGNATURE_KEY : opts.signatureKey;
  const control = (opts.controlPrefix ?? "/__hub").replace(/\/$/, "");
  const faults = new FaultPlan(prng(deriveSeed(seed, "faults")), opts.faults);
  const mutateRand = prng(deriveSeed(seed, "mutate"));
  let baseUrl = opts.baseUrl ?? "";
  const allowedOrigins = [...(opts.allowedOrigins ?? [])];
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const allowedHosts = () => [...(opts.allowedHosts ?? []), ...(baseUrl ? [new URL(baseUrl).hostname] : [])];
  let requestSeq = 0;
  const received = [];
  const requests = [];
  const timers = new Set();
  const ledger = cycleLedger(clock);

  /** @type {Map<string, ResourceTable>} */
  const tables = new Map();
  const counts = normalizeCounts(opts.resources);
  const start = clock();
  for (const [name, count] of Object.entries(counts)) {
    const table = new ResourceTable(name, prng(deriveSeed(seed, `records/${name}`)));
    seedTable(table, count, start);
    tables.set(name, table);
  }

  const stampNow = () => clock() + faults.skewMs;

  function table(resource) {
    const t = tables.get(resource);
    if (!t) throw hubError(404, `Unknown resource '${resource}'; known: ${[...tables.keys()].join(", ")}`);
    return t;
  }

  /** @param {MutateOptions} m */
  function mutate(m) {
    const t = table(m.resource);
    const now = clock();
    const stamp =
      m.updatedAt === undefined
        ? stampNow()
        : typeof m.updatedAt === "number"
          ? m.updatedAt
          : parseInstant(m.updatedAt);
    if (stamp === undefined || Number.isNaN(stamp)) throw hubError(400, `updatedAt is not an instant: ${m.updatedAt}`);
    const visibleAt = now + (m.visibleAfterMs ?? 0);
    const fields = m.fields ?? {};
    if (m.op === "delete" || m.op === "restore") {
      // Deletes, and the same ids back: what reconciliation (DELETED events) is tested against.
      const ids = m.id !== undefined ? [m.id] : (m.ids ?? []);
      const r = lifecycle(t, m.op, ids, { stamp, at: now, visibleAt });
      if ("missing" in r)
        throw hubError(404, `No ${m.op === "delete" ? "" : "deleted "}${m.resource} record with id ${r.missing}`);
      return r.records;
    }
    if (m.op === "create") {
      const out = [];
      for (let i = 0; i < (m.count ?? 1); i++) {
        out.push(t.create({ created: stamp, at: now, visibleAt, fields }).record);
      }
      return structuredClone(out);
    }
    if (m.op === "update") {
      let ids;
      if (m.id !== undefined) ids = [m.id];
      else if (m.ids) ids = m.ids;
      else {
        const all = t.ids();
        const n = Math.min(m.count ?? 1, all.length);
        ids = [];
        while (ids.length < n) {
          const pick = all[Math.floor(mutateRand() * all.length)];
          if (!ids.includes(pick)) ids.push(pick);
        }
      }
      const out = [];
      for (const id of ids) {
        const v = t.update(Number(id), { updated: stamp, at: now, visibleAt, fields });
        if (!v) throw hubError(404, `No ${m.resource} record with id ${id}`);
        out.push(v.record);
      }
      return structuredClone(out);
    }
    throw hubError(400, `op must be "create", "update", "delete" or "restore", not ${JSON.stringify(m.op)}`);
  }

  function nextRequestId() {
    return `sim-${seed}-${(++requestSeq).toString(16).padStart(6, "0")}`;
  }

  function send(res, status, body, headers = {}) {
    if (res.destroyed) return;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json;charset=UTF-8",
      "content-length": Buffer.byteLength(text),
      ...API_SECURITY_HEADERS,
      ...corsHeaders(res.req, allowedOrigins),
      ...headers,
    });
    res.end(text);
  }

  function later(ms) {
    if (!ms) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(entry);
        resolve();
      }, ms);
      const entry = { t, resolve };
      timers.add(entry);
    });
  }

  /** Writes a reply of `listing.js`: an `abort` one dies after its half body. */
  function reply(res, r) {
    if (!r.abort) return send(res, r.status, r.body, r.headers);
    if (res.destroyed) return;
    res.writeHead(r.status, {
      "content-type": "application/json;charset=UTF-8",
      ...API_SECURITY_HEADERS,
      ...corsHeaders(res.req, allowedOrigins),
      ...r.headers,
    });
    res.write(r.body);
    setImmediate(() => res.destroy());
  }

  // The HTTP side of the hub API: routing, credentials, the fault and its latency, the log.
  // What the hub answers is `hubRead`'s (listing.js).
  async function handleHub(req, res, url) {
    const rest = url.pathname.slice(API_PREFIX.length);
    const m = /^\/hubs\/crm\/([^/]+)(?:\/([^/]+))?\/?$/.exec(rest);
    const requestId = nextRequestId();
    const log = { at: clock(), method: req.method, url: req.url, status: 0, fault: "none" };
    requests.push(log);
    const answer = (r) => {
      log.status = r.status;
      const returned = r.headers["elements-returned-count"];
      if (returned !== undefined) log.returned = Number(returned);
      reply(res, r);
    };
    const fail = (status, message) => answer(hubFailure({ dateMs: stampNow(), requestId }, status, message));
    if (!m) return fail(404, `No hub resource at ${url.pathname}`);
    if (req.method !== "GET") return fail(405, `Method ${req.method} is not supported by the simulator`);
    if (!authorized(req.headers.authorization, credentials)) {
      return fail(401, "Invalid Organization or User secret, or invalid Element token provided.");
    }
    const t = tables.get(decodeURIComponent(m[1]));
    if (!t) return fail(404, `Unknown resource '${m[1]}'; known: ${[...tables.keys()].join(", ")}`);

    // The cycle this request is part of (cycleLedger): the listing is the resource and any
    // query parameter besides the paging and the where clause (a tag a test gives each
    // instance: the hub's credentials are the same for every instance of a service); a next
    // page belongs to the cycle its token names (the cycle is written into the tokens handed out).
    const tag = [...url.searchParams].filter(([k]) => !["where", "pageSize", "nextPage"].includes(k));
    const key = `${t.name}${tag.length ? `?${new URLSearchParams(tag)}` : ""}`;
    const token = url.searchParams.get("nextPage");
    const entry = ledger.begin(key, m[2] !== undefined ? null : token ? token : undefined, req.url ?? "");
    const fault = faults.draw();
    log.fault = fault.fault;
    try {
      await later(fault.latencyMs);
      if (res.destroyed) return;
      const query = { id: m[2] === undefined ? undefined : decodeURIComponent(m[2]), params: url.searchParams };
      const r = hubRead(t, query, { now: clock(), dateMs: stampNow(), fault, requestId });
      const next = r.headers["elements-next-page-token"];
      let handOut;
      if (next !== undefined) {
        handOut = Buffer.from(JSON.stringify({ o: decodeToken(next), c: entry.cycle })).toString("base64url");
        r.headers = { ...r.headers, "elements-next-page-token": handOut };
      }
      ledger.done(entry, handOut);
      answer(r);
    } finally {
      ledger.done(entry);
    }
  }

  async function handleWebhook(req, res, url) {
    const raw = await readBody(req, maxBodyBytes);
    const text = raw.toString("utf8");
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = null;
    }
    const check = signatureKey === null ? null : verifyReceived(raw, req.headers, signatureKey, clock());
    const verified = check && check.verified;
    let status = 200,
      retryAfter;
    if (verified === false) status = 401;
    else ({ status, retryAfter } = faults.drawWebhook());
    received.push({
      seq: received.length + 1,
      at: clock(),
      method: req.method,
      path: url.pathname.slice(control.length),
      headers: { ...req.headers },
      // A refused notification's body is not kept: a stranger's POSTs must not fill memory.
      body: verified === false ? null : body,
      rawBody: verified === false ? null : text,
      verified,
      ...(check?.code ? { verifyError: check.code } : {}),
      webhookId: req.headers["elements-webhook-id"] ?? null,
      status,
    });
    const extra = retryAfter !== undefined ? { "retry-after": String(retryAfter) } : {};
    send(res, status, status === 401 ? { message: "Invalid webhook signature", code: check.code } : { status }, extra);
  }

  async function handleControl(req, res, url) {
    const path = url.pathname.slice(control.length).replace(/\/$/, "") || "/";
    const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
    const method = req.method;
    const json = async () => {
      const raw = await readBody(req, maxBodyBytes);
      if (raw.length === 0) return {};
      try {
        return JSON.parse(raw.toString("utf8"));
      } catch {
        throw hubError(400, "The request body is not JSON");
      }
    };
    if (parts[0] === "webhook" && method === "POST") return handleWebhook(req, res, url);
    if (parts.length === 0 && method === "GET") return send(res, 200, info());
    if (parts.length === 1) {
      const [what] = parts;
      if (what === "faults") {
        if (method === "GET") return send(res, 200, faults.toJSON());
        if (method === "POST" || method === "PUT") {
          const body = await json();
          if (method === "PUT") faults.clear();
          faults.set(body);
          return send(res, 200, faults.toJSON());
        }
        if (method === "DELETE") {
          faults.clear();
          return send(res, 200, faults.toJSON());
        }
      }
      if (what === "received") {
        if (method === "GET") return send(res, 200, received);
        if (method === "DELETE") {
          received.length = 0;
          return send(res, 200, []);
        }
      }
      if (what === "cycles") {
        if (method === "GET") return send(res, 200, ledger.toJSON());
        if (method === "DELETE") {
          ledger.clear();
          return send(res, 200, ledger.toJSON());
        }
      }
      if (what === "requests") {
        if (method === "GET") return send(res, 200, requests);
        if (method === "DELETE") {
          requests.length = 0;
          return send(res, 200, []);
        }
      }
      if (what === "mutate" && method === "POST") return send(res, 200, { records: mutate(await json()) });
      if (method === "GET") return send(res, 200, records(what));
      if (method === "POST")
        return send(res, 201, { records: mutate({ ...(await json()), resource: what, op: "create" }) });
    }
    if (parts.length === 2) {
      const [resource, second] = parts;
      if (second === "versions" && method === "GET") return send(res, 200, versions(resource));
      if (second === "update" && method === "POST")
        return send(res, 200, { records: mutate({ ...(await json()), resource, op: "update" }) });
      if (method === "PATCH" || method === "PUT") {
        const body = await json();
        const patch = body.fields ? body : { fields: body };
        return send(res, 200, mutate({ ...patch, resource, op: "update", id: second }).at(0));
      }
      if (method === "DELETE") return send(res, 200, mutate({ resource, op: "delete", id: second }).at(0));
      if (method === "GET") {
        const rec = records(resource).find((r) => String(r[table(resource).schema.idField]) === second);
        return rec ? send(res, 200, rec) : send(res, 404, { message: `No ${resource} record with id ${second}` });
      }
    }
    send(res, 404, { message: `No control route ${method} ${url.pathname}` });
  }

  function info() {
    return {
      url: baseUrl,
      baseUrl: baseUrl + API_PREFIX,
      webhookUrl: baseUrl + control + "/webhook",
      authorization: authorizationHeader(credentials),
      resources: [...tables.keys()],
      pollerConfiguration: Object.fromEntries([...tables.keys()].map((r) => [r, pollerConfigFor(r)])),
      now: clock(),
      seed,
    };
  }

  function records(resource) {
    return structuredClone(
      table(resource)
        .latest()
        .map((v) => v.record),
    );
  }

  function versions(resource) {
    return table(resource).versions();
  }

  /**
   * Handles a request if it is for the hub API or the control API.
   * @param {import("node:http").IncomingMessage} req
   * @param {import("node:http").ServerResponse} res
   * @returns {boolean} true if the simulator took the request
   */
  function handle(req, res) {
    let url;
    try {
      url = new URL(req.url ?? "/", "http://sim.local");
    } catch {
      return false; // not a path this simulator serves; the host server answers it
    }
    const isHub = url.pathname === API_PREFIX || url.pathname.startsWith(API_PREFIX + "/");
    const isControl = url.pathname === control || url.pathname.startsWith(control + "/");
    if (!isHub && !isControl) return false;
    const refused = checkRequest(req, { allowedHosts: allowedHosts(), allowedOrigins });
    if (refused) {
      req.resume();
      send(res, refused.status, { message: refused.message }, { connection: "close" });
      return true;
    }
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        ...API_SECURITY_HEADERS,
        ...corsHeaders(req, allowedOrigins),
        "access-control-max-age": "600",
      });
      res.end();
      return true;
    }
    const work = isHub ? handleHub(req, res, url) : handleControl(req, res, url);
    work.catch((e) => {
      if (e instanceof BodyTooLarge) send(res, 413, { message: e.message }, { connection: "close" });
      else if (e instanceof URIError) send(res, 400, { message: `Bad percent-encoding in ${JSON.stringify(req.url)}` });
      else if (e && e.hubStatus) send(res, e.hubStatus, { message: e.message });
      else send(res, 500, { message: `Simulator error: ${e?.message ?? e}` });
    });
    return true;
  }

  const sim = {
    handle,
    mutate,
    versions,
    records,
    /** @param {import("./faults.js").Faults} f merges into the current faults */
    setFaults: (f) => faults.set(f),
    clearFaults: () => faults.clear(),
    faults: () => faults.toJSON(),
    received: () => structuredClone(received),
    clearReceived: () => {
      received.length = 0;
    },
    requests: () => structuredClone(requests),
    clearRequests: () => {
      requests.length = 0;
    },
    /** The poll cycles the hub saw, per listing, and their overlaps (cycleLedger). */
    cycles: () => ledger.toJSON(),
    clearCycles: () => ledger.clear(),
    /** The simulator clock including clock skew: what it stamps on records. */
    now: () => stampNow(),
    pollerConfig: pollerConfigFor,
    info,
    credentials,
    signatureKey,
    authorization: authorizationHeader(credentials),
    resources: [...tables.keys()],
    /** @param {string} origin e.g. `http://127.0.0.1:5173`, where `handle` is mounted */
    setBaseUrl(origin) {
      baseUrl = origin.replace(/\/$/, "");
    },
    get url() {
      return baseUrl;
    },
    get baseUrl() {
      return baseUrl + API_PREFIX;
    },
    get webhookUrl() {
      return baseUrl + control + "/webhook";
    },
    get controlUrl() {
      return baseUrl + control;
    },
    /** Cancels pending delayed responses. */
    dispose() {
      for (const entry of timers) {
        clearTimeout(entry.t);
        entry.resolve();
      }
      timers.clear();
    },
  };
  return sim;
}

/**
 * Starts a hub simulator on its own `node:http` server.
 * @param {HubOptions & {port?: number, host?: string}} [opts]
 */
export async function startHubSimulator(opts = {}) {
  const { port = 0, host = "127.0.0.1", ...rest } = opts;
  const sim = createHubSimulator(rest);
  return serveSimulator(
    sim,
    (req, res) => {
      const hint = req.url?.startsWith("/hubs/")
        ? `; the hub API lives under ${API_PREFIX} (use the simulator's baseUrl)`
        : "";
      res.writeHead(404, { "content-type": "application/json", ...API_SECURITY_HEADERS });
      res.end(JSON.stringify({ message: `Not found: ${req.url}${hint}` }));
    },
    { port, host },
  );
}

function normalizeCounts(resources) {
  if (resources === undefined) return { ...DEFAULT_COUNTS };
  const out = {};
  const entries = Array.isArray(resources) ? resources.map((r) => [r, DEFAULT_COUNTS[r]]) : Object.entries(resources);
  for (const [name, v] of entries) {
    if (!SCHEMAS[name]) throw new TypeError(`Unknown resource '${name}'; known: ${RESOURCE_NAMES.join(", ")}`);
    out[name] = typeof v === "number" ? v : (v?.count ?? DEFAULT_COUNTS[name]);
  }
  return out;
}

/** Initial records: created over the last 30 days, some updated since, some sharing an instant. */
function seedTable(table, count, now) {
  const rand = table.rand;
  const created = [];
  for (let i = 0; i < count; i++) created.push(now - DAY - Math.floor(rand() * 29 * DAY));
  created.sort((a, b) => a - b);
  let prevUpdated;
  for (const c of created) {
    let updated = c;
    const r = rand();
    if (r < 0.15 && prevUpdated !== undefined && prevUpdated >= c)
      updated = prevUpdated; // shares an instant
    else if (r < 0.65) updated = c + Math.floor(rand() * (now - 60000 - c));
    prevUpdated = updated;
    table.create({ created: c, updated, at: now, visibleAt: now });
  }
}

/** @param {{user: string, organization: string, element: string}} c */
export function authorizationHeader(c) {
  return `User ${c.user}, Organization ${c.organization}, Element ${c.element}`;
}

function authorized(header, c) {
  if (typeof header !== "string") return false;
  const parts = {};
  for (const piece of header.split(",")) {
    const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(piece);
    if (!m) return false;
    parts[m[1].toLowerCase()] = m[2];
  }
  return parts.user === c.user && parts.organization === c.organization && parts.element === c.element;
}

/** Errors of the simulator's own API: a PollerError (`hub.not-found`, `hub.bad-request`) with the HTTP status. */
function hubError(status, message) {
  const e = /** @type {PollerError & {hubStatus?: number}} */ (
    new PollerError(status === 404 ? "hub.not-found" : "hub.bad-request", message)
  );
  e.hubStatus = status;
  return e;
}
