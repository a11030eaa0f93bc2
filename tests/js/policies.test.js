// The rules of the domain the JS layer asks the core for instead of keeping copies: which
// resources an instance polls and how often, its identity, and what a delivery attempt leads to.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  pollers,
  refreshIntervalMs,
  instanceIdentity,
  nextDelivery,
  retryAfterMs,
  retrySchedule,
  PollerError,
} from "elements-poller";

const PC = "event.poller.configuration";
const poller = (url) => ({ url, idField: "id", datesConfiguration: { updatedDateField: "u" } });

test("pollers: the configuration's resources in the order written, named by their key", () => {
  const body = {
    configuration: { [PC]: { contacts: poller("/c"), appointments: { ...poller("/a"), name: "other" } } },
  };
  assert.deepEqual(pollers(body), [
    { ...poller("/c"), name: "contacts" },
    { ...poller("/a"), name: "appointments" },
  ]);
  // The platform's spelling: the poller configuration as a JSON string; a body as JSON text.
  const asString = JSON.stringify({ configuration: { [PC]: JSON.stringify({ x: poller("/x") }) } });
  assert.deepEqual(
    pollers(asString).map((p) => p.name),
    ["x"],
  );
  assert.deepEqual(pollers({}), []);
  assert.deepEqual(
    pollers({ configuration: { [PC]: { bad: 5 } } }),
    [{ name: "bad" }],
    "a poller that is no object is kept, for its cycle to report",
  );
  assert.throws(
    () => pollers({ configuration: { [PC]: [1] } }),
    (e) => e instanceof PollerError && e.code === "poller.configuration.not-object",
  );
  assert.throws(
    () => pollers("{"),
    (e) => e instanceof PollerError && e.code === "config.not-json",
  );
});

test("refreshIntervalMs: whole minutes ≥ 1, else the default of 15", () => {
  const at = (v) => refreshIntervalMs({ configuration: { "event.poller.refresh_interval": v } });
  assert.equal(at(5), 5 * 60_000);
  assert.equal(at("30"), 30 * 60_000);
  for (const bad of [0, -2, 2.5, "soon", null]) assert.equal(at(bad), 15 * 60_000, String(bad));
  assert.equal(refreshIntervalMs({}), 15 * 60_000);
});

test("instanceIdentity: one rule for eventIds and store keys, the token never in it", () => {
  const body = { name: "crm", element: { key: "infusionsoftrest" } };
  assert.deepEqual(instanceIdentity(body), { elementKey: "infusionsoftrest", instanceId: "crm" });
  // The ids the rule gave before it moved into the core: saved states and outboxes keep their keys.
  assert.deepEqual(instanceIdentity(body, { baseUrl: "https://hub/", auth: { element: "token-1" } }), {
    elementKey: "infusionsoftrest",
    instanceId: "crm~c660017fa79e427d",
  });
  assert.deepEqual(
    instanceIdentity(
      { name: "é ünïcode", element: { key: "k" } },
      { baseUrl: "https://x.example/api", auth: { element: "tök" } },
    ).instanceId,
    "é ünïcode~57a78cab4025e212",
  );
  assert.deepEqual(instanceIdentity(undefined, { baseUrl: "https://x", auth: { element: "t" } }), {
    instanceId: "instance~a6dab559bd239b7c",
  });
  assert.equal(
    instanceIdentity(body, { id: 42, baseUrl: "https://hub", auth: { element: "t" } }).instanceId,
    "42",
    "an id given is the id",
  );
  assert.ok(
    !instanceIdentity(body, { baseUrl: "https://hub", auth: { element: "secret-token" } }).instanceId.includes(
      "secret-token",
    ),
  );
  // A direct instance: the OAuth app and the grant code, from the body (pinned in the core's tests too).
  const direct = {
    ...body,
    providerData: { code: "code-a" },
    configuration: { "event.poller.api": "direct", "oauth.api.key": "app" },
  };
  assert.equal(instanceIdentity(direct).instanceId, "crm~5b4f4e9a7baa086a");
  assert.equal(
    instanceIdentity(direct, { baseUrl: "https://api.infusionsoft.com/crm/rest" }).instanceId,
    "crm~5b4f4e9a7baa086a",
  );
  assert.notEqual(instanceIdentity({ ...direct, providerData: { code: "code-b" } }).instanceId, "crm~5b4f4e9a7baa086a");
});

