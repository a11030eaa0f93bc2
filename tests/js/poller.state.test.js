// The Poller's state in its store: one identity per instance (two instances sharing a name
// never share state or eventIds), and a lost state is an error naming its key, not a silent
// restart from "now".
import { test } from "node:test";
import assert from "node:assert/strict";
import { Poller, MemoryStore, PollerError } from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { hubInstance } from "./helpers/instance.js";

test("two instances with the same name on one store keep their own state and eventIds", async () => {
  const t = Date.now() - 60_000;
  // Two hubs with the same records (same seed, a frozen clock), reached with different Element tokens.
  const a = await startHubSimulator({
    seed: 4,
    now: () => t,
    resources: { appointments: 20 },
    credentials: { element: "token-of-a" },
  });
  const b = await startHubSimulator({
    seed: 4,
    now: () => t,
    resources: { appointments: 20 },
    credentials: { element: "token-of-b" },
  });
  try {
    const store = new MemoryStore();
    const poller = (hub) =>
      new Poller({
        instance: hubInstance(hub, ["appointments"], { name: "CRM events" }),
        baseUrl: hub.baseUrl,
        auth: hub.credentials,
        store,
        startFrom: "beginning",
        rateLimit: Infinity,
        onEvents: () => {},
      });
    const events = [];
    const pa = poller(a);
    const pb = poller(b);
    pa.addEventListener("events", (e) => events.push(...e.detail.events));
    pb.addEventListener("events", (e) => events.push(...e.detail.events));
    const [sa] = await pa.pollOnce();
    const [sb] = await pb.pollOnce();
    assert.equal(sa.events, 20);
    assert.equal(sb.events, 20, "b polled from its own first poll, not from a's state");
    assert.equal(
      new Set(events.map((e) => e.eventId)).size,
      40,
      "the same versions of two instances have different eventIds",
    );
    const stateKeys = (await store.keys("poller/")).filter((k) => k.includes("/state/"));
    assert.equal(stateKeys.length, 2, stateKeys.join(", "));
    assert.ok(
      stateKeys.every((k) => !k.includes("token-of")),
      "the token is not in the keys",
    );
    // An explicit id is the identity.
    const pc = new Poller({
      instance: hubInstance(a, ["appointments"], { name: "CRM events" }),
      baseUrl: a.baseUrl,
      auth: a.credentials,
      store,
      id: "inst/42",
      onEvents: () => {},
    });
    await pc.pollOnce();
    assert.ok(await store.get("poller/inst%2F42/state/appointments"));
  } finally {
    await a.close();
    await b.close();
  }
});

/** A polled Poller over `store`, and the key of its appointments state. */
async function polled(hub, store, options = {}) {
  const make = (more = {}) =>
    new Poller({
      instance: hubInstance(hub, ["appointments"]),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      store,
      rateLimit: Infinity,
      onEvents: () => {},
      ...options,
      ...more,
    });
  const poller = make();
  const [first] = await poller.pollOnce();
  assert.equal(first.error, undefined);
  const [key] = (await store.keys("poller/")).filter((k) => k.endsWith("/state/appointments"));
  return { poller, key, make };
}

test("a missing state for a resource that polled before is an error naming the key; nothing is written", async () => {
  const hub = await startHubSimulator({ seed: 5, resources: { appointments: 5 } });
  try {
    const store = new MemoryStore();
    const { poller, key, make } = await polled(hub, store);
    await store.delete(key);
    const errors = [];
    poller.addEventListener("error", (e) => errors.push(e.detail.error));
    const [s] = await poller.pollOnce();
    assert.ok(s.error instanceof PollerError);
    assert.equal(s.error.code, "poller.state-missing");
    assert.equal(s.error.path, key);
    assert.match(s.error.message, new RegExp(key.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
    assert.equal(errors.length, 1);
    assert.equal(await store.get(key), undefined, "a failed cycle writes nothing");
    // Another process (a new Poller) knows from the store that it polled before.
    const [again] = await make().pollOnce();
    assert.equal(again.error?.code, "poller.state-missing");
    // Even with every trace of it gone, this Poller remembers it had a state.
    for (const k of await store.keys("poller/")) await store.delete(k);
    assert.equal((await poller.pollOnce())[0].error?.code, "poller.state-missing");
    // Asked to, it restarts.
    await store.set(key.replace("/state/", "/polled/"), "1");
    const restarting = make({ onLostState: "restart" });
    const [restarted] = await restarting.pollOnce();
    assert.equal(restarted.error, undefined);
    assert.equal(restarted.restarted, true);
    assert.equal((await restarting.state("appointments")).v, 1);
  } finally {
    await hub.close();
  }
});

test('an unreadable state ("null", not JSON, not an object) is an error naming the key', async () => {
  const hub = await startHubSimulator({ seed: 6, resources: { appointments: 5 } });
  try {
    for (const bad of ["null", "{", "42", "[]", '"x"']) {
      const store = new MemoryStore();
      const { poller, key, make } = await polled(hub, store);
      await store.set(key, bad);
      const [s] = await poller.pollOnce();
      assert.equal(s.error?.code, "poller.state-unreadable", bad);
      assert.equal(s.error.path, key);
      assert.equal(await store.get(key), bad, "left as it was");
      await assert.rejects(poller.state("appointments"), (e) => e.code === "poller.state-unreadable");
      const [r] = await make({ onLostState: "restart" }).pollOnce();
      assert.equal(r.restarted, true, bad);
      assert.equal(JSON.parse(await store.get(key)).v, 1);
    }
  } finally {
    await hub.close();
  }
});

test("onLostState is checked", () => {
  assert.throws(
    () =>
      new Poller({
        instance: { name: "x", configuration: {} },
        baseUrl: "http://127.0.0.1:1",
        auth: { user: "u", organization: "o", element: "e" },
        onLostState: "ignore",
      }),
    (e) => e instanceof PollerError && e.code === "poller.on-lost-state",
  );
});
