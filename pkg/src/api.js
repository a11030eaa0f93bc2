// The public API over the wasm core. Each function normalizes its JS arguments, calls the
// core, and turns the core's failures into PollerErrors. No logic of the domain lives here.
import { bindings, currentGeneration } from "./instance.js";
import { PollerError, core } from "./errors.js";

export { PollerError } from "./errors.js";

const encoder = new TextEncoder();

/**
 * Parses `text` written in a Java date pattern (or `milliseconds`, `timestamp`, `iso8601`)
 * in `zone`, returning epoch milliseconds.
 */
export function parseDate(text, format, zone = "GMT") {
  expectString(text, "text");
  expectString(format, "format");
  expectString(zone, "zone");
  return core(() => bindings().parseDate(text, format, zone));
}

/** Formats epoch milliseconds with a Java date pattern in `zone`. */
export function formatDate(ms, format, zone = "GMT") {
  if (ms instanceof Date) ms = ms.getTime();
  if (typeof ms !== "number")
    throw new PollerError("argument.type", `ms must be epoch milliseconds (a number), not ${typeof ms}`);
  expectString(format, "format");
  expectString(zone, "zone");
  return core(() => bindings().formatDate(ms, format, zone));
}

/**
 * Lints a date pattern: warnings with stable codes and hints (`date-format.week-year`, ...).
 * A pattern that does not compile, or an unknown zone, is an error diagnostic; never throws
 * for bad patterns.
 */
export function lintDateFormat(pattern, zone) {
  expectString(pattern, "pattern");
  if (zone !== undefined) expectString(zone, "zone");
  return core(() => bindings().lintDateFormat(pattern, zone ?? ""));
}

/**
 * Validates a `POST /instances` body (an object or JSON text). Never throws: every problem
 * is a diagnostic `{severity, code, path, message, hint?}`.
 */
export function validateConfig(input) {
  let text;
  try {
    text = jsonText(input, "the body");
  } catch (e) {
    return notJson(e.message);
  }
  return core(() => bindings().validateConfig(text));
}

/** A body (object or JSON text) as JSON text for the core; throws PollerError if impossible. */
function jsonText(input, what) {
  if (typeof input === "string") return input;
  let text;
  try {
    text = JSON.stringify(input);
  } catch (e) {
    throw new PollerError("argument.not-json", `${what} cannot be turned into JSON: ${e.message}`);
  }
  if (text === undefined) throw new PollerError("argument.not-json", `${what} must be an object, not ${typeof input}`);
  return text;
}

/** Instants as epoch ms, Date, or ISO text. */
function instant(v, what) {
  if (v instanceof Date) v = v.getTime();
  if (typeof v === "string") {
    const ms = Date.parse(v);
    if (Number.isNaN(ms))
      throw new PollerError("argument.instant", `${what} ${JSON.stringify(v)} is not an ISO instant`);
    v = ms;
  }
  if (!Number.isFinite(v))
    throw new PollerError("argument.instant", `${what} must be epoch milliseconds, a Date or an ISO instant`);
  return v;
}

/**
 * One canonical form of a body, the same for every accepted spelling: native JSON values,
 * `event.poller.configuration` as an object; unknown keys kept.
 */
export function normalizeConfig(input) {
  return core(() => bindings().normalizeConfig(jsonText(input, "the body")));
}

/**
 * Builds a `POST /instances` body from a small spec:
 * `{element, name, oauth: {key, secret, callbackUrl}, callbackUrl, refreshInterval, signatureKey?, resources}`.
 */
export function buildInstance(spec) {
  return core(() => bindings().buildInstance(jsonText(spec, "the spec")));
}

/**
 * The seed's cURL form of `POST /instances`; secrets masked unless `reveal`.
 * @param {import("../types/index.js").RenderOptions & {reveal?: boolean}} [options]
 */
export function renderCurl(body, options = {}) {
  const { baseUrl, userSecret, organizationSecret, reveal = false } = options;
  return core(() =>
    bindings().renderCurl(
      jsonText(body, "the body"),
      JSON.stringify({ baseUrl, userSecret, organizationSecret, reveal }),
    ),
  );
}

