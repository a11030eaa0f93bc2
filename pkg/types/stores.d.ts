// Types of pkg/src/stores.js (browser-safe stores). Hand-written.

/** One operation of a store transaction. */
export type StoreOp = { op: "set"; key: string; value: string } | { op: "delete"; key: string };

/**
 * The store interface: small, async, strings only, nothing runtime-specific, so that other
 * backends (a file, Redis, a database row) can implement it.
 */
export interface Store {
  /** The value, or undefined if absent. */
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Every key starting with `prefix` ("" for all), sorted by UTF-16 code units. */
  keys(prefix: string): Promise<string[]>;
  /** Every op or none; later ops on the same key win. */
  transaction(ops: StoreOp[]): Promise<void>;
}

export class MemoryStore implements Store {
  constructor();
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  transaction(ops: StoreOp[]): Promise<void>;
}

/** Web Storage with a journal: a transaction interrupted by a crash is rolled forward on open. */
export class LocalStorageStore implements Store {
  /** `storage`: a Web Storage (`localStorage`), typed structurally so Node-only projects compile too. */
  constructor(options?: { storage?: WebStorage; prefix?: string });
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  transaction(ops: StoreOp[]): Promise<void>;
}

/** IndexedDB; a transaction is one IndexedDB readwrite transaction. */
export class IndexedDbStore implements Store {
  /** `indexedDB`: the browser's `IDBFactory` (typed structurally, so Node-only projects compile too). */
  constructor(options?: { name?: string; storeName?: string; indexedDB?: IndexedDbFactory });
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  transaction(ops: StoreOp[]): Promise<void>;
  close(): void;
}

/** What IndexedDbStore uses of an `IDBFactory` (`globalThis.indexedDB`, or fake-indexeddb's). */
export interface IndexedDbFactory {
  open(name: string, version?: number): unknown;
}

/** What LocalStorageStore uses of a Web `Storage`. */
export interface WebStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}
