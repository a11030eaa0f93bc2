// Types of the package's main entry ("elements-poller"). Hand-written for the JS layer and
// checked against usage by `tsc -p tests/types` in `npm test`.

import type { ErrorCode } from "./codes.js";
export type { ErrorCode } from "./codes.js";

/** A stable dotted code, e.g. `date.parse.literal` or `config.placeholder`: the core's catalogue (src/codes.rs). */
export type Code = ErrorCode;

export type Severity = "error" | "warning" | "info";

/** One problem in a user's document, addressed by its JSON path. */
export interface Diagnostic {
  severity: Severity;
  code: Code;
  /** JSON path in the user's document: `configuration["event.poller.configuration"].appointments.url`. */
  path: string;
  message: string;
  hint?: string;
}

/** Every failure of the package. */
export class PollerError extends Error {
  constructor(code: Code, message: string, details?: { path?: string; column?: number; hint?: string; cause?: unknown });
  readonly name: "PollerError";
  readonly code: Code;
  /** JSON path of the offending value, where there is a document. */
  readonly path?: string;
  /** 0-based column where parsing stopped, for parse errors. */
  readonly column?: number;
  readonly hint?: string;
}

/** A Java SimpleDateFormat pattern, or `milliseconds`, `timestamp`, `seconds`, `iso8601`. */
export type DateFormatSpec = string;
/** `GMT`, `UTC`, a fixed offset (`-08:00`), a Java short id (`PST`) or an IANA name. */
export type ZoneName = string;

/** Parses `text` in `format` and `zone` (default GMT) to epoch milliseconds. Throws `PollerError`. */
export function parseDate(text: string, format: DateFormatSpec, zone?: ZoneName): number;
/** Formats epoch milliseconds (or a Date) in `format` and `zone` (default GMT). Throws `PollerError`. */
export function formatDate(ms: number | Date, format: DateFormatSpec, zone?: ZoneName): string;

export interface Validation {
  /** True when no diagnostic has severity "error". */
  ok: boolean;
  diagnostics: Diagnostic[];
}

/** Validates a `POST /instances` body, as an object or JSON text. Never throws. */
export function validateConfig(input: unknown): Validation;

export interface DatesConfiguration {
  updatedDateField?: string;
  updatedDateFormat?: DateFormatSpec;
  updatedDateTimezone?: ZoneName;
  createdDateField?: string;
  createdDateFormat?: DateFormatSpec;
  createdDateTimezone?: ZoneName;
  [key: string]: unknown;
}

/** One resource poller of `event.poller.configuration`. */
export interface ResourcePoller {
  url?: string;
  idField?: string;
  datesConfiguration?: DatesConfiguration;
  pageSize?: number | string;
  pollDelay?: number | string;
  filterByUpdatedDate?: boolean | string;
  filterByCurrentDate?: boolean | string;
  createdCheckTolerance?: number | string;
  /** Opt-in: list in full every `everyHours` and emit DELETED for ids gone (DESIGN section 13). */
  reconcile?: ReconcileOptions;
  [key: string]: unknown;
}

/** A resource poller's `reconcile`. */
export interface ReconcileOptions {
  /** Hours from the last complete listing to the next (above 0, at most 8760). */
  everyHours: number | string;
  /** The share of ids a listing may lose at once (0..1, default 0.5); a bigger drop is held until a second complete listing confirms it. */
  maxDrop?: number | string;
}

/** A resource poller with its map key as `name` (the events' `objectType`). */
export interface NamedResource extends ResourcePoller {
  name: string;
}

export interface PollerEvent {
  /** DELETED: gone from a complete listing that the previous one had (`reconcile`); its `date` is the reconciliation's instant. */
  eventType: "CREATED" | "UPDATED" | "DELETED";
  objectType: string;
  objectId: string;
  /** The record's updated instant, ISO-8601 in UTC with milliseconds. */
  date: string;
  elementKey?: string;
  /** Deterministic: the same version always has the same id, so consumers can dedupe. */
  eventId: string;
  /** The record, when `raw` was asked for. */
  raw?: unknown;
}

