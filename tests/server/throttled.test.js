// The provider's 429s in the metrics: every one the provider answered is counted, the last one
// too (the one that ends a cycle whose retries are spent, which leads to no retry).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

test("every provider 429 is counted, the one that ends a cycle too", { timeout: 120_000 }, async () => {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed: 3, resources: { appointments: 2 } });
  let service;
  try {
    // One process with the API and a worker: its /metrics is the registry the cycle counted in.
    service = await startService(
      ["--role", "all", "--port", "0", "--interval-ms", "3600000"],
      serviceEnv(hub, postgres.url),
    );
    const { json: inst } = await api(service.url, "POST", "/instances", hubBody(hub, "throttled", ["appointments"]));
    // More 429s than the cycle retries (the core's five): the last one ends the cycle.
    hub.setFaults({ next: [{ fault: "throttle", retryAfter: 0, count: 10 }] });
    await api(service.url, "POST", `/instances/${inst.id}/poll`);
    const failed = await service.waitFor((l) => l.msg === "cycle failed" && l.instance === inst.id);
    assert.match(failed.error, /retries-exhausted/);
    const answered = hub.requests().filter((r) => r.status === 429).length;
    assert.equal(answered, 6, "the first request and its five retries, each a 429");
    const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
    assert.match(metrics, new RegExp(`^elements_poller_provider_throttled_total ${answered}$`, "m"));
    // The console's timeline counts them the same way.
    const polls = await api(service.url, "GET", `/instances/${inst.id}/polls`);
    assert.deepEqual(
      polls.json.map((p) => p.throttled),
      [answered],
      JSON.stringify(polls.json),
    );
  } finally {
    await service?.stop();
    await hub.close();
    await postgres.stop();
  }
});
