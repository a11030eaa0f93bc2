// Compiled by `tsc -p tests/types/node-only`: a Node-only project (no DOM lib, only
// @types/node) must compile against every entry it can use, with skipLibCheck off.
import { parseDate, detectChanges, BodyBuffer, Poller, MemoryStore, IndexedDbStore, PollerError, type ErrorCode, type CycleRetry } from "elements-poller";
import { FileStore } from "elements-poller/node";
import { startHubSimulator } from "elements-poller/testing";

const ms: number = parseDate("2024", "yyyy");
const r = detectChanges({ resource: { name: "a" }, body: BodyBuffer.from("[]") });
const store = new MemoryStore();
const files = new FileStore("/tmp/state");
const idb = new IndexedDbStore({ indexedDB: { open: () => ({}) } });
const poller = new Poller({ instance: "{}", baseUrl: "https://hub.example", auth: { user: "u", organization: "o", element: "e" }, store, onEvents: () => {} });
poller.addEventListener("retry", (e) => {
  if (e.detail.status !== undefined) {
    const cycle: CycleRetry = e.detail;
    console.log(cycle.delayMs, cycle.error);
  } else {
    const code: "delivery.retry" = e.detail.error.code;
    console.log(code);
  }
});
poller.addEventListener("custom", { handleEvent: (e) => console.log(e.type) });
try {
  parseDate("x", "yyyy");
} catch (e) {
  if (e instanceof PollerError) {
    const code: ErrorCode = e.code;
    // @ts-expect-error: codes are the catalogue's, not any string
    const wrong: ErrorCode = "date.parse.nope";
    console.log(code, wrong);
  }
}
console.log(ms, r, files, idb, startHubSimulator);
