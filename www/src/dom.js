// DOM helpers: every node is built with createElement / textContent (no innerHTML). `el` is
// the editor's own (one helper for the package and the console).
import { el } from "elements-poller/editor/dom";

export { el };

const SVG = "http://www.w3.org/2000/svg";
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children.flat()) if (c != null && c !== false) node.append(c);
  return node;
}

export const $ = (id) => document.getElementById(id);

/** Copies text to the clipboard and says so on the button. */
export async function copyText(text, button) {
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    ok = false;
  }
  const label = button.dataset.label ?? button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied" : "Copy failed: select the text";
  clearTimeout(button._t);
  button._t = setTimeout(() => (button.textContent = label), 1600);
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A list item per diagnostic: severity, code, path, message, hint. */
export function diagnosticItem(d, onSelect) {
  const body = [
    el("span", { className: "sev", text: d.severity }),
    el("span", { className: "message", text: d.message }),
    el("span", { className: "where", text: `${d.code} at ${d.path || "(the whole body)"}` }),
    d.hint ? el("span", { className: "hint", text: `Hint: ${d.hint}` }) : null,
  ];
  const inner = onSelect ? el("button", { type: "button", onclick: () => onSelect(d) }, body) : el("div", {}, body);
  return el("li", { className: `diag ${d.severity}`, dataset: { code: d.code, path: d.path ?? "" } }, inner);
}

/** Reads a dotted path (`user.id`) from a record. */
export function field(record, path) {
  if (!path) return undefined;
  if (record && Object.hasOwn(record, path)) return record[path];
  let v = record;
  for (const k of path.split(".")) {
    if (v == null || typeof v !== "object") return undefined;
    v = v[k];
  }
  return v;
}
