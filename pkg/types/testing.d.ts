// Types of "elements-poller/testing" (Node-only). Hand-written. See pkg/TESTING.md.

export type ResourceName = "appointments" | "contacts" | "opportunities" | "tasks" | "orders" | "transactions";

export type FaultKind = "throttle" | "serverError" | "truncate" | "abort" | "latency" | "none";
export interface FaultStep {
  fault: FaultKind;
  status?: number;
  retryAfter?: number;
  ms?: number;
  count?: number;
}
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

export interface Credentials {
  user: string;
  organization: string;
  element: string;
}

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

export interface HubRequest {
  at: number;
  method: string;
  url: string;
  status: number;
  fault: FaultKind;
  returned?: number;
}

export interface PollerResourceConfig {
  url: string;
  idField: string;
  datesConfiguration: {
    updatedDateField: string;
    updatedDateFormat: string;
    updatedDateTimezone: string;
    createdDateField: string;
    createdDateFormat: string;
    createdDateTimezone: string;
  };
}

/** A request that overlapped another cycle of its listing, as the simulator saw it. */
export interface CycleOverlap {
  /** `stale`: a request of an older cycle arrived after a newer cycle had begun; `concurrent`: one arrived while another of the key was in flight. */
  kind: "stale" | "concurrent";
  /** The listing: (hub) resource and tag parameters; (Keap) client id, grant and list. No secret. */
  key: string;
  cycle: number;
  /** The newer cycle (`stale`), or the cycle of the request in flight (`concurrent`). */
  other: number;
  url: string;
  at: number;
}

/** The poll cycles a simulator saw: a first page opens one, a next page belongs to the cycle that handed out its cursor. */
export interface CycleRecord {
  cycles: number;
  requests: number;
  overlaps: CycleOverlap[];
  /** The requests being answered now. */
  inFlight: Array<{ key: string; cycle: number; url: string; at: number }>;
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
  /** The poll cycles per listing (resource and tag parameters besides where, pageSize and nextPage) and their overlaps. */
  cycles(): CycleRecord;
  clearCycles(): void;
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
export const SCHEMAS: Record<
  ResourceName,
  { idField: string; updatedField: string; createdField: string; dateFormat: string; dateFields: string[] }
>;

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
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  key: string,
): boolean;

export class CeqlError extends Error {
  /** 1-based column in the where text. */
  readonly column: number;
}
export type CeqlNode = unknown;
export function parseWhere(where: string): CeqlNode;
export function compileWhere(node: CeqlNode, dateFields: Set<string>): (record: object) => boolean;
export function parseInstant(text: unknown): number | undefined;

// ---- the Keap simulator (Keap REST v1 directly, OAuth2) ------------------------------------

export type KeapResourceName =
  "contacts" | "appointments" | "tasks" | "orders" | "opportunities" | "transactions" | "notes";

export interface KeapClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface KeapLimits {
  /** Calls per rolling minute and client id (default 1500). */
  throttleLimit?: number;
  /** Calls per UTC day and client id (default 150000). */
  quotaLimit?: number;
  /** Calls per rolling second (spike arrest, default 25; answered without headers). */
  spikeLimit?: number;
}

export interface KeapOptions {
  seed?: number;
  resources?: KeapResourceName[] | Partial<Record<KeapResourceName, number>>;
  /** Faults of the list endpoints, drawn after the token and quota checks. */
  faults?: Faults;
  now?: () => number;
  client?: Partial<KeapClient>;
  /** More OAuth apps beside `client`, each with its own credentials, codes, tokens and quota (Keap's budgets are per client id); the consent page is `client`'s only. */
  apps?: KeapClient[];
  /** The Keap app in the token's scope, `full|<app>.infusionsoft.com` (default "sim123"). */
  app?: string;
  /** Access-token lifetime in seconds (default 86400). */
  expiresIn?: number;
  limits?: KeapLimits;
  controlPrefix?: string;
  baseUrl?: string;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  /** Every `next` link also carries `sim_cycle=<n>`, the cycle of the page that handed it out (`cycles()`); Keap's own links do not. */
  tagLinks?: boolean;
}

