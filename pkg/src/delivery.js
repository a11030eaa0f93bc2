// Webhook delivery through a durable outbox. Browser-safe: no Node imports.
//
// The driving contract:
// 1. In the same store transaction that saves the poller state, add the outbox entries:
//    `store.transaction([...stateOps, ...outbox.ops(notifications)])`. Either both happen or
//    neither, so a crash can never save the state without the notifications it produced.
// 2. Call `outbox.drain({...})`. It delivers the pending entries one at a time, oldest first;
//    an entry leaves the outbox only after a 2xx answer (or after the in-process `onEvents`
//    consumer resolved). A failed attempt is recorded in the store with the time of the next
//    one, so a restarted process resumes the schedule where it stopped.
//    What a failure leads to (when to retry, when to give up) is decided by the core's delivery
//    machine (`nextDelivery`, src/delivery.rs); this file does the I/O it asks for.
// 3. After 1 attempt + 9 retries (the x-th retry 2^(2x) seconds after the previous failure:
//    4 s, 16 s, 64 s, ... 262144 s, about three days) the entry is parked as dead: it is kept,
//    `dead()` lists it, `onError` receives a `delivery.dead` error, `retryDead()` requeues it.
//    Nothing is dropped silently. Delivery is at least once: a crash between a 2xx and the
//    removal of the entry re-sends it; consumers dedupe on the `eventId` / `Elements-Webhook-Id`.
// Entries are delivered strictly in order: while the oldest waits for its retry, the others
// wait behind it (like the platform, which holds events while a subscription is failing).

import { PollerError } from "./errors.js";
import { retrySchedule, retryAfterMs, nextDelivery } from "./api.js";
import { withoutCredentials } from "./redact.js";

/**
 * A notification request as the core produces it (the body already signed).
 * @typedef {{method?: string, url: string, headers?: Record<string, string>, body: string, meta?: unknown}} NotificationRequest
 */

/**
 * Events for an in-process consumer (`drain({onEvents})`) instead of a webhook.
 * @typedef {{events: unknown[], meta?: unknown}} EventsItem
 */

/**
 * What the outbox stores per entry (JSON), and what `pending()` / `dead()` return with its `key`.
 * @typedef {object} OutboxEntry
 * @property {string} key the store key
 * @property {"webhook"|"events"} kind
 * @property {NotificationRequest} [request] for kind "webhook"
 * @property {unknown[]} [events] for kind "events"
 * @property {unknown} [meta] whatever the caller attached
 * @property {number} enqueuedAt epoch ms
 * @property {number} attempts failed attempts so far
 * @property {number} nextAttemptAt epoch ms; 0 means now
 * @property {number} [lastAttemptAt]
 * @property {number} [lastStatus] HTTP status of the last failed attempt
 * @property {string} [lastError]
 * @property {number} [deadAt] set once parked as dead
 */

/**
 * Reads a Retry-After header: delay-seconds or an HTTP date, by the core's rule (at most a day).
 * @param {string|null|undefined} value
 * @param {number} now epoch ms
 * @returns {number|undefined} milliseconds to wait
 */
export function parseRetryAfter(value, now) {
  if (value === null || value === undefined || String(value).trim() === "") return undefined;
  return retryAfterMs(String(value), now);
}

const pad = (n, width) => String(n).padStart(width, "0");

/** FNV-1a 32-bit, hex: a short content fingerprint for keys. */
function fingerprint(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function plainHeaders(headers) {
  if (!headers) return {};
  if (typeof headers.entries === "function" && !Array.isArray(headers)) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return { ...headers };
}

/**
 * Builds the store ops that add notifications (or event batches) to an outbox, to put in
 * the same `store.transaction` as the poller state.
 *
 * Keys are `${prefix}q/<now, 15 digits>-<seq, 6 digits>-<fingerprint>`, so the store's key
 * order is the delivery order. Two calls in the same millisecond keep their order only if
 * the second passes a larger `seq`; `Outbox#ops` does that for you.
 *
 * @param {Array<NotificationRequest|EventsItem>} items
 * @param {{prefix?: string, now?: number, seq?: number}} [options]
 * @returns {import("./stores.js").StoreOp[]}
 */
export function outboxOps(items, { prefix = "outbox/", now = Date.now(), seq = 0 } = {}) {
  if (!Array.isArray(items))
    throw new PollerError("delivery.invalid-item", "outboxOps takes an array of notifications");
  // Items come from callers: checked here at run time, whatever their declared type.
  return items.map((/** @type {any} */ item, i) => {
    /** @type {any} */
    let value;
    if (item && Array.isArray(item.events)) {
      value = { v: 1, kind: "events", events: item.events };
    } else if (item && typeof item.url === "string" && typeof item.body === "string") {
      value = {
        v: 1,
        kind: "webhook",
        request: { method: item.method ?? "POST", url: item.url, headers: plainHeaders(item.headers), body: item.body },
      };
    } else {
      throw new PollerError(
        "delivery.invalid-item",
        `Outbox item ${i} is neither a notification {method, url, headers, body: string} nor {events: [...]}`,
        { path: `[${i}]` },
      );
    }
    if (item.meta !== undefined) value.meta = item.meta;
    Object.assign(value, { enqueuedAt: now, attempts: 0, nextAttemptAt: 0 });
    const text = JSON.stringify(value);
    const key = `${prefix}q/${pad(now, 15)}-${pad(seq + i, 6)}-${fingerprint(value.kind === "webhook" ? value.request.url + value.request.body : text)}`;
    return { op: "set", key, value: text };
  });
}

function defaultSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A response's headers as pairs for the core (a Headers, or a test's Map); none if unreadable.
 * @returns {Array<[string, string]>}
 */
