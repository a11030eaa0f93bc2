// Two worker processes and an API process on one PostgreSQL the test starts, polling the hub
// simulator: every change is delivered to the receiver exactly once, both workers share the
// work, and the cycles of one (instance, resource) never overlap.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, until, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody, receivedVersions } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const RESOURCES = ["appointments", "contacts"];
const INSTANCES = 6;

test("two workers deliver every change exactly once", { timeout: 120_000 }, async () => {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed: 11, resources: { appointments: 4, contacts: 4 } });
  const services = [];
  try {
    const env = serviceEnv(hub, postgres.url);
    const workerArgs = ["--role", "worker", "--interval-ms", "100", "--concurrency", "2"];
    // The api spreads first polls over the interval: the same interval as the workers'.
    services.push(await startService(["--role", "api", "--port", "0", "--interval-ms", "100"], env));
    services.push(await startService(workerArgs, env), await startService(workerArgs, env));
    const [apiProc, ...workers] = services;

    const ids = [];
    for (let i = 0; i < INSTANCES; i++) {
      const res = await api(apiProc.url, "POST", "/instances", hubBody(hub, `exactly-once-${i}`, RESOURCES));
      assert.equal(res.status, 200, res.text);
      ids.push(res.json.id);
    }
    // The versions of every (instance, resource), by key.
    const versions = async () => {
      const out = new Map();
      for (const id of ids)
        for (const r of (await api(apiProc.url, "GET", `/instances/${id}`)).json.resources)
          out.set(`${id}/${r.name}`, r.version);
      return out;
    };
    /** Until every (instance, resource) has run a whole cycle after now (two commits later). */
    const cycledSinceNow = async () => {
      const start = await versions();
      await until(async () => [...(await versions())].every(([k, v]) => v >= start.get(k) + 2));
    };
    // Each resource's first cycle is its baseline: changes after it are events.
    await cycledSinceNow();
    const t0 = hub.now();
    // A poll sees a record's latest version: every version is seen when each round of changes
    // is followed by a whole cycle of every resource.
    for (let round = 0; round < 4; round++) {
      hub.mutate({ resource: RESOURCES[round % 2], op: round % 3 === 0 ? "create" : "update", count: 1 + (round % 3) });
      await cycledSinceNow();
    }
    const expected = [];
    for (const id of ids)
      for (const resource of RESOURCES)
        for (const v of hub.versions(resource).filter((v) => v.at >= t0))
          expected.push(`${id}/${resource}/${v.id}/${new Date(v.updatedMs).toISOString()}`);
    await until(() => {
      const got = receivedVersions(hub);
      return expected.every((k) => got.has(k));
    });
    // Two more rounds of cycles after the last change: a late duplicate would show by now.
    const cyclesNow = workers.reduce((n, w) => n + w.lines.filter((l) => l.msg === "cycle").length, 0);
    await until(
      () =>
        workers.reduce((n, w) => n + w.lines.filter((l) => l.msg === "cycle").length, 0) >=
        cyclesNow + 2 * INSTANCES * RESOURCES.length,
    );

    const got = receivedVersions(hub);
    const repeats = [...got.values()].reduce((n, v) => n + v.count - 1, 0);
    const perWorker = workers.map((w) => w.lines.filter((l) => l.msg === "cycle").length);
    console.log(
      `exactly-once (server): ${expected.length} versions, ${got.size} received, ${repeats} repeats; cycles per worker ${perWorker.join(", ")}`,
    );
    assert.deepEqual([...got.keys()].sort(), [...expected].sort(), "every version received, nothing else");
    assert.equal(repeats, 0, "no version delivered twice");
    for (const [key, v] of got) assert.equal(v.ids.size, 1, key);
    assert.ok(
      perWorker.every((n) => n > 0),
      "both workers ran cycles",
    );

    // The cycles of one (instance, resource), across both workers, one after the other.
    const spans = new Map();
    for (const w of workers) {
      const open = new Map();
      for (const l of w.lines) {
        const key = `${l.instance}/${l.resource}`;
        if (l.msg === "cycle started") open.set(key, Date.parse(l.time));
        else if ((l.msg === "cycle" || l.msg === "cycle failed") && open.has(key)) {
          spans.set(key, [...(spans.get(key) ?? []), [open.get(key), Date.parse(l.time)]]);
          open.delete(key);
        }
      }
    }
    for (const [key, list] of spans) {
      list.sort((a, b) => a[0] - b[0]);
      for (let i = 1; i < list.length; i++) assert.ok(list[i][0] >= list[i - 1][1], `cycles of ${key} overlap`);
    }
    assert.equal(
      workers.flatMap((w) => w.lines).filter((l) => l.msg?.startsWith("cycle outcome refused")).length,
      0,
      "no cycle lost a race: the engine let one run at a time",
    );
  } finally {
    for (const s of services) await s.stop();
    await hub.close();
    await postgres.stop();
  }
});
