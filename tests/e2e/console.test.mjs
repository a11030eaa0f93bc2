// The console in Debian's Chromium: each panel, driven the way a person would.
// No sleeps and no timing thresholds: every wait is on a locator or a condition.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as ep from "elements-poller";
import { launch, openConsole, artifacts } from "./browser.mjs";

const seedBody = readFileSync(new URL("../data/seed/example-body.json", import.meta.url), "utf8");
const PC = 'configuration["event.poller.configuration"]';
const byPath = (page, path) => page.locator(`poller-config-editor input[data-path=${JSON.stringify(path)}]`);
const fieldDiags = (page, path, severity = "error") =>
  page.locator(`poller-config-editor [data-field=${JSON.stringify(path)}] .fdiag.${severity}`);
const WIDTHS = [
  ["desktop", { width: 1280, height: 900 }],
  ["360", { width: 360, height: 780 }],
];

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A full-page screenshot from the top, so the sticky tab bar is where a person sees it. */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${artifacts}/${name}`, fullPage: true });
}

/** Opens the console with a fresh localStorage, waits until it is ready. */
async function open(options) {
  const c = await openConsole(browser, options);
  await c.page.locator("body[data-ready]").waitFor();
  return c;
}

test("the tabs work with the keyboard", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Build" }).focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getByRole("tab", { name: "Import" }).getAttribute("aria-selected"), "true");
    assert.equal(await page.locator("#panel-import").isVisible(), true);
    await page.keyboard.press("End");
    assert.equal(await page.getByRole("tab", { name: "Notifications" }).getAttribute("aria-selected"), "true");
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.getByRole("tab", { name: "Build" }).getAttribute("aria-selected"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.id), "tab-builder");
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("pasting the seed's example body lists its placeholder diagnostics", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Import" }).click();
    await page.getByLabel("Paste the JSON body of POST /instances").fill(seedBody);
    const placeholders = page.locator('#diagnostics-list li[data-code="config.placeholder"]');
    await placeholders.first().waitFor();
    const paths = await placeholders.evaluateAll((els) => els.map((e) => e.dataset.path));
    for (const p of [
      "providerData.code",
      'configuration["oauth.api.key"]',
      'configuration["oauth.api.secret"]',
      "tags[0]",
      "name",
    ]) {
      assert.ok(paths.includes(p), `a placeholder diagnostic at ${p} (got ${paths.join(", ")})`);
    }
    assert.match(await page.locator("#diagnostics-summary").textContent(), /\d+ errors?/);
    // selecting a diagnostic selects its value in the pasted text
    await page.locator('#diagnostics-list li[data-path="name"] button').click();
    const selected = await page.evaluate(() => {
      const t = document.getElementById("body-input");
      return document.activeElement === t && t.value.slice(t.selectionStart, t.selectionEnd);
    });
    assert.equal(selected, '"<INSTANCE_NAME>"');
    await shot(page, `console-diagnostics.png`);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("importing the seed's example puts its placeholder diagnostics at the builder's fields", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Import" }).click();
    await page.getByRole("button", { name: "Load the documentation's example" }).click();
    await page.getByRole("button", { name: "Edit in the builder" }).click();
    await page.locator("#panel-builder:not([hidden])").waitFor();
    for (const path of [
      "providerData.code",
      'configuration["oauth.api.key"]',
      "name",
      'configuration["event.poller.refresh_interval"]',
    ]) {
      const d = fieldDiags(page, path);
      await d.first().waitFor();
      assert.equal(await d.first().getAttribute("data-code"), "config.placeholder", `placeholder at ${path}`);
      assert.equal(await byPath(page, path).getAttribute("aria-invalid"), "true");
    }
    // the summary lists them too; selecting one focuses its field
    const item = page.locator('poller-config-editor .diag-list li[data-path="name"] button');
    await item.click();
    assert.equal(
      await page.evaluate(() => document.querySelector("poller-config-editor").shadowRoot.activeElement?.dataset.path),
      "name",
    );
    assert.match(await page.locator("#status-badge").textContent(), /\d+ errors?/);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("importing a platform-returned instance (string values, string poller configuration) fills the builder", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Import" }).click();
    await page.getByRole("button", { name: "Load a platform-returned instance" }).click();
    await page.getByRole("button", { name: "Edit in the builder" }).click();
    await byPath(page, `${PC}.contacts.datesConfiguration.updatedDateField`).waitFor();
    assert.equal(await byPath(page, `${PC}.contacts.datesConfiguration.updatedDateField`).inputValue(), "last_updated");
    assert.equal(await byPath(page, `${PC}.contacts.url`).inputValue(), "/hubs/crm/contacts");
    assert.equal(
      await page
        .locator(
          `poller-config-editor input[data-path=${JSON.stringify('configuration["event.notification.enabled"]')}]`,
        )
        .isChecked(),
      true,
    );
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("dropping a .json file on the import box checks it", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Import" }).click();
    const platform = readFileSync(new URL("../../www/src/samples/platform-instance.json", import.meta.url), "utf8");
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], "instance.json", { type: "application/json" }));
      document
        .getElementById("drop-zone")
        .dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, platform);
    await page.locator("#import-note", { hasText: "Loaded instance.json" }).waitFor();
    assert.equal(await page.getByLabel("Paste the JSON body of POST /instances").inputValue(), platform);
    await page.locator("#diagnostics-summary", { hasText: /No problems found|error|warning/ }).waitFor();
    assert.equal(
      await page.locator("#diagnostics-list li.error").count(),
      0,
      "the platform-returned form (string values) is valid",
    );
    assert.equal(await page.getByRole("button", { name: "Edit in the builder" }).isEnabled(), true);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("only non-secret fields are saved unless the person opts in", async () => {
  const { server, page, errors } = await open();
  try {
    const editor = page.locator("poller-config-editor");
    await editor.getByLabel("Instance name", { exact: true }).fill("Saved name");
    await editor.getByLabel("API secret", { exact: true }).fill("not-to-be-saved");
    await page.reload();
    await page.locator("body[data-ready]").waitFor();
    assert.equal(await editor.getByLabel("Instance name", { exact: true }).inputValue(), "Saved name");
    assert.equal(await editor.getByLabel("API secret", { exact: true }).inputValue(), "", "the secret was not saved");
    assert.ok(!(await page.evaluate(() => JSON.stringify(localStorage))).includes("not-to-be-saved"));
    await page.getByLabel(/Remember secrets on this device/).check();
    await editor.getByLabel("API secret", { exact: true }).fill("saved-on-request");
    await page.reload();
    await page.locator("body[data-ready]").waitFor();
    assert.equal(await editor.getByLabel("API secret", { exact: true }).inputValue(), "saved-on-request");
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("breaking a date format shows the error at its field; fixing it clears it", async () => {
  const { server, page, errors } = await open();
  try {
    const path = `${PC}.appointments.datesConfiguration.updatedDateFormat`;
    const input = byPath(page, path);
    await input.waitFor();
    await input.fill("yyyy-MM-dd'T'HH:mm:ss.SSS'Z");
    const d = fieldDiags(page, path);
    await d.first().waitFor();
    assert.equal(await d.first().getAttribute("data-code"), "date-format.unterminated-quote");
    assert.equal(await input.getAttribute("aria-invalid"), "true");
    assert.ok(
      (await page.locator(`poller-config-editor .diag-list li[data-path=${JSON.stringify(path)}]`).count()) >= 1,
      "listed in the summary",
    );
    await shot(page, `console-builder-error.png`);
    await input.fill("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
    await d.first().waitFor({ state: "detached" });
    assert.equal(await input.getAttribute("aria-invalid"), null);
    assert.equal(
      await page.locator(`poller-config-editor .diag-list li[data-path=${JSON.stringify(path)}]`).count(),
      0,
    );
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("the editor writes keys in the order of the core's schema and lists those it has no field for", async () => {
  const { server, page, errors } = await open();
  try {
    const editor = page.locator("poller-config-editor");
    const value = () => page.evaluate(() => document.getElementById("editor").value);
    await page.evaluate(() => {
      document.getElementById("editor").value = {
        element: { key: "infusionsoftrest" },
        tags: ["a"],
        name: "Later",
        extra: 1,
      };
    });
    await editor.getByRole("button", { name: "Add a resource by hand" }).click();
    // a new configuration goes where buildInstance writes it: before tags and name
    assert.deepEqual(Object.keys(await value()), ["element", "configuration", "tags", "name", "extra"]);
    await editor.getByLabel("Authorization grant code", { exact: true }).fill("grant-code-1");
    assert.deepEqual(Object.keys(await value()), ["element", "providerData", "configuration", "tags", "name", "extra"]);
    // configuration keys in the form's order, the resources last
    await editor.getByLabel("Signature key", { exact: true }).fill("sig");
    await editor.getByLabel("API key (client id)", { exact: true }).fill("client-id");
    assert.deepEqual(Object.keys((await value()).configuration), [
      "oauth.api.key",
      "event.notification.signature.key",
      "event.poller.configuration",
    ]);

    await page.evaluate(() => {
      document.getElementById("editor").value = {
        element: { key: "infusionsoftrest" },
        name: "n",
        extra: 1,
        configuration: {
          "event.raw.enabled": true,
          "event.poller.configuration": {
            r: {
              url: "/hubs/crm/r",
              idField: "id",
              pageSize: 5,
              filterByUpdateDate: true,
              custom: 1,
              datesConfiguration: { updatedDateField: "u" },
            },
          },
        },
      };
    });
    // (normalizeConfig reads the misspelled filterByUpdateDate as filterByUpdatedDate: a field)
    assert.deepEqual(await editor.locator(".extra li").allTextContents(), [
      "extra",
      'configuration["event.raw.enabled"]',
      'configuration["event.poller.configuration"].r.custom',
    ]);
    assert.equal(await byPath(page, `${PC}.r.pageSize`).inputValue(), "5");
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("the reconcile fields: maxDrop's default shown not written, a wrong value kept with its diagnostic, cleared fields leave no reconcile", async () => {
  const { server, page, errors } = await open();
  try {
    const R = `${PC}.appointments.reconcile`;
    const every = byPath(page, `${R}.everyHours`);
    const drop = byPath(page, `${R}.maxDrop`);
    const poller = async () =>
      (await page.evaluate(() => document.getElementById("editor").value)).configuration["event.poller.configuration"]
        .appointments;
    await every.waitFor();
    assert.equal(await drop.getAttribute("placeholder"), "0.5");
    assert.equal(await drop.inputValue(), "");
    assert.ok(!("reconcile" in (await poller())), "the sample body has no reconcile");

    await every.fill("24");
    assert.deepEqual((await poller()).reconcile, { everyHours: 24 }, "the default is not written");
    assert.equal(Object.keys(await poller()).at(-1), "reconcile");

    // a wrong value stays as typed, in the field and the body, with the validator's diagnostic at the field
    await drop.fill("1.5");
    const dropDiag = fieldDiags(page, `${R}.maxDrop`);
    await dropDiag.first().waitFor();
    assert.equal(await dropDiag.first().getAttribute("data-code"), "poller.reconcile.max-drop");
    assert.equal(await drop.getAttribute("aria-invalid"), "true");
    assert.equal(await drop.inputValue(), "1.5");
    assert.deepEqual((await poller()).reconcile, { everyHours: 24, maxDrop: 1.5 });
    await every.fill("every day");
    const everyDiag = fieldDiags(page, `${R}.everyHours`);
    await everyDiag.first().waitFor();
    assert.equal(await everyDiag.first().getAttribute("data-code"), "poller.reconcile.every-hours");
    assert.equal((await poller()).reconcile.everyHours, "every day");
    await every.fill("1e400"); // a decimal beyond any number: text, not Infinity (JSON has none)
    assert.equal((await poller()).reconcile.everyHours, "1e400");
    assert.equal(await everyDiag.first().getAttribute("data-code"), "poller.reconcile.every-hours");
    await every.fill("0.5");
    await drop.fill(".25");
    await everyDiag.first().waitFor({ state: "detached" });
    await dropDiag.first().waitFor({ state: "detached" });
    assert.deepEqual((await poller()).reconcile, { everyHours: 0.5, maxDrop: 0.25 });

    // clearing maxDrop removes that key only; clearing everyHours too removes reconcile
    await drop.fill("");
    assert.deepEqual((await poller()).reconcile, { everyHours: 0.5 });
    await every.fill("");
    assert.ok(!("reconcile" in (await poller())), "no reconcile: {} left behind");

    // a maxDrop without everyHours: everyHours' diagnostic at its field
    await drop.fill("0.3");
    await everyDiag.first().waitFor();
    assert.deepEqual((await poller()).reconcile, { maxDrop: 0.3 });

    // a body's reconcile shows in the fields; a key inside it that has no field is kept and listed
    await page.evaluate(() => {
      const editor = document.getElementById("editor");
      const body = editor.value;
      body.configuration["event.poller.configuration"].appointments.reconcile = { everyHours: 6, note: "mine" };
      editor.value = body;
    });
    assert.equal(await every.inputValue(), "6");
    assert.ok(
      (await page.locator("poller-config-editor .extra li").allTextContents()).includes(`${R}.note`),
      "listed among the keys kept without a field",
    );
    await every.fill("");
    assert.deepEqual((await poller()).reconcile, { note: "mine" }, "what has no field is never dropped");
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test(
  "building a configuration from presets",
  { skip: ep.presets ? false : "presets is not exported by this build of elements-poller" },
  async () => {
    const { server, page, errors } = await open();
    try {
      await page.getByRole("button", { name: "Start over" }).click();
      const editor = page.locator("poller-config-editor");
      await editor.getByLabel("Preset resource of infusionsoftrest").selectOption("contacts");
      await editor.getByRole("button", { name: "Add preset" }).click();
      await editor.getByLabel("Preset resource of infusionsoftrest").selectOption("tasks");
      await editor.getByRole("button", { name: "Add preset" }).click();
      assert.equal(
        await byPath(page, `${PC}.contacts.datesConfiguration.updatedDateField`).inputValue(),
        "last_updated",
      );
      assert.equal(
        await byPath(page, `${PC}.tasks.datesConfiguration.updatedDateField`).inputValue(),
        "modification_date",
      );
      await editor.getByLabel("Instance name", { exact: true }).fill("Keap polling");
      await editor.getByLabel("API key (client id)", { exact: true }).fill("Rand0MAP1-key");
      await editor.getByLabel("API secret", { exact: true }).fill("fak3AP1-s3Cr3t");
      await editor.getByLabel("Callback URL", { exact: true }).fill("https://mycoolapp.com");
      await editor.getByLabel("Event callback URL", { exact: true }).fill("https://mycoolapp.com/events");
      await editor.getByLabel("Authorization grant code", { exact: true }).fill("grant-code-1");
      await editor.getByLabel("Events enabled", { exact: true }).check();
      await editor.getByLabel("Refresh interval (minutes)", { exact: true }).fill("15");
      const json = JSON.parse(await page.locator("#json-out").textContent());
      assert.deepEqual(Object.keys(json.configuration["event.poller.configuration"]), ["contacts", "tasks"]);
      assert.equal(json.configuration["event.poller.refresh_interval"], 15);
      assert.equal(json.name, "Keap polling");
      const errorsLeft = await page.locator("poller-config-editor .diag-list li.error").count();
      assert.equal(errorsLeft, 0, "a complete configuration has no errors");
      await page.locator("#status-badge.ok, #status-badge.warn").waitFor();
      // rename a resource (its key in event.poller.configuration), then remove one
      const rename = page.locator(`poller-config-editor input[data-path=${JSON.stringify(`${PC}.contacts#name`)}]`);
      await rename.fill("people");
      await rename.press("Enter");
      await page.waitForFunction(
        () =>
          Object.keys(
            JSON.parse(document.getElementById("json-out").textContent).configuration["event.poller.configuration"],
          ).join() === "people,tasks",
      );
      await editor.getByRole("button", { name: "Remove resource tasks" }).click();
      await page.waitForFunction(
        () =>
          Object.keys(
            JSON.parse(document.getElementById("json-out").textContent).configuration["event.poller.configuration"],
          ).join() === "people",
      );
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  },
);

test(
  "the cURL preview masks secrets until revealed",
  { skip: typeof ep.renderCurl === "function" ? false : "renderCurl is not exported by this build of elements-poller" },
  async () => {
    const { server, page, errors } = await open();
    try {
      await page.getByLabel("User secret").fill("u-secret-4711");
      await page.getByLabel("Organization secret").fill("o-secret-0815");
      const out = page.locator("#curl-out");
      await page.waitForFunction(() => document.getElementById("curl-out").textContent.includes("curl"));
      assert.ok(!(await out.textContent()).includes("u-secret-4711"), "masked by default");
      assert.ok((await out.textContent()).includes("********"));
      await page.getByRole("button", { name: "Reveal secrets" }).click();
      await page.waitForFunction(() => document.getElementById("curl-out").textContent.includes("u-secret-4711"));
      assert.ok((await out.textContent()).includes("o-secret-0815"));
      assert.equal(await page.locator("#curl-reveal").getAttribute("aria-pressed"), "true");
      await page.getByRole("button", { name: "Mask secrets" }).click();
      await page.waitForFunction(() => !document.getElementById("curl-out").textContent.includes("u-secret-4711"));
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  },
);

test(
  "the poll URL preview renders the watermark into the url's template",
  {
    skip:
      typeof ep.renderPollUrl === "function" ? false : "renderPollUrl is not exported by this build of elements-poller",
  },
  async () => {
    const { server, page, errors } = await open();
    try {
      await page.getByLabel("Resource to preview").selectOption("appointments");
      await page.getByRole("button", { name: "Add a where clause on the updated date" }).click();
      assert.equal(
        await byPath(page, `${PC}.appointments.url`).inputValue(),
        "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'",
      );
      await page.getByLabel("Watermark (last poll, ISO-8601)").fill("2026-03-10T11:00:00.000Z");
      const url = "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'";
      const expected = ep.renderPollUrl(
        { name: "appointments", ...ep.presets.infusionsoftrest.appointments, url },
        { watermark: Date.parse("2026-03-10T11:00:00.000Z") },
      );
      assert.match(
        expected,
        /^\/hubs\/crm\/appointments\?where=modification_date(>|%3E)(=|%3D)?'2026-03-10T1[01]:[0-9:.]+Z'$/,
        "the package renders the watermark into the where clause",
      );
      await page.locator("#pollurl-out", { hasText: expected }).waitFor();
      assert.equal(await page.locator("#pollurl-out").textContent(), expected);
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  },
);

test("the date-format tester shows the instant, or the error with a caret under its column", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Date formats" }).click();
    await page.getByLabel("Pattern", { exact: true }).fill("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
    await page.getByLabel("Time zone", { exact: true }).fill("GMT");
    await page.getByLabel("Sample value").fill("2026-03-10T14:20:00.000Z");
    await page.locator("#date-utc").waitFor();
    assert.equal(await page.locator("#date-utc").textContent(), "2026-03-10T14:20:00.000Z");
    await page.getByLabel("Sample value").fill("2026-03-10 14:20");
    await page.locator("#date-caret").waitFor();
    const caret = await page.locator("#date-caret .caret-mark").textContent();
    assert.equal(caret.indexOf("^"), 10, "the caret is under column 10, where the 'T' is expected");
    await page.getByLabel("Pattern", { exact: true }).fill("YYYY-MM-dd");
    await page.locator('#date-lints li[data-code="date-format.week-year"]').waitFor();
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("a dry run classifies each record of a known body against the watermark", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Dry run" }).click();
    await page.getByRole("button", { name: "Load sample Keap appointments" }).click();
    await page.getByLabel("Watermark (ISO-8601)").fill("2026-03-10T11:00:00.000Z");
    await page.locator("#dry-table tbody tr").nth(7).waitFor();
    const rows = await page
      .locator("#dry-table tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [tr.dataset.id, tr.dataset.result, tr.cells[5].textContent]));
    assert.deepEqual(
      rows.map(([id, result]) => [id, result]),
      [
        ["1001", "skipped"],
        ["1002", "skipped"],
        ["1003", "UPDATED"],
        ["1004", "CREATED"],
        ["1005", "CREATED"],
        ["1006", "UPDATED"],
        ["1007", "CREATED"],
        ["1008", "skipped"],
      ],
    );
    // The watermark is a first poll's startFrom: its instant is included (1003 and 1004 sit on it).
    for (const i of [0, 1]) assert.equal(rows[i][2], "updated before the watermark", `reason of ${rows[i][0]}`);
    assert.equal(rows[2][2], "updated at the watermark (a first poll includes its start instant), created before it");
    assert.equal(rows[3][2], "created at the watermark (a first poll includes its start instant)");
    assert.equal(rows[4][2], "created after the watermark");
    assert.equal(rows[5][2], "updated after the watermark, created before it");
    assert.match(rows[7][2], /record|date|digits|expected/i, "the unreadable date's diagnostic is the reason");
    assert.match(await page.locator("#dry-summary").textContent(), /8 records: 3 CREATED, 2 UPDATED, 3 skipped/);
    assert.equal(await page.locator("#dry-chart svg .tl-row").count(), 8);
    await page.locator("#dry-chart svg .tl-watermark").waitFor({ state: "attached" });
    // moving the watermark back turns skipped records into events
    await page.getByLabel("Watermark (ISO-8601)").fill("2026-03-01T00:00:00.000Z");
    await page.waitForFunction(
      () => document.querySelector('#dry-table tr[data-id="1001"]')?.dataset.result === "CREATED",
    );
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("a dry run over records fetched from the hub simulator agrees with detectChanges", async () => {
  const { server, page, errors } = await open();
  try {
    await page.getByRole("tab", { name: "Dry run" }).click();
    await page.getByRole("button", { name: "Fetch from the hub simulator" }).click();
    const count = server.hub.records("appointments").length;
    await page
      .locator("#dry-table tbody tr")
      .nth(count - 1)
      .waitFor();
    const body = await page.locator("#dry-body").inputValue();
    const watermark = await page.getByLabel("Watermark (ISO-8601)").inputValue();
    const resource = { name: "appointments", ...ep.presets.infusionsoftrest.appointments };
    const expected = ep.detectChanges({ resource, startFrom: watermark, body, now: Date.now() });
    const shown = await page
      .locator("#dry-table tbody tr")
      .evaluateAll((trs) =>
        trs.filter((tr) => tr.dataset.result !== "skipped").map((tr) => `${tr.dataset.result} ${tr.dataset.id}`),
      );
    assert.deepEqual(shown.sort(), expected.events.map((e) => `${e.eventType} ${e.objectId}`).sort());
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test(
  "live mode receives events after a mutation in the simulator",
  { skip: typeof ep.Poller === "function" ? false : "Poller is not exported by this build of elements-poller" },
  async () => {
    const { server, page, errors } = await open();
    try {
      await page.getByRole("tab", { name: "Live" }).click();
      await page.locator("#live-resources input[value=appointments]").check();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.waitForFunction(() => /^1 poll/.test(document.getElementById("live-stats").textContent));
      await page.getByLabel("Resource to change").selectOption("appointments");
      await page.getByRole("button", { name: "Create a record" }).click();
      await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.locator('#live-events tbody tr[data-type="CREATED"]').first().waitFor();
      await page.getByRole("button", { name: "Update a record" }).click();
      await page.locator("#mutate-note", { hasText: "Updated" }).waitFor();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.locator('#live-events tbody tr[data-type="UPDATED"]').first().waitFor();
      assert.ok(Number(await page.locator("#live-stats").getAttribute("data-events")) >= 2);
      assert.equal(await page.locator("#live-chart svg .bar").count(), 3);
      // a throttled request is retried, and the retry shows as it happens
      await page.getByRole("button", { name: "Throttle the next request (429)" }).click();
      await page.locator("#mutate-note", { hasText: "throttled" }).waitFor();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.locator('#live-log li[data-kind="retry"]').first().waitFor();
      await page.waitForFunction(() => /^4 polls/.test(document.getElementById("live-stats").textContent));
      assert.equal(await page.locator("#live-chart svg .bar.has-retry").count(), 1);
      await shot(page, `console-live-events.png`);
      // the injected 429 is logged by Chromium as a failed resource load: expected, nothing else is
      assert.deepEqual(
        errors.filter((e) => !/status of 429/.test(e.message)),
        [],
      );
    } finally {
      await server.close();
    }
  },
);

test(
  "live mode: reconciling polls after a delete show a held warning, then a DELETED row in its own style; a failed listing warns",
  { skip: typeof ep.Poller === "function" ? false : "Poller is not exported by this build of elements-poller" },
  async () => {
    const { server, page, errors } = await open();
    try {
      // reconcile on, through the editor's fields; maxDrop 0 holds any drop once
      const R = `${PC}.appointments.reconcile`;
      await byPath(page, `${R}.everyHours`).fill("24");
      await byPath(page, `${R}.maxDrop`).fill("0");
      await page.getByRole("tab", { name: "Live" }).click();
      await page.locator("#live-resources input[value=appointments]").check();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.waitForFunction(() => /^1 poll/.test(document.getElementById("live-stats").textContent));
      // the first poll of a resource with reconcile lists it in full: the listing deletes are compared with
      await page.locator('#live-log li[data-kind="reconcile"]').first().waitFor();
      await page.getByLabel("Resource to change").selectOption("appointments");
      await page.getByRole("button", { name: "Delete a record" }).click();
      const note = await page.locator("#mutate-note", { hasText: "Deleted" }).textContent();
      const id = /^Deleted: appointments (\S+)\./.exec(note)?.[1];
      assert.ok(id, note);
      assert.ok(!server.hub.records("appointments").some((r) => String(r.id) === id), "gone from the simulator");

      // a drop beyond maxDrop is held: a warning diagnostic, no DELETED
      await page.getByRole("button", { name: "Reconcile now" }).click();
      const held = page.locator('#live-warnings li.diag.warning[data-code="reconcile.held"]');
      await held.waitFor();
      await page.waitForFunction(() => /^2 polls/.test(document.getElementById("live-stats").textContent));
      assert.equal(await page.locator('#live-events tbody tr[data-type="DELETED"]').count(), 0);
      assert.match(await held.textContent(), /appointments: .*maxDrop/);
      assert.equal(await held.getAttribute("data-path"), `${R}.maxDrop`);
      assert.equal(await page.locator('#live-log li[data-kind="warning"]', { hasText: "reconcile.held" }).count(), 1);
      await shot(page, `console-live-held.png`);
      // selecting it goes to the field its hint is about
      await held.getByRole("button").click();
      assert.equal(await page.getByRole("tab", { name: "Build" }).getAttribute("aria-selected"), "true");
      assert.equal(
        await page.evaluate(
          () => document.querySelector("poller-config-editor").shadowRoot.activeElement?.dataset.path,
        ),
        `${R}.maxDrop`,
      );
      await page.getByRole("tab", { name: "Live" }).click();

      // the second complete listing confirms it: one DELETED row, and the warning is answered
      await page.getByRole("button", { name: "Reconcile now" }).click();
      const row = page.locator(`#live-events tbody tr[data-type="DELETED"][data-id=${JSON.stringify(id)}]`);
      await row.waitFor();
      await held.waitFor({ state: "detached" });
      assert.equal(await page.locator('#live-events tbody tr[data-type="DELETED"]').count(), 1);
      const pill = row.locator(".result");
      assert.equal(await pill.textContent(), "DELETED");
      const style = (loc) =>
        loc.evaluate((e) => {
          const s = getComputedStyle(e);
          return { color: s.color, background: s.backgroundColor, border: s.borderTopStyle };
        });
      const deleted = await style(pill);
      assert.deepEqual(deleted, { color: "rgb(155, 28, 90)", background: "rgb(251, 233, 241)", border: "dashed" });
      // CREATED and UPDATED pills (built the same way) look otherwise
      const others = await page.evaluate(() =>
        ["CREATED", "UPDATED"].map((t) => {
          const span = document.createElement("span");
          span.className = `result res-${t}`;
          document.getElementById("live-events").append(span);
          const s = getComputedStyle(span);
          const out = { color: s.color, background: s.backgroundColor, border: s.borderTopStyle };
          span.remove();
          return out;
        }),
      );
      for (const o of others) {
        assert.notEqual(o.color, deleted.color);
        assert.notEqual(o.background, deleted.background);
      }
      assert.match(await page.locator("#live-stats").textContent(), /listed in full, 1 deleted/);
      await shot(page, `console-live-deleted.png`);

      // a full listing that fails (a truncated body) deletes nothing: its warning, at the resource
      await page.evaluate(() =>
        fetch("/__hub/faults", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ next: ["truncate"] }),
        }),
      );
      await page.getByRole("button", { name: "Reconcile now" }).click();
      const failed = page.locator('#live-warnings li.diag.warning[data-code="reconcile.failed"]');
      await failed.waitFor();
      assert.equal(await failed.getAttribute("data-path"), `${PC}.appointments`);
      assert.match(await failed.textContent(), /^warning\s*appointments: the full listing failed/);
      await page.waitForFunction(() => /^4 polls/.test(document.getElementById("live-stats").textContent));
      assert.equal(await page.locator('#live-events tbody tr[data-type="DELETED"]').count(), 1);
      // the next complete listing answers it
      await page.getByRole("button", { name: "Reconcile now" }).click();
      await failed.waitFor({ state: "detached" });
      assert.equal(await page.locator("#live-warnings li").count(), 0);
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  },
);

