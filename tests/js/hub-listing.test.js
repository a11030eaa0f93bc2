// The hub's answers as pure functions (pkg/src/hub/listing.js): no server, no clock; the
// instant, the query and the drawn fault are arguments. hub.test.js drives the same code over
// HTTP through the simulator.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import {
  hubRead,
  hubFilter,
  hubPaging,
  pageOf,
  spoiled,
  throttleHeaders,
  visibleRows,
  encodeToken,
  decodeToken,
} from "../../pkg/src/hub/listing.js";
import { ResourceTable, prng } from "../../pkg/src/hub/records.js";

const T0 = Date.UTC(2024, 0, 10, 12, 0, 0);
const MIN = 60000;
const NONE = { fault: "none", retryAfter: 1 };

/** Tasks updated at T0 - 10 min, -9 min, ...; two of them share an instant; one not yet visible. */
function tasks() {
  const t = new ResourceTable("tasks", prng(7));
  for (let i = 0; i < 6; i++) {
    const updated = T0 - (10 - i) * MIN;
    t.create({ created: updated - MIN, updated, at: T0 - 20 * MIN, fields: { title: `task ${i}`, priority: i % 3 } });
  }
  // shares the updated instant of the third record: the page order falls back on the id
  t.create({
    created: T0 - 30 * MIN,
    updated: T0 - 8 * MIN,
    at: T0 - 20 * MIN,
    fields: { title: "twin", priority: 9 },
  });
  // written now, visible in a minute (a lagging search index)
  t.create({ created: T0, at: T0, visibleAt: T0 + MIN, fields: { title: "late", priority: 1 } });
  return t;
}

const at = (o = {}) => ({ now: T0, dateMs: T0, fault: NONE, requestId: "sim-1-000001", ...o });
const read = (table, search, o) => hubRead(table, { params: new URLSearchParams(search) }, at(o));
const titles = (reply) => reply.body.map((r) => r.title);

describe("the where clause", () => {
  const t = tasks();

  test("a date comparison compares instants, whatever the literal's precision or offset", () => {
    const r = read(t, { where: "modification_date >= '2024-01-10T11:53:00Z'" });
    assert.equal(r.status, 200);
    assert.deepEqual(titles(r), ["task 3", "task 4", "task 5"]);
    const offset = read(t, { where: "modification_date >= '2024-01-10T12:53:00+01:00'" });
    assert.deepEqual(titles(offset), titles(r));
  });

  test("and, or, like, in and nested fields", () => {
    assert.deepEqual(titles(read(t, { where: "priority = 0 or title like 'tw%'" })), ["task 0", "twin", "task 3"]);
    assert.deepEqual(titles(read(t, { where: "priority in (1, 2) and not title = 'task 1'" })), [
      "task 2",
      "task 4",
      "task 5",
    ]);
    const some = t.latest()[0].record;
    assert.equal(read(t, { where: `contact.id = ${some.contact.id} and id = ${some.id}` }).body[0].id, some.id);
  });

  test("no clause, or a blank one, keeps every visible record", () => {
    assert.equal(read(t, {}).body.length, 7);
    assert.equal(read(t, { where: "  " }).body.length, 7);
  });

  test("an unknown field, a date literal that is no instant and bad syntax are a 400 with the hub's error body", () => {
    for (const [where, says] of [
      ["nosuch = 1", "Unknown field 'nosuch' for tasks"],
      ["modification_date > 'yesterday'", "modification_date"],
      ["title = ", "Invalid where clause"],
    ]) {
      const r = read(t, { where });
      assert.equal(r.status, 400, where);
      assert.match(r.body.message, /^Invalid where clause: /);
      assert.ok(r.body.message.includes(says), r.body.message);
      assert.equal(r.body.requestId, "sim-1-000001");
    }
  });

  test("hubFilter says why instead of throwing", () => {
    assert.deepEqual(Object.keys(hubFilter(t, "nosuch = 1")), ["error"]);
    assert.equal(typeof hubFilter(t, null).test, "function");
  });
});

