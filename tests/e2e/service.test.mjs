// The console managing the events service, in Debian's Chromium, against what `npm start` runs
// (www/stack.mjs: the console, its simulators and the service on a private PostgreSQL): create
// an instance through the OAuth redirect (the Keap simulator's consent page, the code back on the
// console), see its first poll, change records in the simulator and see the events, fail the
// callback until deliveries are dead, redeliver them, pause, resume and delete the instance.
// Screenshots of each view at desktop and 360 px go to test-results/. No sleeps: every wait is on
// a locator or a condition.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { artifacts } from "./browser.mjs";
import { startServiceStack, shots } from "./service-stack.mjs";

const PC = 'configuration["event.poller.configuration"]';
const byPath = (page, path) => page.locator(`poller-config-editor input[data-path=${JSON.stringify(path)}]`);
const fieldDiags = (page, path) =>
  page.locator(`poller-config-editor [data-field=${JSON.stringify(path)}] .fdiag.error`);

let browser, stack, running;
before(async () => {
  running = await startServiceStack("ep-console-service-", {
    // Two retries with time shrunk a thousandfold: a failing callback's deliveries are dead
    // within seconds instead of days.
    serviceArgs: ["--delivery-retries", "2", "--delivery-time-scale", "0.001"],
  });
  ({ stack, browser } = running);
});
after(async () => {
  await running?.close();
});

