// Keap's budget per OAuth app (1500 calls a minute, 25 a second) is shared by every worker
// process through PostgreSQL: two worker processes polling ten direct instances of one app at
// once, many pages each, never get a 429 from the Keap simulator, which counts every call in
// rolling windows as Keap does.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { buildInstance } from "elements-poller";
import { startKeapSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { serviceEnv, startService, api, until, assertNoSecretsLogged, watchKeap } from "./helpers/service.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const RESOURCES = ["contacts", "tasks", "orders", "opportunities"];
const INSTANCES = 10;

test("two worker processes together stay within the app's budget: zero 429s", { timeout: 180_000 }, async () => {
  const postgres = await privatePostgres();
  const keap = await startKeapSimulator({ seed: 4, resources: Object.fromEntries(RESOURCES.map((r) => [r, 5])) });
  watchKeap(keap);
  let server;
  const workers = [];
  try {
    const env = {
      ...serviceEnv({ baseUrl: "http://127.0.0.1:1", credentials: {} }, postgres.url),
      ELEMENTS_HUB_URL: "",
      ELEMENTS_KEAP_URL: keap.url,
    };
    // Every service is a process of its own: this one holds the simulator, whose clock stamps
    // each call as it arrives, and is kept idle so that its stamps are on time.
    server = await startService(["--role", "api", "--port", "0", "--interval-ms", "600000"], env);
    const args = ["--role", "worker", "--interval-ms", "600000", "--concurrency", "8"];
    workers.push(await startService(args, env), await startService(args, env));

    const ids = [];
    for (let i = 0; i < INSTANCES; i++) {
      const body = buildInstance({
        element: "infusionsoftrest",
        name: `budget-${i}`,
        code: keap.mintCode(),
        oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
        callbackUrl: "http://127.0.0.1:1/events",
        api: "direct",
        refreshInterval: 1,
        resources: Object.fromEntries(RESOURCES.map((r) => [r, { preset: r, pageSize: 1 }])),
      });
      body.configuration["event.notification.enabled"] = false;
      const res = await api(server.url, "POST", "/instances", body);
      assert.equal(res.status, 200, res.text);
      ids.push(res.json.id);
    }
    const versions = async () =>
      (
        await Promise.all(ids.map(async (id) => (await api(server.url, "GET", `/instances/${id}`)).json.resources))
      ).flat();
    /** Every resource of every instance polled at once; resolves when each committed a cycle. */
    const round = async () => {
      const start = (await versions()).map((r) => r.version);
      await Promise.all(ids.map((id) => api(server.url, "POST", `/instances/${id}/poll`)));
      await until(async () => (await versions()).every((r, i) => r.version > start[i]));
    };
    await round(); // the baselines
    for (const resource of RESOURCES) keap.mutate({ resource, op: "update", count: 5 });
    await round(); // five changed records a resource, one a page: six calls a cycle

    const calls = keap.requests().filter((r) => r.url.startsWith("/crm/rest"));
    assert.ok(calls.length >= INSTANCES * RESOURCES.length * 6, `${calls.length} calls`);
    assert.deepEqual(
      calls.filter((r) => r.status === 429),
      [],
      "no call was refused for the app's rate",
    );
    assert.ok(
      (await versions()).every((r) => r.lastError === null),
      "every cycle succeeded",
    );
    for (const w of workers)
      assert.ok(
        w.lines.some((l) => l.msg === "cycle"),
        "both processes polled",
      );
  } finally {
    for (const w of workers) await w.stop();
    await server?.stop();
    await keap.close();
    await postgres.stop();
  }
});
