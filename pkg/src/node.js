// `elements-poller/node`: the pieces that need Node.js. FileStore keeps poller state and the
// delivery outbox in a directory.

import { mkdir, open, readFile, readdir, rename, unlink } from "node:fs/promises";
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { PollerError } from "./errors.js";
import { checkOps } from "./stores.js";

/** @typedef {import("./stores.js").Store} Store */

const FILE = "store.json";
const LOCK = "store.lock";

/** Directories (real paths) this process holds the lock of, and their lock files. */
const held = new Map();
// A process that exits without close() (the CLI, a test child) leaves no lock behind; after a
// crash the lock's pid is dead, and the next open takes it over.
let exitHook = false;
function releaseAllOnExit() {
  if (exitHook) return;
  exitHook = true;
  process.once("exit", () => {
    for (const lock of held.values()) releaseLock(lock);
  });
}

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
 * A directory belongs to one open FileStore at a time, across processes: the constructor
 * takes `store.lock` (created exclusively, holding the pid) and `close()` releases it. A second
 * FileStore on the directory, in this process or another, gets `store.locked`. A lock whose
 * pid is no longer running (a killed process) is taken over. Without it, two processes would
 * each rewrite the whole file from their own copy and erase each other's keys.
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
    this.lock = acquireLock(this.dir);
    this.closed = false;
    /** @type {Promise<Map<string, string>>|undefined} */
    this.loaded = undefined;
    /** serializes writes */
    this.queue = Promise.resolve();
    this.counter = 0;
  }

  /** Releases the directory (after the writes in flight) for another FileStore or process. */
  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    releaseLock(this.lock);
  }

  /** @returns {Promise<Map<string, string>>} */
  load() {
    if (this.closed) return Promise.reject(new PollerError("store.closed", `the FileStore of ${this.dir} is closed`));
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
        throw new PollerError("store.corrupt", `${this.file} is not a FileStore file (expected {"v":1,"data":{...}})`, {
          path: this.file,
        });
      }
      return new Map(Object.entries(doc.data));
    })();
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }

  /** Applies `change` to a copy of the contents, persists it, then swaps it in. */
  write(change) {
    if (this.closed) return Promise.reject(new PollerError("store.closed", `the FileStore of ${this.dir} is closed`));
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

/** Whether a process with this pid runs (EPERM: it does, as another user). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

/** Takes `dir`'s lock for this FileStore, or throws `store.locked` naming who holds it. */
function acquireLock(dir) {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new PollerError("store.read-failed", `Cannot create ${dir}: ${e.message}`, { cause: e });
  }
  const key = realpathSync(dir);
  const file = join(dir, LOCK);
  if (held.has(key)) {
    throw new PollerError(
      "store.locked",
      `${dir} is already open in this process (one FileStore per directory at a time; close() the other first)`,
      { path: file },
    );
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      // Written aside, then linked into place (link fails if the name exists, like O_EXCL): so
      // a lock file is never seen empty or half-written.
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${process.pid}\n`);
      try {
        linkSync(tmp, file);
      } finally {
        unlinkSync(tmp);
      }
      const lock = { key, file, pid: process.pid };
      held.set(key, lock);
      releaseAllOnExit();
      return lock;
    } catch (e) {
      if (e.code !== "EEXIST")
        throw new PollerError("store.write-failed", `Cannot create ${file}: ${e.message}`, { cause: e });
    }
    let text;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      if (e.code === "ENOENT") continue; // released meanwhile
      throw new PollerError("store.read-failed", `Cannot read ${file}: ${e.message}`, { cause: e });
    }
    const pid = Number.parseInt(text, 10);
    // Our own pid with no FileStore of ours holding it: left by an earlier process that had it.
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new PollerError(
        "store.locked",
        `${dir} is in use by process ${pid} (one process per FileStore directory; if no such process uses it, delete ${file})`,
        { path: file },
      );
    }
    removeStale(file, text);
  }
  throw new PollerError("store.locked", `${dir} is being opened by another process at the same time`, { path: file });
}

/**
 * Removes a stale lock, but only if it still holds `text`: two processes recovering the same
 * stale lock must not delete the fresh one the first of them created. Recoveries take turns
 * through `store.lock.takeover` (O_EXCL); one left by a process killed while recovering is
 * removed after 10 s.
 */
function removeStale(file, text) {
  const takeover = `${file}.takeover`;
  let fd;
  try {
    fd = openSync(takeover, "wx");
  } catch (e) {
    if (e.code !== "EEXIST")
      throw new PollerError("store.write-failed", `Cannot create ${takeover}: ${e.message}`, { cause: e });
    try {
      if (Date.now() - statSync(takeover).mtimeMs > 10_000) unlinkSync(takeover);
    } catch {
      // gone meanwhile
    }
    return; // someone else is recovering; the caller looks again
  }
  try {
    let now;
    try {
      now = readFileSync(file, "utf8");
    } catch {
      return;
    }
    if (now === text) unlinkSync(file);
  } finally {
    closeSync(fd);
    unlinkSync(takeover);
  }
}

function releaseLock(lock) {
  if (held.get(lock.key) !== lock) return;
  held.delete(lock.key);
  try {
    // Only our own lock: never one another process took over.
    if (Number.parseInt(readFileSync(lock.file, "utf8"), 10) === lock.pid) unlinkSync(lock.file);
  } catch {
    // already gone
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
