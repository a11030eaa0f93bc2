// The JS runtime against the hub simulator over real HTTP on loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  Poller,
  PollCycle,
  MemoryStore,
  buildNotifications,
  retrySchedule,
  detectChanges,
  PollerError,
  refreshIntervalMs,
} from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { hubInstance } from "./helpers/instance.js";
import { virtualClock, settle, once } from "./helpers/clock.js";

const instanceFor = (hub, resources = ["appointments"]) => hubInstance(hub, resources, { pageSize: 10 });

test("PollCycle driven by hand reads every page and follows the next-page token", async () => {
  const hub = await startHubSimulator({ seed: 2, resources: { appointments: 35 } });
  try {
    const cycle = new PollCycle({
      instance: instanceFor(hub),
      resource: "appointments",
      state: null,
      startFrom: "beginning",
      now: Date.now(),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
    });
    const urls = [];
    for (let req; (req = cycle.nextRequest());) {
      urls.push(req.url);
      assert.equal(req.headers.Authorization, hub.authorization);
      const res = await fetch(req.url, { headers: req.headers });
      cycle.handleResponse({ status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) });
    }
    const { events, state, stats } = cycle.finish();
    assert.equal(urls.length, 4, "35 records at pageSize 10");
    assert.ok(urls[1].includes("nextPage="), urls[1]);
    assert.equal(events.length, 35);
    assert.equal(new Set(events.map((e) => e.eventId)).size, 35);
    assert.equal(stats.pages, 4);
    assert.equal(state.v, 1);
  } finally {
    await hub.close();
  }
});

test("PollCycle: 401 fails the cycle with cycle.auth; 429 asks for a retry with delayMs", async () => {
  const hub = await startHubSimulator({ seed: 3, resources: { appointments: 3 } });
  try {
    const bad = new PollCycle({
      resource: { ...hub.pollerConfig("appointments"), name: "appointments" },
      baseUrl: hub.baseUrl,
      auth: { user: "x", organization: "y", element: "z" },
    });
    const req = bad.nextRequest();
    const res = await fetch(req.url, { headers: req.headers });
    bad.handleResponse({ status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) });
    assert.equal(bad.nextRequest(), null);
    assert.throws(
      () => bad.finish(),
      (e) => e instanceof PollerError && e.code === "cycle.auth",
    );

    const c = new PollCycle({
      resource: { ...hub.pollerConfig("appointments"), name: "appointments" },
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
    });
    assert.equal(c.nextRequest().retry, undefined, "a first request is no retry");
    c.handleResponse({ status: 429, headers: { "retry-after": "7" }, body: "" });
    const retry = c.nextRequest();
    assert.equal(retry.delayMs, 7000);
    assert.deepEqual(
      retry.retry,
      { attempt: 1, reason: "throttled", status: 429, delayFrom: "retry-after" },
      "the core says it is a retry, and why",
    );
    c.handleResponse({ status: 0, headers: {}, body: "" });
    assert.deepEqual(
      { ...c.nextRequest().retry, delayFrom: undefined },
      { attempt: 2, reason: "transport", status: 0, delayFrom: undefined },
    );
  } finally {
    await hub.close();
  }
});

test("buildNotifications signs the exact body bytes (verified with node:crypto)", () => {
  const { events } = detectChanges({
    resource: { name: "appointments", idField: "id", datesConfiguration: { updatedDateField: "u" } },
    startFrom: "beginning",
    body: JSON.stringify(
      Array.from({ length: 23 }, (_, i) => ({ id: i, u: `2024-01-01T00:00:${String(i).padStart(2, "0")}.000Z` })),
    ),
    now: 0,
  });
  const requests = buildNotifications(events, { callbackUrl: "https://hooks.example.com/in", signatureKey: "s3cret" });
  assert.equal(requests.length, 3, "at most 10 events each");
  for (const r of requests) {
    assert.equal(r.method, "POST");
    const expected = "sha256=" + createHmac("sha256", "s3cret").update(Buffer.from(r.body, "utf8")).digest("base64");
    assert.equal(r.headers["Elements-Webhook-Signature"], expected);
    assert.ok(r.headers["Elements-Webhook-Id"]);
    const { message } = JSON.parse(r.body);
    assert.ok(message.eventId && message.events.length <= 10);
  }
  assert.equal(
    buildNotifications(events, { callbackUrl: "https://x.example" })[0].headers["Elements-Webhook-Signature"],
    undefined,
  );
  assert.deepEqual(
    retrySchedule(),
    [1, 2, 3, 4, 5, 6, 7, 8, 9].map((x) => 2 ** (2 * x) * 1000),
  );
});

