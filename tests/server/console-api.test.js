// The routes the console manages the service with, against a real PostgreSQL: the seed's
// "Getting a redirect URL" (GET /elements/{key}/oauth/url), pause and resume, an instance's
// status (next poll, watermark, the next request), the timeline of its polls, and the delivery
// policy's demo settings (dead after two retries, time shrunk).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readConfig } from "elements-poller-server";
import { serviceEnv, api, until, inProcessHubService } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

let postgres, hub, server, stop;
before(async () => {
  ({ postgres, hub, server, stop } = await inProcessHubService({
    seed: 11,
    resources: { appointments: 4, contacts: 3 },
    args: [
      "--interval-ms",
      "3600000",
      "--delivery-retries",
      "2",
      "--delivery-time-scale",
      "0.001",
      "--keap-authorize-url",
      "http://127.0.0.1:1/app/oauth/authorize",
    ],
  }));
});
after(() => stop?.());

test("GET /elements/{key}/oauth/url: the provider's authorize URL with the app, callback, scope and state", async () => {
  const q = new URLSearchParams({
    apiKey: "Rand0MAP1-key",
    apiSecret: "fak3AP1-s3Cr3t",
    callbackUrl: "https://mycoolapp.com/oauth",
    state: "st-42",
  });
  const res = await api(server.url, "GET", `/elements/infusionsoftrest/oauth/url?${q}`);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.element, "infusionsoftrest");
  const u = new URL(res.json.oauthUrl);
  assert.equal(u.origin + u.pathname, "http://127.0.0.1:1/app/oauth/authorize");
  assert.deepEqual(Object.fromEntries(u.searchParams), {
    client_id: "Rand0MAP1-key",
    redirect_uri: "https://mycoolapp.com/oauth",
    response_type: "code",
    scope: "full",
    state: "st-42",
  });
  assert.ok(!res.text.includes("fak3AP1-s3Cr3t"), "the app's secret never goes into the URL");

  const bad = await api(server.url, "GET", "/elements/infusionsoftrest/oauth/url?apiKey=k&callbackUrl=ftp%3A%2F%2Fx");
  assert.equal(bad.status, 400);
  assert.match(bad.json.message, /callbackUrl must be an http\(s\) URL/);
  assert.match(bad.json.message, /state is required/);
  assert.equal((await api(server.url, "GET", `/elements/nope/oauth/url?${q}`)).status, 404);
  assert.equal(
    (await api(server.url, "GET", `/elements/infusionsoftrest/oauth/url?${q}`, undefined, { auth: null })).status,
    401,
  );
});

