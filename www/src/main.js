// The admin console: tabs around <poller-config-editor> and the panels that use its value.
import * as ep from "elements-poller";
import "elements-poller/editor";
import { $, el, copyText, plural, diagnosticItem } from "./dom.js";
import { setupDates } from "./dates.js";
import { setupDryRun } from "./dryrun.js";
import { setupLive } from "./live.js";
import seedExample from "./samples/seed-example-body.json?raw";
import platformExample from "./samples/platform-instance.json?raw";

const PC = "event.poller.configuration";
const STORAGE_KEY = "elements-poller.console.v1";
/** Paths of secrets in a body: never saved unless the person opts in. */

const editor = $("editor");
const listeners = new Set();
/** The configuration as the editor last reported it. */
const config = { value: null, diagnostics: [], ok: false };

export function onConfig(fn) {
  listeners.add(fn);
}

/** The resources of the configuration as `{name, ...poller}`. */
export function resources() {
  const pc = config.value?.configuration?.[PC];
  if (!pc || typeof pc !== "object") return [];
  return Object.entries(pc)
    .filter(([, p]) => p && typeof p === "object")
    .map(([name, p]) => ({ name, ...p }));
}

function publish() {
  config.value = editor.value;
  config.diagnostics = editor.diagnostics;
  config.ok = editor.ok;
  for (const fn of listeners) fn(config);
}

// ---- tabs ----------------------------------------------------------------------------
const tabs = [...document.querySelectorAll('[role="tab"]')];
export function selectTab(id, focus = false) {
  for (const t of tabs) {
    const on = t.id === id;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
    if (on && focus) t.focus();
  }
  history.replaceState(null, "", `#${id.replace(/^tab-/, "")}`);
}
for (const t of tabs) {
  t.addEventListener("click", () => selectTab(t.id));
  t.addEventListener("keydown", (e) => {
    const i = tabs.indexOf(t);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length].id, true);
  });
}
const initialTab = `tab-${location.hash.slice(1)}`;
if (tabs.some((t) => t.id === initialTab)) selectTab(initialTab);

// ---- status badge --------------------------------------------------------------------
const badge = $("status-badge");
onConfig(({ diagnostics }) => {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  badge.textContent =
    errors || warnings ? `${plural(errors, "error")}, ${plural(warnings, "warning")}` : "Configuration OK";
  badge.className = `badge ${errors ? "bad" : warnings ? "warn" : "ok"}`;
});
badge.addEventListener("click", () => {
  selectTab("tab-builder");
  const first = editor.diagnostics[0];
  if (first) editor.focusPath(first.path);
});

// ---- persistence: non-secret fields unless the person opts in --------------------------
const remember = $("remember-secrets");
// The core's rule, the one renderCurl masks with: every spelling and form of a secret, the
// callback headers, a url's userinfo, and inside a configuration written as a JSON string.
function withoutSecrets(body) {
  return ep.redactSecrets(body, { remove: true });
}
function save() {
  if (!config.value) return;
  try {
    const keep = remember.checked;
    localStorage.setItem(
      STORAGE_KEY,
      JSON.stringify({
        rememberSecrets: keep,
        body: keep ? config.value : withoutSecrets(config.value),
        curl: keep ? { user: $("curl-user").value, org: $("curl-org").value } : undefined,
      }),
    );
  } catch {
    /* storage full or disabled: the console still works */
  }
}
onConfig(save);
remember.addEventListener("change", save);
$("curl-user").addEventListener("input", save);
$("curl-org").addEventListener("input", save);
$("start-over").addEventListener("click", () => {
  localStorage.removeItem(STORAGE_KEY);
  editor.value = null;
  publish();
});

function restore() {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (!saved?.body) return false;
    remember.checked = !!saved.rememberSecrets;
    if (saved.curl) {
      $("curl-user").value = saved.curl.user ?? "";
      $("curl-org").value = saved.curl.org ?? "";
    }
    editor.value = saved.body;
    return true;
  } catch {
    return false;
  }
}