function headerEntries(headers) {
  try {
    return [...headers.entries()].map(([k, v]) => /** @type {[string, string]} */ ([String(k), String(v)]));
  } catch {
    return [];
  }
}

function withTimeout(signal, ms) {
  if (!Number.isFinite(ms)) return { signal, done() {} };
  const ctrl = new AbortController();
  const t = setTimeout(() => ctrl.abort(new PollerError("delivery.timeout", `No answer within ${ms} ms`)), ms);
  const onAbort = () => ctrl.abort(signal.reason);
  if (signal) {
    if (signal.aborted) ctrl.abort(signal.reason);
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  return {
    signal: ctrl.signal,
    done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * @typedef {object} DrainOptions
 * @property {typeof fetch} [fetch] default `globalThis.fetch`
 * @property {(events: unknown[], info: {key: string, attempts: number, meta?: unknown}) => unknown} [onEvents]
 *   the in-process consumer of "events" entries; awaited before the entry is removed
 * @property {(info: {key: string, entry: OutboxEntry, status?: number, attempts: number}) => void} [onDelivery]
 * @property {(error: PollerError) => void} [onError] every failed attempt (`delivery.retry`)
 *   and every entry parked as dead (`delivery.dead`); the error carries `entry`, `attempts`,
 *   `status`, and `retryInMs` for a retry
 * @property {AbortSignal} [signal] stops the drain (it rejects with the signal's reason);
 *   what was done is already in the store
 * @property {() => number} [now] epoch ms, default the outbox's clock
 * @property {(ms: number, signal?: AbortSignal) => Promise<void>} [sleep] how to wait for a retry
 * @property {boolean} [wait=true] false: return as soon as the oldest entry is not due yet
 */

/**
 * @typedef {object} DrainResult
 * @property {number} delivered
 * @property {number} failedAttempts
 * @property {number} dead entries parked as dead by this drain
 * @property {number} pending entries left (0 unless `wait` was false)
 * @property {number} [nextAttemptAt] when the oldest pending entry is due
 */

/** A durable, ordered outbox over any `Store`. */
export class Outbox {
  // The house convention: internals are `#private` (the store layout, the clock, the drain in
  // flight are no caller's to touch); `schedule`, `scale` and `maxRetries` stay readable, the
  // policy in force.
  #store;
  #prefix;
  #queuePrefix;
  #deadPrefix;
  #timeoutMs;
  #now;
  #sign;
  #lastNow;
  #seq;
  /** @type {Promise<DrainResult>|undefined} */
  #running;

  /**
   * @param {import("./stores.js").Store} store
   * @param {{prefix?: string, schedule?: number[], scale?: number, maxRetries?: number, timeoutMs?: number, now?: () => number, sign?: (request: any, now: number) => any}} [options]
   *   `schedule` is the wait before each retry in ms: the core's `retrySchedule()` (2^(2x) s,
   *   nine retries) unless given; `maxRetries` defaults to its length. `scale` multiplies the
   *   schedule and Retry-After waits (1 in production; tests use e.g. 0.001); `timeoutMs` bounds
   *   one webhook attempt (default 30000). `sign(request, now)` re-signs a webhook for each
   *   attempt (Standard Webhooks signs the attempt's time): the key stays in memory, never in
   *   the store.
   */
  constructor(
    store,
    {
      prefix = "outbox/",
      schedule = retrySchedule(),
      scale = 1,
      maxRetries = schedule.length,
      timeoutMs = 30000,
      now = Date.now,
      sign,
    } = {},
  ) {
    this.#store = store;
    this.#prefix = prefix;
    this.#queuePrefix = prefix + "q/";
    this.#deadPrefix = prefix + "dead/";
    this.scale = scale;
    this.schedule = schedule;
    this.maxRetries = Math.min(maxRetries, schedule.length);
    this.#timeoutMs = timeoutMs;
    this.#now = now;
    this.#sign = sign;
    this.#lastNow = -Infinity;
    this.#seq = 0;
    /** @type {Promise<DrainResult>|undefined} */
    this.#running = undefined;
  }

  /**
   * Store ops adding `items`; keeps order across calls within this process.
   * @param {Array<NotificationRequest|EventsItem>} items
   * @param {{now?: number}} [options]
   */
  ops(items, { now = this.#now() } = {}) {
    if (now > this.#lastNow) {
      this.#lastNow = now;
      this.#seq = 0;
    }
    const ops = outboxOps(items, { prefix: this.#prefix, now: this.#lastNow, seq: this.#seq });
    this.#seq += items.length;
    return ops;
  }

  /**
   * Adds items on their own (when there is no state to save with them).
   * @returns {Promise<string[]>} their keys
   */
  async enqueue(items, options) {
    const ops = this.ops(items, options);
    await this.#store.transaction(ops);
    return ops.map((o) => o.key);
  }

  async #list(prefix) {
    const out = [];
    for (const key of await this.#store.keys(prefix)) {
      const raw = await this.#store.get(key);
      if (raw === undefined) continue;
      try {
        out.push({ key, ...JSON.parse(raw) });
      } catch {
        out.push({ key, kind: "corrupt", raw });
      }
    }
    return out;
  }

  /** @returns {Promise<OutboxEntry[]>} entries waiting for delivery, in delivery order */
  pending() {
    return this.#list(this.#queuePrefix);
  }

  /** @returns {Promise<OutboxEntry[]>} entries parked after their last retry failed */
  dead() {
    return this.#list(this.#deadPrefix);
  }

  /**
   * Moves dead entries back to the queue (at their original place in the order) with a
   * fresh retry schedule.
   * @param {string} [key] one dead entry's key; all of them if omitted
   * @returns {Promise<number>} how many were requeued
   */
  async retryDead(key) {
    const entries = (await this.dead()).filter((e) => key === undefined || e.key === key);
    /** @type {import("./stores.js").StoreOp[]} */
    const ops = [];
    for (const { key: k, ...e } of entries) {
      delete e.deadAt;
      ops.push(
        { op: "delete", key: k },
        {
          op: "set",
          key: this.#queuePrefix + k.slice(this.#deadPrefix.length),
          value: JSON.stringify({ ...e, attempts: 0, nextAttemptAt: 0 }),
        },
      );
    }
    await this.#store.transaction(ops);
    return entries.length;
  }

  /**
   * Removes one dead entry for good (an explicit decision, never automatic).
   * @param {string} key
   */
  async discardDead(key) {
    if (!key.startsWith(this.#deadPrefix))
      throw new PollerError("delivery.not-dead", `${key} is not a dead outbox entry`);
    await this.#store.delete(key);
  }

  /**
   * Delivers pending entries in order until the queue is empty (or, with `wait: false`,
   * until the oldest is not due). A second call while one runs returns the running drain,
   * which picks up entries added meanwhile.
   * @param {DrainOptions} [options]
   * @returns {Promise<DrainResult>}
   */
  drain(options = {}) {
    if (this.#running) return this.#running;
    this.#running = this.#drainLoop(options).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** @param {DrainOptions} options */
  async #drainLoop({
    fetch = globalThis.fetch,
    onEvents,
    onDelivery,
    onError,
    signal,
    now = this.#now,
    sleep = defaultSleep,
    wait = true,
  }) {
    const result = { delivered: 0, failedAttempts: 0, dead: 0, pending: 0 };
    const report = (err) => {
      try {
        onError?.(err);
      } catch {
        /* a failing handler must not break the outbox */
      }
    };
    for (;;) {
      signal?.throwIfAborted();
      const keys = await this.#store.keys(this.#queuePrefix);
      if (keys.length === 0) return result;
      const key = keys[0];
      let entry = await this.#read(key);
      if (!entry) continue;
      if (entry.corrupt) {
        await this.#park(key, {
          kind: "corrupt",
          raw: entry.raw,
          attempts: 0,
          enqueuedAt: now(),
          nextAttemptAt: 0,
          lastError: "unreadable outbox entry",
          deadAt: now(),
        });
        result.dead++;
        report(
          Object.assign(new PollerError("delivery.dead", `Outbox entry ${key} is not readable JSON; parked as dead`), {
            key,
          }),
        );
        continue;
      }
      const due = entry.nextAttemptAt - now();
      if (due > 0) {
        if (!wait) return { ...result, pending: keys.length, nextAttemptAt: entry.nextAttemptAt };
        await sleep(due, signal);
        signal?.throwIfAborted();
        entry = await this.#read(key); // it may have been delivered or requeued meanwhile
        if (!entry || entry.corrupt) continue;
      }

      const attemptAt = now();
      const outcome = await this.#attempt(entry, { fetch, onEvents, signal, key, now });
      const policy = { schedule: this.schedule, maxRetries: this.maxRetries, scale: this.scale };
      const next = nextDelivery(entry, outcome, { ...policy, attemptedAt: attemptAt, now: now() });
      if (next.action === "delivered") {
        await this.#store.delete(key);
        result.delivered++;
        try {
          onDelivery?.({ key, entry: { key, ...entry }, status: outcome.status, attempts: entry.attempts + 1 });
        } catch {
          /* ignore */
        }
        continue;
      }
      result.failedAttempts++;
      Object.assign(entry, next.state);
      entry.lastError = outcome.error;
      const what =
        entry.kind === "webhook" ? `${entry.request.method} ${withoutCredentials(entry.request.url)}` : "onEvents";
      if (next.action === "dead") {
        await this.#park(key, entry);
        result.dead++;
        report(
          Object.assign(
            new PollerError(
              "delivery.dead",
              `Delivery of ${key} (${what}) failed ${entry.attempts} times (last: ${outcome.error}); parked as dead`,
            ),
            {
              key,
              entry: { key: this.#deadPrefix + key.slice(this.#queuePrefix.length), ...entry },
              attempts: entry.attempts,
              status: outcome.status,
            },
          ),
        );
        continue;
      }
      const delay = next.delayMs;
      await this.#store.set(key, JSON.stringify(entry));
      report(
        Object.assign(
          new PollerError(
            "delivery.retry",
            `Delivery of ${key} (${what}) failed (${outcome.error}); retry ${entry.attempts} of ${this.maxRetries} in ${delay} ms`,
          ),
          { key, entry: { key, ...entry }, attempts: entry.attempts, status: outcome.status, retryInMs: delay },
        ),
      );
    }
  }

  async #read(key) {
    const raw = await this.#store.get(key);
    if (raw === undefined) return undefined;
    try {
      const e = JSON.parse(raw);
      if (e.kind !== "webhook" && e.kind !== "events") throw new Error("unknown kind");
      return e;
    } catch {
      return { corrupt: true, raw };
    }
  }

  /** Moves an entry to the dead letters; `entry.deadAt` is set (by the core's machine, or the caller). */
  async #park(key, entry) {
    await this.#store.transaction([
      { op: "delete", key },
      { op: "set", key: this.#deadPrefix + key.slice(this.#queuePrefix.length), value: JSON.stringify(entry) },
    ]);
  }

  /**
   * One delivery attempt, as an outcome for the core's delivery machine, with `status` and
   * `error` (a message without credentials) for the reports.
   * @returns {Promise<{kind: "answered" | "no-answer" | "consumed" | "consumer-failed", status?: number, headers?: Array<[string, string]>, error?: string}>}
   */
  async #attempt(entry, { fetch, onEvents, signal, key, now = this.#now }) {
    if (entry.kind === "events") {
      if (typeof onEvents !== "function") {
        throw new PollerError(
          "delivery.no-consumer",
          `Outbox entry ${key} holds events for an in-process consumer: pass drain({onEvents})`,
        );
      }
      try {
        await onEvents(entry.events, { key, attempts: entry.attempts, meta: entry.meta });
        return { kind: "consumed" };
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        return { kind: "consumer-failed", error: `onEvents threw: ${e?.message ?? e}` };
      }
    }
    const t = withTimeout(signal, this.#timeoutMs);
    try {
      const { method, url, headers, body } = this.#sign ? this.#sign(entry.request, now()) : entry.request;
      const res = await fetch(url, { method, headers, body, signal: t.signal });
      let text = "";
      try {
        text = await res.text();
      } catch {
        /* the status is what counts */
      }
      const failed =
        res.status >= 200 && res.status < 300
          ? undefined
          : withoutCredentials(`HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`);
      return { kind: "answered", status: res.status, headers: headerEntries(res.headers), error: failed };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      // fetch's messages can quote the url, credentials and all
      return {
        kind: "no-answer",
        error: withoutCredentials(
          `${e?.name ?? "Error"}: ${e?.message ?? e}${e?.cause?.code ? ` (${e.cause.code})` : ""}`,
        ),
      };
    } finally {
      t.done();
    }
  }
}
