// OAuthTokens against the Keap simulator over real HTTP: the code exchange, refresh with
// Basic auth and rotation, one refresh for concurrent callers (the rotation race), save
// before use, re-authorization said without asking Keap again, the crash between Keap's
// answer and the save (a held write, and a SIGKILLed child), encryption at rest, the
// per-app rate limiter.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { OAuthTokens, MemoryStore, PollerError, buildInstance } from "elements-poller";
import { FileStore } from "elements-poller/node";
import { startKeapSimulator } from "../../pkg/src/testing.js";
import { virtualClock, settle } from "./helpers/clock.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);

/** The seed's body for the simulator's app and a freshly minted code. */
function seedBody(keap, code = keap.mintCode()) {
  return buildInstance({
    element: "infusionsoftrest",
    name: "keap-direct",
    code,
    oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
    callbackUrl: "https://app.example.com/events",
    refreshInterval: 1,
    resources: {},
  });
}

/** A fetch that records what it sent, for the request's form and headers. */
function recordingFetch() {
  const sent = [];
  const f = (url, init) => {
    sent.push({ url, ...init });
    return fetch(url, init);
  };
  return Object.assign(f, { sent });
}

/** A write of a new pair (not the "refresh going out" mark written before the request). */
const isPair = (v) => {
  const t = JSON.parse(v);
  return Boolean(t.accessToken) && t.refreshingSince === undefined;
};

const grants = (keap) => keap.tokenRequests().map((r) => `${r.grant}:${r.status}`);

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => e instanceof PollerError && e.code === code);
}

