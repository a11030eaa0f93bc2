import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { launch, openConsole, artifacts } from "./browser.mjs";

const seedBody = readFileSync(new URL("../data/seed/example-body.json", import.meta.url), "utf8");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("pasting the seed's example body lists its placeholder diagnostics", async () => {
  const { server, page, errors } = await openConsole(browser);
  try {
    await page.getByLabel("Paste the JSON body of POST /instances").fill(seedBody);
    const placeholders = page.locator('#diagnostics-list li[data-code="config.placeholder"]');
    await placeholders.first().waitFor();
    const paths = await placeholders.evaluateAll((els) => els.map((e) => e.dataset.path));
    for (const p of ['providerData.code', 'configuration["oauth.api.key"]', 'configuration["oauth.api.secret"]', "tags[0]", "name"]) {
      assert.ok(paths.includes(p), `a placeholder diagnostic at ${p} (got ${paths.join(", ")})`);
    }
    assert.match(await page.locator("#diagnostics-summary").textContent(), /\d+ errors?/);
    await page.screenshot({ path: `${artifacts}/console-diagnostics.png`, fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});
