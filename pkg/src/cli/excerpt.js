// What the CLI shows of a user's file: the text as read (UTF-8, a byte-order mark dropped,
// binary refused), and excerpts of one line for a diagnostic: a window around the column
// (a one-line 5 MB body is never printed back whole), control characters made visible, and
// the body's secrets masked as the cURL form masks them.
import { readFileSync } from "node:fs";
import { PollerError, locateConfigPath, secretPaths } from "../index.node.js";

/** Code points of source shown around a column; wide enough for a JSON key and its value. */
export const WINDOW = 100;
const MASK = "********";

/**
 * A file's text ("-" reads standard input). Throws a PollerError for a file that is not
 * UTF-8 text, naming the first offending byte, rather than echo binary back to a terminal.
 */
export function readSource(file) {
  const bytes = file === "-" ? readFileSync(0) : readFileSync(file);
  const nul = bytes.subarray(0, 65536).indexOf(0);
  let text;
  try {
    if (nul >= 0) throw new Error(`a NUL byte at offset ${nul}`);
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new PollerError(
      "cli.not-text",
      `${file === "-" ? "standard input" : file} is not UTF-8 text (${e.message.replace(/^The encoded data was not valid for encoding utf-8$/, "invalid UTF-8")}): expected a JSON file`,
    );
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The 1-based line and column serde_json reports in a syntax error's message, if any. */
export function jsonErrorAt(message) {
  const m = / at line (\d+) column (\d+)$/.exec(message ?? "");
  return m ? { line: Number(m[1]), column: Math.max(1, Number(m[2])), exact: true } : null;
}

/** The locations of the body's secret values (strings only), once per text. */
export function secretsOf(text) {
  const out = [];
  for (const path of secretPaths(text)) {
    const at = locateConfigPath(text, path);
    if (at?.exact) out.push(at);
  }
  return out;
}

/**
 * Line `line` of `text` around 1-based `column` (code points): `{src, caret}` with `caret`
 * the 0-based column of the caret within `src`. Secret string values on the line (from
 * `secretsOf`) become `********`; a cut end shows `…`.
 */
export function excerpt(text, line, column, secrets = [], width = WINDOW) {
  let src = lineOf(text, line);
  let caret = unitIndex(src, column - 1);
  // Right to left, so earlier ranges keep their offsets.
  const masks = secrets
    .filter((s) => s.line === line)
    .map((s) => stringExtent(src, unitIndex(src, s.column - 1)))
    .filter(Boolean)
    .sort((a, b) => b[0] - a[0]);
  for (const [start, end] of masks) {
    src = src.slice(0, start) + MASK + src.slice(end);
    if (caret >= end) caret += MASK.length - (end - start);
    else if (caret > start) caret = start;
  }
  let from = Math.max(0, caret - Math.floor(width / 2));
  let to = Math.min(src.length, from + width);
  from = Math.max(0, Math.min(from, to - width));
  if (isLowSurrogate(src.charCodeAt(from))) from++;
  if (isLowSurrogate(src.charCodeAt(to))) to++;
  const head = from > 0 ? "…" : "";
  const shown = head + visible(src.slice(from, to)) + (to < src.length ? "…" : "");
  return { src: shown, caret: head.length + [...src.slice(from, caret)].length };
}

function lineOf(text, line) {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return "";
    start = nl + 1;
  }
  const nl = text.indexOf("\n", start);
  const l = text.slice(start, nl < 0 ? text.length : nl);
  return l.endsWith("\r") ? l.slice(0, -1) : l;
}

/** The UTF-16 index of the `cp`-th code point of `s` (its length when past the end). */
function unitIndex(s, cp) {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

/** `[start, end)` of the contents of the JSON string whose opening quote is at `at`. */
function stringExtent(s, at) {
  if (s[at] !== '"') return null;
  for (let i = at + 1; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return [at + 1, i];
  }
  return [at + 1, s.length]; // the string runs past this line: hide the rest of it
}

function isLowSurrogate(c) {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** One visible character per character, so the caret stays aligned. */
function visible(s) {
  return s.replace(/\t/g, " ").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "\ufffd");
}
