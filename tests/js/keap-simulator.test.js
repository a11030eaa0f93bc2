// The Keap simulator over real HTTP on 127.0.0.1: the token endpoint's flows, the v1 lists'
// envelopes and quirks, the quotas and the control API (reference/keap-rest-v1-facts.md).
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { startKeapSimulator, KEAP_RESOURCE_NAMES } from "../../pkg/src/testing.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
const FORM = { "content-type": "application/x-www-form-urlencoded" };

function clock(start = T0) {
  const c = { t: start, now: () => c.t };
  return c;
}

async function json(res) {
  const text = await res.text();
  try {
    return { status: res.status, headers: res.headers, text, body: JSON.parse(text) };
  } catch {
    return { status: res.status, headers: res.headers, text, body: undefined };
  }
}

function exchange(keap, code, overrides = {}) {
  const { clientId, clientSecret, redirectUri } = keap.client;
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code,
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uri: redirectUri,
    ...overrides,
  });
  return fetch(keap.tokenUrl, { method: "POST", headers: FORM, body: form }).then(json);
}

function refresh(keap, token, { id = keap.client.clientId, secret = keap.client.clientSecret } = {}) {
  return fetch(keap.tokenUrl, {
    method: "POST",
    headers: { ...FORM, authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token }),
  }).then(json);
}

const list = (keap, path, token) =>
  fetch(path.startsWith("http") ? path : keap.baseUrl + path, { headers: { authorization: `Bearer ${token}` } }).then(
    json,
  );

describe("the token endpoint", () => {
  let keap;
  before(async () => {
    keap = await startKeapSimulator({ seed: 1, now: clock().now, resources: { contacts: 3 } });
  });
  after(() => keap.close());

  test("a minted code is exchanged once, with the client in the body, for Keap's token answer", async () => {
    const code = keap.mintCode();
    const r = await exchange(keap, code);
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, "bearer");
    assert.equal(r.body.expires_in, 86400);
    assert.equal(r.body.scope, "full|sim123.infusionsoft.com");
    assert.match(r.body.access_token, /^sim-at-/);
    assert.match(r.body.refresh_token, /^sim-rt-/);
    assert.equal(r.headers.get("cache-control"), "no-store");
    const again = await exchange(keap, code);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, "invalid_grant");
  });

  test("a code is refused with another redirect_uri, a wrong secret, or an unknown code", async () => {
    const code = keap.mintCode();
    assert.equal((await exchange(keap, code, { redirect_uri: "https://evil.example/cb" })).body.error, "invalid_grant");
    assert.equal((await exchange(keap, keap.mintCode(), { client_secret: "nope" })).status, 401);
    assert.equal((await exchange(keap, "code-never-minted")).body.error, "invalid_grant");
  });

  test("a JSON body gets Keap's 400", async () => {
    const res = await fetch(keap.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "authorization_code", code: keap.mintCode() }),
    }).then(json);
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, {
      error: "invalid_request",
      error_description: "response_type or grant_type is required",
    });
  });

  test("refresh tokens rotate: the new pair works, the old refresh token gets Keap's 400", async () => {
    const first = (await exchange(keap, keap.mintCode())).body;
    const second = await refresh(keap, first.refresh_token);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    const reused = await refresh(keap, first.refresh_token);
    assert.equal(reused.status, 400);
    assert.deepEqual(reused.body, { error: "invalid_request", error_description: "Invalid Refresh Token" });
    assert.equal((await list(keap, "/v1/contacts", second.body.access_token)).status, 200);
    // Client credentials go in a Basic header for a refresh; a wrong one is refused.
    assert.equal((await refresh(keap, second.body.refresh_token, { secret: "wrong" })).status, 401);
    // ... and did not use up the refresh token.
    assert.equal((await refresh(keap, second.body.refresh_token)).status, 200);
  });
});

describe("the bearer check", () => {
  test("a bad or expired token gets the Apigee 401 fault; expiry follows the simulator clock", async () => {
    const c = clock();
    const keap = await startKeapSimulator({ seed: 2, now: c.now, expiresIn: 60, resources: { contacts: 2 } });
    try {
      const tok = (await exchange(keap, keap.mintCode())).body;
      assert.equal((await list(keap, "/v1/contacts", tok.access_token)).status, 200);
      const fault = {
        fault: { faultstring: "Invalid access token", detail: { errorcode: "oauth.v2.InvalidAccessToken" } },
      };
      const bad = await list(keap, "/v1/contacts", "not-a-token");
      assert.equal(bad.status, 401);
      assert.deepEqual(bad.body, fault);
      c.t += 59999;
      assert.equal((await list(keap, "/v1/contacts", tok.access_token)).status, 200);
      c.t += 1;
      assert.deepEqual((await list(keap, "/v1/contacts", tok.access_token)).body, fault);
      // advanceClock and expireAccessTokens move a fresh token past its end too.
      const fresh = (await refresh(keap, tok.refresh_token)).body;
      keap.advanceClock(60000);
      assert.equal((await list(keap, "/v1/contacts", fresh.access_token)).status, 401);
      const third = (await refresh(keap, fresh.refresh_token)).body;
      keap.expireAccessTokens();
      assert.equal((await list(keap, "/v1/contacts", third.access_token)).status, 401);
    } finally {
      await keap.close();
    }
  });
});

