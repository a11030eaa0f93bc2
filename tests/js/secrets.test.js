// Secrets stay hidden through the public surface: renderCurl and redactSecrets mask every form
// of a secret, credentials in a callback or base url never reach an event or error message, and
// an empty signature key is said (a validation warning, and once by the Poller).
import { test } from "node:test";
import assert from "node:assert/strict";
import { renderCurl, redactSecrets, validateConfig, Poller, MemoryStore } from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { hubInstance } from "./helpers/instance.js";

const configuration = {
  "oauth.api.key": "visible-api-key",
  "oauth.api.secret": { value: "secret-object" },
  "event.notification.signature.key": 424242,
  "event.notification.basic.password": ["secret-array"],
  "OAUTH.API.SECRET": "secret-upper",
  "oauth.api.secert": "secret-misspelled",
  "event.notification.callback.headers": { Authorization: "Bearer secret-header" },
  "event.notification.callback.url": "https://secret-user:secret-pass@hooks.example.com/events",
};
const body = { element: { key: "infusionsoftrest" }, providerData: { code: "secret-grant" }, name: "n", configuration };
const SECRETS = [
  "secret-object",
  "424242",
  "secret-array",
  "secret-upper",
  "secret-misspelled",
  "secret-header",
  "secret-user",
  "secret-pass",
  "secret-grant",
];

test("renderCurl masks secrets of any type, any casing, in headers, userinfo and JSON strings", () => {
  for (const input of [body, { ...body, configuration: JSON.stringify(configuration) }]) {
    const curl = renderCurl(input);
    for (const s of SECRETS) assert.ok(!curl.includes(s), `${s} shows in ${curl}`);
    assert.ok(curl.includes("visible-api-key") && curl.includes("hooks.example.com/events"));
  }
  assert.ok(renderCurl(body, { reveal: true }).includes("secret-pass"));
});

test("redactSecrets masks, or with remove leaves the secrets out", () => {
  const masked = JSON.stringify(redactSecrets(body));
  const removed = JSON.stringify(
    redactSecrets({ ...body, configuration: JSON.stringify(configuration) }, { remove: true }),
  );
  for (const s of SECRETS) {
    assert.ok(!masked.includes(s), s);
    assert.ok(!removed.includes(s), s);
  }
  assert.ok(masked.includes("********"));
  assert.ok(
    !removed.includes("********") &&
      removed.includes("visible-api-key") &&
      removed.includes("https://hooks.example.com/events"),
    removed,
  );
});

test("credentials in the base url or callback url never reach retry, delivery or error messages", async () => {
  const hub = await startHubSimulator({ seed: 8, resources: { appointments: 3 } });
  try {
    const seen = [];
    const withCreds = (u) => u.replace("://", "://cred-user:cred-pass@");
    const record = (type) => (e) =>
      seen.push(
        JSON.stringify({
          type,
          ...e.detail,
          error: e.detail.error && { code: e.detail.error.code, message: e.detail.error.message },
        }),
      );
    // The callback url: fetch refuses it and quotes it in its error.
    const store = new MemoryStore();
    const delivering = new Poller({
      instance: hubInstance(hub, ["appointments"]),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      store,
      startFrom: "beginning",
      rateLimit: Infinity,
      delivery: { callbackUrl: withCreds(hub.webhookUrl), signatureKey: hub.signatureKey, retryScale: 0 },
    });
    for (const t of ["retry", "delivery", "error"]) delivering.addEventListener(t, record(t));
    await delivering.pollOnce();
    await delivering.pollOnce();
    // The outbox keeps the request as it must be sent; its notes about failures are messages.
    const notes = (await store.keys("")).map(async (k) => JSON.parse(await store.get(k)).lastError);
    seen.push(...(await Promise.all(notes)).filter(Boolean));
    assert.ok(seen.length > 2);
    // The base url: every request fails in transport, retried, then the cycle fails.
    const polling = new Poller({
      instance: hubInstance(hub, ["appointments"]),
      baseUrl: withCreds(hub.baseUrl),
      auth: hub.credentials,
      rateLimit: Infinity,
      onEvents: () => {},
      retry: { maxRetries: 2, baseMs: 1, maxMs: 2 },
    });
    for (const t of ["retry", "error"]) polling.addEventListener(t, record(t));
    const [summary] = await polling.pollOnce();
    assert.ok(summary.error);
    seen.push(summary.error.message);
    assert.ok(
      seen.some((s) => s.includes('"type":"retry"') && s.includes("credentials")),
      `fetch's refusal is reported: ${seen.join("\n")}`,
    );
    const leaks = seen.filter((s) => s.includes("cred-user") || s.includes("cred-pass"));
    assert.deepEqual(leaks, []);
  } finally {
    await hub.close();
  }
});

test("an empty signature key: a validation warning, and the Poller says so once", async () => {
  const hub = await startHubSimulator({ seed: 9, resources: { appointments: 2 } });
  try {
    const instance = hubInstance(hub, ["appointments"], { signed: true });
    instance.configuration["event.notification.signature.key"] = "";
    const warning = validateConfig(instance).diagnostics.find((d) => d.code === "events.signature-key.empty");
    assert.equal(warning?.severity, "warning");
    assert.equal(warning.path, 'configuration["event.notification.signature.key"]');
    const poller = new Poller({
      instance,
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      delivery: { callbackUrl: hub.webhookUrl },
    });
    const warnings = [];
    poller.addEventListener("warning", (e) => warnings.push(e.detail));
    await poller.pollOnce();
    await poller.pollOnce();
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["delivery.unsigned"],
    );
    // A key given: nothing to say.
    const signed = new Poller({
      instance: hubInstance(hub, ["appointments"], { signed: true }),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      delivery: { callbackUrl: hub.webhookUrl, signatureKey: hub.signatureKey },
    });
    signed.addEventListener("warning", (e) => warnings.push(e.detail));
    await signed.pollOnce();
    assert.equal(warnings.length, 1);
  } finally {
    await hub.close();
  }
});