/** Versioned JSON; store it as it is and hand it back on the next poll. Instants beyond 2^53 - 1 ms are strings of their digits. */
export type DetectionState = { v: number; [key: string]: unknown };

export interface DetectStats {
  /** Array elements read, over all pages. */
  records: number;
  events: number;
  created: number;
  updated: number;
  /** Older than the watermark minus lookback. */
  old: number;
  /** Versions already emitted. */
  repeated: number;
  /** Held back by filterByCurrentDate. */
  deferred: number;
  /** Records with a per-record diagnostic. */
  invalid: number;
  pages: number;
  seen: number;
  evicted: number;
  requests: number;
  retries: number;
  passes: number;
  unstable: boolean;
  /** Read by a first poll and remembered without an event (the baseline). */
  baseline: number;
  /** Stamped beyond `now` plus `maxClockSkew`: emitted, kept out of the watermark. */
  future: number;
  /** The cycle listed the resource in full (`reconcile`). */
  reconciled: boolean;
  /** Ids in that listing. */
  listed: number;
  /** Of the events, DELETED. */
  deleted: number;
  /** Ids gone from a multi-page listing asked for by id before being reported. */
  verified: number;
  /** Of them, found: the listing had missed them (a row deleted mid-listing slid them across a page). */
  missed: number;
  /** The listing lost more than `maxDrop` of the ids: nothing deleted until the next complete listing confirms it. */
  held: boolean;
}

export interface DetectOptions {
  /** First run only: `"now"` (default), `"beginning"` or an ISO instant. */
  startFrom?: string;
  /** Epoch milliseconds; defaults to Date.now(). */
  now?: number;
  /** Milliseconds a version may become visible late and still be emitted (default 0). */
  lookback?: number;
  /** Dotted path of the records array when the body is an object. */
  recordsField?: string;
  elementKey?: string;
  /** Hashed into eventIds (default: elementKey). */
  instanceId?: string;
  /** Put each record in its event's `raw`. */
  raw?: boolean;
  /** The bound of the state's seen set (default 10,000). */
  maxSeen?: number;
  /** How far ahead of `now` a provider's clock may plausibly be, ms (default a day). A version stamped later is emitted once with a `record.future-date` diagnostic and never moves the watermark. */
  maxClockSkew?: number;
}

export interface DetectInput extends DetectOptions {
  resource: NamedResource;
  /** `null` on a first run. */
  state?: DetectionState | string | null;
  /** The raw response bytes (copied into wasm memory for the call), a string, or a `BodyBuffer` already there. */
  body: Uint8Array | string | BodyBuffer;
}

/**
 * A response body held in wasm memory. Streaming a response into one copies each chunk once,
 * straight into wasm memory; a buffer can be read any number of times.
 */
export class BodyBuffer {
  /** An empty buffer; `capacity` (bytes) reserves room up front. Throws `PollerError` (`argument.capacity`). */
  constructor(capacity?: number);
  /** A buffer holding `body` (text is written as UTF-8). */
  static from(body: Uint8Array | ArrayBuffer | string): BodyBuffer;
  /** Reads a `ReadableStream` (e.g. `Response.body`) or an async iterable of chunks to its end. */
  static fromStream(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>, options?: { capacity?: number }): Promise<BodyBuffer>;
  /** A fetch `Response`'s body, streamed in; its `content-length` is reserved when given. */
  static fromResponse(response: Response): Promise<BodyBuffer>;
  /** Appends a chunk (text as UTF-8). */
  write(chunk: Uint8Array | ArrayBuffer | string): this;
  /** The length in bytes. */
  readonly length: number;
  /** Returns the buffer's wasm memory now rather than when it is garbage-collected. */
  free(): void;
}

export interface DetectResult {
  events: PollerEvent[];
  state: DetectionState;
  stats: DetectStats;
  diagnostics: Diagnostic[];
}

/** Date-watermark change detection over one response body. Throws `PollerError` for a bad body. */
export function detectChanges(input: DetectInput): DetectResult;

/** Lints a date pattern (optionally for a zone): diagnostics with stable codes and hints. */
export function lintDateFormat(pattern: DateFormatSpec, zone?: ZoneName): Diagnostic[];

