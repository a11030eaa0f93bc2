// The browser stores in real Chromium: the same contract as tests/js/stores.test.js runs in
// Node for MemoryStore and FileStore. The modules are served as they ship (pkg/src), no bundler.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { launch } from "./browser.mjs";

const src = fileURLToPath(new URL("../../pkg/src/", import.meta.url));
let browser;
let server;
let origin;

before(async () => {
  browser = await launch();
  server = createServer(async (req, res) => {
    const name = new URL(req.url, "http://x").pathname.slice(1);
    if (name === "" || name === "blank.html")
      return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>stores</title>");
    if (!/^[a-z]+\.js$/.test(name)) return res.writeHead(404).end();
    try {
      res.writeHead(200, { "content-type": "text/javascript" }).end(await readFile(src + name));
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

/** Runs the store contract in the page against the store `kind` builds; returns what it saw. */
async function contract(page, kind) {
  return page.evaluate(async (kind) => {
    const { IndexedDbStore, LocalStorageStore } = await import("/stores.js");
    const make = () =>
      kind === "indexeddb"
        ? new IndexedDbStore({ name: "contract-test" })
        : new LocalStorageStore({ prefix: "contract:" });
    const s = make();
    const out = {};
    out.absent = await s.get("nope");
    await s.set("state/a", "1");
    await s.set("state/b", "2");
    await s.set("outbox/q/1", "x");
    out.a = await s.get("state/a");
    out.keys = await s.keys("state/");
    await s.transaction([
      { op: "set", key: "state/a", value: "10" },
      { op: "delete", key: "outbox/q/1" },
      { op: "set", key: "outbox/q/2", value: "y" },
    ]);
    out.afterTx = [await s.get("state/a"), await s.get("outbox/q/1"), await s.get("outbox/q/2")];
    try {
      await s.transaction([{ op: "set", key: "state/a", value: "11" }, { op: "bogus" }]);
    } catch (e) {
      out.rejected = e.code;
    }
    out.unchanged = await s.get("state/a");
    await s.delete("state/b");
    // A second instance (a reloaded page) reads what the first wrote.
    s.close?.();
    const again = make();
    out.reopened = [await again.get("state/a"), await again.get("state/b"), await again.keys("")];
    again.close?.();
    return out;
  }, kind);
}

for (const kind of ["indexeddb", "localstorage"]) {
  test(`${kind} store keeps the store contract in Chromium`, async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/blank.html`);
      const out = await contract(page, kind);
      assert.equal(out.absent, undefined);
      assert.equal(out.a, "1");
      assert.deepEqual(out.keys, ["state/a", "state/b"]);
      assert.deepEqual(out.afterTx, ["10", undefined, "y"]);
      assert.equal(out.rejected, "store.invalid-transaction");
      assert.equal(out.unchanged, "10", "a rejected transaction writes nothing");
      assert.deepEqual(out.reopened, ["10", undefined, ["outbox/q/2", "state/a"]]);
    } finally {
      await page.close();
    }
  });
}
