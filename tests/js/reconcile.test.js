// DELETED events end to end over real HTTP on loopback (DESIGN section 13): the Poller against
// the hub simulator and against the Keap simulator (direct, with OAuthTokens). Deletes through
// the simulators' control API, updates between them, failing and truncated pages during the
// full listings, a record deleted while a listing pages (the rows after it slide back a
// place), a record brought back under its id, and a drop beyond maxDrop that is held until a
// second listing confirms it. Zero false deletes, zero missed deletes, each DELETED once.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryStore, OAuthTokens, Poller, buildInstance } from "elements-poller";
import { startHubSimulator, startKeapSimulator } from "elements-poller/testing";

const RECONCILE = { everyHours: 24, maxDrop: 0.5 };

async function control(sim, method, path, body) {
  const res = await fetch(sim.controlUrl + path, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

function hubSetup(sim, resource) {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "reconcile-hub",
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    refreshInterval: 1,
    resources: { [resource]: { ...sim.pollerConfig(resource), pageSize: 4, reconcile: RECONCILE } },
  });
  return { body, options: { auth: sim.credentials } };
}

function keapSetup(sim, resource, store) {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "reconcile-keap",
    code: sim.mintCode(),
    oauth: { key: sim.client.clientId, secret: sim.client.clientSecret, callbackUrl: sim.client.redirectUri },
    callbackUrl: "https://app.example.com/events",
    api: "direct",
    refreshInterval: 1,
    resources: { [resource]: { preset: resource, pageSize: 4, reconcile: RECONCILE } },
  });
  return { body, options: { tokens: OAuthTokens.fromInstance(body, { store, tokenUrl: sim.tokenUrl }) } };
}

