// The seed's cURL command, run as the seed writes it (the real curl, /usr/bin/curl, in bash)
// against the service: only its scheme, host and port changed to the test's service, and its
// two secrets to the test's. As written it gets the validator's 400 (its grant code is a
// placeholder, and its body's quotes end the shell's quoting); with the code filled in and the
// quotes escaped, 200 and the instance. The API is served under the platform's
// /elements/api-v2 as well as at the plain paths, the same handlers (and the same Element
// scoping). The body's string form (event.poller.configuration written as a JSON string, which
// the validator accepts) is accepted and polls as the object form does.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validateConfig } from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { createServer, readConfig } from "elements-poller-server";
import { privatePostgres } from "./helpers/postgres.js";
import { serviceEnv, api, until, API_SECRETS, AUTH } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

const CURL = "/usr/bin/curl";
// The seed, as the repository keeps it (the platform's page, verbatim).
const seed = readFileSync(new URL("../data/configs/seed/infusionsoft-rest-events.txt", import.meta.url), "utf8");
/** The seed's cURL command: from `curl -X POST \` to the body's closing `}'`. */
const seedCurl = /^curl -X POST \\\n[\s\S]*?^\}'$/m.exec(seed)?.[0];

let postgres, hub, server, curlHome;
before(async () => {
  postgres = await privatePostgres();
  hub = await startHubSimulator({ seed: 5, resources: { appointments: 3 } });
  // A day's interval: only the polls a test asks for run (the seed's callback is the platform's).
  const config = readConfig(["--port", "0", "--interval-ms", "86400000"], serviceEnv(hub, postgres.url));
  assert.equal(config.errors, undefined);
  server = await createServer(config.options, { log: () => {} });
  // curl's own configuration file (CURL_HOME/.curlrc) has it print the status after the body,
  // so the command itself stays the seed's.
  curlHome = mkdtempSync(join(tmpdir(), "ep-curl-"));
  writeFileSync(join(curlHome, ".curlrc"), 'silent\nshow-error\nwrite-out = "\\n%{http_code}"\n');
});
after(async () => {
  await server?.close();
  await hub?.close();
  await postgres?.stop();
  if (curlHome) rmSync(curlHome, { recursive: true, force: true });
});

/**
 * Runs a shell command line in bash with the real curl (asynchronously: the service answering
 * it runs in this process); resolves `{status, json, text}` of its answer.
 */
async function runCurl(command) {
  const env = { PATH: "/usr/bin:/bin", CURL_HOME: curlHome, HOME: curlHome };
  assert.equal(execFileSync("bash", ["-c", "command -v curl"], { env }).toString().trim(), CURL);
  const proc = spawn("bash", ["-c", command], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d) => (stdout += d));
  proc.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => proc.once("close", resolve));
  assert.equal(code, 0, `curl failed: ${stderr}`);
  const cut = stdout.lastIndexOf("\n");
  const text = stdout.slice(0, cut);
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: Number(stdout.slice(cut + 1)), text, json };
}

/** The seed's command with the test's origin for the platform's, and the secrets filled in. */
function localized(command, { code } = {}) {
  const [first, second, ...rest] = command.split("\n");
  // The url line only: the body keeps the platform's callback url, as the seed has it.
  assert.equal(second, "https://api.cloud-elements.com/elements/api-v2/instances \\");
  const secondLocal = second.replace("https://api.cloud-elements.com", server.url);
  let text = [first, secondLocal, ...rest]
    .join("\n")
    .replace("<USER_SECRET>", API_SECRETS.ELEMENTS_USER_SECRET)
    .replace("<ORGANIZATION_SECRET>", API_SECRETS.ELEMENTS_ORGANIZATION_SECRET);
  if (code !== undefined) text = text.replace("<AUTHORIZATION_GRANT_CODE>", code);
  return text;
}

/** The body the seed's `-d '...'` shows (tests/data/seed/curl-body.json is that text). */
const shownBody = () => readFileSync(new URL("../data/seed/curl-body.json", import.meta.url), "utf8");

