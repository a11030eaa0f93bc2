// A tiny in-memory implementation of the Web Storage interface (what localStorage offers),
// with an optional quota in characters and a hook to fail the n-th write.
export class MemoryStorage {
  constructor({ quota = Infinity } = {}) {
    this.items = new Map();
    this.quota = quota;
    this.failAfter = Infinity; // setItem calls that succeed before the next one throws (once)
  }
  get length() {
    return this.items.size;
  }
  key(i) {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(k) {
    return this.items.has(String(k)) ? this.items.get(String(k)) : null;
  }
  setItem(k, v) {
    if (this.failAfter-- <= 0) {
      this.failAfter = Infinity;
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    }
    k = String(k);
    v = String(v);
    let used = 0;
    for (const [kk, vv] of this.items) if (kk !== k) used += kk.length + vv.length;
    if (used + k.length + v.length > this.quota)
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    this.items.set(k, v);
  }
  removeItem(k) {
    this.items.delete(String(k));
  }
  clear() {
    this.items.clear();
  }
}
