// Webhooks a receiver can trust: Standard Webhooks signing beside the Elements scheme,
// verifyNotification, replay protection, the CLI's verify, against the `standardwebhooks`
// package (the specification's own TypeScript library) and node:crypto as independent peers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { spawnSync } from "node:child_process";
import { Webhook } from "standardwebhooks";
import {
  buildNotifications,
  signNotification,
  verifyNotification,
  detectChanges,
  Poller,
  PollerError,
} from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { hubInstance } from "./helpers/instance.js";
import { cliAsync } from "./helpers/cli.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const RAW = "the-platform's-signature-key";
/** A raw key as Standard Webhooks writes it: `whsec_` + base64 of its UTF-8 bytes. */
const whsec = (raw) => `whsec_${Buffer.from(raw, "utf8").toString("base64")}`;
const SVIX_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const events = detectChanges({
  resource: { name: "appointments", idField: "id", datesConfiguration: { updatedDateField: "u" } },
  startFrom: "beginning",
  body: JSON.stringify(
    Array.from({ length: 12 }, (_, i) => ({ id: i, u: `2024-01-01T00:00:${String(i).padStart(2, "0")}.000Z` })),
  ),
  now: 0,
}).events;

const build = (options) =>
  buildNotifications(events, {
    callbackUrl: "https://hooks.example.com/in",
    signatureKey: RAW,
    signing: "standard",
    ...options,
  });
const codeOf = (f) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof PollerError, `a PollerError, not ${e}`);
    return e.code;
  }
  return "ok";
};
const theirs = (key, r, opts) => new Webhook(key).verify(r.body, r.headers, opts);

test("what we sign with Standard Webhooks, the standardwebhooks package verifies (raw and whsec_ keys)", () => {
  const requests = build();
  assert.equal(requests.length, 2, "12 events, 10 a notification");
  for (const r of requests) {
    assert.deepEqual(theirs(whsec(RAW), r), JSON.parse(r.body), "a raw key is whsec_ + base64 of its bytes");
    assert.match(r.headers["webhook-signature"], /^v1,[A-Za-z0-9+/]{43}=$/);
    assert.ok(Math.abs(Number(r.headers["webhook-timestamp"]) - Date.now() / 1000) < 60, "seconds of now");
    assert.equal(r.headers["Elements-Webhook-Signature"], undefined, "standard alone");
  }
  const [svix] = build({ signatureKey: SVIX_KEY });
  assert.ok(theirs(SVIX_KEY, svix));
  assert.throws(() => theirs(whsec("another key"), requests[0]), /No matching signature/);
});

test("what the standardwebhooks package signs, verifyNotification verifies", () => {
  const wh = new Webhook(whsec(RAW));
  const body = build()[0].body;
  const id = "msg_2mXn6TlwD5BdXB2Wn3ErGDg0V8g";
  const at = new Date();
  const headers = {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at / 1000)),
    "webhook-signature": wh.sign(id, at, body),
  };
  for (const key of [RAW, whsec(RAW)]) {
    const v = verifyNotification({ body, headers, key });
    assert.deepEqual(v.message, JSON.parse(body).message);
    assert.equal(v.id, id);
    assert.equal(v.scheme, "standard");
    assert.equal(v.timestamp, Math.floor(at / 1000));
  }
  // Raw bytes and Headers objects, as Node's http and fetch's Request give them.
  assert.equal(verifyNotification({ body: Buffer.from(body), headers: new Headers(headers), key: RAW }).id, id);
  assert.equal(
    verifyNotification({ body: new TextEncoder().encode(body).buffer, headers: Object.entries(headers), key: RAW }).id,
    id,
  );
});

