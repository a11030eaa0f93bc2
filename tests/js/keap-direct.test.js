// End to end over real HTTP on loopback, with no hub in the loop: the seed's instance body
// with `event.poller.api: "direct"` → Poller (with OAuthTokens) → the Keap simulator. The
// access token expires in the middle of both resources' cycles and both get a 401 before
// either refreshes: one refresh serves both; every version comes out once. A refused refresh
// stops the instance with one error event.
import { test } from "node:test";
import assert from "node:assert/strict";
import { OAuthTokens, MemoryStore, Poller, buildInstance, instanceIdentity } from "elements-poller";
import { startKeapSimulator } from "elements-poller/testing";
import { virtualClock } from "./helpers/clock.js";

const RESOURCES = ["contacts", "tasks"];

function directBody(keap, name) {
  return buildInstance({
    element: "infusionsoftrest",
    name,
    code: keap.mintCode(),
    oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
    callbackUrl: "https://app.example.com/events",
    api: "direct",
    refreshInterval: 1,
    resources: Object.fromEntries(RESOURCES.map((r) => [r, { preset: r, pageSize: 5 }])),
  });
}

/** `resource/id/updated` of every version the simulator ever held. */
function versionKeys(keap) {
  return RESOURCES.flatMap((r) => keap.versions(r).map((v) => `${r}/${v.id}/${new Date(v.updatedMs).toISOString()}`));
}

