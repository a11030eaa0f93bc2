// The supervisor leaves a paused instance alone: a paused instance's chains end (the worker
// completes their jobs without a successor), and the sweep, which re-creates the chain of an
// active (instance, resource) that has no job, must not count a paused one as active. Resumed,
// it is polled again. One service process (API and worker), a sweep every second, a poll
// every second, on a private PostgreSQL.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, until, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

let postgres, hub, service;
before(async () => {
  postgres = await privatePostgres();
  hub = await startHubSimulator({ seed: 11, resources: { appointments: 2 } });
  service = await startService(
    ["--port", "0", "--interval-ms", "1000", "--maintenance-seconds", "1"],
    serviceEnv(hub, postgres.url),
  );
});
after(() => assertNoSecretsLogged());
after(async () => {
  await service?.stop();
  await hub?.close();
  await postgres?.stop();
});

/** A counter's value in the service's /metrics text (0 when it has no sample yet). */
async function counter(name) {
  const { text } = await api(service.url, "GET", "/metrics", undefined, { auth: null });
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

test("a paused instance's chains are not re-created by the supervisor; resumed, it is polled again", async () => {
  const created = await api(service.url, "POST", "/instances", hubBody(hub, "paused", ["appointments"]));
  assert.equal(created.status, 200, created.text);
  const { id } = created.json;
  const version = async () => (await api(service.url, "GET", `/instances/${id}`)).json.resources[0].version;
  await api(service.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await version()) >= 1);

  assert.equal((await api(service.url, "POST", `/instances/${id}/pause`)).status, 200);
  const paused = service.lines.length;
  // The chain ends at its next job (due within a second): the worker sees the pause. Then the
  // supervisor sweeps several times (each sweep counted) and must find nothing to re-create.
  const sweeps = await counter("elements_poller_supervisor_sweeps_total");
  await until(async () => (await counter("elements_poller_supervisor_sweeps_total")) >= sweeps + 5);
  const recreated = service.lines.slice(paused).filter((l) => l.msg === "poll chain re-created" && l.instance === id);
  assert.deepEqual(recreated, [], "no chain of the paused instance was re-created");
  assert.equal(await counter("elements_poller_chains_recreated_total"), 0);
  const status = (await api(service.url, "GET", `/instances/${id}/status`)).json;
  assert.equal(status.paused, true);
  const before = await version();
  // Paused over several more sweeps: not polled (its version stays).
  const more = await counter("elements_poller_supervisor_sweeps_total");
  await until(async () => (await counter("elements_poller_supervisor_sweeps_total")) >= more + 3);
  assert.equal(await version(), before, "a paused instance is not polled");

  assert.equal((await api(service.url, "POST", `/instances/${id}/resume`)).status, 200);
  await until(async () => (await version()) > before);
  // Its chain goes on after the resume's poll, by itself (the interval is a second).
  const resumed = await version();
  await until(async () => (await version()) > resumed);
  assert.equal(await counter("elements_poller_chains_recreated_total"), 0, "resume sent the jobs, not the sweep");
});