test("the seed's cURL command as written, only the host and the two secrets changed, reaches POST /elements/api-v2/instances: the validator's 400 for the body the shell sends", async () => {
  assert.ok(seedCurl, "the seed has its cURL command");
  const command = localized(seedCurl);
  assert.equal(
    command
      .replace(server.url, "https://api.cloud-elements.com")
      .replace(API_SECRETS.ELEMENTS_USER_SECRET, "<USER_SECRET>")
      .replace(API_SECRETS.ELEMENTS_ORGANIZATION_SECRET, "<ORGANIZATION_SECRET>"),
    seedCurl,
    "nothing else changed",
  );
  const res = await runCurl(command);
  // Not the 404 of an unknown path: the route's handler judged the body. Two things of the
  // seed's own make it a 400: the grant code is still its placeholder, and the body's single
  // quotes ('T', 'Z' in the date formats) close the shell's single-quoted -d argument, so the
  // shell sends yyyy-MM-ddTHH:mm:ss.SSSZ, where T is no pattern letter.
  assert.equal(res.status, 400, res.text);
  const sent = shownBody().replaceAll("'T'", "T").replaceAll("'Z'", "Z");
  assert.deepEqual(res.json.diagnostics, validateConfig(sent).diagnostics);
  assert.deepEqual(
    res.json.diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.path]),
    [
      ["config.placeholder", "providerData.code"],
      [
        "date-format.unknown-letter",
        'configuration["event.poller.configuration"].appointments.datesConfiguration.updatedDateFormat',
      ],
      [
        "date-format.unknown-letter",
        'configuration["event.poller.configuration"].appointments.datesConfiguration.createdDateFormat',
      ],
    ],
  );
  assert.equal((await api(server.url, "GET", "/instances")).json.length, 0, "nothing was stored");
});

test("the seed's cURL command with a grant code for its placeholder and its body's quotes escaped for the shell creates the instance (200)", async () => {
  // The two edits a reader makes to run it: the code from the consent page, and each ' inside
  // the single-quoted body written '\'' so the shell sends the body as the seed shows it.
  const [head, body] = localized(seedCurl, { code: "grant-code-0815" }).split("\n-d '");
  const command = `${head}\n-d '${body.slice(0, -1).replaceAll("'", "'\\''")}'`;
  const res = await runCurl(command);
  assert.equal(res.status, 200, res.text);
  const { id, token, name, element, configuration, createdDate } = res.json;
  assert.equal(name, "API Instance with Polling");
  assert.deepEqual(element, { key: "infusionsoftrest" });
  assert.ok(token.length >= 40);
  assert.ok(!Number.isNaN(Date.parse(createdDate)));
  assert.equal(configuration["oauth.api.key"], "Rand0MAP1-key");
  assert.equal(
    configuration["event.poller.configuration"].appointments.datesConfiguration.updatedDateFormat,
    "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
    "the body arrived as the seed shows it",
  );
  assert.ok(!res.text.includes("fak3AP1-s3Cr3t"), "the secret is masked");
  // The instance is there, at both paths.
  for (const path of [`/instances/${id}`, `/elements/api-v2/instances/${id}`]) {
    const one = await api(server.url, "GET", path);
    assert.equal(one.status, 200, path);
    assert.equal(one.json.id, id);
    assert.deepEqual(
      one.json.resources.map((r) => r.name),
      ["appointments"],
    );
  }
  assert.equal((await api(server.url, "DELETE", `/elements/api-v2/instances/${id}`)).status, 200);
  assert.equal((await api(server.url, "GET", `/instances/${id}`)).status, 404);
});

