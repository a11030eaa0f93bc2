// A direct Keap instance (`event.poller.api: "direct"`) managed by the console, in Debian's
// Chromium, against what `npm start` runs (www/stack.mjs: the service's ELEMENTS_KEAP_URL is the
// Keap simulator on the console's origin): the body pointed at Keap's list endpoints, the grant
// code from the simulator's consent page back on oauth-callback.html, exchanged by the service on
// POST /instances; the first poll, records changed in the simulator, their events. Then the
// account revokes the app (POST /__keap/revoke): the service marks the instance as needing
// re-authorization, the console shows it from GET /instances/{id} and says why Poll now is
// refused (409); "Grant access again" consents and PATCHes the new code, and polling resumes
// from the saved watermark (a change made while revoked is an event, not a new baseline).
// No sleeps: every wait is on a locator or a condition.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServiceStack, shots } from "./service-stack.mjs";

let browser, stack, running;
before(async () => {
  running = await startServiceStack("ep-console-direct-", { env: { ELEMENTS_KEAP_URL: "" } });
  ({ stack, browser } = running);
});
after(async () => {
  await running?.close();
});

/** Clicks a button that opens the Keap simulator's consent page, and allows access there. */
async function consentWith(page, click) {
  const [popup] = await Promise.all([page.waitForEvent("popup"), click()]);
  await popup.getByRole("button", { name: "Allow" }).waitFor();
  const closed = popup.waitForEvent("close");
  await popup.getByRole("button", { name: "Allow" }).click();
  await closed;
}

const polls = (page) =>
  page.evaluate(() =>
    Number(document.querySelector('#instance-view section[data-resource="appointments"] .chart')?.dataset.polls ?? 0),
  );
async function pollNow(page, row) {
  const n = await polls(page);
  await row.getByRole("button", { name: "Poll now" }).click();
  await page.waitForFunction(
    (n) =>
      Number(document.querySelector('#instance-view section[data-resource="appointments"] .chart')?.dataset.polls) > n,
    n,
  );
}