test("a tampered body, a wrong key, an old timestamp and a replayed message each fail with their code", () => {
  const [r] = build({ now: Date.parse("2026-12-01T08:00:00Z") });
  const now = Date.parse("2026-12-01T08:04:00Z");
  assert.equal(verifyNotification({ ...r, key: RAW, now }).scheme, "standard");
  const tampered = r.body.replace('"objectId":"0"', '"objectId":"9"');
  assert.notEqual(tampered, r.body);
  assert.equal(
    codeOf(() => verifyNotification({ body: tampered, headers: r.headers, key: RAW, now })),
    "webhook.signature",
  );
  assert.equal(
    codeOf(() => verifyNotification({ ...r, key: "not the key", now })),
    "webhook.signature",
  );
  // A captured request replayed after the tolerance: authentic, but stale.
  const later = now + 10 * 60_000;
  assert.equal(
    codeOf(() => verifyNotification({ ...r, key: RAW, now: later })),
    "webhook.timestamp",
  );
  assert.equal(
    codeOf(() => verifyNotification({ ...r, key: RAW, now: later, toleranceSeconds: 3600 })),
    "ok",
  );
  // Replayed with its timestamp refreshed: the signature covers the old one.
  const refreshed = { ...r.headers, "webhook-timestamp": String(Math.floor(later / 1000)) };
  assert.equal(
    codeOf(() => verifyNotification({ body: r.body, headers: refreshed, key: RAW, now: later })),
    "webhook.signature",
  );
  // From a clock far ahead: too new.
  assert.equal(
    codeOf(() => verifyNotification({ ...r, key: RAW, now: now - 3600_000 })),
    "webhook.timestamp",
  );
  // The standardwebhooks package agrees on each (it reads the real clock: r is hours old).
  assert.throws(() => theirs(whsec(RAW), r), /too old/);
  const fresh = build()[0];
  assert.throws(
    () => theirs(whsec(RAW), { ...fresh, body: fresh.body.replace('"count":10', '"count":11') }),
    /No matching signature/,
  );
  // Headers that are not the scheme's, and bodies that are not notifications.
  const { "webhook-id": _id, ...noId } = r.headers;
  assert.equal(
    codeOf(() => verifyNotification({ body: r.body, headers: noId, key: RAW, now })),
    "webhook.malformed",
  );
  assert.equal(
    codeOf(() =>
      verifyNotification({ body: r.body, headers: { ...r.headers, "webhook-timestamp": "soon" }, key: RAW, now }),
    ),
    "webhook.malformed",
  );
  assert.equal(
    codeOf(() =>
      verifyNotification({ body: r.body, headers: [...Object.entries(r.headers), ["Webhook-Id", "x"]], key: RAW, now }),
    ),
    "webhook.malformed",
  );
  assert.equal(
    codeOf(() => verifyNotification({ body: r.body, headers: {}, key: RAW, now })),
    "webhook.signature",
    "unsigned",
  );
  assert.equal(
    codeOf(() => verifyNotification({ ...r, now })),
    "webhook.key",
  );
  assert.equal(
    codeOf(() => verifyNotification({ ...r, key: "whsec_***", now })),
    "webhook.key",
  );
  assert.equal(
    codeOf(() => verifyNotification({ body: JSON.parse(r.body), headers: r.headers, key: RAW, now })),
    "argument.body",
    "parsed JSON is not the signed bytes",
  );
});

test("the Elements scheme is checked against node:crypto; both schemes at once", () => {
  const [elements] = build({ signing: undefined });
  const want = `sha256=${createHmac("sha256", RAW).update(elements.body).digest("base64")}`;
  assert.equal(elements.headers["Elements-Webhook-Signature"], want);
  assert.equal(elements.headers["webhook-signature"], undefined, "elements is the default");
  const v = verifyNotification({ ...elements, key: RAW });
  assert.deepEqual([v.scheme, v.timestamp, v.id], ["elements", undefined, elements.headers["Elements-Webhook-Id"]]);
  // Signed by node:crypto alone, verified by us.
  const body = JSON.stringify({ message: { eventId: "e-1", count: 0, events: [] } });
  const headers = { "elements-webhook-signature": `sha256=${createHmac("sha256", RAW).update(body).digest("base64")}` };
  assert.equal(verifyNotification({ body, headers, key: RAW }).id, "e-1");
  assert.equal(
    codeOf(() => verifyNotification({ body: body + " ", headers, key: RAW })),
    "webhook.signature",
  );
  assert.equal(
    codeOf(() => verifyNotification({ body, headers, key: RAW, scheme: "standard" })),
    "webhook.signature",
    "a receiver that requires Standard Webhooks",
  );

  const [both] = build({ signing: "both" });
  assert.equal(
    both.headers["Elements-Webhook-Signature"],
    `sha256=${createHmac("sha256", RAW).update(both.body).digest("base64")}`,
  );
  assert.ok(theirs(whsec(RAW), both));
  assert.equal(
    verifyNotification({ ...both, key: RAW }).scheme,
    "standard",
    "Standard Webhooks when its headers are there",
  );
  assert.equal(verifyNotification({ ...both, key: RAW, scheme: "elements" }).scheme, "elements");
  assert.equal(
    codeOf(() => build({ signing: "svix" })),
    "webhook.signing",
  );
});

