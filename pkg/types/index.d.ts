// Types of the package's main entry ("elements-poller"). Hand-written for the JS layer and
// checked against usage by `tsc -p tests/types` in `npm test`.

/** A stable dotted code, e.g. `date.parse.literal` or `config.placeholder`. */
export type Code = string;

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
  [key: string]: unknown;
}

/** A resource poller with its map key as `name` (the events' `objectType`). */
export interface NamedResource extends ResourcePoller {
  name: string;
}

export interface PollerEvent {
  eventType: "CREATED" | "UPDATED";
  objectType: string;
  objectId: string;
  /** The record's updated instant, ISO-8601 in UTC with milliseconds. */
  date: string;
  [key: string]: unknown;
}

/** Versioned JSON; store it as it is and hand it back on the next poll. */
export type DetectionState = { v: number; [key: string]: unknown };

export interface DetectStats {
  records: number;
  events: number;
  skipped: number;
  [key: string]: unknown;
}

export interface DetectInput {
  resource: NamedResource;
  /** `null` on a first run. */
  state?: DetectionState | string | null;
  /** First run only: `"now"` (default), `"beginning"` or an ISO instant. */
  startFrom?: string;
  /** The raw response bytes; a string is accepted too. */
  body: Uint8Array | string;
  /** Epoch milliseconds; defaults to Date.now(). */
  now?: number;
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

/** The canonical form of a body: native JSON values, the poller configuration as an object. Throws `PollerError` if it is not a JSON object. */
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
export function renderPollUrl(resource: ResourcePoller & { name?: string }, options?: { watermark?: number | string | Date; now?: number | string | Date }): string;

/** 1-based position of the value at a diagnostic's path in JSON text; `exact` is false when only a parent exists. */
export function locateConfigPath(text: string, path: string): { line: number; column: number; exact: boolean } | null;

/** Ready resource pollers per element key. */
export const presets: Readonly<{ infusionsoftrest: Readonly<Record<"appointments" | "contacts" | "opportunities" | "orders" | "tasks" | "transactions", ResourcePoller>>; [element: string]: Readonly<Record<string, ResourcePoller>> }>;

/** A JSON Schema (2020-12) of the body. */
export const configSchema: Record<string, unknown>;