// ---- previews ------------------------------------------------------------------------
for (const b of document.querySelectorAll("button.copy")) {
  b.addEventListener("click", () => copyText($(b.dataset.copy).textContent, b));
}

const reveal = $("curl-reveal");
reveal.addEventListener("click", () => {
  const on = reveal.getAttribute("aria-pressed") !== "true";
  reveal.setAttribute("aria-pressed", String(on));
  reveal.textContent = on ? "Mask secrets" : "Reveal secrets";
  renderCurlPreview();
});
for (const id of ["curl-base", "curl-user", "curl-org"]) $(id).addEventListener("input", renderCurlPreview);

function renderCurlPreview() {
  const out = $("curl-out");
  out.classList.remove("error");
  if (!config.value) {
    out.textContent = "The body is not a JSON object yet.";
    return;
  }
  const opts = {
    baseUrl: $("curl-base").value.trim() || undefined,
    reveal: reveal.getAttribute("aria-pressed") === "true",
  };
  if ($("curl-user").value) opts.userSecret = $("curl-user").value;
  if ($("curl-org").value) opts.organizationSecret = $("curl-org").value;
  try {
    out.textContent = ep.renderCurl(config.value, opts);
  } catch (e) {
    out.textContent = `${e.code ?? "error"}: ${e.message}`;
    out.classList.add("error");
  }
}

const pollResource = $("pollurl-resource");
const pollWatermark = $("pollurl-watermark");
pollWatermark.value = new Date(Date.now() - 15 * 60000).toISOString().replace(/\.\d+Z$/, ".000Z");
pollResource.addEventListener("change", renderPollUrlPreview);
pollWatermark.addEventListener("input", renderPollUrlPreview);

/** Fills a <select> with the configuration's resources, keeping the selection. */
export function fillResourceSelect(select, { empty = "No resources yet: add one in Build" } = {}) {
  const names = resources().map((r) => r.name);
  const keep = select.value;
  if ([...select.options].map((o) => o.value).join("\n") === names.join("\n") && names.length) return;
  select.replaceChildren();
  if (!names.length) select.append(el("option", { value: "", text: empty }));
  for (const n of names) select.append(el("option", { value: n, text: n }));
  if (names.includes(keep)) select.value = keep;
}

function renderPollUrlPreview() {
  const out = $("pollurl-out");
  out.classList.remove("error");
  fillResourceSelect(pollResource);
  const r = resources().find((x) => x.name === pollResource.value);
  if (!r) {
    out.textContent = "Add a resource in the builder to see its poll URL.";
    return;
  }
  const ms = Date.parse(pollWatermark.value);
  if (Number.isNaN(ms)) {
    out.textContent = "The watermark must be an ISO-8601 instant, e.g. 2026-03-10T11:00:00.000Z.";
    out.classList.add("error");
    return;
  }
  try {
    out.textContent = ep.renderPollUrl(r, { watermark: ms, now: Date.now() });
  } catch (e) {
    out.textContent = `${e.code ?? "error"}: ${e.message}`;
    out.classList.add("error");
  }
}

$("json-download").addEventListener("click", () => {
  if (!config.value) return;
  const url = URL.createObjectURL(
    new Blob([JSON.stringify(config.value, null, 2) + "\n"], { type: "application/json" }),
  );
  const a = el("a", {
    href: url,
    download: `${String(config.value.name || "instance").replace(/[^\w.-]+/g, "-")}.json`,
  });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
});

$("pollurl-where").addEventListener("click", () => {
  const body = editor.value;
  const name = pollResource.value;
  const r = body?.configuration?.[PC]?.[name];
  if (!r) return;
  const d = r.datesConfiguration ?? {};
  const fieldName = d.updatedDateField || "modification_date";
  const format =
    d.updatedDateFormat && !["milliseconds", "timestamp", "seconds", "iso8601"].includes(d.updatedDateFormat)
      ? d.updatedDateFormat
      : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
  const base = String(r.url ?? "").split("?")[0];
  r.url = `${base}?where=${fieldName}>='\${gmtDate:${format}}'`;
  editor.value = body;
  publish();
});