test("key rotation: a signature per key, and a receiver may hold several keys", () => {
  const [r] = build({ signatureKey: undefined, signatureKeys: ["new-key", whsec("old-key")] });
  assert.equal(r.headers["webhook-signature"].split(" ").length, 2);
  for (const key of ["new-key", "old-key"]) {
    assert.ok(theirs(whsec(key), r), key);
    assert.equal(verifyNotification({ ...r, key }).scheme, "standard");
  }
  assert.equal(
    verifyNotification({ ...build({ signatureKey: "old-key" })[0], keys: ["new-key", "old-key"] }).scheme,
    "standard",
  );
  assert.equal(
    codeOf(() => verifyNotification({ ...r, keys: ["retired"] })),
    "webhook.signature",
  );
});

test("webhook-id comes from the events: the same after a rebuild (a crash) and across attempts", () => {
  const [a] = build({ now: 1_000_000_000_000 });
  const [b] = build({ now: 1_000_000_360_000 });
  assert.equal(a.headers["webhook-id"], b.headers["webhook-id"]);
  assert.equal(a.headers["webhook-id"], a.headers["Elements-Webhook-Id"]);
  assert.equal(a.headers["webhook-id"], JSON.parse(a.body).message.eventId);
  assert.notEqual(build()[1].headers["webhook-id"], a.headers["webhook-id"], "other events, another id");
  // A retry is signed for its own time, keeping the id and the body.
  const retry = signNotification(a, { signatureKey: RAW, signing: "standard", now: 1_000_000_360_000 });
  assert.deepEqual(retry, b);
  assert.equal(Object.keys(retry.headers).filter((k) => k.toLowerCase() === "webhook-signature").length, 1);
});

