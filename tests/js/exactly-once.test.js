// The exactly-once promise, end to end over real HTTP on loopback: the hub simulator with
// random mutations and faults, a Poller in a child process with a FileStore delivering signed
// notifications to the simulator's receiver, killed (SIGKILL) and restarted mid-cycle and
// mid-delivery. Every version must arrive; a repeat may only carry an eventId already seen.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hubInstance } from "./helpers/instance.js";
import { startHubSimulator } from "elements-poller/testing";

const child = new URL("./helpers/poller-child.js", import.meta.url).pathname;
const RESOURCES = ["appointments", "contacts"];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the poller child; resolves helpers to wait for polls and to kill it. */
function startPoller(stateDir, config, log) {
  const proc = fork(child, [stateDir, JSON.stringify(config)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ended = [];
  const started = [];
  const waiters = [];
  const onDelivered = [];
  proc.on("message", (m) => {
    if (m.type === "poll-start") {
      started.push(m);
      for (const w of waiters.splice(0)) w();
    } else if (m.type === "poll-end") {
      ended.push(m);
      for (const w of waiters.splice(0)) w();
    } else if (m.type === "delivered") {
      for (const w of onDelivered.splice(0)) w();
    } else if (m.type === "error") log.errors.push(m.message);
  });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  const until = async (done) => {
    while (!done()) {
      await new Promise((resolve, reject) => {
        waiters.push(resolve);
        exited.then(() => reject(new Error("the poller exited")));
      });
    }
  };
  return {
    /** The start message of poll `n` (its `startedAt` is the poller's clock). */
    async pollStarted(n) {
      await until(() => started.some((m) => m.n === n));
      return started.find((m) => m.n === n);
    },
    /** A poll that started at or after `t` and ended without a failed cycle (and, with `drained`, an empty outbox). */
    async cleanPollSince(t, { drained = false } = {}) {
      await until(() =>
        ended.some(
          (m) => m.startedAt >= t && m.summaries.every((s) => !s.error) && (!drained || m.delivery?.pending === 0),
        ),
      );
    },
    async kill() {
      proc.kill("SIGKILL");
      await exited;
    },
    /** Resolves at its next delivered notification (false if none comes within `ms`). */
    nextDelivery(ms) {
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), ms);
        onDelivered.push(() => (clearTimeout(t), resolve(true)));
      });
    },
  };
}

