// Instances polled on schedule: every (instance, resource) runs one cycle after another, each due
// one interval after the previous one ended and never started before it is due; none is skipped
// (each chain of poll jobs lives on, one job at a time); first polls spread over the interval;
// and every cycle's schedule lag (start − due) is in the metrics. What the test reads is the
// job engine's own record (pg-boss's job table: due, started, completed), so it asserts the
// structure of the schedule, not how fast this machine keeps it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, until, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const INSTANCES = 20;
const INTERVAL_MS = 1000;
const CYCLES = 5;

test("every instance is polled each interval, on schedule, and its lag is measured", { timeout: 180_000 }, async () => {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed: 7, resources: { appointments: 3 } });
  const db = new pg.Pool({ connectionString: postgres.url, max: 1 });
  // pool.end() resolves before its client's socket closes, so PostgreSQL's "terminating
  // connection" at its stop can still reach it: unheard, that error ends the test process.
  db.on("error", () => {});
  let service;
  try {
    // One process with the API and the workers: its /metrics is the registry the cycles wrote to.
    service = await startService(
      ["--role", "all", "--port", "0", "--interval-ms", String(INTERVAL_MS), "--concurrency", "4"],
      serviceEnv(hub, postgres.url),
    );
    const created = new Map();
    for (let i = 0; i < INSTANCES; i++) {
      const res = await api(service.url, "POST", "/instances", hubBody(hub, `schedule-${i}`, ["appointments"]));
      assert.equal(res.status, 200, res.text);
      created.set(`${res.json.id}/appointments`, Date.parse(res.json.createdDate));
    }
    const jobs = async () =>
      (
        await db.query(
          `SELECT singleton_key AS key, state, (data->>'due')::bigint AS due, start_after, created_on, started_on, completed_on
           FROM pgboss.job WHERE name = 'elements_poller_poll' ORDER BY singleton_key, (data->>'due')::bigint`,
        )
      ).rows.map((j) => ({ ...j, due: Number(j.due) }));
    const completedPerChain = async () => {
      const n = new Map([...created.keys()].map((k) => [k, 0]));
      for (const j of await jobs()) if (j.state === "completed") n.set(j.key, n.get(j.key) + 1);
      return n;
    };
    await until(async () => [...(await completedPerChain()).values()].every((n) => n >= CYCLES));

    // The lag histogram against the job table, read before and after it: every cycle started
    // (not more, not fewer) observed its lag once.
    const completedBefore = (await jobs()).filter((j) => j.state === "completed").length;
    const text = await fetch(`${service.url}/metrics`).then((r) => r.text());
    const all = await jobs();
    const startedAfter = all.filter((j) => j.started_on !== null).length;
    const sample = (name) => {
      const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
      assert.ok(m, `${name} in /metrics`);
      return Number(m[1]);
    };
    const lagCount = sample("elements_poller_schedule_lag_seconds_count");
    assert.ok(sample("elements_poller_schedule_lag_seconds_sum") >= 0);
    assert.equal(sample('elements_poller_schedule_lag_seconds_bucket\\{le="\\+Inf"\\}'), lagCount);
    assert.ok(
      completedBefore <= lagCount && lagCount <= startedAfter,
      `lag observed ${lagCount} times; cycles completed before ${completedBefore}, started after ${startedAfter}`,
    );

    const byChain = new Map();
    for (const j of all) byChain.set(j.key, [...(byChain.get(j.key) ?? []), j]);
    assert.deepEqual(
      [...byChain.keys()].sort(),
      [...created.keys()].sort(),
      "every (instance, resource) has its chain",
    );
    const lags = [];
    for (const [key, chain] of byChain) {
      const done = chain.filter((j) => j.state === "completed");
      const pending = chain.filter((j) => j.state !== "completed");
      assert.ok(done.length >= CYCLES, `${key} ran ${done.length} cycles`);
      assert.equal(pending.length, 1, `${key}: the chain goes on with one job (${pending.map((j) => j.state)})`);
      // The first poll: inside the interval after the instance was created (spread, not at once).
      const offset = chain[0].due - created.get(key);
      assert.ok(offset >= 0 && offset < INTERVAL_MS, `${key}'s first poll is ${offset} ms after its creation`);
      for (const [i, j] of chain.entries()) {
        assert.equal(j.start_after.getTime(), j.due, `${key}: the job is held until its due time`);
        if (j.started_on) {
          assert.ok(j.started_on.getTime() >= j.due, `${key}: a cycle started before it was due`);
          lags.push(j.started_on.getTime() - j.due);
        }
        if (i === 0) continue;
        const prev = chain[i - 1];
        assert.equal(prev.state, "completed", `${key}: a job after one that did not complete`);
        // Sent by the transaction that completed the previous job (pg-boss's times are that
        // transaction's start, the due is read inside it): one interval after it, no sooner.
        assert.equal(
          j.created_on.getTime(),
          prev.completed_on.getTime(),
          `${key}: sent by the previous cycle's commit`,
        );
        assert.ok(
          j.due - INTERVAL_MS >= Math.floor(prev.completed_on.getTime()),
          `${key}: due ${j.due - INTERVAL_MS - prev.completed_on.getTime()} ms before one interval after the previous cycle`,
        );
      }
    }
    lags.sort((a, b) => a - b);
    const q = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))];
    console.log(
      `schedule: ${INSTANCES} instances, interval ${INTERVAL_MS} ms, ${lags.length} cycles; lag p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${lags.at(-1)} ms (metrics: ${lagCount} observations)`,
    );
  } finally {
    await service?.stop();
    await db.end();
    await hub.close();
    await postgres.stop();
  }
});