test("the comparison is constant-time in structure: HMAC verify_slice in the core, no == on signatures", () => {
  const notify = readFileSync(`${root}src/notify.rs`, "utf8");
  const fnBody = (name) => {
    const at = notify.indexOf(`fn ${name}`);
    assert.ok(at >= 0, name);
    return notify.slice(at, notify.indexOf("\n}\n", at));
  };
  const compare = fnBody("any_matches");
  assert.match(compare, /\.verify_slice\(/, "hmac's verify_slice compares in constant time (subtle::ConstantTimeEq)");
  assert.doesNotMatch(compare, /==|!=|\.eq\(|starts_with|contains/);
  assert.doesNotMatch(
    fnBody("verify_notification"),
    /==|!=|\.eq\(/,
    "signatures are compared only through any_matches",
  );
  // The JS layer hands bytes to the core; it computes and compares nothing itself.
  const api = readFileSync(`${root}pkg/src/api.js`, "utf8");
  const verify = api.slice(
    api.indexOf("export function verifyNotification"),
    api.indexOf("\n}\n", api.indexOf("export function verifyNotification")),
  );
  assert.match(verify, /bindings\(\)\.verifyNotification\(/);
  assert.doesNotMatch(verify, /hmac|crypto|subtle|signature["'\]]?\s*===/i);
});

/** mulberry32: a seeded PRNG, so a failure names a reproducible case. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("hostile headers and bodies: verifyNotification throws nothing but PollerError (seeded fuzz)", () => {
  const rand = prng(16);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const [valid] = build({ signing: "both" });
  const text = () =>
    Array.from({ length: Math.floor(rand() * 40) }, () =>
      String.fromCharCode(Math.floor(rand() * (rand() < 0.8 ? 128 : 0x10000))),
    ).join("");
  const mutate = (s) => {
    if (!s || rand() < 0.3) return text();
    const i = Math.floor(rand() * s.length);
    return s.slice(0, i) + pick(["", " ", ",", "=", "v1,", "\u0000", "\ud800", text()]) + s.slice(i + 1);
  };
  const names = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "Elements-Webhook-Signature",
    "WEBHOOK-SIGNATURE",
    "__proto__",
    "constructor",
    "",
  ];
  const value = () =>
    pick([
      text(),
      "",
      "v1," + text(),
      "sha256=" + text(),
      String(Math.floor(rand() * 1e12)),
      "-1",
      "1e9",
      "99999999999999999999",
      5,
      null,
      undefined,
      ["v1,a", "v1,b"],
      { toString: () => "x" },
      "x".repeat(100_000),
    ]);
  const bodies = () =>
    pick([
      valid.body,
      mutate(valid.body),
      text(),
      "",
      "{",
      "[]",
      '{"message":null}',
      '{"message":{}}',
      "9".repeat(400),
      "[".repeat(10_000),
      new Uint8Array(Math.floor(rand() * 64)).map(() => rand() * 256),
      new ArrayBuffer(3),
      null,
      42,
      { message: {} },
      Symbol("body"),
    ]);
  const headersOf = () => {
    const roll = rand();
    if (roll < 0.05)
      return pick([
        null,
        "webhook-id: x",
        7,
        [["only-one"]],
        [[1, 2]],
        new Proxy(
          {},
          {
            ownKeys() {
              throw new Error("hostile");
            },
          },
        ),
      ]);
    if (roll < 0.1)
      return Object.defineProperty({}, "webhook-id", {
        enumerable: true,
        get() {
          throw new Error("hostile getter");
        },
      });
    const h = roll < 0.6 ? { ...valid.headers } : {};
    for (let n = Math.floor(rand() * 4); n > 0; n--) {
      const name = pick([...names, text()]);
      h[name] = rand() < 0.5 && typeof h[name] === "string" ? mutate(h[name]) : value();
    }
    return rand() < 0.2
      ? new Headers(
          Object.entries(h).filter(
            ([k, v]) =>
              typeof v === "string" && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && !/[\0\r\n\u0100-\uffff]/.test(v),
          ),
        )
      : h;
  };
  const allowed = new Set([
    "ok",
    "webhook.signature",
    "webhook.timestamp",
    "webhook.malformed",
    "webhook.key",
    "argument.body",
    "argument.headers",
    "argument.tolerance",
    "argument.instant",
    "argument.type",
  ]);
  const seen = new Map();
  for (let i = 0; i < 3000; i++) {
    const args = {
      body: bodies(),
      headers: headersOf(),
      key: rand() < 0.9 ? RAW : pick([undefined, "", 5, "whsec_!!", whsec(RAW)]),
    };
    if (rand() < 0.1) args.toleranceSeconds = pick([0, -1, NaN, Infinity, 1e300, "300"]);
    if (rand() < 0.1) args.now = pick([0, -1e300, 1e300, "yesterday", new Date(NaN), Number.MAX_SAFE_INTEGER]);
    if (rand() < 0.05) args.scheme = pick(["standard", "elements", "svix", 3]);
    let code;
    try {
      verifyNotification(args);
      code = "ok";
    } catch (e) {
      assert.ok(e instanceof PollerError, `case ${i}: ${e?.stack ?? e}`);
      code = e.code;
    }
    assert.ok(allowed.has(code) || code === "webhook.scheme", `case ${i}: ${code}`);
    seen.set(code, (seen.get(code) ?? 0) + 1);
  }
  // The fuzz reached every kind of failure, and the valid request still verifies.
  for (const code of ["ok", "webhook.signature", "webhook.malformed", "argument.headers", "argument.body"])
    assert.ok(seen.get(code) > 0, `${code}: ${[...seen]}`);
  assert.equal(verifyNotification({ ...valid, key: RAW }).scheme, "standard");
});

test("end to end: the Poller signs with Standard Webhooks, re-signs a retry for its own time, and the hub receiver verifies", async () => {
  let now = Date.parse("2026-06-01T12:00:00Z");
  const clock = () => now;
  const hub = await startHubSimulator({ seed: 16, resources: { appointments: 3 }, now: clock });
  try {
    hub.setFaults({ webhook: { next: [503] } });
    const poller = new Poller({
      instance: hubInstance(hub, ["appointments"]),
      baseUrl: hub.baseUrl,
      auth: hub.credentials,
      clock,
      rateLimit: Infinity,
      startFrom: "beginning",
      delivery: { callbackUrl: hub.webhookUrl, signatureKey: hub.signatureKey, signing: "both", retryScale: 0.001 },
    });
    const [first] = await poller.pollOnce();
    assert.equal(first.events, 3);
    now += 3600_000; // an hour later: the first attempt's timestamp is far out of the tolerance
    await new Promise((r) => setTimeout(r, 10));
    await poller.pollOnce();
    const got = hub.received();
    assert.deepEqual(
      got.map((r) => r.status),
      [503, 200],
    );
    assert.deepEqual(
      got.map((r) => r.verified),
      [true, true],
    );
    const [a, b] = got.map((r) => r.headers);
    assert.equal(a["webhook-id"], b["webhook-id"], "a retry is the same notification");
    assert.deepEqual(
      [a["webhook-timestamp"], b["webhook-timestamp"]],
      [String((now - 3600_000) / 1000), String(now / 1000)],
    );
    assert.equal(
      a["elements-webhook-signature"],
      b["elements-webhook-signature"],
      "the Elements signature covers the body only",
    );
    assert.equal(got[1].rawBody, got[0].rawBody);
    // The receiver checks the Standard Webhooks timestamp: the first attempt, replayed now, is refused.
    const replay = await fetch(hub.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...pickHeaders(a) },
      body: got[0].rawBody,
    });
    assert.equal(replay.status, 401);
    assert.equal(hub.received().at(-1).verifyError, "webhook.timestamp");
  } finally {
    await hub.close();
  }
});

test("the Poller refuses a bad signing scheme or key when it is constructed", () => {
  const options = {
    instance: hubInstance(
      {
        pollerConfig: () => ({
          url: "/hubs/crm/appointments",
          idField: "id",
          datesConfiguration: { updatedDateField: "last_updated" },
        }),
      },
      ["appointments"],
    ),
    baseUrl: "http://127.0.0.1:9",
    auth: { user: "u", organization: "o", element: "e" },
  };
  assert.equal(
    codeOf(
      () =>
        new Poller({
          ...options,
          delivery: { callbackUrl: "http://127.0.0.1:9/in", signatureKey: "k", signing: "svix" },
        }),
    ),
    "webhook.signing",
  );
  assert.equal(
    codeOf(
      () =>
        new Poller({
          ...options,
          delivery: { callbackUrl: "http://127.0.0.1:9/in", signatureKeys: ["whsec_***"], signing: "standard" },
        }),
    ),
    "webhook.key",
  );
  assert.ok(
    new Poller({
      ...options,
      delivery: { callbackUrl: "http://127.0.0.1:9/in", signatureKeys: [whsec("k"), "old"], signing: "both" },
    }),
  );
});

function pickHeaders(h) {
  return Object.fromEntries(
    Object.entries(h).filter(([k]) => k.startsWith("webhook-") || k.startsWith("elements-webhook-")),
  );
}

test("CLI: elements-poller verify checks a captured request from stdin or a file", async () => {
  const [r] = build({ signing: "both" });
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/verify-");
  writeFileSync(`${dir}/request.json`, JSON.stringify({ headers: r.headers, body: r.body }));
  // stdin, as `elements-poller verify --key K < request.json`
  const bin = fileURLToPath(new URL("../../pkg/bin/elements-poller.js", import.meta.url));
  const piped = spawnSync("node", [bin, "verify", "--key", RAW], {
    input: JSON.stringify({ headers: r.headers, body: r.body }),
    encoding: "utf8",
  });
  assert.equal(piped.status, 0, piped.stderr);
  assert.match(piped.stdout, /^verified \(standard\)/);
  const ok = await cliAsync(["verify", "--key", RAW, `${dir}/request.json`]);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, new RegExp(`verified \\(standard\\): id ${r.headers["webhook-id"]}`));
  assert.equal(ok.out.trim().split("\n").length, 11, "a line per event");
  const json = await cliAsync(["verify", `${dir}/request.json`, "--json", "--scheme", "elements"], {
    env: { ELEMENTS_SIGNATURE_KEY: RAW },
  });
  assert.equal(json.code, 0, json.err);
  assert.deepEqual(JSON.parse(json.out).message, JSON.parse(r.body).message);
  const wrong = await cliAsync(["verify", "--key", "nope", `${dir}/request.json`]);
  assert.deepEqual(
    [wrong.code, wrong.err.trim()],
    [1, "error[webhook.signature]: no webhook-signature entry matches the body with the key(s) given"],
  );
  assert.ok(!wrong.err.includes("nope") && !wrong.err.includes(RAW), "no key in the output");
  const stale = await cliAsync([
    "verify",
    "--key",
    RAW,
    "--now",
    new Date(Date.now() + 3600_000).toISOString(),
    `${dir}/request.json`,
  ]);
  assert.deepEqual([stale.code, stale.err.match(/error\[([^\]]+)\]/)?.[1]], [1, "webhook.timestamp"]);
  writeFileSync(`${dir}/parsed.json`, JSON.stringify({ headers: r.headers, body: JSON.parse(r.body) }));
  const parsed = await cliAsync(["verify", "--key", RAW, `${dir}/parsed.json`]);
  assert.equal(parsed.code, 1);
  assert.match(parsed.err, /error\[cli\.request\]/);
  assert.equal(
    (await cliAsync(["verify", `${dir}/request.json`], { env: { ELEMENTS_SIGNATURE_KEY: "" } })).code,
    2,
    "no key: a usage error",
  );
});
