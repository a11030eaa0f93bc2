// The API against a real PostgreSQL the test starts: the seed's body accepted, every wrong
// body of tests/data/configs answered with validateConfig's diagnostics, authentication,
// secrets masked in responses and sealed at rest, the configuration checked at start.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import pg from "pg";
import { validateConfig, buildInstance } from "elements-poller";
import { readConfig } from "elements-poller-server";
import { serviceEnv, api, until, AUTH, inProcessHubService } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

const data = new URL("../data/", import.meta.url).pathname;
/** The seed's example body with a grant code where its placeholder is, as a user sends it. */
const seedBody = () =>
  readFileSync(`${data}seed/curl-body.json`, "utf8").replace("<AUTHORIZATION_GRANT_CODE>", "grant-code-4711");

let postgres, hub, server, stop;
before(async () => {
  ({ postgres, hub, server, stop } = await inProcessHubService({
    seed: 7,
    resources: { appointments: 3 },
    args: ["--interval-ms", "60000"],
  }));
});
after(() => stop?.());

test("the seed's body is accepted: id, token once, secrets masked, sealed at rest", async () => {
  const text = seedBody();
  const secret = JSON.parse(text).configuration["oauth.api.secret"];
  const res = await api(server.url, "POST", "/instances", text);
  assert.equal(res.status, 200, res.text);
  const { id, token, name, element, configuration, createdDate } = res.json;
  assert.equal(typeof id, "string");
  assert.ok(token.length >= 40);
  assert.equal(name, JSON.parse(text).name);
  assert.deepEqual(element, { key: "infusionsoftrest" });
  assert.ok(!Number.isNaN(Date.parse(createdDate)));
  assert.equal(configuration["oauth.api.key"], "Rand0MAP1-key");
  assert.notEqual(configuration["oauth.api.secret"], secret);
  assert.ok(!res.text.includes(secret), "the secret is not in the response");
  assert.ok(!res.text.includes("grant-code-4711"), "the grant code is not in the response");

  const one = await api(server.url, "GET", `/instances/${id}`);
  assert.equal(one.status, 200);
  assert.equal(one.json.token, undefined, "the token is shown once");
  assert.ok(!one.text.includes(secret));
  assert.deepEqual(
    one.json.resources.map((r) => r.name),
    ["appointments"],
  );
  const list = await api(server.url, "GET", "/instances");
  assert.ok(list.json.some((i) => i.id === id));
  assert.ok(!list.text.includes(secret) && !list.text.includes(token));

  // At rest: no secret, grant code or token in any table of ours.
  const client = new pg.Client(postgres.url);
  await client.connect();
  try {
    const { rows } = await client.query("SELECT row_to_json(i)::text AS t FROM elements_poller.instances i");
    const dump = rows.map((r) => r.t).join("\n");
    assert.ok(dump.includes(id));
    for (const s of [secret, "grant-code-4711", token])
      assert.ok(!dump.includes(s), "a secret is sealed or hashed at rest");
  } finally {
    await client.end();
  }

  assert.equal((await api(server.url, "DELETE", `/instances/${id}`)).status, 200);
  assert.equal((await api(server.url, "GET", `/instances/${id}`)).status, 404);
});

test("every wrong body gets 400 with validateConfig's diagnostics, paths and all", async () => {
  let wrong = 0;
  for (const file of readdirSync(`${data}configs`).filter((f) => f.endsWith(".json"))) {
    const text = readFileSync(`${data}configs/${file}`, "utf8");
    const verdict = validateConfig(text);
    if (verdict.ok) continue;
    wrong++;
    const res = await api(server.url, "POST", "/instances", text);
    assert.equal(res.status, 400, file);
    assert.equal(typeof res.json.message, "string");
    assert.deepEqual(res.json.diagnostics, verdict.diagnostics, file);
  }
  assert.ok(wrong >= 30, `${wrong} wrong bodies`);
});

test("authentication: both secrets, compared exactly", async () => {
  const { ELEMENTS_USER_SECRET: u, ELEMENTS_ORGANIZATION_SECRET: o } = serviceEnv(hub, "");
  for (const auth of [
    undefined,
    "",
    `User ${u}`,
    `Organization ${o}`,
    `User ${u}x, Organization ${o}`,
    `User ${u}, Organization ${o.slice(0, -1)}`,
    `User ${o}, Organization ${u}`,
  ]) {
    const res = await api(server.url, "GET", "/instances", undefined, { auth: auth ?? null });
    assert.equal(res.status, 401, String(auth));
    assert.ok(!res.text.includes(u) && !res.text.includes(o));
  }
  assert.equal((await api(server.url, "POST", "/instances", seedBody(), { auth: null })).status, 401);
  assert.equal(
    (await api(server.url, "GET", "/instances", undefined, { auth: `User ${u}, Organization ${o}` })).status,
    200,
  );
  assert.equal((await api(server.url, "GET", "/healthz", undefined, { auth: null })).status, 200);
});