for (const [element, start, setup, resource] of [
  ["hub", startHubSimulator, hubSetup, "appointments"],
  ["keap", startKeapSimulator, keapSetup, "contacts"],
]) {
  test(`${element}: deletes are reported once, never for a record that exists`, async () => {
    const sim = await start({ seed: 19, resources: { [resource]: 22 } });
    try {
      const store = new MemoryStore();
      const { body, options } = setup(sim, resource, store);
      const idField = body.configuration["event.poller.configuration"][resource].idField;
      const live = () => new Set(sim.records(resource).map((r) => String(r[idField])));
      /** What the simulator held when each cycle began (a DELETED must name one gone since). */
      const events = [];
      const warnings = [];
      let midListing = null;
      /** The next request (a full listing's first page) is answered 400 when set. */
      let breakNext = false;
      const poller = new Poller({
        instance: body,
        baseUrl: sim.baseUrl,
        store,
        startFrom: "beginning",
        rateLimit: Infinity,
        ...options,
        // A record deleted while a full listing pages: on the second page of a listing, the
        // lowest id still there goes, and every row after it slides back one place.
        fetch: async (url, init) => {
          if (breakNext) {
            breakNext = false;
            return new Response('{"message":"bad request"}', { status: 400 });
          }
          const res = await fetch(url, init);
          if (midListing && /offset=4|nextPage=/.test(String(url)) && res.status === 200) {
            const id = [...live()].sort((a, b) => Number(a) - Number(b))[0];
            sim.mutate({ resource, op: "delete", id });
            midListing.push(id);
            midListing = null;
          }
          return res;
        },
        onEvents: (batch) => void events.push(...batch),
      });
      poller.addEventListener("warning", (e) => warnings.push(e.detail));
      const deletedIds = () => events.filter((e) => e.eventType === "DELETED").map((e) => e.objectId);
      const noFalseDelete = (step) => {
        const alive = live();
        for (const id of deletedIds()) {
          const last = events.findLast((e) => e.objectId === id);
          if (last.eventType === "DELETED") assert.ok(!alive.has(id), `${step}: ${id} reported DELETED but exists`);
        }
      };

      // The first poll lists in full (there is no listing yet): a backfill, nothing deleted.
      const [first] = await poller.pollOnce();
      assert.equal(first.reconciled, true);
      assert.equal(events.filter((e) => e.eventType === "CREATED").length, 22);
      const listed = await poller.state(resource);
      assert.equal(listed.listing.n, 22, "the listing's ids are in the state");

      // Deletes and updates, then full listings through failing and truncated pages: a cycle
      // that failed changed nothing; the one that completes reports exactly the deleted three.
      const ids = [...live()];
      const gone = [ids[3], ids[9], ids[15]];
      for (const id of gone) await control(sim, "DELETE", `/${resource}/${id}`);
      sim.mutate({ resource, op: "update", ids: [ids[4], ids[10]] });
      sim.setFaults({ serverError: 0.15, truncate: 0.12 });
      let failed = 0;
      for (let i = 0; i < 30 && deletedIds().length === 0; i++) {
        const [s] = await poller.reconcile();
        // A listing that failed: the cycle failed, or it polled the date window instead.
        if (s.error || !s.reconciled) failed++;
        noFalseDelete(`faulty listing ${i}`);
      }
      sim.clearFaults();
      assert.deepEqual(deletedIds().sort(), [...gone].sort(), "the three, once each");
      assert.ok(failed > 0, "some listings failed (and deleted nothing)");

      // A full listing that fails (its first page answered 400): the same cycle polls the date
      // window instead, so the update comes, nothing is deleted, and a warning says so.
      breakNext = true;
      sim.mutate({ resource, op: "update", ids: [ids[5]] });
      const sent = events.length;
      const [fell] = await poller.reconcile();
      assert.equal(fell.error, undefined, String(fell.error));
      assert.notEqual(fell.reconciled, true);
      const after = events.slice(sent);
      assert.ok(
        after.some((e) => e.objectId === String(ids[5]) && e.eventType === "UPDATED"),
        JSON.stringify(after),
      );
      assert.ok(!after.some((e) => e.eventType === "DELETED"));
      assert.ok(
        warnings.some((w) => w.code === "reconcile.failed" && w.resource === resource),
        JSON.stringify(warnings),
      );

      // Deleted mid-listing: the row that slid across the page boundary is asked for by id
      // and kept; the deleted one is reported by this listing or the next.
      midListing = [];
      const caught = midListing;
      await poller.reconcile();
      noFalseDelete("slide");
      await poller.reconcile();
      noFalseDelete("after the slide");
      assert.equal(caught.length, 1);
      assert.ok(deletedIds().includes(caught[0]), "the record deleted mid-listing is reported");

      // Back under its id: CREATED.
      sim.mutate({ resource, op: "restore", id: gone[0] });
      await poller.reconcile();
      assert.equal(events.findLast((e) => e.objectId === gone[0]).eventType, "CREATED");

      // Most of the records at once: held (said in a warning), then confirmed.
      const many = [...live()].slice(0, 14);
      sim.mutate({ resource, op: "delete", ids: many });
      const before = deletedIds().length;
      const [held] = await poller.reconcile();
      assert.equal(held.deleted, 0);
      assert.equal(deletedIds().length, before, "nothing deleted by a held listing");
      assert.ok(
        warnings.some((w) => w.code === "reconcile.held" && w.resource === resource),
        JSON.stringify(warnings),
      );
      const [confirmed] = await poller.reconcile();
      assert.equal(confirmed.deleted, many.length);
      noFalseDelete("confirmed");

      // Every delete reported exactly once; no DELETED of a record that exists.
      const everDeleted = sim
        .versions(resource)
        .filter((v) => v.deleted)
        .map((v) => String(v.id));
      const perId = new Map();
      for (const e of events.filter((e) => e.eventType === "DELETED"))
        perId.set(e.objectId, (perId.get(e.objectId) ?? 0) + 1);
      for (const id of new Set(everDeleted)) {
        const times = everDeleted.filter((x) => x === id).length;
        assert.equal(perId.get(id), times, `${id}: deleted ${times} time(s), reported ${perId.get(id)}`);
      }
      const eventIds = events.filter((e) => e.eventType === "DELETED").map((e) => e.eventId);
      assert.equal(new Set(eventIds).size, eventIds.length, "distinct eventIds");
    } finally {
      await sim.close();
    }
  });
}