describe("OAuthTokens against the Keap simulator", () => {
  let keap;
  const clock = { t: T0, now: () => clock.t };
  before(async () => {
    keap = await startKeapSimulator({ seed: 11, now: clock.now, expiresIn: 3600, resources: { contacts: 2 } });
  });
  after(() => keap.close());

  const tokensFor = (store, extra = {}) =>
    OAuthTokens.fromInstance(seedBody(keap), { store, tokenUrl: keap.tokenUrl, clock: clock.now, ...extra });

  test("exchanges providerData.code: form-encoded, the client in the body, oauth.callback.url as redirect_uri", async () => {
    const store = new MemoryStore();
    const f = recordingFetch();
    const tokens = tokensFor(store, { fetch: f });
    const at = await tokens.accessToken();
    assert.match(at, /^sim-at-/);
    const [req] = f.sent;
    assert.equal(req.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(req.headers.authorization, undefined);
    const form = new URLSearchParams(req.body);
    assert.equal(form.get("grant_type"), "authorization_code");
    assert.equal(form.get("client_id"), keap.client.clientId);
    assert.equal(form.get("client_secret"), keap.client.clientSecret);
    assert.equal(form.get("redirect_uri"), keap.client.redirectUri);
    // Saved, and used again without asking Keap.
    const saved = JSON.parse(await store.get(tokens.storeKey));
    assert.equal(saved.accessToken, at);
    assert.equal(await tokens.accessToken(), at);
    assert.equal(f.sent.length, 1);
  });

  test("an expired token is refreshed with Basic auth; the refresh token rotates", async () => {
    const store = new MemoryStore();
    const f = recordingFetch();
    const tokens = tokensFor(store, { fetch: f });
    const first = await tokens.accessToken();
    const rt1 = JSON.parse(await store.get(tokens.storeKey)).refreshToken;
    clock.t += 3600 * 1000;
    const second = await tokens.accessToken();
    assert.notEqual(second, first);
    const req = f.sent[1];
    const basic = Buffer.from(`${keap.client.clientId}:${keap.client.clientSecret}`).toString("base64");
    assert.equal(req.headers.authorization, `Basic ${basic}`);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), {
      grant_type: "refresh_token",
      refresh_token: rt1,
    });
    const rt2 = JSON.parse(await store.get(tokens.storeKey)).refreshToken;
    assert.notEqual(rt2, rt1);
    assert.ok(!keap.liveRefreshTokens().includes(rt1), "Keap killed the old one");
    assert.ok(keap.liveRefreshTokens().includes(rt2));
  });

  test("the rotation race: concurrent callers that see an expired or refused token make ONE refresh", async () => {
    const store = new MemoryStore();
    const tokens = tokensFor(store);
    const old = await tokens.accessToken();
    const before = keap.tokenRequests().length;
    clock.t += 3600 * 1000;
    const got = await Promise.all([tokens.accessToken(), tokens.accessToken(), tokens.refresh({ rejected: old })]);
    assert.equal(new Set(got).size, 1);
    assert.notEqual(got[0], old);
    assert.deepEqual(grants(keap).slice(before), ["refresh_token:200"]);
    // Two cycles whose requests got 401 with the same token: one refresh, then the second
    // one (arriving after it) gets the new token without another.
    const after401 = keap.tokenRequests().length;
    const a = await tokens.refresh({ rejected: got[0] });
    const b = await tokens.refresh({ rejected: got[0] });
    assert.equal(a, b);
    assert.deepEqual(grants(keap).slice(after401), ["refresh_token:200"]);
    const res = await fetch(`${keap.baseUrl}/v1/contacts`, { headers: { authorization: `Bearer ${a}` } });
    assert.equal(res.status, 200);
  });

  test("concurrent first calls share one read of the store: a late read cannot overwrite a newer pair", async () => {
    const backing = new MemoryStore();
    const reads = [];
    const store = {
      get(k) {
        const value = backing.get(k); // what the store holds at the call, delivered when the test says
        return new Promise((resolve) => reads.push(() => resolve(value)));
      },
      set: (k, v) => backing.set(k, v),
    };
    const tokens = tokensFor(/** @type {any} */ (store));
    const before = keap.tokenRequests().length;
    const a = tokens.accessToken();
    const b = tokens.accessToken();
    await settle();
    reads.shift()();
    const first = await a;
    for (const r of reads.splice(0)) r(); // a second read, had there been one, answers "nothing saved"
    assert.equal(await b, first);
    assert.deepEqual(grants(keap).slice(before), ["authorization_code:200"]);
  });

  test("the new pair is saved before it is used: the token is not returned until the write completes", async () => {
    const backing = new MemoryStore();
    let release;
    let hold = false;
    const store = {
      get: (k) => backing.get(k),
      async set(k, v) {
        if (hold && isPair(v)) await new Promise((r) => (release = r));
        return backing.set(k, v);
      },
    };
    const tokens = tokensFor(/** @type {any} */ (store));
    await tokens.accessToken();
    clock.t += 3600 * 1000;
    hold = true;
    const before = keap.tokenRequests().length;
    let result;
    const pending = tokens.accessToken().then((t) => (result = t));
    while (keap.tokenRequests().length === before || !release) await settle();
    assert.equal(result, undefined, "Keap issued the pair; it is not used before it is saved");
    release();
    await pending;
    assert.equal(JSON.parse(await backing.get(tokens.storeKey)).accessToken, result);
  });

  test("a failed write keeps the pair unused; the next call saves it and uses it, with no new refresh", async () => {
    const backing = new MemoryStore();
    let failNext = false;
    const store = {
      get: (k) => backing.get(k),
      async set(k, v) {
        if (failNext && isPair(v)) {
          failNext = false;
          throw new PollerError("store.write-failed", "disk full");
        }
        return backing.set(k, v);
      },
    };
    const tokens = tokensFor(/** @type {any} */ (store));
    await tokens.accessToken();
    clock.t += 3600 * 1000;
    failNext = true;
    await rejects(tokens.accessToken(), "store.write-failed");
    const before = keap.tokenRequests().length;
    const at = await tokens.accessToken();
    assert.equal(keap.tokenRequests().length, before, "no second refresh: the first one's pair is used");
    assert.equal(JSON.parse(await backing.get(tokens.storeKey)).accessToken, at);
  });

  test("token requests count against the OAuth app's limiter: a slot is taken before each goes out", async () => {
    const order = [];
    const limiter = { take: async () => void order.push("take") };
    const f = (url, init) => (order.push(new URLSearchParams(init.body).get("grant_type")), fetch(url, init));
    const tokens = tokensFor(new MemoryStore(), { limiter, fetch: f });
    await tokens.accessToken();
    await tokens.refresh();
    assert.deepEqual(order, ["take", "authorization_code", "take", "refresh_token"]);

    // With the app's budget spent, a refresh waits for the limiter: nothing reaches Keap before.
    const lclock = virtualClock({ start: T0 });
    const { limiter: probe } = new OAuthTokens({ store: new MemoryStore(), clientId: "probe", clientSecret: "s" });
    const Limiter = /** @type {any} */ (probe).constructor;
    const full = new Limiter({ clock: lclock, perSecond: 1, perMinute: 1500 });
    const waiting = tokensFor(new MemoryStore(), { limiter: full });
    await full.take(); // an API call of the same app, this second
    const before = keap.tokenRequests().length;
    const got = waiting.accessToken();
    await settle();
    assert.equal(keap.tokenRequests().length, before, "the exchange waits for its slot");
    assert.deepEqual(lclock.waiting, [1000]);
    await lclock.advance(1000);
    assert.match(await got, /^sim-at-/);
    assert.deepEqual(grants(keap).slice(before), ["authorization_code:200"]);
    assert.equal(full.calls.length, 2, "the API call and the exchange");
  });

  test("a refused refresh: oauth.reauthorize, said without asking Keap again, kept in the store; authorize() recovers", async () => {
    const store = new MemoryStore();
    const body = seedBody(keap);
    const withBody = (b) => OAuthTokens.fromInstance(b, { store, tokenUrl: keap.tokenUrl, clock: clock.now });
    const tokens = withBody(body);
    await tokens.accessToken();
    keap.revokeRefreshToken(JSON.parse(await store.get(tokens.storeKey)).refreshToken);
    clock.t += 3600 * 1000;
    const before = keap.tokenRequests().length;
    await assert.rejects(tokens.accessToken(), (e) => {
      assert.equal(e.code, "oauth.reauthorize");
      assert.match(e.message, /refused the refresh token \(invalid_request: Invalid Refresh Token\)/);
      assert.doesNotMatch(e.message, /sim-rt-|sim-at-/, "no token in the message");
      assert.doesNotMatch(e.message, /never saved/, "no refresh was interrupted here");
      return true;
    });
    assert.equal(tokens.needsReauthorization, true);
    await rejects(tokens.accessToken(), "oauth.reauthorize");
    await rejects(tokens.refresh(), "oauth.reauthorize");
    // Another process (a new OAuthTokens on the same store, the same body) knows it too.
    const restarted = withBody(body);
    await rejects(restarted.accessToken(), "oauth.reauthorize");
    assert.equal(keap.tokenRequests().length, before + 1, "one refused refresh, never retried");
    const at = await restarted.authorize(keap.mintCode());
    assert.equal(restarted.needsReauthorization, false);
    assert.equal(await restarted.accessToken(), at);
  });

  test("after a refusal, a body with a NEW providerData.code is exchanged once; the old body never asks again", async () => {
    const store = new MemoryStore();
    const body = seedBody(keap);
    const withBody = (b) => OAuthTokens.fromInstance(b, { store, tokenUrl: keap.tokenUrl, clock: clock.now });
    const tokens = withBody(body);
    await tokens.accessToken();
    keap.revokeRefreshToken(JSON.parse(await store.get(tokens.storeKey)).refreshToken);
    await rejects(tokens.refresh(), "oauth.reauthorize");
    const before = keap.tokenRequests().length;
    await rejects(withBody(body).accessToken(), "oauth.reauthorize");
    assert.equal(keap.tokenRequests().length, before);
    const renewed = withBody(seedBody(keap));
    assert.match(await renewed.accessToken(), /^sim-at-/);
    assert.deepEqual(grants(keap).slice(before), ["authorization_code:200"]);
    assert.equal(renewed.needsReauthorization, false);
  });

  test("a refused code (used, or for another redirect_uri) needs re-authorization too", async () => {
    const withCode = (code) =>
      OAuthTokens.fromInstance(seedBody(keap, code), {
        store: new MemoryStore(),
        tokenUrl: keap.tokenUrl,
        clock: clock.now,
      });
    const code = keap.mintCode();
    await withCode(code).accessToken();
    const refused = (e) =>
      e.code === "oauth.reauthorize" && /refused the authorization code \(invalid_grant/.test(e.message);
    await assert.rejects(withCode(code).accessToken(), refused);
    await assert.rejects(withCode(keap.mintCode({ redirectUri: "https://other.example/cb" })).accessToken(), refused);
    const nothing = new OAuthTokens({
      store: new MemoryStore(),
      clientId: "a",
      clientSecret: "b",
      tokenUrl: keap.tokenUrl,
    });
    await assert.rejects(
      nothing.accessToken(),
      (e) => e.code === "oauth.reauthorize" && /no token is saved/.test(e.message),
    );
  });

  test("a token endpoint failure that is not a refusal is oauth.token-request, and the next call tries again", async () => {
    const store = new MemoryStore();
    let down = true;
    const flaky = (url, init) =>
      down ? Promise.resolve(new Response("<html>bad gateway</html>", { status: 502 })) : fetch(url, init);
    const tokens = tokensFor(store, { fetch: flaky });
    await rejects(tokens.accessToken(), "oauth.token-request");
    assert.equal(tokens.needsReauthorization, false);
    down = false;
    assert.match(await tokens.accessToken(), /^sim-at-/);
  });

  test("the crash window: Keap issued a pair, the write never completed; the next process needs re-authorization, said clearly", async () => {
    const backing = new MemoryStore();
    const first = tokensFor(backing);
    await first.accessToken();
    const hung = {
      get: (k) => backing.get(k),
      set: (k, v) => (isPair(v) ? new Promise(() => {}) : backing.set(k, v)),
    };
    const dying = OAuthTokens.fromInstance(seedBody(keap), {
      store: /** @type {any} */ (hung),
      tokenUrl: keap.tokenUrl,
      clock: clock.now,
    });
    clock.t += 3600 * 1000;
    const before = keap.tokenRequests().length;
    dying.accessToken(); // never settles: the "process" dies here
    while (keap.tokenRequests().length === before) await settle();
    const next = tokensFor(backing);
    await assert.rejects(next.accessToken(), (e) => {
      assert.equal(e.code, "oauth.reauthorize");
      assert.match(e.message, /never saved its answer/);
      return true;
    });
    await rejects(next.accessToken(), "oauth.reauthorize");
    assert.deepEqual(grants(keap).slice(before), ["refresh_token:200", "refresh_token:400"]);
  });
});

