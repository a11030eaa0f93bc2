import { detectChanges, parseDate } from "elements-poller";
import { rawExports } from "../../pkg/src/instance.js";
const resource = { name: "a", idField: "id", datesConfiguration: { updatedDateField: "d" } };
const body = new TextEncoder().encode('[{"id":1,"d":"2024-01-01T00:00:00.000Z"}]');
console.log(detectChanges({ resource, body, startFrom: "beginning" }).events.length);
let armed = true;
Object.defineProperty(Object.prototype, "stats", { configurable: true, set(v) {
  Object.defineProperty(this, "stats", { value: v, writable: true, enumerable: true, configurable: true });
  if (armed) { armed = false; new Uint8Array(rawExports().memory.buffer).fill(0xff); }
}});
try { detectChanges({ resource, body, startFrom: "beginning" }); console.log("no trap") } catch (e) { console.log(e.code, e.message) }
delete Object.prototype.stats;
console.log(detectChanges({ resource, body, startFrom: "beginning" }).events.length);
