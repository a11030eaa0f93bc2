// GET /metrics after real polls: each metric moves as the polls, events, 429s and dead
// deliveries that happened say it should. One service (API and worker) on a private
// PostgreSQL, polling the hub simulator on demand only (a day's interval), and a delivery
// policy without retries (a failed delivery is dead at once).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { api, until, inProcessHubService } from "./helpers/service.js";
import { hubBody } from "./helpers/instances.js";

let hub, server, stop;
before(async () => {
  ({ hub, server, stop } = await inProcessHubService({
    seed: 9,
    resources: { appointments: 4 },
    args: ["--interval-ms", "86400000", "--delivery-retries", "0"],
  }));
});
after(() => stop?.());

/** The samples of a /metrics scrape: `name{labels}` -> value (labels as Prometheus prints them). */
async function scrape() {
  const res = await api(server.url, "GET", "/metrics", undefined, { auth: null });
  assert.equal(res.status, 200);
  const samples = new Map();
  for (const line of res.text.split("\n")) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}
const value = (samples, key) => samples.get(key) ?? 0;

test("poll duration, events by type, provider 429s and dead letters move with real polls", async () => {
  const created = await api(server.url, "POST", "/instances", hubBody(hub, "metrics", ["appointments"]));
  assert.equal(created.status, 200, created.text);
  const { id } = created.json;
  const version = async () => (await api(server.url, "GET", `/instances/${id}`)).json.resources[0].version;
  const events = async () => (await api(server.url, "GET", `/instances/${id}/events`)).json.events;
  /** One poll on demand, until its cycle committed. */
  async function poll() {
    const was = await version();
    assert.equal((await api(server.url, "POST", `/instances/${id}/poll`)).status, 202);
    await until(async () => (await version()) > was);
  }
  const typesOf = (list) => {
    const byType = {};
    for (const e of list) byType[e.eventType] = (byType[e.eventType] ?? 0) + 1;
    return byType;
  };

  // A first cycle: one observation of the duration; the events counted are the events stored.
  const m0 = await scrape();
  await poll();
  const m1 = await scrape();
  const count = "elements_poller_poll_duration_seconds_count";
  const sum = "elements_poller_poll_duration_seconds_sum";
  assert.equal(value(m1, count) - value(m0, count), 1, "one cycle, one duration");
  assert.ok(value(m1, sum) > value(m0, sum), "its duration is added");
  assert.equal(
    value(m1, 'elements_poller_poll_duration_seconds_bucket{le="+Inf"}') -
      value(m0, 'elements_poller_poll_duration_seconds_bucket{le="+Inf"}'),
    1,
  );
  const first = await events();

  // Changes on the hub: the next cycle finds one created and two updated records, and the
  // counter by type moves by what was found.
  hub.mutate({ resource: "appointments", op: "create", count: 1 });
  hub.mutate({ resource: "appointments", op: "update", count: 2 });
  await poll();
  const m2 = await scrape();
  const all = await events(); // newest first
  const found = typesOf(all.slice(0, all.length - first.length));
  assert.ok(found.CREATED >= 1 && found.UPDATED >= 1, JSON.stringify(found));
  for (const type of new Set([...Object.keys(found), "CREATED", "UPDATED", "DELETED"]))
    assert.equal(
      value(m2, `elements_poller_events_total{type="${type}"}`) -
        value(m1, `elements_poller_events_total{type="${type}"}`),
      found[type] ?? 0,
      type,
    );
  assert.equal(value(m2, count) - value(m1, count), 1);

  // A 429 from the hub, retried after its Retry-After (1 s): counted once, and the cycle ends ok.
  const throttled = "elements_poller_provider_throttled_total";
  const ok = 'elements_poller_polls_total{result="ok"}';
  assert.equal(value(m2, throttled), 0, "no 429 yet");
  hub.setFaults({ next: [{ fault: "throttle", retryAfter: 1 }] });
  await poll();
  const m3 = await scrape();
  assert.equal(value(m3, throttled) - value(m2, throttled), 1, "one 429, counted");
  assert.equal(value(m3, ok) - value(m2, ok), 1, "the 429 was retried: the cycle is ok");
  assert.equal(value(m3, 'elements_poller_polls_total{result="failed"}'), 0);
  assert.equal(hub.faults().next.length, 0, "the hub answered the 429");
  assert.ok(value(m3, sum) - value(m2, sum) >= 1, "the cycle's duration holds its wait for Retry-After");

  // A delivery the callback refuses is dead at once (no retries here): the gauge counts it;
  // redelivered and accepted, it is no more.
  const dead = "elements_poller_dead_letters";
  assert.equal(value(m3, dead), 0);
  hub.setFaults({ webhook: { next: [500] } });
  hub.mutate({ resource: "appointments", op: "update", count: 1 });
  await poll();
  const [gone] = await until(async () => {
    const d = (await api(server.url, "GET", `/deliveries?status=dead&instance=${id}`)).json;
    return d.length ? d : undefined;
  });
  const m4 = await scrape();
  assert.equal(value(m4, dead), 1, "one dead delivery");
  assert.equal(value(m4, 'elements_poller_deliveries_total{result="dead"}'), 1);
  assert.equal((await api(server.url, "PUT", `/deliveries/${gone.id}`)).status, 200);
  await until(async () => (await api(server.url, "GET", `/deliveries?status=dead&instance=${id}`)).json.length === 0);
  await until(async () =>
    (await api(server.url, "GET", `/deliveries?status=delivered&instance=${id}`)).json.some((d) => d.id === gone.id),
  );
  assert.equal(value(await scrape(), dead), 0, "redelivered: not dead any more");
});
