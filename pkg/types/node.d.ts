// Types of "elements-poller/node". Hand-written.
import type { Store, StoreOp } from "./stores.js";
export type { Store, StoreOp } from "./stores.js";

/**
 * A durable store in a directory: one `store.json`, replaced atomically (temp file, fsync,
 * rename, fsync of the directory) on every change; survives a kill mid-write.
 * A directory belongs to one open FileStore at a time, across processes: the constructor takes
 * `store.lock` (holding the pid) and throws `PollerError` `store.locked` when another FileStore, in
 * this process or another, holds it; a lock left by a process that no longer runs is taken over.
 */
export class FileStore implements Store {
  constructor(dir: string | { dir: string });
  readonly dir: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  transaction(ops: StoreOp[]): Promise<void>;
  /** Waits for the writes in flight, then releases the directory; later calls throw `store.closed`. */
  close(): Promise<void>;
}