// First polls spread over the interval: instances created together get first due times that are
// all different and fall in every quarter of the interval after their creation, not at once.
// (The offsets come from a hash of each random instance id: 60 of them miss a quarter with a
// chance of 4 × (3/4)^60, about one in ten million.)
test("instances created together have their first polls spread over the interval", { timeout: 120_000 }, async () => {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed: 7, resources: { appointments: 3 } });
  const db = new pg.Pool({ connectionString: postgres.url, max: 1 });
  db.on("error", () => {});
  const N = 60;
  const interval = 3_600_000;
  let service;
  try {
    // The API alone: the first polls are queued and none runs.
    service = await startService(
      ["--role", "api", "--port", "0", "--interval-ms", String(interval)],
      serviceEnv(hub, postgres.url),
    );
    const created = new Map();
    for (let i = 0; i < N; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          api(service.url, "POST", "/instances", hubBody(hub, `spread-${i + k}`, ["appointments"])),
        ),
      );
      for (const res of batch) {
        assert.equal(res.status, 200, res.text);
        created.set(`${res.json.id}/appointments`, Date.parse(res.json.createdDate));
      }
    }
    const { rows } = await db.query(
      "SELECT singleton_key AS key, (data->>'due')::bigint AS due FROM pgboss.job WHERE name = 'elements_poller_poll'",
    );
    assert.equal(rows.length, N, "one first poll per instance");
    const offsets = rows.map((r) => Number(r.due) - created.get(r.key));
    for (const o of offsets) assert.ok(o >= 0 && o < interval, `a first poll ${o} ms after its creation`);
    assert.equal(new Set(offsets).size, N, "no two first polls at the same offset");
    const quarters = new Set(offsets.map((o) => Math.floor((4 * o) / interval)));
    assert.deepEqual([...quarters].sort(), [0, 1, 2, 3], "first polls in every quarter of the interval");
    const sorted = offsets.toSorted((a, b) => a - b);
    assert.ok(sorted.at(-1) - sorted[0] >= interval / 2, `spread over ${sorted.at(-1) - sorted[0]} ms of ${interval}`);
  } finally {
    await service?.stop();
    await db.end();
    await hub.close();
    await postgres.stop();
  }
});
