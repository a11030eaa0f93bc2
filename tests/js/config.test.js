// Configuration functions of the package, as a user calls them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  validateConfig,
  normalizeConfig,
  buildInstance,
  renderCurl,
  instanceRequest,
  renderPollUrl,
  locateConfigPath,
  presets,
  configSchema,
  PollerError,
} from "elements-poller";
import { cli } from "./helpers/cli.js";

const seedText = readFileSync(new URL("../data/seed/example-body.json", import.meta.url), "utf8");
const curlText = readFileSync(new URL("../data/seed/curl-body.json", import.meta.url), "utf8");

const spec = {
  element: "infusionsoftrest",
  name: "demo",
  code: "grant-code-123",
  oauth: { key: "app-key", secret: "app-secret", callbackUrl: "https://app.example.com/oauth" },
  callbackUrl: "https://app.example.com/events",
  refreshInterval: 15,
  signatureKey: "sig-key",
  resources: ["appointments", "contacts"],
};

test("buildInstance produces a body that validates clean", () => {
  const body = buildInstance(spec);
  assert.equal(body.element.key, "infusionsoftrest");
  assert.deepEqual(Object.keys(body.configuration["event.poller.configuration"]), ["appointments", "contacts"]);
  assert.deepEqual(validateConfig(body), { ok: true, diagnostics: [] });
  assert.throws(
    () => buildInstance({ ...spec, code: undefined }),
    (e) => e instanceof PollerError && e.code === "build.invalid",
  );
});

test("every infusionsoftrest preset validates clean", () => {
  for (const name of ["appointments", "contacts", "opportunities", "orders", "tasks", "transactions"]) {
    const body = buildInstance({ ...spec, resources: { [name]: presets.infusionsoftrest[name] } });
    assert.deepEqual(validateConfig(body).diagnostics, [], name);
  }
});

test("the seed's example reports each placeholder at its path", () => {
  const { ok, diagnostics } = validateConfig(seedText);
  assert.equal(ok, false);
  const placeholders = diagnostics
    .filter((d) => d.code === "config.placeholder")
    .map((d) => d.path)
    .sort();
  assert.deepEqual(placeholders, [
    'configuration["event.poller.refresh_interval"]',
    'configuration["oauth.api.key"]',
    'configuration["oauth.api.secret"]',
    'configuration["oauth.callback.url"]',
    "name",
    "providerData.code",
    "tags[0]",
  ]);
  for (const d of diagnostics)
    assert.ok(!d.message.includes("Infusionsoft app Secret"), "secrets never appear in messages");
});

test("normalizeConfig gives one form for every spelling", () => {
  const native = normalizeConfig(curlText);
  const asStrings = JSON.parse(curlText);
  asStrings.configuration["event.notification.enabled"] = "true";
  asStrings.configuration["event.poller.refresh_interval"] = "15";
  asStrings.configuration["event.poller.configuration"] = JSON.stringify(
    asStrings.configuration["event.poller.configuration"],
  );
  assert.deepEqual(normalizeConfig(asStrings), native);
  assert.deepEqual(
    normalizeConfig(JSON.stringify(JSON.stringify(asStrings))),
    native,
    "a JSON string holding the body",
  );
  assert.throws(
    () => normalizeConfig("{oops"),
    (e) => e instanceof PollerError && e.code.startsWith("config."),
  );
});

test("unknown keys survive normalize and render", () => {
  const body = { ...JSON.parse(curlText), ourTeamNote: { keep: [1, 2, 3] } };
  body.configuration["x.custom"] = "kept";
  const n = normalizeConfig(body);
  assert.deepEqual(n.ourTeamNote, { keep: [1, 2, 3] });
  assert.equal(n.configuration["x.custom"], "kept");
  assert.deepEqual(JSON.parse(instanceRequest(n, { userSecret: "u", organizationSecret: "o" }).body).ourTeamNote, {
    keep: [1, 2, 3],
  });
});

