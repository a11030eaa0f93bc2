// Issue 13: one hub record stamped far in the future (the default pattern reads year 99999999),
// with no Date header to cap it (a cross-origin browser fetch cannot read one), moved the
// watermark to the year 9999: the next url asked for ">= '9999-12-30T23:59:59Z'" and every later
// change was skipped without a word. Now it is emitted once, said so, and the watermark stays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { detectChanges, renderPollUrl, PollCycle } from "elements-poller";

const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  idField: "id",
  datesConfiguration: {
    updatedDateField: "modification_date",
    updatedDateFormat: ISO,
    createdDateField: "creation_date",
    createdDateFormat: ISO,
  },
};
const now = Date.parse("2026-12-01T08:00:00.000Z");
const record = (id, date) => ({ id, creation_date: "2026-12-01T07:00:00.000Z", modification_date: date });

test("a far-future record is emitted once and never moves the watermark", () => {
  const body = JSON.stringify([record(1, "2026-12-01T07:59:00.000Z"), record(2, "99999999-01-01T00:00:00.000Z")]);
  const first = detectChanges({ resource, startFrom: "beginning", body, now });
  assert.deepEqual(
    first.events.map((e) => e.objectId),
    ["1", "2"],
    "both are emitted",
  );
  assert.equal(first.stats.future, 1);
  const [d] = first.diagnostics.filter((x) => x.code === "record.future-date");
  assert.ok(d && d.message.includes('"2"'), JSON.stringify(first.diagnostics));
  assert.equal(
    first.state.watermark,
    Date.parse("2026-12-01T07:59:00.000Z"),
    "the watermark stays where time is plausible",
  );
  // What the next poll asks for is a minute ago, not the year 9999.
  const next = decodeURIComponent(renderPollUrl(resource, { state: first.state, now: now + 60_000 }));
  assert.match(next, /modification_date>='2026-12-01T07:58:59Z'/);
  // The next poll: a change made since is emitted; the far-future version is not repeated.
  const later = JSON.stringify([
    record(1, "2026-12-01T07:59:00.000Z"),
    record(2, "99999999-01-01T00:00:00.000Z"),
    record(3, "2026-12-01T08:00:30.000Z"),
  ]);
  const second = detectChanges({ resource, state: first.state, body: later, now: now + 60_000 });
  assert.deepEqual(
    second.events.map((e) => e.objectId),
    ["3"],
  );
  assert.equal(second.stats.future, 0);
});

test("the allowance is configurable, and a PollCycle without a Date header keeps it too", () => {
  const ahead = JSON.stringify([record(1, "2026-12-01T10:00:00.000Z")]); // a provider clock 2 h ahead
  assert.equal(
    detectChanges({ resource, startFrom: "beginning", body: ahead, now }).stats.future,
    0,
    "a day by default",
  );
  assert.equal(
    detectChanges({ resource, startFrom: "beginning", body: ahead, now, maxClockSkew: 3_600_000 }).stats.future,
    1,
  );
  assert.throws(() => detectChanges({ resource, body: ahead, now, maxClockSkew: -1 }), {
    code: "argument.max-clock-skew",
  });
  const cycle = new PollCycle({ resource, startFrom: "beginning", now, baseUrl: "https://hub.example" });
  cycle.nextRequest();
  cycle.handleResponse({ status: 200, headers: {}, body: JSON.stringify([record(2, "99999999-01-01T00:00:00.000Z")]) });
  assert.equal(cycle.nextRequest(), null);
  const out = cycle.finish();
  assert.equal(out.events.length, 1);
  assert.equal(out.state.watermark, null, "nothing plausible was read: the watermark stays unset");
});
