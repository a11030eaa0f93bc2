// `elements-poller preview FILE --curl|--request|--poll-url RESOURCE [--reveal]`.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { renderCurl, instanceRequest, renderPollUrl, normalizeConfig } from "../index.node.js";

const help = `Usage:
  elements-poller preview FILE --curl [--reveal] [--base-url URL]
  elements-poller preview FILE --request [--base-url URL]
  elements-poller preview FILE --poll-url RESOURCE [--watermark ISO|MS]

Secrets come from ELEMENTS_USER_SECRET and ELEMENTS_ORGANIZATION_SECRET; the cURL form masks
them (and the body's secrets) unless --reveal. --watermark defaults to now.`;

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
      help: { type: "boolean", short: "h" },
    },
  });
  const modes = [values.curl, values.request, values["poll-url"] !== undefined].filter(Boolean).length;
  if (values.help || positionals.length !== 1 || modes !== 1) {
    io.stdout.write(help + "\n");
    return values.help ? 0 : 2;
  }
  const text = readFileSync(positionals[0] === "-" ? 0 : positionals[0], "utf8");
  const secrets = { baseUrl: values["base-url"], userSecret: io.env?.ELEMENTS_USER_SECRET, organizationSecret: io.env?.ELEMENTS_ORGANIZATION_SECRET };
  if (values.curl) {
    io.stdout.write(renderCurl(text, { ...secrets, reveal: Boolean(values.reveal) }) + "\n");
  } else if (values.request) {
    io.stdout.write(JSON.stringify(instanceRequest(text, secrets), null, 2) + "\n");
  } else {
    const name = values["poll-url"];
    const pollers = normalizeConfig(text).configuration?.["event.poller.configuration"] ?? {};
    if (!pollers[name]) {
      io.stderr.write(`no resource ${JSON.stringify(name)} in event.poller.configuration (it has: ${Object.keys(pollers).join(", ") || "none"})\n`);
      return 1;
    }
    const w = values.watermark;
    const watermark = w === undefined ? Date.now() : /^-?\d+$/.test(w) ? Number(w) : w;
    io.stdout.write(renderPollUrl({ ...pollers[name], name }, { watermark }) + "\n");
  }
  return 0;
}
