// A worker that stalls past its lease (SIGSTOP mid-cycle) while another worker runs the same
// cycle and commits, then wakes (SIGCONT): its outcome is refused by the version check (or, when
// it was stopped before its page was asked for, it gives the cycle up before asking: its lease
// ran out), so it neither overwrites the newer state nor enqueues its notifications.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { startHubSimulator, startKeapSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import {
  startService,
  serviceEnv,
  api,
  until,
  assertNoSecretsLogged,
  startKeapService,
  createKeapInstance,
} from "./helpers/service.js";
import { hubBody, receivedVersions } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

/** The worker flags of these tests: a 2 s lease, expiries looked for every second, polls on demand, one cycle at a time. */
const ARGS = ["--interval-ms", "3600000", "--lease-seconds", "2", "--maintenance-seconds", "1", "--concurrency", "1"];

/**
 * A private PostgreSQL, a hub (`resources` appointments), an API and worker A, and one instance
 * (`hubBody` with `options`) whose baseline A has polled (version 1). Whatever was started is
 * in `ctx`, for `stopAll` to stop even when a later step throws.
 */
async function startHubStall(ctx, { seed, resources, name, options }) {
  ctx.postgres = await privatePostgres();
  ctx.hub = await startHubSimulator({ seed, resources: { appointments: resources } });
  ctx.env = serviceEnv(ctx.hub, ctx.postgres.url);
  const apiProc = await startService(["--role", "api", "--port", "0", ...ARGS], ctx.env);
  ctx.services.push(apiProc);
  const a = await startService(["--role", "worker", ...ARGS], ctx.env);
  ctx.services.push(a);
  const { json: inst } = await api(
    apiProc.url,
    "POST",
    "/instances",
    hubBody(ctx.hub, name, ["appointments"], options),
  );
  const version = async () => (await api(apiProc.url, "GET", `/instances/${inst.id}`)).json.resources[0].version;
  await api(apiProc.url, "POST", `/instances/${inst.id}/poll`);
  await until(async () => (await version()) === 1); // the baseline, by A
  return { apiProc, a, inst, version };
}

async function stopAll(ctx) {
  for (const s of ctx.services) {
    s.proc.kill("SIGCONT");
    await s.stop();
  }
  await ctx.hub?.close();
  await ctx.postgres?.stop();
}

