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
