// Direct Keap instances on the service, against the Keap simulator: POST /instances exchanges
// providerData.code (a bad code is a 400 that says so, and stores nothing); the pair is sealed
// at rest; two processes' workers poll with it, and an expired token is refreshed once for the
// instance across both; a refused refresh marks the instance as needing re-authorization (GET
// says so) and its polls stop, until a PATCH gives a new code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { buildInstance } from "elements-poller";
import { startHubSimulator, startKeapSimulator } from "elements-poller/testing";
import { createServer, readConfig } from "elements-poller-server";
import { privatePostgres } from "./helpers/postgres.js";
import { serviceEnv, startService, api, until, assertNoSecretsLogged, watchKeap } from "./helpers/service.js";
import { receivedVersions } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const RESOURCES = ["contacts", "tasks", "orders", "opportunities"];

let postgres, keap, receiver, server, worker, db;
before(async () => {
  postgres = await privatePostgres();
  keap = await startKeapSimulator({ seed: 9, resources: Object.fromEntries(RESOURCES.map((r) => [r, 4])) });
  watchKeap(keap);
  // Only its webhook receiver is used: it verifies the signature of each delivery.
  receiver = await startHubSimulator({ seed: 1, resources: { appointments: 1 } });
  const env = { ...serviceEnv(receiver, postgres.url), ELEMENTS_KEAP_URL: keap.url };
  const config = readConfig(["--port", "0", "--interval-ms", "600000"], env);
  assert.equal(config.errors, undefined);
  server = await createServer(config.options, { log: () => {} });
  worker = await startService(["--role", "worker", "--interval-ms", "600000"], env);
  db = new pg.Client(postgres.url);
  await db.connect();
});
after(async () => {
  await db?.end();
  await worker?.stop();
  await server?.close();
  await keap?.close();
  await receiver?.close();
  await postgres?.stop();
});

function directBody(name, code) {
  return buildInstance({
    element: "infusionsoftrest",
    name,
    code,
    oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
    callbackUrl: receiver.webhookUrl,
    signatureKey: receiver.signatureKey,
    api: "direct",
    refreshInterval: 1,
    resources: Object.fromEntries(RESOURCES.map((r) => [r, { preset: r, pageSize: 3 }])),
  });
}

const versions = async (id) =>
  Object.fromEntries((await api(server.url, "GET", `/instances/${id}`)).json.resources.map((r) => [r.name, r.version]));

/** Polls every resource now; resolves once each committed a cycle after the call. */
async function pollAll(id) {
  const start = await versions(id);
  assert.equal((await api(server.url, "POST", `/instances/${id}/poll`)).status, 202);
  await until(async () => Object.entries(await versions(id)).every(([r, v]) => v > start[r]));
}

const grants = (kind) => keap.tokenRequests().filter((t) => t.grant === kind);

