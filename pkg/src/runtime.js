// The I/O layer, the same in browsers and Node.js: the Poller, the stores and the outbox.
export { Poller } from "./poller.js";
export { MemoryStore, LocalStorageStore, IndexedDbStore } from "./stores.js";
export { Outbox } from "./delivery.js";
export { OAuthTokens } from "./oauth.js";
