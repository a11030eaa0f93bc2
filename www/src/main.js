// The admin console: tabs around <poller-config-editor> and the panels that use its value.
// This module owns the value (published to every onConfig listener), the tabs, the status badge
// and what is saved in the browser; each panel is a setupX(context) module.
import * as ep from "elements-poller";
import "elements-poller/editor";
import { $, el, plural } from "./dom.js";
import { setupPreviews } from "./previews.js";
import { setupImport } from "./import.js";
import { setupDates } from "./dates.js";
import { setupDryRun } from "./dryrun.js";
import { setupLive } from "./live.js";
import { createServiceClient } from "./service.js";
import { setupInstances } from "./instances.js";
import { setupCreate } from "./create.js";
import { createConsent } from "./consent.js";
import { setupDeliveries } from "./deliveries.js";

const PC = "event.poller.configuration";
const STORAGE_KEY = "elements-poller.console.v1";

const editor = $("editor");
const listeners = new Set();
/** The configuration as the editor last reported it. */
const config = { value: null, diagnostics: [], ok: false };

function onConfig(fn) {
  listeners.add(fn);
}

/** The resources of the configuration as `{name, ...poller}`. */
function resources() {
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
function selectTab(id, focus = false) {
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

/** Fills a <select> with the configuration's resources, keeping the selection. */
function fillResourceSelect(select, { empty = "No resources yet: add one in Build" } = {}) {
  const names = resources().map((r) => r.name);
  const keep = select.value;
  if ([...select.options].map((o) => o.value).join("\n") === names.join("\n") && names.length) return;
  select.replaceChildren();
  if (!names.length) select.append(el("option", { value: "", text: empty }));
  for (const n of names) select.append(el("option", { value: n, text: n }));
  if (names.includes(keep)) select.value = keep;
}

// ---- the panels: each a module given this context -------------------------------------
const context = { ep, onConfig, resources, fillResourceSelect, selectTab, editor, config, publish };
setupPreviews(context);
setupImport(context);

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

setupDates(context);
setupDryRun(context);
setupLive(context);
// The events service: one client (its secrets are the cURL card's, restored above).
const service = createServiceClient();
service.sync();
const consent = createConsent(service);
const instances = setupInstances({ ...context, service, consent });
setupCreate({ ...context, service, consent, instances });
setupDeliveries({ ...context, service });
publish();
document.body.dataset.ready = "true";
