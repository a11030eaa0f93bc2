// verifyNotification in real Chromium: the package's browser entry as it ships (pkg/src and the
// built pkg/wasm, no bundler), with the browser's own WebCrypto as the independent HMAC.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";

const pkg = fileURLToPath(new URL("../../pkg/", import.meta.url));
const types = { js: "text/javascript", wasm: "application/wasm" };
let browser;
let server;
let origin;

before(async () => {
  browser = await launch();
  server = createServer(async (req, res) => {
    const name = new URL(req.url, "http://x").pathname.slice(1);
    if (name === "")
      return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>webhooks</title>");
    const ext = /^(src|wasm)\/[a-z_.]+\.(js|wasm)$/.exec(name)?.[2];
    if (!ext) return res.writeHead(404).end();
    try {
      res.writeHead(200, { "content-type": types[ext] }).end(await readFile(pkg + name));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

test("in Chromium: Standard Webhooks signatures match WebCrypto's HMAC; verifyNotification accepts them and names each failure", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(origin + "/");
  const out = await page.evaluate(async () => {
    // Unbundled, index.browser.js alone evaluates api.js beside the awaiting init (a sibling of a
    // module with top-level await does not wait for it): instantiate first. Bundlers order it.
    await import("/src/init.browser.js");
    const { buildNotifications, verifyNotification } = await import("/src/index.browser.js");
    const events = [
      { eventType: "UPDATED", objectType: "contacts", objectId: "1", date: "2024-03-10T07:05:09.042Z", eventId: "e1" },
    ];
    const [r] = buildNotifications(events, {
      callbackUrl: "https://app.example.com/in",
      signatureKey: "browser-key",
      signing: "standard",
    });
    const h = r.headers;
    const key = await crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode("browser-key"),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign(
      "HMAC",
      key,
      new TextEncoder().encode(`${h["webhook-id"]}.${h["webhook-timestamp"]}.${r.body}`),
    );
    const webCrypto = "v1," + btoa(String.fromCharCode(...new Uint8Array(mac)));
    const request = new Request(r.url, { method: "POST", headers: h, body: r.body });
    const verified = verifyNotification({
      body: new Uint8Array(await request.arrayBuffer()),
      headers: request.headers,
      key: "whsec_" + btoa("browser-key"),
    });
    const code = (args) => {
      try {
        verifyNotification(args);
        return "ok";
      } catch (e) {
        return `${e.name} ${e.code}`;
      }
    };
    return {
      same: webCrypto === h["webhook-signature"],
      scheme: verified.scheme,
      count: verified.message.count,
      tampered: code({ body: r.body.replace('"1"', '"2"'), headers: h, key: "browser-key" }),
      stale: code({ body: r.body, headers: h, key: "browser-key", now: Date.now() + 600_000 }),
      malformed: code({ body: r.body, headers: { ...h, "webhook-timestamp": "later" }, key: "browser-key" }),
    };
  });
  assert.deepEqual(out, {
    same: true,
    scheme: "standard",
    count: 1,
    tampered: "PollerError webhook.signature",
    stale: "PollerError webhook.timestamp",
    malformed: "PollerError webhook.malformed",
  });
  assert.deepEqual(errors, []);
  await page.close();
});
