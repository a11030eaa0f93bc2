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
const kind: "CREATED" | "UPDATED" | undefined = events[0]?.eventType;

try {
  parseDate("x", "yyyy");
} catch (e) {
  if (e instanceof PollerError) {
    const code: string = e.code;
    const column: number | undefined = e.column;
    console.log(code, column);
  }
}

// @ts-expect-error: the format is required
parseDate("2024");
// @ts-expect-error: body must be bytes or a string
detectChanges({ resource: { name: "a" }, body: 42 });

console.log(text, firstProblem, ok, kind);

import { buildInstance, normalizeConfig, renderCurl, instanceRequest, renderPollUrl, presets, configSchema, locateConfigPath, type InstanceBody } from "elements-poller";
const built: InstanceBody = buildInstance({ element: "infusionsoftrest", name: "n", oauth: { key: "k", secret: "s", callbackUrl: "https://x" }, resources: ["appointments"] });
const norm: InstanceBody = normalizeConfig(JSON.stringify(built));
const curl: string = renderCurl(norm, { reveal: true });
const req: { method: string; url: string } = instanceRequest(norm, { userSecret: "u", organizationSecret: "o" });
const pollUrl: string = renderPollUrl({ ...presets.infusionsoftrest.appointments, name: "appointments" }, { watermark: new Date() });
const at = locateConfigPath("{}", "name");
console.log(curl, req, pollUrl, at?.line, configSchema);
