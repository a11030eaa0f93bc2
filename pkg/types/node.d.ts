// Types of "elements-poller/node". Hand-written.
import type { Store, StoreOp } from "./stores.js";
export type { Store, StoreOp } from "./stores.js";

/**
 * A durable store in a directory: one `store.json`, replaced atomically (temp file, fsync,
 * rename, fsync of the directory) on every change; survives a kill mid-write.
 * One FileStore per directory at a time.
 */
export class FileStore implements Store {
  constructor(dir: string | { dir: string });
  readonly dir: string;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(prefix?: string): Promise<string[]>;
  transaction(ops: StoreOp[]): Promise<void>;
}
