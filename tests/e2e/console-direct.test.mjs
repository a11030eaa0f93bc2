// The console's Live tab polling Keap directly (event.poller.api: "direct") in Chromium: the
// seed's body pointed at the Keap simulator that `npm start` serves, the OAuth2 code exchanged
// and the token refreshed by OAuthTokens in the page, events as records change through the
// simulator's control API, and a revoked grant shown with what to do. No sleeps: every wait is
// on a locator or a condition.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { launch, openConsole, artifacts } from "./browser.mjs";

const API_PATH = 'configuration["event.poller.api"]';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${artifacts}/${name}`, fullPage: true });
}

/** The number of polls the Live tab has finished. */
const pollsDone = (page) =>
  page.evaluate(() => Number(/^(\d+) poll/.exec(document.getElementById("live-stats").textContent)?.[1] ?? 0));

async function pollOnce(page) {
  const before = await pollsDone(page);
  await page.getByRole("button", { name: "Poll once" }).click();
  await page.waitForFunction(
    (n) => Number(/^(\d+) poll/.exec(document.getElementById("live-stats").textContent)?.[1] ?? 0) > n,
    before,
  );
}

/** The console with the seed's example body imported, then pointed at the Keap simulator from Live. */
async function seedPointedAtKeap(viewport) {
  const c = await openConsole(browser, viewport ? { viewport } : {});
  const { page } = c;
  await page.locator("body[data-ready]").waitFor();
  await page.getByRole("tab", { name: "Import" }).click();
  await page.getByRole("button", { name: "Load the documentation's example" }).click();
  await page.locator("#import-api", { hasText: "Cloud Elements hub" }).waitFor();
  await page.getByRole("button", { name: "Edit in the builder" }).click();
  await page.getByRole("tab", { name: "Live" }).click();
  await page.locator('#panel-live[data-simulators="ready"]').waitFor();
  assert.equal(await page.locator("#live-api").getAttribute("data-api"), "hub");
  await page.getByRole("button", { name: "Point the body at the Keap simulator" }).click();
  await page.locator('#live-api[data-api="direct"]').waitFor();
  await page.locator("#live-resources input[value=appointments]").check();
  return c;
}

test("the seed's body pointed at the Keap simulator: polled directly from the Live tab, events as records change", async () => {
  const { server, page, errors } = await seedPointedAtKeap();
  try {
    const keap = server.keap;
    // Build shows (and lets one pick) the API the body polls; the resource is Keap's list now.
    assert.match(await page.locator("#live-api").textContent(), /Keap REST v1 directly/);
    assert.match(await page.locator("#live-api").textContent(), /\/crm\/rest, tokens from .*\/token/);
    await page.getByRole("tab", { name: "Build" }).click();
    const apiSelect = page.locator(`poller-config-editor select[data-path=${JSON.stringify(API_PATH)}]`);
    assert.equal(await apiSelect.inputValue(), "direct");
    const body = await page.evaluate(() => document.getElementById("editor").value);
    assert.match(body.configuration["event.poller.configuration"].appointments.url, /^\/v1\/appointments\?since=/);
    assert.equal(body.configuration["oauth.api.key"], keap.client.clientId);
    await apiSelect.scrollIntoViewIfNeeded();
    await shot(page, "console-builder-direct-desktop.png");
    await page.getByRole("tab", { name: "Live" }).click();
    await shot(page, "console-live-direct-ready-desktop.png");

    // The first poll is a baseline: the code exchanged in the page, every request with a bearer token.
    await pollOnce(page);
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200"],
    );
    const listed = keap.requests().filter((r) => r.url.startsWith("/crm/rest/v1/appointments"));
    assert.ok(listed.length >= 1 && listed.every((r) => r.status === 200), JSON.stringify(listed));
    await page.locator("#live-log li", { hasText: "Keap directly" }).first().waitFor();
    assert.equal(await page.locator("#live-events tbody tr[data-type]").count(), 0, "a baseline emits nothing");

    // Records changed through the simulator's control API (the Live tab's buttons call /__keap).
    await page.getByLabel("Resource to change").selectOption("appointments");
    await page.getByRole("button", { name: "Create a record" }).click();
    await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
    await pollOnce(page);
    await page.locator('#live-events tbody tr[data-type="CREATED"]').first().waitFor();
    const newest = keap.records("appointments").reduce((a, b) => (a.id > b.id ? a : b));
    assert.equal(
      await page.locator('#live-events tbody tr[data-type="CREATED"]').getAttribute("data-id"),
      String(newest.id),
    );
    // ... and one changed by a direct control call, as a test or another tool would.
    const [updated] = (
      await (
        await fetch(`${server.url}/__keap/appointments/update`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ count: 1 }),
        })
      ).json()
    ).records;
    await pollOnce(page);
    await page.locator(`#live-events tbody tr[data-type="UPDATED"][data-id="${updated.id}"]`).waitFor();

    // An expired access token: a 401, one refresh through OAuthTokens, the poll goes on.
    await page.getByRole("button", { name: "Expire the access token" }).click();
    await page.locator("#mutate-note", { hasText: "expired the access token" }).waitFor();
    await page.getByRole("button", { name: "Create a record" }).click();
    await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
    await pollOnce(page);
    await page.locator('#live-log li[data-kind="retry"]', { hasText: "auth" }).first().waitFor();
    assert.equal(await page.locator('#live-events tbody tr[data-type="CREATED"]').count(), 2);
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200", "refresh_token:200"],
    );
    assert.equal(await page.locator("#live-auth").isHidden(), true, "a refresh that worked is no auth problem");
    assert.equal(Number(await page.locator("#live-stats").getAttribute("data-events")), 3);
    await shot(page, "console-live-direct-desktop.png");
    await page.setViewportSize({ width: 360, height: 780 });
    await shot(page, "console-live-direct-360.png");

    // No secret reached page storage: not the app's secret, the code, nor a token.
    const stored = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
    );
    const code = body.providerData.code;
    const live = keap.liveRefreshTokens();
    assert.ok(stored.includes(keap.client.clientId), "the rest of the body is saved");
    for (const secret of [keap.client.clientSecret, code, ...live, "sim-at-", "sim-rt-"])
      assert.ok(!stored.includes(secret), `${secret} reached page storage`);
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e.message)),
      [],
    );
  } finally {
    await server.close();
  }
});

