// The hub simulator over real HTTP on 127.0.0.1.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import http from "node:http";
import {
  startHubSimulator,
  parseWhere,
  compileWhere,
  parseInstant,
  CeqlError,
  DEFAULT_CREDENTIALS,
} from "../../pkg/src/testing.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);

function clock(start = T0) {
  const c = {
    t: start,
    now: () => c.t,
    advance: (ms) => {
      c.t += ms;
    },
  };
  return c;
}

async function get(hub, path, { auth = hub.authorization, headers = {} } = {}) {
  const res = await fetch(hub.baseUrl + path, { headers: { ...(auth ? { authorization: auth } : {}), ...headers } });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const where = (w) => `?where=${encodeURIComponent(w)}`;

async function control(hub, method, path, body) {
  const res = await fetch(hub.controlUrl + path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe("CEQL", () => {
  const dates = new Set(["modification_date"]);
  const match = (w, rec) => compileWhere(parseWhere(w), dates)(rec);

  test("comparisons, AND binds tighter than OR, parentheses", () => {
    const r = { id: 5, title: "a", modification_date: "2024-01-01T10:00:00.500Z" };
    assert.equal(match("id = 5", r), true);
    assert.equal(match("id != 5", r), false);
    assert.equal(match("id <> 4", r), true);
    assert.equal(match("id >= 5 AND id <= 5", r), true);
    assert.equal(match("id < 5 OR id > 4 AND title = 'a'", r), true);
    assert.equal(match("(id < 5 OR id > 4) AND title = 'b'", r), false);
    assert.equal(match("id < 5 or title = 'a'", r), true, "keywords are case-insensitive");
    assert.equal(match("NOT id = 4", r), true);
  });

  test("single-quoted values with '' escapes, LIKE, IN, IS NULL", () => {
    const r = { id: 7, name: "O'Brien", email: null, nested: { x: "y" } };
    assert.equal(match("name = 'O''Brien'", r), true);
    assert.equal(match("name LIKE 'o''b%'", r), true);
    assert.equal(match("name LIKE '_''Bri_n'", r), true);
    assert.equal(match("name NOT LIKE '%z%'", r), true);
    assert.equal(match("id IN (1, 7, '9')", r), true);
    assert.equal(match("id NOT IN (1, 2)", r), true);
    assert.equal(match("email IS NULL", r), true);
    assert.equal(match("name IS NOT NULL", r), true);
    assert.equal(match("missing IS NULL", r), true);
    assert.equal(match("nested.x = 'y'", r), true);
  });

  test("date fields compare instants, not strings", () => {
    const r = { modification_date: "2024-01-01T10:00:00.500Z" };
    // as strings "…00.500Z" < "…00Z" ('.' < 'Z'); as instants it is later
    assert.equal(match("modification_date > '2024-01-01T10:00:00Z'", r), true);
    assert.equal(match("modification_date > '2024-01-01T10:00:00.500Z'", r), false);
    assert.equal(match("modification_date >= '2024-01-01T10:00:00.500Z'", r), true);
    assert.equal(match("modification_date = '2024-01-01T11:00:00.500+01:00'", r), true);
    assert.equal(match("modification_date < '2024-01-01T05:00:01-05:00'", r), true);
    assert.equal(match("modification_date > '2024-01-01'", r), true);
    assert.equal(match("modification_date < '2024-01-01T10:00Z'", r), false);
    assert.equal(parseInstant("2024-01-01T10:00:00Z"), Date.UTC(2024, 0, 1, 10));
    assert.equal(parseInstant("2024-01-01T10:00:00.123456+0000"), Date.UTC(2024, 0, 1, 10, 0, 0, 123));
    assert.equal(parseInstant("2024-02-30T00:00:00Z"), undefined);
  });

  test("malformed clauses throw CeqlError with a column", () => {
    for (const bad of ["", "id =", "id = 'x", "(id = 1", "id = 1 AND", "id ! 1", "id = 1 id = 2", "= 1", "id IN 1"]) {
      assert.throws(() => parseWhere(bad), CeqlError, bad);
    }
    try {
      parseWhere("id = 1 AND");
    } catch (e) {
      assert.equal(e.column, 11);
    }
  });
});

describe("hub API", () => {
  let hub, c;
  before(async () => {
    c = clock();
    hub = await startHubSimulator({ seed: 7, now: c.now });
  });
  after(() => hub.close());

  test("Authorization is checked: 401 with a JSON message otherwise", async () => {
    for (const auth of [
      null,
      "User x, Organization y, Element z",
      `User ${DEFAULT_CREDENTIALS.user}, Organization ${DEFAULT_CREDENTIALS.organization}`,
    ]) {
      const r = await get(hub, "/hubs/crm/appointments", { auth });
      assert.equal(r.status, 401);
      assert.match(r.json.message, /Invalid/);
    }
    const ok = await get(hub, "/hubs/crm/appointments", {
      auth: "User sim-user-secret,Organization sim-organization-secret,  Element sim-element-token",
    });
    assert.equal(ok.status, 200);
  });

  test("custom credentials", async () => {
    const other = await startHubSimulator({ credentials: { user: "u1", organization: "o1", element: "e1" } });
    try {
      assert.equal(other.authorization, "User u1, Organization o1, Element e1");
      assert.equal((await get(other, "/hubs/crm/tasks", { auth: hub.authorization })).status, 401);
      assert.equal((await get(other, "/hubs/crm/tasks")).status, 200);
    } finally {
      await other.close();
    }
  });

  test("every resource serves Keap-shaped records in order of updated then id", async () => {
    const fields = {
      appointments: [
        "id",
        "title",
        "description",
        "location",
        "start_date",
        "end_date",
        "contact_id",
        "user",
        "creation_date",
        "modification_date",
      ],
      contacts: ["id", "given_name", "family_name", "email_addresses", "date_created", "last_updated"],
      opportunities: ["id", "opportunity_title", "contact", "stage", "date_created", "last_updated"],
      tasks: ["id", "title", "due_date", "completed", "creation_date", "modification_date"],
      orders: ["id", "title", "status", "total", "order_items", "creation_date", "modification_date"],
      transactions: ["id", "amount", "currency", "status", "transaction_date"],
    };
    for (const [resource, names] of Object.entries(fields)) {
      const r = await get(hub, `/hubs/crm/${resource}`);
      assert.equal(r.status, 200, resource);
      assert.ok(r.json.length > 0);
      for (const rec of r.json) for (const f of names) assert.ok(f in rec, `${resource}.${f}`);
      const cfg = hub.pollerConfig(resource);
      const upd = cfg.datesConfiguration.updatedDateField;
      for (const rec of r.json) {
        assert.match(rec[upd], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.ok(Date.parse(rec[upd]) >= Date.parse(rec[cfg.datesConfiguration.createdDateField]));
      }
      for (let i = 1; i < r.json.length; i++) {
        const a = r.json[i - 1],
          b = r.json[i];
        assert.ok(a[upd] < b[upd] || (a[upd] === b[upd] && a.id < b.id), `${resource} order at ${i}`);
      }
    }
  });

  test("records are deterministic from the seed", async () => {
    const again = await startHubSimulator({ seed: 7, now: c.now });
    const other = await startHubSimulator({ seed: 8, now: c.now });
    try {
      const a = (await get(hub, "/hubs/crm/contacts")).text;
      assert.equal((await get(again, "/hubs/crm/contacts")).text, a);
      assert.notEqual((await get(other, "/hubs/crm/contacts")).text, a);
    } finally {
      await again.close();
      await other.close();
    }
  });

  test("where over HTTP, including instants, quotes and a 400 on a malformed clause", async () => {
    const all = (await get(hub, "/hubs/crm/appointments")).json;
    const pivot = all[20].modification_date;
    const seconds = pivot.slice(0, 19) + "Z"; // lower precision literal
    const later = (await get(hub, "/hubs/crm/appointments" + where(`modification_date > '${seconds}'`))).json;
    assert.deepEqual(
      later.map((r) => r.id),
      all.filter((r) => Date.parse(r.modification_date) > Date.parse(seconds)).map((r) => r.id),
    );
    assert.ok(later.some((r) => r.modification_date === pivot) || Date.parse(pivot) === Date.parse(seconds));
    const both = (
      await get(
        hub,
        "/hubs/crm/appointments" +
          where(`id = ${all[0].id} OR (id = ${all[1].id} AND location = '${all[1].location.replace(/'/g, "''")}')`),
      )
    ).json;
    assert.deepEqual(both.map((r) => r.id).sort(), [all[0].id, all[1].id].sort());
    const bad = await get(hub, "/hubs/crm/appointments" + where("modification_date > "));
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /where/);
    const notDate = await get(
      hub,
      "/hubs/crm/appointments" + where("modification_date > 'Mon Jan 01 10:00:00 GMT 2024'"),
    );
    assert.equal(notDate.status, 400);
    assert.match(notDate.json.message, /not a date/);
    const unknown = await get(hub, "/hubs/crm/appointments" + where("nope = 1"));
    assert.equal(unknown.status, 400);
    assert.match(unknown.json.message, /Unknown field 'nope'/);
  });

  test("paging: tokens, counts, Date header from the simulator clock", async () => {
    const all = (await get(hub, "/hubs/crm/appointments")).json;
    const seen = [];
    let token = null,
      pages = 0;
    do {
      const r = await get(
        hub,
        `/hubs/crm/appointments?pageSize=7${token ? `&nextPage=${encodeURIComponent(token)}` : ""}`,
      );
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("elements-total-count"), String(all.length));
      assert.equal(r.headers.get("elements-returned-count"), String(r.json.length));
      assert.equal(r.headers.get("date"), new Date(c.now()).toUTCString());
      seen.push(...r.json);
      token = r.headers.get("elements-next-page-token");
      pages++;
    } while (token);
    assert.equal(pages, Math.ceil(all.length / 7));
    assert.deepEqual(
      seen.map((r) => r.id),
      all.map((r) => r.id),
    );
    const bad = await get(hub, "/hubs/crm/appointments?nextPage=garbage");
    assert.equal(bad.status, 400);
    assert.equal((await get(hub, "/hubs/crm/appointments?pageSize=0")).status, 400);
    assert.equal((await get(hub, "/hubs/crm/appointments?pageSize=999999")).json.length, all.length);
  });

  test("offset paging: an update during a multi-page read shifts later items", async () => {
    const h = await startHubSimulator({ seed: 3, now: c.now, resources: { tasks: 10 } });
    try {
      const p1 = await get(h, "/hubs/crm/tasks?pageSize=5");
      const before = (await get(h, "/hubs/crm/tasks")).json.map((r) => r.id);
      c.advance(1000);
      h.mutate({ resource: "tasks", op: "update", id: p1.json[0].id, fields: { completed: true } });
      const p2 = await get(h, `/hubs/crm/tasks?pageSize=5&nextPage=${p1.headers.get("elements-next-page-token")}`);
      const read = [...p1.json, ...p2.json].map((r) => r.id);
      assert.ok(!read.includes(before[5]), "the first item of page 2 shifted into page 1 and was skipped");
      assert.equal(read.filter((id) => id === p1.json[0].id).length, 2, "the updated record is read twice");
    } finally {
      await h.close();
    }
  });

  test("mutations through the control API and methods are visible in queries", async () => {
    c.advance(60000);
    const since = new Date(c.now() - 1).toISOString();
    const created = await control(hub, "POST", "/appointments", { fields: { title: "Sim created" } });
    assert.equal(created.status, 201);
    const rec = created.json.records[0];
    assert.equal(rec.title, "Sim created");
    assert.equal(rec.creation_date, new Date(c.now()).toISOString());
    assert.equal(rec.modification_date, rec.creation_date);
    c.advance(1500);
    const patched = await control(hub, "PATCH", `/appointments/${rec.id}`, { fields: { location: "Moon" } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.location, "Moon");
    assert.equal(patched.json.modification_date, new Date(c.now()).toISOString());
    c.advance(10);
    const bulk = hub.mutate({ resource: "appointments", op: "update", count: 3 });
    assert.equal(bulk.length, 3);
    assert.equal(new Set(bulk.map((r) => r.modification_date)).size, 1, "one bulk update, one instant");
    const byMutate = await control(hub, "POST", "/mutate", { resource: "appointments", op: "create", count: 2 });
    assert.equal(byMutate.json.records.length, 2);
    const q = await get(hub, "/hubs/crm/appointments" + where(`modification_date > '${since}'`));
    const ids = q.json.map((r) => r.id);
    for (const r of [rec, ...bulk, ...byMutate.json.records]) assert.ok(ids.includes(r.id));
    assert.equal(q.json.find((r) => r.id === rec.id).location, "Moon");
    const versions = (await control(hub, "GET", "/appointments/versions")).json;
    const mine = versions.filter((v) => v.id === rec.id);
    assert.ok(mine.length >= 2, "created, then patched (a bulk update may have picked it too)");
    assert.equal(mine[0].created, rec.creation_date);
    assert.equal(mine[1].updated, patched.json.modification_date);
    assert.deepEqual(hub.versions("appointments"), versions);
    assert.equal((await control(hub, "PATCH", "/appointments/424242", { fields: {} })).status, 404);
    assert.throws(
      () => hub.mutate({ resource: "appointments", op: "update", id: 424242 }),
      (e) => e.code === "hub.not-found",
    );
    assert.throws(
      () => hub.mutate({ resource: "appointments", op: "upsert" }),
      (e) => e.code === "hub.bad-request",
    );
    assert.throws(
      () => hub.mutate({ resource: "nope", op: "create" }),
      (e) => e.code === "hub.not-found",
    );
    assert.equal((await control(hub, "POST", "/nope", {})).status, 404);
  });

  test("late visibility and explicit updated instants", async () => {
    c.advance(1000);
    const [late] = hub.mutate({ resource: "contacts", op: "create", visibleAfterMs: 5000 });
    const find = async () => (await get(hub, "/hubs/crm/contacts")).json.find((r) => r.id === late.id);
    assert.equal(await find(), undefined);
    c.advance(5000);
    assert.equal((await find()).last_updated, late.last_updated);
    const [old] = hub.mutate({ resource: "contacts", op: "update", id: late.id, updatedAt: "2020-01-01T00:00:00Z" });
    assert.equal(old.last_updated, "2020-01-01T00:00:00.000Z");
  });
});

describe("faults", () => {
  let hub, c;
  before(async () => {
    c = clock();
    hub = await startHubSimulator({ seed: 11, now: c.now, resources: { appointments: 30 } });
  });
  after(() => hub.close());

  test("429 with Retry-After and Keap throttle headers, then normal", async () => {
    hub.setFaults({ next: [{ fault: "throttle", retryAfter: 7, count: 2 }] });
    for (let i = 0; i < 2; i++) {
      const r = await get(hub, "/hubs/crm/appointments");
      assert.equal(r.status, 429);
      assert.equal(r.headers.get("retry-after"), "7");
      assert.equal(r.headers.get("x-keap-product-throttle-available"), "0");
      assert.ok(r.headers.get("x-keap-product-throttle-limit"));
      assert.ok(r.headers.get("x-keap-product-throttle-expiry-time"));
    }
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 200);
  });

  test("5xx through the control API", async () => {
    const set = await control(hub, "POST", "/faults", { next: [502, "serverError"] });
    assert.equal(set.json.next.length, 2);
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 502);
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 503);
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 200);
  });

  test("latency delays the answer (recorded in the request log)", async () => {
    hub.clearRequests();
    hub.setFaults({ next: [{ fault: "latency", ms: 30 }] });
    const r = await get(hub, "/hubs/crm/appointments");
    assert.equal(r.status, 200);
    assert.equal(hub.requests()[0].fault, "latency");
  });

  test("a truncated body is not JSON; an aborted one fails the read", async () => {
    hub.setFaults({ next: ["truncate"] });
    const r = await get(hub, "/hubs/crm/appointments");
    assert.equal(r.status, 200);
    assert.equal(r.json, undefined);
    assert.ok(r.text.startsWith("[{"));
    hub.setFaults({ next: ["abort"] });
    await assert.rejects(get(hub, "/hubs/crm/appointments"));
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 200);
  });

  test("clock skew shifts the Date header and the stamps on records", async () => {
    hub.setFaults({ skewMs: -120000 });
    const r = await get(hub, "/hubs/crm/appointments");
    assert.equal(r.headers.get("date"), new Date(c.now() - 120000).toUTCString());
    const [rec] = hub.mutate({ resource: "appointments", op: "create" });
    assert.equal(rec.modification_date, new Date(c.now() - 120000).toISOString());
    hub.setFaults({ skewMs: 0 });
  });

  test("probabilities are deterministic from the seed", async () => {
    const run = async () => {
      const h = await startHubSimulator({
        seed: 99,
        now: c.now,
        resources: ["tasks"],
        faults: { throttle: 0.3, serverError: 0.2 },
      });
      const statuses = [];
      for (let i = 0; i < 30; i++) statuses.push((await get(h, "/hubs/crm/tasks")).status);
      await h.close();
      return statuses;
    };
    const a = await run();
    assert.deepEqual(await run(), a);
    assert.ok(a.includes(429) && a.includes(503) && a.includes(200));
  });

  test("DELETE /faults clears", async () => {
    hub.setFaults({ throttle: 1 });
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 429);
    await control(hub, "DELETE", "/faults");
    assert.equal((await get(hub, "/hubs/crm/appointments")).status, 200);
  });
});

