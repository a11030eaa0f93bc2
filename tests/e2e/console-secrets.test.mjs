// The console keeps secrets out of localStorage whatever form they come in: a configuration
// imported as a JSON string, other casings, numbers and objects, callback headers, userinfo.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openConsole } from "./browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const SECRETS = [
  "grant-secret-1",
  "api-secret-2",
  "sig-secret-3",
  "8675309",
  "hdr-secret-4",
  "url-user-5",
  "url-pass-6",
  "case-secret-7",
];

test("an imported body with its configuration as a JSON string leaves no secret in localStorage", async () => {
  const { server, page, errors } = await openConsole(browser);
  try {
    await page.locator("body[data-ready]").waitFor();
    const configuration = {
      "oauth.api.key": "visible-api-key",
      "oauth.api.secret": "api-secret-2",
      "event.notification.signature.key": "sig-secret-3",
      "event.notification.basic.password": 8675309,
      "event.notification.callback.headers": { Authorization: "Bearer hdr-secret-4" },
      "event.notification.callback.url": "https://url-user-5:url-pass-6@hooks.example.com/events",
      "OAuth.API.Secret": "case-secret-7",
      "event.notification.enabled": "true",
      "event.poller.refresh_interval": "15",
    };
    const body = {
      element: { key: "infusionsoftrest" },
      providerData: { code: "grant-secret-1" },
      name: "Imported name",
      configuration: JSON.stringify(configuration),
    };
    await page.getByRole("tab", { name: "Import" }).click();
    await page.locator("#body-input").fill(JSON.stringify(body, null, 2));
    await page.getByRole("button", { name: "Edit in the builder" }).click();
    await page.waitForFunction(() => Object.values(localStorage).some((v) => v.includes("Imported name")));
    const stored = await page.evaluate(() => JSON.stringify(localStorage));
    assert.ok(
      stored.includes("visible-api-key") && stored.includes("hooks.example.com"),
      "the rest of the body is saved",
    );
    for (const s of SECRETS) assert.ok(!stored.includes(s), `${s} was saved: ${stored}`);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});
