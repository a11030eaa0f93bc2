// `elements-poller date parse|format|lint`.
import { parseArgs } from "node:util";
import { parseDate, formatDate, lintDateFormat } from "../index.node.js";

const help = `Usage:
  elements-poller date parse TEXT --format PATTERN [--zone ZONE] [--json]
  elements-poller date format MS|ISO|now --format PATTERN [--zone ZONE] [--json]
  elements-poller date lint PATTERN [--zone ZONE] [--json]

PATTERN is a Java SimpleDateFormat pattern (yyyy-MM-dd'T'HH:mm:ss.SSS'Z') or one of
milliseconds, timestamp, seconds, iso8601. ZONE defaults to GMT.`;

export async function dateCommand(argv, io) {
  const { values, positionals } = parseArgs({
    args: offsetValues(argv, ["--zone", "-z"]),
    allowPositionals: true,
    options: {
      format: { type: "string", short: "f" },
      zone: { type: "string", short: "z", default: "GMT" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [sub, arg] = positionals;
  if (values.help || !sub) {
    io.stdout.write(help + "\n");
    return values.help ? 0 : 2;
  }
  const out = (obj, text) => io.stdout.write((values.json ? JSON.stringify(obj) : text) + "\n");
  if (sub === "lint") {
    if (arg === undefined) return usageError(io, "date lint needs a PATTERN");
    const diagnostics = lintDateFormat(arg, values.zone);
    // Human diagnostics go to stderr, like validate's; --json output to stdout.
    if (values.json) out(diagnostics);
    else
      io.stderr.write(
        (diagnostics.length
          ? diagnostics
              .map((d) => `${d.severity}[${d.code}]: ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ""}`)
              .join("\n")
          : "no problems found") + "\n",
      );
    return diagnostics.some((d) => d.severity === "error") ? 1 : 0;
  }
  if (!values.format) return usageError(io, `date ${sub} needs --format PATTERN`);
  if (arg === undefined) return usageError(io, `date ${sub} needs a value`);
  if (sub === "parse") {
    try {
      const ms = parseDate(arg, values.format, values.zone);
      out({ ms, iso: new Date(ms).toISOString() }, `${ms}  ${new Date(ms).toISOString()}`);
      return 0;
    } catch (e) {
      if (e?.name !== "PollerError" || e.column === undefined || values.json) throw e;
      io.stderr.write(`error[${e.code}]: ${e.message}\n  ${arg}\n  ${" ".repeat(e.column)}^\n`);
      return 1;
    }
  }
  if (sub === "format") {
    const ms = arg === "now" ? Date.now() : /^-?\d+$/.test(arg) ? Number(arg) : Date.parse(arg);
    if (!Number.isFinite(ms))
      return usageError(io, `${JSON.stringify(arg)} is neither epoch milliseconds nor an ISO instant`);
    const text = formatDate(ms, values.format, values.zone);
    out({ ms, text }, text);
    return 0;
  }
  return usageError(io, `unknown date subcommand ${JSON.stringify(sub)}`);
}

/** `--zone -08:00` reads naturally; parseArgs would take `-08:00` for an option. */
export function offsetValues(argv, names) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i]) && /^-\d/.test(argv[i + 1] ?? ""))
      out.push(`${argv[i]}=${argv[++i]}`.replace(/^-z=/, "--zone="));
    else out.push(argv[i]);
  }
  return out;
}

function usageError(io, message) {
  io.stderr.write(`${message}\n\n${help}\n`);
  return 2;
}