describe("paging", () => {
  const t = tasks();

  test("pages in updated order, then id; the token leads on until the last page, which has none", () => {
    const seen = [];
    let token = "";
    let pages = 0;
    do {
      const r = read(t, { pageSize: "3", ...(token ? { nextPage: token } : {}) });
      assert.equal(r.status, 200);
      assert.equal(r.headers["elements-total-count"], "7");
      assert.equal(r.headers["elements-returned-count"], String(r.body.length));
      seen.push(...titles(r));
      token = r.headers["elements-next-page-token"] ?? "";
      pages++;
    } while (token);
    assert.equal(pages, 3);
    // "twin" shares task 2's instant and has the larger id, so it comes right after it
    assert.deepEqual(seen, ["task 0", "task 1", "task 2", "twin", "task 3", "task 4", "task 5"]);
  });

  test("a page that ends exactly at the last row has no token", () => {
    const r = read(t, { pageSize: "7" });
    assert.equal(r.body.length, 7);
    assert.equal(r.headers["elements-next-page-token"], undefined);
  });

  test("pageSize must be a positive integer, is capped at 5000 and defaults to 200; a token must be the hub's", () => {
    assert.equal(read(t, { pageSize: "0" }).status, 400);
    assert.equal(read(t, { pageSize: "2.5" }).status, 400);
    assert.match(read(t, { pageSize: "x" }).body.message, /pageSize must be a positive integer, not 'x'/);
    assert.deepEqual(hubPaging(new URLSearchParams({ pageSize: "999999" })), { size: 5000, offset: 0 });
    assert.deepEqual(hubPaging(new URLSearchParams()), { size: 200, offset: 0 });
    const bad = read(t, { nextPage: "garbage" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /Invalid nextPage token 'garbage'/);
    assert.equal(decodeToken(encodeToken(41)), 41);
    assert.equal(decodeToken(Buffer.from(JSON.stringify({ o: -1 })).toString("base64url")), undefined);
  });

  test("pageOf is the generic cut: items, total and the next offset while rows remain", () => {
    assert.deepEqual(pageOf([1, 2, 3, 4, 5], 0, 2), { items: [1, 2], total: 5, next: 2 });
    assert.deepEqual(pageOf([1, 2, 3, 4, 5], 4, 2), { items: [5], total: 5 });
    assert.deepEqual(pageOf([1, 2, 3, 4], 2, 2), { items: [3, 4], total: 4 });
    assert.deepEqual(pageOf([], 0, 200), { items: [], total: 0 });
  });
});

describe("visibility and single records", () => {
  const t = tasks();

  test("a version shows from its visibleAt on, in lists and by id", () => {
    const late = t.latest().find((v) => v.record.title === "late").record;
    assert.ok(!titles(read(t, {})).includes("late"));
    assert.equal(hubRead(t, { id: String(late.id), params: new URLSearchParams() }, at()).status, 404);
    assert.ok(titles(read(t, {}, { now: T0 + MIN })).includes("late"));
    const one = hubRead(t, { id: String(late.id), params: new URLSearchParams() }, at({ now: T0 + MIN }));
    assert.equal(one.status, 200);
    assert.equal(one.body.title, "late");
    assert.deepEqual(
      visibleRows(t, T0 + MIN, (r) => r.title === "late").map((r) => r.id),
      [late.id],
    );
  });

  test("an unknown id is a 404 naming it", () => {
    const r = hubRead(t, { id: "424242", params: new URLSearchParams() }, at());
    assert.equal(r.status, 404);
    assert.equal(r.body.message, "No tasks record with id 424242");
  });
});

describe("faults", () => {
  const t = tasks();

  test("the Date header is the provider's clock (with its skew), not the instant that decides visibility", () => {
    const r = read(t, {}, { dateMs: T0 + 90 * MIN });
    assert.equal(r.headers.date, new Date(T0 + 90 * MIN).toUTCString());
    assert.equal(r.body.length, 7);
  });

  test("a throttle is a 429 with Retry-After and Keap's throttle headers, expiring on the provider's clock", () => {
    const r = read(t, {}, { fault: { fault: "throttle", status: 429, retryAfter: 7 }, dateMs: T0 + 5000 });
    assert.equal(r.status, 429);
    assert.equal(r.headers["retry-after"], "7");
    assert.equal(r.headers["x-keap-product-throttle-available"], "0");
    assert.equal(r.headers["x-keap-product-throttle-expiry-time"], new Date(T0 + 12000).toISOString());
    assert.deepEqual(r.body, { requestId: "sim-1-000001", message: "Request Throttled" });
    assert.deepEqual(
      throttleHeaders(7, T0 + 5000),
      Object.fromEntries(Object.entries(r.headers).filter(([k]) => k !== "date")),
    );
  });

  test("a server error answers its status before the query is even read", () => {
    const r = read(t, { where: "nosuch = 1" }, { fault: { fault: "serverError", status: 502, retryAfter: 1 } });
    assert.equal(r.status, 502);
    assert.match(r.body.message, /Service Unavailable/);
  });

  test("latency and none leave the answer alone", () => {
    const plain = read(t, { pageSize: "2" });
    assert.deepEqual(read(t, { pageSize: "2" }, { fault: { fault: "latency", retryAfter: 1 } }), plain);
  });
});

describe("truncation", () => {
  const t = tasks();
  const plain = read(t, {});
  const whole = Buffer.from(JSON.stringify(plain.body));

  test("truncate: a clean end after half the JSON bytes, so the body is not JSON", () => {
    const r = read(t, {}, { fault: { fault: "truncate", retryAfter: 1 } });
    assert.equal(r.status, 200);
    assert.equal(r.abort, undefined);
    assert.equal(typeof r.body, "string");
    assert.equal(r.body, whole.subarray(0, Math.floor(whole.length / 2)).toString());
    assert.throws(() => JSON.parse(r.body));
    assert.deepEqual(r.headers, plain.headers);
  });

  test("abort: the whole length announced, half the bytes, then the adapter destroys the socket", () => {
    const r = read(t, {}, { fault: { fault: "abort", retryAfter: 1 } });
    assert.equal(r.abort, true);
    assert.equal(r.headers["content-length"], String(whole.length));
    assert.deepEqual(Buffer.from(r.body), whole.subarray(0, Math.floor(whole.length / 2)));
  });

  test("at least one byte is kept, and errors and single records are not spoiled", () => {
    assert.equal(spoiled({ status: 200, headers: {}, body: "[" }, { fault: "truncate", retryAfter: 1 }).body, "[");
    const bad = read(t, { pageSize: "0" }, { fault: { fault: "truncate", retryAfter: 1 } });
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body, "object");
    const id = String(plain.body[0].id);
    const one = hubRead(t, { id, params: new URLSearchParams() }, at({ fault: { fault: "truncate", retryAfter: 1 } }));
    assert.equal(one.body.id, plain.body[0].id);
  });
});
