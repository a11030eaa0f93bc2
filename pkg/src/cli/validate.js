// `elements-poller validate FILE...`: diagnostics the way a compiler prints them.
import { parseArgs } from "node:util";
import { readFileSync } from "node:fs";
import { validateConfig, locateConfigPath } from "../index.node.js";

const help = `Usage: elements-poller validate FILE... [--json]

Checks POST /instances bodies (JSON files; "-" reads standard input). Prints each problem
with its JSON path, the offending line and a caret, and a hint. Exit 1 if any has errors.`;

export function paint(enabled) {
  const wrap = (open) => (s) => (enabled ? `\x1b[${open}m${s}\x1b[0m` : s);
  return { red: wrap("1;31"), yellow: wrap("1;33"), blue: wrap("1;34"), cyan: wrap("36"), bold: wrap("1"), dim: wrap("2") };
}

/** One diagnostic, rustc-style, with the source line when the path can be located. */
export function renderDiagnostic(d, file, text, c, at = text === undefined ? null : locateConfigPath(text, d.path || "")) {
  const color = d.severity === "error" ? c.red : d.severity === "warning" ? c.yellow : c.blue;
  const lines = [`${color(`${d.severity}[${d.code}]`)}${c.bold(`: ${d.message}`)}`];
  lines.push(`  ${c.blue("-->")} ${file}${at ? `:${at.line}:${at.column}` : ""}  ${c.dim(d.path || "(the whole body)")}`);
  if (at) {
    const src = text.split(/\r?\n/)[at.line - 1] ?? "";
    const gutter = String(at.line).length;
    lines.push(`${" ".repeat(gutter + 1)}${c.blue("|")}`);
    lines.push(`${c.blue(`${at.line} |`)} ${src}`);
    lines.push(`${" ".repeat(gutter + 1)}${c.blue("|")} ${" ".repeat(Math.max(0, at.column - 1))}${color("^")}${at.exact ? "" : c.dim(" (missing here)")}`);
  }
  if (d.hint) lines.push(`  ${c.cyan("= hint:")} ${d.hint}`);
  return lines.join("\n");
}

export async function validateCommand(argv, io) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help || positionals.length === 0) {
    io.stdout.write(help + "\n");
    return values.help ? 0 : 2;
  }
  const c = paint(Boolean(io.stdout.isTTY) && !io.env?.NO_COLOR);
  const results = [];
  for (const file of positionals) {
    let text;
    try {
      text = file === "-" ? readFileSync(0, "utf8") : readFileSync(file, "utf8");
    } catch (e) {
      io.stderr.write(`${file}: cannot read: ${e.message}\n`);
      return 1;
    }
    results.push({ file, text, ...validateConfig(text) });
  }
  if (values.json) {
    io.stdout.write(JSON.stringify(results.map(({ file, ok, diagnostics }) => ({ file, ok, diagnostics })), null, 2) + "\n");
  } else {
    for (const r of results) {
      // In the order of the file, as a compiler reports.
      const located = r.diagnostics.map((d) => ({ d, at: locateConfigPath(r.text, d.path || "") }));
      located.sort((a, b) => (a.at?.line ?? 0) - (b.at?.line ?? 0) || (a.at?.column ?? 0) - (b.at?.column ?? 0));
      for (const { d, at } of located) io.stdout.write(renderDiagnostic(d, r.file, r.text, c, at) + "\n\n");
      const errors = r.diagnostics.filter((d) => d.severity === "error").length;
      const warnings = r.diagnostics.length - errors;
      io.stdout.write(`${r.file}: ${r.ok ? c.bold("ok") : c.red("invalid")} (${errors} error${errors === 1 ? "" : "s"}, ${warnings} other${warnings === 1 ? "" : "s"})\n`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}