test("a worker stalled past its lease cannot overwrite the newer state", { timeout: 120_000 }, async () => {
  const ctx = { services: [] };
  try {
    const { apiProc, a, inst, version } = await startHubStall(ctx, { seed: 5, resources: 3, name: "stall" });
    const { hub, env, services } = ctx;

    // A change, then a poll that A takes; the hub answers slowly, so A is mid-cycle when stopped.
    hub.mutate({ resource: "appointments", op: "update", count: 1 });
    hub.setFaults({ latencyMs: 1500 });
    const started = a.lines.filter((l) => l.msg === "cycle started").length;
    await api(apiProc.url, "POST", `/instances/${inst.id}/poll`);
    await a.waitFor(
      (l) => l.msg === "cycle started" && a.lines.filter((x) => x.msg === "cycle started").length > started,
    );
    a.proc.kill("SIGSTOP");
    hub.clearFaults();

    // B takes the same job once A's lease has expired, and commits version 2 with the event.
    const b = await startService(["--role", "worker", ...ARGS], env);
    services.push(b);
    await until(async () => (await version()) === 2);
    await until(() => receivedVersions(hub).size === 1);
    assert.ok(
      b.lines.some((l) => l.msg === "cycle" && l.version === 2 && l.events === 1),
      "B ran the cycle",
    );

    a.proc.kill("SIGCONT");
    const refused = await a.waitFor(
      (l) =>
        /^cycle (outcome refused|abandoned: its lease ran out)/.test(l.msg ?? "") ||
        (l.msg === "cycle" && l.version > 1),
    );
    assert.match(refused.msg, /refused|lease ran out/, "A's late outcome is refused (or never made), not committed");
    assert.equal(refused.version, 1, "A's cycle started from version 1");
    assert.equal(await version(), 2, "the newer state stands");
    const events = await api(apiProc.url, "GET", `/instances/${inst.id}/events`);
    assert.equal(events.json.events.length, 1, "A's events were not kept");
    const deliveries = await api(apiProc.url, "GET", `/deliveries?instance=${inst.id}`);
    assert.equal(deliveries.json.length, 1, "A's notifications were not enqueued");
    await until(
      async () => (await api(apiProc.url, "GET", `/deliveries?status=delivered&instance=${inst.id}`)).json.length === 1,
    );
    const got = receivedVersions(hub);
    assert.equal(got.size, 1);
    assert.equal([...got.values()][0].count, 1, "the change was delivered once");
    const metrics = await fetch(`${apiProc.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /elements_poller_instances 1/);
  } finally {
    await stopAll(ctx);
  }
});

// The same stall between two pages of a listing: the stopped worker's first page is answered
// while it sleeps, and when it wakes its lease has run out, so it sends none of the pages left
// (another worker has run the cycle meanwhile): the hub, which records every cycle of the
// listing from its own side, sees no request of the stale cycle after the newer one began.
test("a worker stopped between pages sends no further page of its stale cycle", { timeout: 120_000 }, async () => {
  const ctx = { services: [] };
  try {
    // One record a page: a cycle that reads three changed records asks for three pages.
    const { apiProc, a, inst, version } = await startHubStall(ctx, {
      seed: 6,
      resources: 4,
      name: "pages",
      options: { tagged: true, pageSize: 1 },
    });
    const { hub, env, services } = ctx;

    hub.mutate({ resource: "appointments", op: "update", count: 3 });
    // The hub holds every answer (a latency longer than the test) until it is released below.
    hub.setFaults({ latencyMs: 600_000 });
    const before = hub.requests().length;
    await api(apiProc.url, "POST", `/instances/${inst.id}/poll`);
    const [held] = await until(() => (hub.cycles().inFlight.length > 0 ? hub.cycles().inFlight : undefined));
    assert.doesNotMatch(held.url, /nextPage=/, "A's cycle is at its first page");
    // A is stopped while its first page is unanswered: its cycle is in flight.
    a.proc.kill("SIGSTOP");
    hub.setFaults({ latencyMs: 0 });
    hub.dispose(); // answers the held page now, to the stopped A: two pages of its cycle are left
    const answered = await until(() =>
      hub
        .requests()
        .slice(before)
        .find((r) => r.url === held.url && r.status !== 0),
    );
    assert.equal(answered.status, 200);
    assert.equal(answered.returned, 1, "A's first page was answered while it slept");

    // B takes the job once A's lease has expired, reads the three pages and commits version 2.
    const b = await startService(["--role", "worker", ...ARGS], env);
    services.push(b);
    await until(async () => (await version()) === 2);
    assert.ok(
      b.lines.some((l) => l.msg === "cycle" && l.version === 2 && l.events === 3),
      "B ran the cycle",
    );

    a.proc.kill("SIGCONT");
    const woke = await a.waitFor(
      (l) => l.instance === inst.id && l.version === 1 && /abandoned|refused/.test(l.msg ?? ""),
    );
    const seen = hub.cycles();
    assert.deepEqual(seen.overlaps, [], "no request of A's stale cycle after B's began");
    assert.ok(
      !hub.requests().some((r) => {
        const token = new URL(r.url, "http://h").searchParams.get("nextPage");
        return token && JSON.parse(Buffer.from(token, "base64url").toString()).c === held.cycle;
      }),
      "no next page of A's cycle was asked for",
    );
    // A was mid-cycle when it woke (its cycle had started from version 1 and not ended): it gave
    // the cycle up before its next page, with no outcome.
    assert.match(woke.msg, /lease ran out/, JSON.stringify(woke));
    assert.ok(!a.lines.some((l) => l.msg === "cycle" && l.version === 2), "A committed nothing");
    assert.equal(await version(), 2, "B's state stands");
  } finally {
    await stopAll(ctx);
  }
});

// The same between two pages of a direct Keap listing (offset paging, `next` links): Keap's
// simulator tags its links with the cycle that handed them out (`tagLinks`), so a stale next
// page is told from the newer cycle's same page.
test("a worker stopped between Keap pages sends no further page of its stale cycle", { timeout: 120_000 }, async () => {
  const postgres = await privatePostgres();
  const keap = await startKeapSimulator({ seed: 6, resources: { contacts: 6 }, tagLinks: true });
  const services = [];
  try {
    const args = ["--lease-seconds", "2", "--maintenance-seconds", "1", "--concurrency", "1"];
    const { server, worker: a, startWorker } = await startKeapService(postgres.url, keap, services, args);
    const id = await createKeapInstance(server, keap, "pages"); // contacts, two a page
    const version = async () => (await api(server.url, "GET", `/instances/${id}`)).json.resources[0].version;
    await api(server.url, "POST", `/instances/${id}/poll`);
    await until(async () => (await version()) === 1); // the baseline, by A

    keap.mutate({ resource: "contacts", op: "update", count: 5 }); // three pages to read
    keap.setFaults({ latencyMs: 600_000 });
    const before = keap.requests().length;
    await api(server.url, "POST", `/instances/${id}/poll`);
    const [held] = await until(() => {
      const { inFlight } = keap.cycles();
      return inFlight.length > 0 && inFlight;
    });
    assert.doesNotMatch(held.url, /offset=[1-9]/, "A's cycle is at its first page");
    a.proc.kill("SIGSTOP");
    keap.setFaults({ latencyMs: 0 });
    keap.dispose(); // answers the held page now, to the stopped A
    const answered = await until(() =>
      keap
        .requests()
        .slice(before)
        .find((r) => r.url === held.url && r.status !== 0),
    );
    assert.equal(answered.status, 200);
    assert.equal(answered.returned, 2, "A's first page was answered while it slept");

    const b = await startWorker();
    await until(async () => (await version()) === 2);
    assert.ok(
      b.lines.some((l) => l.msg === "cycle" && l.version === 2 && l.events === 5),
      "B ran the cycle",
    );

    a.proc.kill("SIGCONT");
    const woke = await a.waitFor((l) => l.instance === id && l.version === 1 && /abandoned|refused/.test(l.msg ?? ""));
    assert.deepEqual(keap.cycles().overlaps, [], "no request of A's stale cycle after B's began");
    assert.ok(
      !keap.requests().some((r) => new URL(r.url, "http://k").searchParams.get("sim_cycle") === String(held.cycle)),
      "no next page of A's cycle was asked for",
    );
    assert.match(woke.msg, /lease ran out/, JSON.stringify(woke));
    assert.equal(await version(), 2, "B's state stands");
  } finally {
    for (const s of services) {
      s.proc.kill("SIGCONT");
      await s.stop();
    }
    await keap.close();
    await postgres.stop();
  }
});

// A live worker whose cycle merely takes longer than its lease (a slow provider) is not stalled:
// it runs the cycle to its end and commits it, as it would without the lease check. Only a
// process that was frozen (or starved) since its cycle began gives a cycle up past its lease.
test("a live cycle longer than its lease runs to its end and commits", { timeout: 120_000 }, async () => {
  const ctx = { services: [] };
  try {
    const { a, inst, apiProc } = await startHubStall(ctx, {
      seed: 7,
      resources: 4,
      name: "slow",
      options: { tagged: true, pageSize: 1 },
    });
    const { hub } = ctx;

    // Three changed records, one a page, each page 1.2 s: a cycle of about 5 s on a 2 s lease.
    hub.mutate({ resource: "appointments", op: "update", count: 3 });
    hub.setFaults({ latencyMs: 1200 });
    const asked = Date.now();
    await api(apiProc.url, "POST", `/instances/${inst.id}/poll`);
    const done = await a.waitFor(
      (l) => l.instance === inst.id && (l.msg === "cycle" ? l.version === 2 : /abandoned|refused/.test(l.msg ?? "")),
    );
    hub.clearFaults();
    assert.equal(done.msg, "cycle", `the slow cycle ran to its end: ${JSON.stringify(done)}`);
    assert.equal(done.events, 3);
    assert.ok(Date.now() - asked > 2000, `it outlived its 2 s lease (${Date.now() - asked} ms)`);
    assert.ok(!a.lines.some((l) => /lease ran out/.test(l.msg ?? "")), "no cycle was given up");
    assert.deepEqual(hub.cycles().overlaps, []);
  } finally {
    await stopAll(ctx);
  }
});