onConfig(({ value }) => {
  $("json-out").textContent = value ? JSON.stringify(value, null, 2) : "The body is not a JSON object yet.";
  renderCurlPreview();
  renderPollUrlPreview();
});

// ---- import ----------------------------------------------------------------------------
const importInput = $("body-input");
const importApply = $("import-apply");
const importNote = $("import-note");

function renderImportChecks() {
  const text = importInput.value;
  const list = $("diagnostics-list");
  const summary = $("diagnostics-summary");
  list.replaceChildren();
  if (!text.trim()) {
    summary.textContent = "Paste a body to check it.";
    summary.className = "";
    importApply.disabled = true;
    return;
  }
  const { ok, diagnostics } = ep.validateConfig(text);
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  summary.textContent =
    ok && !warnings ? "No problems found." : `${plural(errors, "error")}, ${plural(warnings, "warning")}`;
  summary.className = ok ? "ok" : "bad";
  for (const d of diagnostics) {
    let at = null;
    if (d.path) {
      try {
        at = ep.locateConfigPath(text, d.path);
      } catch {
        at = null;
      }
    }
    const item = diagnosticItem(d, at ? () => selectInText(importInput, at) : undefined);
    if (at)
      item.querySelector(".where").append(` · line ${at.line}, column ${at.column}${at.exact ? "" : " (nearest)"}`);
    list.append(item);
  }
  let parses = false;
  try {
    const v = JSON.parse(text);
    parses = !!v && typeof v === "object" && !Array.isArray(v);
  } catch {
    parses = false;
  }
  importApply.disabled = !parses;
  importNote.textContent = parses ? "" : "Only a JSON object can be opened in the builder.";
}
importInput.addEventListener("input", renderImportChecks);

/** Selects the JSON value that starts at {line, column} (1-based) in a textarea. */
function selectInText(textarea, { line, column }) {
  const text = textarea.value;
  let start = 0;
  for (let l = 1; l < line; l++) start = text.indexOf("\n", start) + 1;
  start += column - 1;
  let end = start;
  if (text[start] === '"') {
    end = start + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
    end += 1;
  } else {
    while (end < text.length && !",}]\n".includes(text[end])) end++;
  }
  textarea.focus();
  textarea.setSelectionRange(start, Math.max(end, start + 1));
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, (line - 4) * lineHeight);
}

function loadImportText(text, note) {
  importInput.value = text;
  renderImportChecks();
  importNote.textContent = note ?? "";
}
$("load-seed").addEventListener("click", () =>
  loadImportText(seedExample, "The example body of the Infusionsoft REST events documentation."),
);
$("load-platform").addEventListener("click", () =>
  loadImportText(
    platformExample,
    "An instance as the platform returns it: string values and the poller configuration as a JSON string.",
  ),
);
importApply.addEventListener("click", () => {
  editor.value = importInput.value;
  publish();
  selectTab("tab-builder");
  // a person who imports a body wants its first problem next
  const first = editor.diagnostics[0];
  if (first) editor.focusPath(first.path);
});

async function readDroppedFile(file) {
  if (!file) return;
  loadImportText(await file.text(), `Loaded ${file.name}.`);
}
$("import-file").addEventListener("change", (e) => readDroppedFile(e.target.files?.[0]));
const drop = $("drop-zone");
drop.addEventListener("dragover", (e) => {
  e.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  readDroppedFile(e.dataTransfer?.files?.[0]);
});

// ---- start -----------------------------------------------------------------------------
editor.addEventListener("change", publish);
if (!restore()) {
  // A first visit starts from a useful body: the seed's shape with the appointments preset.
  editor.value = {
    element: { key: "infusionsoftrest" },
    configuration: {
      "event.notification.enabled": true,
      "event.vendor.type": "polling",
      "event.poller.refresh_interval": 15,
    },
    name: "Keap polling",
  };
  editor.addResource("appointments", ep.presets.infusionsoftrest.appointments);
}
publish();

const context = { ep, onConfig, resources, fillResourceSelect, selectTab, editor, config };
setupDates(context);
setupDryRun(context);
setupLive(context);
publish();
document.body.dataset.ready = "true";