test("a poll on demand, its events, a delivery redelivered, and the metrics", async () => {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "api-test",
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: hub.webhookUrl,
    signatureKey: hub.signatureKey,
    refreshInterval: 60,
    resources: { appointments: hub.pollerConfig("appointments") },
  });
  const { json: inst } = await api(server.url, "POST", "/instances", body);
  const versionOf = async () => (await api(server.url, "GET", `/instances/${inst.id}`)).json.resources[0].version;
  assert.equal((await api(server.url, "POST", `/instances/${inst.id}/poll`)).status, 202);
  await until(async () => (await versionOf()) >= 1);
  hub.mutate({ resource: "appointments", op: "update", count: 2 });
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => (await versionOf()) >= 2);
  const events = await api(server.url, "GET", `/instances/${inst.id}/events?limit=1`);
  assert.equal(events.status, 200);
  assert.equal(events.json.events.length, 1);
  assert.ok(events.json.next);
  const rest = await api(server.url, "GET", `/instances/${inst.id}/events?before=${events.json.next}`);
  assert.equal(rest.json.events.length, 1);

  const delivered = await until(async () => {
    const d = await api(server.url, "GET", `/deliveries?status=delivered&instance=${inst.id}`);
    return d.json.length ? d.json : undefined;
  });
  assert.equal(delivered[0].eventIds.length, 2);
  const received = () => hub.received().filter((r) => r.status === 200 && r.body.message.instanceId === inst.id);
  await until(() => received().length === 1);
  const again = await api(server.url, "PUT", `/deliveries/${delivered[0].id}`);
  assert.equal(again.status, 200);
  assert.equal(again.json.status, "queued");
  await until(() => received().length === 2);
  const [a, b] = received();
  assert.deepEqual(
    b.body.message.events.map((e) => e.eventId),
    a.body.message.events.map((e) => e.eventId),
    "a redelivery carries the same eventIds",
  );
  assert.equal(a.verified, true, "notifications are signed with the instance's key");
  assert.equal((await api(server.url, "GET", "/deliveries?status=bogus")).status, 400);
  assert.equal((await api(server.url, "PUT", "/deliveries/999999")).status, 404);

  const metrics = await api(server.url, "GET", "/metrics", undefined, { auth: null });
  assert.equal(metrics.status, 200);
  assert.match(metrics.text, /elements_poller_polls_total\{result="ok"\} \d+/);
  assert.match(metrics.text, /elements_poller_deliveries_total\{result="delivered"\} \d+/);
  assert.match(metrics.text, /elements_poller_instances \d+/);
  assert.ok(!metrics.text.includes(hub.signatureKey));
});

test("DELETED: through the poller's reconcile key (the core decides: the first cycle lists in full), and on demand (POST /instances/{id}/reconcile)", async () => {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "reconcile",
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    refreshInterval: 60,
    resources: { appointments: { ...hub.pollerConfig("appointments"), pageSize: 2, reconcile: { everyHours: 24 } } },
  });
  const { json: inst } = await api(server.url, "POST", "/instances", body);
  const versionOf = async () => (await api(server.url, "GET", `/instances/${inst.id}`)).json.resources[0].version;
  // The first cycle lists in full (the core's decision: there is no listing yet).
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => (await versionOf()) >= 1);
  const [gone] = hub.records("appointments");
  hub.mutate({ resource: "appointments", op: "delete", id: gone.id });
  const asked = await api(server.url, "POST", `/instances/${inst.id}/reconcile`);
  assert.equal(asked.status, 202);
  await until(async () => (await versionOf()) >= 2);
  const events = (await api(server.url, "GET", `/instances/${inst.id}/events`)).json.events;
  const deleted = events.filter((e) => e.eventType === "DELETED");
  assert.deepEqual(
    deleted.map((e) => e.objectId),
    [String(gone.id)],
    JSON.stringify(events),
  );
  hub.mutate({ resource: "appointments", op: "restore", id: gone.id });
});

test("the configuration is checked at start, each problem named", () => {
  const env = serviceEnv(hub, "postgres://127.0.0.1/x");
  assert.deepEqual(readConfig(["--role", "boss"], env).errors, [
    '--role (or ELEMENTS_ROLE) must be one of api, worker, all, not "boss"',
  ]);
  const missing = readConfig([], { DATABASE_URL: "postgres://u:hunter22@db/x" }).errors.join("\n");
  assert.match(missing, /ELEMENTS_USER_SECRET is required/);
  assert.match(missing, /ELEMENTS_ORGANIZATION_SECRET is required/);
  assert.match(missing, /ELEMENTS_ENCRYPTION_KEY is required with DATABASE_URL/);
  assert.ok(!missing.includes("hunter22"), "a database password is never quoted");
  assert.match(readConfig(["--port", "http"], env).errors[0], /--port \(or PORT\) must be a whole number/);
  assert.match(readConfig(["--nope"], env).errors[0], /--nope/);
  assert.equal(
    readConfig(["--role", "worker"], {
      DATABASE_URL: "postgres://db/x",
      ELEMENTS_ENCRYPTION_KEY: env.ELEMENTS_ENCRYPTION_KEY,
    }).errors,
    undefined,
  );
});