test(
  "live mode delivers signed notifications to the simulator's webhook receiver",
  { skip: typeof ep.Poller === "function" ? false : "Poller is not exported by this build of elements-poller" },
  async () => {
    const { server, page, errors } = await open();
    try {
      await page.getByRole("tab", { name: "Live" }).click();
      await page.getByLabel("Also deliver signed notifications to the simulator's webhook receiver").check();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.waitForFunction(() => /^1 poll/.test(document.getElementById("live-stats").textContent));
      await page.getByRole("button", { name: "Create a record" }).click();
      await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
      await page.getByRole("button", { name: "Poll once" }).click();
      await page.locator('#live-webhooks[data-received="1"]').waitFor();
      assert.equal(await page.locator("#live-webhooks").getAttribute("data-verified"), "1");
      const [got] = server.hub.received();
      assert.equal(got.verified, true);
      assert.equal(got.body.message.events[0].eventType, "CREATED");
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  },
);

test("the embedded component fires change with {value, diagnostics, ok}", async () => {
  const { server, page, errors } = await open({ path: "/embed.html" });
  try {
    const editor = page.locator("#embedded");
    await editor.getByLabel("Instance name", { exact: true }).fill("Embedded instance");
    await page.locator("#change-status[data-changes]").waitFor();
    const value = JSON.parse(await page.locator("#change-value").textContent());
    assert.equal(value.name, "Embedded instance");
    assert.equal(value.element.key, "infusionsoftrest");
    const detail = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const el = document.getElementById("embedded");
          el.addEventListener(
            "change",
            (e) => resolve({ ok: e.detail.ok, n: e.detail.diagnostics.length, name: e.detail.value.name }),
            { once: true },
          );
          const input = el.shadowRoot.querySelector('input[data-path="name"]');
          input.value = "Renamed";
          input.dispatchEvent(new Event("input"));
        }),
    );
    assert.equal(detail.name, "Renamed");
    assert.equal(typeof detail.ok, "boolean");
    assert.ok(detail.n > 0, "an instance without OAuth fields has diagnostics");
    await shot(page, `embed.png`);
    assert.deepEqual(errors, []);
  } finally {
    await server.close();
  }
});