export interface KeapMutateOptions extends Omit<MutateOptions, "resource"> {
  resource: KeapResourceName;
}

/** A call the Keap simulator took; `clientId`: the app of its bearer token, when that was live. */
export interface KeapRequest extends HubRequest {
  clientId?: string;
}

export interface KeapTokenRequest {
  at: number;
  grant: string;
  status: number;
  error?: string;
  /** The app whose credentials were good. */ clientId?: string;
}

export interface KeapSimulator {
  /** The origin, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `url + "/crm/rest"`: what `https://api.infusionsoft.com/crm/rest` is; list urls `/v1/contacts` go after it. */
  readonly baseUrl: string;
  /** `url + "/token"`. */
  readonly tokenUrl: string;
  /**
   * `url + "/app/oauth/authorize"`: Keap's consent page. `GET ?client_id&redirect_uri&response_type=code&scope=full&state`
   * shows it; Allow redirects to `redirect_uri?code=…&scope=full&state=…`, Deny with `?error=access_denied&state=…`.
   * Accepted redirect URIs: the client's, and any on the simulator's origin or a loopback host.
   */
  readonly authorizeUrl: string;
  readonly controlUrl: string;
  readonly client: KeapClient;
  /** Every OAuth app: `client` first, then the `apps` option's. */
  readonly apps: readonly KeapClient[];
  readonly resources: KeapResourceName[];
  /** A new authorization code of the app `clientId` (default `client`'s) for `redirectUri` (default the app's). */
  mintCode(options?: { redirectUri?: string; clientId?: string }): string;
  /** Every access token issued so far is expired from now on. */
  expireAccessTokens(): void;
  revokeRefreshToken(token: string): void;
  liveRefreshTokens(): string[];
  /** The account took the app's access away: every refresh token revoked, every access token expired; how many refresh tokens died. */
  revokeAll(): number;
  tokenRequests(): KeapTokenRequest[];
  /** Moves the simulator clock by `ms` (token expiry, quota windows, stamps); the new now. */
  advanceClock(ms: number): number;
  mutate(m: KeapMutateOptions): Array<Record<string, unknown>>;
  records(resource: KeapResourceName): Array<Record<string, unknown>>;
  versions(resource: KeapResourceName): RecordVersion[];
  setFaults(f: Faults): void;
  clearFaults(): void;
  faults(): Faults;
  requests(): KeapRequest[];
  clearRequests(): void;
  /** The poll cycles per grant and list, and their overlaps. */
  cycles(): CycleRecord;
  clearCycles(): void;
  /** Every authorization code minted and access and refresh token issued (to look for them in logs). */
  issuedSecrets(): string[];
  now(): number;
  pollerConfig(resource: KeapResourceName): PollerResourceConfig;
  info(): Record<string, unknown>;
  handle(req: unknown, res: unknown): boolean;
  setBaseUrl(origin: string): void;
  dispose(): void;
}

export interface RunningKeapSimulator extends KeapSimulator {
  readonly port: number;
  readonly server: unknown;
  close(): Promise<void>;
}

export const DEFAULT_KEAP_CLIENT: Readonly<KeapClient>;
export const KEAP_RESOURCE_NAMES: KeapResourceName[];
/** `yyyy-MM-dd'T'HH:mm:ss.SSSZ`: Keap's response dates (`…000+0000`). */
export const KEAP_RESPONSE_DATE_FORMAT: string;
export const KEAP_LISTS: Record<
  KeapResourceName,
  {
    envelope: string;
    sinceField?: string;
    syncToken: boolean;
    optionalProperties: string[];
    schema: { idField: string; updatedField: string; createdField: string };
  }
>;
export function startKeapSimulator(
  options?: KeapOptions & { port?: number; host?: string },
): Promise<RunningKeapSimulator>;
export function createKeapSimulator(options?: KeapOptions): KeapSimulator;
export function keapPollerConfigFor(resource: KeapResourceName): PollerResourceConfig;
export function formatKeapResponseDate(ms: number): string;
