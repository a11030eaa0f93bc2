// The public API over the wasm core. Each function normalizes its JS arguments, calls the
// core, and turns the core's failures into PollerErrors. No logic of the domain lives here.
import * as wasm from "../wasm/elements_poller.js";
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
  return core(() => wasm.parseDate(text, format, zone));
}

/** Formats epoch milliseconds with a Java date pattern in `zone`. */
export function formatDate(ms, format, zone = "GMT") {
  if (ms instanceof Date) ms = ms.getTime();
  if (typeof ms !== "number") throw new PollerError("argument.type", `ms must be epoch milliseconds (a number), not ${typeof ms}`);
  expectString(format, "format");
  expectString(zone, "zone");
  return core(() => wasm.formatDate(ms, format, zone));
}

/**
 * Lints a date pattern: warnings with stable codes and hints (`date-format.week-year`, ...).
 * A pattern that does not compile, or an unknown zone, is an error diagnostic; never throws
 * for bad patterns.
 */
export function lintDateFormat(pattern, zone) {
  expectString(pattern, "pattern");
  if (zone !== undefined) expectString(zone, "zone");
  return core(() => wasm.lintDateFormat(pattern, zone ?? ""));
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
  return core(() => wasm.validateConfig(text));
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
    if (Number.isNaN(ms)) throw new PollerError("argument.instant", `${what} ${JSON.stringify(v)} is not an ISO instant`);
    v = ms;
  }
  if (!Number.isFinite(v)) throw new PollerError("argument.instant", `${what} must be epoch milliseconds, a Date or an ISO instant`);
  return v;
}

/**
 * One canonical form of a body, the same for every accepted spelling: native JSON values,
 * `event.poller.configuration` as an object; unknown keys kept.
 */
export function normalizeConfig(input) {
  return core(() => wasm.normalizeConfig(jsonText(input, "the body")));
}

/**
 * Builds a `POST /instances` body from a small spec:
 * `{element, name, oauth: {key, secret, callbackUrl}, callbackUrl, refreshInterval, signatureKey?, resources}`.
 */
export function buildInstance(spec) {
  return core(() => wasm.buildInstance(jsonText(spec, "the spec")));
}

/** The seed's cURL form of `POST /instances`; secrets masked unless `reveal`. */
export function renderCurl(body, { baseUrl, userSecret, organizationSecret, reveal = false } = {}) {
  return core(() => wasm.renderCurl(jsonText(body, "the body"), JSON.stringify({ baseUrl, userSecret, organizationSecret, reveal })));
}

/** `{method, url, headers, body}` for `fetch`, creating the instance. */
export function instanceRequest(body, { baseUrl, userSecret, organizationSecret } = {}) {
  return core(() => wasm.instanceRequest(jsonText(body, "the body"), JSON.stringify({ baseUrl, userSecret, organizationSecret, reveal: true })));
}

/**
 * The resource's url with its `${...}` date variables rendered from the watermark (minus
 * `pollDelay`; never later than `now`).
 */
export function renderPollUrl(resource, { watermark, now = Date.now() } = {}) {
  if (!resource || typeof resource !== "object") throw new PollerError("argument.resource", "resource must be a resource poller object");
  const w = instant(watermark ?? now, "watermark");
  return core(() => wasm.renderPollUrl(JSON.stringify(resource), w, instant(now, "now")));
}

/** 1-based `{line, column, exact}` of the value at a diagnostic's `path` in JSON `text`, or null. */
export function locateConfigPath(text, path) {
  expectString(text, "text");
  expectString(path, "path");
  return core(() => wasm.locateConfigPath(text, path));
}

/** Ready resource pollers per element: `presets.infusionsoftrest.appointments`. */
export const presets = Object.freeze(Object.fromEntries(wasm.presetElements().map((e) => [e, Object.freeze(wasm.presets(e))])));