test("a bad grant code is a 400 naming providerData.code, and no instance is stored", { timeout: 90_000 }, async () => {
  const before = (await api(server.url, "GET", "/instances")).json.length;
  // One Keap never issued; one issued for another redirect url (Keap refuses it: invalid_grant).
  for (const code of ["not-a-code-keap-issued", keap.mintCode({ redirectUri: "https://elsewhere.example/cb" })]) {
    const res = await api(server.url, "POST", "/instances", directBody("bad-code", code));
    assert.equal(res.status, 400, res.text);
    assert.match(res.json.message, /the provider refused providerData\.code \(invalid_grant/);
    assert.ok(!res.text.includes(code), "the code is not quoted back");
  }
  assert.equal((await api(server.url, "GET", "/instances")).json.length, before);
});

test(
  "direct: the code exchanged and sealed, polls by two processes, one refresh after expiry",
  { timeout: 90_000 },
  async () => {
    const res = await api(server.url, "POST", "/instances", directBody("keap-direct", keap.mintCode()));
    assert.equal(res.status, 200, res.text);
    const { id } = res.json;
    assert.equal(grants("authorization_code").filter((g) => g.status === 200).length, 1);

    const { rows } = await db.query("SELECT value FROM elements_poller.oauth_tokens WHERE instance_id = $1", [id]);
    assert.equal(rows.length, 1);
    for (const t of keap.liveRefreshTokens()) assert.ok(!rows[0].value.includes(t), "the pair is sealed at rest");

    await pollAll(id); // the baselines
    const t0 = keap.now();
    keap.mutate({ resource: "contacts", op: "update", count: 2 });
    keap.mutate({ resource: "tasks", op: "create", count: 1 });
    await pollAll(id);
    const expected = ["contacts", "tasks"].flatMap((r) =>
      keap
        .versions(r)
        .filter((v) => v.at >= t0)
        .map((v) => `${id}/${r}/${v.id}/${new Date(v.updatedMs).toISOString()}`),
    );
    assert.equal(expected.length, 3);
    await until(() => expected.every((k) => receivedVersions(receiver).has(k)));

    // Every access token expires: the four cycles (in two processes) each meet a 401 and ask for
    // a refresh; Keap rotates the refresh token, so only one refresh may go out.
    const refreshesBefore = grants("refresh_token").length;
    keap.expireAccessTokens();
    await pollAll(id);
    assert.equal(grants("refresh_token").length - refreshesBefore, 1, JSON.stringify(keap.tokenRequests()));
    assert.ok(grants("refresh_token").every((g) => g.status === 200));
    const after = await api(server.url, "GET", `/instances/${id}`);
    assert.equal(after.json.needsReauthorization, null);
    assert.ok(
      after.json.resources.every((r) => r.lastError === null),
      after.text,
    );
  },
);

test(
  "a refused refresh: the instance needs re-authorization, its polls stop, a PATCH with a new code resumes them",
  { timeout: 90_000 },
  async () => {
    const res = await api(server.url, "POST", "/instances", directBody("keap-reauth", keap.mintCode()));
    const { id } = res.json;
    await pollAll(id);
    for (const t of keap.liveRefreshTokens()) keap.revokeRefreshToken(t);
    keap.expireAccessTokens();
    await api(server.url, "POST", `/instances/${id}/poll`);
    const marked = await until(async () => {
      const r = await api(server.url, "GET", `/instances/${id}`);
      return r.json.needsReauthorization ? r.json : undefined;
    });
    assert.match(marked.needsReauthorization.reason, /refused the refresh token/);
    assert.match(marked.needsReauthorization.reason, /PATCH the instance with a new providerData\.code/);
    // Every chain of the instance ends: no poll job is left queued or running for it.
    const pending = async () =>
      (
        await db.query(
          "SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'elements_poller_poll' AND singleton_key LIKE $1 AND state IN ('created', 'retry', 'active')",
          [`${id}/%`],
        )
      ).rows[0].n;
    await until(async () => (await pending()) === 0);
    const refused = await api(server.url, "POST", `/instances/${id}/poll`);
    assert.equal(refused.status, 409);
    assert.match(refused.json.message, /needs re-authorization/);
    assert.equal(await pending(), 0, "a poll on demand starts nothing");
    const stopped = await versions(id);

    const patched = await api(server.url, "PATCH", `/instances/${id}`, { providerData: { code: keap.mintCode() } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.reauthorized, true);
    await until(async () => Object.entries(await versions(id)).every(([r, v]) => v > stopped[r]));
    const again = await api(server.url, "GET", `/instances/${id}`);
    assert.equal(again.json.needsReauthorization, null);
    assert.ok(
      again.json.resources.every((r) => r.lastError === null),
      again.text,
    );

    assert.equal((await api(server.url, "DELETE", `/instances/${id}`)).status, 200);
    const kept = await db.query("SELECT 1 FROM elements_poller.oauth_tokens WHERE instance_id = $1", [id]);
    assert.equal(kept.rowCount, 0, "a deleted instance's tokens are not kept");
  },
);
