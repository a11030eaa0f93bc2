// PATCH /instances/{id} against a real PostgreSQL: a JSON merge patch re-validated as a POST is
// (400 with validateConfig's diagnostics of the merged body); a resource whose dates
// configuration changed restarts from the PATCH's instant and the answer says why; resources
// added start polling, removed ones stop; secrets stay masked, and a mask sent back keeps the
// stored secret.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { validateConfig } from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { createServer, readConfig } from "elements-poller-server";
import { privatePostgres } from "./helpers/postgres.js";
import { serviceEnv, api, until } from "./helpers/service.js";
import { hubBody, receivedVersions } from "./helpers/instances.js";

let postgres, hub, server;
before(async () => {
  postgres = await privatePostgres();
  hub = await startHubSimulator({ seed: 5, resources: { appointments: 3, contacts: 3, tasks: 3 } });
  const config = readConfig(["--port", "0", "--interval-ms", "600000"], serviceEnv(hub, postgres.url));
  server = await createServer(config.options, { log: () => {} });
});
after(async () => {
  await server?.close();
  await hub?.close();
  await postgres?.stop();
});

/** One statement on the service's database, on a connection of its own. */
async function postgresQuery(text, values) {
  const client = new pg.Client(postgres.url);
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

const get = async (id) => (await api(server.url, "GET", `/instances/${id}`)).json;
const versionOf = async (id, name) => (await get(id)).resources.find((r) => r.name === name)?.version ?? -1;

async function pollUntil(id, name, atLeast) {
  await api(server.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await versionOf(id, name)) >= atLeast);
}

test(
  "a PATCH restarts a resource whose dates changed, adds and removes resources, keeps secrets",
  { timeout: 90_000 },
  async () => {
    const created = await api(server.url, "POST", "/instances", hubBody(hub, "patched", ["appointments", "contacts"]));
    assert.equal(created.status, 200, created.text);
    const { id } = created.json;
    await pollUntil(id, "appointments", 1);
    await pollUntil(id, "contacts", 1);
    // Settled: each chain's next job is queued an interval ahead (none due, none running).
    await until(async () => {
      const { rows } = await postgresQuery(
        "SELECT count(*) FILTER (WHERE state = 'created' AND start_after > now()) AS later, count(*) AS all FROM pgboss.job WHERE name = 'elements_poller_poll' AND state IN ('created', 'retry', 'active') AND singleton_key LIKE $1 || '/%'",
        [id],
      );
      return Number(rows[0].all) === 2 && Number(rows[0].later) === 2;
    });

    // What a GET shows, its masked signature key sent back with a changed time zone: the
    // stored key must survive (deliveries below are verified with it).
    const shown = await get(id);
    const masked = shown.configuration["event.notification.signature.key"];
    assert.notEqual(masked, hub.signatureKey);
    const dates = { ...hub.pollerConfig("appointments").datesConfiguration, updatedDateTimezone: "UTC" };
    const patched = await api(server.url, "PATCH", `/instances/${id}`, {
      name: "patched-renamed",
      configuration: {
        "event.notification.signature.key": masked,
        "event.poller.configuration": {
          appointments: { datesConfiguration: dates },
          contacts: null,
          tasks: hub.pollerConfig("tasks"),
        },
      },
    });
    const answered = Date.now();
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.name, "patched-renamed");
    assert.deepEqual(patched.json.added, ["tasks"]);
    assert.deepEqual(patched.json.removed, ["contacts"]);
    assert.deepEqual(
      patched.json.restarted.map((r) => r.name),
      ["appointments"],
    );
    assert.match(patched.json.restarted[0].reason, /datesConfiguration changed \(updatedDateTimezone\)/);
    assert.ok(!patched.text.includes(hub.signatureKey), "secrets are masked in the answer");
    assert.equal(patched.json.configuration["event.notification.signature.key"], masked);

    const client = new pg.Client(postgres.url);
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT resource, state, start_from FROM elements_poller.resources WHERE instance_id = $1 ORDER BY resource",
        [id],
      );
      assert.deepEqual(
        rows.map((r) => r.resource),
        ["appointments", "tasks"],
      );
      for (const r of rows) assert.ok(r.start_from, `${r.resource} starts from the PATCH's instant`);
      // And is polled at once, not when its chain's queued job came due (an interval on): the
      // restarted and the added resource each have a job due by the time the PATCH answered.
      const { rows: jobs } = await client.query(
        "SELECT singleton_key, start_after FROM pgboss.job WHERE name = 'elements_poller_poll' AND state IN ('created', 'retry', 'active') AND singleton_key = ANY($1) ORDER BY singleton_key",
        [[`${id}/appointments`, `${id}/tasks`]],
      );
      assert.deepEqual(
        jobs.map((j) => [j.singleton_key, j.start_after.getTime() <= answered]),
        [
          [`${id}/appointments`, true],
          [`${id}/tasks`, true],
        ],
      );
    } finally {
      await client.end();
    }

    // A change made after the PATCH is an event of the restarted resource and of the added one
    // (they start from the PATCH's instant, not from their first cycle's).
    const t0 = hub.now();
    hub.mutate({ resource: "appointments", op: "update", count: 1 });
    hub.mutate({ resource: "tasks", op: "update", count: 1 });
    const a = await versionOf(id, "appointments");
    const t = await versionOf(id, "tasks");
    await pollUntil(id, "appointments", a + 1);
    await pollUntil(id, "tasks", t + 1);
    const expected = ["appointments", "tasks"].flatMap((r) =>
      hub
        .versions(r)
        .filter((v) => v.at >= t0)
        .map((v) => `${id}/${r}/${v.id}/${new Date(v.updatedMs).toISOString()}`),
    );
    assert.equal(expected.length, 2);
    // receivedVersions throws on a delivery not signed with the stored key.
    await until(() => expected.every((k) => receivedVersions(hub).has(k)));
    assert.equal((await get(id)).name, "patched-renamed");
  },
);

test(
  "a PATCH is validated as a whole body: 400 with the merged body's diagnostics, nothing changed",
  { timeout: 90_000 },
  async () => {
    const created = await api(server.url, "POST", "/instances", hubBody(hub, "invalid-patch", ["appointments"]));
    const { id } = created.json;
    const before = await get(id);
    const patch = { configuration: { "event.poller.refresh_interval": "soon" } };
    const res = await api(server.url, "PATCH", `/instances/${id}`, patch);
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.message, /the patched instance body has \d+ error/);
    const merged = hubBody(hub, "invalid-patch", ["appointments"]);
    merged.configuration["event.poller.refresh_interval"] = "soon";
    assert.deepEqual(res.json.diagnostics, validateConfig(JSON.stringify(merged)).diagnostics);
    assert.ok(res.json.diagnostics.some((d) => d.path?.includes("event.poller.refresh_interval")));
    assert.deepEqual(await get(id), before, "a refused PATCH changes nothing");

    for (const [body, pattern] of [
      ["[1]", /a PATCH body is a JSON object/],
      [{ element: { key: "hubspot" } }, /element.key cannot change/],
    ]) {
      const r = await api(server.url, "PATCH", `/instances/${id}`, body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.message, pattern);
    }
    assert.equal((await api(server.url, "PATCH", "/instances/nope", {})).status, 404);
    const unchanged = await api(server.url, "PATCH", `/instances/${id}`, {});
    assert.equal(unchanged.status, 200);
    assert.deepEqual(unchanged.json.restarted, []);
  },
);
