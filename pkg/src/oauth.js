// OAuth2 tokens of one instance polling a provider directly (Keap): the authorization code
// exchanged, the access token refreshed, the pair kept in the Poller's store. Browser-safe:
// fetch, WebCrypto and the Store interface only.
//
// Keap rotates refresh tokens: every refresh kills the token it used. So:
// - a refresh is serialized per instance (one in flight; callers that saw the same expired
//   or refused token share it);
// - the new pair is written to the store before it is used or anything else is done, and an
//   unsaved pair (the write failed) is never used: the next call saves it first;
// - a refused refresh or code (`invalid_grant`, `invalid_request`) marks the instance as
//   needing re-authorization, in the store too: every later call fails with the same
//   `oauth.reauthorize` error at once, without asking the provider again, until
//   `authorize(code)` gives it a new code.
// The window this cannot close: a process killed after the provider answered and before the
// write completed. The next process holds only the dead refresh token; the provider refuses
// it and the instance needs re-authorization, which the error says (naming the refresh that
// was interrupted, from the mark written before the request went out).

import { PollerError } from "./errors.js";
import { instanceIdentity } from "./api.js";

/** Keap's token endpoint. */
export const KEAP_TOKEN_URL = "https://api.infusionsoft.com/token";

/** A token this close to its end is refreshed before use: clocks and the request's flight differ. */
const EXPIRY_MARGIN_MS = 60000;

/** The OAuth errors that mean "this grant will never work again": re-authorize. */
const REFUSED = new Set(["invalid_grant", "invalid_request"]);

/**
 * The calls an OAuth app (one client id) may make, across every instance of the process:
 * Keap counts 1500 a rolling minute per client id and refuses spikes over 25 a second. `take`
 * waits until one more call fits in both windows, then counts it.
 *
 * Token requests (code exchanges, refreshes) are counted too. Keap's pages do not say whether
 * the token endpoint counts against the client id's budget; it is served by the same gateway
 * (api.infusionsoft.com, whose spike arrest is gateway-wide), so we assume it does. Counting a
 * call Keap does not count costs at most a short wait; not counting one it does risks a 429 on
 * a refresh, the one call whose failure can stop an instance.
 */
export class AppRateLimiter {
  /**
   * @param {{perMinute?: number, perSecond?: number, clock?: {now: () => number, sleep?: (ms: number, signal?: AbortSignal) => Promise<void>}}} [o]
   */
  constructor({ perMinute = 1500, perSecond = 25, clock } = {}) {
    this.perMinute = perMinute;
    this.perSecond = perSecond;
    this.now = clock?.now ? () => clock.now() : Date.now;
    this.sleep = clock?.sleep ? (ms, signal) => clock.sleep(ms, signal) : sleepReal;
    /** @type {number[]} the instants of the calls of the last minute, oldest first */
    this.calls = [];
  }

  /** Waits for a slot; rejects with the signal's reason when it aborts. @param {AbortSignal} [signal] */
  async take(signal) {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.now();
      while (this.calls.length && this.calls[0] <= now - 60000) this.calls.shift();
      const inSecond = this.calls.filter((t) => t > now - 1000);
      let wait = 0;
      if (this.calls.length >= this.perMinute) wait = this.calls[this.calls.length - this.perMinute] + 60000 - now;
      if (inSecond.length >= this.perSecond)
        wait = Math.max(wait, inSecond[inSecond.length - this.perSecond] + 1000 - now);
      if (wait <= 0) {
        this.calls.push(now);
        return;
      }
      await this.sleep(wait, signal);
    }
  }
}

/** One limiter per client id, shared by the OAuthTokens of a process (module state on purpose). */
const limiters = new Map();

