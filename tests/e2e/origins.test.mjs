// A page on another origin, in real Chromium, tries what a malicious site could do to a
// developer's local console server and hub simulator: read the hub's credentials, plant a
// record, read the webhook deliveries, and kill the server with a bad url. None of it works.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { launch } from "./browser.mjs";
import { serveConsole } from "../../www/server.mjs";
import { startHubSimulator } from "elements-poller/testing";

let browser;
let attacker; // the other origin: a second loopback server on another port
let attackerUrl;
let consoleServer;
let hub;

before(async () => {
  browser = await launch();
  consoleServer = await serveConsole({ port: 0 });
  hub = await startHubSimulator({ seed: 5, resources: { appointments: 4 } });
  attacker = createServer((req, res) =>
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>elsewhere</title>"),
  );
  await new Promise((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerUrl = `http://127.0.0.1:${attacker.address().port}/`;
});

after(async () => {
  await browser?.close();
  await consoleServer?.close();
  await hub?.close();
  attacker?.closeAllConnections();
  await new Promise((resolve) => attacker?.close(resolve));
});

/** What the page at the other origin manages against `target` (an origin). */
function attack(page, target) {
  return page.evaluate(async (target) => {
    const out = {};
    const attempt = async (name, f) => {
      try {
        out[name] = await f();
      } catch (e) {
        out[name] = `blocked: ${e.name}`;
      }
    };
    await attempt("credentials", async () => (await (await fetch(`${target}/__hub`)).json()).authorization);
    await attempt("received", async () => (await (await fetch(`${target}/__hub/received`)).json()).length);
    // no-cors: the answer is opaque, but the request's effect is what matters
    await attempt("plant", async () => {
      const body = JSON.stringify({ fields: { modification_date: "9999-12-31T00:00:00.000Z" } });
      return (
        await fetch(`${target}/__hub/appointments`, {
          method: "POST",
          mode: "no-cors",
          headers: { "content-type": "text/plain" },
          body,
        })
      ).type;
    });
    await attempt("crash", async () => (await fetch(`${target}/%E0%A4%A`, { mode: "no-cors" })).type);
    return out;
  }, target);
}

for (const [name, target, records] of [
  [
    "the console server",
    () => consoleServer.url.replace("localhost", "127.0.0.1"),
    () => consoleServer.hub.records("appointments").length,
  ],
  ["the hub simulator", () => hub.url, () => hub.records("appointments").length],
]) {
  test(`a page on another origin cannot use ${name}`, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(attackerUrl);
      const before = records();
      const got = await attack(page, target());
      assert.match(String(got.credentials), /^blocked/, "the hub's credentials were read");
      assert.match(String(got.received), /^blocked/, "the webhook deliveries were read");
      assert.equal(records(), before, "a record was planted");
      // The server is still up and serves its own origin.
      const own = await fetch(`${target()}/__hub`);
      assert.equal(own.status, 200);
      assert.equal(own.headers.get("access-control-allow-origin"), null);
    } finally {
      await page.close();
    }
  });
}
