// The package's functions, imported as a user imports them.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseDate,
  formatDate,
  validateConfig,
  detectChanges,
  BodyBuffer,
  PollCycle,
  PollerError,
} from "elements-poller";

const ISO_MS = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

test("parseDate reads the seed's pattern in GMT", () => {
  assert.equal(parseDate("2024-03-10T07:05:09.042Z", ISO_MS), Date.UTC(2024, 2, 10, 7, 5, 9, 42));
  assert.equal(parseDate("2024-03-10T07:05:09.042Z", ISO_MS, "GMT"), Date.UTC(2024, 2, 10, 7, 5, 9, 42));
});

test("formatDate writes the seed's pattern in GMT", () => {
  assert.equal(formatDate(Date.UTC(2024, 2, 10, 7, 5, 9, 42), ISO_MS), "2024-03-10T07:05:09.042Z");
  assert.equal(formatDate(new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), ISO_MS), "1999-12-31T23:59:59.999Z");
});

test("parse failures are PollerErrors with code and column", () => {
  assert.throws(
    () => parseDate("2024-03-10 07:05:09.042Z", ISO_MS),
    (e) => {
      assert.ok(e instanceof PollerError);
      assert.ok(e instanceof Error);
      assert.equal(e.name, "PollerError");
      assert.equal(e.code, "date.parse.literal");
      assert.equal(e.column, 10);
      return true;
    },
  );
  assert.throws(() => parseDate(42, ISO_MS), { name: "PollerError", code: "argument.type" });
  assert.throws(() => formatDate(0, ISO_MS, "Nowhere/Atlantis"), { name: "PollerError", code: "zone.unknown" });
});

test("validateConfig never throws, whatever it is given", () => {
  const cyclic = {};
  cyclic.self = cyclic;
  for (const input of [undefined, null, 42, "{not json", "[]", [], cyclic, () => 1, { configuration: 5 }]) {
    const r = validateConfig(input);
    assert.equal(r.ok, false, `input ${String(input)}`);
    assert.ok(r.diagnostics.length > 0);
    for (const d of r.diagnostics) assert.ok(d.code && typeof d.path === "string" && d.message);
  }
});

test("validateConfig reports missing keys at their paths", () => {
  const r = validateConfig({ element: { key: "infusionsoftrest" }, name: "x", configuration: {} });
  assert.equal(r.ok, false);
  const paths = r.diagnostics.map((d) => d.path);
  assert.ok(paths.includes('configuration["oauth.api.key"]'), paths.join(", "));
});

test("detectChanges classifies records against a watermark", () => {
  const resource = {
    name: "appointments",
    idField: "id",
    datesConfiguration: {
      updatedDateField: "modification_date",
      updatedDateFormat: ISO_MS,
      createdDateField: "creation_date",
      createdDateFormat: ISO_MS,
    },
  };
  const body = new TextEncoder().encode(
    JSON.stringify([
      { id: 1, creation_date: "2024-01-01T00:00:00.000Z", modification_date: "2024-01-01T00:00:00.000Z" },
      { id: 2, creation_date: "2024-01-02T00:00:00.000Z", modification_date: "2024-01-02T00:00:00.000Z" },
      { id: 3, creation_date: "2023-12-01T00:00:00.000Z", modification_date: "2024-01-03T00:00:00.000Z" },
    ]),
  );
  const first = detectChanges({
    resource,
    state: null,
    startFrom: "2024-01-01T12:00:00Z",
    body,
    now: Date.UTC(2024, 0, 4),
  });
  assert.deepEqual(
    first.events.map((e) => [e.eventType, e.objectId]),
    [
      ["CREATED", "2"],
      ["UPDATED", "3"],
    ],
  );
  assert.equal(first.stats.records, 3);
  // The same body again, from the saved state: nothing new.
  const again = detectChanges({
    resource,
    state: JSON.parse(JSON.stringify(first.state)),
    body,
    now: Date.UTC(2024, 0, 5),
  });
  assert.deepEqual(again.events, []);
});

