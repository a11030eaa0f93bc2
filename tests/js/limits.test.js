// Issue 13, items 4 to 6 through the package: numbers JS cannot hold, statuses that are not
// HTTP statuses, and url templates of any size. Each of these trapped the module, misread a
// status or took seconds before.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildInstance,
  detectChanges,
  normalizeConfig,
  validateConfig,
  renderPollUrl,
  Poller,
  PollCycle,
  PollerError,
} from "elements-poller";

const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments",
  idField: "id",
  datesConfiguration: { updatedDateField: "modification_date" },
};
const FAR = "99999999-01-01T00:00:00.000Z"; // the default pattern reads years up to 99,999,999
const BIG = 12345678901234567890n; // above 2^64 / 2: serde_json reads it as a u64

function instance() {
  return buildInstance({
    element: "infusionsoftrest",
    name: "big",
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    resources: ["appointments"],
  });
}

test("normalizeConfig keeps an integer JS cannot hold, as its digits, on a body validateConfig accepts", () => {
  const text = JSON.stringify({ ...instance(), extra: "@" }).replace(
    '"@"',
    `{"big": ${BIG}, "neg": -9007199254740993, "safe": 9007199254740991}`,
  );
  assert.equal(validateConfig(text).ok, true);
  const out = normalizeConfig(text);
  assert.deepEqual(out.extra, { big: String(BIG), neg: "-9007199254740993", safe: 9007199254740991 });
  // A JS number of 2^60 is written by JSON.stringify as an integer beyond 2^53 too (as the
  // shortest digits that read back as it): those digits come back.
  assert.equal(normalizeConfig({ ...instance(), extra: 2 ** 60 }).extra, "1152921504606847000");
  // The Poller reads its instance with normalizeConfig: it trapped on such a body too.
  const poller = new Poller({
    instance: { ...instance(), extra: 2 ** 60 },
    baseUrl: "http://hub.invalid",
    auth: { user: "u", organization: "o", element: "e" },
    onEvents() {},
  });
  assert.ok(poller instanceof Poller);
});

test("detectChanges on a record dated year 99,999,999: no trap, and the state reads back exactly", () => {
  const body = JSON.stringify([{ id: 1, modification_date: FAR }]);
  const first = detectChanges({ resource, startFrom: "beginning", now: Date.UTC(2024, 0, 1), body });
  assert.deepEqual(
    first.events.map((e) => [e.objectId, e.date]),
    [["1", "+99999999-01-01T00:00:00.000Z"]],
  );
  // Wherever the state keeps that instant (in `seen` at least, to emit it only once), it is
  // the exact digits, not a rounded number.
  const { watermark, from, evicted, seen } = first.state;
  const big = [watermark, from, evicted, ...seen.map(([, at]) => at)].filter((at) => typeof at === "string");
  assert.ok(big.length >= 1, "an instant beyond 2^53 comes back as its digits");
  for (const at of big) assert.ok(/^\d+$/.test(at) && BigInt(at) > 2n ** 53n, at);
  // Saved as JSON and passed back: the version is known, nothing is emitted again.
  const saved = JSON.parse(JSON.stringify(first.state));
  const again = detectChanges({ resource, state: saved, now: Date.UTC(2024, 0, 1), body });
  assert.deepEqual(again.events, []);
});

test("detectChanges with raw records holding an integer beyond 2^53 and a saved state of extreme instants", () => {
  // Integers of 64 bits are kept exactly; beyond them JSON readers (JSON.parse too) read a float.
  const body = `[{"id": ${BIG}, "modification_date": "2024-03-10T07:05:09.042Z", "n": -9223372036854775808}]`;
  const out = detectChanges({ resource, startFrom: "beginning", body, raw: true });
  assert.equal(out.events[0].objectId, String(BIG));
  assert.equal(out.events[0].raw.n, "-9223372036854775808");
  assert.equal(out.events[0].raw.id, String(BIG));
  const state =
    '{"v":1,"watermark":-9223372036854775808,"from":null,"evicted":9223372036854775807,"seen":[["x",9223372036854775807]]}';
  const later = detectChanges({ resource, state, body });
  assert.equal(later.state.evicted, "9223372036854775807");
  assert.deepEqual(
    later.state.seen.find(([id]) => id === "x"),
    ["x", "9223372036854775807"],
  );
});

