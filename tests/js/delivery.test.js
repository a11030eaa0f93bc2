// Webhook delivery through the durable outbox, against the simulator's receiver over real
// HTTP on 127.0.0.1 (the real fetch; only sleeping and the clock are injected).
import { describe, test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
// The package entry first: it instantiates the wasm the outbox takes its schedule from.
import { retrySchedule } from "elements-poller";
import { Outbox, outboxOps, parseRetryAfter } from "../../pkg/src/delivery.js";
import { MemoryStore } from "../../pkg/src/stores.js";
import { FileStore } from "../../pkg/src/node.js";
import { PollerError } from "../../pkg/src/errors.js";
import { startHubSimulator, signWebhookBody } from "../../pkg/src/testing.js";

const KEY = "delivery-test-key";
let hub;

before(async () => {
  hub = await startHubSimulator({ signatureKey: KEY, resources: ["appointments"] });
});
after(() => hub.close());
beforeEach(() => {
  hub.clearReceived();
  hub.clearFaults();
});

/** A notification as the core would produce it: signed body, webhook id. */
function notification(n, url = hub.webhookUrl) {
  const body = JSON.stringify({
    message: {
      eventId: `ev-${n}`,
      events: [{ eventType: "UPDATED", objectType: "appointments", objectId: String(n) }],
    },
  });
  return {
    method: "POST",
    url,
    headers: {
      "content-type": "application/json",
      "elements-webhook-id": `wh-${n}`,
      "elements-webhook-signature": signWebhookBody(body, KEY),
    },
    body,
  };
}

/** A virtual clock whose sleep jumps time forward and records what was asked. */
function virtualTime(start = Date.UTC(2024, 0, 1)) {
  const v = {
    t: start,
    slept: [],
    now: () => v.t,
    sleep: async (ms) => {
      v.slept.push(ms);
      v.t += ms;
    },
  };
  return v;
}

test("the retry schedule is 2^(2x) seconds for x = 1..9", () => {
  const outbox = new Outbox(new MemoryStore(), { scale: 0.001 });
  assert.equal(outbox.maxRetries, 9);
  assert.deepEqual(
    outbox.schedule.map((ms) => ms / 1000),
    [4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144],
  );
  assert.deepEqual(outbox.schedule, retrySchedule(), "the core's schedule");
  assert.equal(outbox.schedule[1] * outbox.scale, 16);
  assert.equal(parseRetryAfter("7", 0), 7000);
  assert.equal(parseRetryAfter("Wed, 21 Oct 2015 07:28:10 GMT", Date.UTC(2015, 9, 21, 7, 28, 0)), 10000);
  assert.equal(parseRetryAfter("soon", 0), undefined);
  assert.equal(parseRetryAfter(null, 0), undefined);
});

test("delivers in order, signed, and clears the outbox after each 2xx", async () => {
  const outbox = new Outbox(new MemoryStore());
  await outbox.enqueue([notification(1), notification(2)]);
  await outbox.enqueue([notification(3)]);
  const delivered = [];
  const result = await outbox.drain({
    onDelivery: (d) => delivered.push([d.entry.request.headers["elements-webhook-id"], d.status, d.attempts]),
  });
  assert.deepEqual(result, { delivered: 3, failedAttempts: 0, dead: 0, pending: 0 });
  assert.deepEqual(delivered, [
    ["wh-1", 200, 1],
    ["wh-2", 200, 1],
    ["wh-3", 200, 1],
  ]);
  const got = hub.received();
  assert.deepEqual(
    got.map((r) => [r.webhookId, r.verified, r.status]),
    [
      ["wh-1", true, 200],
      ["wh-2", true, 200],
      ["wh-3", true, 200],
    ],
  );
  assert.equal(got[0].body.message.eventId, "ev-1");
  assert.deepEqual(await outbox.pending(), []);
});

test("entries share the transaction that saves the poller state", async () => {
  const store = new MemoryStore();
  const outbox = new Outbox(store, { now: () => 1000 });
  await store.transaction([
    { op: "set", key: "state/appointments", value: '{"v":1}' },
    ...outbox.ops([notification(1)]),
  ]);
  await store.transaction([
    { op: "set", key: "state/appointments", value: '{"v":1,"n":2}' },
    ...outbox.ops([notification(2), notification(3)]),
  ]);
  // the same millisecond: order still follows the calls
  assert.deepEqual(
    (await outbox.pending()).map((e) => e.request.headers["elements-webhook-id"]),
    ["wh-1", "wh-2", "wh-3"],
  );
  const ops = outboxOps([notification(9), { events: [{ objectId: "x" }] }], { prefix: "ob/", now: 5 });
  assert.match(ops[0].key, /^ob\/q\/000000000000005-000000-[0-9a-f]{8}$/);
  assert.equal(JSON.parse(ops[1].value).kind, "events");
  assert.throws(
    () => outboxOps([{ nope: 1 }]),
    (e) => e instanceof PollerError && e.code === "delivery.invalid-item",
  );
});

test("failures are retried on the schedule, honoring Retry-After, then delivered", async () => {
  hub.setFaults({ webhook: { next: [500, 503, { status: 429, retryAfter: 100 }] } });
  const v = virtualTime();
  const outbox = new Outbox(new MemoryStore(), { now: v.now });
  await outbox.enqueue([notification(1), notification(2)]);
  const errors = [];
  const result = await outbox.drain({ now: v.now, sleep: v.sleep, onError: (e) => errors.push(e) });
  assert.deepEqual(result, { delivered: 2, failedAttempts: 3, dead: 0, pending: 0 });
  assert.deepEqual(v.slept, [4000, 16000, 100000], "4 s, 16 s, then Retry-After (100 s) beats 64 s");
  assert.deepEqual(
    errors.map((e) => [e.code, e.status, e.attempts, e.retryInMs]),
    [
      ["delivery.retry", 500, 1, 4000],
      ["delivery.retry", 503, 2, 16000],
      ["delivery.retry", 429, 3, 100000],
    ],
  );
  assert.deepEqual(
    hub.received().map((r) => [r.webhookId, r.status]),
    [
      ["wh-1", 500],
      ["wh-1", 503],
      ["wh-1", 429],
      ["wh-1", 200],
      ["wh-2", 200],
    ],
  );
});

test("a small scale factor runs the real schedule with real timers", async () => {
  hub.setFaults({ webhook: { next: [500, 500] } });
  const outbox = new Outbox(new MemoryStore(), { scale: 0.0005 }); // 2 ms, 8 ms
  await outbox.enqueue([notification(1)]);
  const result = await outbox.drain();
  assert.equal(result.delivered, 1);
  assert.equal(result.failedAttempts, 2);
  assert.equal(hub.received().length, 3);
});

test("after the ninth retry the entry is parked as dead, kept and reported; the next one proceeds", async () => {
  hub.setFaults({ webhook: { next: [{ status: 500, count: 10 }] } });
  const v = virtualTime();
  const store = new MemoryStore();
  const outbox = new Outbox(store, { now: v.now });
  await outbox.enqueue([notification(1), notification(2)]);
  const errors = [];
  const result = await outbox.drain({ now: v.now, sleep: v.sleep, onError: (e) => errors.push(e) });
  assert.deepEqual(result, { delivered: 1, failedAttempts: 10, dead: 1, pending: 0 });
  assert.deepEqual(
    v.slept,
    [4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144].map((s) => s * 1000),
  );
  assert.equal(errors.filter((e) => e.code === "delivery.retry").length, 9);
  const dead = errors.at(-1);
  assert.equal(dead.code, "delivery.dead");
  assert.ok(dead instanceof PollerError);
  assert.equal(dead.attempts, 10);
  const parked = await outbox.dead();
  assert.equal(parked.length, 1);
  assert.equal(parked[0].request.headers["elements-webhook-id"], "wh-1");
  assert.equal(parked[0].attempts, 10);
  assert.equal(parked[0].lastStatus, 500);
  assert.deepEqual(
    hub.received().map((r) => r.status),
    [...Array(10).fill(500), 200],
  );
  assert.deepEqual(await outbox.pending(), []);

  // an operator requeues it; now the receiver accepts it
  assert.equal(await outbox.retryDead(), 1);
  assert.equal((await outbox.drain({ now: v.now, sleep: v.sleep })).delivered, 1);
  assert.deepEqual(await outbox.dead(), []);
});

test("network errors count as failed attempts", async () => {
  const closed = await startHubSimulator();
  const url = closed.webhookUrl;
  await closed.close();
  const v = virtualTime();
  const outbox = new Outbox(new MemoryStore(), { now: v.now, maxRetries: 1 });
  await outbox.enqueue([notification(1, url)]);
  const errors = [];
  const result = await outbox.drain({ now: v.now, sleep: v.sleep, onError: (e) => errors.push(e) });
  assert.equal(result.dead, 1);
  assert.match((await outbox.dead())[0].lastError, /ECONNREFUSED|fetch failed/);
});

describe("resume after a restart", () => {
  let dir;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "ep-outbox-"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test("attempt counts and the next attempt time come back from the store", async () => {
    hub.setFaults({ webhook: { next: [500, 502] } });
    const v = virtualTime();
    // first process: two failures, then it stops (abort while waiting for retry 2)
    {
      const first = new FileStore(dir);
      const outbox = new Outbox(first, { now: v.now });
      await outbox.enqueue([notification(1), notification(2)]);
      const ctrl = new AbortController();
      const sleep = async (ms, signal) => {
        if (v.slept.length === 1) {
          ctrl.abort(new Error("process stopped"));
          signal.throwIfAborted();
        }
        return v.sleep(ms);
      };
      await assert.rejects(outbox.drain({ now: v.now, sleep, signal: ctrl.signal }), /process stopped/);
      assert.deepEqual(v.slept, [4000]);
      await first.close(); // the process ends: its directory is free for the next one
    }
    // second process, a fresh store object over the same directory, 5 s later
    v.t += 5000;
    const second = new FileStore(dir);
    const outbox = new Outbox(second, { now: v.now });
    const [head] = await outbox.pending();
    assert.equal(head.attempts, 2);
    assert.equal(head.lastStatus, 502);
    assert.equal(head.nextAttemptAt - v.now(), 16000 - 5000);
    v.slept.length = 0;
    const result = await outbox.drain({ now: v.now, sleep: v.sleep });
    assert.deepEqual(v.slept, [11000], "waits only what is left of retry 2");
    assert.equal(result.delivered, 2);
    assert.deepEqual(
      hub.received().map((r) => [r.webhookId, r.status]),
      [
        ["wh-1", 500],
        ["wh-1", 502],
        ["wh-1", 200],
        ["wh-2", 200],
      ],
    );
    await second.close();
    const third = new FileStore(dir);
    assert.deepEqual(await new Outbox(third).pending(), []);
    await third.close();
  });
});

test("an in-process onEvents consumer is awaited before the entry is cleared, and retried", async () => {
  const v = virtualTime();
  const outbox = new Outbox(new MemoryStore(), { now: v.now });
  await outbox.enqueue([{ events: [{ objectId: "1" }, { objectId: "2" }] }, { events: [{ objectId: "3" }] }]);
  const seen = [];
  let calls = 0;
  const result = await outbox.drain({
    now: v.now,
    sleep: v.sleep,
    onEvents: async (events) => {
      calls++;
      // still in the outbox while the consumer runs
      assert.equal((await outbox.pending())[0].events[0].objectId, events[0].objectId);
      await new Promise((r) => setTimeout(r, 1));
      if (calls === 1) throw new Error("consumer busy");
      seen.push(...events.map((e) => e.objectId));
    },
  });
  assert.deepEqual(seen, ["1", "2", "3"]);
  assert.deepEqual(result, { delivered: 2, failedAttempts: 1, dead: 0, pending: 0 });
  assert.deepEqual(v.slept, [4000]);
});

test("events entries without a consumer stop the drain and stay", async () => {
  const outbox = new Outbox(new MemoryStore());
  await outbox.enqueue([{ events: [1] }]);
  await assert.rejects(outbox.drain(), (e) => e instanceof PollerError && e.code === "delivery.no-consumer");
  assert.equal((await outbox.pending()).length, 1);
});

test("wait: false returns when the oldest entry is not due", async () => {
  hub.setFaults({ webhook: { next: [500] } });
  const v = virtualTime();
  const outbox = new Outbox(new MemoryStore(), { now: v.now });
  await outbox.enqueue([notification(1)]);
  const r1 = await outbox.drain({ now: v.now, sleep: v.sleep, wait: false });
  assert.deepEqual(r1, { delivered: 0, failedAttempts: 1, dead: 0, pending: 1, nextAttemptAt: v.now() + 4000 });
  v.t += 4000;
  const r2 = await outbox.drain({ now: v.now, sleep: v.sleep, wait: false });
  assert.equal(r2.delivered, 1);
  assert.deepEqual(v.slept, []);
});
