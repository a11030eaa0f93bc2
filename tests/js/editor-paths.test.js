// The editor's path helpers (pkg/src/editor/paths.js), pure: how a field's value is written
// into a body and taken out again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setAt, dropIfEmpty, pathOf } from "../../pkg/src/editor/paths.js";

const R = ["configuration", "event.poller.configuration", "contacts", "reconcile"];

test("a field's path is the validator's", () => {
  assert.equal(pathOf([...R, "maxDrop"]), 'configuration["event.poller.configuration"].contacts.reconcile.maxDrop');
});

test("an object left empty is removed; one with a key left, or anything else there, is kept", () => {
  const body = { configuration: { "event.poller.configuration": { contacts: { url: "/c" } } } };
  setAt(body, [...R, "everyHours"], 24);
  setAt(body, [...R, "maxDrop"], 0.2);
  setAt(body, [...R, "maxDrop"], undefined);
  dropIfEmpty(body, R);
  assert.deepEqual(body.configuration["event.poller.configuration"].contacts, {
    url: "/c",
    reconcile: { everyHours: 24 },
  });
  setAt(body, [...R, "everyHours"], undefined);
  dropIfEmpty(body, R);
  assert.deepEqual(body.configuration["event.poller.configuration"].contacts, { url: "/c" });

  // a key the form has no field for keeps its object
  const kept = { r: { everyHours: 1, note: "mine" } };
  setAt(kept, ["r", "everyHours"], undefined);
  dropIfEmpty(kept, ["r"]);
  assert.deepEqual(kept, { r: { note: "mine" } });
  // a value that is not an object, an array, or nothing at all: left as they are
  for (const v of [true, "text", [], 0]) {
    const o = { r: v };
    dropIfEmpty(o, ["r"]);
    assert.deepEqual(o, { r: v });
  }
  const empty = {};
  dropIfEmpty(empty, ["a", "b"]);
  assert.deepEqual(empty, {});
});
