// `elements-poller poll FILE --base-url URL --state DIR [--once] [--reconcile] [--print|--deliver] [--json]`.
import { parseArgs } from "node:util";
import { Poller, OAuthTokens, validateConfig, normalizeConfig, pollerApi } from "../index.node.js";
import { FileStore } from "../node.js";
import { paint } from "./validate.js";
import { readSource } from "./excerpt.js";

const help = `Usage: elements-poller poll FILE --base-url URL --state DIR [--once] [--reconcile] [--print | --deliver] [--json]

Polls every resource of the instance body in FILE against the hub at URL (for example
https://api.cloud-elements.com/elements/api-v2), keeping state in DIR (a FileStore). A body
with event.poller.api "direct" polls Keap itself (URL https://api.infusionsoft.com/crm/rest):
its providerData.code is exchanged with oauth.api.key/secret and the tokens kept in DIR.

  --once            one poll, then exit (default: every event.poller.refresh_interval minutes)
  --reconcile       the first poll lists every resource in full and reports DELETED for the
                    ids gone since the last complete listing (the first one only records
                    the ids; a poller's "reconcile" key lists every everyHours)
  --print           print each event as a JSON line on stdout (the default)
  --deliver         POST signed notifications to event.notification.callback.url
  --resource NAME   poll only this resource (repeatable)
  --start-from X    first run only: now (default), beginning, or an ISO instant
  --json            machine output: one JSON line per poll summary (and per event with --print)
  --token-url URL   direct: the OAuth2 token endpoint (default https://api.infusionsoft.com/token)
  --id ID           the instance's id: what its state keys and eventIds are made of (default:
                    the body's name and a fingerprint; a direct body's fingerprint is of its OAuth
                    app and providerData.code, so give --id to re-authorize with a new code and
                    keep the state)

Hub credentials come from ELEMENTS_USER_SECRET, ELEMENTS_ORGANIZATION_SECRET and
ELEMENTS_ELEMENT_TOKEN (a direct body needs none of them).

Exit codes: 0 every cycle succeeded; 1 a cycle or a delivery failed, or the body has errors;
2 a wrong command line or missing credentials.`;