/**
 * The body with every secret masked as `renderCurl` masks it (`remove: true`: left out, for
 * saving a body somewhere secrets must not go): secret keys in any case or slightly misspelled,
 * of any JSON type; the callback headers' values; a url's userinfo; inside JSON strings too.
 */
export function redactSecrets(body, { remove = false } = {}) {
  return core(() => bindings().redactSecrets(jsonText(body, "the body"), remove === true));
}

/**
 * `{method, url, headers, body}` for `fetch`, creating the instance.
 * @param {import("../types/index.js").RenderOptions} [options]
 */
export function instanceRequest(body, options = {}) {
  const { baseUrl, userSecret, organizationSecret } = options;
  return core(() =>
    bindings().instanceRequest(
      jsonText(body, "the body"),
      JSON.stringify({ baseUrl, userSecret, organizationSecret, reveal: true }),
    ),
  );
}

/**
 * The url the next poll of `resource` sends, by the poll cycle's own rule: its `${...}` date
 * variables rendered one precision step below the floor, the watermark minus `lookback` and
 * `pollDelay`. Give a saved `state` (what `detectChanges` or a poll returned), or a
 * `watermark` (default: now).
 * @param {{watermark?: number | string | Date, state?: object | string, now?: number | string | Date, lookback?: number}} [options]
 */
export function renderPollUrl(resource, options = {}) {
  const { watermark, state, now = Date.now(), lookback } = options;
  if (!resource || typeof resource !== "object")
    throw new PollerError("argument.resource", "resource must be a resource poller object");
  const t = instant(now, "now");
  const saved =
    state != null
      ? stateText(state)
      : JSON.stringify({ v: 1, watermark: instant(watermark ?? t, "watermark"), from: null, seen: [] });
  const optionsJson = JSON.stringify(detectOptions({ now: t, lookback }));
  return core(() => bindings().renderPollUrl(JSON.stringify(resource), saved, optionsJson));
}

/** 1-based `{line, column, exact}` of the value at a diagnostic's `path` in JSON `text`, or null. */
export function locateConfigPath(text, path) {
  expectString(text, "text");
  expectString(path, "path");
  return core(() => bindings().locateConfigPath(text, path));
}

/**
 * The JSON paths of the secret values in a body (`configuration["oauth.api.secret"]`, ...):
 * what `renderCurl` masks, for tools that show a body's text. None for a body that is not JSON.
 */
export function secretPaths(body) {
  return core(() => bindings().secretPaths(jsonText(body, "the body")));
}

/** Ready resource pollers per element: `presets.infusionsoftrest.appointments`. */
export const presets = lazyObject(
  () =>
    Object.fromEntries(
      bindings()
        .presetElements()
        .map((e) => [e, Object.freeze(bindings().presets(e))]),
    ),
  { freeze: true },
);

/**
 * Ready resource pollers per element polled through its own API (`event.poller.api: "direct"`):
 * `directPresets.infusionsoftrest.contacts` is Keap REST v1's `/v1/contacts` itself. Apart from
 * `presets` (the hub's), whose shape stays `{resource: poller}`.
 */
export const directPresets = lazyObject(
  () =>
    Object.fromEntries(
      bindings()
        .presetElements()
        .map((e) => [e, bindings().directPresets(e)])
        .filter(([, p]) => p !== undefined)
        .map(([e, p]) => [e, Object.freeze(p)]),
    ),
  { freeze: true },
);

/** A JSON Schema (2020-12) of the `POST /instances` body, for editors. */
export const configSchema = lazyObject(() => bindings().configSchema());

/**
 * An object read from the core on first use, not when this module is evaluated (the wasm
 * may not be instantiated yet then: see instance.js). Every proxy trap fills the target
 * first, so the object behaves as the plain (or frozen) object it stands for.
 */
function lazyObject(make, { freeze = false } = {}) {
  const target = {};
  let filled = false;
  const fill = () => {
    if (!filled) {
      Object.assign(target, core(make));
      if (freeze) Object.freeze(target);
      filled = true;
    }
    return target;
  };
  const traps = [
    "get",
    "has",
    "ownKeys",
    "getOwnPropertyDescriptor",
    "set",
    "deleteProperty",
    "defineProperty",
    "isExtensible",
    "preventExtensions",
  ];
  return new Proxy(target, Object.fromEntries(traps.map((t) => [t, (_, ...args) => Reflect[t](fill(), ...args)])));
}

