// A short seeded fuzz of the JS API (issue 13): a few thousand hostile inputs across
// validateConfig, normalizeConfig, detectChanges and PollCycle. Every failure must be a
// PollerError that is not `internal` (a trap of the wasm module surfaces as `internal`), and a
// canary call after each failure must still work: one bad input never breaks the module.
// `FUZZ_SEED=n node --test tests/js/fuzz.test.js` replays another seed; a failure names its
// seed and case.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildInstance,
  detectChanges,
  normalizeConfig,
  parseDate,
  validateConfig,
  PollCycle,
  PollerError,
} from "elements-poller";

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = 750; // per function

/** mulberry32: small, seeded, good enough to pick mutations. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  200.9,
  65736,
  -65336,
  2 ** 32 + 200,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  2 ** 63,
  2 ** 64,
  1e16,
  1e21,
  8.64e15,
  8.64e15 + 1,
  -8.64e15 - 1,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.NaN,
  Infinity,
  -Infinity,
  1710054309042,
  1710054309.5,
];
// Number literals as JSON text: beyond what a JS number (or a 64-bit integer) holds.
const NUMBER_TEXT = [
  "12345678901234567890",
  "-9223372036854775809",
  "9007199254740993",
  "1e400",
  "-0",
  "0.0000000000000000000001",
  "123456789012345678901234567890",
];
const STRINGS = [
  "",
  " ",
  "now",
  "beginning",
  "2024-03-10T07:05:09.042Z",
  "99999999-01-01T00:00:00.000Z",
  "+275760-09-13T00:00:00.000Z",
  "0000-01-01T00:00:00.000Z",
  "2023-02-29T00:00:00.000Z",
  "${",
  "${}",
  "${gmtDate:",
  "${dateTimeZone::::}",
  "${epoch:s}",
  "{gmtDate:yyyy}",
  "'",
  "YYYY-MM-dd",
  "milliseconds",
  "timestamp",
  "iso8601",
  "GMT",
  "Mars/Base",
  "a.b[0]['c.d']",
  "[",
  'é\u0000\n"\\',
  "\ud800",
  "%E0%A4%A",
  "x".repeat(5000),
  "${}".repeat(6000),
];

function fuzzer(seed) {
  const rand = prng(seed);
  const int = (n) => Math.floor(rand() * n);
  const pick = (xs) => xs[int(xs.length)];
  const value = (depth = 0) => {
    switch (int(depth > 2 ? 4 : 7)) {
      case 0:
        return pick(NUMBERS);
      case 1:
        return pick(STRINGS);
      case 2:
        return pick([null, true, false]);
      case 3:
        return int(1000);
      case 4:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      case 5:
        return Object.fromEntries(
          Array.from({ length: int(4) }, () => [
            pick(["id", "url", "name", "v", "seen", "x", pick(STRINGS)]),
            value(depth + 1),
          ]),
        );
      default:
        return pick(STRINGS) + pick(STRINGS);
    }
  };
  /** Replaces, deletes or adds one value somewhere in a (cloned) JSON value. */
  const mutate = (root) => {
    const v = structuredClone(root);
    let node = v;
    for (let d = 0; d < 6; d++) {
      const keys = node && typeof node === "object" ? Object.keys(node) : [];
      if (keys.length === 0) break;
      const k = pick(keys);
      const child = node[k];
      if (child && typeof child === "object" && rand() < 0.7) {
        node = child;
        continue;
      }
      const r = rand();
      if (r < 0.6) node[k] = value();
      else if (r < 0.8) delete node[k];
      else node[Array.isArray(node) ? node.length : pick(STRINGS)] = value();
      break;
    }
    return v;
  };
  /** Splices hostile text into JSON text: broken syntax, huge numbers, escapes, deep nesting. */
  const mangle = (text) => {
    let s = text;
    for (let n = 1 + int(3); n > 0; n--) {
      const at = int(s.length + 1);
      const r = rand();
      const piece =
        r < 0.3
          ? pick(NUMBER_TEXT)
          : r < 0.5
            ? pick(['"', "{", "}", "[", "]", ",", ":", "\\", "\\u12", "null"])
            : r < 0.6
              ? "[".repeat(int(3000))
              : JSON.stringify(pick(STRINGS));
      s = rand() < 0.3 ? s.slice(0, at) + s.slice(at + int(20)) : s.slice(0, at) + piece + s.slice(at);
    }
    return s;
  };
  return { rand, int, pick, value, mutate, mangle };
}

