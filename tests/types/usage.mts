// Compiled (not run) by `tsc -p tests/types`: the .d.ts must accept what users write and
// give the results the types the runtime really has.
import { parseDate, formatDate, validateConfig, detectChanges, PollerError, type Diagnostic, type PollerEvent } from "elements-poller";

const ms: number = parseDate("2024-03-10T07:05:09.042Z", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
const text: string = formatDate(ms, "yyyy-MM-dd", "America/New_York");
formatDate(new Date(), "yyyy");

const v = validateConfig({ element: { key: "infusionsoftrest" } });
const firstProblem: Diagnostic | undefined = v.diagnostics[0];
const ok: boolean = v.ok;

const r = detectChanges({
  resource: { name: "appointments", idField: "id", datesConfiguration: { updatedDateField: "modification_date" } },
  state: null,
  body: new Uint8Array(),
  now: Date.now(),
});
const events: PollerEvent[] = r.events;
const kind: "CREATED" | "UPDATED" | "DELETED" | undefined = events[0]?.eventType;

try {
  parseDate("x", "yyyy");
} catch (e) {
  if (e instanceof PollerError) {
    const code: string = e.code;
    const column: number | undefined = e.column;
    console.log(code, column);
  }
}

import { BodyBuffer } from "elements-poller";
async function streamed(res: Response): Promise<number> {
  const body: BodyBuffer = await BodyBuffer.fromResponse(res);
  const again = await BodyBuffer.fromStream(res.body!, { capacity: 1024 });
  const n: number = detectChanges({ resource: { name: "a" }, body }).events.length + again.write("[]").length + BodyBuffer.from("[]").length;
  body.free();
  return n;
}
console.log(streamed);

// @ts-expect-error: the format is required
parseDate("2024");
// @ts-expect-error: body must be bytes or a string
detectChanges({ resource: { name: "a" }, body: 42 });

console.log(text, firstProblem, ok, kind);

import { buildInstance, normalizeConfig, renderCurl, redactSecrets, instanceRequest, renderPollUrl, presets, configSchema, locateConfigPath, type InstanceBody } from "elements-poller";
const built: InstanceBody = buildInstance({ element: "infusionsoftrest", name: "n", oauth: { key: "k", secret: "s", callbackUrl: "https://x" }, resources: ["appointments"] });
const norm: InstanceBody = normalizeConfig(JSON.stringify(built));
const curl: string = renderCurl(norm, { reveal: true });
const saved: InstanceBody = redactSecrets(norm, { remove: true });
const req: { method: string; url: string } = instanceRequest(norm, { userSecret: "u", organizationSecret: "o" });
const pollUrl: string = renderPollUrl({ ...presets.infusionsoftrest.appointments, name: "appointments" }, { watermark: new Date() });
const at = locateConfigPath("{}", "name");
console.log(curl, saved, req, pollUrl, at?.line, configSchema);

import { Poller, PollCycle, MemoryStore, buildNotifications, retrySchedule, type PollSummary } from "elements-poller";
import { FileStore } from "elements-poller/node";
import { startHubSimulator } from "elements-poller/testing";
const poller = new Poller({ instance: built, baseUrl: "https://api.cloud-elements.com/elements/api-v2", auth: { user: "u", organization: "o", element: "e" }, store: new MemoryStore(), onEvents: (evs) => evs.length });
poller.addEventListener("events", (e) => console.log(e.detail.events[0]?.eventId));
const summaries: Promise<PollSummary[]> = poller.pollOnce();
const fileStore = new FileStore("/tmp/x");
const released: Promise<void> = fileStore.close();
const cycle = new PollCycle({ resource: "appointments", instance: built, baseUrl: "http://h", auth: { user: "u", organization: "o", element: "e" } });
const next = cycle.nextRequest();
const delay: number | undefined = next?.delayMs;
const notes = buildNotifications(events, { callbackUrl: "https://x", signatureKey: "k" });
const schedule: number[] = retrySchedule();
const hubPromise = startHubSimulator({ seed: 1 });
console.log(summaries, fileStore, released, delay, notes[0]?.headers, schedule, hubPromise);

import { directPresets, pollerApi, type PollerApi } from "elements-poller";
const api: PollerApi = pollerApi(built);
const direct = new PollCycle({ resource: { ...directPresets.infusionsoftrest.notes, name: "notes" }, baseUrl: "https://api.infusionsoft.com/crm/rest", api: "direct" });
const directRequest = direct.nextRequest();
const bearer: "bearer" | undefined = directRequest?.auth;
const refresh: true | undefined = directRequest?.refreshToken;
const authRetry: boolean = directRequest?.retry?.reason === "auth" && directRequest.retry.delayFrom === "refresh";
console.log(api, bearer, refresh, authRetry);