function notJson(message) {
  return { ok: false, diagnostics: [{ severity: "error", code: "config.not-json", path: "", message }] };
}

/**
 * The detection options the core reads, from the JS names.
 * @param {import("../types/index.js").DetectOptions & {elementKey?: string, instanceId?: string}} options
 */
function detectOptions({
  startFrom = "now",
  now = Date.now(),
  lookback,
  recordsField,
  elementKey,
  instanceId,
  raw = false,
  maxSeen,
  maxClockSkew,
}) {
  expectString(startFrom, "startFrom");
  if (!Number.isFinite(now)) throw new PollerError("argument.now", "now must be epoch milliseconds");
  if (lookback !== undefined && !(lookback >= 0))
    throw new PollerError("argument.lookback", "lookback must be milliseconds ≥ 0");
  if (maxClockSkew !== undefined && !(maxClockSkew >= 0))
    throw new PollerError("argument.max-clock-skew", "maxClockSkew must be milliseconds ≥ 0");
  return { startFrom, now, lookback, recordsField, elementKey, instance: instanceId, raw, maxSeen, maxClockSkew };
}

function stateText(state) {
  return state == null ? "" : typeof state === "string" ? state : JSON.stringify(state);
}

function resourceText(resource) {
  if (!resource || typeof resource !== "object")
    throw new PollerError("argument.resource", "resource must be a resource poller object with its name");
  return JSON.stringify(resource);
}

/**
 * Change detection over one response body of one resource: `{events, state, stats, diagnostics}`.
 * `body` is the raw response bytes (a string is accepted too).
 * @param {import("../types/index.js").DetectInput} input
 * @returns {import("../types/index.js").DetectResult}
 */
export function detectChanges(input) {
  const { resource, state = null, body, ...options } = input ?? /** @type {any} */ ({});
  const resourceJson = resourceText(resource);
  const optionsJson = JSON.stringify(detectOptions(options));
  return outcome(
    withBody(body, (inner) => core(() => bindings().detectChanges(resourceJson, stateText(state), optionsJson, inner))),
  );
}

/** The core's event type bytes (`src/wasm.rs` `outcome_to_js`). */
const EVENT_TYPES = ["CREATED", "UPDATED", "DELETED"];

/**
 * `{events, state, stats, diagnostics}` from the core's compact form: the events arrive as
 * columns (one string of ids and their ends, one of dates, one of eventIds, a byte per type)
 * and become objects here, which costs far less than building each one across the boundary.
 */
function outcome(o) {
  const { count, objectType, elementKey, types, ids, idEnds, dates, dateEnds, eventIds } = o;
  const raw = o.raw === undefined ? undefined : JSON.parse(o.raw);
  const events = new Array(count);
  let id = 0;
  let date = 0;
  for (let i = 0; i < count; i++) {
    const eventType = EVENT_TYPES[types[i]];
    const objectId = ids.slice(id, idEnds[i]);
    const at = dates.slice(date, dateEnds[i]);
    const eventId = eventIds.slice(32 * i, 32 * i + 32);
    // Each object made whole by one literal (one hidden class, no transitions), in the order
    // the core serializes an event.
    const e =
      elementKey === undefined
        ? { eventType, objectType, objectId, date: at, eventId }
        : { eventType, objectType, objectId, date: at, elementKey, eventId };
    if (raw?.[i] != null) e.raw = raw[i];
    events[i] = e;
    id = idEnds[i];
    date = dateEnds[i];
  }
  return { events, state: JSON.parse(o.state), stats: o.stats, diagnostics: o.diagnostics };
}

let liveOf; // a BodyBuffer's wasm object (throws once freed), for this module only

/**
 * A response body held in wasm memory. Streaming a response into one (`fromResponse`,
 * `fromStream`) copies each chunk once, straight into wasm memory; passing a `Uint8Array`
 * to `detectChanges` or `PollCycle.handleResponse` copies the whole body in on every call.
 * A buffer can be read any number of times; `free()` returns its memory (or let it be
 * garbage-collected).
 */