describe("webhook receiver", () => {
  let hub;
  before(async () => {
    hub = await startHubSimulator({ signatureKey: "s3cret" });
  });
  after(() => hub.close());

  const post = (body, headers) =>
    fetch(hub.webhookUrl, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const sign = (body, key = "s3cret") => `sha256=${createHmac("sha256", key).update(body).digest("base64")}`;

  test("verifies the signature of the raw body and records what arrived", async () => {
    const body = JSON.stringify({ message: { eventId: "e1", events: [{ eventType: "CREATED", objectId: "1" }] } });
    const ok = await post(body, { "elements-webhook-signature": sign(body), "elements-webhook-id": "w-1" });
    assert.equal(ok.status, 200);
    const bad = await post(body, { "elements-webhook-signature": sign(body, "wrong"), "elements-webhook-id": "w-2" });
    assert.equal(bad.status, 401);
    const none = await post(body, {});
    assert.equal(none.status, 401);
    const got = hub.received();
    assert.equal(got.length, 3);
    assert.deepEqual(
      got.map((r) => [r.verified, r.webhookId, r.status]),
      [
        [true, "w-1", 200],
        [false, "w-2", 401],
        [false, null, 401],
      ],
    );
    assert.deepEqual(got[0].body, JSON.parse(body));
    assert.equal(got[0].rawBody, body);
    assert.equal(got[0].headers["content-type"], "application/json");
    const viaHttp = await (await fetch(hub.controlUrl + "/received")).json();
    assert.equal(viaHttp.length, 3);
    await fetch(hub.controlUrl + "/received", { method: "DELETE" });
    assert.equal(hub.received().length, 0);
  });

  test("injected failures", async () => {
    hub.setFaults({ webhook: { next: [500, { status: 429, retryAfter: 3 }] } });
    const body = JSON.stringify({ message: { eventId: "e", count: 0, events: [] } }); // a notification: verifyNotification rejects other bodies
    const h = { "elements-webhook-signature": sign(body) };
    assert.equal((await post(body, h)).status, 500);
    const r = await post(body, h);
    assert.equal(r.status, 429);
    assert.equal(r.headers.get("retry-after"), "3");
    assert.equal((await post(body, h)).status, 200);
    assert.deepEqual(
      hub.received().map((x) => x.status),
      [500, 429, 200],
    );
  });
});

test("createHubSimulator mounts on an existing server; handle() says what it took", async () => {
  const { createHubSimulator } = await import("../../pkg/src/testing.js");
  const sim = createHubSimulator({ resources: { contacts: 3 } });
  const server = http.createServer((req, res) => {
    if (sim.handle(req, res)) return;
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("console");
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  try {
    sim.setBaseUrl(`http://127.0.0.1:${server.address().port}`);
    assert.equal(await (await fetch(sim.url + "/index.html")).text(), "console");
    const r = await fetch(sim.baseUrl + "/hubs/crm/contacts", { headers: { authorization: sim.authorization } });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).length, 3);
    const info = await (await fetch(sim.controlUrl)).json();
    assert.equal(info.webhookUrl, sim.webhookUrl);
    assert.deepEqual(info.resources, ["contacts"]);
    assert.equal(info.pollerConfiguration.contacts.datesConfiguration.updatedDateField, "last_updated");
  } finally {
    sim.dispose();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test("close() ends keep-alive sockets and pending slow responses promptly", async () => {
  const hub = await startHubSimulator({ resources: ["tasks"] });
  const agent = new http.Agent({ keepAlive: true });
  const status = await new Promise((resolve, reject) => {
    http
      .get(hub.baseUrl + "/hubs/crm/tasks", { agent, headers: { authorization: hub.authorization } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      })
      .on("error", reject);
  });
  assert.equal(status, 200);
  hub.setFaults({ latencyMs: 3_600_000 }); // an hour: close() must not wait for it
  const pending = fetch(hub.baseUrl + "/hubs/crm/tasks", { headers: { authorization: hub.authorization } }).then(
    (r) => r.text(),
    (e) => e,
  );
  while (hub.requests().length < 2) await new Promise((r) => setImmediate(r));
  await hub.close();
  await pending;
  await assert.rejects(fetch(hub.baseUrl + "/hubs/crm/tasks"));
  agent.destroy();
});