test("an Element token scopes a request to its instance, as the platform's hub calls", async () => {
  const created = [];
  for (const name of ["scoped-a", "scoped-b"]) {
    const res = await api(server.url, "POST", "/instances", hubBody(hub, name, ["appointments"]));
    assert.equal(res.status, 200, res.text);
    created.push(res.json);
  }
  const [a, b] = created;
  const scoped = { auth: `${AUTH}, Element ${a.token}` };
  const list = await api(server.url, "GET", "/instances", undefined, scoped);
  assert.deepEqual(
    list.json.map((i) => i.id),
    [a.id],
  );
  assert.equal((await api(server.url, "GET", `/instances/${a.id}`, undefined, scoped)).status, 200);
  // Another instance is not found with this token, whatever the route.
  for (const [method, path, body] of [
    ["GET", `/instances/${b.id}`],
    ["PATCH", `/instances/${b.id}`, {}],
    ["DELETE", `/instances/${b.id}`],
    ["POST", `/instances/${b.id}/poll`],
    ["GET", `/instances/${b.id}/events`],
    ["GET", `/deliveries?instance=${b.id}`],
  ]) {
    const res = await api(server.url, method, path, body, scoped);
    assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
  }
  assert.equal((await api(server.url, "GET", `/instances/${b.id}`)).status, 200, "b is still there");
  const deliveries = await api(server.url, "GET", "/deliveries", undefined, scoped);
  assert.equal(deliveries.status, 200);
  assert.ok(deliveries.json.every((d) => d.instanceId === a.id));
  const others = (await api(server.url, "GET", "/deliveries")).json.filter((d) => d.instanceId !== a.id);
  assert.ok(others.length > 0, "an earlier test left deliveries of another instance");
  assert.equal((await api(server.url, "PUT", `/deliveries/${others[0].id}`, undefined, scoped)).status, 404);
  const create = await api(server.url, "POST", "/instances", hubBody(hub, "from-a", ["appointments"]), scoped);
  assert.equal(create.status, 403);

  // The token scopes; it does not replace the User and Organization secrets.
  for (const auth of [`Element ${a.token}`, `${AUTH}, Element ${a.token}x`, `${AUTH}, Element ${b.token.slice(1)}`]) {
    const res = await api(server.url, "GET", "/instances", undefined, { auth });
    assert.equal(res.status, 401, auth);
    assert.ok(!res.text.includes(a.token));
  }
  // A deleted instance's token reaches nothing.
  assert.equal((await api(server.url, "DELETE", `/instances/${a.id}`, undefined, scoped)).status, 200);
  assert.equal((await api(server.url, "GET", "/instances", undefined, scoped)).status, 401);
});

test("GET /deliveries?status=queued lists a delivery still being retried (its callback is down), and only there", async () => {
  const body = hubBody(hub, "callback-down", ["appointments"]);
  // Nothing listens on port 1: every attempt fails and the delivery waits for its next retry.
  body.configuration["event.notification.callback.url"] = "http://127.0.0.1:1/events";
  const created = await api(server.url, "POST", "/instances", body);
  assert.equal(created.status, 200, created.text);
  const { id } = created.json;
  const versionOf = async () => (await api(server.url, "GET", `/instances/${id}`)).json.resources[0].version;
  await api(server.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await versionOf()) >= 1);
  hub.mutate({ resource: "appointments", op: "update", count: 1 });
  await api(server.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await versionOf()) >= 2);
  // Once its first attempt failed: queued, with the attempt counted and the next one due.
  const [queued, ...more] = await until(async () => {
    const d = await api(server.url, "GET", `/deliveries?status=queued&instance=${id}`);
    assert.equal(d.status, 200, d.text);
    return d.json.some((x) => x.attempts >= 1) ? d.json : undefined;
  });
  assert.deepEqual(more, []);
  assert.equal(queued.status, "queued");
  assert.equal(queued.instanceId, id);
  assert.ok(queued.lastError, "the failed attempt's error is kept");
  assert.ok(!Number.isNaN(Date.parse(queued.nextAttemptDate)), "the next attempt is due");
  assert.equal(queued.eventIds.length, 1);
  for (const status of ["dead", "delivered"])
    assert.deepEqual((await api(server.url, "GET", `/deliveries?status=${status}&instance=${id}`)).json, [], status);
  // The unfiltered list has it; the queued list holds no delivery of another status.
  assert.ok((await api(server.url, "GET", `/deliveries?instance=${id}`)).json.some((d) => d.id === queued.id));
  const all = (await api(server.url, "GET", "/deliveries?status=queued")).json;
  assert.ok(all.some((d) => d.id === queued.id));
  assert.ok(all.every((d) => d.status === "queued"));
  assert.equal((await api(server.url, "DELETE", `/instances/${id}`)).status, 200);
});