test("the README's redirect-URL example answers as written", async () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.split("\n## The seed's steps against the service\n")[1].split("\n## ")[0];
  const block = /```console\n([\s\S]*?)```/.exec(section)[1];
  const params = new URLSearchParams([...block.matchAll(/--data-urlencode (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const shown = JSON.parse(block.split("\n").find((l) => l.startsWith('{"oauthUrl"')));
  const res = await api(server.url, "GET", `/elements/infusionsoftrest/oauth/url?${params}`);
  assert.equal(res.status, 200, res.text);
  // This server sends people to a stand-in consent page; the README shows Keap's.
  const got = res.json.oauthUrl.replace("http://127.0.0.1:1/", "https://accounts.infusionsoft.com/");
  assert.deepEqual({ ...res.json, oauthUrl: got }, shown);
});

test("status, the polls' timeline, pause and resume", async () => {
  const body = hubBody(hub, "console", ["appointments"]);
  body.configuration["event.poller.configuration"].appointments.url =
    "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'";
  const { json: inst } = await api(server.url, "POST", "/instances", body);
  const status = async () => (await api(server.url, "GET", `/instances/${inst.id}/status`)).json;
  const first = await status();
  assert.equal(first.paused, false);
  assert.equal(first.resources[0].name, "appointments");
  assert.equal(first.resources[0].lastPolledDate, null);
  assert.ok(first.resources[0].nextPollDate, "the first poll is scheduled");
  assert.equal(first.resources[0].watermark, null);
  assert.match(first.resources[0].nextRequest.url, /^http:\/\/127\.0\.0\.1:\d+\/.*appointments/);
  assert.ok(!JSON.stringify(first).includes(hub.credentials.user), "no credential in the status");

  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  const polled = await until(async () => ((await status()).resources[0].version >= 1 ? status() : undefined));
  const r = polled.resources[0];
  assert.ok(r.watermark, "the watermark after the first poll");
  assert.ok(r.lastPolledDate);
  assert.ok(Date.parse(r.nextPollDate) > Date.now() + 60_000, "the next poll is an interval away");
  assert.equal(r.authError, false);
  assert.equal(polled.needsReauthorization, null, "the instance's own mark, as GET /instances/{id} gives it");
  // The next request is rendered from the saved watermark: the where clause's instant is at
  // most the watermark (one step of precision and the poll delay below it).
  const where = /modification_date>='([^']+)'/.exec(decodeURIComponent(r.nextRequest.url));
  assert.ok(where, r.nextRequest.url);
  assert.ok(
    Date.parse(where[1]) <= Date.parse(r.watermark) && Date.parse(where[1]) > Date.parse(r.watermark) - 3600_000,
  );

  hub.setFaults({ next: ["throttle"] });
  hub.mutate({ resource: "appointments", op: "update", count: 2 });
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => (await status()).resources[0].version >= 2);
  const polls = (await api(server.url, "GET", `/instances/${inst.id}/polls?resource=appointments`)).json;
  assert.equal(polls.length, 2);
  assert.equal(polls[0].events, 0, "the baseline");
  assert.ok(polls[0].pages >= 1 && polls[0].requests >= 1);
  assert.equal(polls[1].records, 2, "the where clause asks only for what changed");
  assert.equal(polls[1].events, 2);
  assert.equal(polls[1].throttled, 1, "the 429 is counted");
  assert.ok(polls[1].retries >= 1);
  assert.equal(polls[1].error, null);
  assert.equal((await api(server.url, "GET", `/instances/${inst.id}/polls?limit=0`)).status, 400);

  assert.equal((await api(server.url, "POST", `/instances/${inst.id}/pause`)).status, 200);
  const paused = await status();
  assert.equal(paused.paused, true);
  assert.equal(paused.resources[0].nextPollDate, null);
  // A poll of a paused instance does not cycle: the job ends its chain.
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => {
    const { json } = await api(server.url, "GET", `/instances/${inst.id}/status`);
    return !json.resources[0].polling && json.resources[0].version === 2;
  });
  const resumed = await api(server.url, "POST", `/instances/${inst.id}/resume`);
  assert.equal(resumed.status, 200);
  assert.equal(resumed.json.paused, false);
  await until(async () => (await status()).resources[0].version >= 3);
  assert.equal((await api(server.url, "POST", "/instances/nope/pause")).status, 404);
});

test("a poll in flight shows its pages as they come", async () => {
  const body = hubBody(hub, "progress", ["appointments"]);
  body.configuration["event.poller.configuration"].appointments.pageSize = 1;
  const { json: inst } = await api(server.url, "POST", "/instances", body);
  const status = async () => (await api(server.url, "GET", `/instances/${inst.id}/status`)).json.resources[0];
  // Every page slow: the cycle is still running when its first pages are seen.
  hub.setFaults({ latencyMs: 1500 });
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  const during = await until(async () => {
    const r = await status();
    return r.polling && r.progress?.pages >= 1 ? r : undefined;
  });
  assert.ok(during.progress.records >= 1);
  assert.equal(during.version, 0, "nothing committed yet");
  hub.setFaults({ latencyMs: 0 });
  const after = await until(async () => {
    const r = await status();
    return r.version === 1 && !r.polling ? r : undefined;
  });
  assert.equal(after.progress, null);
  const [poll] = (await api(server.url, "GET", `/instances/${inst.id}/polls`)).json;
  assert.ok(poll.pages >= 4, "one record a page, and the empty last one");
});

