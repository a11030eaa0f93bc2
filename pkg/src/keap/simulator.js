// A faithful offline Keap (Infusionsoft REST v1) for tests and demos: the OAuth2 token
// endpoint, the v1 list endpoints with Keap's envelopes and quirks, the x-keap-product-*
// quotas, and a control API (codes, records, faults, clock). Node-only (node:http). This
// module is the HTTP side (routes, the bearer check, the quota, the fault's latency, the
// request log); what Keap answers is tokens.js's, quota.js's and listing.js's, pure.

import { serveSimulator } from "../hub/serve.js";
import { parseInstant } from "../hub/ceql.js";
import { FaultPlan } from "../hub/faults.js";
import { cycleLedger } from "../hub/simulator.js";
import { ResourceTable, deriveSeed, lifecycle, prng } from "../hub/records.js";
import { PollerError } from "../errors.js";
import {
  API_SECURITY_HEADERS,
  BodyTooLarge,
  DEFAULT_MAX_BODY_BYTES,
  checkRequest,
  corsHeaders,
  readBody,
} from "../hub/guard.js";
import { KEAP_LISTS, KEAP_RESOURCE_NAMES, keapPollerConfigFor } from "./records.js";
import { INVALID_TOKEN_FAULT, TokenServer } from "./tokens.js";
import { Quota } from "./quota.js";
import { SERVER_ERROR_BODY, keapList } from "./listing.js";
import { AUTHORIZE_PATH, consent } from "./consent.js";

/** The simulated OAuth app. */
export const DEFAULT_KEAP_CLIENT = Object.freeze({
  clientId: "sim-client-id",
  clientSecret: "sim-client-secret",
  redirectUri: "https://app.example.com/oauth/callback",
});

const API_PREFIX = "/crm/rest";
const TOKEN_PATH = "/token";
const DAY = 86400000;
const DEFAULT_COUNT = 20;

/** Keap's HTML 404 for a url it does not know (AMP test/url-not-found.html). */
const NOT_FOUND_HTML =
  "<!DOCTYPE html><html><head><title>Keap - Page Not Found</title></head><body><h1>Page Not Found</h1></body></html>";

/**
 * @typedef {object} KeapOptions
 * @property {number} [seed=1]
 * @property {string[]|Record<string, number>} [resources] lists and their initial counts (default: all seven, 20 each)
 * @property {import("../hub/faults.js").Faults} [faults] on the list endpoints, after the token and quota checks
 * @property {() => number} [now] the clock (epoch ms, default Date.now); `advanceClock` moves it further
 * @property {{clientId?: string, clientSecret?: string, redirectUri?: string}} [client] the OAuth app
 * @property {Array<{clientId: string, clientSecret: string, redirectUri: string}>} [apps] more OAuth apps
 *   beside `client`, each with its own credentials, codes, tokens and quota (Keap's budgets are per
 *   client id); the consent page is `client`'s only
 * @property {string} [app="sim123"] the Keap app name in the token's `scope`
 * @property {number} [expiresIn=86400] access-token lifetime, seconds
 * @property {import("./quota.js").QuotaLimits} [limits]
 * @property {string} [controlPrefix="/__keap"]
 * @property {string} [baseUrl] the origin (set by startKeapSimulator)
 * @property {string[]} [allowedHosts]
 * @property {string[]} [allowedOrigins]
 * @property {number} [maxBodyBytes]
 * @property {boolean} [tagLinks=false] every `next` link also carries `sim_cycle=<n>`, the cycle
 *   (`cycles()`) of the page that handed it out: two cycles of one list from the same `since`
 *   hand out the same link otherwise, and the ledger can then only give a next page to the newest
 *   of them. Keap's own links carry no such parameter.
 */

/**
 * A Keap simulator without a server: mount `keap.handle(req, res)` on your own.
 * @param {KeapOptions} [opts]
 */