test("the crash window with a real process: SIGKILLed between Keap's answer and the save", async () => {
  const keap = await startKeapSimulator({ seed: 12, resources: { contacts: 1 } });
  const dir = await mkdtemp(join(tmpdir(), "oauth-kill-"));
  try {
    // The instance authorized earlier: its pair is in the FileStore.
    const first = new FileStore(dir);
    const setup = new OAuthTokens({
      store: first,
      ...keap.client,
      code: keap.mintCode(),
      tokenUrl: keap.tokenUrl,
      id: "child",
    });
    await setup.accessToken();
    await first.close();
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL("./helpers/oauth-child.js", import.meta.url)),
        dir,
        keap.tokenUrl,
        keap.client.clientId,
        keap.client.clientSecret,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    await new Promise((resolve, reject) => {
      child.stdout.on("data", (d) => {
        out += d;
        if (out.includes("issued")) {
          child.kill("SIGKILL");
          resolve();
        }
      });
      child.on("exit", () => resolve());
      child.on("error", reject);
    });
    const [, signal] = await new Promise((r) =>
      child.exitCode !== null ? r([child.exitCode, child.signalCode]) : child.on("exit", (c, s) => r([c, s])),
    );
    assert.equal(signal, "SIGKILL");
    assert.doesNotMatch(out, /saved/);
    assert.deepEqual(grants(keap), ["authorization_code:200", "refresh_token:200"]);
    const store = new FileStore(dir);
    try {
      const next = new OAuthTokens({ store, ...keap.client, tokenUrl: keap.tokenUrl, id: "child" });
      await assert.rejects(
        next.refresh(),
        (e) => e.code === "oauth.reauthorize" && /never saved its answer/.test(e.message),
      );
      await rejects(next.accessToken(), "oauth.reauthorize");
      assert.deepEqual(grants(keap), ["authorization_code:200", "refresh_token:200", "refresh_token:400"]);
    } finally {
      await store.close();
    }
  } finally {
    await keap.close();
    await rm(dir, { recursive: true, force: true });
  }
});

