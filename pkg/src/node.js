// `elements-poller/node`: the pieces that need Node.js. FileStore keeps poller state and the
// delivery outbox in a directory.

import { mkdir, open, readFile, readdir, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { PollerError } from "./errors.js";
import { checkOps } from "./stores.js";

/** @typedef {import("./stores.js").Store} Store */

const FILE = "store.json";

/**
 * A durable store in one directory.
 *
 * Design: every key lives in one JSON file, `store.json`. A change (a `set`, a `delete` or a
 * whole `transaction`) writes the complete new contents to a temporary file in the same
 * directory, fsyncs it, renames it over `store.json` (rename is atomic on POSIX file
 * systems), then fsyncs the directory so the rename itself is durable. A reader, or a
 * process restarted after a kill or a power loss, sees the old file or the new one, never
 * a mix; a transaction across many keys is atomic because it is one file. This is the
 * simplest correct design for what the store holds (a small bounded poller state and an
 * outbox); each write costs the size of the whole store, so it is not meant for megabytes.
 *
 * One FileStore per directory at a time: it caches the contents and serializes its own
 * writes, but it does not lock the directory against other processes.
 *
 * @implements {Store}
 */
export class FileStore {
  /** @param {string|{dir: string}} dir */
  constructor(dir) {
    this.dir = typeof dir === "string" ? dir : dir?.dir;
    if (typeof this.dir !== "string" || this.dir === "") {
      throw new PollerError("store.invalid-options", "FileStore needs a directory: new FileStore(dir)");
    }
    this.file = join(this.dir, FILE);
    /** @type {Promise<Map<string, string>>|undefined} */
    this.loaded = undefined;
    /** serializes writes */
    this.queue = Promise.resolve();
    this.counter = 0;
  }

  /** @returns {Promise<Map<string, string>>} */
  load() {
    this.loaded ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      for (const name of await readdir(this.dir)) {
        if (name.startsWith(`${FILE}.`) && name.endsWith(".tmp")) await unlink(join(this.dir, name)).catch(() => {});
      }
      let text;
      try {
        text = await readFile(this.file, "utf8");
      } catch (e) {
        if (e.code === "ENOENT") return new Map();
        throw new PollerError("store.read-failed", `Cannot read ${this.file}: ${e.message}`, { cause: e });
      }
      let doc;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new PollerError("store.corrupt", `${this.file} is not valid JSON`, { path: this.file, cause: e });
      }
      if (!doc || doc.v !== 1 || typeof doc.data !== "object") {
        throw new PollerError("store.corrupt", `${this.file} is not a FileStore file (expected {"v":1,"data":{...}})`, { path: this.file });
      }
      return new Map(Object.entries(doc.data));
    })();
    this.loaded.catch(() => { this.loaded = undefined; });
    return this.loaded;
  }

  /** Applies `change` to a copy of the contents, persists it, then swaps it in. */
  write(change) {
    const run = this.queue.then(async () => {
      const current = await this.load();
      const next = new Map(current);
      change(next);
      await this.persist(next);
      this.loaded = Promise.resolve(next);
    });
    this.queue = run.catch(() => {});
    return run;
  }

  async persist(map) {
    const data = {};
    for (const k of [...map.keys()].sort()) data[k] = map.get(k);
    const text = JSON.stringify({ v: 1, data });
    const tmp = join(this.dir, `${FILE}.${process.pid}.${++this.counter}.tmp`);
    try {
      const fh = await open(tmp, "w");
      try {
        await fh.writeFile(text, "utf8");
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      await syncDir(this.dir);
    } catch (e) {
      await unlink(tmp).catch(() => {});
      throw new PollerError("store.write-failed", `Cannot write ${this.file}: ${e.message}`, { cause: e });
    }
  }

  async get(key) {
    if (typeof key !== "string") throw new PollerError("store.invalid-key", "A store key must be a string");
    await this.queue;
    return (await this.load()).get(key);
  }
  async set(key, value) {
    checkOps([{ op: "set", key, value }]);
    return this.write((m) => m.set(key, value));
  }
  async delete(key) {
    checkOps([{ op: "delete", key }]);
    return this.write((m) => m.delete(key));
  }
  async keys(prefix = "") {
    await this.queue;
    const m = await this.load();
    return [...m.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
  async transaction(ops) {
    checkOps(ops);
    if (ops.length === 0) return;
    return this.write((m) => {
      for (const o of ops) {
        if (o.op === "set") m.set(o.key, o.value);
        else m.delete(o.key);
      }
    });
  }
}

async function syncDir(dir) {
  let fh;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (e) {
    // some platforms (Windows) cannot open or fsync a directory; the rename is still atomic
    if (!["EISDIR", "EPERM", "EINVAL", "EACCES"].includes(e.code)) throw e;
  } finally {
    await fh?.close();
  }
}
