// The exactly-once promise against Keap directly (no hub in the loop): the seed's body with
// `event.poller.api: "direct"`, a Poller with OAuthTokens in a child process with a FileStore,
// delivering signed notifications to the hub simulator's receiver (used only as a receiver),
// killed (SIGKILL) and restarted mid-cycle and mid-delivery, the access token expiring in
// between. Every version must arrive; a repeat may only carry an eventId already seen. Last,
// a kill between Keap's token answer and its save: the next process says, once, that the
// instance needs re-authorization.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildInstance } from "elements-poller";
import { startHubSimulator, startKeapSimulator } from "elements-poller/testing";

const child = new URL("./helpers/poller-child.js", import.meta.url).pathname;
const RESOURCES = ["contacts", "tasks"];

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function startPoller(stateDir, config, log) {
  const proc = fork(child, [stateDir, JSON.stringify(config)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ended = [];
  const waiters = [];
  const onMessage = { delivered: [], "token-issued": [] };
  proc.on("message", (m) => {
    if (m.type === "poll-end") {
      ended.push(m);
      for (const w of waiters.splice(0)) w();
    } else if (m.type in onMessage) {
      for (const w of onMessage[m.type].splice(0)) w();
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
    ended,
    async cleanPollSince(t, { drained = false } = {}) {
      await until(() =>
        ended.some(
          (m) => m.startedAt >= t && m.summaries.every((s) => !s.error) && (!drained || m.delivery?.pending === 0),
        ),
      );
    },
    async pollEnded(predicate) {
      await until(() => ended.some(predicate));
    },
    async kill() {
      proc.kill("SIGKILL");
      await exited;
    },
    /** Resolves at the child's next `type` message (false if none comes within `ms`). */
    next(type, ms) {
      return new Promise((resolve) => {
        const t = setTimeout(() => resolve(false), ms);
        onMessage[type].push(() => (clearTimeout(t), resolve(true)));
      });
    },
  };
}

test(
  "direct: exactly once across SIGKILLs and token expiries; a kill mid-refresh ends in re-authorization",
  { timeout: 240_000 },
  async () => {
    const random = rng(20261201);
    const keap = await startKeapSimulator({ seed: 41, resources: { contacts: 30, tasks: 20 } });
    const receiver = await startHubSimulator({ seed: 41, resources: { appointments: 0 } });
    const stateDir = mkdtempSync(join(tmpdir(), "elements-poller-keap-crash-"));
    const log = { errors: [], kills: 0 };
    try {
      const instance = buildInstance({
        element: "infusionsoftrest",
        name: "keap-crash",
        code: keap.mintCode(),
        oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
        callbackUrl: receiver.webhookUrl,
        signatureKey: receiver.signatureKey,
        api: "direct",
        refreshInterval: 1,
        resources: Object.fromEntries(RESOURCES.map((r) => [r, { preset: r, pageSize: 6 }])),
      });
      const config = {
        instance,
        baseUrl: keap.baseUrl,
        tokenUrl: keap.tokenUrl,
        callbackUrl: receiver.webhookUrl,
        signatureKey: receiver.signatureKey,
      };
      keap.setFaults({ throttle: 0.05, serverError: 0.05, truncate: 0.03, latencyMs: [0, 10] });

      let poller = startPoller(stateDir, config, log);
      await poller.cleanPollSince(0);
      for (let round = 0; round < 8; round++) {
        for (const resource of RESOURCES) {
          const ids = keap.records(resource).map((r) => r.id);
          const picked = new Set(
            Array.from({ length: 1 + Math.floor(random() * 4) }, () => ids[Math.floor(random() * ids.length)]),
          );
          keap.mutate({ resource, op: "update", ids: [...picked] });
          keap.mutate({ resource, op: "create", count: Math.floor(random() * 3) });
        }
        if (round % 2 === 1) keap.expireAccessTokens(); // the next request gets a 401 and refreshes
        const since = Date.now();
        if (round % 2 === 0) {
          await poller.next("delivered", 5000);
          await poller.kill();
          log.kills++;
          poller = startPoller(stateDir, config, log);
        } else if (random() < 0.7) {
          // After the expired token was refreshed and saved (a poll that began since then has
          // ended), so the kill lands mid-cycle but never between Keap's token answer and its
          // save: that kill rightly ends in re-authorization, and is the last step below.
          await poller.pollEnded((m) => m.startedAt >= since);
          await new Promise((r) => setTimeout(r, random() * 80));
          await poller.kill();
          log.kills++;
          poller = startPoller(stateDir, config, log);
        }
        await poller.cleanPollSince(since);
      }
      keap.clearFaults();
      await poller.cleanPollSince(Date.now(), { drained: true });
      await poller.kill();

      const byVersion = new Map();
      for (const r of receiver.received().filter((r) => r.status === 200)) {
        assert.equal(r.verified, true);
        for (const e of r.body.message.events) {
          const key = `${e.objectType}/${e.objectId}/${e.date}`;
          if (!byVersion.has(key)) byVersion.set(key, new Set());
          byVersion.get(key).add(e.eventId);
        }
      }
      const expected = RESOURCES.flatMap((r) =>
        keap.versions(r).map((v) => `${r}/${v.id}/${new Date(v.updatedMs).toISOString()}`),
      );
      assert.deepEqual(
        expected.filter((k) => !byVersion.has(k)),
        [],
        "every version is received",
      );
      assert.equal(byVersion.size, expected.length, "nothing that is not a version");
      for (const [key, ids] of byVersion) assert.equal(ids.size, 1, `a repeat of ${key} carries the same eventId`);
      assert.ok(log.kills >= 4);
      assert.ok(keap.tokenRequests().filter((r) => r.grant === "refresh_token" && r.status === 200).length >= 2);
      assert.ok(!log.errors.some((m) => /oauth\.|reauthoriz/.test(m)), "no token trouble so far");

      // The crash window: killed after Keap issued a new pair, before it was saved.
      const held = startPoller(stateDir, { ...config, holdTokenSave: true }, log);
      const issued = held.next("token-issued", 60000);
      keap.expireAccessTokens();
      keap.mutate({ resource: "contacts", op: "update", id: 1 });
      assert.equal(await issued, true, "the held child got a new pair from Keap");
      await held.kill();
      const refreshesBefore = keap.tokenRequests().length;
      const after = startPoller(stateDir, config, log);
      await after.pollEnded((m) => m.summaries.some((s) => s.error));
      const failed = after.ended.find((m) => m.summaries.some((s) => s.error));
      assert.ok(failed.summaries.every((s) => /^oauth\.reauthorize: .*never saved its answer/.test(s.error)));
      const said = log.errors.filter((m) => /needs re-authorization/.test(m));
      assert.equal(said.length, 1, "said once");
      assert.deepEqual(
        keap
          .tokenRequests()
          .slice(refreshesBefore)
          .map((r) => `${r.grant}:${r.status}`),
        ["refresh_token:400"],
        "one refused refresh, never retried",
      );
      await after.kill();
    } finally {
      await keap.close();
      await receiver.close();
      rmSync(stateDir, { recursive: true, force: true });
    }
  },
);