test("exactly once across faults and SIGKILLs", { timeout: 240_000 }, async () => {
  const random = rng(20261129);
  const hub = await startHubSimulator({ seed: 11, resources: { appointments: 60, contacts: 30 } });
  const stateDir = mkdtempSync(join(tmpdir(), "elements-poller-crash-"));
  const log = { errors: [], kills: 0, midDelivery: 0 };
  try {
    const instance = hubInstance(hub, RESOURCES, { pageSize: 7, signed: true, name: "crash-test" });
    const config = {
      instance,
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      callbackUrl: hub.webhookUrl,
      signatureKey: hub.signatureKey,
    };
    hub.setFaults({
      throttle: 0.08,
      serverError: 0.08,
      truncate: 0.04,
      retryAfter: 0,
      latencyMs: [0, 15],
      webhook: { failure: 0.15 },
    });

    let poller = startPoller(stateDir, config, log);
    // The initial records must be read once before anything changes them.
    await poller.cleanPollSince(0);
    for (let round = 0; round < 12; round++) {
      // Each record changes at most once per round, and a clean poll runs after each round:
      // so every version exists throughout at least one whole poll (it is observable).
      for (const resource of RESOURCES) {
        const ids = hub.records(resource).map((r) => r.id);
        const picked = new Set(
          Array.from({ length: 1 + Math.floor(random() * 6) }, () => ids[Math.floor(random() * ids.length)]),
        );
        if (random() < 0.5)
          hub.mutate({ resource, op: "update", ids: [...picked] }); // one shared instant
        else for (const id of picked) hub.mutate({ resource, op: "update", id });
        hub.mutate({ resource, op: "create", count: Math.floor(random() * 4) });
      }
      const since = Date.now();
      // Kill it, then restart it from its files: on even rounds right after a notification
      // was delivered (the rest of the batch still in the outbox), on odd ones at a random
      // moment (mid-cycle, mid-delivery or between polls).
      if (round % 2 === 0) {
        if (await poller.nextDelivery(5000)) log.midDelivery++;
        await poller.kill();
        log.kills++;
        poller = startPoller(stateDir, config, log);
      } else if (random() < 0.7) {
        await new Promise((r) => setTimeout(r, random() * 120));
        await poller.kill();
        log.kills++;
        poller = startPoller(stateDir, config, log);
      }
      await poller.cleanPollSince(since);
    }
    // Drain: no more faults, one more clean poll delivers whatever is still in the outbox.
    hub.clearFaults();
    await poller.cleanPollSince(Date.now(), { drained: true });
    await poller.kill();

    const byVersion = new Map(); // "type/id/date" -> Set of eventIds
    let delivered = 0;
    for (const r of hub.received().filter((r) => r.status === 200)) {
      assert.equal(r.verified, true, "every delivery is signed");
      for (const e of r.body.message.events) {
        delivered++;
        const key = `${e.objectType}/${e.objectId}/${e.date}`;
        if (!byVersion.has(key)) byVersion.set(key, new Set());
        byVersion.get(key).add(e.eventId);
      }
    }
    let expected = 0;
    const missing = [];
    for (const resource of RESOURCES) {
      for (const v of hub.versions(resource)) {
        expected++;
        const key = `${resource}/${v.id}/${new Date(v.updatedMs).toISOString()}`;
        if (!byVersion.has(key)) missing.push(key);
      }
    }
    const duplicates = delivered - byVersion.size;
    console.log(
      `exactly-once: ${expected} versions, ${byVersion.size} received, ${duplicates} repeated deliveries (same eventId), ${log.kills} kills (${log.midDelivery} right after a delivery)`,
    );
    assert.deepEqual(missing, [], "every version is received");
    assert.equal(byVersion.size, expected, "nothing that is not a version is received");
    for (const [key, ids] of byVersion) assert.equal(ids.size, 1, `a repeat of ${key} carries the same eventId`);
    assert.ok(log.kills >= 3, "the poller was killed several times");
    assert.ok(log.midDelivery >= 3, "several kills landed mid-delivery");
  } finally {
    await hub.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

/** Every delivered event, by version key, with the eventIds and types it came with. */
function receivedVersions(hub) {
  const byVersion = new Map(); // "type/id/date" -> {ids: Set, types: [...]}
  const order = [];
  for (const r of hub.received().filter((r) => r.status === 200)) {
    assert.equal(r.verified, true, "every delivery is signed");
    for (const e of r.body.message.events) {
      const key = `${e.objectType}/${e.objectId}/${e.date}`;
      if (!byVersion.has(key)) byVersion.set(key, { ids: new Set(), types: [] });
      byVersion.get(key).ids.add(e.eventId);
      byVersion.get(key).types.push(e.eventType);
      order.push(e);
    }
  }
  return { byVersion, order };
}

// DESIGN section 6: the first poll is a baseline. With startFrom "now" it emits nothing; after
// it, every version it did not read is emitted, even one that a provider whose clock is behind
// ours stamped before our start, and an object new since the baseline comes out CREATED.
test(
  "the first poll is a baseline: a provider clock behind ours loses nothing after it",
  { timeout: 120_000 },
  async () => {
    const hub = await startHubSimulator({ seed: 12, resources: { appointments: 40, contacts: 20 } });
    const stateDir = mkdtempSync(join(tmpdir(), "elements-poller-baseline-"));
    const log = { errors: [] };
    const versionKeys = () =>
      new Set(
        RESOURCES.flatMap((resource) =>
          hub.versions(resource).map((v) => `${resource}/${v.id}/${new Date(v.updatedMs).toISOString()}`),
        ),
      );
    const mutateAll = (n) => {
      for (const resource of RESOURCES) {
        const ids = hub.records(resource).map((r) => r.id);
        for (let i = 0; i < n; i++) hub.mutate({ resource, op: "update", id: ids[(i * 7 + n) % ids.length] });
        hub.mutate({ resource, op: "create", count: n });
      }
    };
    try {
      const instance = hubInstance(hub, RESOURCES, { pageSize: 7, signed: true, name: "baseline-test" });
      // The hub's clock 2.5 s behind ours; lookback 4 s covers it. Slow pages keep the first poll in flight.
      hub.setFaults({ skewMs: -2500, latencyMs: [30, 60] });
      const config = {
        instance,
        baseUrl: hub.baseUrl,
        auth: hub.credentials,
        callbackUrl: hub.webhookUrl,
        signatureKey: hub.signatureKey,
        startFrom: "now",
        lookback: 4000,
      };
      const before = versionKeys();
      const poller = startPoller(stateDir, config, log);
      const { startedAt } = await poller.pollStarted(0);
      mutateAll(2); // while the first poll is in flight: the baseline may or may not read these
      await poller.cleanPollSince(0);
      const inFlight = new Set([...versionKeys()].filter((k) => !before.has(k)));
      // Right after the first poll: stamped 2.5 s behind ours, so before the first poll started.
      const idsAtBaseline = new Set(RESOURCES.flatMap((r) => hub.records(r).map((rec) => `${r}/${rec.id}`)));
      mutateAll(3);
      const t1 = Date.now();
      await poller.cleanPollSince(t1);
      mutateAll(4);
      const t2 = Date.now();
      await poller.cleanPollSince(t2, { drained: true });
      await poller.kill();

      const after = [...versionKeys()].filter((k) => !before.has(k) && !inFlight.has(k));
      const stampedBeforeStart = after.filter((k) => Date.parse(k.split("/")[2]) < startedAt);
      assert.ok(
        stampedBeforeStart.length > 0,
        "some versions written after the first poll carry a stamp before its start",
      );
      const { byVersion, order } = receivedVersions(hub);
      for (const k of before) assert.ok(!byVersion.has(k), `${k} was there before the start: not emitted`);
      const missing = after.filter((k) => !byVersion.has(k));
      assert.deepEqual(missing, [], "every version written after the baseline is received");
      for (const [key, v] of byVersion) assert.equal(v.ids.size, 1, `a repeat of ${key} carries the same eventId`);
      // The first event of each object created after the baseline is CREATED; later ones UPDATED.
      const seen = new Set();
      for (const e of order) {
        const obj = `${e.objectType}/${e.objectId}`;
        if (!seen.has(obj) && !idsAtBaseline.has(obj))
          assert.equal(e.eventType, "CREATED", `${obj} is new since the baseline`);
        if (seen.has(obj)) assert.equal(e.eventType, "UPDATED", `${obj} was emitted before`);
        seen.add(obj);
      }
      console.log(
        `baseline: ${after.length} versions after the first poll (${stampedBeforeStart.length} stamped before its start), ${inFlight.size} written while it ran, ${byVersion.size} received`,
      );
      assert.deepEqual(log.errors, []);
    } finally {
      await hub.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
);