test("create an instance through the OAuth redirect, watch its polls, events and deliveries, delete it", async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  // A 400 or 401 the test asks for is logged by Chromium as a failed resource: not a page error;
  // so is the 404 of a refresh in flight while the instance is deleted (the next one drops the row).
  page.on(
    "console",
    (m) => m.type() === "error" && !/status of 40[014]/.test(m.text()) && errors.push(new Error(m.text())),
  );
  await page.goto(stack.url);
  await page.locator("body[data-ready]").waitFor();

  // The service: wrong secrets are refused with what to do; the printed ones connect.
  await page.getByRole("tab", { name: "Instances" }).click();
  await page.locator("#svc-user").fill("wrong-user-secret");
  await page.locator("#svc-org").fill("wrong-org-secret");
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator("#svc-status", { hasText: "refused the secrets" }).waitFor();
  await page.locator("#svc-user").fill(stack.secrets.user);
  await page.locator("#svc-org").fill(stack.secrets.organization);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.locator("#svc-status", { hasText: "Connected to the events service: 0 instances" }).waitFor();
  // The mirror: the cURL card has them too (one value each).
  assert.equal(await page.locator("#curl-user").inputValue(), stack.secrets.user);

  // Build: the simulators' app and receiver; a broken field is refused by the service with the
  // same diagnostic, at the same path, as the editor shows locally.
  await page.getByRole("tab", { name: "Build" }).click();
  await page.getByRole("button", { name: "Use the bundled simulators" }).click();
  await page.locator("#create-note", { hasText: "Filled in" }).waitFor();
  const path = `${PC}.appointments.datesConfiguration.updatedDateFormat`;
  await byPath(page, path).fill("yyyy-MM-dd'T'HH:mm:ss.SSS'Z");
  await fieldDiags(page, path).first().waitFor();
  const local = await fieldDiags(page, path).first().getAttribute("data-code");
  await page.getByRole("button", { name: "2. Create instance" }).click();
  const refused = page.locator(`#create-diagnostics li[data-path=${JSON.stringify(path)}]`);
  await refused.first().waitFor();
  assert.equal(await refused.first().getAttribute("data-code"), local);
  assert.match(await page.locator("#create-note").textContent(), /refused the body/);
  await shots(page, "create-refused");
  await refused.first().locator("button").click();
  assert.equal(await page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.dataset.path), path);
  await byPath(page, path).fill("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  await fieldDiags(page, path).first().waitFor({ state: "detached" });

  // Deny comes back without a code, and the console says so.
  const [denied] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByRole("button", { name: "1. Authorize with Keap" }).click(),
  ]);
  const deniedClosed = denied.waitForEvent("close");
  await denied.getByRole("button", { name: "Deny" }).click();
  await deniedClosed;
  await page.locator("#create-note", { hasText: "did not grant access (access_denied)" }).waitFor();
  // A redirect whose state this page did not send is ignored (another tab's, or forged).
  await page.evaluate(() =>
    window.postMessage({ type: "elements-poller.oauth-callback", code: "forged", state: "not-ours" }, location.origin),
  );
  await page.locator("#create-note", { hasText: "state this page did not send" }).waitFor();
  assert.equal(await page.evaluate(() => document.getElementById("editor").value.providerData?.code ?? null), null);

  // The seed's OAuth steps: the service's redirect URL, the consent page in a pop-up, Allow,
  // the redirect back to this console with ?code= and the state.
  const [popup] = await Promise.all([
    page.waitForEvent("popup"),
    page.getByRole("button", { name: "1. Authorize with Keap" }).click(),
  ]);
  await popup.getByRole("button", { name: "Allow" }).waitFor();
  assert.match(
    popup.url(),
    /\/app\/oauth\/authorize\?client_id=sim-client-id&redirect_uri=.*oauth-callback\.html.*state=/,
  );
  await popup.screenshot({ path: `${artifacts}/service-consent.png` });
  const back = popup.waitForEvent("close");
  await popup.getByRole("button", { name: "Allow" }).click();
  await back;
  await page.locator("#create-note", { hasText: "Access granted" }).waitFor();
  const code = await page.evaluate(() => document.getElementById("editor").value.providerData.code);
  assert.match(code, /^code-/, "the simulator's code is in the body");
  assert.match(await page.locator("#create-summary").textContent(), /a grant code is in the body/);
  assert.equal(await page.locator("#create-diagnostics li").count(), 0, "the refused body's diagnostics are gone");
  await shots(page, "create-authorized");

  // Create: the instance, its first poll (the baseline), in Instances.
  await page.getByRole("button", { name: "2. Create instance" }).click();
  await page.locator("#tab-instances[aria-selected=true]").waitFor();
  const row = page.locator("#instances-table tbody tr[data-id]");
  await row.first().waitFor();
  const id = await row.first().getAttribute("data-id");
  const chart = page.locator('#instance-view section[data-resource="appointments"] .chart');
  await page.waitForFunction(
    () =>
      Number(document.querySelector('#instance-view section[data-resource="appointments"] .chart')?.dataset.polls) >= 1,
  );
  assert.equal(await chart.getAttribute("data-events"), "0", "the first poll is a baseline");
  await page.locator('#instance-view [data-fact="Watermark"]', { hasText: /^\d{4}-/ }).waitFor();
  assert.match(
    await page.locator('#instance-view [data-fact="Next request"]').textContent(),
    /^GET http:\/\/.*\/hubs\/crm\/appointments/,
  );

  // Records changed in the simulator come out as events at the next poll.
  const resourceCard = page.locator('#instance-view section[data-resource="appointments"]');
  await resourceCard.getByRole("button", { name: "Update a record" }).click();
  await resourceCard.locator("p[role=status]", { hasText: "Updated appointments" }).waitFor();
  await resourceCard.getByRole("button", { name: "Create a record" }).click();
  await resourceCard.locator("p[role=status]", { hasText: "Created appointments" }).waitFor();
  await row.first().getByRole("button", { name: "Poll now" }).click();
  await page.locator('#instance-events tbody tr[data-type="UPDATED"]').first().waitFor();
  await page.locator('#instance-events tbody tr[data-type="CREATED"]').first().waitFor();
  await page.waitForFunction(
    () =>
      Number(document.querySelector('#instance-view section[data-resource="appointments"] .chart')?.dataset.polls) >= 2,
  );
  await shots(page, "instances", () =>
    page.locator('#instance-events tbody tr[data-type="CREATED"]').first().waitFor(),
  );

  // A poll in flight shows its pages as they come: 250 more records make the listing at least two pages
  // (200 a page), and every hub answer waits 3 s, so the first page is read while the second
  // is still on its way; the view refreshes every 2 s.
  const seeded = await page.request.post(`${stack.url}/__hub/appointments`, { data: { count: 250 } });
  assert.equal(seeded.status(), 201);
  assert.equal(
    (await page.request.post(`${stack.url}/__hub/faults`, { data: { latencyMs: [3000, 3000] } })).status(),
    200,
  );
  await row.first().getByRole("button", { name: "Poll now" }).click();
  await resourceCard
    .locator('[data-fact="State"]', { hasText: /^polling now… 1 page, \d+ records read so far$/ })
    .waitFor({ timeout: 20_000 });
  assert.equal((await page.request.delete(`${stack.url}/__hub/faults`)).status(), 200);
  await resourceCard.locator('[data-fact="State"]', { hasText: "waiting for its next poll" }).waitFor();

  // Deliveries: delivered and verified by the simulator's receiver.
  await page.getByRole("tab", { name: "Notifications" }).click();
  await page.waitForFunction(() => Number(document.querySelector("#deliveries-table tbody").dataset.delivered) >= 1);
  await page.waitForFunction(() => Number(document.querySelector("#received-table tbody").dataset.verified) >= 1);
  assert.ok(await page.locator("#received-table .verified").first().isVisible());

  // The callback fails: the next notification is retried twice, then dead.
  await page.getByLabel("Make it fail (answer 503 to every notification)").check();
  await page.getByRole("tab", { name: "Instances" }).click();
  await resourceCard.getByRole("button", { name: "Update a record" }).click();
  await resourceCard.locator("p[role=status]", { hasText: "Updated appointments" }).waitFor();
  await row.first().getByRole("button", { name: "Poll now" }).click();
  await page.getByRole("tab", { name: "Notifications" }).click();
  await page.waitForFunction(() => Number(document.querySelector("#deliveries-table tbody").dataset.dead) >= 1);
  const dead = page.locator('#deliveries-table tbody tr[data-status="dead"]').first();
  await dead.waitFor();
  assert.equal(await dead.locator('td[data-label="Attempts"]').textContent(), "3");
  assert.match(await dead.locator('td[data-label="Last failure"]').textContent(), /503/);
  await page.locator('#received-table tbody tr[data-status="503"]').first().waitFor();
  await shots(page, "deliveries-dead");

  // The callback works again: every dead one redelivered, and received with a valid signature.
  const verifiedBefore = Number(await page.locator("#received-table tbody").getAttribute("data-verified"));
  await page.getByLabel("Make it fail (answer 503 to every notification)").uncheck();
  await page.getByRole("button", { name: "Redeliver every dead one" }).click();
  await page.waitForFunction(() => document.querySelector("#deliveries-table tbody").dataset.dead === "0");
  await page.waitForFunction(
    (n) => Number(document.querySelector("#received-table tbody").dataset.verified) > n,
    verifiedBefore,
  );
  await shots(page, "deliveries");

  // Newest first, a page at a time (before= the last id shown): with a page of one delivery,
  // Show older adds the next older one.
  const shownIds = () =>
    page.locator("#deliveries-table tbody tr[data-id]").evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  const ids = await shownIds();
  assert.ok(ids.length >= 2);
  assert.deepEqual(
    ids,
    ids.slice().sort((a, b) => b - a),
    "newest first",
  );
  assert.ok(await page.locator("#deliveries-older").isHidden(), "fewer than a page: nothing older");
  await page.evaluate(() => (document.getElementById("deliveries-table").dataset.pageSize = "1"));
  await page.locator("#deliveries-older").waitFor();
  await page.waitForFunction(() => document.querySelectorAll("#deliveries-table tbody tr[data-id]").length === 1);
  assert.deepEqual(await shownIds(), ids.slice(0, 1));
  assert.match(await page.locator("#deliveries-note").textContent(), /the newest 1: Show older/);
  await shots(page, "deliveries-paged");
  await page.locator("#deliveries-older").click();
  await page.waitForFunction(() => document.querySelectorAll("#deliveries-table tbody tr[data-id]").length === 2);
  assert.deepEqual(await shownIds(), ids.slice(0, 2), "the next page is the next older one");
  await page.evaluate(() => delete document.getElementById("deliveries-table").dataset.pageSize);

  // An auth failure shows where it happens, with what to do; the next good poll clears it.
  await page.getByRole("tab", { name: "Instances" }).click();
  const fault = await page.request.post(`${stack.url}/__hub/faults`, { data: { next: [401] } });
  assert.equal(fault.status(), 200);
  await row.first().getByRole("button", { name: "Poll now" }).click();
  await page.locator(`#instances-table tr[data-id="${id}"][data-state="credentials refused"]`).waitFor();
  await resourceCard.locator(".reauth-help", { hasText: "ELEMENTS_HUB_ELEMENT_TOKEN" }).waitFor();
  assert.match(await resourceCard.locator('[data-fact="Last error"]').textContent(), /cycle\.auth/);
  await shots(page, "instances-auth-failure");
  await row.first().getByRole("button", { name: "Poll now" }).click();
  await page.locator(`#instances-table tr[data-id="${id}"][data-state="active"]`).waitFor();
  assert.ok(await resourceCard.locator(".reauth-help").isHidden());

  // Pause, resume, delete.
  await row.first().getByRole("button", { name: "Pause" }).click();
  await page.locator(`#instances-table tr[data-id="${id}"][data-state="paused"]`).waitFor();
  assert.ok(await row.first().getByRole("button", { name: "Poll now" }).isDisabled());
  await row.first().getByRole("button", { name: "Resume" }).click();
  await page.locator(`#instances-table tr[data-id="${id}"]:not([data-state="paused"])`).waitFor();
  await row.first().getByRole("button", { name: "Delete" }).click();
  await row.first().getByRole("button", { name: "Confirm delete" }).click();
  await page.locator(`#instances-table tr[data-id="${id}"]`).waitFor({ state: "detached" });
  await page.locator("#svc-status", { hasText: "0 instances" }).waitFor();
  assert.ok(await page.locator("#instance-view").isHidden());

  // Nothing secret was saved in the page's storage: "Remember secrets" was not ticked.
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  for (const secret of [stack.secrets.user, stack.secrets.organization, "sim-client-secret", code])
    assert.ok(!stored.includes(secret), "no secret in the page's storage");
  assert.deepEqual(errors, []);
  await page.close();
});