const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const instance = buildInstance({
  element: "infusionsoftrest",
  name: "fuzz",
  code: "grant",
  oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
  callbackUrl: "https://app.example.com/events",
  signatureKey: "key",
  resources: ["appointments", "contacts"],
});
const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
  idField: "id",
  datesConfiguration: { updatedDateField: "modification_date", createdDateField: "created_date" },
};
const records = [
  { id: 1, modification_date: "2024-03-10T07:05:09.042Z", created_date: "2024-03-10T07:05:09.042Z" },
  {
    id: "b",
    modification_date: "2024-03-10T07:05:10.000Z",
    created_date: "2024-01-01T00:00:00.000Z",
    extra: { n: [1, 2] },
  },
];
const state = { v: 1, watermark: 1710054309042, from: 1710054000000, seen: [["1", 1710054309042]] };

/** A failure must be a PollerError that is not a trap, and the module must still answer. */
function expectClean(e, where) {
  assert.ok(e instanceof PollerError, `${where}: threw ${e?.constructor?.name}: ${e?.message}`);
  assert.notEqual(e.code, "internal", `${where}: the core trapped: ${e.message}`);
  assert.equal(
    parseDate("2024-03-10T07:05:09.042Z", ISO),
    1710054309042,
    `${where}: the canary parseDate failed after ${e.code}`,
  );
  const canary = detectChanges({ resource, startFrom: "beginning", body: JSON.stringify(records) });
  assert.equal(canary.events.length, 2, `${where}: the canary detectChanges failed after ${e.code}`);
}

function run(name, f) {
  test(`fuzz ${name}: ${CASES} cases, seed ${SEED}`, (t) => {
    const fz = fuzzer(SEED ^ [...name].reduce((h, c) => Math.imul(h, 31) + c.charCodeAt(0), 7));
    const codes = new Map();
    for (let i = 0; i < CASES; i++) {
      const where = `${name} case ${i} (FUZZ_SEED=${SEED})`;
      try {
        f(fz, where);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        expectClean(e, where);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    t.diagnostic(`errors by code: ${JSON.stringify(Object.fromEntries(codes))}`);
  });
}

run("validateConfig", (fz, where) => {
  const input = fz.rand() < 0.5 ? fz.mutate(instance) : fz.mangle(JSON.stringify(fz.mutate(instance)));
  const out = validateConfig(input); // never throws, whatever the input
  assert.equal(typeof out.ok, "boolean", where);
  assert.ok(Array.isArray(out.diagnostics), where);
});

run("normalizeConfig", (fz) => {
  normalizeConfig(fz.rand() < 0.5 ? fz.mutate(instance) : fz.mangle(JSON.stringify(instance)));
});

run("detectChanges", (fz) => {
  const body = fz.rand() < 0.5 ? JSON.stringify(fz.mutate(records)) : fz.mangle(JSON.stringify(records));
  detectChanges({
    resource: fz.rand() < 0.7 ? fz.mutate(resource) : resource,
    state: fz.pick([null, state, fz.mutate(state), fz.mangle(JSON.stringify(state))]),
    startFrom: fz.pick(["now", "beginning", "2024-01-01T00:00:00Z", fz.pick(STRINGS)]),
    now: fz.pick([1710054309042, fz.pick(NUMBERS.filter(Number.isFinite))]),
    raw: fz.rand() < 0.5,
    body,
  });
});

run("PollCycle", (fz) => {
  const cycle = new PollCycle({
    resource: fz.rand() < 0.5 ? fz.mutate(resource) : resource,
    state: fz.pick([null, state, fz.mutate(state)]),
    baseUrl: "http://hub.invalid/elements/api-v2",
    startFrom: "beginning",
    now: 1710054309042,
    seed: fz.int(1000),
    retry: { maxRetries: fz.int(3), baseMs: fz.pick([1, 1000, 2 ** 53]), maxMs: fz.pick([1, 60000, 1e300]) },
  });
  for (let n = 0; n < 12; n++) {
    const req = cycle.nextRequest();
    if (req === null) break;
    assert.ok(req.delayMs >= 0 && req.delayMs <= 86_400_000, `delay ${req.delayMs}`);
    const headers = {};
    for (const h of ["date", "retry-after", "elements-next-page-token", "x-keap-product-throttle-expiry-time"]) {
      if (fz.rand() < 0.3)
        headers[h] = String(fz.pick([...STRINGS, ...NUMBERS, "Sun, 10 Mar 2024 07:05:09 GMT", "tok"]));
    }
    const status = fz.rand() < 0.5 ? 200 : fz.pick([...NUMBERS, 401, 403, 429, 500, 503, 404, 301]);
    const body = fz.rand() < 0.5 ? JSON.stringify(fz.mutate(records)) : fz.mangle(JSON.stringify(records));
    cycle.handleResponse({ status, headers, body });
  }
  cycle.finish();
});