function sleepReal(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * @typedef {object} SavedTokens what the store holds (encrypted when a key is given)
 * @property {string} [accessToken]
 * @property {string} [refreshToken]
 * @property {number} [expiresAt] epoch ms
 * @property {string} [scope]
 * @property {number} [obtainedAt]
 * @property {number} [refreshingSince] a refresh went out at this instant and its answer was not saved yet
 * @property {{code: string, message: string, at: number, codeHash?: string}} [reauthorize] the provider
 *   refused the grant; `codeHash`: SHA-256 of the code the instance had then
 */

export class OAuthTokens {
  #o;
  #store;
  #key;
  /** @type {SavedTokens|undefined} */
  #saved;
  /** A pair the provider issued that could not be written: saved before it is ever used. */
  #unsaved;
  /** @type {Promise<void>|null} the one read of the store */
  #loading = null;
  /** The one refresh (or exchange) in flight. */
  #inflight = null;

  /**
   * @param {object} options
   * @param {import("./stores.js").Store} options.store where the tokens live (the Poller's)
   * @param {string} options.clientId `oauth.api.key`
   * @param {string} options.clientSecret `oauth.api.secret`
   * @param {string} [options.redirectUri] `oauth.callback.url` (needed to exchange a code)
   * @param {string} [options.code] `providerData.code`, exchanged when no token is saved
   * @param {string} [options.tokenUrl] default Keap's `https://api.infusionsoft.com/token`
   * @param {string} [options.id] which instance: the store key's part (default: the client id)
   * @param {CryptoKey} [options.key] an AES-GCM key: the tokens are encrypted at rest with it
   * @param {typeof fetch} [options.fetch]
   * @param {(() => number) | {now: () => number}} [options.clock] epoch ms (expiry)
   * @param {{take: (signal?: AbortSignal) => Promise<void>}} [options.limiter] default: the process's limiter of this client id
   */
  constructor(options) {
    const o = options ?? /** @type {any} */ ({});
    for (const k of ["clientId", "clientSecret"]) {
      if (typeof o[k] !== "string" || o[k] === "")
        throw new PollerError("oauth.options", `${k} must be a non-empty string (oauth.api.key / oauth.api.secret)`);
    }
    if (!o.store || typeof o.store.get !== "function" || typeof o.store.set !== "function")
      throw new PollerError("oauth.options", "store must be a Store (get, set): the one the Poller uses");
    const tokenUrl = o.tokenUrl ?? KEAP_TOKEN_URL;
    if (typeof tokenUrl !== "string" || !/^https?:\/\//.test(tokenUrl))
      throw new PollerError(
        "oauth.options",
        `tokenUrl must be an absolute http(s) url, not ${JSON.stringify(tokenUrl)}`,
      );
    if (o.key !== undefined && !(o.key?.algorithm?.name === "AES-GCM" && o.key.usages?.includes("encrypt")))
      throw new PollerError("oauth.options", "key must be a WebCrypto AES-GCM CryptoKey usable to encrypt and decrypt");
    const fetchFn = o.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") throw new PollerError("oauth.options", "no fetch: pass one with {fetch}");
    const clock = typeof o.clock === "function" ? o.clock : o.clock?.now ? () => o.clock.now() : Date.now;
    if (!limiters.has(o.clientId)) limiters.set(o.clientId, new AppRateLimiter());
    this.#o = {
      clientId: o.clientId,
      clientSecret: o.clientSecret,
      redirectUri: o.redirectUri,
      code: o.code,
      tokenUrl,
      fetch: (url, init) => fetchFn(url, init),
      now: clock,
      storeKey: `oauth/${encodeURIComponent(o.id ?? o.clientId)}/tokens`,
    };
    this.#store = o.store;
    this.#key = o.key;
    /** Spaces the API calls of this OAuth app (Keap: 1500 a minute, 25 a second). */
    this.limiter = o.limiter ?? limiters.get(o.clientId);
  }

  /**
   * The OAuthTokens of a seed-style instance body: `oauth.api.key`, `oauth.api.secret`,
   * `oauth.callback.url` and `providerData.code`. Without `id`, the store key is the instance's
   * identity (`instanceIdentity`: its name and a fingerprint of the OAuth app and the grant
   * code), so two instances of one OAuth app (two Keap accounts) never share tokens.
   * @param {any} instance
   * @param {Omit<ConstructorParameters<typeof OAuthTokens>[0], "clientId"|"clientSecret"|"redirectUri"|"code">} options
   */
  static fromInstance(instance, options) {
    const c = instance?.configuration ?? {};
    return new OAuthTokens({
      ...options,
      id: options?.id ?? instanceIdentity(instance ?? {}).instanceId,
      clientId: c["oauth.api.key"],
      clientSecret: c["oauth.api.secret"],
      redirectUri: c["oauth.callback.url"],
      code: instance?.providerData?.code,
    });
  }

  /** The process-wide limiter of a client id (what an OAuthTokens of that app uses by default). */
  static limiterFor(clientId) {
    if (!limiters.has(clientId)) limiters.set(clientId, new AppRateLimiter());
    return limiters.get(clientId);
  }

  /** The store key of this instance's tokens. */
  get storeKey() {
    return this.#o.storeKey;
  }

  /** Whether the provider refused this instance's grant (known after a load or a refusal). */
  get needsReauthorization() {
    return Boolean(this.#saved?.reauthorize);
  }

  /**
   * A live access token: the saved one, else the code exchanged, else a refresh. Throws
   * `oauth.reauthorize` when the instance needs re-authorization.
   * @param {{signal?: AbortSignal}} [o]
   * @returns {Promise<string>}
   */
  async accessToken({ signal } = {}) {
    await this.#ready();
    if (this.#inflight) return this.#inflight;
    const s = /** @type {SavedTokens} */ (this.#saved);
    if (s.accessToken && (s.expiresAt ?? 0) - EXPIRY_MARGIN_MS > this.#o.now()) return s.accessToken;
    return this.#serialized(signal);
  }

  /**
   * A new access token because `rejected` was refused (a 401): one refresh, shared by every
   * caller that saw the same token refused; one who comes after it returns the new token.
   * @param {{rejected?: string, signal?: AbortSignal}} [o]
   * @returns {Promise<string>}
   */
  async refresh({ rejected, signal } = {}) {
    await this.#ready();
    if (this.#inflight) return this.#inflight;
    const s = /** @type {SavedTokens} */ (this.#saved);
    if (rejected !== undefined && s.accessToken && s.accessToken !== rejected) return s.accessToken;
    return this.#serialized(signal);
  }

  /**
   * Re-authorizes with a new authorization code (after the user consented again): exchanges
   * it and clears the needs-re-authorization state.
   * @param {string} code
   * @param {{signal?: AbortSignal}} [o]
   */
  async authorize(code, { signal } = {}) {
    await this.#ready();
    if (this.#inflight) await this.#inflight.catch(() => {});
    this.#inflight = this.#grant({ grant_type: "authorization_code", code }, signal).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  #serialized(signal) {
    this.#inflight ??= this.#obtain(signal).finally(() => {
      this.#inflight = null;
    });
    return this.#inflight;
  }

  async #obtain(signal) {
    const s = /** @type {SavedTokens} */ (this.#saved);
    if (s.reauthorize) {
      // A body with a new providerData.code (the user consented again) is tried once; the
      // code that was there when the grant was refused never is.
      const code = this.#o.code;
      if (code && (await digest(code)) !== s.reauthorize.codeHash)
        return this.#grant({ grant_type: "authorization_code", code }, signal);
      throw this.#reauthorizeError(s.reauthorize);
    }
    if (this.#unsaved) {
      // Never used yet (it was not saved), so a 401 cannot have come from it.
      await this.#save(this.#unsaved);
      this.#unsaved = undefined;
      return /** @type {string} */ (/** @type {SavedTokens} */ (this.#saved).accessToken);
    }
    if (s.refreshToken) return this.#grant({ grant_type: "refresh_token", refresh_token: s.refreshToken }, signal);
    if (this.#o.code) return this.#grant({ grant_type: "authorization_code", code: this.#o.code }, signal);
    throw await this.#refuse({
      code: "no-token",
      message: "no token is saved and no authorization code (providerData.code) was given",
    });
  }

  /** One token request; the answer is saved before it is returned. */
  async #grant(form, signal) {
    const { clientId, clientSecret, redirectUri, tokenUrl } = this.#o;
    /** @type {Record<string, string>} */
    const headers = { "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
    const body = new URLSearchParams(form);
    // A mark left by an earlier refresh whose answer was never saved (read before ours replaces it).
    const interrupted = this.#saved?.refreshingSince;
    if (form.grant_type === "authorization_code") {
      if (typeof redirectUri !== "string")
        throw new PollerError("oauth.options", "redirectUri (oauth.callback.url) is needed to exchange a code");
      body.set("client_id", clientId);
      body.set("client_secret", clientSecret);
      body.set("redirect_uri", redirectUri);
    }
    // A token request is one of the OAuth app's calls (see AppRateLimiter); taken before the
    // refresh's mark below, so the mark still means "the request went out".
    await this.limiter.take(signal);
    if (form.grant_type !== "authorization_code") {
      headers.authorization = `Basic ${base64(`${clientId}:${clientSecret}`)}`;
      // Said before the request goes out: a process that dies before the answer is saved
      // leaves this mark, and the next one can say what happened.
      await this.#save({ ...this.#saved, refreshingSince: this.#o.now() });
    }
    let res, text;
    try {
      res = await this.#o.fetch(tokenUrl, { method: "POST", headers, body: body.toString(), signal });
      text = await res.text();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw new PollerError("oauth.token-request", `the token endpoint could not be reached: ${e?.message ?? e}`, {
        cause: e,
      });
    }
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (res.ok && typeof answer?.access_token === "string") {
      const now = this.#o.now();
      /** @type {SavedTokens} */
      const pair = {
        accessToken: answer.access_token,
        // A provider that does not rotate keeps the old refresh token valid.
        refreshToken: typeof answer.refresh_token === "string" ? answer.refresh_token : this.#saved?.refreshToken,
        expiresAt: now + (Number(answer.expires_in) > 0 ? Number(answer.expires_in) * 1000 : 3600000),
        scope: typeof answer.scope === "string" ? answer.scope : undefined,
        obtainedAt: now,
      };
      try {
        await this.#save(pair);
      } catch (e) {
        // Keep the pair (the old refresh token is dead now) but do not use it unsaved.
        this.#unsaved = pair;
        throw e;
      }
      return /** @type {string} */ (pair.accessToken);
    }
    const error = typeof answer?.error === "string" ? answer.error : undefined;
    if (error && REFUSED.has(error) && res.status >= 400 && res.status < 500) {
      const what = form.grant_type === "refresh_token" ? "refresh token" : "authorization code";
      const why = interrupted
        ? ` A token refresh started at ${new Date(interrupted).toISOString()} never saved its answer (the process stopped): the provider had already rotated the refresh token.`
        : "";
      throw await this.#refuse({
        code: error,
        message: `the provider refused the ${what} (${error}${answer.error_description ? `: ${answer.error_description}` : ""}).${why}`,
      });
    }
    const detail = error
      ? `${error}${answer.error_description ? `: ${answer.error_description}` : ""}`
      : `HTTP ${res.status}`;
    throw new PollerError("oauth.token-request", `the token endpoint answered ${res.status} (${detail})`);
  }

  /** Marks the instance as needing re-authorization (in the store too) and returns the error to throw. */
  async #refuse(reason) {
    // The configured code is spent too (exchanged earlier, or just refused): its hash says
    // which one not to try again, without keeping the code itself.
    const codeHash = this.#o.code ? await digest(this.#o.code) : undefined;
    const reauthorize = { ...reason, at: this.#o.now(), ...(codeHash ? { codeHash } : {}) };
    const { refreshingSince: _, ...rest } = /** @type {SavedTokens} */ (this.#saved);
    // What is kept: the reason. The dead tokens are dropped.
    await this.#save({ ...rest, accessToken: undefined, refreshToken: undefined, reauthorize });
    return this.#reauthorizeError(reauthorize);
  }

  #reauthorizeError(r) {
    return new PollerError(
      "oauth.reauthorize",
      `the instance needs re-authorization: ${r.message} Polling it stops until a new authorization code is given (OAuthTokens.authorize).`,
      { path: this.#o.storeKey },
    );
  }

  /** Reads the store once: concurrent first callers share the read (a late one must not overwrite a newer pair). */
  #ready() {
    this.#loading ??= (async () => {
      const text = await this.#store.get(this.#o.storeKey);
      this.#saved = text === undefined ? {} : await this.#decode(text);
    })().catch((e) => {
      this.#loading = null; // a failed read (or decrypt) is tried again by the next call
      throw e;
    });
    return this.#loading;
  }

  async #save(tokens) {
    const clean = JSON.parse(JSON.stringify(tokens));
    await this.#store.set(this.#o.storeKey, await this.#encode(clean));
    this.#saved = clean;
  }

  async #encode(tokens) {
    const text = JSON.stringify(tokens);
    if (!this.#key) return text;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: utf8(this.#o.storeKey) },
      this.#key,
      utf8(text),
    );
    return JSON.stringify({ v: 1, alg: "AES-GCM", iv: bytesToBase64(iv), data: bytesToBase64(new Uint8Array(data)) });
  }

  async #decode(text) {
    let v;
    try {
      v = JSON.parse(text);
    } catch {
      throw new PollerError("store.corrupt", `the saved tokens (store key ${this.#o.storeKey}) are not JSON`, {
        path: this.#o.storeKey,
      });
    }
    if (v?.alg !== "AES-GCM") {
      if (this.#key)
        throw new PollerError("oauth.decrypt", `the saved tokens (store key ${this.#o.storeKey}) are not encrypted`, {
          path: this.#o.storeKey,
        });
      return v;
    }
    if (!this.#key)
      throw new PollerError(
        "oauth.decrypt",
        `the saved tokens (store key ${this.#o.storeKey}) are encrypted: give the key`,
        { path: this.#o.storeKey },
      );
    try {
      const plain = await crypto.subtle.decrypt(
        { name: "AES-GCM", iv: base64ToBytes(v.iv), additionalData: utf8(this.#o.storeKey) },
        this.#key,
        base64ToBytes(v.data),
      );
      return JSON.parse(new TextDecoder().decode(plain));
    } catch (e) {
      throw new PollerError(
        "oauth.decrypt",
        `the saved tokens (store key ${this.#o.storeKey}) cannot be decrypted with this key`,
        { path: this.#o.storeKey, cause: e },
      );
    }
  }
}

const utf8 = (s) => new TextEncoder().encode(s);

/** SHA-256 of a string, base64. */
async function digest(text) {
  return bytesToBase64(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(text))));
}

function bytesToBase64(bytes) {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function base64ToBytes(text) {
  const bin = atob(String(text));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** Base64 of a string's UTF-8 bytes (a client secret may hold any character). */
function base64(s) {
  return bytesToBase64(utf8(s));
}