test("nextDelivery: the schedule, Retry-After, every failure retried, then dead", () => {
  const now = Date.UTC(2015, 9, 21, 7, 28, 0);
  let state = { attempts: 0, nextAttemptAt: 0 };
  const waits = [];
  for (;;) {
    const step = nextDelivery(state, { kind: "answered", status: 500, headers: {} }, { now });
    state = step.state;
    if (step.action === "dead") break;
    assert.equal(step.action, "retry");
    assert.equal(step.failure, "server");
    assert.equal(state.nextAttemptAt, now + step.delayMs);
    waits.push(step.delayMs);
  }
  assert.deepEqual(waits, retrySchedule(), "the platform's schedule");
  assert.deepEqual(state, {
    attempts: 10,
    nextAttemptAt: now + retrySchedule()[8],
    lastAttemptAt: now,
    lastStatus: 500,
    deadAt: now,
  });

  const fresh = { attempts: 0, nextAttemptAt: 0 };
  assert.equal(nextDelivery(fresh, { kind: "answered", status: 204 }, { now }).action, "delivered");
  assert.equal(nextDelivery(fresh, { kind: "consumed" }, { now }).action, "delivered");
  const throttled = nextDelivery(
    fresh,
    { kind: "answered", status: 429, headers: new Headers({ "Retry-After": "100" }) },
    { now },
  );
  assert.deepEqual([throttled.failure, throttled.delayMs], ["throttled", 100_000], "Retry-After beats 4 s");
  const dated = nextDelivery(
    fresh,
    { kind: "answered", status: 503, headers: [["retry-after", "Wed, 21 Oct 2015 07:28:30 GMT"]] },
    { now },
  );
  assert.equal(dated.delayMs, 30_000, "an HTTP date, read against now");
  assert.equal(
    nextDelivery(fresh, { kind: "answered", status: 404 }, { now }).failure,
    "refused",
    "a 4xx is retried too, as the platform does",
  );
  assert.equal(nextDelivery(fresh, { kind: "no-answer" }, { now }).failure, "transport");
  assert.equal(
    nextDelivery(fresh, { kind: "answered", status: 0 }, { now }).failure,
    "transport",
    "no HTTP status is no answer",
  );
  assert.equal(nextDelivery(fresh, { kind: "consumer-failed" }, { now }).failure, "consumer");
  assert.deepEqual(nextDelivery(fresh, { kind: "no-answer" }, { now, scale: 0.001 }).delayMs, 4);
  assert.equal(nextDelivery(fresh, { kind: "no-answer" }, { now, maxRetries: 0 }).action, "dead");
  // An outbox entry is a state: the machine reads its fields and ignores the rest.
  const entry = { v: 1, kind: "webhook", attempts: 2, nextAttemptAt: 5, lastStatus: 502, lastError: "HTTP 502" };
  assert.deepEqual(nextDelivery(entry, { kind: "no-answer" }, { now }), {
    action: "retry",
    attempt: 3,
    delayMs: 64_000,
    failure: "transport",
    state: { attempts: 3, nextAttemptAt: now + 64_000, lastAttemptAt: now, lastStatus: 502 },
  });
  assert.throws(
    () => nextDelivery(fresh, { kind: "maybe" }, { now }),
    (e) => e instanceof PollerError && e.code === "options.invalid",
  );
  assert.throws(
    () => nextDelivery(fresh, undefined, { now }),
    (e) => e instanceof PollerError && e.code === "argument.outcome",
  );
});

test("retryAfterMs: delay-seconds or an HTTP date, at most a day", () => {
  assert.equal(retryAfterMs("7", 0), 7000);
  assert.equal(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.UTC(2015, 9, 21, 7, 28, 0)), 10_000);
  assert.equal(retryAfterMs("1e9", 0), 86_400_000);
  assert.equal(retryAfterMs("soon", 0), undefined);
  assert.equal(retryAfterMs(undefined), undefined);
});
