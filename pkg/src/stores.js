// Key-value stores for poller state and the delivery outbox. Browser-safe: no Node imports.
//
// One small async interface, with nothing specific to a runtime in it, so other backends
// (a file, Redis, a database row) can implement it:

/**
 * @typedef {{op: "set", key: string, value: string} | {op: "delete", key: string}} StoreOp
 */

/**
 * @typedef {object} Store
 * @property {(key: string) => Promise<string|undefined>} get the value, or undefined if absent
 * @property {(key: string, value: string) => Promise<void>} set
 * @property {(key: string) => Promise<void>} delete deleting an absent key is not an error
 * @property {(prefix: string) => Promise<string[]>} keys every key starting with `prefix`
 *   (use "" for all), sorted by UTF-16 code units (JavaScript's default string order)
 * @property {(ops: StoreOp[]) => Promise<void>} transaction applies every op or none; later
 *   ops on the same key win. Readers never see a transaction half-applied.
 */

import { PollerError } from "./errors.js";

function checkKey(key) {
  if (typeof key !== "string")
    throw new PollerError("store.invalid-key", `A store key must be a string, not ${typeof key}`);
}

function checkValue(key, value) {
  if (typeof value !== "string") {
    throw new PollerError(
      "store.invalid-value",
      `A store value must be a string (key ${JSON.stringify(key)}), not ${typeof value}`,
    );
  }
}

/**
 * Checks a list of transaction ops; throws before anything is written.
 * @param {StoreOp[]} ops
 */
export function checkOps(ops) {
  if (!Array.isArray(ops)) throw new PollerError("store.invalid-transaction", "transaction() takes an array of ops");
  for (const o of ops) {
    if (!o || (o.op !== "set" && o.op !== "delete")) {
      throw new PollerError(
        "store.invalid-transaction",
        `Unknown transaction op ${JSON.stringify(o)}; use {op: "set", key, value} or {op: "delete", key}`,
      );
    }
    checkKey(o.key);
    if (o.op === "set") checkValue(o.key, o.value);
  }
}

const byCodeUnits = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** Keeps everything in memory: for tests, and for processes that may lose their state. */
export class MemoryStore {
  constructor() {
    /** @type {Map<string, string>} */
    this.map = new Map();
  }
  async get(key) {
    checkKey(key);
    return this.map.get(key);
  }
  async set(key, value) {
    checkKey(key);
    checkValue(key, value);
    this.map.set(key, value);
  }
  async delete(key) {
    checkKey(key);
    this.map.delete(key);
  }
  async keys(prefix = "") {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort(byCodeUnits);
  }
  async transaction(ops) {
    checkOps(ops);
    for (const o of ops) {
      if (o.op === "set") this.map.set(o.key, o.value);
      else this.map.delete(o.key);
    }
  }
}

/**
 * A store over Web Storage (`localStorage`, or anything with the Storage interface:
 * `getItem`, `setItem`, `removeItem`, `key(i)`, `length`).
 *
 * Keys live under `prefix + "k:"`; a transaction first writes its ops as one journal item
 * (`prefix + "journal"`), that write is the commit point, then applies them and removes the
 * journal. Opening a store finds a journal left by a crash and applies it again (roll
 * forward); applying is idempotent. If applying fails (a quota error), the transaction
 * restores the values it had overwritten and rejects.
 *
 * Web Storage is shared by the tabs of an origin; two pollers on one prefix at once are not
 * supported (give each its own prefix).
 */
export class LocalStorageStore {
  /** @param {{storage?: Storage, prefix?: string}} [options] */
  constructor({ storage = globalThis.localStorage, prefix = "elements-poller:" } = {}) {
    if (!storage) throw new PollerError("store.unavailable", "No Web Storage here: pass {storage}");
    this.storage = storage;
    this.prefix = prefix;
    this.dataPrefix = prefix + "k:";
    this.journalKey = prefix + "journal";
    this.recover();
  }

  /** Rolls forward a transaction a crash interrupted. Called by the constructor. */
  recover() {
    const j = this.storage.getItem(this.journalKey);
    if (j === null) return;
    let ops;
    try {
      ops = JSON.parse(j).ops;
    } catch {
      ops = null;
    }
    if (Array.isArray(ops)) this.apply(ops);
    this.storage.removeItem(this.journalKey);
  }

  apply(ops) {
    for (const o of ops) {
      if (o.op === "set") this.storage.setItem(this.dataPrefix + o.key, o.value);
      else this.storage.removeItem(this.dataPrefix + o.key);
    }
  }

  wrap(what, fn) {
    try {
      return fn();
    } catch (e) {
      throw new PollerError("store.write-failed", `localStorage ${what} failed: ${e?.message ?? e}`, { cause: e });
    }
  }