/** A JSON Schema (2020-12) of the `POST /instances` body, for editors. */
export const configSchema = wasm.configSchema();

function notJson(message) {
  return { ok: false, diagnostics: [{ severity: "error", code: "config.not-json", path: "", message }] };
}

/** The detection options the core reads, from the JS names. */
function detectOptions({ startFrom = "now", now = Date.now(), lookback, recordsField, elementKey, instanceId, raw = false, maxSeen }) {
  expectString(startFrom, "startFrom");
  if (!Number.isFinite(now)) throw new PollerError("argument.now", "now must be epoch milliseconds");
  if (lookback !== undefined && !(lookback >= 0)) throw new PollerError("argument.lookback", "lookback must be milliseconds ≥ 0");
  return { startFrom, now, lookback, recordsField, elementKey, instance: instanceId, raw, maxSeen };
}

function stateText(state) {
  return state == null ? "" : typeof state === "string" ? state : JSON.stringify(state);
}

function resourceText(resource) {
  if (!resource || typeof resource !== "object") throw new PollerError("argument.resource", "resource must be a resource poller object with its name");
  return JSON.stringify(resource);
}

/**
 * Change detection over one response body of one resource: `{events, state, stats, diagnostics}`.
 * `body` is the raw response bytes (a string is accepted too).
 */
export function detectChanges({ resource, state = null, body, ...options } = {}) {
  const resourceJson = resourceText(resource);
  const optionsJson = JSON.stringify(detectOptions(options));
  return withBody(body, (inner) => core(() => wasm.detectChanges(resourceJson, stateText(state), optionsJson, inner)));
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
  static {
    liveOf = (b) => b.#live();
  }

  /** An empty buffer; `capacity` (bytes) reserves room up front when the length is known. */
  constructor(capacity = 0) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new PollerError("argument.capacity", `capacity must be a byte count, not ${capacity}`);
    this.#inner = new wasm.BodyBuffer(Math.min(capacity, 0xffff_ffff)); // wasm32 sizes are 32-bit
  }

  /** A buffer holding `body` (bytes or text, UTF-8 encoded). */
  static from(body) {
    const b = new BodyBuffer();
    b.#inner.free();
    b.#inner = wasm.BodyBuffer.fromBytes(bytesOf(body));
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
        for (let r; !(r = await reader.read()).done; ) b.write(r.value);
      } else if (stream && typeof stream[Symbol.asyncIterator] === "function") {
        for await (const chunk of stream) b.write(chunk);
      } else {
        throw new PollerError("argument.stream", "fromStream needs a ReadableStream or an async iterable of Uint8Array chunks");
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
    core(() => inner.spare(bytes.length)).set(bytes);
    inner.commit(bytes.length);
    return this;
  }

  /** The length in bytes. */
  get length() {
    return this.#live().length;
  }

  #live() {
    if (!this.#inner) throw new PollerError("argument.body", "this BodyBuffer was freed");
    return this.#inner;
  }

  /** Returns the buffer's wasm memory now rather than when it is garbage-collected. */
  free() {
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
  const buffer = wasm.BodyBuffer.fromBytes(bytesOf(body));
  try {
    return f(buffer);
  } finally {
    buffer.free();
  }
}

/** The instance's identity in event ids, and its element key, from a body. */
function instanceIdentity(instance) {
  const elementKey = instance?.element?.key;
  return { elementKey, instanceId: instance?.name ?? elementKey };
}

/** The resource poller named `name` in an instance body. */
function resourceOf(instance, resource) {
  if (typeof resource !== "string") return resource;
  const pollers = normalizeConfig(instance).configuration?.["event.poller.configuration"] ?? {};
  if (!pollers[resource]) throw new PollerError("argument.resource", `no resource ${JSON.stringify(resource)} in event.poller.configuration`);
  return { ...pollers[resource], name: resource };
}