describe("encryption at rest", () => {
  let keap;
  before(async () => {
    keap = await startKeapSimulator({ seed: 13, resources: { notes: 1 } });
  });
  after(() => keap.close());
  const aes = () => crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);

  test("with a key nothing readable is saved; another key, no key, or tampering is oauth.decrypt", async () => {
    const store = new MemoryStore();
    const key = await aes();
    const make = (k) =>
      new OAuthTokens({ store, ...keap.client, code: keap.mintCode(), tokenUrl: keap.tokenUrl, id: "enc", key: k });
    const at = await make(key).accessToken();
    const saved = await store.get("oauth/enc/tokens");
    assert.ok(!saved.includes(at) && !saved.includes("sim-rt-"), "no token in the clear");
    assert.equal(JSON.parse(saved).alg, "AES-GCM");
    assert.equal(await make(key).accessToken(), at, "read back with the key");
    await rejects(make(await aes()).accessToken(), "oauth.decrypt");
    await rejects(make(undefined).accessToken(), "oauth.decrypt");
    const v = JSON.parse(saved);
    const data = Buffer.from(v.data, "base64");
    data[0] ^= 1;
    await store.set("oauth/enc/tokens", JSON.stringify({ ...v, data: data.toString("base64") }));
    await rejects(make(key).accessToken(), "oauth.decrypt");
  });

  test("options are checked: a key that is not AES-GCM, missing client credentials", async () => {
    const hmac = await crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const base = { store: new MemoryStore(), ...keap.client };
    assert.throws(() => new OAuthTokens({ ...base, key: /** @type {any} */ (hmac) }), { code: "oauth.options" });
    assert.throws(() => new OAuthTokens({ ...base, clientSecret: "" }), { code: "oauth.options" });
    assert.throws(() => new OAuthTokens({ ...base, tokenUrl: "ftp://x" }), { code: "oauth.options" });
  });
});