export class BodyBuffer {
  #inner;
  #generation = currentGeneration(); // the instance whose memory holds the bytes
  static {
    liveOf = (b) => b.#live();
  }

  /** An empty buffer; `capacity` (bytes) reserves room up front when the length is known. */
  constructor(capacity = 0) {
    if (!Number.isSafeInteger(capacity) || capacity < 0)
      throw new PollerError("argument.capacity", `capacity must be a byte count, not ${capacity}`);
    this.#inner = core(() => new (bindings().BodyBuffer)(Math.min(capacity, 0xffff_ffff))); // wasm32 sizes are 32-bit
  }

  /** A buffer holding `body` (bytes or text, UTF-8 encoded). */
  static from(body) {
    const b = new BodyBuffer();
    b.#inner.free();
    b.#inner = core(() => bindings().BodyBuffer.fromBytes(bytesOf(body)));
    return b;
  }

  /**
   * Reads a stream of byte chunks (a fetch `Response.body`, a Node `Readable`, any async
   * iterable of `Uint8Array`) to its end. `capacity` reserves room (e.g. the content length).
   */
  static async fromStream(stream, { capacity = 0 } = {}) {
    const b = new BodyBuffer(capacity);
    try {
      if (typeof stream?.getReader === "function") {
        const reader = stream.getReader();
        for (let r; !(r = await reader.read()).done;) b.write(r.value);
      } else if (stream && typeof stream[Symbol.asyncIterator] === "function") {
        for await (const chunk of stream) b.write(chunk);
      } else {
        throw new PollerError(
          "argument.stream",
          "fromStream needs a ReadableStream or an async iterable of Uint8Array chunks",
        );
      }
    } catch (e) {
      b.free();
      throw e;
    }
    return b;
  }

  /** A fetch `Response`'s body, streamed in (its `content-length`, when given, is reserved). */
  static async fromResponse(response) {
    if (!response.body) return BodyBuffer.from(new Uint8Array(await response.arrayBuffer()));
    const length = Number(response.headers?.get?.("content-length"));
    return BodyBuffer.fromStream(response.body, { capacity: Number.isSafeInteger(length) && length > 0 ? length : 0 });
  }

  /** Appends `chunk` (bytes, or text as UTF-8). */
  write(chunk) {
    const bytes = bytesOf(chunk);
    const inner = this.#live();
    // The view is into wasm memory: it is filled before the next call into the module.
    core(() => {
      inner.spare(bytes.length).set(bytes);
      inner.commit(bytes.length);
    });
    return this;
  }

  /** The length in bytes. */
  get length() {
    const inner = this.#live();
    return core(() => inner.length);
  }

  #live() {
    if (!this.#inner) throw new PollerError("argument.body", "this BodyBuffer was freed");
    if (this.#generation !== currentGeneration()) {
      throw new PollerError(
        "internal",
        "this BodyBuffer's bytes were lost when the wasm core was restarted after an internal error: read the body again",
      );
    }
    return this.#inner;
  }

  /** Returns the buffer's wasm memory now rather than when it is garbage-collected. */
  free() {
    // A buffer of a retired instance frees into a stub: nothing to return, nothing thrown.
    this.#inner?.free();
    this.#inner = undefined;
  }
}

function bytesOf(body) {
  if (typeof body === "string") return encoder.encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new PollerError("argument.body", "body must be the response bytes (Uint8Array), a string or a BodyBuffer");
}

/** Runs `f` with the wasm object of `body`, copying bytes or text into a buffer freed after. */
function withBody(body, f) {
  if (body instanceof BodyBuffer) return f(liveOf(body));
  const buffer = core(() => bindings().BodyBuffer.fromBytes(bytesOf(body)));
  try {
    return f(buffer);
  } finally {
    // After a trap in `f` this buffer's instance is retired and the free is a no-op, so the
    // trap's PollerError is what the caller sees (a live instance would refuse to free a
    // value still borrowed by the trapped call).
    buffer.free();
  }
}

/**
 * The resource pollers of an instance body as the core polls them: `[{name, ...poller}]`, in
 * the order written (`event.poller.configuration` as an object or a JSON string). An entry that
 * is not an object is a bare `{name}`: its cycle says what is wrong with it.
 */