export function createKeapSimulator(opts = {}) {
  const seed = opts.seed ?? 1;
  const base = opts.now ?? Date.now;
  let offsetMs = 0;
  const clock = () => base() + offsetMs;
  const client = { ...DEFAULT_KEAP_CLIENT, ...(opts.client ?? {}) };
  const control = (opts.controlPrefix ?? "/__keap").replace(/\/$/, "");
  const faults = new FaultPlan(prng(deriveSeed(seed, "keap/faults")), opts.faults);
  const apps = [client, ...(opts.apps ?? []).map((a) => ({ ...a }))];
  if (new Set(apps.map((a) => a.clientId)).size !== apps.length)
    throw new Error("every OAuth app of the Keap simulator needs a client id of its own");
  const tokens = new TokenServer({
    ...client,
    apps: apps.slice(1),
    app: opts.app ?? "sim123",
    expiresIn: opts.expiresIn ?? 86400,
    rand: prng(deriveSeed(seed, "keap/tokens")),
  });
  const quota = new Quota(opts.limits);
  const mutateRand = prng(deriveSeed(seed, "keap/mutate"));
  let baseUrl = opts.baseUrl ?? "";
  const allowedOrigins = [...(opts.allowedOrigins ?? [])];
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const allowedHosts = () => [...(opts.allowedHosts ?? []), ...(baseUrl ? [new URL(baseUrl).hostname] : [])];
  const requests = [];
  const timers = new Set();
  const ledger = cycleLedger(clock);
  // Which grant (one authorization code and the tokens refreshed from it: one instance of a
  // client) each access and refresh token belongs to, for the ledger's keys; and every secret
  // the simulator issued (codes, access and refresh tokens), for a test that looks for leaks.
  /** @type {Map<string, number>} */
  const grantOf = new Map();
  let grants = 0;
  /** @type {string[]} */
  const issued = [];
  // Besides the registered redirect URI, one on the simulator's own origin or a loopback host
  // (a console served beside it, a test's server): real Keap accepts only registered ones.
  const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
  const consentPage = consent(
    { ...client, app: opts.app ?? "sim123" },
    (uri) => (baseUrl !== "" && uri.origin === new URL(baseUrl).origin) || LOOPBACK.has(uri.hostname),
  );

  /** @type {Map<string, ResourceTable>} */
  const tables = new Map();
  const start = clock();
  for (const [name, count] of Object.entries(normalizeCounts(opts.resources))) {
    const table = new ResourceTable(name, prng(deriveSeed(seed, `keap/records/${name}`)), KEAP_LISTS[name].schema);
    seedTable(table, count, start);
    tables.set(name, table);
  }

  function table(resource) {
    const t = tables.get(resource);
    if (!t) throw keapError(404, `Unknown resource '${resource}'; known: ${[...tables.keys()].join(", ")}`);
    return t;
  }

  /** @param {import("../hub/simulator.js").MutateOptions} m */
  function mutate(m) {
    const t = table(m.resource);
    const now = clock();
    const stamp =
      m.updatedAt === undefined
        ? now + faults.skewMs
        : typeof m.updatedAt === "number"
          ? m.updatedAt
          : parseInstant(m.updatedAt);
    if (stamp === undefined || Number.isNaN(stamp)) throw keapError(400, `updatedAt is not an instant: ${m.updatedAt}`);
    const visibleAt = now + (m.visibleAfterMs ?? 0);
    const fields = m.fields ?? {};
    if (m.op === "delete" || m.op === "restore") {
      // Deletes, and the same ids back: what reconciliation (DELETED events) is tested against.
      const ids = m.id !== undefined ? [m.id] : (m.ids ?? []);
      const r = lifecycle(t, m.op, ids, { stamp, at: now, visibleAt });
      if ("missing" in r)
        throw keapError(404, `No ${m.op === "delete" ? "" : "deleted "}${m.resource} record with id ${r.missing}`);
      return r.records;
    }
    const out = [];
    if (m.op === "create") {
      for (let i = 0; i < (m.count ?? 1); i++)
        out.push(t.create({ created: stamp, at: now, visibleAt, fields }).record);
      return structuredClone(out);
    }
    if (m.op !== "update")
      throw keapError(400, `op must be "create", "update", "delete" or "restore", not ${JSON.stringify(m.op)}`);
    let ids = m.id !== undefined ? [m.id] : m.ids;
    if (!ids) {
      const all = t.ids();
      const n = Math.min(m.count ?? 1, all.length);
      ids = [];
      while (ids.length < n) {
        const pick = all[Math.floor(mutateRand() * all.length)];
        if (!ids.includes(pick)) ids.push(pick);
      }
    }
    for (const id of ids) {
      const v = t.update(Number(id), { updated: stamp, at: now, visibleAt, fields });
      if (!v) throw keapError(404, `No ${m.resource} record with id ${id}`);
      out.push(v.record);
    }
    return structuredClone(out);
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

  function later(ms) {
    if (!ms) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = { t: setTimeout(() => (timers.delete(entry), resolve()), ms), resolve };
      timers.add(entry);
    });
  }

  async function handleToken(req, res) {
    const log = { at: clock(), method: req.method, url: req.url, status: 0, fault: "none" };
    requests.push(log);
    if (req.method !== "POST") {
      log.status = 405;
      return send(res, 405, { error: "invalid_request", error_description: "POST only" });
    }
    const body = (await readBody(req, maxBodyBytes)).toString("utf8");
    const r = tokens.answer(
      { contentType: req.headers["content-type"] ?? "", authorization: req.headers.authorization, body },
      clock(),
    );
    log.status = r.status;
    const pair = /** @type {any} */ (r.body);
    if (r.status === 200 && typeof pair?.access_token === "string") {
      const form = new URLSearchParams(body);
      const grant = grantOf.get(form.get("refresh_token") ?? "") ?? ++grants;
      grantOf.set(pair.access_token, grant);
      grantOf.set(pair.refresh_token, grant);
      issued.push(pair.access_token, pair.refresh_token);
    }
    send(res, r.status, r.body, r.headers);
  }

  async function handleAuthorize(req, res, url) {
    // The path only: the query carries the state and the client's redirect URI.
    const log = { at: clock(), method: req.method, url: url.pathname, status: 0, fault: "none" };
    requests.push(log);
    let r;
    if (req.method === "GET") r = consentPage.show(url.searchParams);
    else if (req.method === "POST") {
      const form = new URLSearchParams((await readBody(req, maxBodyBytes)).toString("utf8"));
      r = consentPage.decide(form, (redirectUri) => tokens.mintCode({ redirectUri }));
    } else r = { status: 405, headers: { allow: "GET, POST" }, body: "" };
    log.status = r.status;
    if (res.destroyed) return;
    res.writeHead(r.status, { ...API_SECURITY_HEADERS, ...r.headers });
    res.end(r.body);
  }

  // The API: the gateway's checks first (bearer token, spike arrest and quota), then the
  // drawn fault, then the list.
  async function handleApi(req, res, url) {
    const log = { at: clock(), method: req.method, url: req.url, status: 0, fault: "none" };
    requests.push(log);
    const answer = (r) => {
      log.status = r.status;
      // The simulator's clock (with its skew), as the hub simulator stamps it.
      r = { ...r, headers: { date: new Date(clock() + faults.skewMs).toUTCString(), ...r.headers } };
      const items = r.body && typeof r.body === "object" && !r.abort ? r.body.count : undefined;
      if (typeof items === "number") log.returned = items;
      reply(res, r);
    };
    // A list (`/v1/contacts`), or one of its records by id (`/v1/contacts/7`).
    const m = /^\/v1\/([^/]+)\/?(?:\/(\d+))?$/.exec(url.pathname.slice(API_PREFIX.length));
    const list = m && KEAP_LISTS[decodeURIComponent(m[1])] && tables.get(decodeURIComponent(m[1]));
    if (!list || req.method !== "GET") {
      log.status = 404;
      if (res.destroyed) return;
      res.writeHead(404, { "content-type": "text/html;charset=UTF-8", ...API_SECURITY_HEADERS });
      return res.end(NOT_FOUND_HTML);
    }
    const who = tokens.check(req.headers.authorization, clock());
    if (!who) return answer({ status: 401, headers: {}, body: INVALID_TOKEN_FAULT });
    log.clientId = who.clientId;
    const allowed = quota.take(who.clientId, clock());
    if (allowed.ok === false) return answer(allowed.reply);
    // The cycle this request is part of (cycleLedger): the key is the grant its token belongs
    // to and the list; a page at an offset belongs to the cycle whose page handed out that
    // `next` link (the newest one, when several cycles handed out the same link: `tagLinks`
    // makes each link name its cycle), an item to the latest cycle.
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
    const key = `${who.clientId}/grant-${grantOf.get(bearer) ?? 0}/${decodeURIComponent(m[1])}`;
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const cursor = m[2] !== undefined ? null : offset > 0 ? linkKey(url.searchParams) : undefined;
    const entry = ledger.begin(key, cursor, req.url ?? "");
    try {
      await answerApi(url, m, list, who, allowed, answer, entry, log, res);
    } finally {
      ledger.done(entry);
    }
  }

  /** The rest of handleApi, past the gateway's checks: the drawn fault, then the list or record. */
  async function answerApi(url, m, list, who, allowed, answer, entry, log, res) {
    const fault = faults.draw();
    log.fault = fault.fault;
    await later(fault.latencyMs);
    if (res.destroyed) return;
    if (fault.fault === "throttle") return answer(quota.throttled(who.clientId, clock()));
    if (fault.fault === "serverError")
      return answer({ status: fault.status ?? 500, headers: allowed.headers, body: SERVER_ERROR_BODY });
    const name = decodeURIComponent(m[1]);
    if (m[2] !== undefined) {
      const idField = list.schema.idField;
      const v = list.visible(clock()).find((x) => String(x.record[idField]) === m[2]);
      // Keap's answer for a record that is not there (or no longer is): a JSON 404.
      if (!v) return answer({ status: 404, headers: allowed.headers, body: { message: `${name} ${m[2]} not found` } });
      return answer({ status: 200, headers: allowed.headers, body: structuredClone(v.record) });
    }
    const r = keapList(
      KEAP_LISTS[name],
      list,
      { params: url.searchParams, url: `${baseUrl}${API_PREFIX}/v1/${name}` },
      { now: clock(), fault },
    );
    const body = /** @type {any} */ (r.body);
    if (r.status === 200 && typeof body?.next === "string") {
      const next = new URL(body.next);
      if (opts.tagLinks) {
        next.searchParams.set("sim_cycle", String(entry.cycle));
        body.next = next.href;
      }
      ledger.done(entry, linkKey(next.searchParams));
    }
    answer({ ...r, headers: { ...allowed.headers, ...r.headers } });
  }

  async function handleControl(req, res, url) {
    const parts = (url.pathname.slice(control.length).replace(/\/$/, "") || "/")
      .split("/")
      .filter(Boolean)
      .map(decodeURIComponent);
    const method = req.method;
    const json = async () => {
      const raw = await readBody(req, maxBodyBytes);
      if (raw.length === 0) return {};
      try {
        return JSON.parse(raw.toString("utf8"));
      } catch {
        throw keapError(400, "The request body is not JSON");
      }
    };
    const [what, second] = parts;
    if (parts.length === 0 && method === "GET") return send(res, 200, info());
    if (parts.length === 1) {
      if (what === "codes" && method === "POST") return send(res, 201, { code: sim.mintCode(await json()) });
      if (what === "expire-tokens" && method === "POST") {
        tokens.expireAccessTokens();
        return send(res, 200, { expired: true });
      }
      if (what === "revoke" && method === "POST") return send(res, 200, { revoked: sim.revokeAll() });
      if (what === "clock" && method === "GET") return send(res, 200, { now: clock() });
      if (what === "clock" && method === "POST") {
        const { advanceMs } = await json();
        if (!Number.isFinite(advanceMs)) throw keapError(400, "advanceMs must be a number of milliseconds");
        return send(res, 200, { now: sim.advanceClock(advanceMs) });
      }
      if (what === "tokens" && method === "GET") return send(res, 200, sim.tokenRequests());
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
      if (second === "versions" && method === "GET") return send(res, 200, table(what).versions());
      if (second === "update" && method === "POST")
        return send(res, 200, { records: mutate({ ...(await json()), resource: what, op: "update" }) });
      if (method === "PATCH" || method === "PUT") {
        const body = await json();
        const patch = body.fields ? body : { fields: body };
        return send(res, 200, mutate({ ...patch, resource: what, op: "update", id: second }).at(0));
      }
      if (method === "DELETE") return send(res, 200, mutate({ resource: what, op: "delete", id: second }).at(0));
    }
    send(res, 404, { message: `No control route ${method} ${url.pathname}` });
  }

  function info() {
    return {
      url: baseUrl,
      baseUrl: baseUrl + API_PREFIX,
      tokenUrl: baseUrl + TOKEN_PATH,
      authorizeUrl: baseUrl + AUTHORIZE_PATH,
      clientId: client.clientId,
      // The simulated app's secret is a published constant (DEFAULT_KEAP_CLIENT): a console
      // fills it in for a demo, as the hub simulator's info gives its credentials.
      clientSecret: client.clientSecret,
      redirectUri: client.redirectUri,
      resources: [...tables.keys()],
      pollerConfiguration: Object.fromEntries([...tables.keys()].map((r) => [r, keapPollerConfigFor(r)])),
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

  /**
   * Handles a request for the token endpoint, the API or the control API.
   * @param {import("node:http").IncomingMessage} req
   * @param {import("node:http").ServerResponse} res
   * @returns {boolean} true if the simulator took the request
   */
  function handle(req, res) {
    let url;
    try {
      url = new URL(req.url ?? "/", "http://sim.local");
    } catch {
      return false;
    }
    const under = (prefix) => url.pathname === prefix || url.pathname.startsWith(prefix + "/");
    const kind =
      url.pathname === TOKEN_PATH
        ? "token"
        : url.pathname === AUTHORIZE_PATH
          ? "authorize"
          : under(API_PREFIX)
            ? "api"
            : under(control)
              ? "control"
              : "";
    if (!kind) return false;
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
    const work =
      kind === "token"
        ? handleToken(req, res)
        : kind === "authorize"
          ? handleAuthorize(req, res, url)
          : kind === "api"
            ? handleApi(req, res, url)
            : handleControl(req, res, url);
    work.catch((e) => {
      if (e instanceof BodyTooLarge) send(res, 413, { message: e.message }, { connection: "close" });
      else if (e instanceof URIError) send(res, 400, { message: `Bad percent-encoding in ${JSON.stringify(req.url)}` });
      else if (e && e.keapStatus) send(res, e.keapStatus, { message: e.message });
      else send(res, 500, { message: `Simulator error: ${e?.message ?? e}` });
    });
    return true;
  }

  const sim = {
    handle,
    mutate,
    records,
    versions: (resource) => table(resource).versions(),
    /** A new authorization code (what Keap's consent page redirects with). */
    mintCode: ({ redirectUri, clientId } = /** @type {{redirectUri?: string, clientId?: string}} */ ({})) =>
      tokens.mintCode({ redirectUri, clientId }),
    /** Every access token issued so far is expired from now on. */
    expireAccessTokens: () => tokens.expireAccessTokens(),
    /** @param {string} token */
    revokeRefreshToken: (token) => tokens.revokeRefreshToken(token),
    /**
     * The account took the app's access away: every refresh token is revoked and every access
     * token expired, so the next call needs re-authorization. Returns how many refresh tokens died.
     */
    revokeAll() {
      const live = tokens.liveRefreshTokens();
      for (const t of live) tokens.revokeRefreshToken(t);
      tokens.expireAccessTokens();
      return live.length;
    },
    liveRefreshTokens: () => tokens.liveRefreshTokens(),
    /** What the token endpoint answered: `{at, grant, status, error?}`. */
    tokenRequests: () => structuredClone(tokens.log),
    /** The poll cycles Keap saw, per grant and list, and their overlaps (the hub's cycleLedger). */
    cycles: () => ledger.toJSON(),
    clearCycles: () => ledger.clear(),
    /** Every authorization code minted and every access and refresh token issued: secrets a test looks for in logs. */
    issuedSecrets: () => [...tokens.codes.keys(), ...issued],
    /** Moves the simulator's clock (token expiry, quota windows, record stamps) by `ms`; returns the new now. */
    advanceClock(ms) {
      offsetMs += ms;
      return clock();
    },
    setFaults: (f) => faults.set(f),
    clearFaults: () => faults.clear(),
    faults: () => faults.toJSON(),
    requests: () => structuredClone(requests),
    clearRequests: () => {
      requests.length = 0;
    },
    now: () => clock(),
    pollerConfig: keapPollerConfigFor,
    info,
    client,
    /** Every OAuth app: `client` first, then the `apps` option's. */
    apps,
    resources: [...tables.keys()],
    /** @param {string} origin */
    setBaseUrl(origin) {
      baseUrl = origin.replace(/\/$/, "");
    },
    get url() {
      return baseUrl;
    },
    get baseUrl() {
      return baseUrl + API_PREFIX;
    },
    get tokenUrl() {
      return baseUrl + TOKEN_PATH;
    },
    /** Keap's consent page: `GET ?client_id&redirect_uri&response_type=code&scope=full&state`. */
    get authorizeUrl() {
      return baseUrl + AUTHORIZE_PATH;
    },
    get controlUrl() {
      return baseUrl + control;
    },
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
 * Starts a Keap simulator on its own `node:http` server.
 * @param {KeapOptions & {port?: number, host?: string}} [opts]
 */
export async function startKeapSimulator(opts = {}) {
  const { port = 0, host = "127.0.0.1", ...rest } = opts;
  const sim = createKeapSimulator(rest);
  return serveSimulator(
    sim,
    (req, res) => {
      res.writeHead(404, { "content-type": "text/html;charset=UTF-8", ...API_SECURITY_HEADERS });
      res.end(NOT_FOUND_HTML);
    },
    { port, host },
  );
}

function normalizeCounts(resources) {
  if (resources === undefined) return Object.fromEntries(KEAP_RESOURCE_NAMES.map((r) => [r, DEFAULT_COUNT]));
  const entries = Array.isArray(resources) ? resources.map((r) => [r, DEFAULT_COUNT]) : Object.entries(resources);
  for (const [name] of entries) {
    if (!KEAP_LISTS[name]) throw new TypeError(`Unknown resource '${name}'; known: ${KEAP_RESOURCE_NAMES.join(", ")}`);
  }
  return Object.fromEntries(entries.map(([n, v]) => [n, typeof v === "number" ? v : (v?.count ?? DEFAULT_COUNT)]));
}

/**
 * A next page's identity in the ledger: its query without `order` (Keap adds it) in a fixed
 * order, so the link a page handed out and the request that follows it compare equal.
 * @param {URLSearchParams} params
 */
function linkKey(params) {
  return [...params]
    .filter(([k]) => k !== "order")
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join("&");
}

/** Initial records: created over the 30 days before `now`, about half updated since. */
function seedTable(table, count, now) {
  const rand = table.rand;
  const created = [];
  for (let i = 0; i < count; i++) created.push(now - DAY - Math.floor(rand() * 29 * DAY));
  created.sort((a, b) => a - b);
  for (const c of created) {
    const updated = rand() < 0.5 ? c + Math.floor(rand() * (now - 60000 - c)) : c;
    table.create({ created: c, updated, at: now, visibleAt: now });
  }
}

/** An error of the control API: a PollerError (`keap.not-found`, `keap.bad-request`) with its HTTP status. */
function keapError(status, message) {
  const e = /** @type {PollerError & {keapStatus?: number}} */ (
    new PollerError(status === 404 ? "keap.not-found" : "keap.bad-request", message)
  );
  e.keapStatus = status;
  return e;
}