test("with two retries and time shrunk, a failing callback's delivery is dead soon, then redelivered", async () => {
  const { json: inst } = await api(server.url, "POST", "/instances", hubBody(hub, "dead", ["contacts"]));
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  const status = async () => (await api(server.url, "GET", `/instances/${inst.id}/status`)).json;
  await until(async () => (await status()).resources[0].version >= 1);
  hub.setFaults({ webhook: { failure: 1, status: 503 } });
  hub.mutate({ resource: "contacts", op: "update", count: 1 });
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  const dead = await until(async () => {
    const d = await api(server.url, "GET", `/deliveries?status=dead&instance=${inst.id}`);
    return d.json.length ? d.json : undefined;
  });
  assert.equal(dead[0].attempts, 3, "the first attempt and two retries");
  assert.equal(dead[0].lastStatus, 503);
  hub.setFaults({ webhook: { failure: 0 } });
  await api(server.url, "PUT", `/deliveries/${dead[0].id}`);
  await until(async () => {
    const d = await api(server.url, "GET", `/deliveries?status=delivered&instance=${inst.id}`);
    return d.json.length === 1;
  });
});

test("GET /deliveries: newest first, a page at a time with before= the last id", async () => {
  const { json: inst } = await api(server.url, "POST", "/instances", hubBody(hub, "paged", ["contacts"]));
  const status = async () => (await api(server.url, "GET", `/instances/${inst.id}/status`)).json;
  await api(server.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => (await status()).resources[0].version >= 1);
  // Three polls that each find a change: three deliveries of this instance.
  for (let n = 1; n <= 3; n++) {
    hub.mutate({ resource: "contacts", op: "update", count: 1 });
    await api(server.url, "POST", `/instances/${inst.id}/poll`);
    await until(async () => (await api(server.url, "GET", `/deliveries?instance=${inst.id}`)).json.length === n);
  }
  const all = (await api(server.url, "GET", `/deliveries?instance=${inst.id}&limit=1000`)).json.map((d) => d.id);
  assert.deepEqual(
    all,
    all.slice().sort((a, b) => Number(b) - Number(a)),
    "newest first",
  );
  const paged = [];
  let page = (await api(server.url, "GET", `/deliveries?instance=${inst.id}&limit=2`)).json;
  assert.equal(page.length, 2);
  paged.push(...page.map((d) => d.id));
  page = (await api(server.url, "GET", `/deliveries?instance=${inst.id}&limit=2&before=${paged.at(-1)}`)).json;
  assert.equal(page.length, 1, "a short page is the last");
  paged.push(...page.map((d) => d.id));
  assert.deepEqual(paged, all, "the pages, in order, are the whole list: none repeated or skipped");
  // With no instance: every instance's, still newest first, and the cursor applies.
  const everyone = (await api(server.url, "GET", `/deliveries?limit=1000&before=${all[0]}`)).json.map((d) =>
    Number(d.id),
  );
  assert.ok(everyone.every((id, i) => id < Number(all[0]) && (i === 0 || id < everyone[i - 1])));
  for (const bad of ["x", "-1", "1.5"]) {
    const res = await api(server.url, "GET", `/deliveries?before=${bad}`);
    assert.equal(res.status, 400);
    assert.match(res.json.message, /before must be a delivery id/);
  }
});

test("the delivery policy's settings are checked at start", () => {
  const env = serviceEnv(hub, postgres.url);
  assert.match(readConfig(["--delivery-retries", "10"], env).errors[0], /--delivery-retries .* from 0 to 9/);
  assert.match(readConfig(["--delivery-time-scale", "0"], env).errors[0], /--delivery-time-scale .* above 0/);
  assert.match(readConfig(["--keap-authorize-url", "nope"], env).errors[0], /--keap-authorize-url/);
});