test("Poller.pollOnce: one summary per resource, events once, state saved", async () => {
  const hub = await startHubSimulator({ seed: 4, resources: { appointments: 25, contacts: 12 } });
  try {
    const store = new MemoryStore();
    const received = [];
    const poller = new Poller({
      instance: instanceFor(hub, ["appointments", "contacts"]),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      store,
      startFrom: "beginning",
      rateLimit: Infinity,
      onEvents: (events) => received.push(...events),
    });
    const seen = [];
    poller.addEventListener("events", (e) => seen.push(e.detail.resource));
    const pages = [];
    poller.addEventListener(
      "page",
      (e) => e.detail.resource === "appointments" && pages.push([e.detail.pages, e.detail.records, e.detail.events]),
    );
    const first = await poller.pollOnce();
    assert.deepEqual(
      first.map((s) => [s.resource, s.pages, s.records, s.events, s.error]),
      [
        ["appointments", 3, 25, 25, undefined],
        ["contacts", 2, 12, 12, undefined],
      ],
    );
    assert.equal(received.length, 37);
    assert.deepEqual(seen.sort(), ["appointments", "contacts"]);
    assert.deepEqual(
      pages,
      [
        [1, 10, 10],
        [2, 20, 20],
        [3, 25, 25],
      ],
      "progress after each page",
    );
    assert.equal((await poller.state("appointments")).v, 1);

    hub.mutate({ resource: "contacts", op: "update", count: 3 });
    const second = await poller.pollOnce();
    assert.deepEqual(
      second.map((s) => s.events),
      [0, 3],
    );
    assert.equal(received.length, 40);
    assert.ok(received.slice(37).every((e) => e.eventType === "UPDATED"));
  } finally {
    await hub.close();
  }
});

test("Poller: a failed cycle reports its error and keeps the old state", async () => {
  const hub = await startHubSimulator({ seed: 5, resources: { appointments: 5 } });
  try {
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: { ...hub.credentials, element: "wrong" },
      rateLimit: Infinity,
    });
    const errors = [];
    poller.addEventListener("error", (e) => errors.push(e.detail.error.code));
    const [summary] = await poller.pollOnce();
    assert.equal(summary.error.code, "cycle.auth");
    assert.deepEqual(errors, ["cycle.auth"]);
    assert.equal(await poller.state("appointments"), null);
  } finally {
    await hub.close();
  }
});

test("Poller retries throttled requests, honouring the core's delay", async () => {
  const hub = await startHubSimulator({ seed: 6, resources: { appointments: 5 } });
  try {
    // A throttle twice, a 503, then a connection cut mid-body (a transport failure).
    hub.setFaults({
      next: [{ fault: "throttle", retryAfter: 0, count: 2 }, { fault: "serverError", count: 1 }, "abort"],
      retryAfter: 0,
    });
    // Virtual time: the backoff's waits pass at once, and are recorded.
    const clock = virtualClock({ start: Date.now(), auto: true });
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      startFrom: "beginning",
      retry: { baseMs: 1000, maxMs: 60_000 },
      clock,
    });
    const retries = [];
    poller.addEventListener("retry", (e) => retries.push(e.detail));
    const [summary] = await poller.pollOnce();
    assert.equal(summary.error, undefined);
    assert.equal(summary.events, 5);
    assert.equal(hub.requests().length, 5, "four failures, then the page");
    assert.deepEqual(
      retries.map((r) => [r.reason, r.attempt, r.status]),
      [
        ["throttled", 1, 429],
        ["throttled", 2, 429],
        ["server", 3, 503],
        ["transport", 4, 0],
      ],
    );
    assert.match(retries[3].error, /./, "a transport failure says why");
    assert.deepEqual(
      clock.slept,
      retries.map((r) => r.delayMs).filter((ms) => ms > 0),
      "every wait is the core's delay, on the Poller's clock",
    );
    assert.ok(retries[3].delayMs >= 4000, "the fourth retry backs off by 8 s with jitter, never less than half");
  } finally {
    await hub.close();
  }
});

test("Poller: concurrent pollOnce calls share one poll; start/stop and an AbortSignal end cleanly", async () => {
  const hub = await startHubSimulator({ seed: 7, resources: { appointments: 5 } });
  try {
    const controller = new AbortController();
    const clock = virtualClock({ start: Date.now() });
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      signal: controller.signal,
      clock,
    });
    const [a, b] = [poller.pollOnce(), poller.pollOnce()];
    assert.equal(a, b, "no overlapping polls");
    await a;
    const polled = once(poller, "poll");
    poller.start();
    await polled;
    await settle();
    assert.deepEqual(clock.waiting, [poller.intervalMs], "after a poll, the wait for the next");
    controller.abort();
    await settle();
    assert.deepEqual(clock.waiting, [], "the abort ended the wait");
    const before = hub.requests().length;
    await clock.advance(3 * poller.intervalMs);
    assert.equal(hub.requests().length, before, "nothing runs after abort");
  } finally {
    await hub.close();
  }
});