test("screenshots of each panel at desktop and 360 px widths", async () => {
  for (const [tag, viewport] of WIDTHS) {
    const { server, page, errors } = await open({ viewport });
    try {
      await shot(page, `console-builder-${tag}.png`);
      await page.getByRole("tab", { name: "Import" }).click();
      await page.getByRole("button", { name: "Load the documentation's example" }).click();
      await page.locator("#diagnostics-list li").first().waitFor();
      await shot(page, `console-import-${tag}.png`);
      await page.getByRole("tab", { name: "Date formats" }).click();
      await page.getByLabel("Sample value").fill("2026-03-10 14:20");
      await page.locator("#date-caret").waitFor();
      await shot(page, `console-dates-${tag}.png`);
      await page.getByRole("tab", { name: "Dry run" }).click();
      await page.getByRole("button", { name: "Load sample Keap appointments" }).click();
      await page.locator("#dry-chart svg").waitFor();
      await shot(page, `console-dryrun-${tag}.png`);
      await page.getByRole("tab", { name: "Live" }).click();
      await page.locator("#live-resources input, #live-resources p").first().waitFor();
      if (typeof ep.Poller === "function") {
        await page.getByRole("button", { name: "Poll once" }).click();
        await page.waitForFunction(() => /^1 poll/.test(document.getElementById("live-stats").textContent));
        await page.getByRole("button", { name: "Create a record" }).click();
        await page.locator("#mutate-note", { hasText: "Created" }).waitFor();
        await page.getByRole("button", { name: "Poll once" }).click();
        await page.locator('#live-events tbody tr[data-type="CREATED"]').first().waitFor();
      }
      await shot(page, `console-live-${tag}.png`);
      assert.deepEqual(errors, []);
    } finally {
      await server.close();
    }
  }
});
