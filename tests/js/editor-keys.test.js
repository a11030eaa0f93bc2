// The editor's key lists come from the core's configSchema (pkg/src/editor/keys.js): the keys
// it knows are the ones the core reads, and it writes them in the order the core's own
// builder does. (The editor itself runs in Chromium: tests/e2e/console.test.mjs.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildInstance, configSchema, presets } from "elements-poller";
import { keysOf } from "../../pkg/src/editor/keys.js";

const keys = keysOf(configSchema);

/** True when `list`'s items appear in `order` in the same relative order. */
function inOrder(list, order) {
  const at = list.map((k) => order.indexOf(k));
  return at.every((i) => i >= 0) && at.every((i, n) => n === 0 || at[n - 1] < i);
}

test("the body's keys are the schema's, in the order buildInstance writes them", () => {
  const body = buildInstance({
    element: "infusionsoftrest",
    name: "Keap polling",
    code: "grant",
    tags: ["docs"],
    oauth: { key: "client-id", secret: "client-secret", callbackUrl: "https://example.com/oauth" },
    callbackUrl: "https://example.com/events",
    resources: ["contacts"],
  });
  assert.deepEqual(Object.keys(body), keys.body, "every key, in the builder's order");
  assert.deepEqual([...keys.body].sort(), Object.keys(configSchema.properties).sort());
});

test("a resource poller's keys and its dates' are the schema's, in the order the presets write them", () => {
  for (const [name, poller] of Object.entries(presets.infusionsoftrest)) {
    assert.ok(inOrder(Object.keys(poller), keys.poller), `${name}: ${Object.keys(poller)} in ${keys.poller}`);
    assert.ok(inOrder(Object.keys(poller.datesConfiguration), keys.dates), `${name}'s datesConfiguration`);
  }
  for (const k of [
    "url",
    "idField",
    "datesConfiguration",
    "pageSize",
    "pollDelay",
    "filterByUpdatedDate",
    "filterByCurrentDate",
    "createdCheckTolerance",
  ]) {
    assert.ok(keys.poller.includes(k), k);
  }
  for (const k of [
    "updatedDateField",
    "updatedDateFormat",
    "updatedDateTimezone",
    "createdDateField",
    "createdDateFormat",
    "createdDateTimezone",
  ]) {
    assert.ok(keys.dates.includes(k), k);
  }
});

test("reconcile is a poller key with everyHours and maxDrop, and maxDrop's default (shown, never written) is the schema's", () => {
  assert.ok(keys.poller.includes("reconcile"));
  assert.deepEqual(keys.reconcile, ["everyHours", "maxDrop"]);
  assert.deepEqual(keys.reconcileDefaults, { maxDrop: 0.5 });
});

test("a deprecated spelling is not a key the editor knows: it is kept and listed as one without a field", () => {
  const alias = Object.entries(configSchema.$defs.poller.properties)
    .filter(([, p]) => p.deprecated)
    .map(([k]) => k);
  assert.deepEqual(alias, ["filterByUpdateDate"]);
  assert.ok(!keys.poller.includes("filterByUpdateDate"));
});

test("a schema without some level gives no keys there, never a throw", () => {
  const none = { poller: [], dates: [], reconcile: [], reconcileDefaults: {} };
  assert.deepEqual(keysOf(undefined), { body: [], ...none });
  assert.deepEqual(keysOf({ properties: { a: {} }, $defs: { poller: { properties: null } } }), {
    body: ["a"],
    ...none,
  });
});