export function pollers(instance) {
  return core(() => bindings().pollers(jsonText(instance, "the body")));
}

/**
 * Which API an instance body polls: `"hub"` (a Cloud Elements hub, the default) or `"direct"`
 * (`event.poller.api`: Keap REST v1 itself for infusionsoftrest). An unknown value throws the
 * `config.poller-api` error validation reports.
 * @returns {"hub" | "direct"}
 */
export function pollerApi(instance) {
  return /** @type {"hub" | "direct"} */ (core(() => bindings().pollerApi(jsonText(instance, "the body"))));
}

/** The milliseconds between polls: `event.poller.refresh_interval` minutes when a whole number ≥ 1, else 15. */
export function refreshIntervalMs(instance) {
  return core(() => bindings().refreshIntervalMs(jsonText(instance, "the body")));
}

/**
 * An instance's identity, by the one rule the eventIds and the Poller's store keys use: `id`
 * when given; else the body's name (else its element key) and a fingerprint, so two instances
 * that share a name never share state or eventIds: of `baseUrl` and the Element token
 * (`auth.element`) when known, for a hub instance; of the OAuth app (`oauth.api.key`) and the
 * grant code (`providerData.code`) for a direct one. Neither the token nor the code appears in it.
 * @param {object | string | undefined} instance
 * @param {{id?: string | number, baseUrl?: string, auth?: {element?: string}}} [where]
 * @returns {{elementKey?: string, instanceId?: string}}
 */
export function instanceIdentity(instance, { id, baseUrl, auth } = {}) {
  const text = instance === undefined ? "" : jsonText(instance, "the body");
  const where = {
    id: id === undefined ? undefined : String(id),
    baseUrl: typeof baseUrl === "string" ? baseUrl : undefined,
    elementToken: typeof auth?.element === "string" ? auth.element : undefined,
  };
  return core(() => bindings().instanceIdentity(text, JSON.stringify(where)));
}

/** The resource poller named `name` in an instance body. */
function resourceOf(instance, resource) {
  if (typeof resource !== "string") return resource;
  const found = pollers(instance).find((p) => p.name === resource);
  if (!found)
    throw new PollerError("argument.resource", `no resource ${JSON.stringify(resource)} in event.poller.configuration`);
  return found;
}

/**
 * One poll cycle of one resource, sans-IO. Drive it: `nextRequest()` gives the request to
 * send (after waiting its `delayMs`), or null when the cycle is over; `handleResponse()`
 * takes what came back; then `finish()` once gives `{events, state, stats, diagnostics}`
 * or throws why the cycle failed (keep the old state then).
 */
export class PollCycle {
  #inner;
  #generation;

  /** @param {import("../types/index.js").PollCycleOptions} options */
  constructor(options) {
    const {
      instance,
      resource,
      state = null,
      baseUrl,
      auth,
      api,
      seed = 0,
      retry = {},
      reconcile = false,
      ...rest
    } = options ?? /** @type {any} */ ({});
    if (typeof baseUrl !== "string")
      throw new PollerError(
        "argument.base-url",
        "baseUrl must be the hub's base URL, e.g. https://api.cloud-elements.com/elements/api-v2",
      );
    const identity = instanceIdentity(instance, { baseUrl, auth });
    const opts = {
      detect: detectOptions({ ...identity, ...rest }),
      baseUrl,
      // The instance says which API it polls unless the caller does (a bare resource has no instance).
      api: api ?? (instance === undefined ? undefined : pollerApi(instance)),
      auth,
      seed,
      maxRetries: retry.maxRetries,
      backoffMs: retry.baseMs,
      maxBackoffMs: retry.maxMs,
      // List in full now (DELETED events, DESIGN section 13), whatever reconcile.everyHours says.
      reconcile: reconcile === true,
    };
    const resourceJson = resourceText(resourceOf(instance, resource));
    this.#inner = core(() => new (bindings().PollCycle)(resourceJson, stateText(state), JSON.stringify(opts)));
    this.#generation = currentGeneration();
  }

