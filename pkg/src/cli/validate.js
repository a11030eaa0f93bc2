// `elements-poller validate FILE...`: diagnostics the way a compiler prints them.
import { parseArgs } from "node:util";
import { validateConfig, locateConfigPath, pollerApi } from "../index.node.js";
import { readSource, excerpt, jsonErrorAt, secretsOf } from "./excerpt.js";

const help = `Usage: elements-poller validate FILE... [--json]

Checks POST /instances bodies (JSON files; "-" reads standard input). Prints each problem
to standard error with its JSON path, the offending line and a caret, and a hint (secrets
masked); --json prints the diagnostics as JSON on standard output. Exit 1 if any has errors.`;

export function paint(enabled) {
  const wrap = (open) => (s) => (enabled ? `\x1b[${open}m${s}\x1b[0m` : s);
  return {
    red: wrap("1;31"),
    yellow: wrap("1;33"),
    blue: wrap("1;34"),
    cyan: wrap("36"),
    bold: wrap("1"),
    dim: wrap("2"),
  };
}

/** Where a diagnostic points in `text`: a JSON syntax error at its line and column, else its path. */
export function locate(d, text) {
  if (text === undefined) return null;
  if (d.code === "config.not-json") return jsonErrorAt(d.message) ?? locateConfigPath(text, "");
  return locateConfigPath(text, d.path || "");
}

/** One diagnostic, rustc-style, with a window of the source line when it can be located. */
export function renderDiagnostic(
  d,
  file,
  text,
  c,
  at = locate(d, text),
  secrets = text === undefined ? [] : secretsOf(text),
) {
  const color = d.severity === "error" ? c.red : d.severity === "warning" ? c.yellow : c.blue;
  const syntax = d.code === "config.not-json" && at;
  const lines = [`${color(`${d.severity}[${d.code}]`)}${c.bold(`: ${d.message}`)}`];
  lines.push(
    `  ${c.blue("-->")} ${file}${at ? `:${at.line}:${at.column}` : ""}  ${c.dim(syntax ? "(JSON syntax)" : d.path || "(the whole body)")}`,
  );
  if (at) {
    const { src, caret } = excerpt(text, at.line, at.column, secrets);
    const gutter = String(at.line).length;
    lines.push(`${" ".repeat(gutter + 1)}${c.blue("|")}`);
    lines.push(`${c.blue(`${at.line} |`)} ${src}`);
    lines.push(
      `${" ".repeat(gutter + 1)}${c.blue("|")} ${" ".repeat(caret)}${color("^")}${at.exact ? "" : c.dim(" (missing here)")}`,
    );
  }
  // The core's hint for a syntax error speaks to the console's paste box; a file needs this.
  const hint = syntax
    ? "fix the JSON syntax here: the file must hold one JSON object, the POST /instances body"
    : d.hint;
  if (hint) lines.push(`  ${c.cyan("= hint:")} ${hint}`);
  return lines.join("\n");
}

export async function validateCommand(argv, io) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help || positionals.length === 0) {
    io.stdout.write(help + "\n");
    return values.help ? 0 : 2;
  }
  const c = paint(Boolean(io.stderr.isTTY) && !io.env?.NO_COLOR);
  const results = [];
  for (const file of positionals) {
    let text;
    try {
      text = readSource(file);
    } catch (e) {
      if (e?.name === "PollerError") throw e;
      io.stderr.write(`${file}: cannot read: ${e.message}\n`);
      return 1;
    }
    results.push({ file, text, api: apiOf(text), ...validateConfig(text) });
  }
  if (values.json) {
    io.stdout.write(
      JSON.stringify(
        results.map(({ file, ok, api, diagnostics }) => ({ file, ok, api, diagnostics })),
        null,
        2,
      ) + "\n",
    );
  } else {
    for (const r of results) {
      // In the order of the file, as a compiler reports.
      const located = r.diagnostics.map((d) => ({ d, at: locate(d, r.text) }));
      located.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.column ?? 0) - (b.at?.column ?? 0));
      const secrets = secretsOf(r.text);
      for (const { d, at } of located) io.stderr.write(renderDiagnostic(d, r.file, r.text, c, at, secrets) + "\n\n");
      const errors = r.diagnostics.filter((d) => d.severity === "error").length;
      const warnings = r.diagnostics.length - errors;
      io.stderr.write(
        `${r.file}: ${r.ok ? c.bold("ok") : c.red("invalid")} (${errors} error${errors === 1 ? "" : "s"}, ${warnings} other${warnings === 1 ? "" : "s"})${r.api ? `; polls ${API_WORDS[r.api]}` : ""}\n`,
      );
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

/** How the summary names `event.poller.api`. */
const API_WORDS = { hub: "through a Cloud Elements hub", direct: "the provider's API directly" };

/** Which API the body polls (`hub` | `direct`, the core's reading), or undefined when it cannot be read. */
function apiOf(text) {
  try {
    return pollerApi(text);
  } catch {
    return undefined;
  }
}