/** A `POST /instances` body. Known keys are typed; unknown keys are kept on every round trip. */
export interface InstanceBody {
  element?: { key?: string; [key: string]: unknown };
  providerData?: { code?: string; [key: string]: unknown };
  name?: string;
  tags?: string[];
  configuration?: {
    "oauth.api.key"?: string;
    "oauth.api.secret"?: string;
    "oauth.callback.url"?: string;
    "event.notification.enabled"?: boolean | string;
    "event.vendor.type"?: "polling" | "webhooks" | string;
    "event.notification.callback.url"?: string;
    "event.poller.refresh_interval"?: number | string;
    "event.poller.configuration"?: Record<string, ResourcePoller> | string;
    "event.notification.signature.key"?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/**
 * The canonical form of a body: native JSON values, the poller configuration as an object. Throws `PollerError` if it is not a JSON object.
 * An integer a JS number cannot hold exactly (beyond ±(2^53 - 1)) comes back as a string of its digits, here and in every result.
 */
export function normalizeConfig(input: InstanceBody | string): InstanceBody;

export interface InstanceSpec {
  element: string;
  name: string;
  /** The OAuth authorization grant code. */
  code?: string;
  oauth: { key: string; secret: string; callbackUrl: string };
  /** Where events are sent (`event.notification.callback.url`). */
  callbackUrl?: string;
  events?: boolean;
  refreshInterval?: number;
  /** `event.poller.api`: `"direct"` polls the provider's own API and takes `directPresets` for the resources. */
  api?: PollerApi;
  signatureKey?: string;
  tags?: string[];
  /** `"all"`, preset names, or name -> `true` | preset name | `{preset, ...overrides}` | a full poller. */
  resources?: "all" | string[] | Record<string, true | string | ResourcePoller | ({ preset: string } & ResourcePoller)>;
  /** Extra configuration keys, written as given. */
  configuration?: Record<string, unknown>;
}

/** Builds a body from a spec; throws `PollerError` (`build.*`) when the result would not validate. */
export function buildInstance(spec: InstanceSpec): InstanceBody;

export interface RenderOptions {
  /** Default `https://api.cloud-elements.com/elements/api-v2`. */
  baseUrl?: string;
  userSecret?: string;
  organizationSecret?: string;
}

/** The seed's cURL form of `POST /instances`; secrets masked unless `reveal`. */
export function renderCurl(body: InstanceBody | string, options?: RenderOptions & { reveal?: boolean }): string;

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch-ready request creating the instance. Throws `PollerError` when a secret is missing. */
export function instanceRequest(body: InstanceBody | string, options?: RenderOptions): HttpRequest;

/** The resource's url with its `${...}` date variables rendered from the watermark. */
/**
 * The body with every secret masked (`"********"`) as `renderCurl` masks it, or left out with
 * `remove: true`: secret keys in any case or slightly misspelled, of any JSON type; every value of
 * `event.notification.callback.headers`; a url's userinfo; inside JSON strings too; `providerData.code`.
 */
export function redactSecrets(body: InstanceBody | string, options?: { remove?: boolean }): InstanceBody;

/** The resource pollers of a body as the core polls them, `{name, ...poller}` in the order written. */
export function pollers(instance: InstanceBody | string): Array<ResourcePoller & { name: string }>;

/** Milliseconds between polls: `event.poller.refresh_interval` minutes when a whole number ≥ 1, else 15. */
export function refreshIntervalMs(instance: InstanceBody | string): number;

/**
 * An instance's identity by the one rule eventIds and the Poller's store keys use: `id`, else
 * the body's name (else its element key) with a fingerprint: of `baseUrl` and `auth.element`
 * when known (a hub instance); of `oauth.api.key` and `providerData.code` for a direct one
 * (`event.poller.api: "direct"`). Neither the token nor the code appears in it.
 */
export function instanceIdentity(instance: InstanceBody | string | undefined, where?: { id?: string | number; baseUrl?: string; auth?: { element?: string } }): { elementKey?: string; instanceId?: string };

export function renderPollUrl(resource: ResourcePoller & { name?: string }, options?: { watermark?: number | string | Date; now?: number | string | Date }): string;

/** 1-based position of the value at a diagnostic's path in JSON text; `exact` is false when only a parent exists. */
export function locateConfigPath(text: string, path: string): { line: number; column: number; exact: boolean } | null;

/** The JSON paths of the secret values in a body (`configuration["oauth.api.secret"]`, `providerData.code`, ...): what `renderCurl` masks. */
export function secretPaths(body: InstanceBody | string): string[];

/** Ready resource pollers per element key. */
export const presets: Readonly<{ infusionsoftrest: Readonly<Record<"appointments" | "contacts" | "opportunities" | "orders" | "tasks" | "transactions", ResourcePoller>>; [element: string]: Readonly<Record<string, ResourcePoller>> }>;
/**
 * Ready resource pollers per element polled through its own API (`event.poller.api: "direct"`):
 * Keap REST v1's list endpoints (`/v1/contacts?since=...`), `+0000` dates, pages of 1000.
 * Opportunities and notes have no date filter in Keap: every poll lists them in full.
 */
export const directPresets: Readonly<{ infusionsoftrest: Readonly<Record<"appointments" | "contacts" | "notes" | "opportunities" | "orders" | "tasks" | "transactions", ResourcePoller>>; [element: string]: Readonly<Record<string, ResourcePoller>> }>;

/** A JSON Schema (2020-12) of the body. */
export const configSchema: Record<string, unknown>;

export interface HubAuth {
  /** The User secret. */
  user: string;
  /** The Organization secret. */
  organization: string;
  /** The element instance token. */
  element: string;
}

export interface RetryOptions {
  /** Retries of one request after 429 / 5xx / a network error before the cycle fails (default 5). */
  maxRetries?: number;
  /** First backoff step in ms (default 1000), doubled per retry up to `maxMs` (default 60000). */
  baseMs?: number;
  maxMs?: number;
}

export interface PollCycleOptions extends DetectOptions {
  /**
   * The instance body: its element key and name go into events and eventIds. Unless `instanceId` is
   * given, eventIds are hashed from the name (or element key) and a fingerprint of `baseUrl` and
   * `auth.element`, the rule the Poller uses: two instances sharing a name get different eventIds.
   */
  instance?: InstanceBody | string;
  /** A resource poller with its name, or the name of one in `instance`. */
  resource: NamedResource | string;
  state?: DetectionState | string | null;
  /** e.g. `https://api.cloud-elements.com/elements/api-v2`. */
  baseUrl: string;
  /** A hub's credentials; none for `api: "direct"` (the host adds its bearer token: `CycleRequest.auth`). */
  auth?: HubAuth;
  /**
   * Which API is polled: `"hub"` (default) or `"direct"` (Keap REST v1: baseUrl
   * `https://api.infusionsoft.com/crm/rest`). Default: the instance's `event.poller.api` (`pollerApi`).
   */
  api?: PollerApi;
  /** Seeds the backoff jitter. */
  seed?: number;
  retry?: RetryOptions;
  /** List in full now and report DELETED, whatever the poller's `reconcile.everyHours` says. */
  reconcile?: boolean;
}

export interface CycleRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Wait this long before sending it. */
  delayMs: number;
  /** Present when the request is sent again: the core's reason (hosts keep no status list). */
  retry?: RetryInfo;
  /** `"bearer"` on a direct cycle: the host adds `Authorization: Bearer <access token>` (absent on a hub). */
  auth?: "bearer";
  /**
   * True when the host must refresh the access token before sending this request: the core's
   * answer to a 401 (once; a second 401 in a row fails the cycle with `cycle.auth`).
   */
  refreshToken?: true;
}

/** Which API an instance polls (`event.poller.api`). */
export type PollerApi = "hub" | "direct";

/** Which API an instance body polls: `event.poller.api`, `"hub"` when absent; an unknown value throws `config.poller-api`. */
export function pollerApi(instance: InstanceBody | string): PollerApi;

/**
 * Why a poll request is retried: `transport` (status 0: no answer), `throttled` (429), `server`
 * (5xx), `auth` (401 on a direct cycle: sent again once with a refreshed token).
 */
export type RetryReason = "transport" | "throttled" | "server" | "auth";

export interface RetryInfo {
  /** 1 for the first retry of a request. */
  attempt: number;
  reason: RetryReason;
  /** The status that asked for it (0: a transport failure). */
  status: number;
  /**
   * Where the delay came from: the response's `Retry-After`, Keap's throttle/quota headers,
   * seeded backoff, or `refresh` (no wait but the token refresh of an `auth` retry).
   */
  delayFrom: "retry-after" | "keap" | "backoff" | "refresh";
}

/** One poll cycle of one resource, sans-IO: the host sends the requests and feeds back the responses. */
export class PollCycle {
  constructor(options: PollCycleOptions);
  /** The request to send, or null when the cycle is over. */
  nextRequest(): CycleRequest | null;
  /** Only whole numbers 100-599 are HTTP statuses; 0, or any other number, means the request failed in transport (retried like a 5xx). */
  handleResponse(response: { status: number; headers?: Record<string, string> | Headers; body?: Uint8Array | string | BodyBuffer }): void;
  /** The stats read so far: progress while the cycle runs. */
  progress(): DetectStats;
  /** Whether this cycle lists in full and reports DELETED: the core's decision (`reconcile.everyHours`, or the `reconcile` option). */
  readonly reconciling: boolean;
  /** Once: the events and the new state; throws `PollerError` if the cycle failed (keep the old state). */
  finish(): DetectResult;
}

/**
 * Which signature headers a notification carries: `elements` (default)
 * `Elements-Webhook-Signature: sha256=<base64>`; `standard` the Standard Webhooks `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64>`; `both`.
 */
export type WebhookSigning = "elements" | "standard" | "both";

export interface SigningOptions {
  /** The instance body: its `event.notification.signature.key` when no key is given. */
  instance?: InstanceBody | string;
  /** Raw text (the platform's `event.notification.signature.key`) or `whsec_<base64>`. */
  signatureKey?: string;
  /** More keys (or all of them), for rotation: a `webhook-signature` entry per key. */
  signatureKeys?: string[];
  signing?: WebhookSigning;
  /** The attempt's time (epoch ms, a Date or ISO text): `webhook-timestamp`. Default `Date.now()`. */
  now?: number | Date | string;
}

export interface NotificationOptions extends SigningOptions {
  callbackUrl?: string;
  /** At most this many events per notification (default 10). */
  batchSize?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** The envelope's `instanceId` (as given to `PollCycle`), instead of the one drawn from the body. */
  instanceId?: string | number;
}

/** Signed notification requests, `{"message": {...}}` bodies, ready for fetch. */
export function buildNotifications(events: PollerEvent[], options?: NotificationOptions): HttpRequest[];

/** A built notification signed again for one delivery attempt at `now` (same `webhook-id`, fresh timestamp). */
export function signNotification<R extends { headers?: Record<string, string>; body: string }>(request: R, options?: SigningOptions): R & { headers: Record<string, string> };

export interface VerifyOptions {
  /** The raw request body, exactly as received (not parsed and re-serialized JSON). */
  body: Uint8Array | ArrayBuffer | string;
  /** A fetch `Headers`, Node's `req.headers`, a plain object or `[name, value]` pairs. */
  headers: Headers | Record<string, string | string[] | undefined> | Array<[string, string]>;
  /** Raw text or `whsec_<base64>`. */
  key?: string;
  /** Any of these may have signed it (rotation). */
  keys?: string[];
  /** How far `webhook-timestamp` may be from `now`, either way (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock (default `Date.now()`). */
  now?: number | Date | string;
  /** Accept only this scheme (default: Standard Webhooks when its headers are there, else Elements). */
  scheme?: "standard" | "elements";
}

export interface VerifiedNotification {
  /** The body's `message`: `{eventId, instanceId?, elementKey?, count, events}`. */
  message: { eventId: string; instanceId?: string; elementKey?: string; count: number; events: PollerEvent[]; [k: string]: unknown };
  /** The notification's id, as signed (`webhook-id`, or the message's `eventId`): dedupe on it. */
  id?: string;
  /** `webhook-timestamp` in seconds (Standard Webhooks only). */
  timestamp?: number;
  scheme: "standard" | "elements";
}

/**
 * Checks a received notification in constant time; throws `PollerError` with code
 * `webhook.signature`, `webhook.timestamp`, `webhook.malformed` or `webhook.key`.
 */
export function verifyNotification(options: VerifyOptions): VerifiedNotification;

/** Delivery retry delays in ms: 9 retries, the x-th after 2^(2x) seconds. */
export function retrySchedule(): number[];

/** A `Retry-After` value in ms (delay-seconds, or an HTTP date against `now`; at most a day), or undefined. */
export function retryAfterMs(value: string | null | undefined, now?: number | Date | string): number | undefined;

/** What a delivery attempt came to, for `nextDelivery`. */
export type DeliveryOutcome =
  | { kind: "answered"; status: number; headers?: Record<string, string> | Headers | Array<[string, string]> }
  | { kind: "no-answer" }
  | { kind: "consumed" }
  | { kind: "consumer-failed" };

/** The part of a notification's saved record the delivery machine owns (an `OutboxEntry` has it). */
export interface DeliveryState {
  /** Failed attempts so far. */
  attempts: number;
  /** Epoch ms of the next attempt; 0: now. */
  nextAttemptAt: number;
  lastAttemptAt?: number;
  lastStatus?: number;
  deadAt?: number;
}

export interface DeliveryStep {
  /** `delivered`: remove it; `retry`: save `state`, try again at `state.nextAttemptAt`; `dead`: park it with `state`. */
  action: "delivered" | "retry" | "dead";
  state: DeliveryState;
  /** The retry's number (retry), or the failed attempts (dead). */
  attempt?: number;
  delayMs?: number;
  failure?: "transport" | "throttled" | "server" | "refused" | "consumer";
}

/**
 * One step of a notification's delivery, decided by the core: the platform's schedule (2^(2x) s,
 * nine retries, a longer `Retry-After` honoured, then dead) unless `schedule`/`maxRetries`/`scale` say otherwise.
 */
export function nextDelivery(
  state: Partial<DeliveryState> | string,
  outcome: DeliveryOutcome,
  options?: { now?: number | Date | string; attemptedAt?: number | Date | string; schedule?: number[]; maxRetries?: number; scale?: number },
): DeliveryStep;

export type { Store, StoreOp } from "./stores.js";
export { MemoryStore, LocalStorageStore, IndexedDbStore } from "./stores.js";
export { Outbox } from "./delivery.js";
import type { Store } from "./stores.js";

export interface PollSummary {
  resource: string;
  pages: number;
  records: number;
  events: number;
  durationMs: number;
  /** Versions stamped beyond our clock plus `maxClockSkew`: emitted, kept out of the watermark. */
  future?: number;
  error?: PollerError;
  /** The resource's state was lost and `onLostState: "restart"` started it again. */
  restarted?: true;
  /** The cycle listed the resource in full (`reconcile`). */
  reconciled?: true;
  /** DELETED events of that listing. */
  deleted?: number;
}

export interface PollerOptions {
  /** The POST /instances body (object or JSON text): resources, refresh interval, callback. */
  instance: InstanceBody | string;
  /** The hub's base URL, e.g. `https://api.cloud-elements.com/elements/api-v2`. */
  baseUrl: string;
  /** The hub's credentials; optional when `tokens` is given (an instance polling the provider directly). */
  auth?: HubAuth;
  /**
   * OAuth2 tokens of an instance that polls the provider directly (`event.poller.api: "direct"`):
   * requests the core marks `auth: "bearer"` get `Authorization: Bearer <token>` (after the OAuth
   * app's rate limiter), `refreshToken: true` ones a refreshed token; `oauth.reauthorize` stops the
   * instance with one `error` event.
   */
  tokens?: OAuthTokens;
  fetch?: typeof fetch;
  /** Default: a MemoryStore (state lost with the process). */
  store?: Store;
  /**
   * A function: epoch ms for the core's `now`, the waits on real timers. `{now, sleep}`: the
   * waits too (retry delays, the rate limit, the refresh interval, the outbox's next retry) run
   * on this clock's time, e.g. a virtual clock in tests.
   */
  clock?: (() => number) | PollerClock;
  signal?: AbortSignal;
  /** Names of the resources to poll (default: all configured). */
  resources?: string[];
  /** In-process consumer; awaited before its outbox entry is cleared. */
  onEvents?: (events: PollerEvent[]) => unknown;
  /** Webhook delivery of signed notifications through the durable outbox. */
  delivery?: { callbackUrl: string; signatureKey?: string; signatureKeys?: string[]; signing?: WebhookSigning; headers?: Record<string, string>; retryScale?: number };
  /** Resource cycles at once (default 4). */
  concurrency?: number;
  /** Requests per second across the instance (default 10; Infinity for none). */
  rateLimit?: number;
  startFrom?: string;
  lookback?: number;
  /** See `DetectOptions.maxClockSkew` (default a day). */
  maxClockSkew?: number;
  seed?: number;
  retry?: RetryOptions;
  /**
   * This instance's identity: its keys in the store start with it and its eventIds are hashed from it.
   * Default: the body's name (else its element key) and a fingerprint of `baseUrl` and `auth.element`,
   * so two instances with the same name never share state.
   */
  id?: string;
  /**
   * What a cycle does when a resource that has polled before has no state in the store, or one
   * that is not a state (`"null"` included): `"error"` (default) fails its cycle with
   * `poller.state-missing` / `poller.state-unreadable` naming the key and changes nothing;
   * `"restart"` polls it as a first poll again (from `startFrom`), losing what changed meanwhile.
   */
  onLostState?: "error" | "restart";
}

/** `addEventListener`'s options (the DOM's AddEventListenerOptions, which Node-only projects lack). */
export interface ListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** A clock for the Poller: `sleep` rejects with the signal's reason when it aborts. */
export interface PollerClock {
  now(): number;
  sleep?(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The `retry` event of a cycle: the request failed with a status the core retries. */
export interface CycleRetry {
  resource: string;
  status: number;
  reason: RetryReason;
  /** 1 for the first retry of the request. */
  attempt: number;
  /** Why a request got no response (status 0). */
  error?: string;
  delayMs: number;
  url: string;
}

/** The `retry` event of a delivery attempt. */
export interface DeliveryRetry {
  resource?: undefined;
  status?: undefined;
  delayMs?: undefined;
  error: PollerError & { code: "delivery.retry" };
}

export interface PollerEventMap {
  /** After each page read: the cycle's progress so far. */
  page: CustomEvent<{ resource: string; pages: number; records: number; events: number }>;
  /** `delivery` (with `delivery` or `onEvents`): what the outbox did; `pending` entries wait for a retry. */
  poll: CustomEvent<{ summaries: PollSummary[]; delivery?: { delivered: number; failedAttempts: number; dead: number; pending: number; nextAttemptAt?: number } }>;
  events: CustomEvent<{ resource: string; events: PollerEvent[] }>;
  /**
   * A retry is coming. A cycle's: `resource`, the failed `status` (0: no response at all, with
   * `error` saying why, e.g. `cannot connect to host:443 (ECONNREFUSED)`), `delayMs`, `url`.
   * A delivery's: `error`, the `delivery.retry` PollerError of the failed attempt.
   */
  retry: CustomEvent<CycleRetry | DeliveryRetry>;
  delivery: CustomEvent<{ key: string; status?: number; attempts: number }>;
  error: CustomEvent<{ resource?: string; error: unknown }>;
  /** `delivery.unsigned` once, at the first poll, when the signature key is empty (notifications go out unsigned); `reconcile.held` (with `resource`) when a full listing lost more than `maxDrop` of the ids and nothing was deleted. */
  warning: CustomEvent<{ code: string; message: string; resource?: string }>;
  /** After a full listing (`reconcile`): ids listed, DELETED events, ids asked for by id and of them found, and whether it was held. */
  reconcile: CustomEvent<{ resource: string; listed: number; deleted: number; verified: number; missed: number; held: boolean }>;
}

/** A WebCrypto AES-GCM key (a DOM `CryptoKey`), written structurally so Node-only projects need no DOM types. */
export interface AesGcmKey {
  readonly algorithm: { name: string };
  readonly usages: readonly string[];
  readonly type: string;
  readonly extractable: boolean;
}

/** Spaces the calls of one OAuth app (client id) across the instances of a process. */
export interface AppRateLimiter {
  /** Waits until one more call fits (Keap: 1500 a rolling minute, 25 a second), then counts it. */
  take(signal?: AbortSignal): Promise<void>;
}

export interface OAuthTokensOptions {
  /** Where the tokens live: the Poller's store. */
  store: Store;
  /** `oauth.api.key`. */
  clientId: string;
  /** `oauth.api.secret`. */
  clientSecret: string;
  /** `oauth.callback.url`: the `redirect_uri` of the code exchange. */
  redirectUri?: string;
  /** `providerData.code`: exchanged when no token is saved. */
  code?: string;
  /** Default Keap's `https://api.infusionsoft.com/token`. */
  tokenUrl?: string;
  /**
   * The instance: part of the store key. Default the client id; `fromInstance`'s default is the
   * instance's identity (`instanceIdentity`), so two instances of one OAuth app keep their own tokens.
   */
  id?: string;
  /** Tokens are encrypted at rest (AES-GCM, bound to their store key) when given. */
  key?: AesGcmKey;
  fetch?: typeof fetch;
  /** Epoch ms for expiry (a function or `{now}`). */
  clock?: (() => number) | { now(): number };
  /** Default: the process-wide limiter of `clientId` (`OAuthTokens.limiterFor`). */
  limiter?: AppRateLimiter;
}

/**
 * OAuth2 tokens of one instance polling a provider directly (Keap). Refreshes are serialized per
 * instance, the new pair is saved before it is used, a refused refresh or code marks the instance
 * as needing re-authorization (`oauth.reauthorize`, said without asking the provider again).
 */
export class OAuthTokens {
  constructor(options: OAuthTokensOptions);
  /** From the seed's body: `oauth.api.key`, `oauth.api.secret`, `oauth.callback.url`, `providerData.code`. */
  static fromInstance(instance: InstanceBody, options: Omit<OAuthTokensOptions, "clientId" | "clientSecret" | "redirectUri" | "code">): OAuthTokens;
  static limiterFor(clientId: string): AppRateLimiter;
  readonly limiter: AppRateLimiter;
  readonly storeKey: string;
  readonly needsReauthorization: boolean;
  /** A live access token: the saved one, else the code exchanged, else one refresh. */
  accessToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** A new access token because `rejected` was refused: one refresh shared by every caller that saw it. */
  refresh(options?: { rejected?: string; signal?: AbortSignal }): Promise<string>;
  /** Re-authorizes with a new code: exchanges it and clears the needs-re-authorization state. */
  authorize(code: string, options?: { signal?: AbortSignal }): Promise<string>;
}

/** Polls the resources of one instance; an EventTarget of `page`, `poll`, `events`, `retry`, `delivery`, `error` and `warning`. */
export class Poller extends EventTarget {
  constructor(options: PollerOptions);
  readonly resources: string[];
  readonly intervalMs: number;
  /** The `oauth.reauthorize` error that stopped this instance (said once in an `error` event), or null. */
  readonly reauthorization: PollerError | null;
  /** The saved detection state of a resource, or null. Throws `poller.state-unreadable` when what is saved is not a state. */
  state(resource: string): Promise<DetectionState | null>;
  /** One cycle per resource, then delivery; concurrent calls share the poll in flight. */
  pollOnce(): Promise<PollSummary[]>;
  /** One poll in which every resource lists in full and reports DELETED (after the poll in flight, if any). */
  reconcile(): Promise<PollSummary[]>;
  /** Polls now and every refresh interval after the previous poll ended. */
  start(): void;
  stop(): void;
  /** Notifications parked after their last retry. */
  deadLetters(): Promise<unknown[]>;
  addEventListener<K extends keyof PollerEventMap>(type: K, listener: (ev: PollerEventMap[K]) => void, options?: boolean | ListenerOptions): void;
  addEventListener(type: string, listener: ((ev: Event) => void) | { handleEvent(ev: Event): void } | null, options?: boolean | ListenerOptions): void;
}
