// The Poller's handling of a direct cycle's requests (the issue-17 contract): `auth: "bearer"`
// gets `Authorization: Bearer <token>`, `refreshToken: true` a refreshed one (one refresh for
// every cycle that saw the same token refused), hub requests pass unchanged. Driven here with
// requests shaped as the contract says, against the Keap simulator over HTTP.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { OAuthTokens, MemoryStore, Poller, PollerError, buildInstance } from "elements-poller";
import { withBearer } from "../../pkg/src/bearer.js";
import { startKeapSimulator, keapPollerConfigFor } from "../../pkg/src/testing.js";

describe("withBearer", () => {
  let keap;
  const clock = { t: Date.UTC(2024, 0, 10), now: () => clock.t };
  before(async () => {
    keap = await startKeapSimulator({ seed: 21, now: clock.now, resources: { contacts: 3, notes: 2 } });
  });
  after(() => keap.close());

  const tokensFor = () =>
    new OAuthTokens({
      store: new MemoryStore(),
      ...keap.client,
      code: keap.mintCode(),
      tokenUrl: keap.tokenUrl,
      clock: clock.now,
    });
  const request = (path, extra = {}) => ({
    method: "GET",
    url: `${keap.baseUrl}${path}`,
    headers: { accept: "application/json" },
    delayMs: 0,
    auth: "bearer",
    ...extra,
  });
  const send = (r) => fetch(r.url, { method: r.method, headers: r.headers });

  test("a hub request passes unchanged, with no token asked for", async () => {
    const req = {
      method: "GET",
      url: "https://hub/x",
      headers: { authorization: "User u, Organization o, Element e" },
    };
    const tokens = /** @type {any} */ ({ accessToken: () => assert.fail("no token for a hub request") });
    const { request: out, token } = await withBearer(req, tokens);
    assert.equal(out, req);
    assert.equal(token, undefined);
  });

  test("a bearer request without tokens is poller.tokens", async () => {
    await assert.rejects(
      withBearer(request("/v1/notes"), undefined),
      (e) => e instanceof PollerError && e.code === "poller.tokens",
    );
  });

  test("the contract's 401 path: Bearer token, a 401 after expiry, refreshToken: true refreshes once, then 200", async () => {
    const tokens = tokensFor();
    const first = await withBearer(request("/v1/contacts"), tokens);
    assert.match(first.request.headers.authorization, /^Bearer sim-at-/);
    assert.equal(first.request.headers.accept, "application/json");
    assert.equal((await send(first.request)).status, 200);
    keap.expireAccessTokens(); // expired mid-cycle, before our own clock says so
    const page2 = await withBearer(request("/v1/contacts?offset=2"), tokens, { rejected: first.token });
    assert.equal(page2.token, first.token, "still good by the clock: no refresh yet");
    assert.equal((await send(page2.request)).status, 401);
    const before = keap.tokenRequests().length;
    const retry = await withBearer(request("/v1/contacts?offset=2", { refreshToken: true }), tokens, {
      rejected: page2.token,
    });
    assert.notEqual(retry.token, first.token);
    assert.equal((await send(retry.request)).status, 200);
    assert.equal(keap.tokenRequests().length, before + 1);
  });

  test("two resources refreshing at once after the same 401 make one refresh", async () => {
    const tokens = tokensFor();
    const a = await withBearer(request("/v1/contacts"), tokens);
    keap.expireAccessTokens();
    const before = keap.tokenRequests().length;
    const [x, y] = await Promise.all([
      withBearer(request("/v1/contacts", { refreshToken: true }), tokens, { rejected: a.token }),
      withBearer(request("/v1/notes", { refreshToken: true }), tokens, { rejected: a.token }),
    ]);
    assert.equal(x.token, y.token);
    assert.deepEqual(
      keap
        .tokenRequests()
        .slice(before)
        .map((r) => r.grant),
      ["refresh_token"],
    );
    assert.equal((await send(x.request)).status, 200);
    assert.equal((await send(y.request)).status, 200);
  });

  test("every bearer request waits for the OAuth app's limiter", async () => {
    let taken = 0;
    const tokens = {
      accessToken: async () => "t",
      refresh: async () => "u",
      limiter: { take: async () => void taken++ },
    };
    await withBearer(request("/v1/notes"), tokens);
    await withBearer(request("/v1/notes", { refreshToken: true }), tokens);
    assert.equal(taken, 2);
  });
});

describe("the Poller's tokens option", () => {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "direct",
    code: "c",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/cb" },
    callbackUrl: "https://app.example.com/events",
    refreshInterval: 1,
    resources: { contacts: keapPollerConfigFor("contacts") },
  });

  test("tokens stand for the hub's auth; something that is not an OAuthTokens is poller.tokens", () => {
    const tokens = new OAuthTokens({ store: new MemoryStore(), clientId: "k", clientSecret: "s" });
    const p = new Poller({ instance: body, baseUrl: "https://api.infusionsoft.com/crm/rest", tokens });
    assert.equal(p.reauthorization, null);
    assert.throws(
      () =>
        new Poller({
          instance: body,
          baseUrl: "https://api.infusionsoft.com/crm/rest",
          tokens: /** @type {any} */ ({}),
        }),
      { code: "poller.tokens" },
    );
    assert.throws(() => new Poller({ instance: body, baseUrl: "https://api.infusionsoft.com/crm/rest" }), {
      code: "poller.auth",
    });
  });
});