test("Poller: the rate limit spaces requests", async () => {
  const hub = await startHubSimulator({ seed: 8, resources: { appointments: 40 } });
  try {
    // The real fetch, with the moment each request leaves noted (arrival times at the hub
    // would mix in the network's jitter).
    // On virtual time: the limiter's waits are exactly its slots, however slow the machine.
    const clock = virtualClock({ start: Date.now(), auto: true });
    const sent = [];
    const fetchNoting = (url, init) => (sent.push(clock.now()), fetch(url, init));
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: 50,
      startFrom: "beginning",
      fetch: fetchNoting,
      clock,
    });
    await poller.pollOnce();
    assert.equal(sent.length, 4);
    // 50 requests a second: each request leaves 20 ms after the previous one.
    assert.deepEqual(
      sent.slice(1).map((t, i) => t - sent[i]),
      [20, 20, 20],
    );
  } finally {
    await hub.close();
  }
});

test("Poller rejects a wrong configuration with a clear PollerError", () => {
  assert.throws(() => new Poller({ instance: {}, baseUrl: "hub", auth: {} }), {
    name: "PollerError",
    code: "poller.base-url",
  });
  assert.throws(() => new Poller({ instance: {}, baseUrl: "http://x", auth: {} }), {
    name: "PollerError",
    code: "poller.auth",
  });
  const auth = { user: "u", organization: "o", element: "e" };
  assert.throws(() => new Poller({ instance: {}, baseUrl: "http://x", auth, clock: { sleep() {} } }), {
    name: "PollerError",
    code: "poller.clock",
  });
});

test("Poller.start polls again after the refresh interval, on the Poller's clock", async () => {
  const hub = await startHubSimulator({ seed: 11, resources: { appointments: 3 } });
  try {
    const clock = virtualClock({ start: Date.now() });
    const instance = instanceFor(hub);
    const poller = new Poller({ instance, baseUrl: hub.baseUrl, auth: hub.credentials, rateLimit: Infinity, clock });
    assert.equal(poller.intervalMs, refreshIntervalMs(instance), "the core's reading of the interval");
    assert.equal(poller.intervalMs, 60_000, "refreshInterval: 1 minute");
    let polls = 0;
    poller.addEventListener("poll", () => polls++);
    const first = once(poller, "poll");
    poller.start();
    await first;
    await settle();
    await clock.advance(poller.intervalMs - 1);
    assert.equal(polls, 1, "not before the interval has passed");
    const second = once(poller, "poll");
    await clock.advance(1);
    await second;
    assert.equal(polls, 2);
    poller.stop();
    await settle();
    assert.deepEqual(clock.waiting, [], "stop ends the wait");
  } finally {
    await hub.close();
  }
});

test("Poller.start delivers a notification's retry when its clock says it is due", async () => {
  const hub = await startHubSimulator({ seed: 12, resources: { appointments: 2 } });
  try {
    hub.setFaults({ webhook: { next: [503] } });
    const clock = virtualClock({ start: Date.now() });
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      startFrom: "beginning",
      clock,
      delivery: { callbackUrl: hub.webhookUrl, signatureKey: hub.signatureKey },
    });
    const polled = once(poller, "poll");
    poller.start();
    const { delivery } = await polled;
    await settle();
    assert.equal(delivery.pending, 1);
    assert.deepEqual(
      clock.waiting.sort((x, y) => x - y),
      [4_000, poller.intervalMs],
      "the retry's wait (4 s) and the next poll's",
    );
    const delivered = once(poller, "delivery");
    await clock.advance(3_999);
    assert.deepEqual(
      hub.received().map((r) => r.status),
      [503],
      "not before it is due",
    );
    await clock.advance(1);
    await delivered;
    assert.deepEqual(
      hub.received().map((r) => r.status),
      [503, 200],
    );
    poller.stop();
  } finally {
    await hub.close();
  }
});

test("Poller: a failing callback never holds up polling; the retry is delivered later, signed, once", async () => {
  const hub = await startHubSimulator({ seed: 10, resources: { appointments: 3 } });
  try {
    hub.setFaults({ webhook: { next: [503] } });
    // Virtual time: the retry is due when this clock says so, however slow the machine is.
    let now = Date.now();
    const poller = new Poller({
      instance: instanceFor(hub),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      rateLimit: Infinity,
      startFrom: "beginning",
      clock: () => now,
      delivery: { callbackUrl: hub.webhookUrl, signatureKey: hub.signatureKey },
    });
    let delivery;
    poller.addEventListener("poll", (e) => (delivery = e.detail.delivery));
    const [first] = await poller.pollOnce();
    assert.equal(first.events, 3);
    assert.equal(delivery.pending, 1, "the notification waits for its retry in the outbox");
    assert.deepEqual(
      hub.received().map((r) => r.status),
      [503],
    );
    now += 4_000; // the first retry is due after 4 s
    await poller.pollOnce();
    assert.equal(delivery.pending, 0);
    const got = hub.received();
    assert.deepEqual(
      got.map((r) => r.status),
      [503, 200],
    );
    assert.equal(got[1].verified, true);
    assert.equal(got[1].webhookId, got[0].webhookId, "the retry is the same notification");
  } finally {
    await hub.close();
  }
});
