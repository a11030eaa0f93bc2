// The Poller: the I/O the sans-IO core asks for, in browsers and Node.js.
//
// One poll runs one PollCycle per resource (at most `concurrency` at once, at most `rateLimit`
// requests per second across them). When a cycle finishes, its new state and its events (as
// outbox entries: signed notifications, or an `onEvents` batch) are saved in ONE store
// transaction, before anything is delivered; then the outbox is drained. So:
// - a crash before that write repeats the cycle from the old state: the same versions come
//   back with the same eventIds, and nothing was delivered yet;
// - a crash after it resumes delivery from the outbox; a delivery interrupted between the
//   receiver's 2xx and the outbox removal is sent again with the same eventId (at least once,
//   idempotent for a consumer that dedupes on eventId);
// - a failed cycle writes nothing, so its watermark never advances.

import { PollerError } from "./errors.js";
import { MemoryStore } from "./stores.js";
import { Outbox } from "./delivery.js";
import {
  normalizeConfig,
  pollers,
  refreshIntervalMs,
  instanceIdentity,
  PollCycle,
  buildNotifications,
  signNotification,
  BodyBuffer,
} from "./api.js";
import { withoutCredentials } from "./redact.js";
import { withBearer } from "./bearer.js";

/** Waits `ms` on a real timer; rejects with the signal's reason when it aborts. */
function realSleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The Poller's time: `now` stamps (epoch ms: what the core is given), `elapsed` measures
 * waits and durations, `sleep` waits. A bare function clock stamps only and the waits stay
 * real (a monotonic `performance.now()`, real timers), as before clocks could sleep; a
 * `{now, sleep}` clock runs everything on its time, so tests need no real waits.
 */
function timeOf(clock) {
  if (typeof clock === "function") return { now: clock, elapsed: () => performance.now(), sleep: realSleep };
  if (clock && typeof clock.now === "function") {
    const sleep = typeof clock.sleep === "function" ? (ms, signal) => clock.sleep(ms, signal) : realSleep;
    const now = () => clock.now();
    return { now, elapsed: typeof clock.sleep === "function" ? now : () => performance.now(), sleep };
  }
  throw new PollerError("poller.clock", "clock must be a function returning epoch ms, or {now, sleep}");
}

/** Spaces requests at least 1/rate seconds apart, shared by every cycle of a Poller. */
class RateLimiter {
  constructor(perSecond, time) {
    this.interval = perSecond === Infinity ? 0 : 1000 / perSecond;
    this.next = 0;
    this.time = time;
  }
  async take(signal) {
    if (this.interval === 0) return;
    const at = Math.max(this.time.elapsed(), this.next);
    this.next = at + this.interval;
    // Timers may fire a little early: wait until the slot has really come.
    for (let wait; (wait = at - this.time.elapsed()) > 0;) await this.time.sleep(Math.ceil(wait), signal);
  }
}

/** The signing options of a `delivery` option: keys (rotation), scheme. */
function signingOf(delivery) {
  return { signatureKey: delivery.signatureKey, signatureKeys: delivery.signatureKeys, signing: delivery.signing };
}

/**
 * Standard Webhooks signs the attempt's time, so each attempt is signed afresh from the key
 * held here (the outbox stores signatures, never a key). The Elements signature covers the
 * body only: what was stored is sent.
 */
function attemptSigner(delivery, instance) {
  if (!delivery || (delivery.signing ?? "elements") === "elements") return undefined;
  return (request, now) => signNotification(request, { instance, ...signingOf(delivery), now });
}

