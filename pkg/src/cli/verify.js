// `elements-poller verify --key K [FILE]`: checks a captured webhook request with
// verifyNotification, as a receiver would.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { verifyNotification, PollerError } from "../index.node.js";

const help = `Usage: elements-poller verify --key K [--key K2] [FILE | -] [--tolerance S] [--now ISO|MS] [--scheme standard|elements] [--json]

Checks a captured webhook request: a JSON file (stdin when no FILE, or -) with the request's
headers and its raw body, {"headers": {...}, "body": "<the body as sent>"} (or "bodyBase64"
for the exact bytes). Verifies the Standard Webhooks headers when they are there, else
Elements-Webhook-Signature, and prints the notification's id and events.

  --key K           raw text (event.notification.signature.key) or whsec_<base64>; repeat for
                    rotated keys. Default: ELEMENTS_SIGNATURE_KEY (keeps it off the command line)
  --tolerance S     how far webhook-timestamp may be from now, in seconds (default 300)
  --now ISO|MS      the time to check the timestamp against (default: now); for old captures
  --scheme X        accept only this scheme
  --json            print {scheme, id, timestamp, message} as one JSON line

Exit codes: 0 verified; 1 not verified (error[webhook.signature|webhook.timestamp|webhook.malformed])
or an unreadable request; 2 a wrong command line.`;

export async function verifyCommand(argv, io) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      key: { type: "string", multiple: true },
      tolerance: { type: "string" },
      now: { type: "string" },
      scheme: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout.write(help + "\n");
    return 0;
  }
  const usage = (m) => (io.stderr.write(`${m}\n\n${help}\n`), 2);
  if (positionals.length > 1) return usage("verify takes at most one FILE");
  const keys = values.key ?? (io.env?.ELEMENTS_SIGNATURE_KEY ? [io.env.ELEMENTS_SIGNATURE_KEY] : []);
  if (keys.length === 0) return usage("verify needs --key K (or ELEMENTS_SIGNATURE_KEY)");
  const toleranceSeconds = values.tolerance === undefined ? undefined : Number(values.tolerance);
  if (toleranceSeconds !== undefined && !(toleranceSeconds >= 0))
    return usage(`--tolerance must be seconds ≥ 0, not ${JSON.stringify(values.tolerance)}`);
  let now = Date.now();
  if (values.now !== undefined) {
    now = /^\d+$/.test(values.now) ? Number(values.now) : Date.parse(values.now);
    if (Number.isNaN(now)) return usage(`--now must be an ISO instant or epoch ms, not ${JSON.stringify(values.now)}`);
  }

  const file = positionals[0] ?? "-";
  const { headers, body } = readRequest(readFileSync(file === "-" ? 0 : file, "utf8"), file);
  // The core checks the scheme's value (webhook.scheme).
  const v = verifyNotification({
    body,
    headers,
    keys,
    toleranceSeconds,
    now,
    scheme: /** @type {any} */ (values.scheme),
  });
  if (values.json) {
    io.stdout.write(JSON.stringify(v) + "\n");
  } else {
    const when =
      v.timestamp === undefined
        ? "no timestamp: the Elements scheme signs the body only"
        : `timestamp ${new Date(v.timestamp * 1000).toISOString()}`;
    io.stdout.write(`verified (${v.scheme}): id ${v.id ?? "(none)"}, ${when}\n`);
    for (const e of v.message.events ?? [])
      io.stdout.write(`  ${e.eventType} ${e.objectType} ${e.objectId} ${e.date ?? ""}\n`);
  }
  return 0;
}

/** `{headers, body}` of a captured request; the body as its exact bytes. */
function readRequest(text, file) {
  let request;
  try {
    request = JSON.parse(text);
  } catch (e) {
    throw new PollerError("cli.request", `${file === "-" ? "stdin" : file} is not JSON: ${e.message}`);
  }
  if (!request || typeof request !== "object" || !request.headers || typeof request.headers !== "object") {
    throw new PollerError("cli.request", 'the request must be {"headers": {...}, "body": "<raw body>"}');
  }
  if (typeof request.bodyBase64 === "string")
    return { headers: request.headers, body: new Uint8Array(Buffer.from(request.bodyBase64, "base64")) };
  if (typeof request.body !== "string") {
    throw new PollerError(
      "cli.request",
      'body must be the raw body as a string (or "bodyBase64"): a parsed object has lost the bytes that were signed',
    );
  }
  return { headers: request.headers, body: request.body };
}