test("a record deleted in the Keap simulator is a DELETED row after Reconcile now, polled directly", async () => {
  const { server, page, errors } = await seedPointedAtKeap();
  try {
    await page.getByRole("tab", { name: "Build" }).click();
    const every = page.locator(
      `poller-config-editor input[data-path=${JSON.stringify('configuration["event.poller.configuration"].appointments.reconcile.everyHours')}]`,
    );
    await every.fill("24");
    await page.getByRole("tab", { name: "Live" }).click();
    await pollOnce(page);
    // reconcile on: the first poll lists Keap's appointments in full
    await page.locator('#live-log li[data-kind="reconcile"]').first().waitFor();
    await page.getByLabel("Resource to change").selectOption("appointments");
    await page.getByRole("button", { name: "Delete a record" }).click();
    const note = await page.locator("#mutate-note", { hasText: "Deleted" }).textContent();
    const id = /^Deleted: appointments (\S+)\./.exec(note)?.[1];
    assert.ok(id, note);
    assert.ok(!server.keap.records("appointments").some((r) => String(r.id) === id), "gone from the simulator");
    await page.getByRole("button", { name: "Reconcile now" }).click();
    await page.locator(`#live-events tbody tr[data-type="DELETED"][data-id=${JSON.stringify(id)}]`).waitFor();
    assert.equal(await page.locator('#live-events tbody tr[data-type="DELETED"]').count(), 1);
    assert.equal(await page.locator("#live-warnings li").count(), 0, "one of many records is no drop to hold");
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("a revoked grant shows the re-authorization message; polling stops; re-authorizing goes on from the saved state", async () => {
  const { server, page, errors } = await seedPointedAtKeap({ width: 360, height: 780 });
  try {
    const keap = server.keap;
    await pollOnce(page);
    await page.getByRole("button", { name: "Revoke the app's access (Keap)" }).click();
    await page.locator("#mutate-note", { hasText: "took the app's access away" }).waitFor();
    await page.getByRole("button", { name: "Create a record" }).click();
    await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
    await pollOnce(page);
    const box = page.locator('#live-auth[data-code="oauth.reauthorize"]');
    await box.waitFor();
    assert.match(await box.textContent(), /needs re-authorization: the provider refused the refresh token/);
    assert.match(
      await box.textContent(),
      /accounts\.infusionsoft\.com\/app\/oauth\/authorize\?client_id=sim-client-id/,
    );
    assert.match(await box.textContent(), /OAuthTokens\.authorize\(code\)/);
    assert.doesNotMatch(await box.textContent(), /sim-rt-|sim-at-/, "no token in the message");
    await shot(page, "console-live-reauthorize-360.png");

    // Said once, and nothing more goes to Keap until the instance is re-authorized.
    const sent = keap.requests().length;
    await pollOnce(page);
    assert.equal(keap.requests().length, sent, "no request after the refusal");
    assert.equal(await page.locator("#live-chart svg .bar.has-error").count(), 2, "both stopped polls show as failed");
    assert.equal(keap.tokenRequests().filter((r) => r.grant === "refresh_token").length, 1, "one refused refresh");

    await page.getByRole("button", { name: "Re-authorize with the Keap simulator" }).click();
    await box.waitFor({ state: "hidden" });
    await page.locator("#live-log li", { hasText: "going on from the saved state" }).first().waitFor();
    await pollOnce(page);
    // The record created while the grant was dead comes out: the state was kept.
    await page.locator('#live-events tbody tr[data-type="CREATED"]').first().waitFor();
    assert.deepEqual(
      keap.tokenRequests().map((r) => `${r.grant}:${r.status}`),
      ["authorization_code:200", "refresh_token:400", "authorization_code:200"],
    );
    await page.setViewportSize({ width: 1280, height: 900 });
    await shot(page, "console-live-reauthorized-desktop.png");
    assert.deepEqual(
      errors.filter((e) => !/status of (400|401)/.test(e.message)),
      [],
    );
  } finally {
    await server.close();
  }
});

test("picking the direct API in Build: direct presets, the seed's own OAuth app refused at the token endpoint with what to do", async () => {
  const { server, page, errors } = await openConsole(browser);
  try {
    await page.locator("body[data-ready]").waitFor();
    await page.getByRole("tab", { name: "Import" }).click();
    await page.getByRole("button", { name: "Load the documentation's example" }).click();
    await page.getByRole("button", { name: "Edit in the builder" }).click();
    const editor = page.locator("poller-config-editor");
    await editor.locator(`select[data-path=${JSON.stringify(API_PATH)}]`).selectOption("direct");
    // The presets offered follow the API; the seed's hub url is flagged for a direct poll.
    await editor.getByText("Preset resource of infusionsoftrest (Keap REST v1, direct)").waitFor();
    await editor.locator(".fdiag", { hasText: "is a hub path" }).first().waitFor();
    await editor.getByLabel("Preset resource of infusionsoftrest").selectOption("contacts");
    await editor.getByRole("button", { name: "Add preset" }).click();
    const body = await page.evaluate(() => document.getElementById("editor").value);
    assert.equal(body.configuration["event.poller.api"], "direct");
    assert.match(body.configuration["event.poller.configuration"].contacts.url, /^\/v1\/contacts\?since=/);

    await page.getByRole("tab", { name: "Live" }).click();
    await page.locator('#panel-live[data-simulators="ready"]').waitFor();
    await page.locator('#live-api[data-api="direct"]').waitFor();
    assert.match(await page.locator("#live-availability").textContent(), /not the Keap simulator's/);
    await page.locator("#live-resources input[value=appointments]").uncheck();
    await page.locator("#live-resources input[value=contacts]").check();
    await pollOnce(page);
    const box = page.locator('#live-auth[data-code="oauth.token-request"]');
    await box.waitFor();
    assert.match(await box.textContent(), /invalid_client/);
    assert.match(await box.textContent(), /check oauth\.api\.key, oauth\.api\.secret and oauth\.callback\.url/);
    assert.equal(await page.getByRole("button", { name: "Re-authorize with the Keap simulator" }).isHidden(), true);
    assert.deepEqual(
      server.keap.requests().filter((r) => r.url.startsWith("/crm/rest")),
      [],
      "no API call without a token",
    );
    // Pointing the body at the simulator fixes it.
    await page.getByRole("button", { name: "Point the body at the Keap simulator" }).click();
    await page.locator("#live-availability").waitFor({ state: "hidden" });
    await pollOnce(page);
    await box.waitFor({ state: "hidden" });
    assert.deepEqual(
      errors.filter((e) => !/status of 401/.test(e.message)),
      [],
    );
  } finally {
    await server.close();
  }
});