  #live() {
    if (this.#generation !== currentGeneration()) {
      throw new PollerError(
        "internal",
        "this cycle was lost when the wasm core was restarted after an internal error: start a new one from the saved state",
      );
    }
    return this.#inner;
  }

  /**
   * `retry` when the request is sent again: the how-manieth retry in a row, why (`"transport"`,
   * `"throttled"` for 429, `"server"` for 5xx), the status that asked for it and where the
   * delay came from (`"retry-after"`, `"keap"`, `"backoff"`).
   * @returns {import("../types/index.js").CycleRequest | null}
   */
  nextRequest() {
    const inner = this.#live();
    return core(() => inner.nextRequest());
  }

  /** @param {{status: number, headers?: Record<string, string> | Headers, body?: Uint8Array | string | BodyBuffer}} response */
  handleResponse({ status, headers = {}, body = new Uint8Array() }) {
    // The core reads `[name, value]` pairs; anything else is passed on as it is, for the core's
    // `response.headers` error.
    const pairs =
      typeof Headers !== "undefined" && headers instanceof Headers
        ? [...headers]
        : headers && typeof headers === "object" && !Array.isArray(headers)
          ? Object.entries(headers)
          : headers;
    const headersJson = JSON.stringify(pairs);
    const cycle = this.#live();
    withBody(body, (inner) => core(() => cycle.handleResponse(status, headersJson, inner)));
  }

  /**
   * Whether this cycle lists the resource in full and reports DELETED for ids gone since the
   * last complete listing: the core's decision (the poller's `reconcile.everyHours`, or the
   * `reconcile` option).
   */
  get reconciling() {
    return this.#live().reconciling;
  }

  /** The stats read so far (`pages`, `records`, `events`, ...): progress while the cycle runs. */
  progress() {
    const inner = this.#live();
    return core(() => inner.progress());
  }

  finish() {
    const inner = this.#live();
    const out = core(() => inner.finish());
    inner.free();
    return outcome(out);
  }
}

/**
 * Notification requests for `events`: at most `batchSize` (10) events each, body
 * `{"message": {...}}`, an `Elements-Webhook-Id` header, and when a signature key is given
 * the headers of `signing`: `"elements"` (default) `Elements-Webhook-Signature: sha256=<base64 HMAC>`;
 * `"standard"` the Standard Webhooks `webhook-id`, `webhook-timestamp` (seconds of `now`) and
 * `webhook-signature` (one `v1,<base64>` per key of `signatureKeys`); `"both"` all of them.
 */
/**
 * @param {import("../types/index.js").PollerEvent[]} events
 * @param {import("../types/index.js").NotificationOptions} [options]
 * @returns {import("../types/index.js").HttpRequest[]}
 */
export function buildNotifications(events, options = {}) {
  const {
    instance,
    callbackUrl,
    signatureKey,
    signatureKeys,
    signing,
    now = Date.now(),
    batchSize = 10,
    headers,
    instanceId,
  } = options;
  if (!Array.isArray(events)) throw new PollerError("argument.events", "events must be the array detection returned");
  const body = instance === undefined ? undefined : normalizeConfig(instance);
  const url = callbackUrl ?? body?.configuration?.["event.notification.callback.url"];
  if (typeof url !== "string")
    throw new PollerError(
      "argument.callback-url",
      "no callbackUrl, and the instance has no event.notification.callback.url",
    );
  const opts = {
    // `instanceId`: a host that names its instances (the events service's ids) says so, as it
    // does to PollCycle, so the envelope names the instance the eventIds were made for.
    ...(body === undefined ? {} : instanceIdentity(body, { id: instanceId })),
    callbackUrl: url,
    ...signingOptions({ instance: body, signatureKey, signatureKeys, signing, now }),
    batchSize,
  };
  const requests = core(() => bindings().buildNotifications(JSON.stringify(events), JSON.stringify(opts)));
  if (headers) for (const r of requests) Object.assign(r.headers, headers);
  return requests;
}

/** The core's signing options: the first key, then the rest (rotation), the scheme, the time. */
function signingOptions({ instance, signatureKey, signatureKeys, signing, now }) {
  const keys =
    keyList(signatureKey, signatureKeys, "signatureKey") ??
    [instance?.configuration?.["event.notification.signature.key"]].filter((k) => k != null);
  if (signing !== undefined) expectString(signing, "signing");
  return { signatureKey: keys[0], signatureKeys: keys.slice(1), signing, now: instant(now, "now") };
}

