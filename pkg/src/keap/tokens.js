// Keap's OAuth2 token endpoint and bearer-token check, as state plus pure answers: the form
// and headers in, `{status, headers, body}` out, `now` an argument. From
// reference/keap-rest-v1-facts.md §4:
// - `authorization_code`: client id and secret in the form body, `code`, `redirect_uri`;
// - `refresh_token`: `Authorization: Basic base64(id:secret)`, body `grant_type` and
//   `refresh_token`; every refresh returns a NEW refresh token and the old one is dead;
// - a bad or used refresh token: 400 `{"error":"invalid_request","error_description":"Invalid Refresh Token"}`;
// - a JSON body: 400 `{"error":"invalid_request","error_description":"response_type or grant_type is required"}`;
// - the answer: `{access_token, token_type: "bearer", expires_in, refresh_token, scope: "full|<app>.infusionsoft.com"}`;
// - an invalid or expired access token at the API: the Apigee 401 fault body.
// What the facts leave unstated (bad client credentials, a bad code or redirect_uri) is
// answered with the RFC 6749 errors (`invalid_client`, `invalid_grant`), named as such in TESTING.md.

/** The Apigee gateway's 401 for a bad or expired access token. */
export const INVALID_TOKEN_FAULT = Object.freeze({
  fault: { faultstring: "Invalid access token", detail: { errorcode: "oauth.v2.InvalidAccessToken" } },
});

const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/**
 * @typedef {object} TokenOptions
 * @property {string} clientId
 * @property {string} clientSecret
 * @property {string} redirectUri the app's registered callback
 * @property {string} app the Keap app name in `scope` (`full|<app>.infusionsoft.com`)
 * @property {number} expiresIn access-token lifetime, seconds
 * @property {() => number} rand the token material's stream (seeded: a run is reproducible)
 * @property {Array<{clientId: string, clientSecret: string, redirectUri: string}>} [apps] more OAuth
 *   apps of the same Keap account: each its own client id and secret (its own quota, quota.js), and
 *   its codes and tokens good only with its own credentials
 */

/** Issued codes and tokens, and the answers of the token endpoint. */
export class TokenServer {
  /** @param {TokenOptions} o */
  constructor(o) {
    this.o = o;
    /** The OAuth apps by client id: the first one's (`o`), then `o.apps`. */
    this.clients = new Map([o, ...(o.apps ?? [])].map((c) => [c.clientId, c]));
    /** @type {Map<string, {redirectUri: string, used: boolean, clientId: string}>} */
    this.codes = new Map();
    /** @type {Map<string, {expiresAt: number, clientId: string}>} */
    this.access = new Map();
    /** refresh token -> still valid? (a rotated one stays known, to say it was reused), and whose */
    /** @type {Map<string, {valid: boolean, clientId: string}>} */
    this.refresh = new Map();
    /** @type {Array<{at: number, grant: string, status: number, error?: string, clientId?: string}>} */
    this.log = [];
  }

