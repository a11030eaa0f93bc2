// Types of pkg/src/delivery.js (the durable outbox). Hand-written.
import type { Store, StoreOp } from "./stores.js";

/** A notification request as the core produces it (the body already signed). */
export interface NotificationRequest {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  body: string;
  meta?: unknown;
}

/** Events for an in-process consumer instead of a webhook. */
export interface EventsItem {
  events: unknown[];
  meta?: unknown;
}

export interface OutboxEntry {
  key: string;
  kind: "webhook" | "events";
  request?: { method: string; url: string; headers: Record<string, string>; body: string };
  events?: unknown[];
  meta?: unknown;
  enqueuedAt: number;
  /** Failed attempts so far. */
  attempts: number;
  /** Epoch ms of the next attempt; 0: now. */
  nextAttemptAt: number;
  lastAttemptAt?: number;
  lastStatus?: number;
  lastError?: string;
  deadAt?: number;
}

/** The error `onError` receives: code `delivery.retry` or `delivery.dead`. */
export interface DeliveryError extends Error {
  code: "delivery.retry" | "delivery.dead";
  key: string;
  entry?: OutboxEntry;
  attempts?: number;
  status?: number;
  retryInMs?: number;
}

export interface DrainOptions {
  fetch?: typeof fetch;
  onEvents?: (events: unknown[], info: { key: string; attempts: number; meta?: unknown }) => unknown;
  onDelivery?: (info: { key: string; entry: OutboxEntry; status?: number; attempts: number }) => void;
  onError?: (error: DeliveryError) => void;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** false: return as soon as the oldest entry is not due. Default true. */
  wait?: boolean;
}

export interface DrainResult {
  delivered: number;
  failedAttempts: number;
  dead: number;
  pending: number;
  nextAttemptAt?: number;
}


export class Outbox {
  /**
   * `schedule`: ms before each retry, default the core's `retrySchedule()`; `maxRetries` defaults to its length.
   * `sign(request, now)` re-signs a webhook for each attempt (Standard Webhooks signs the attempt's time).
   */
  constructor(store: Store, options?: { prefix?: string; schedule?: number[]; scale?: number; maxRetries?: number; timeoutMs?: number; now?: () => number; sign?: (request: NotificationRequest, now: number) => NotificationRequest });
  ops(items: Array<NotificationRequest | EventsItem>, options?: { now?: number }): StoreOp[];
  enqueue(items: Array<NotificationRequest | EventsItem>, options?: { now?: number }): Promise<string[]>;
  pending(): Promise<OutboxEntry[]>;
  dead(): Promise<OutboxEntry[]>;
  /** Requeues one dead entry (or all) with a fresh schedule; resolves to how many. */
  retryDead(key?: string): Promise<number>;
  discardDead(key: string): Promise<void>;
  drain(options?: DrainOptions): Promise<DrainResult>;
}