test("a direct Keap instance: consent, the service's code exchange, polls and events; revoked, granted again, resumed", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  // The 409 of Poll now on an instance that needs re-authorization is asked for: Chromium logs
  // it as a failed resource, not a page error.
  page.on(
    "console",
    (m) => m.type() === "error" && !/status of 409/.test(m.text()) && errors.push(new Error(m.text())),
  );
  await page.goto(stack.url);
  await page.locator("body[data-ready]").waitFor();
  const keap = stack.keap;

  await page.getByRole("tab", { name: "Instances" }).click();
  await page.locator("#svc-user").fill(stack.secrets.user);
  await page.locator("#svc-org").fill(stack.secrets.organization);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator("#svc-status", { hasText: "0 instances" }).waitFor();

  // The body polls Keap directly (Live's button: the direct presets' list endpoints), then Build
  // fills in the simulators' OAuth app and webhook receiver and gets a code through consent.
  await page.getByRole("tab", { name: "Live" }).click();
  await page.locator('#panel-live[data-simulators="ready"]').waitFor();
  await page.getByRole("button", { name: "Point the body at the Keap simulator" }).click();
  await page.locator('#live-api[data-api="direct"]').waitFor();
  await page.getByRole("tab", { name: "Build" }).click();
  await page.getByRole("button", { name: "Use the bundled simulators" }).click();
  await page.locator("#create-note", { hasText: "Filled in" }).waitFor();
  await consentWith(page, () => page.getByRole("button", { name: "1. Authorize with Keap" }).click());
  await page.locator("#create-note", { hasText: "Access granted" }).waitFor();
  const body = await page.evaluate(() => document.getElementById("editor").value);
  assert.equal(body.configuration["event.poller.api"], "direct");
  assert.match(body.configuration["event.poller.configuration"].appointments.url, /^\/v1\/appointments\?since=/);
  assert.equal(body.configuration["oauth.callback.url"], `${stack.url}/oauth-callback.html`);
  const code = body.providerData.code;

  // Create: the service exchanges the code (for the redirect URI it was issued for).
  const tokensBefore = keap.tokenRequests().length;
  await page.getByRole("button", { name: "2. Create instance" }).click();
  await page.locator("#tab-instances[aria-selected=true]").waitFor();
  assert.deepEqual(
    keap
      .tokenRequests()
      .slice(tokensBefore)
      .map((r) => `${r.grant}:${r.status}`),
    ["authorization_code:200"],
  );
  const row = page.locator("#instances-table tbody tr[data-id]").first();
  await row.waitFor();
  const id = await row.getAttribute("data-id");
  assert.match(await row.locator('td[data-label="Element"]').textContent(), /infusionsoftrest \(direct\)/);
  await page.waitForFunction(
    () =>
      Number(document.querySelector('#instance-view section[data-resource="appointments"] .chart')?.dataset.polls) >= 1,
  );
  const card = page.locator('#instance-view section[data-resource="appointments"]');
  assert.equal(await card.locator(".chart").getAttribute("data-events"), "0", "the first poll is a baseline");
  await card.locator('[data-fact="Watermark"]', { hasText: /^\d{4}-/ }).waitFor();
  assert.match(
    await card.locator('[data-fact="Next request"]').textContent(),
    new RegExp(`^GET ${stack.url.replace(/[.]/g, "\\.")}/crm/rest/v1/appointments\\?`),
  );

  // Records changed in the Keap simulator are events at the next poll.
  await card.getByRole("button", { name: "Update a record" }).click();
  await card.locator("p[role=status]", { hasText: "Updated appointments" }).waitFor();
  await card.getByRole("button", { name: "Create a record" }).click();
  await card.locator("p[role=status]", { hasText: "Created appointments" }).waitFor();
  await pollNow(page, row);
  await page.locator('#instance-events tbody tr[data-type="UPDATED"]').first().waitFor();
  await page.locator('#instance-events tbody tr[data-type="CREATED"]').first().waitFor();
  await shots(page, "direct-instance");

  // The account revokes the app: the next poll's grant is refused, the service marks the
  // instance (GET /instances/{id}'s needsReauthorization) and stops polling it.
  const revoked = await page.request.post(`${stack.url}/__keap/revoke`);
  assert.equal(revoked.status(), 200);
  await pollNow(page, row);
  await page.locator(`#instances-table tr[data-id="${id}"][data-state="needs re-authorization"]`).waitFor();
  const marked = await (
    await page.request.get(`${stack.url}/api/instances/${id}`, {
      headers: { authorization: `User ${stack.secrets.user}, Organization ${stack.secrets.organization}` },
    })
  ).json();
  assert.ok(marked.needsReauthorization?.since, "the service keeps the mark");
  await card.locator(".reauth-help", { hasText: "grant access again" }).waitFor();
  assert.match(await card.locator('[data-fact="Last error"]').textContent(), /oauth\.reauthorize/);

  // Poll now is refused with the service's 409, said where it was asked, and stays said.
  await row.getByRole("button", { name: "Poll now" }).click();
  const note = page.locator("#instances-note");
  await note.filter({ hasText: "409" }).waitFor();
  assert.match(await note.textContent(), /needs re-authorization/);
  assert.match(await note.textContent(), /Grant access again/);
  await page.locator("#svc-status", { hasText: "Connected" }).waitFor();
  assert.match(await note.textContent(), /409/, "the next refresh does not wipe it");
  await shots(page, "direct-reauthorize");

  // A change made while revoked, then access granted again: the service exchanges the new
  // code (PATCH) and polls on from the saved watermark, so the change is an event.
  await card.getByRole("button", { name: "Update a record" }).click();
  await card.locator("p[role=status]", { hasText: "Updated appointments" }).waitFor();
  const updated = /Updated appointments (\S+) /.exec(
    await card.locator("p[role=status]", { hasText: "Updated appointments" }).textContent(),
  )[1];
  await consentWith(page, () => card.getByRole("button", { name: "Grant access again" }).click());
  await note.filter({ hasText: "Access granted again" }).waitFor();
  await page.locator(`#instances-table tr[data-id="${id}"]:not([data-state="needs re-authorization"])`).waitFor();
  assert.equal(
    (
      await (
        await page.request.get(`${stack.url}/api/instances/${id}`, {
          headers: { authorization: `User ${stack.secrets.user}, Organization ${stack.secrets.organization}` },
        })
      ).json()
    ).needsReauthorization,
    null,
  );
  await page.locator(`#instance-events tbody tr[data-type="UPDATED"][data-id="${updated}"]`).waitFor();
  assert.ok(await card.locator(".reauth-help").isHidden());
  assert.doesNotMatch(await note.textContent(), /409/, "the refusal's note is gone once the instance is granted again");

  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  for (const secret of [stack.secrets.user, stack.secrets.organization, keap.client.clientSecret, code])
    assert.ok(!stored.includes(secret), "no secret in the page's storage");
  assert.deepEqual(errors, []);
  await page.close();
});