  #token(prefix) {
    let s = "";
    for (let i = 0; i < 4; i++) s += Math.floor(this.o.rand() * 2 ** 32).toString(36);
    return `${prefix}${s}`;
  }

  /**
   * A new authorization code, as the consent page would redirect with, for the app `clientId`
   * (default the first); `redirectUri` defaults to that app's.
   * @param {{redirectUri?: string, clientId?: string}} [o]
   */
  mintCode({ redirectUri, clientId = this.o.clientId } = {}) {
    const client = this.clients.get(clientId);
    if (!client) throw new Error(`no OAuth app ${JSON.stringify(clientId)} in the simulator`);
    const code = this.#token("code-");
    this.codes.set(code, { redirectUri: redirectUri ?? client.redirectUri, used: false, clientId });
    return code;
  }

  /** Makes every access token issued so far expired (as if its `expires_in` had passed). */
  expireAccessTokens() {
    for (const t of this.access.values()) t.expiresAt = -Infinity;
  }

  /** Kills a refresh token (Keap revoked it, or it outlived its 45 days). */
  revokeRefreshToken(token) {
    const t = this.refresh.get(token);
    if (t) t.valid = false;
  }

  /** The valid refresh tokens (a test's view). */
  liveRefreshTokens() {
    return [...this.refresh].filter(([, t]) => t.valid).map(([k]) => k);
  }

  /**
   * Whether `authorization` (the request's header) carries a live access token at `now`;
   * the client id it was issued to when it does.
   * @param {string|undefined} authorization
   * @param {number} now
   * @returns {{clientId: string} | undefined}
   */
  check(authorization, now) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    const t = m && this.access.get(m[1]);
    if (!t || t.expiresAt <= now) return undefined;
    return { clientId: t.clientId };
  }

  /**
   * The token endpoint's answer to one POST.
   * @param {{contentType: string, authorization?: string, body: string}} req
   * @param {number} now
   * @returns {import("../hub/listing.js").Reply}
   */
  answer(req, now) {
    const r = this.#answer(req, now);
    this.log.push({
      at: now,
      grant: r.grant,
      status: r.reply.status,
      ...(r.reply.status === 200 ? {} : { error: /** @type {any} */ (r.reply.body).error }),
      ...(r.clientId ? { clientId: r.clientId } : {}),
    });
    return r.reply;
  }

  /** @param {{contentType: string, authorization?: string, body: string}} req @param {number} now */
  #answer({ contentType, authorization, body }, now) {
    const fail = (status, error, description, grant = "") => ({
      grant,
      reply: { status, headers: NO_STORE, body: { error, error_description: description } },
    });
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? "")) {
      return fail(400, "invalid_request", "response_type or grant_type is required");
    }
    const form = new URLSearchParams(body);
    const grant = form.get("grant_type") ?? "authorization_code";
    if (grant === "authorization_code") {
      const client = this.#client(form.get("client_id"), form.get("client_secret"));
      if (!client) return fail(401, "invalid_client", "Invalid client credentials", grant);
      const code = this.codes.get(form.get("code") ?? "");
      // A code is good only for the app it was issued to (RFC 6749 section 4.1.3).
      if (!code || code.used || code.clientId !== client.clientId)
        return fail(400, "invalid_grant", "Invalid Authorization Code", grant);
      if (form.get("redirect_uri") !== code.redirectUri)
        return fail(400, "invalid_grant", "Invalid Redirect Uri", grant);
      code.used = true;
      return { grant, clientId: client.clientId, reply: this.#issue(now, client.clientId) };
    }
    if (grant === "refresh_token") {
      const [id, ...secret] = (basic(authorization) ?? "").split(":");
      const client = this.#client(id, secret.join(":"));
      if (!client) return fail(401, "invalid_client", "Invalid client credentials", grant);
      const old = this.refresh.get(form.get("refresh_token") ?? "");
      if (!old || !old.valid || old.clientId !== client.clientId)
        return fail(400, "invalid_request", "Invalid Refresh Token", grant);
      old.valid = false; // rotation: the old one is dead the moment the new pair exists
      return { grant, clientId: client.clientId, reply: this.#issue(now, client.clientId) };
    }
    return fail(400, "unsupported_grant_type", `Unsupported grant type: ${grant}`, grant);
  }

  /** The app whose id and secret these are, or undefined. */
  #client(id, secret) {
    const client = this.clients.get(id ?? "");
    return client && client.clientSecret === secret ? client : undefined;
  }

  #issue(now, clientId) {
    const access = this.#token("sim-at-");
    const refresh = this.#token("sim-rt-");
    this.access.set(access, { expiresAt: now + this.o.expiresIn * 1000, clientId });
    this.refresh.set(refresh, { valid: true, clientId });
    return {
      status: 200,
      headers: NO_STORE,
      body: {
        access_token: access,
        token_type: "bearer",
        expires_in: this.o.expiresIn,
        refresh_token: refresh,
        scope: `full|${this.o.app}.infusionsoft.com`,
      },
    };
  }
}

/** `id:secret` of a Basic header, or undefined. */
function basic(header) {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? "");
  if (!m) return undefined;
  try {
    return Buffer.from(m[1], "base64").toString("utf8");
  } catch {
    return undefined;
  }
}