describe("the v1 lists", () => {
  let keap, token;
  const c = clock();
  before(async () => {
    keap = await startKeapSimulator({
      seed: 3,
      now: c.now,
      resources: { contacts: 5, notes: 3, tasks: 4, appointments: 2 },
    });
    token = (await exchange(keap, keap.mintCode())).body.access_token;
  });
  after(() => keap.close());

  test("the envelope: the list's key, count, absolute next/previous with Keap's quirks", async () => {
    const r = await list(
      keap,
      "/v1/contacts?limit=2&since=2000-01-01T00:00:00.000Z&optional_properties=custom_fields",
      token,
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.contacts.length, 2);
    assert.equal(r.body.count, 2);
    assert.equal(
      r.body.next,
      `${keap.baseUrl}/v1/contacts/?limit=2&offset=2&since=2000-01-01T00%3A00%3A00.000Z&order=id`,
    );
    assert.equal(
      r.body.previous,
      `${keap.baseUrl}/v1/contacts/?limit=2&offset=0&since=2000-01-01T00%3A00%3A00.000Z&order=id`,
    );
    assert.ok(r.body.contacts[0].custom_fields, "asked for: there");
    // Following next as Keap wrote it loses optional_properties.
    const page2 = await list(keap, r.body.next, token);
    assert.equal(page2.body.contacts.length, 2);
    assert.equal(page2.body.contacts[0].custom_fields, undefined);
    assert.deepEqual(
      [...r.body.contacts, ...page2.body.contacts].map((x) => x.id),
      [1, 2, 3, 4],
    );
    // The last page (short, then empty) still has a next link; next.limit = items returned.
    const page3 = await list(keap, page2.body.next, token);
    assert.equal(page3.body.contacts.length, 1);
    assert.match(page3.body.next, /\/contacts\/\?limit=1&offset=6&/);
    const empty = await list(keap, "/v1/contacts?offset=5", token);
    assert.deepEqual(empty.body.contacts, []);
    assert.equal(typeof empty.body.next, "string");
  });

  test("dates are +0000, contacts carry last_updated_utc_millis, the default limit is 1000", async () => {
    const r = await list(keap, "/v1/contacts", token);
    const x = r.body.contacts[0];
    assert.match(x.last_updated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    assert.equal(x.last_updated_utc_millis, Date.parse(x.last_updated.replace("+0000", "Z")));
    assert.equal(x.job_title, undefined, "an optional property, not asked for");
    assert.match(r.body.previous, /limit=1000&offset=0/);
    const t = (await list(keap, "/v1/tasks", token)).body;
    assert.match(t.tasks[0].due_date, /\+0000$/);
    assert.equal(typeof t.sync_token, "string");
    assert.equal(typeof (await list(keap, "/v1/appointments", token)).body.sync_token, "string");
  });

  test("since/until filter on the updated date, inclusive; notes have no date filter", async () => {
    const [rec] = keap.mutate({ resource: "contacts", op: "update", id: 2, fields: { given_name: "New" } });
    const at = rec.last_updated.replace("+0000", "Z");
    const since = await list(keap, `/v1/contacts?since=${at}`, token);
    assert.deepEqual(
      since.body.contacts.map((x) => x.id),
      [2],
    );
    const until = await list(keap, `/v1/contacts?until=${new Date(Date.parse(at) - 1).toISOString()}`, token);
    assert.ok(!until.body.contacts.some((x) => x.id === 2));
    assert.equal((await list(keap, "/v1/contacts?since=yesterday", token)).status, 400);
    const notes = await list(keap, `/v1/notes?since=${new Date(T0 + 1e9).toISOString()}`, token);
    assert.equal(notes.body.notes.length, 3, "the filter does not apply to notes");
  });

  test("an unknown list is Keap's HTML 404", async () => {
    const r = await list(keap, "/v1/nothing", token);
    assert.equal(r.status, 404);
    assert.match(r.text, /Keap - Page Not Found/);
  });

  test("every list answers with its envelope key", async () => {
    const all = await startKeapSimulator({
      seed: 4,
      resources: Object.fromEntries(KEAP_RESOURCE_NAMES.map((n) => [n, 1])),
    });
    try {
      const tok = (await exchange(all, all.mintCode())).body.access_token;
      for (const name of KEAP_RESOURCE_NAMES) {
        const r = await list(all, `/v1/${name}/`, tok);
        assert.equal(r.status, 200, name);
        assert.equal(r.body[name].length, 1, name);
      }
    } finally {
      await all.close();
    }
  });
});

describe("quotas", () => {
  test("every answer carries x-keap-product-*; past the minute's budget a 429 without Retry-After", async () => {
    const c = clock();
    const keap = await startKeapSimulator({
      seed: 5,
      now: c.now,
      limits: { throttleLimit: 3 },
      resources: { notes: 1 },
    });
    try {
      const tok = (await exchange(keap, keap.mintCode())).body.access_token;
      const seen = [];
      for (let i = 0; i < 4; i++) {
        const r = await list(keap, "/v1/notes", tok);
        seen.push([r.status, r.headers.get("x-keap-product-throttle-available")]);
        c.t += 1000; // a second apart: no spike arrest
      }
      assert.deepEqual(seen, [
        [200, "2"],
        [200, "1"],
        [200, "0"],
        [429, "0"],
      ]);
      const r = await list(keap, "/v1/notes", tok);
      assert.equal(r.status, 429);
      assert.equal(r.headers.get("retry-after"), null);
      assert.deepEqual(r.body, { code: "429", message: "Quota Exceeded", status: "Request Throttled", details: null });
      assert.equal(r.headers.get("x-keap-product-quota-used"), "3");
      c.t += 60000; // the rolling minute has passed
      assert.equal((await list(keap, "/v1/notes", tok)).status, 200);
    } finally {
      await keap.close();
    }
  });

  test("more than spikeLimit calls in a second are refused without quota headers", async () => {
    const c = clock();
    const keap = await startKeapSimulator({ seed: 6, now: c.now, limits: { spikeLimit: 2 }, resources: { notes: 1 } });
    try {
      const tok = (await exchange(keap, keap.mintCode())).body.access_token;
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await list(keap, "/v1/notes", tok)).status);
      assert.deepEqual(statuses, [200, 200, 429]);
      const r = await list(keap, "/v1/notes", tok);
      assert.equal(r.body.fault.detail.errorcode, "policies.ratelimit.SpikeArrestViolation");
      assert.equal(r.headers.get("x-keap-product-throttle-limit"), null);
      c.t += 1000;
      assert.equal((await list(keap, "/v1/notes", tok)).status, 200);
    } finally {
      await keap.close();
    }
  });

  test("several OAuth apps: each app's codes and tokens need its own credentials, each has its own budget", async () => {
    const c = clock();
    const other = { clientId: "sim-client-2", clientSecret: "sim-secret-2", redirectUri: "https://two.example/cb" };
    const keap = await startKeapSimulator({
      seed: 6,
      now: c.now,
      apps: [other],
      limits: { spikeLimit: 2, throttleLimit: 3 },
      resources: { notes: 1 },
    });
    try {
      assert.deepEqual(
        keap.apps.map((a) => a.clientId),
        [keap.client.clientId, other.clientId],
      );
      const asOther = { client_id: other.clientId, client_secret: other.clientSecret, redirect_uri: other.redirectUri };
      // A code is good only with the credentials of the app it was issued to.
      const refused = await exchange(keap, keap.mintCode({ clientId: other.clientId }));
      assert.deepEqual([refused.status, refused.body.error], [400, "invalid_grant"]);
      assert.equal((await exchange(keap, keap.mintCode(), asOther)).body.error, "invalid_grant");
      assert.equal((await exchange(keap, keap.mintCode(), { ...asOther, client_secret: "x" })).status, 401);
      const first = (await exchange(keap, keap.mintCode())).body;
      const second = (await exchange(keap, keap.mintCode({ clientId: other.clientId }), asOther)).body;
      assert.equal(typeof second.access_token, "string");
      // So is a refresh token.
      const crossed = await refresh(keap, second.refresh_token);
      assert.deepEqual([crossed.status, crossed.body.error], [400, "invalid_request"]);
      const rotated = await refresh(keap, second.refresh_token, { id: other.clientId, secret: other.clientSecret });
      assert.equal(rotated.status, 200);
      assert.deepEqual(
        keap
          .tokenRequests()
          .filter((t) => t.status === 200)
          .map((t) => t.clientId),
        [keap.client.clientId, other.clientId, other.clientId],
      );
      // Two calls of the first app fill its second; the other app's calls are counted apart.
      const statuses = [];
      for (const tok of [first.access_token, first.access_token, first.access_token, rotated.body.access_token])
        statuses.push((await list(keap, "/v1/notes", tok)).status);
      assert.deepEqual(statuses, [200, 200, 429, 200]);
      c.t += 1000;
      const minute = [];
      for (const tok of [first.access_token, first.access_token, rotated.body.access_token])
        minute.push((await list(keap, "/v1/notes", tok)).status);
      assert.deepEqual(
        minute,
        [200, 429, 200],
        "the first app's fourth call of the minute is refused, not the other's",
      );
      assert.deepEqual(
        keap
          .requests()
          .filter((r) => r.url.startsWith("/crm/rest") && r.status === 200)
          .map((r) => r.clientId),
        [keap.client.clientId, keap.client.clientId, other.clientId, keap.client.clientId, other.clientId],
      );
      assert.throws(() => keap.mintCode({ clientId: "nobody" }), /no OAuth app "nobody"/);
    } finally {
      await keap.close();
    }
  });

  test("faults: an injected throttle is Keap's 429, a truncate spoils the body", async () => {
    const keap = await startKeapSimulator({ seed: 7, resources: { notes: 4 } });
    try {
      const tok = (await exchange(keap, keap.mintCode())).body.access_token;
      keap.setFaults({ next: ["throttle", "serverError", "truncate"] });
      const a = await list(keap, "/v1/notes", tok);
      assert.equal(a.status, 429);
      assert.equal(a.headers.get("retry-after"), null);
      assert.equal(a.headers.get("x-keap-product-throttle-available"), "0");
      assert.equal((await list(keap, "/v1/notes", tok)).status, 503);
      const t = await list(keap, "/v1/notes", tok);
      assert.equal(t.status, 200);
      assert.equal(t.body, undefined, "not JSON");
      assert.equal((await list(keap, "/v1/notes", tok)).body.notes.length, 4);
    } finally {
      await keap.close();
    }
  });
});