export async function pollCommand(argv, io) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "base-url": { type: "string" },
      state: { type: "string" },
      once: { type: "boolean" },
      reconcile: { type: "boolean" },
      print: { type: "boolean" },
      deliver: { type: "boolean" },
      resource: { type: "string", multiple: true },
      "start-from": { type: "string", default: "now" },
      json: { type: "boolean" },
      "token-url": { type: "string" },
      id: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout.write(help + "\n");
    return 0;
  }
  const usage = (m) => (io.stderr.write(`${m}\n\n${help}\n`), 2);
  if (positionals.length !== 1) return usage("poll needs one FILE");
  if (!values["base-url"]) return usage("poll needs --base-url URL");
  if (!values.state) return usage("poll needs --state DIR");
  if (values.print && values.deliver) return usage("--print and --deliver exclude each other");
  if (values.id !== undefined && values.id.trim() === "") return usage("--id needs a non-empty ID");
  const env = io.env ?? {};
  const text = readSource(positionals[0]);
  const check = validateConfig(text);
  if (!check.ok) {
    for (const d of check.diagnostics.filter((d) => d.severity === "error"))
      io.stderr.write(`error[${d.code}] at ${d.path || "(body)"}: ${d.message}\n`);
    io.stderr.write(`${positionals[0]}: fix these first (elements-poller validate ${positionals[0]} shows where)\n`);
    return 1;
  }
  const instance = normalizeConfig(text);
  // The core says which API the body polls: a direct one authenticates with OAuth2 tokens.
  const direct = pollerApi(instance) === "direct";
  const auth = {
    user: env.ELEMENTS_USER_SECRET,
    organization: env.ELEMENTS_ORGANIZATION_SECRET,
    element: env.ELEMENTS_ELEMENT_TOKEN,
  };
  const absent = Object.entries({
    ELEMENTS_USER_SECRET: auth.user,
    ELEMENTS_ORGANIZATION_SECRET: auth.organization,
    ELEMENTS_ELEMENT_TOKEN: auth.element,
  })
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (absent.length && !direct) return usage(`missing credentials: set ${absent.join(", ")}`);
  const c = paint(Boolean(io.stderr.isTTY) && !env.NO_COLOR);
  const tty = Boolean(io.stderr.isTTY) && !values.json;
  const print = (line) => io.stdout.write(line + "\n");

  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  let failures = 0;
  const store = new FileStore(values.state);
  const tokens = direct
    ? OAuthTokens.fromInstance(instance, {
        store,
        ...(values["token-url"] ? { tokenUrl: values["token-url"] } : {}),
        // One instance, one tokens entry: a new code in the body re-authorizes it (OAuthTokens
        // tries a new providerData.code once after a refusal).
        ...(values.id !== undefined ? { id: values.id } : {}),
      })
    : undefined;
  const poller = new Poller({
    instance,
    baseUrl: values["base-url"],
    ...(direct ? { tokens } : { auth }),
    store,
    resources: values.resource,
    startFrom: values["start-from"],
    ...(values.id !== undefined ? { id: values.id } : {}),
    signal: controller.signal,
    ...(values.deliver
      ? {
          delivery: {
            callbackUrl: instance.configuration["event.notification.callback.url"],
            signatureKey: instance.configuration["event.notification.signature.key"],
          },
        }
      : {
          onEvents: (events) =>
            events.forEach((e) =>
              print(
                values.json
                  ? JSON.stringify({ type: "event", ...e })
                  : `${e.eventType.padEnd(7)} ${e.objectType}/${e.objectId}  ${e.date}  ${e.eventId}`,
              ),
            ),
        }),
  });
  // Live progress on a terminal: one line per resource, rewritten as pages arrive.
  const progress = new Map();
  const show = (resource, s) => {
    if (!tty) return;
    progress.set(resource, s);
    io.stderr.write(`\r\x1b[2K${c.dim(`${[...progress].map(([r, t]) => `${r}: ${t}`).join("  ")}`)}`);
  };
  poller.addEventListener("retry", (/** @type {CustomEvent} */ e) => {
    const { resource, status, reason, error, delayMs } = e.detail;
    // A request that got no answer at all is said at once, on its own line: waiting through
    // every retry to report "HTTP 0" hides the one fact the user needs.
    if (reason === "transport" && typeof error === "string") {
      io.stderr.write(
        `${tty ? "\r\x1b[2K" : ""}${c.yellow("warning")} ${resource}: ${error}; retry in ${delayMs} ms\n`,
      );
    }
    show(resource ?? "delivery", `retry in ${delayMs ?? "?"} ms (${status ?? error?.code ?? ""})`);
  });
  poller.addEventListener("page", (/** @type {CustomEvent} */ e) =>
    show(e.detail.resource, `page ${e.detail.pages}, ${e.detail.records} records, ${e.detail.events} events`),
  );
  poller.addEventListener("error", (/** @type {CustomEvent} */ e) => {
    failures++;
    const err = e.detail.error;
    io.stderr.write(
      `${tty ? "\r\x1b[2K" : ""}${c.red("error")}${e.detail.resource ? ` ${e.detail.resource}` : ""}: ${err?.code ? `[${err.code}] ` : ""}${err?.message ?? err}\n`,
    );
  });
  poller.addEventListener("poll", (/** @type {CustomEvent} */ e) => {
    const { summaries } = e.detail;
    if (tty) io.stderr.write("\r\x1b[2K");
    if (values.json) {
      print(
        JSON.stringify({
          type: "poll",
          at: new Date().toISOString(),
          summaries: summaries.map((s) => ({
            ...s,
            error: s.error ? { code: s.error.code, message: s.error.message } : undefined,
          })),
        }),
      );
      return;
    }
    const rows = [
      ["resource", "pages", "records", "events", "ms", "result"],
      ...summaries.map((s) => [
        s.resource,
        s.pages,
        s.records,
        s.events,
        s.durationMs,
        s.error ? `${s.error.code}` : "ok",
      ]),
    ];
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
    const lines = rows.map((r) =>
      r.map((v, i) => (i === 0 || i === 5 ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join("  "),
    );
    io.stderr.write(`${c.bold(lines[0])}\n${lines.slice(1).join("\n")}\n`);
  });

  try {
    if (values.once) {
      await (values.reconcile ? poller.reconcile() : poller.pollOnce());
    } else {
      if (values.reconcile) await poller.reconcile();
      poller.start();
      await new Promise((resolve) => controller.signal.addEventListener("abort", resolve, { once: true }));
    }
  } catch (e) {
    if (!controller.signal.aborted) throw e;
  } finally {
    poller.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  return failures ? 1 : 0;
}