describe("the per-app rate limiter", () => {
  test("shared by every OAuthTokens of one client id in the process", () => {
    const store = new MemoryStore();
    const a = new OAuthTokens({ store, clientId: "shared-app", clientSecret: "s" });
    const b = new OAuthTokens({ store, clientId: "shared-app", clientSecret: "s", id: "other" });
    const c = new OAuthTokens({ store, clientId: "another-app", clientSecret: "s" });
    assert.equal(a.limiter, b.limiter);
    assert.equal(a.limiter, OAuthTokens.limiterFor("shared-app"));
    assert.notEqual(a.limiter, c.limiter);
  });

  test("25 calls a second, then the next waits for the second to pass; 1500 a minute", async () => {
    const clock = virtualClock({ start: T0 });
    const store = new MemoryStore();
    const { limiter: probe } = new OAuthTokens({ store, clientId: "probe", clientSecret: "s" });
    const Limiter = /** @type {any} */ (probe).constructor;
    const limiter = new Limiter({ clock });
    for (let i = 0; i < 25; i++) await limiter.take();
    let taken = false;
    const next = limiter.take().then(() => (taken = true));
    await settle();
    assert.equal(taken, false);
    assert.deepEqual(clock.waiting, [1000]);
    await clock.advance(1000);
    await next;
    assert.equal(taken, true);
    // The minute's budget: 1500 calls spread over the minute, then a wait for the oldest to age out.
    const slow = new Limiter({ clock, perMinute: 3, perSecond: 25 });
    const start = clock.now();
    for (let i = 0; i < 3; i++) {
      await slow.take();
      await clock.advance(10000);
    }
    let fourth = false;
    const p = slow.take().then(() => (fourth = true));
    await settle();
    assert.equal(fourth, false);
    await clock.advance(start + 60000 - clock.now());
    await p;
    assert.equal(fourth, true);
  });
});