test("every route is served under /elements/api-v2 too, with the same handlers and the same scoping", async () => {
  const created = await api(
    server.url,
    "POST",
    "/elements/api-v2/instances",
    hubBody(hub, "prefixed", ["appointments"]),
  );
  assert.equal(created.status, 200, created.text);
  const { id, token } = created.json;
  const plain = await api(server.url, "GET", `/instances/${id}`);
  const prefixed = await api(server.url, "GET", `/elements/api-v2/instances/${id}`);
  assert.deepEqual(prefixed.json, plain.json);
  for (const [method, path, status] of [
    ["GET", "/healthz", 200],
    ["GET", "/instances", 200],
    ["GET", `/instances/${id}/events`, 200],
    ["GET", `/instances/${id}/status`, 200],
    ["GET", "/deliveries?status=queued", 200],
    ["PUT", "/deliveries/999999", 404],
    ["POST", "/instances/nope/poll", 404],
    ["DELETE", "/instances", 405],
  ]) {
    const a = await api(server.url, method, path);
    const b = await api(server.url, method, `/elements/api-v2${path}`);
    assert.equal(a.status, status, `${method} ${path}: ${a.text}`);
    assert.equal(b.status, status, `${method} /elements/api-v2${path}: ${b.text}`);
  }
  assert.match(
    (await api(server.url, "GET", "/elements/api-v2/metrics", undefined, { auth: null })).text,
    /elements_poller_polls_total/,
  );
  // Authentication and an Element token's scope hold under the prefix as at the plain path.
  assert.equal((await api(server.url, "GET", "/elements/api-v2/instances", undefined, { auth: null })).status, 401);
  const scoped = { auth: `${AUTH}, Element ${token}` };
  const other = hubBody(hub, "from-token", ["appointments"]);
  assert.equal((await api(server.url, "POST", "/elements/api-v2/instances", other, scoped)).status, 403);
  const listed = await api(server.url, "GET", "/elements/api-v2/instances", undefined, scoped);
  assert.deepEqual(
    listed.json.map((i) => i.id),
    [id],
  );
  // Only the platform's prefix, exactly.
  for (const path of [
    "/elements/api-v2",
    "/elements/api-v3/instances",
    "/elements/api-v2x/instances",
    "/api-v2/instances",
  ])
    assert.equal((await api(server.url, "GET", path)).status, 404, path);
  await api(server.url, "DELETE", `/instances/${id}`);
});

test("the string form (event.poller.configuration as a JSON string) is accepted and polls as the object form", async () => {
  const object = hubBody(hub, "object-form", ["appointments"]);
  const string = structuredClone(object);
  string.name = "string-form";
  string.configuration["event.poller.configuration"] = JSON.stringify(
    object.configuration["event.poller.configuration"],
  );
  const made = [];
  for (const body of [object, string]) {
    const res = await api(server.url, "POST", "/elements/api-v2/instances", body);
    assert.equal(res.status, 200, res.text);
    made.push(res.json);
  }
  const [a, b] = made;
  const same = (x) => ({ ...x, id: undefined, token: undefined, name: undefined, createdDate: undefined });
  assert.deepEqual(same(b), same(a), "the same instance but for its id, token, name and date");
  const get = async (id) => (await api(server.url, "GET", `/instances/${id}`)).json;
  assert.deepEqual(same(await get(b.id)), same(await get(a.id)));
  assert.equal(typeof (await get(b.id)).configuration["event.poller.configuration"], "object");

  // Polled alike: a first cycle, then the same changes found by both.
  const version = async (id) => (await get(id)).resources[0].version;
  for (const { id } of made) await api(server.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await version(a.id)) >= 1 && (await version(b.id)) >= 1);
  hub.mutate({ resource: "appointments", op: "create", count: 1 });
  hub.mutate({ resource: "appointments", op: "update", count: 2 });
  for (const { id } of made) await api(server.url, "POST", `/instances/${id}/poll`);
  await until(async () => (await version(a.id)) >= 2 && (await version(b.id)) >= 2);
  const found = async (id) =>
    (await api(server.url, "GET", `/instances/${id}/events`)).json.events
      .map((e) => `${e.eventType} ${e.objectId}`)
      .sort();
  const events = await found(a.id);
  assert.ok(events.length >= 2, JSON.stringify(events));
  assert.deepEqual(await found(b.id), events);
  for (const { id } of made) await api(server.url, "DELETE", `/instances/${id}`);
});