describe("the control API", () => {
  test("codes, records, versions, faults, clock over HTTP; other origins refused", async () => {
    const c = clock();
    const keap = await startKeapSimulator({ seed: 8, now: c.now, resources: { orders: 2 } });
    try {
      const post = (path, body) =>
        fetch(keap.controlUrl + path, { method: "POST", body: JSON.stringify(body) }).then(json);
      const { body: minted } = await post("/codes", {});
      assert.equal((await exchange(keap, minted.code)).status, 200);
      const created = await post("/orders", { count: 2, fields: { title: "made" } });
      assert.equal(created.status, 201);
      assert.equal(created.body.records.length, 2);
      assert.match(created.body.records[0].modification_date, /\+0000$/);
      const versions = (await fetch(`${keap.controlUrl}/orders/versions`).then(json)).body;
      assert.equal(versions.length, 4);
      assert.equal((await post("/clock", { advanceMs: 5000 })).body.now, T0 + 5000);
      assert.equal((await post("/faults", { throttle: 0.5 })).body.throttle, 0.5);
      assert.equal((await post("/clock", { advanceMs: "soon" })).status, 400);
      const info = (await fetch(keap.controlUrl).then(json)).body;
      assert.equal(info.tokenUrl, keap.tokenUrl);
      assert.equal(info.clientSecret, keap.client.clientSecret, "the simulated app, for a console to fill a body with");
      // Revoking the app's access: the refresh token is refused as Keap refuses it, the access token too.
      const { body: tok } = await exchange(keap, keap.mintCode());
      assert.deepEqual((await post("/revoke", {})).body, { revoked: 2 }, "both exchanges' refresh tokens");
      assert.equal(info.pollerConfiguration.orders.url, "/v1/orders?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}");
      assert.deepEqual(keap.liveRefreshTokens(), []);
      assert.equal((await list(keap, "/v1/orders", tok.access_token)).status, 401);
      const refused = await refresh(keap, tok.refresh_token);
      assert.deepEqual([refused.status, refused.body.error], [400, "invalid_request"]);
      const cross = await fetch(keap.tokenUrl, { method: "POST", headers: { origin: "https://evil.example" } });
      assert.equal(cross.status, 403);
    } finally {
      await keap.close();
    }
  });
});

describe("in the console's server", () => {
  test("the console's origin serves the Keap simulator beside the hub", async () => {
    const { serveConsole } = await import("../../www/server.mjs");
    const server = await serveConsole({ port: 0, keap: { seed: 9, resources: { notes: 2 } } });
    try {
      const info = await fetch(`${server.url}/__keap`).then(json);
      assert.equal(info.status, 200);
      assert.equal(info.body.tokenUrl, `${server.url}/token`);
      const token = (await exchange(server.keap, server.keap.mintCode())).body.access_token;
      const notes = await list(server.keap, "/v1/notes", token);
      assert.equal(notes.body.notes.length, 2);
      assert.equal((await fetch(`${server.url}/__hub`)).status, 200, "the hub is still there");
    } finally {
      await server.close();
    }
  });
});
