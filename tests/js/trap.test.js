// A trap in the wasm core (a bug, never bad input) costs one call, not the process: the call
// fails with PollerError `internal`, the instance is retired, and the next call runs on a
// fresh one. The trap is forced on purpose, so the test does not depend on a bug existing:
// the live instance's memory is overwritten while a call is inside the core, as a memory
// corruption would leave it. The overwrite happens from a setter on Object.prototype, which
// the core's result objects reach while the call still holds the body borrowed: exactly the
// state in which freeing the body used to throw instead of reporting the trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectChanges, parseDate, BodyBuffer, PollCycle, PollerError } from "elements-poller";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { rawExports } from "../../pkg/src/instance.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

const resource = { name: "a", idField: "id", datesConfiguration: { updatedDateField: "d" } };
const body = '[{"id": 1, "d": "2024-01-01T00:00:00.000Z"}]';

/** Runs `f` with the wasm memory overwritten the first time a result object gets `stats`. */
function corruptedDuring(f) {
  let armed = true;
  Object.defineProperty(Object.prototype, "stats", {
    configurable: true,
    set(v) {
      Object.defineProperty(this, "stats", { value: v, writable: true, enumerable: true, configurable: true });
      if (armed) {
        armed = false;
        new Uint8Array(rawExports().memory.buffer).fill(0xff);
      }
    },
  });
  try {
    return f();
  } finally {
    delete Object.prototype.stats;
  }
}

function assertInternal(f) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof PollerError, `a PollerError, not ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.code, "internal");
    assert.ok(e.cause instanceof WebAssembly.RuntimeError, "the trap is the cause");
    return true;
  });
}

test("a trap inside detectChanges is PollerError internal, and the next call uses a fresh instance", () => {
  assert.equal(detectChanges({ resource, body, startFrom: "beginning" }).events.length, 1);
  // A Uint8Array body: withBody's own buffer is freed after the trap, which must not replace it.
  assertInternal(() =>
    corruptedDuring(() => detectChanges({ resource, body: new TextEncoder().encode(body), startFrom: "beginning" })),
  );
  assert.equal(parseDate("2024-03-10", "yyyy-MM-dd"), Date.UTC(2024, 2, 10));
  assert.equal(detectChanges({ resource, body, startFrom: "beginning" }).events.length, 1);
});

test("a caller's BodyBuffer stays freeable after a trap; using it says its bytes were lost", () => {
  const buffer = BodyBuffer.from(body);
  assertInternal(() => corruptedDuring(() => detectChanges({ resource, body: buffer, startFrom: "beginning" })));
  assert.throws(
    () => buffer.length,
    (e) => e instanceof PollerError && e.code === "internal" && /lost/.test(e.message),
  );
  buffer.free();
  buffer.free();
  assert.throws(
    () => buffer.length,
    (e) => e instanceof PollerError && e.code === "argument.body",
  );
  // New buffers live in the new instance.
  const fresh = BodyBuffer.from(body);
  assert.equal(detectChanges({ resource, body: fresh, startFrom: "beginning" }).events.length, 1);
  fresh.free();
});

test("a PollCycle of a retired instance says so instead of touching the new one", () => {
  const cycle = new PollCycle({ resource: { ...resource, url: "/hubs/crm/a" }, baseUrl: "https://hub.example" });
  assert.ok(cycle.nextRequest());
  assertInternal(() => corruptedDuring(() => detectChanges({ resource, body, startFrom: "beginning" })));
  assert.throws(
    () => cycle.nextRequest(),
    (e) => e instanceof PollerError && e.code === "internal" && /lost/.test(e.message),
  );
  const again = new PollCycle({ resource: { ...resource, url: "/hubs/crm/a" }, baseUrl: "https://hub.example" });
  assert.ok(again.nextRequest());
});

test("objects of a retired instance that are garbage-collected never free into the new one", async () => {
  // Thousands of unfreed buffers of a retired instance, collected while the new one works:
  // their finalizers must not free pointers in the new instance's heap.
  let lost = Array.from({ length: 2000 }, () => BodyBuffer.from(body));
  assertInternal(() => corruptedDuring(() => detectChanges({ resource, body, startFrom: "beginning" })));
  const live = Array.from({ length: 200 }, (_, i) =>
    BodyBuffer.from(`[{"id": ${i}, "d": "2024-01-01T00:00:00.000Z"}]`),
  );
  lost = null;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  for (const [i, b] of live.entries())
    assert.equal(detectChanges({ resource, body: b, startFrom: "beginning" }).events[0].objectId, String(i));
  assert.equal(lost, null);
});