test("renderCurl masks secrets unless reveal", () => {
  const body = buildInstance(spec);
  const masked = renderCurl(body, { userSecret: "user-s3cret", organizationSecret: "org-s3cret" });
  assert.match(masked, /^curl -X POST/);
  for (const secret of ["user-s3cret", "org-s3cret", "app-secret", "sig-key", "grant-code-123"])
    assert.ok(!masked.includes(secret), secret);
  const shown = renderCurl(body, { userSecret: "user-s3cret", organizationSecret: "org-s3cret", reveal: true });
  for (const secret of ["user-s3cret", "org-s3cret", "app-secret"]) assert.ok(shown.includes(secret), secret);
});

test("instanceRequest is ready for fetch", () => {
  const r = instanceRequest(buildInstance(spec), { userSecret: "u", organizationSecret: "o" });
  assert.equal(r.method, "POST");
  assert.equal(r.url, "https://api.cloud-elements.com/elements/api-v2/instances");
  assert.equal(r.headers.authorization ?? r.headers.Authorization, "User u, Organization o");
  assert.equal(JSON.parse(r.body).name, "demo");
});

test("renderPollUrl renders what a poll sends: watermark minus pollDelay, one step below", () => {
  const resource = {
    name: "contacts",
    url: "/hubs/crm/contacts?where=last_updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'",
    idField: "id",
    pollDelay: 60,
    datesConfiguration: { updatedDateField: "last_updated" },
  };
  const url = renderPollUrl(resource, { watermark: "2024-01-01T00:01:00Z", now: "2024-06-01T00:00:00Z" });
  assert.ok(url.includes("2023-12-31T23:59:59.999Z"), url);
  assert.ok(url.startsWith("/hubs/crm/contacts?where="), url);
  assert.equal(
    renderPollUrl({ ...resource, url: "/x?since=${epoch:s}" }, { watermark: 125_000, now: 130_000 }),
    "/x?since=64",
  );
});

test("locateConfigPath points at the value behind a diagnostic", () => {
  assert.deepEqual(locateConfigPath(seedText, "providerData.code"), { line: 6, column: 13, exact: true });
});

test("configSchema describes the body", () => {
  assert.equal(typeof configSchema, "object");
  assert.ok(JSON.stringify(configSchema).includes("event.poller.configuration"));
});

test("CLI validate prints path, line, caret and hint; exits 1 on errors", () => {
  const path = new URL("../data/seed/example-body.json", import.meta.url).pathname;
  const { code, out, err } = cli("validate", path);
  assert.equal(code, 1);
  assert.equal(out, "", "human diagnostics go to stderr");
  assert.match(err, /error\[config\.placeholder\]/);
  assert.match(err, /example-body\.json:6:13 {2}providerData\.code/);
  assert.match(err, /6 \| {5}"code": "<AUTHORIZATION_GRANT_CODE>"\n {2}\| {13}\^/);
  assert.match(err, /= hint:/);
  assert.ok(!err.includes("\x1b["), "no colour when not a TTY");
  const json = JSON.parse(cli("validate", "--json", path).out);
  assert.equal(json[0].ok, false);
});

test("CLI preview renders cURL, the request and the poll url", () => {
  const path = new URL("../data/seed/curl-body.json", import.meta.url).pathname;
  const curl = cli("preview", path, "--curl");
  assert.equal(curl.code, 0);
  assert.match(curl.out, /^curl -X POST/);
  assert.ok(!curl.out.includes("fak3AP1-s3Cr3t"));
  assert.ok(cli("preview", path, "--curl", "--reveal").out.includes("fak3AP1-s3Cr3t"));
  assert.equal(cli("preview", path, "--poll-url", "appointments").out.trim(), "/hubs/crm/appointments");
  assert.equal(cli("preview", path, "--poll-url", "nope").code, 1);
  assert.equal(cli("preview", path).code, 2);
});