function headersObject(headers) {
  /** @type {Record<string, string>} */
  const out = {};
  headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/**
 * Polls the resources of one instance and delivers their events exactly as the core decides.
 * An EventTarget: `page`, `poll`, `events`, `retry`, `delivery` and `error` events carry `detail`.
 */
export class Poller extends EventTarget {
  #o;
  #store;
  #outbox;
  #limiter;
  #resources;
  #polling = null;
  /** The next poll lists every resource in full (`reconcile()`). */
  #reconcileNext = false;
  /** Aborts the wait for the outbox's next retry (a new one replaces it). */
  #retryWait = null;
  #running = false;
  #stopController = null;
  #instanceId;
  #intervalMs;
  /** `{now, elapsed, sleep}`: see timeOf. */
  #time;
  /** Resources known to have had a state: one missing later was lost, not never written. */
  #known = new Set();
  /** Said once, at the first poll: notifications will go out unsigned. */
  #unsigned = false;
  /** The provider refused the instance's grant (`oauth.reauthorize`): said once, then no more polling. */
  #reauthorize = null;

  /**
   * @param {object} options see the package's types (PollerOptions)
   */
  constructor({
    instance,
    baseUrl,
    auth,
    tokens,
    fetch = globalThis.fetch,
    store = new MemoryStore(),
    clock = Date.now,
    signal,
    resources,
    onEvents,
    delivery,
    concurrency = 4,
    rateLimit = 10,
    startFrom = "now",
    lookback = 0,
    maxClockSkew,
    seed = 0,
    retry,
    id,
    onLostState = "error",
  } = {}) {
    super();
    if (typeof baseUrl !== "string" || !/^https?:\/\//.test(baseUrl)) {
      throw new PollerError(
        "poller.base-url",
        `baseUrl must be the hub's absolute URL, e.g. https://api.cloud-elements.com/elements/api-v2 (got ${withoutCredentials(JSON.stringify(baseUrl))})`,
      );
    }
    if (tokens !== undefined && (typeof tokens?.accessToken !== "function" || typeof tokens?.refresh !== "function"))
      throw new PollerError("poller.tokens", "tokens must be an OAuthTokens (accessToken, refresh)");
    // A direct instance (OAuth2 bearer tokens) has no hub credentials: `tokens` stands for them.
    const hubAuthMissing = !auth || ["user", "organization", "element"].some((k) => typeof auth[k] !== "string");
    if (hubAuthMissing && !(tokens && auth === undefined)) {
      throw new PollerError(
        "poller.auth",
        "auth must be {user, organization, element}: the User and Organization secrets and the instance's Element token (an instance that polls the provider directly gives tokens, an OAuthTokens, instead)",
      );
    }
    if (typeof fetch !== "function") throw new PollerError("poller.fetch", "no fetch: pass one with {fetch}");
    if (onEvents && delivery) throw new PollerError("poller.consumer", "give either onEvents or delivery, not both");
    if (delivery && typeof delivery.callbackUrl !== "string")
      throw new PollerError("poller.delivery", "delivery needs a callbackUrl");
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new PollerError("poller.concurrency", "concurrency must be a whole number ≥ 1");
    if (!(rateLimit > 0))
      throw new PollerError("poller.rate-limit", "rateLimit must be requests per second > 0 (Infinity for none)");
    if (onLostState !== "error" && onLostState !== "restart")
      throw new PollerError(
        "poller.on-lost-state",
        `onLostState must be "error" (the default) or "restart", not ${JSON.stringify(onLostState)}`,
      );
    const time = timeOf(clock);

    const body = normalizeConfig(instance);
    // A bad key or signing scheme fails here, not after the first cycle has read its events.
    if (delivery) buildNotifications([], { instance: body, callbackUrl: delivery.callbackUrl, ...signingOf(delivery) });
    // The core's reading of the resources, their schedule and the instance's identity.
    const configured = pollers(body);
    const names = resources ?? configured.map((r) => r.name);
    this.#resources = names.map((name) => {
      const found = configured.find((r) => r.name === name);
      if (!found)
        throw new PollerError(
          "poller.resource",
          `resource ${JSON.stringify(name)} is not in event.poller.configuration (it has ${configured.map((r) => r.name).join(", ") || "nothing"})`,
        );
      return found;
    });
    this.#intervalMs = refreshIntervalMs(body);
    // The same rule PollCycle hashes eventIds with: passed to it below, so the two agree.
    this.#instanceId = instanceIdentity(body, { id, baseUrl, auth }).instanceId;
    this.#time = time;
    // Called as a plain function: browsers reject `window.fetch` invoked as another object's method.
    const send = (url, init) => fetch(url, init);
    this.#o = {
      instance: body,
      baseUrl,
      auth,
      tokens,
      fetch: send,
      clock: time.now,
      signal,
      onEvents,
      delivery,
      concurrency,
      startFrom,
      lookback,
      maxClockSkew,
      seed,
      retry,
      onLostState,
    };
    this.#store = store;
    this.#limiter = new RateLimiter(rateLimit, time);
    // An empty key is no key (the core signs nothing with it): a mistake that is silent otherwise.
    const signatureKey = delivery?.signatureKey ?? body.configuration?.["event.notification.signature.key"];
    this.#unsigned = Boolean(delivery) && signatureKey === "";
    this.#outbox = new Outbox(store, {
      prefix: `${this.#prefix()}outbox/`,
      now: time.now,
      scale: delivery?.retryScale ?? 1,
      sign: attemptSigner(delivery, body),
    });
    signal?.addEventListener("abort", () => this.stop(), { once: true });
  }

  /** The `oauth.reauthorize` error that stopped this instance, or null. */
  get reauthorization() {
    return this.#reauthorize;
  }

  /** Resources polled, with their names. */
  get resources() {
    return this.#resources.map((r) => r.name);
  }

  /** The refresh interval of the instance, in milliseconds (the core's reading of `event.poller.refresh_interval`). */
  get intervalMs() {
    return this.#intervalMs;
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Every key of this instance starts with it; the identity is encoded so that no `/` in a name can make two instances' keys overlap. */
  #prefix() {
    return `poller/${encodeURIComponent(this.#instanceId)}/`;
  }

  #stateKey(name) {
    return `${this.#prefix()}state/${name}`;
  }

  /** Written with every state: it says the resource has polled, should its state ever go missing. */
  #polledKey(name) {
    return `${this.#prefix()}polled/${name}`;
  }

  /**
   * The saved detection state of a resource, or null before its first successful cycle.
   * Throws `poller.state-unreadable` (naming the key) when what is saved is not a state.
   */
  async state(name) {
    const key = this.#stateKey(name);
    const text = await this.#store.get(key);
    if (text === undefined) return null;
    let state;
    try {
      state = JSON.parse(text);
    } catch {
      state = undefined;
    }
    // `null` (or any non-object) would silently restart from "now": an error, not a first poll.
    if (state === null || typeof state !== "object" || Array.isArray(state)) {
      throw new PollerError(
        "poller.state-unreadable",
        `the saved state of ${name} (store key ${key}) is not a detection state; pass onLostState: "restart" to start it again`,
        { path: key },
      );
    }
    return state;
  }

  /**
   * The state a cycle starts from. A resource that polled before (this process saw its state,
   * or its `polled` key is there) and has no readable state lost it: an error naming the key,
   * unless the caller chose `onLostState: "restart"`, when it polls as a first poll again.
   */
  async #startState(name, summary) {
    let state;
    try {
      state = await this.state(name);
    } catch (e) {
      if (!(e instanceof PollerError && e.code === "poller.state-unreadable") || this.#o.onLostState !== "restart")
        throw e;
      summary.restarted = true;
      return null;
    }
    if (state !== null) {
      this.#known.add(name);
      return state;
    }
    if (!this.#known.has(name) && (await this.#store.get(this.#polledKey(name))) === undefined) return null; // a first poll
    if (this.#o.onLostState === "restart") {
      summary.restarted = true;
      return null;
    }
    const key = this.#stateKey(name);
    throw new PollerError(
      "poller.state-missing",
      `${name} has polled before but its state (store key ${key}) is missing; pass onLostState: "restart" to start it again`,
      { path: key },
    );
  }

  /**
   * One cycle per resource, then delivery. Concurrent calls share the poll in flight: polls
   * never overlap.
   * @returns {Promise<Array<{resource: string, pages: number, records: number, events: number, durationMs: number, error?: PollerError}>>}
   */
  pollOnce() {
    this.#polling ??= this.#poll().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  /**
   * One poll in which every resource lists in full and reports DELETED for the ids gone since
   * its last complete listing (DESIGN section 13), whatever its `reconcile.everyHours` says.
   * Waits for a poll in flight first, so that this one is a reconciling one.
   * @returns {Promise<Array<{resource: string, pages: number, records: number, events: number, durationMs: number, reconciled?: boolean, deleted?: number, error?: PollerError}>>}
   */
  async reconcile() {
    while (this.#polling) await this.#polling.catch(() => {});
    this.#reconcileNext = true;
    return this.pollOnce();
  }

  async #poll() {
    const reconcile = this.#reconcileNext;
    this.#reconcileNext = false;
    if (this.#unsigned) {
      this.#unsigned = false;
      this.#emit("warning", {
        code: "delivery.unsigned",
        message:
          "the signature key is empty: notifications are sent without an Elements-Webhook-Signature (set event.notification.signature.key, or delivery.signatureKey)",
      });
    }
    const signal = this.#signal();
    // Deliver what an earlier process saved but did not deliver before it stopped.
    await this.#deliver(signal);
    if (this.#reauthorize) {
      // Said already: no request goes out until the host re-authorizes and makes a new Poller.
      const error = this.#reauthorize;
      return this.resources.map((resource) => ({ resource, pages: 0, records: 0, events: 0, durationMs: 0, error }));
    }
    const queue = [...this.#resources];
    const summaries = [];
    const worker = async () => {
      for (let r; (r = queue.shift());) summaries.push(await this.#cycle(r, signal, reconcile));
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, queue.length) }, worker));
    summaries.sort((a, b) => this.resources.indexOf(a.resource) - this.resources.indexOf(b.resource));
    const delivery = await this.#deliver(signal);
    this.#emit("poll", { summaries, delivery });
    return summaries;
  }

  #signal() {
    const signals = [this.#o.signal, this.#stopController?.signal].filter(Boolean);
    return signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  }

  async #cycle(resource, signal, reconcile = false) {
    const started = this.#time.elapsed();
    let lastTransportError;
    const summary = { resource: resource.name, pages: 0, records: 0, events: 0, durationMs: 0 };
    try {
      const state = await this.#startState(resource.name, summary);
      const { instance, baseUrl, auth, clock, startFrom, lookback, maxClockSkew, seed, retry } = this.#o;
      const cycle = new PollCycle({
        instance,
        resource,
        state,
        now: clock(),
        baseUrl,
        auth,
        seed,
        startFrom,
        lookback,
        maxClockSkew,
        retry,
        reconcile,
        instanceId: this.#instanceId,
      });
      lastTransportError = undefined;
      /** The bearer token this cycle sent last: the one a 401 refused. */
      let lastToken;
      for (let req; (req = cycle.nextRequest());) {
        // The core says which request is a retry, and why: no status list is kept here.
        const { retry } = req;
        if (retry) {
          const error = retry.reason === "transport" ? lastTransportError : undefined;
          this.#emit("retry", {
            resource: resource.name,
            status: retry.status,
            reason: retry.reason,
            attempt: retry.attempt,
            error,
            delayMs: req.delayMs,
            url: withoutCredentials(req.url),
          });
        }
        if (req.delayMs > 0) await this.#time.sleep(req.delayMs, signal);
        await this.#limiter.take(signal);
        const { request, token } = await withBearer(req, this.#o.tokens, { rejected: lastToken, signal });
        lastToken = token ?? lastToken;
        const res = await this.#send(request, signal);
        lastTransportError = res.error;
        try {
          cycle.handleResponse(res);
        } finally {
          res.body.free();
        }
        if (res.status >= 200 && res.status < 300) {
          const { pages, records, events } = cycle.progress() ?? {};
          this.#emit("page", { resource: resource.name, pages, records, events });
        }
      }
      const { events, state: next, stats, diagnostics } = cycle.finish();
      // `future`: versions stamped beyond our clock plus maxClockSkew, emitted but kept out of
      // the watermark (a diagnostic of the cycle names each).
      Object.assign(summary, {
        pages: stats.pages ?? 0,
        records: stats.records ?? 0,
        events: events.length,
        future: stats.future ?? 0,
      });
      if (stats.reconciled) Object.assign(summary, { reconciled: true, deleted: stats.deleted ?? 0 });
      await this.#store.transaction([
        { op: "set", key: this.#stateKey(resource.name), value: JSON.stringify(next) },
        { op: "set", key: this.#polledKey(resource.name), value: "1" },
        ...this.#outboxOps(events),
      ]);
      this.#known.add(resource.name);
      if (stats.reconciled) {
        const { listed, deleted, verified, missed, held } = stats;
        this.#emit("reconcile", { resource: resource.name, listed, deleted, verified, missed, held });
        // A held listing (it lost more than maxDrop of the ids) is said, not silently kept.
        for (const d of diagnostics ?? [])
          if (d.code === "reconcile.held") this.#emit("warning", { resource: resource.name, ...d });
      }
      // A full listing that failed (this cycle polled the date window instead) is said too.
      for (const d of diagnostics ?? [])
        if (d.code === "reconcile.failed") this.#emit("warning", { resource: resource.name, ...d });
      if (events.length) this.#emit("events", { resource: resource.name, events });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      summary.error =
        e instanceof PollerError ? e : new PollerError("poller.cycle", e?.message ?? String(e), { cause: e });
      // "HTTP 0 after 5 retries" says less than why the last request never got an answer.
      if (e?.code === "cycle.retries-exhausted" && lastTransportError) {
        summary.error = new PollerError(e.code, `${lastTransportError} (${e.message})`, { cause: e });
      }
      summary.error.message = withoutCredentials(summary.error.message);
      if (summary.error.code === "oauth.reauthorize") {
        // One error event for the instance, however many cycles met the refusal; then the
        // schedule stops (see start) and later polls send nothing.
        const first = !this.#reauthorize;
        this.#reauthorize ??= summary.error;
        summary.error = this.#reauthorize;
        if (first) this.#emit("error", { resource: resource.name, error: summary.error });
      } else this.#emit("error", { resource: resource.name, error: summary.error });
    }
    summary.durationMs = Math.round(this.#time.elapsed() - started);
    return summary;
  }

  /** A transport failure is a response the core can retry: status 0. */
  async #send(req, signal) {
    try {
      const res = await this.#o.fetch(req.url, { method: req.method, headers: req.headers, signal });
      // Streamed straight into wasm memory: one copy of the body, not two.
      return { status: res.status, headers: headersObject(res.headers), body: await BodyBuffer.fromResponse(res) };
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      // fetch's message may quote the url, credentials included
      return { status: 0, headers: {}, body: new BodyBuffer(), error: withoutCredentials(transportError(e, req.url)) };
    }
  }

  #outboxOps(events) {
    const { delivery, onEvents, instance } = this.#o;
    if (events.length === 0 || (!delivery && !onEvents)) return [];
    if (delivery) {
      const requests = buildNotifications(events, {
        instance,
        callbackUrl: delivery.callbackUrl,
        ...signingOf(delivery),
        now: this.#o.clock(),
        headers: delivery.headers,
      });
      return this.#outbox.ops(requests);
    }
    return this.#outbox.ops([{ events }]);
  }

  /**
   * Delivers what is due and returns: a failing callback never holds up polling. What waits
   * for a retry stays in the outbox; while `start()`ed, a timer delivers it when it is due,
   * otherwise the next poll does.
   */
  async #deliver(signal) {
    const { delivery, onEvents, fetch } = this.#o;
    if (!delivery && !onEvents) return undefined;
    const result = await this.#outbox.drain({
      fetch,
      signal,
      now: this.#time.now,
      sleep: this.#time.sleep,
      wait: false,
      onEvents: onEvents ?? (() => {}),
      onDelivery: (info) => this.#emit("delivery", info),
      onError: (error) => this.#emit(error.code === "delivery.retry" ? "retry" : "error", { error }),
    });
    this.#retryWait?.abort();
    this.#retryWait = null;
    if (this.#running && this.#stopController && result.nextAttemptAt !== undefined) {
      const wait = (this.#retryWait = new AbortController());
      const stopped = this.#stopController.signal;
      this.#time
        .sleep(Math.max(0, result.nextAttemptAt - this.#time.now()), AbortSignal.any([wait.signal, stopped]))
        .then(
          () => this.#deliver(this.#signal()).catch((error) => this.#running && this.#emit("error", { error })),
          () => {}, // replaced by a newer wait, or stopped
        );
    }
    return result;
  }

  /** Notifications parked after their last retry. */
  deadLetters() {
    return this.#outbox.dead();
  }

  /**
   * Polls now, then every `event.poller.refresh_interval` minutes after the previous poll
   * ended, until `stop()` or the signal aborts.
   */
  start() {
    if (this.#running) return;
    this.#running = true;
    // This run's own signal: a loop of an earlier start() ends with it, even if the
    // poller was started again meanwhile.
    const stopped = (this.#stopController = new AbortController()).signal;
    const loop = async () => {
      while (!stopped.aborted) {
        try {
          await this.pollOnce();
        } catch (e) {
          if (stopped.aborted) return;
          this.#emit("error", { error: e });
        }
        if (stopped.aborted) return;
        if (this.#reauthorize) {
          this.#running = false; // needs re-authorization: never retried in a loop
          return;
        }
        try {
          await this.#time.sleep(this.#intervalMs, stopped);
        } catch {
          return; // stopped
        }
      }
    };
    loop();
  }

  /** Stops the schedule and aborts a poll in flight; what was saved stays saved. */
  stop() {
    this.#running = false;
    this.#retryWait?.abort();
    this.#retryWait = null;
    this.#stopController?.abort(new PollerError("poller.stopped", "the poller was stopped"));
    this.#stopController = null;
  }
}

/**
 * Why a request got no response, as a terminal user needs it: fetch says only "fetch failed"
 * and keeps the system error (`ECONNREFUSED`, `ENOTFOUND`, ...) in its cause.
 */
export function transportError(e, url) {
  const code = e?.cause?.code ?? e?.code;
  if (typeof code !== "string" || !/^[A-Z][A-Z_]+$/.test(code)) return e?.message ?? String(e);
  let host;
  try {
    host = new URL(url).host;
  } catch {
    host = url;
  }
  return `cannot connect to ${host} (${code})`;
}
