// `elements-poller preview FILE --curl|--request|--poll-url RESOURCE [--reveal]`.
import { parseArgs } from "node:util";
import { renderCurl, instanceRequest, renderPollUrl, pollers, validateConfig } from "../index.node.js";
import { readSource } from "./excerpt.js";

const help = `Usage:
  elements-poller preview FILE --curl [--reveal] [--base-url URL] [--strict]
  elements-poller preview FILE --request [--base-url URL] [--strict]
  elements-poller preview FILE --poll-url RESOURCE [--watermark ISO|MS] [--strict]

Secrets come from ELEMENTS_USER_SECRET and ELEMENTS_ORGANIZATION_SECRET; the cURL form masks
them (and the body's secrets) unless --reveal; --request needs both. --watermark defaults to
now. A body with errors is previewed with a warning on standard error; --strict refuses it
(exit 1).`;

export async function previewCommand(argv, io) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      curl: { type: "boolean" },
      request: { type: "boolean" },
      "poll-url": { type: "string" },
      reveal: { type: "boolean" },
      "base-url": { type: "string" },
      watermark: { type: "string" },
      strict: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const modes = [values.curl, values.request, values["poll-url"] !== undefined].filter(Boolean).length;
  if (values.help || positionals.length !== 1 || modes !== 1) {
    io.stdout.write(help + "\n");
    return values.help ? 0 : 2;
  }
  const file = positionals[0];
  const secrets = {
    baseUrl: values["base-url"],
    userSecret: io.env?.ELEMENTS_USER_SECRET,
    organizationSecret: io.env?.ELEMENTS_ORGANIZATION_SECRET,
  };
  if (values.request) {
    const absent = Object.entries({
      ELEMENTS_USER_SECRET: secrets.userSecret,
      ELEMENTS_ORGANIZATION_SECRET: secrets.organizationSecret,
    })
      .filter(([, v]) => !v)
      .map(([k]) => k);
    if (absent.length) {
      io.stderr.write(
        `missing credentials: set ${absent.join(", ")} (the request carries them in its authorization header)\n\n${help}\n`,
      );
      return 2;
    }
  }
  const text = readSource(file);
  const errors = validateConfig(text).diagnostics.filter((d) => d.severity === "error");
  if (errors.length) {
    const codes = [...new Set(errors.map((d) => d.code))].join(", ");
    const what = `${file === "-" ? "the body" : file} has ${errors.length} error${errors.length === 1 ? "" : "s"} (${codes}): elements-poller validate ${file} shows where`;
    io.stderr.write(`${values.strict ? "error" : "warning"}: ${what}\n`);
    if (values.strict) return 1;
  }
  if (values.curl) {
    io.stdout.write(renderCurl(text, { ...secrets, reveal: Boolean(values.reveal) }) + "\n");
  } else if (values.request) {
    io.stdout.write(JSON.stringify(instanceRequest(text, secrets), null, 2) + "\n");
  } else {
    const name = values["poll-url"];
    const all = pollers(text);
    const resource = all.find((p) => p.name === name);
    if (!resource) {
      io.stderr.write(
        `no resource ${JSON.stringify(name)} in event.poller.configuration (it has: ${all.map((p) => p.name).join(", ") || "none"})\n`,
      );
      return 1;
    }
    const w = values.watermark;
    const watermark = w === undefined ? Date.now() : /^-?\d+$/.test(w) ? Number(w) : w;
    io.stdout.write(renderPollUrl(resource, { watermark }) + "\n");
  }
  return 0;
}