test("direct: token expiry mid-cycle, two resources refreshing at once, every version once", async () => {
  const keap = await startKeapSimulator({ seed: 31, resources: { contacts: 23, tasks: 17 } });
  try {
    const store = new MemoryStore();
    const body = directBody(keap, "keap-direct-e2e");
    const tokens = OAuthTokens.fromInstance(body, { store, tokenUrl: keap.tokenUrl });

    // The fetch the Poller uses: the tokens expire when the first page has been answered;
    // a 401 is held until both resources have had one, so both refresh "at once".
    const sent = [];
    let expireAfterFirst = true;
    let held = [];
    const fetchThrough = async (url, init) => {
      const res = await fetch(url, init);
      if (!String(url).startsWith(keap.baseUrl)) return res;
      sent.push({ url: String(url), authorization: init.headers.authorization, status: res.status });
      if (res.status === 200 && expireAfterFirst) {
        expireAfterFirst = false;
        keap.expireAccessTokens();
      }
      if (res.status === 401 && held !== null) {
        await new Promise((resolve) => {
          held.push({ url: String(url), resolve });
          const resources = new Set(held.map((h) => RESOURCES.find((r) => h.url.includes(`/v1/${r}`))));
          if (resources.size === RESOURCES.length) {
            for (const h of held) h.resolve();
            held = null;
          }
        });
      }
      return res;
    };

    const events = [];
    const retries = [];
    const errors = [];
    const poller = new Poller({
      instance: body,
      baseUrl: keap.baseUrl,
      tokens,
      store,
      fetch: fetchThrough,
      startFrom: "beginning",
      rateLimit: Infinity,
      onEvents: (batch) => void events.push(...batch),
    });
    poller.addEventListener("retry", (e) => retries.push(e.detail));
    poller.addEventListener("error", (e) => errors.push(e.detail));

    const first = await poller.pollOnce();
    assert.deepEqual(
      first.map((s) => [s.resource, s.error?.code]),
      RESOURCES.map((r) => [r, undefined]),
    );
    assert.equal(held, null, "both resources got a 401 before either refreshed");
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200", "refresh_token:200"],
      "one exchange, ONE refresh for both resources",
    );
    assert.deepEqual(retries.map((r) => r.reason).sort(), ["auth", "auth"]);
    assert.ok(
      sent.every((s) => /^Bearer sim-at-/.test(s.authorization)),
      "every API request carries a bearer token",
    );

    // Changes after the first poll come out in the second.
    keap.mutate({ resource: "contacts", op: "update", ids: [1, 2, 3] });
    keap.mutate({ resource: "tasks", op: "create", count: 4 });
    keap.mutate({ resource: "tasks", op: "update", id: 5001 });
    const second = await poller.pollOnce();
    assert.ok(second.every((s) => !s.error));
    assert.deepEqual(errors, []);

    const seen = new Map();
    for (const e of events) {
      const key = `${e.objectType}/${e.objectId}/${e.date}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const expected = versionKeys(keap);
    assert.deepEqual(
      expected.filter((k) => !seen.has(k)),
      [],
      "every version is emitted",
    );
    assert.deepEqual(
      [...seen].filter(([, n]) => n > 1),
      [],
      "none twice",
    );
    assert.equal(seen.size, expected.length, "nothing that is not a version");
  } finally {
    await keap.close();
  }
});

test("direct: a refused refresh stops the instance with one oauth.reauthorize error event", async () => {
  const keap = await startKeapSimulator({ seed: 32, resources: { contacts: 3, tasks: 3 } });
  try {
    const store = new MemoryStore();
    const body = directBody(keap, "keap-direct-reauth");
    const tokens = OAuthTokens.fromInstance(body, { store, tokenUrl: keap.tokenUrl });
    let requests = 0;
    const errors = [];
    const poller = new Poller({
      instance: body,
      baseUrl: keap.baseUrl,
      tokens,
      store,
      fetch: (url, init) => (requests++, fetch(url, init)),
      startFrom: "beginning",
      rateLimit: Infinity,
      onEvents: () => {},
    });
    poller.addEventListener("error", (e) => errors.push(e.detail));
    assert.ok((await poller.pollOnce()).every((s) => !s.error));

    // Keap no longer takes the refresh token, and the access token has expired.
    for (const t of keap.liveRefreshTokens()) keap.revokeRefreshToken(t);
    keap.expireAccessTokens();
    const failed = await poller.pollOnce();
    assert.ok(failed.every((s) => s.error?.code === "oauth.reauthorize"));
    assert.equal(errors.length, 1, "said once for the instance");
    assert.equal(errors[0].error.code, "oauth.reauthorize");
    assert.equal(poller.reauthorization?.code, "oauth.reauthorize");
    const refreshes = keap.tokenRequests().filter((r) => r.grant === "refresh_token").length;
    assert.equal(refreshes, 1, "one refused refresh");

    const before = requests;
    const again = await poller.pollOnce();
    assert.ok(again.every((s) => s.error?.code === "oauth.reauthorize"));
    assert.equal(requests, before, "no request goes out any more");
    assert.equal(errors.length, 1, "and nothing is said again");
    assert.equal(keap.tokenRequests().filter((r) => r.grant === "refresh_token").length, refreshes);
  } finally {
    await keap.close();
  }
});

test("direct: every version once through Keap's 429s (no Retry-After), 5xx, truncated bodies and expiries", async () => {
  // One virtual clock for the simulator, the Poller and the tokens: Keap's throttle headers ask
  // for waits of up to a minute, which pass at once here.
  const clock = virtualClock({ start: Date.UTC(2024, 5, 1), auto: true });
  const keap = await startKeapSimulator({
    seed: 33,
    now: clock.now,
    expiresIn: 600,
    resources: { contacts: 40, tasks: 25 },
  });
  try {
    keap.setFaults({ throttle: 0.1, serverError: 0.08, truncate: 0.05 });
    const store = new MemoryStore();
    const body = directBody(keap, "keap-direct-faults");
    const tokens = OAuthTokens.fromInstance(body, { store, tokenUrl: keap.tokenUrl, clock });
    const events = [];
    const poller = new Poller({
      instance: body,
      baseUrl: keap.baseUrl,
      tokens,
      store,
      clock,
      startFrom: "beginning",
      rateLimit: Infinity,
      retry: { maxRetries: 20 },
      onEvents: (batch) => void events.push(...batch),
    });
    const random = rngOf(20261201);
    for (let round = 0; round < 8; round++) {
      if (round > 0) {
        for (const resource of RESOURCES) {
          const ids = keap.records(resource).map((r) => r.id);
          keap.mutate({ resource, op: "update", ids: [ids[Math.floor(random() * ids.length)]] });
          keap.mutate({ resource, op: "create", count: Math.floor(random() * 3) });
        }
      }
      if (round % 3 === 2) keap.expireAccessTokens();
      // A failed cycle keeps its state: poll until the round's changes are all read.
      for (let tries = 0; tries < 10; tries++) {
        const summaries = await poller.pollOnce();
        if (summaries.every((s) => !s.error)) break;
      }
      clock.t += 1000;
    }
    const seen = new Map();
    for (const e of events) {
      const key = `${e.objectType}/${e.objectId}/${e.date}`;
      if (!seen.has(key)) seen.set(key, new Set());
      seen.get(key).add(e.eventId);
    }
    const expected = versionKeys(keap);
    assert.deepEqual(
      expected.filter((k) => !seen.has(k)),
      [],
      "every version is emitted",
    );
    assert.equal(seen.size, expected.length, "nothing that is not a version");
    for (const [key, ids] of seen) assert.equal(ids.size, 1, `a repeat of ${key} carries the same eventId`);
    const faults = keap.requests().filter((r) => r.fault !== "none").length;
    assert.ok(faults > 5, `faults were injected (${faults})`);
  } finally {
    await keap.close();
  }
});

test("direct: two instances with the same name and no id, in one store, keep their own tokens, state and eventIds", async () => {
  // One OAuth app authorized twice (two Keap accounts in life; two codes of one simulator here):
  // no Element token to tell them apart, so the identity fingerprints the app and the grant code.
  const keap = await startKeapSimulator({ seed: 34, resources: { contacts: 4, tasks: 2 } });
  try {
    const store = new MemoryStore();
    const make = () => {
      const body = directBody(keap, "same-name");
      const events = [];
      const poller = new Poller({
        instance: body,
        baseUrl: keap.baseUrl,
        tokens: OAuthTokens.fromInstance(body, { store, tokenUrl: keap.tokenUrl }),
        store,
        startFrom: "now",
        rateLimit: Infinity,
        onEvents: (batch) => void events.push(...batch),
      });
      return { body, poller, events };
    };
    const a = make();
    const b = make();
    const ida = instanceIdentity(a.body).instanceId;
    const idb = instanceIdentity(b.body).instanceId;
    assert.match(ida, /^same-name~[0-9a-f]{16}$/);
    assert.notEqual(ida, idb);

    // Baselines, then a change; A polls it (advancing its state) before B polls at all.
    for (const x of [a, b]) assert.ok((await x.poller.pollOnce()).every((s) => !s.error));
    keap.mutate({ resource: "contacts", op: "update", ids: [1, 2] });
    assert.ok((await a.poller.pollOnce()).every((s) => !s.error));
    assert.ok((await a.poller.pollOnce()).every((s) => !s.error));
    assert.ok((await b.poller.pollOnce()).every((s) => !s.error));
    const versions = (events) => events.map((e) => `${e.objectType}/${e.objectId}/${e.date}`).sort();
    assert.equal(a.events.length, 2, "A: the two updates, once");
    assert.deepEqual(versions(b.events), versions(a.events), "B was not robbed of them by A's state");
    const shared = a.events.filter((e) => b.events.some((f) => f.eventId === e.eventId));
    assert.deepEqual(shared, [], "the same versions, but each instance's own eventIds");

    // Each its own keys in the store: state per instance, tokens per instance (two exchanges).
    const keys = await store.keys();
    for (const id of [ida, idb]) {
      assert.ok(keys.includes(`poller/${encodeURIComponent(id)}/state/contacts`), `${id}'s state`);
      assert.ok(keys.includes(`oauth/${encodeURIComponent(id)}/tokens`), `${id}'s tokens`);
    }
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200", "authorization_code:200"],
    );
  } finally {
    await keap.close();
  }
});

function rngOf(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
