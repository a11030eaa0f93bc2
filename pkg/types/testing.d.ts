// Types of "elements-poller/testing" (Node-only). Hand-written. See pkg/TESTING.md.

export type ResourceName = "appointments" | "contacts" | "opportunities" | "tasks" | "orders" | "transactions";

export type FaultKind = "throttle" | "serverError" | "truncate" | "abort" | "latency" | "none";
export interface FaultStep { fault: FaultKind; status?: number; retryAfter?: number; ms?: number; count?: number }
export interface WebhookFaults {
  failure?: number;
  status?: number;
  next?: Array<number | { status: number; retryAfter?: number; count?: number }>;
}
export interface Faults {
  throttle?: number;
  serverError?: number;
  truncate?: number;
  latencyMs?: number | [number, number];
  retryAfter?: number;
  serverErrorStatus?: number;
  skewMs?: number;
  next?: Array<FaultKind | number | FaultStep>;
  webhook?: WebhookFaults;
}

export interface Credentials { user: string; organization: string; element: string }

export interface HubOptions {
  seed?: number;
  resources?: ResourceName[] | Partial<Record<ResourceName, number | { count: number }>>;
  faults?: Faults;
  now?: () => number;
  credentials?: Partial<Credentials>;
  signatureKey?: string | null;
  controlPrefix?: string;
  baseUrl?: string;
  /** Host names (no port) accepted in `Host` besides loopback names and the host of `baseUrl`. */
  allowedHosts?: string[];
  /** Origins (`http://host:port`) whose pages may call the simulator; all others are refused (default: same origin only). */
  allowedOrigins?: string[];
  /** The largest request body read, in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
}

export interface MutateOptions {
  resource: ResourceName;
  op: "create" | "update";
  id?: number | string;
  ids?: Array<number | string>;
  fields?: Record<string, unknown>;
  count?: number;
  updatedAt?: number | string;
  visibleAfterMs?: number;
}

export interface RecordVersion {
  id: number;
  updated: string;
  updatedMs: number;
  created: string;
  createdMs: number;
  /** Simulator clock when this version was written. */
  at: number;
  visibleAt: number;
}

export interface ReceivedWebhook {
  seq: number;
  at: number;
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** null when the signature was refused (401): such a body is not kept. */
  body: unknown;
  /** null when the signature was refused (401). */
  rawBody: string | null;
  /** null when the receiver has no signature key. */
  verified: boolean | null;
  /** Why verification failed (`webhook.signature`, `webhook.timestamp`, `webhook.malformed`). */
  verifyError?: string;
  webhookId: string | null;
  status: number;
}

export interface HubRequest { at: number; method: string; url: string; status: number; fault: FaultKind; returned?: number }

export interface PollerResourceConfig {
  url: string;
  idField: string;
  datesConfiguration: {
    updatedDateField: string; updatedDateFormat: string; updatedDateTimezone: string;
    createdDateField: string; createdDateFormat: string; createdDateTimezone: string;
  };
}

export interface Hub {
  /** The origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `url + "/elements/api-v2"`. */
  readonly baseUrl: string;
  readonly webhookUrl: string;
  readonly controlUrl: string;
  readonly authorization: string;
  readonly credentials: Credentials;
  readonly signatureKey: string | null;
  readonly resources: ResourceName[];
  mutate(m: MutateOptions): Array<Record<string, unknown>>;
  records(resource: ResourceName): Array<Record<string, unknown>>;
  versions(resource: ResourceName): RecordVersion[];
  setFaults(f: Faults): void;
  clearFaults(): void;
  faults(): Faults;
  received(): ReceivedWebhook[];
  clearReceived(): void;
  requests(): HubRequest[];
  clearRequests(): void;
  now(): number;
  pollerConfig(resource: ResourceName): PollerResourceConfig;
  info(): Record<string, unknown>;
  /** Takes the request if it is for the hub or control API (node:http request/response). */
  handle(req: unknown, res: unknown): boolean;
  setBaseUrl(origin: string): void;
  dispose(): void;
}

export interface RunningHub extends Hub {
  readonly port: number;
  readonly server: unknown;
  close(): Promise<void>;
}

export const DEFAULT_CREDENTIALS: Readonly<Credentials>;
export const DEFAULT_SIGNATURE_KEY: string;
export const RESOURCE_NAMES: ResourceName[];
export const KEAP_DATE_FORMAT: string;
export const SCHEMAS: Record<ResourceName, { idField: string; updatedField: string; createdField: string; dateFormat: string; dateFields: string[] }>;

/**
 * The checks the simulator makes before it answers `req` (a node:http IncomingMessage): a `Host` naming
 * this machine (loopback) or one of `allowedHosts`, and same origin only (or one of `allowedOrigins`).
 * Undefined when the request may be served, else the status and message to answer with.
 */
export function checkRequest(
  req: unknown,
  options?: { allowedHosts?: Iterable<string>; allowedOrigins?: Iterable<string> },
): { status: number; message: string } | undefined;

export function startHubSimulator(options?: HubOptions & { port?: number; host?: string }): Promise<RunningHub>;
export function createHubSimulator(options?: HubOptions): Hub;
export function authorizationHeader(c: Credentials): string;
export function pollerConfigFor(resource: ResourceName): PollerResourceConfig;
export function formatKeapDate(ms: number): string;
export function signWebhookBody(body: string | Uint8Array, key: string): string;
export function verifyWebhookSignature(body: string | Uint8Array, header: string | null | undefined, key: string): boolean;

export class CeqlError extends Error {
  /** 1-based column in the where text. */
  readonly column: number;
}
export type CeqlNode = unknown;
export function parseWhere(where: string): CeqlNode;
export function compileWhere(node: CeqlNode, dateFields: Set<string>): (record: object) => boolean;
export function parseInstant(text: unknown): number | undefined;