/** `key` and/or `keys` as one array of strings, or undefined when neither is given. */
function keyList(key, keys, name) {
  if (key === undefined && keys === undefined) return undefined;
  if (keys !== undefined && !Array.isArray(keys))
    throw new PollerError("webhook.key", `${name}s must be an array of keys`);
  const list = [...(key === undefined ? [] : [key]), ...(keys ?? [])];
  // The message names the argument, never a value: keys are secrets.
  if (!list.every((k) => typeof k === "string"))
    throw new PollerError("webhook.key", `every ${name} must be a string (raw text or whsec_<base64>)`);
  return list;
}

/** The header names `signNotification` replaces (lower case). */
const SIGNATURE_HEADERS = new Set([
  "elements-webhook-signature",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
]);

/**
 * The request of a built notification signed for one delivery attempt at `now`: with
 * Standard Webhooks a retry carries the attempt's timestamp (receivers reject old ones) and
 * the same `webhook-id`. Options as `buildNotifications`' signing options.
 * @param {{headers?: Record<string, string>, body: string, [k: string]: unknown}} request
 * @param {import("../types/index.js").SigningOptions} [options]
 */
export function signNotification(request, options = {}) {
  const { instance, signatureKey, signatureKeys, signing, now = Date.now() } = options;
  if (!request || typeof request.body !== "string")
    throw new PollerError("argument.request", "request must be a notification {url, headers, body: string}");
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).filter(([k]) => !SIGNATURE_HEADERS.has(k.toLowerCase())),
  );
  const id = headerValue(request.headers, "webhook-id") ?? headerValue(request.headers, "elements-webhook-id");
  if (typeof id !== "string")
    throw new PollerError(
      "argument.request",
      "request has no webhook-id or Elements-Webhook-Id header: it is not a built notification",
    );
  const body = instance === undefined ? undefined : normalizeConfig(instance);
  const opts = signingOptions({ instance: body, signatureKey, signatureKeys, signing, now });
  return {
    ...request,
    headers: { ...headers, ...core(() => bindings().signNotification(request.body, id, JSON.stringify(opts))) },
  };
}

function headerValue(headers, name) {
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Checks a notification a receiver got, before trusting it: the signature over the raw
 * `body` bytes (Standard Webhooks when its headers are there, else `Elements-Webhook-Signature`,
 * or only `scheme`), compared in constant time in the core, with any of the keys (rotation);
 * for Standard Webhooks also that `webhook-timestamp` is within `toleranceSeconds` (300) of
 * `now`. Returns `{message, id, timestamp, scheme}`; throws a PollerError: `webhook.signature`,
 * `webhook.timestamp`, `webhook.malformed`, `webhook.key`.
 * @param {import("../types/index.js").VerifyOptions} options
 * @returns {import("../types/index.js").VerifiedNotification}
 */
export function verifyNotification(options) {
  const { body, headers, key, keys, toleranceSeconds, now = Date.now(), scheme } = options ?? /** @type {any} */ ({});
  if (body !== null && typeof body === "object" && !(body instanceof Uint8Array) && !(body instanceof ArrayBuffer)) {
    throw new PollerError(
      "argument.body",
      "body must be the raw request bytes (Uint8Array, Buffer or string), not parsed JSON: re-serialized JSON is not the bytes that were signed",
    );
  }
  const bytes = bytesOf(body);
  if (toleranceSeconds !== undefined && !(Number.isFinite(toleranceSeconds) && toleranceSeconds >= 0)) {
    throw new PollerError("argument.tolerance", "toleranceSeconds must be seconds ≥ 0");
  }
  if (scheme !== undefined) expectString(scheme, "scheme");
  const coreOptions = { keys: keyList(key, keys, "key") ?? [], toleranceSeconds, now: instant(now, "now"), scheme };
  const pairs = JSON.stringify(headerPairs(headers));
  const out = core(() => bindings().verifyNotification(bytes, pairs, JSON.stringify(coreOptions)));
  return {
    message: JSON.parse(out.messageJson),
    id: out.id ?? undefined,
    timestamp: out.timestamp ?? undefined,
    scheme: out.scheme,
  };
}

/** Headers (a `Headers`, Node's `req.headers`, a plain object or pairs) as `[name, value]` string pairs. */
function headerPairs(headers) {
  if (headers === null || typeof headers !== "object")
    throw new PollerError(
      "argument.headers",
      "headers must be the request's headers (a Headers, an object or [name, value] pairs)",
    );
  let entries;
  try {
    entries = Array.isArray(headers)
      ? headers
      : typeof Headers !== "undefined" && headers instanceof Headers
        ? [...headers]
        : Object.entries(headers);
  } catch (e) {
    throw new PollerError("argument.headers", `the headers cannot be read: ${e?.message ?? e}`);
  }
  const pairs = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2)
      throw new PollerError("argument.headers", "header pairs must be [name, value]");
    const [name, value] = entry;
    if (value === undefined || value === null) continue;
    // Node gives a repeated header as an array; HTTP joins repeats with ", ".
    const text = Array.isArray(value)
      ? value.map(String).join(", ")
      : typeof value === "object"
        ? undefined
        : String(value);
    if (typeof name !== "string" || text === undefined)
      throw new PollerError("argument.headers", "header names and values must be strings");
    pairs.push([name, text]);
  }
  return pairs;
}

