// The console server and the hub simulator against hostile requests, over real HTTP on
// loopback: no request crashes the console server, other hosts and origins are refused,
// bodies are limited, a refused webhook body is not kept, and every answer has CSP + nosniff.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { serveConsole } from "../../www/server.mjs";
import { startHubSimulator, signWebhookBody } from "elements-poller/testing";

/** A raw HTTP request (fetch would normalize the path and forbids setting Host). */
function raw(base, { method = "GET", path = "/", headers = {}, body } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

let consoleServer;
let hub;

before(async () => {
  consoleServer = await serveConsole({ port: 0 });
  hub = await startHubSimulator({ seed: 3, resources: { appointments: 3 } });
});
after(async () => {
  await consoleServer?.close();
  await hub?.close();
});

test("bad percent-encoding gets 400 and the console server keeps answering", async () => {
  for (const path of ["/%E0%A4%A", "/%", "/assets/%ZZ.js", "/__hub/%E0%A4%A", "/elements/api-v2/hubs/crm/%E0%A4%A"]) {
    const r = await raw(consoleServer.url, { path, headers: { authorization: consoleServer.hub.authorization } });
    assert.equal(r.status, 400, `${path}: ${r.status} ${r.text}`);
    assert.equal(r.headers["x-content-type-options"], "nosniff", path);
    assert.ok(r.headers["content-security-policy"], path);
  }
  const again = await raw(consoleServer.url, { path: "/__hub" });
  assert.equal(again.status, 200);
});

test("odd request targets get an answer, never a crash or a file outside dist", async () => {
  for (const path of [
    "/%00",
    "/..%2F..%2Fpackage.json",
    "/../../package.json",
    "//evil",
    "*",
    "http://evil.example/",
    "/__hub/%C0%80",
    "/__hub/appointments/%ZZ",
    "/elements/api-v2/%",
  ]) {
    for (const method of ["GET", "HEAD", "POST", "PATCH", "OPTIONS"]) {
      const r = await raw(consoleServer.url, {
        method,
        path,
        headers: { "content-type": "application/json" },
        body: method === "POST" || method === "PATCH" ? "{{{" : undefined,
      });
      assert.ok(r.status >= 200 && r.status < 500, `${method} ${path}: ${r.status} ${r.text}`);
      assert.ok(!r.text.includes('"devDependencies"'), `${method} ${path} served a file outside dist`);
      assert.equal(r.headers["x-content-type-options"], "nosniff", `${method} ${path}`);
    }
  }
  assert.equal((await raw(consoleServer.url, { path: "/__hub" })).status, 200);
});

for (const [name, base] of [
  ["console server", () => consoleServer.url],
  ["hub simulator", () => hub.url],
]) {
  test(`${name}: a foreign Host (DNS rebinding) and foreign origins are refused before anything happens`, async () => {
    const url = base();
    const port = new URL(url).port;
    const rebound = await raw(url, { path: "/__hub", headers: { host: `attacker.example:${port}` } });
    assert.equal(rebound.status, 421);
    assert.ok(!rebound.text.includes("sim-user-secret"));
    const before = hub.records("appointments").length;
    const planted = await raw(url, {
      method: "POST",
      path: "/__hub/appointments",
      headers: { origin: "http://127.0.0.1:1", "content-type": "text/plain" },
      body: JSON.stringify({ fields: { modification_date: "9999-01-01T00:00:00.000Z" } }),
    });
    assert.equal(planted.status, 403);
    assert.equal(planted.headers["access-control-allow-origin"], undefined);
    if (name === "hub simulator") assert.equal(hub.records("appointments").length, before, "nothing was created");
    const sniffed = await raw(url, { path: "/__hub/received", headers: { "sec-fetch-site": "cross-site" } });
    assert.equal(sniffed.status, 403);
    for (const r of [rebound, planted, sniffed]) {
      assert.equal(r.headers["x-content-type-options"], "nosniff");
      assert.match(r.headers["content-security-policy"], /default-src/);
    }
    // Loopback names and same-origin requests are served.
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      const ok = await raw(url, { path: "/__hub", headers: { host, origin: `http://${host}` } });
      assert.equal(ok.status, 200, host);
      assert.equal(ok.headers["access-control-allow-origin"], undefined, "same origin needs no CORS");
    }
  });
}

test("an allowed origin gets CORS headers naming it, not *", async () => {
  const open = await startHubSimulator({ allowedOrigins: ["http://127.0.0.1:5173"] });
  try {
    const r = await raw(open.url, { path: "/__hub", headers: { origin: "http://127.0.0.1:5173" } });
    assert.equal(r.status, 200);
    assert.equal(r.headers["access-control-allow-origin"], "http://127.0.0.1:5173");
  } finally {
    await open.close();
  }
});

test("the configured host is accepted besides loopback names", async () => {
  const h = await startHubSimulator({ allowedHosts: ["devbox.internal"] });
  try {
    assert.equal((await raw(h.url, { path: "/__hub", headers: { host: `devbox.internal:${h.port}` } })).status, 200);
    assert.equal(
      (await raw(h.url, { path: "/__hub", headers: { host: `devbox.internal.evil:${h.port}` } })).status,
      421,
    );
  } finally {
    await h.close();
  }
});

test("bodies over the limit get 413 and are not kept; a 401 webhook body is not kept", async () => {
  const small = await startHubSimulator({ maxBodyBytes: 1024 });
  try {
    hub.clearReceived();
    const big = "x".repeat(4096);
    const declared = await raw(small.url, { method: "POST", path: "/__hub/webhook", body: big });
    assert.equal(declared.status, 413);
    // Chunked, so the server only learns the size while reading.
    const chunked = await raw(small.url, {
      method: "POST",
      path: "/__hub/webhook",
      headers: { "transfer-encoding": "chunked" },
      body: big,
    });
    assert.equal(chunked.status, 413);
    const control = await raw(small.url, {
      method: "POST",
      path: "/__hub/appointments",
      body: JSON.stringify({ fields: { pad: big } }),
    });
    assert.equal(control.status, 413);
    assert.deepEqual(small.received(), []);

    const body = JSON.stringify({ message: { events: [], pad: "y".repeat(500) } });
    const bad = await raw(small.url, {
      method: "POST",
      path: "/__hub/webhook",
      headers: { "elements-webhook-signature": signWebhookBody(body, "wrong") },
      body,
    });
    assert.equal(bad.status, 401);
    const good = await raw(small.url, {
      method: "POST",
      path: "/__hub/webhook",
      headers: { "elements-webhook-signature": signWebhookBody(body, small.signatureKey) },
      body,
    });
    assert.equal(good.status, 200);
    const got = small.received();
    assert.deepEqual(
      got.map((r) => [r.status, r.rawBody === null, r.body === null]),
      [
        [401, true, true],
        [200, false, false],
      ],
    );
    assert.equal(got[1].rawBody, body);
  } finally {
    await small.close();
  }
});

test("every hub answer carries CSP and nosniff, errors too", async () => {
  for (const path of ["/elements/api-v2/hubs/crm/appointments", "/__hub", "/__hub/nope/1/2", "/nothing"]) {
    const r = await raw(hub.url, { path });
    assert.equal(r.headers["x-content-type-options"], "nosniff", path);
    assert.match(r.headers["content-security-policy"], /default-src 'none'/, path);
  }
});