/**
 * One poll cycle of one resource, sans-IO. Drive it: `nextRequest()` gives the request to
 * send (after waiting its `delayMs`), or null when the cycle is over; `handleResponse()`
 * takes what came back; then `finish()` once gives `{events, state, stats, diagnostics}`
 * or throws why the cycle failed (keep the old state then).
 */
export class PollCycle {
  #inner;

  /**
   * @param {{instance?: object, resource: object|string, state?: object|null, now?: number, baseUrl: string,
   *   auth?: {user: string, organization: string, element: string}, seed?: number, startFrom?: string,
   *   lookback?: number, recordsField?: string, raw?: boolean, retry?: {maxRetries?: number, baseMs?: number, maxMs?: number}}} options
   */
  constructor({ instance, resource, state = null, baseUrl, auth, seed = 0, retry = {}, ...options } = {}) {
    if (typeof baseUrl !== "string") throw new PollerError("argument.base-url", "baseUrl must be the hub's base URL, e.g. https://api.cloud-elements.com/elements/api-v2");
    const identity = instanceIdentity(instance);
    const opts = {
      detect: detectOptions({ ...identity, ...options }),
      baseUrl,
      auth,
      seed,
      maxRetries: retry.maxRetries,
      backoffMs: retry.baseMs,
      maxBackoffMs: retry.maxMs,
    };
    const resourceJson = resourceText(resourceOf(instance, resource));
    this.#inner = core(() => new wasm.PollCycle(resourceJson, stateText(state), JSON.stringify(opts)));
  }

  /** @returns {{method: string, url: string, headers: Record<string, string>, delayMs: number} | null} */
  nextRequest() {
    return core(() => this.#inner.nextRequest());
  }

  /** @param {{status: number, headers?: Record<string, string> | Headers, body?: Uint8Array | string | BodyBuffer}} response */
  handleResponse({ status, headers = {}, body = new Uint8Array() }) {
    const h = typeof Headers !== "undefined" && headers instanceof Headers ? Object.fromEntries(headers) : headers;
    const headersJson = JSON.stringify(h);
    withBody(body, (inner) => core(() => this.#inner.handleResponse(status, headersJson, inner)));
  }

  /** The stats read so far (`pages`, `records`, `events`, ...): progress while the cycle runs. */
  progress() {
    return core(() => this.#inner.progress());
  }

  finish() {
    const out = core(() => this.#inner.finish());
    this.#inner.free();
    return out;
  }
}

/**
 * Notification requests for `events`: at most `batchSize` (10) events each, body
 * `{"message": {...}}`, signed with `Elements-Webhook-Signature: sha256=<base64 HMAC>` when a
 * signature key is given, and an `Elements-Webhook-Id` header.
 */
export function buildNotifications(events, { instance, callbackUrl, signatureKey, batchSize = 10, headers } = {}) {
  if (!Array.isArray(events)) throw new PollerError("argument.events", "events must be the array detection returned");
  const body = instance === undefined ? undefined : normalizeConfig(instance);
  const url = callbackUrl ?? body?.configuration?.["event.notification.callback.url"];
  if (typeof url !== "string") throw new PollerError("argument.callback-url", "no callbackUrl, and the instance has no event.notification.callback.url");
  const key = signatureKey ?? body?.configuration?.["event.notification.signature.key"];
  const opts = { ...instanceIdentity(body), callbackUrl: url, signatureKey: key, batchSize };
  const requests = core(() => wasm.buildNotifications(JSON.stringify(events), JSON.stringify(opts)));
  if (headers) for (const r of requests) Object.assign(r.headers, headers);
  return requests;
}

/** Delivery retry delays in ms: 9 retries, the x-th after 2^(2x) seconds. */
export function retrySchedule() {
  return Array.from(wasm.retrySchedule());
}

function expectString(v, name) {
  if (typeof v !== "string") throw new PollerError("argument.type", `${name} must be a string, not ${v === null ? "null" : typeof v}`);
}