/** Delivery retry delays in ms: 9 retries, the x-th after 2^(2x) seconds. */
export function retrySchedule() {
  return Array.from(core(() => bindings().retrySchedule()));
}

/**
 * A `Retry-After` value in ms: delay-seconds, or an HTTP date read against `now`; at most a
 * day. `undefined` when there is none or it is unreadable.
 */
export function retryAfterMs(value, now = Date.now()) {
  if (value === null || value === undefined) return undefined;
  const t = instant(now, "now");
  return core(() => bindings().retryAfterMs(String(value), t));
}

/**
 * One step of a notification's delivery, decided by the core (`src/delivery.rs`): give the
 * `state` saved with it (`{attempts, nextAttemptAt, lastAttemptAt?, lastStatus?, deadAt?}`;
 * other fields are ignored, so an outbox entry will do) and what came of the attempt started
 * at `attemptedAt`: `{kind: "answered", status, headers}`, `{kind: "no-answer"}`,
 * `{kind: "consumed"}` or `{kind: "consumer-failed"}`. Returns `{action, state, attempt?,
 * delayMs?, failure?}`: `"delivered"`; `"retry"`, to try again at `state.nextAttemptAt`; or
 * `"dead"`, to park it. `schedule`, `maxRetries` and `scale` default to the platform's policy.
 * @param {object} state
 * @param {{kind: "answered" | "no-answer" | "consumed" | "consumer-failed", status?: number, headers?: Record<string, string> | Headers | Array<[string, string]>}} outcome
 * @param {{now?: number, attemptedAt?: number, schedule?: number[], maxRetries?: number, scale?: number}} [options]
 */
export function nextDelivery(state, outcome, options = {}) {
  const { now = Date.now(), attemptedAt = now, schedule, maxRetries, scale } = options;
  if (!outcome || typeof outcome.kind !== "string")
    throw new PollerError(
      "argument.outcome",
      'outcome must be {kind: "answered", status, headers}, {kind: "no-answer"}, {kind: "consumed"} or {kind: "consumer-failed"}',
    );
  const stateJson = jsonText(state ?? {}, "the delivery state");
  const outcomeJson = JSON.stringify({
    kind: outcome.kind,
    status: outcome.status,
    headers: outcome.headers === undefined ? [] : headerPairs(outcome.headers),
  });
  const policyJson = JSON.stringify({ schedule, maxRetries, scale });
  const t = instant(now, "now");
  const at = instant(attemptedAt, "attemptedAt");
  return core(() => bindings().nextDelivery(stateJson, outcomeJson, policyJson, at, t));
}

function expectString(v, name) {
  if (typeof v !== "string")
    throw new PollerError("argument.type", `${name} must be a string, not ${v === null ? "null" : typeof v}`);
}