test("PollCycle.finish with a far-future date does not trap", () => {
  const cycle = new PollCycle({
    resource,
    baseUrl: "http://hub.invalid",
    startFrom: "beginning",
    now: Date.UTC(2024, 0, 1),
  });
  assert.ok(cycle.nextRequest());
  cycle.handleResponse({ status: 200, body: JSON.stringify([{ id: "f", modification_date: FAR }]) });
  assert.equal(cycle.nextRequest(), null);
  assert.deepEqual(
    cycle.finish().events.map((e) => e.objectId),
    ["f"],
  );
});

test("only whole numbers 100-599 are HTTP statuses: anything else is a transport failure, never cut to 16 bits", () => {
  const body = JSON.stringify([{ id: "a", modification_date: "2024-03-10T07:05:09.042Z" }]);
  const run = (status) => {
    const cycle = new PollCycle({
      resource,
      baseUrl: "http://hub.invalid",
      startFrom: "beginning",
      retry: { maxRetries: 0 },
    });
    cycle.nextRequest();
    cycle.handleResponse({ status, body });
    assert.equal(cycle.nextRequest(), null);
    return cycle.finish();
  };
  assert.equal(run(200).events.length, 1);
  // 65736 and 2^32 + 200 are 200 modulo 2^16, -65336 too; 200.9 truncates to 200.
  for (const status of [65736, -65336, 2 ** 32 + 200, 200.9, 0, Number.NaN, 99, 600, -1, Infinity]) {
    assert.throws(
      () => run(status),
      (e) => e instanceof PollerError && e.code === "cycle.retries-exhausted" && /HTTP 0 /.test(e.message),
      `status ${status}`,
    );
  }
});

test("a 1 MB url template: one clear diagnostic, and no call takes long", (t) => {
  const url = "/hubs/crm/appointments?q=" + "${}".repeat(350_000);
  const body = instance();
  body.configuration["event.poller.configuration"].appointments.url = url;
  const timed = (what, f) => {
    const t0 = performance.now();
    try {
      return f();
    } finally {
      t.diagnostic(`${what}: ${(performance.now() - t0).toFixed(1)} ms`);
    }
  };
  const v = timed("validateConfig", () => validateConfig(body));
  const long = v.diagnostics.filter((d) => d.code === "poller.url.too-long");
  assert.equal(long.length, 1);
  assert.equal(long[0].severity, "error");
  assert.equal(long[0].path, 'configuration["event.poller.configuration"].appointments.url');
  assert.ok(
    !v.diagnostics.some((d) => d.code === "poller.url.unknown-variable"),
    "the url is refused before it is parsed",
  );
  const big = { ...resource, url };
  assert.throws(() => timed("renderPollUrl", () => renderPollUrl(big, { watermark: 0 })), {
    name: "PollerError",
    code: "poller.url.too-long",
  });
  assert.throws(() => timed("new PollCycle", () => new PollCycle({ resource: big, baseUrl: "http://hub.invalid" })), {
    name: "PollerError",
    code: "poller.url.too-long",
  });
  // Below the limit the template is read variable by variable, columns included.
  const under = { ...resource, url: "/x?" + "é${}".repeat(3000) };
  body.configuration["event.poller.configuration"].appointments.url = under.url;
  const unknown = timed("validateConfig, 16 KB", () => validateConfig(body)).diagnostics.filter(
    (d) => d.code === "poller.url.unknown-variable",
  );
  assert.equal(unknown.length, 3000);
  assert.match(unknown[2999].message, /column 12001:/);
});
