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
  const waiters = [];
  const onDelivered = [];
  proc.on("message", (m) => {
    if (m.type === "poll-end") {
      ended.push(m);
      for (const w of waiters.splice(0)) w();
    } else if (m.type === "delivered") {
      for (const w of onDelivered.splice(0)) w();
    } else if (m.type === "error") log.errors.push(m.message);
  });
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  return {
    /** A poll that started at or after `t` and ended without a failed cycle (and, with `drained`, an empty outbox). */
    async cleanPollSince(t, { drained = false } = {}) {
      for (;;) {
        if (ended.some((m) => m.startedAt >= t && m.summaries.every((s) => !s.error) && (!drained || m.delivery?.pending === 0))) return;
        await new Promise((resolve, reject) => {
          waiters.push(resolve);
          exited.then(() => reject(new Error("the poller exited")));
        });
      }
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
    const config = { instance, baseUrl: hub.baseUrl, auth: hub.credentials, callbackUrl: hub.webhookUrl, signatureKey: hub.signatureKey };
    hub.setFaults({ throttle: 0.08, serverError: 0.08, truncate: 0.04, retryAfter: 0, latencyMs: [0, 15], webhook: { failure: 0.15 } });

    let poller = startPoller(stateDir, config, log);
    // The initial records must be read once before anything changes them.
    await poller.cleanPollSince(0);
    for (let round = 0; round < 12; round++) {
      // Each record changes at most once per round, and a clean poll runs after each round:
      // so every version exists throughout at least one whole poll (it is observable).
      for (const resource of RESOURCES) {
        const ids = hub.records(resource).map((r) => r.id);
        const picked = new Set(Array.from({ length: 1 + Math.floor(random() * 6) }, () => ids[Math.floor(random() * ids.length)]));
        if (random() < 0.5) hub.mutate({ resource, op: "update", ids: [...picked] }); // one shared instant
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
    console.log(`exactly-once: ${expected} versions, ${byVersion.size} received, ${duplicates} repeated deliveries (same eventId), ${log.kills} kills (${log.midDelivery} right after a delivery)`);
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