  async get(key) {
    checkKey(key);
    const v = this.storage.getItem(this.dataPrefix + key);
    return v === null ? undefined : v;
  }
  async set(key, value) {
    checkKey(key);
    checkValue(key, value);
    this.wrap("setItem", () => this.storage.setItem(this.dataPrefix + key, value));
  }
  async delete(key) {
    checkKey(key);
    this.storage.removeItem(this.dataPrefix + key);
  }
  async keys(prefix = "") {
    const out = [];
    const full = this.dataPrefix + prefix;
    for (let i = 0; i < this.storage.length; i++) {
      const k = this.storage.key(i);
      if (k !== null && k.startsWith(full)) out.push(k.slice(this.dataPrefix.length));
    }
    return out.sort(byCodeUnits);
  }
  async transaction(ops) {
    checkOps(ops);
    if (ops.length === 0) return;
    const before = new Map();
    for (const o of ops) if (!before.has(o.key)) before.set(o.key, this.storage.getItem(this.dataPrefix + o.key));
    this.wrap("journal write", () => this.storage.setItem(this.journalKey, JSON.stringify({ ops })));
    try {
      this.apply(ops);
    } catch (e) {
      // undo what was applied, then drop the journal: nothing of the transaction remains
      // (removing first frees the space the old values need)
      try {
        for (const k of before.keys()) this.storage.removeItem(this.dataPrefix + k);
        for (const [k, v] of before) if (v !== null) this.storage.setItem(this.dataPrefix + k, v);
      } catch (e2) {
        // the journal stays: the transaction is completed when the store is next opened
        throw new PollerError(
          "store.write-failed",
          `localStorage transaction failed (${e?.message ?? e}) and could not be undone; it will be applied when the store is reopened`,
          { cause: e2 },
        );
      }
      this.storage.removeItem(this.journalKey);
      throw new PollerError("store.write-failed", `localStorage transaction failed: ${e?.message ?? e}`, { cause: e });
    }
    this.storage.removeItem(this.journalKey);
  }
}

/** The key range of every string starting with `prefix` (exact, also for U+FFFF). */
function prefixRange(prefix) {
  const stem = prefix.replace(/\uffff+$/, "");
  if (prefix === "") return undefined;
  if (stem === "") return IDBKeyRange.lowerBound(prefix);
  const upper = stem.slice(0, -1) + String.fromCharCode(stem.charCodeAt(stem.length - 1) + 1);
  return IDBKeyRange.bound(prefix, upper, false, true);
}

/**
 * A store in IndexedDB: one database, one object store of string keys and values; a
 * transaction is one IndexedDB readwrite transaction, which the browser makes atomic.
 */
export class IndexedDbStore {
  /** @param {{name?: string, storeName?: string, indexedDB?: IDBFactory}} [options] */
  constructor({ name = "elements-poller", storeName = "kv", indexedDB = globalThis.indexedDB } = {}) {
    if (!indexedDB) throw new PollerError("store.unavailable", "No IndexedDB here: pass {indexedDB}");
    this.name = name;
    this.storeName = storeName;
    this.idb = indexedDB;
    /** @type {Promise<IDBDatabase>|undefined} */
    this.dbp = undefined;
  }

  /** @returns {Promise<IDBDatabase>} */
  open() {
    this.dbp ??= new Promise((resolve, reject) => {
      const req = this.idb.open(this.name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(this.storeName)) req.result.createObjectStore(this.storeName);
      };
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => {
          db.close();
          this.dbp = undefined;
        };
        resolve(db);
      };
      req.onerror = () =>
        reject(
          new PollerError("store.unavailable", `Cannot open IndexedDB ${this.name}: ${req.error?.message}`, {
            cause: req.error,
          }),
        );
      req.onblocked = () =>
        reject(new PollerError("store.unavailable", `Opening IndexedDB ${this.name} is blocked by another connection`));
    });
    return this.dbp;
  }

  /**
   * Runs `fn(objectStore)` in one transaction; resolves with what `fn` returned (a request's
   * result is read once the transaction completed).
   */
  async run(mode, fn) {
    const db = await this.open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(this.storeName, mode);
      const req = fn(tx.objectStore(this.storeName));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      const fail = () =>
        reject(
          new PollerError("store.write-failed", `IndexedDB transaction failed: ${tx.error?.message ?? "aborted"}`, {
            cause: tx.error,
          }),
        );
      tx.onerror = (ev) => {
        ev.preventDefault?.();
      };
      tx.onabort = fail;
    });
  }

  async get(key) {
    checkKey(key);
    const v = await this.run("readonly", (s) => s.get(key));
    return v === undefined ? undefined : String(v);
  }
  async set(key, value) {
    checkKey(key);
    checkValue(key, value);
    await this.run("readwrite", (s) => {
      s.put(value, key);
    });
  }
  async delete(key) {
    checkKey(key);
    await this.run("readwrite", (s) => {
      s.delete(key);
    });
  }
  async keys(prefix = "") {
    const all = await this.run("readonly", (s) => s.getAllKeys(prefixRange(prefix)));
    return all
      .map(String)
      .filter((k) => k.startsWith(prefix))
      .sort(byCodeUnits);
  }
  async transaction(ops) {
    checkOps(ops);
    if (ops.length === 0) return;
    await this.run("readwrite", (s) => {
      for (const o of ops) {
        if (o.op === "set") s.put(o.value, o.key);
        else s.delete(o.key);
      }
    });
  }

  /** Closes the connection (a later call reopens it). */
  close() {
    this.dbp?.then(
      (db) => db.close(),
      () => {},
    );
    this.dbp = undefined;
  }
}
