// A direct cycle (event.poller.api "direct": Keap REST v1) as JS hosts see it: which API an
// instance polls, the direct presets, and nextRequest's `auth` / `refreshToken` (the host adds
// the bearer token; after a 401 it refreshes once).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  PollCycle,
  PollerError,
  buildInstance,
  directPresets,
  pollerApi,
  presets,
  validateConfig,
} from "elements-poller";

const BASE = "https://api.infusionsoft.com/crm/rest";
const T = Date.parse("2024-11-07T21:00:00Z");
// Keap's gateway dates its answers: without a Date a multi-page pass is read again (the cycle
// cannot tell whether rows moved under it).
const headers = { date: new Date(T).toUTCString() };

function body(api) {
  return buildInstance({
    element: "infusionsoftrest",
    name: "Keap",
    code: "grant",
    oauth: { key: "client", secret: "shh", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    ...(api === undefined ? {} : { api }),
    resources: { contacts: { preset: "contacts", pageSize: 2 } },
  });
}

function page(ids, offset) {
  const contacts = ids.map((id) => ({
    id,
    date_created: "2024-11-07T20:35:13.000+0000",
    last_updated: `2024-11-07T20:35:1${id}.000+0000`,
  }));
  const next = `${BASE}/v1/contacts/?limit=2&offset=${offset + ids.length}&order=id`;
  return JSON.stringify({ contacts, count: ids.length, next });
}

test("pollerApi: hub unless the instance says direct; an unknown value is the validation error", () => {
  assert.equal(pollerApi(body()), "hub");
  assert.equal(pollerApi(body("direct")), "direct");
  const bad = body("direct");
  bad.configuration["event.poller.api"] = "drect";
  assert.throws(
    () => pollerApi(bad),
    (e) => e instanceof PollerError && e.code === "config.poller-api",
  );
  const v = validateConfig(bad);
  assert.equal(v.ok, false);
  assert.deepEqual(
    v.diagnostics.map((d) => [d.code, d.path, d.hint]),
    [["config.poller-api", 'configuration["event.poller.api"]', 'did you mean "direct"?']],
  );
});

test("directPresets: Keap's own list endpoints, beside the hub presets whose shape is unchanged", () => {
  assert.deepEqual(Object.keys(directPresets.infusionsoftrest), [
    "appointments",
    "contacts",
    "notes",
    "opportunities",
    "orders",
    "tasks",
    "transactions",
  ]);
  assert.match(directPresets.infusionsoftrest.contacts.url, /^\/v1\/contacts\?since=\$\{gmtDate:/);
  assert.equal(directPresets.infusionsoftrest.notes.url, "/v1/notes");
  assert.equal(presets.infusionsoftrest.contacts.url, "/hubs/crm/contacts");
  assert.ok(!("direct" in presets.infusionsoftrest));
  assert.ok(validateConfig(body("direct")).ok);
});

test("a direct cycle: bearer requests, Keap's next links, a 401 refreshed once", () => {
  const cycle = new PollCycle({
    instance: body("direct"),
    resource: "contacts",
    baseUrl: BASE,
    startFrom: "beginning",
    now: T,
  });
  const first = cycle.nextRequest();
  assert.equal(first.auth, "bearer");
  assert.equal(first.refreshToken, undefined);
  assert.equal(first.headers.Authorization, undefined, "the host adds the token");
  assert.match(first.url, /^https:\/\/api\.infusionsoft\.com\/crm\/rest\/v1\/contacts\?since=.*&order=id&limit=2$/);
  cycle.handleResponse({ status: 401, body: '{"fault":{"faultstring":"Invalid access token"}}' });
  const again = cycle.nextRequest();
  assert.equal(again.refreshToken, true);
  assert.equal(again.url, first.url);
  assert.deepEqual(again.retry, { attempt: 1, reason: "auth", status: 401, delayFrom: "refresh" });
  cycle.handleResponse({ status: 200, headers, body: page([1, 2], 0) });
  const second = cycle.nextRequest();
  assert.equal(second.refreshToken, undefined);
  assert.match(second.url, /\/v1\/contacts\/\?limit=2&offset=2&order=id&since=/, "Keap's link, since put back");
  cycle.handleResponse({ status: 200, headers, body: page([3], 2) });
  assert.equal(cycle.nextRequest(), null, "a short page ends the listing, next or not");
  const { events } = cycle.finish();
  assert.deepEqual(
    events.map((e) => e.objectId),
    ["1", "2", "3"],
  );
});

test("a 401 right after a refresh fails with cycle.auth; a hub cycle has no auth field", () => {
  const cycle = new PollCycle({
    instance: body("direct"),
    resource: "contacts",
    baseUrl: BASE,
    startFrom: "beginning",
    now: T,
  });
  cycle.nextRequest();
  cycle.handleResponse({ status: 401 });
  assert.equal(cycle.nextRequest().refreshToken, true);
  cycle.handleResponse({ status: 401 });
  assert.equal(cycle.nextRequest(), null);
  assert.throws(
    () => cycle.finish(),
    (e) => e instanceof PollerError && e.code === "cycle.auth",
  );
  const hub = new PollCycle({
    instance: body(),
    resource: "contacts",
    baseUrl: "https://hub.example",
    startFrom: "beginning",
    now: T,
  });
  const r = hub.nextRequest();
  assert.equal("auth" in r, false);
  assert.equal("refreshToken" in r, false);
  assert.throws(
    () =>
      new PollCycle({ resource: { name: "x", ...directPresets.infusionsoftrest.notes }, baseUrl: BASE, api: "keap" }),
    (e) => e instanceof PollerError && e.code === "options.invalid",
  );
});