test("BodyBuffer: a body streamed into wasm memory in chunks reads as the same bytes do", async () => {
  const resource = {
    name: "appointments",
    idField: "id",
    datesConfiguration: { updatedDateField: "modification_date", updatedDateFormat: ISO_MS },
  };
  // Large enough that wasm memory grows while it is written: every chunk's view is taken anew.
  const records = Array.from({ length: 40_000 }, (_, i) => ({
    id: i,
    note: 'é"x'.repeat(i % 9),
    modification_date: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
  }));
  const bytes = new TextEncoder().encode(JSON.stringify(records));
  const opts = { resource, state: null, startFrom: "2024-01-20T00:00:00Z", now: Date.UTC(2025, 0, 1) };
  const want = detectChanges({ ...opts, body: bytes });
  assert.ok(want.events.length > 10_000, `${want.events.length} events`);

  const chunks = (size) =>
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, k) => bytes.subarray(k * size, (k + 1) * size));
  const web = new ReadableStream({
    start(c) {
      for (const chunk of chunks(7_777)) c.enqueue(chunk);
      c.close();
    },
  });
  const streamed = await BodyBuffer.fromStream(web);
  assert.equal(streamed.length, bytes.length);
  assert.deepEqual(detectChanges({ ...opts, body: streamed }), want);
  assert.deepEqual(detectChanges({ ...opts, body: streamed }), want, "a buffer can be read again");
  streamed.free();
  assert.throws(() => detectChanges({ ...opts, body: streamed }), { name: "PollerError", code: "argument.body" });
  assert.throws(() => streamed.write("x"), { name: "PollerError", code: "argument.body" });
  assert.throws(() => streamed.length, { name: "PollerError", code: "argument.body" });
  streamed.free(); // twice is harmless

  async function* iterable() {
    yield* chunks(65_536);
  }
  const fromIterable = await BodyBuffer.fromStream(iterable(), { capacity: bytes.length });
  assert.deepEqual(detectChanges({ ...opts, body: fromIterable }), want);

  const fromResponse = await BodyBuffer.fromResponse(
    new Response(bytes, { headers: { "content-length": String(bytes.length) } }),
  );
  assert.deepEqual(detectChanges({ ...opts, body: fromResponse }), want);
  // A content-length no memory can hold is only a hint: the body is still read.
  const lying = await BodyBuffer.fromResponse(
    new Response(bytes, { headers: { "content-length": String(2 ** 32 - 16) } }),
  );
  assert.deepEqual(detectChanges({ ...opts, body: lying }), want);
  assert.equal(new BodyBuffer(2 ** 52).write("[]").length, 2);
  assert.deepEqual(detectChanges({ ...opts, body: BodyBuffer.from(bytes) }), want);
  assert.deepEqual(
    detectChanges({ ...opts, body: new BodyBuffer().write(JSON.stringify(records)) }),
    want,
    "text is written as UTF-8",
  );

  await assert.rejects(BodyBuffer.fromStream(42), { name: "PollerError", code: "argument.stream" });
  const broken = new ReadableStream({
    start(c) {
      c.enqueue(bytes.subarray(0, 100));
      c.error(new Error("connection reset"));
    },
  });
  await assert.rejects(BodyBuffer.fromStream(broken), /connection reset/);
  assert.throws(() => new BodyBuffer(-1), { name: "PollerError", code: "argument.capacity" });
  assert.throws(() => BodyBuffer.from(42), { name: "PollerError", code: "argument.body" });
});

test("PollCycle.handleResponse takes a BodyBuffer as it takes bytes", () => {
  const resource = {
    name: "contacts",
    url: "/hubs/crm/contacts",
    idField: "id",
    datesConfiguration: { updatedDateField: "updated", updatedDateFormat: ISO_MS },
  };
  const body = JSON.stringify([{ id: "a", updated: "2024-02-01T00:00:00.000Z" }]);
  const run = (b) => {
    const cycle = new PollCycle({
      resource,
      baseUrl: "http://hub.invalid/elements/api-v2",
      startFrom: "2024-01-01T00:00:00Z",
      now: Date.UTC(2024, 2, 1),
    });
    assert.ok(cycle.nextRequest());
    cycle.handleResponse({ status: 200, headers: {}, body: b });
    assert.equal(cycle.nextRequest(), null);
    return cycle.finish();
  };
  const want = run(new TextEncoder().encode(body));
  assert.deepEqual(
    want.events.map((e) => e.objectId),
    ["a"],
  );
  assert.deepEqual(run(BodyBuffer.from(body)), want);
});

test("lintDateFormat: pitfalls as warnings, a broken pattern or zone as an error", async () => {
  const { lintDateFormat } = await import("elements-poller");
  assert.deepEqual(lintDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "GMT"), []);
  assert.deepEqual(
    lintDateFormat("YYYY-MM-dd HH:mm").map((d) => [d.severity, d.code]),
    [["warning", "date-format.week-year"]],
  );
  const [broken] = lintDateFormat("yyyy-MM-dd'T");
  assert.equal(broken.severity, "error");
  assert.equal(broken.code, "date-format.unterminated-quote");
  assert.ok(lintDateFormat("yyyy", "Mars/Base").some((d) => d.code === "zone.unknown"));
});
