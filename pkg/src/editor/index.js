// <poller-config-editor>: a form over a `POST /instances` body with live validation.
// Shadow DOM, no framework, no innerHTML: every node is built with createElement/textContent.
// API: attributes/properties `value` and `element`; a `change` event with
// `detail: {value, diagnostics, ok}` after every edit; `focusPath(path)`; CSS custom
// properties --pce-* (see pkg/types/editor.d.ts and pkg/src/editor/README.md).
import * as ep from "../index.browser.js";
import { css } from "./styles.js";
import { pathOf, isWithin, getAt, setAt, reorder, dropIfEmpty } from "./paths.js";
import { el } from "./dom.js";
import { keysOf } from "./keys.js";

const PC = "event.poller.configuration";
const API = "event.poller.api";

/** Fields of the instance, grouped; `seg` is the path in the body. */
const GROUPS = [
  {
    title: "Instance",
    fields: [
      {
        label: "Element key",
        seg: ["element", "key"],
        mono: true,
        list: true,
        help: "The element to connect, e.g. infusionsoftrest.",
      },
      { label: "Instance name", seg: ["name"], help: "How the instance is named in Cloud Elements." },
      { label: "Tags", seg: ["tags"], kind: "tags", help: "Comma-separated." },
      {
        label: "Authorization grant code",
        seg: ["providerData", "code"],
        secret: true,
        mono: true,
        help: "providerData.code: the code from the OAuth redirect.",
      },
    ],
  },
  {
    title: "OAuth app",
    fields: [
      { label: "API key (client id)", seg: ["configuration", "oauth.api.key"], mono: true },
      { label: "API secret", seg: ["configuration", "oauth.api.secret"], secret: true, mono: true },
      {
        label: "Callback URL",
        seg: ["configuration", "oauth.callback.url"],
        mono: true,
        type: "url",
        help: "The redirect URL registered with the provider.",
      },
      {
        label: "API polled",
        seg: ["configuration", "event.poller.api"],
        kind: "select",
        options: [
          ["", "hub (the default)"],
          ["hub", "hub: Cloud Elements"],
          ["direct", "direct: Keap REST v1"],
        ],
        help: "event.poller.api: a Cloud Elements hub, or Keap itself with this OAuth app's tokens (no Cloud Elements in the loop). The presets offered follow it.",
      },
    ],
  },
  {
    title: "Events",
    fields: [
      {
        label: "Events enabled",
        group: "Notifications",
        seg: ["configuration", "event.notification.enabled"],
        kind: "bool",
        help: "Send events to the callback URL when records change.",
      },
      {
        label: "Vendor type",
        seg: ["configuration", "event.vendor.type"],
        kind: "select",
        options: [
          ["", "(not set)"],
          ["polling", "polling"],
          ["webhooks", "webhooks"],
        ],
      },
      {
        label: "Event callback URL",
        seg: ["configuration", "event.notification.callback.url"],
        mono: true,
        type: "url",
        help: "Where the events are sent.",
        wide: true,
      },
      {
        label: "Refresh interval (minutes)",
        seg: ["configuration", "event.poller.refresh_interval"],
        kind: "num",
        help: "How often the poller runs.",
      },
      {
        label: "Signature key",
        seg: ["configuration", "event.notification.signature.key"],
        secret: true,
        mono: true,
        help: "Signs notifications (HMAC-SHA256).",
      },
    ],
  },
];

/** Fields of one resource poller, relative to it. */
const RESOURCE_FIELDS = [
  {
    label: "URL",
    seg: ["url"],
    mono: true,
    wide: true,
    help: "The URL to poll, after the API's base: /hubs/crm/appointments on a hub, /v1/appointments on Keap directly; ${gmtDate:FORMAT} inserts the watermark.",
  },
  { label: "ID field", seg: ["idField"], mono: true, help: "Path of the record's id; may be dotted (user.id)." },
  { sub: "Updated date" },
  { label: "Updated date field", seg: ["datesConfiguration", "updatedDateField"], mono: true },
  {
    label: "Updated date format",
    seg: ["datesConfiguration", "updatedDateFormat"],
    mono: true,
    help: "Java pattern, or milliseconds / timestamp / iso8601.",
  },
  {
    label: "Updated date time zone",
    seg: ["datesConfiguration", "updatedDateTimezone"],
    mono: true,
    help: "GMT, UTC, -08:00, PST or an IANA name.",
  },
  { sub: "Created date" },
  { label: "Created date field", seg: ["datesConfiguration", "createdDateField"], mono: true },
  { label: "Created date format", seg: ["datesConfiguration", "createdDateFormat"], mono: true },
  { label: "Created date time zone", seg: ["datesConfiguration", "createdDateTimezone"], mono: true },
  { sub: "Paging and filters" },
  { label: "Page size", seg: ["pageSize"], kind: "num", help: "Records per request (default 200)." },
  { label: "Poll delay (seconds)", seg: ["pollDelay"], kind: "num", help: "Subtracted from the last poll date." },
  { label: "Created check tolerance (seconds)", seg: ["createdCheckTolerance"], kind: "num" },
  { label: "Filter by updated date", seg: ["filterByUpdatedDate"], kind: "tri" },
  { label: "Filter by current date", seg: ["filterByCurrentDate"], kind: "tri" },
  // `reconcile` is optional as a whole: clearing both fields removes it (`prune`), and maxDrop's
  // default is shown, not written, so a body says only what its author chose.
  { sub: "Deletes (reconciliation)" },
  {
    label: "Reconcile every (hours)",
    seg: ["reconcile", "everyHours"],
    kind: "dec",
    prune: true,
    help: "reconcile.everyHours: list the resource in full this often and emit DELETED for the ids gone since the last complete listing. Empty: no reconciliation.",
  },
  {
    label: "Largest drop held (share)",
    seg: ["reconcile", "maxDrop"],
    kind: "dec",
    prune: true,
    placeholder: () => keys().reconcileDefaults.maxDrop,
    help: "reconcile.maxDrop, 0 to 1: a listing that lost more than this share of the ids deletes nothing until a second complete listing confirms it.",
  },
];

// The configuration keys in the order the form shows their fields, the resources last: the
// order the editor writes them in. They are the keys the form has a field for; any other key
// is kept as written and listed as such.
/** @type {string[]} */
const CONF_ORDER = [];
for (const g of GROUPS) for (const f of g.fields) if (f.seg[0] === "configuration") CONF_ORDER.push(f.seg[1]);
CONF_ORDER.push(PC);
const KNOWN_CONF = new Set(CONF_ORDER);

/** @type {import("./keys.js").SchemaKeys | undefined} */
let schemaKeys;
/** The keys the core reads (its `configSchema`), read on first use: the wasm may not be
 * instantiated while this module is evaluated. */
function keys() {
  return (schemaKeys ??= keysOf(ep.configSchema));
}

let uid = 0;
const BaseElement = /** @type {typeof HTMLElement} */ (typeof HTMLElement === "undefined" ? class {} : HTMLElement);

/** Parses an object or JSON text into a body object; `{error}` when it is not a JSON object. */
export function toBody(input) {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (e) {
      return { error: `Not JSON: ${e.message}` };
    }
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "The body must be a JSON object." };
  let body = structuredClone(value);
  try {
    body = ep.normalizeConfig(body);
  } catch {
    // Kept as written (say, a poller configuration string that is not JSON): the validator says why.
  }
  return { body };
}

function display(v) {
  if (v == null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

/** A decimal as a person types it (`24`, `0.5`, `.5`, `2.`, `1e2`): anything else stays text for the validator to explain. */
const DECIMAL = /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function coerce(kind, raw) {
  if (kind === "num") {
    if (raw.trim() === "") return undefined;
    return /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw;
  }
  if (kind === "dec") {
    if (raw.trim() === "") return undefined;
    return DECIMAL.test(raw) && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  if (kind === "tri") return raw === "" ? undefined : raw === "true";
  if (kind === "tags") {
    const tags = raw
      .split(",")
      .map((t) => t.trim())
      .filter(Boolean);
    return tags.length ? tags : undefined;
  }
  if (kind === "select") return raw === "" ? undefined : raw;
  return raw === "" ? undefined : raw;
}

function orderFor(segments) {
  const parentPath = pathOf(segments.slice(0, -1));
  if (parentPath === "") return keys().body;
  if (parentPath === "configuration") return CONF_ORDER;
  if (segments.length === 4 && segments[1] === PC) return keys().poller;
  if (segments.length === 5 && segments[1] === PC && segments[3] === "datesConfiguration") return keys().dates;
  if (segments.length === 5 && segments[1] === PC && segments[3] === "reconcile") return keys().reconcile;
  return [];
}

export class PollerConfigEditor extends BaseElement {
  // Internals are `#private`, the house convention: a page sees the element's documented
  // properties and methods only.
  #root;
  #body;
  #rawText;
  #error;
  #fields;
  #diagnostics;
  #ok;
  #id;
  #summary;
  #form;
  #rerender;

  static get observedAttributes() {
    return ["value", "element"];
  }

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    this.#root.adoptedStyleSheets = [sheet];
    this.#body = null;
    this.#error = null;
    this.#fields = [];
    this.#diagnostics = [];
    this.#ok = false;
    this.#id = `pce${++uid}`;
    this.#summary = el("section", { className: "summary", part: "summary", "aria-label": "Checks" });
    this.#form = el("div", { className: "form" });
    this.#root.append(el("div", { className: "root", part: "root" }, this.#summary, this.#form));
  }

  connectedCallback() {
    if (!this.#body && !this.#error) this.#setValue(this.getAttribute("value") ?? null);
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === "value") this.#setValue(value);
    if (name === "element" && value) this.element = value;
  }

  /** The body being edited (a copy), or null when the last value set was not a JSON object. */
  get value() {
    return this.#body ? structuredClone(this.#body) : null;
  }
  set value(v) {
    this.#setValue(v);
  }

  /** The element key of the body (`element.key`); setting it re-renders the preset list. */
  get element() {
    return this.#body?.element?.key ?? this.getAttribute("element") ?? "";
  }
  set element(key) {
    if (!this.#body) this.#setValue(null);
    if (this.#body) {
      setAt(this.#body, ["element", "key"], key, []);
      if (!Object.hasOwn(this.#body, "element")) reorder(this.#body, keys().body);
      this.#render();
    }
  }

  /** The diagnostics of the current value. */
  get diagnostics() {
    return this.#diagnostics.map((d) => ({ ...d }));
  }
  /** True when no diagnostic is an error. */
  get ok() {
    return this.#ok;
  }
  /** The JSON parse error of the last value set, if any. */
  get parseError() {
    return this.#error;
  }

  /** Validates again and returns `{ok, diagnostics}`. */
  validate() {
    this.#validate(false);
    return { ok: this.#ok, diagnostics: this.diagnostics };
  }

  /** Moves focus to the field that holds `path` (or its nearest enclosing field). Returns false if none. */
  focusPath(path) {
    const f = this.#fieldFor(path);
    if (!f) return false;
    f.focus.scrollIntoView?.({ block: "center" });
    f.focus.focus({ preventScroll: true });
    return true;
  }

  /** Adds a resource poller: a preset of the element when `poller` is omitted. Returns its name. */
  addResource(name, poller) {
    if (!this.#body) this.#setValue(null);
    const presets = this.#presets();
    const base = poller ?? presets?.[name] ?? { url: "", idField: "id", datesConfiguration: {} };
    const had = Object.hasOwn(this.#body, "configuration");
    const conf = (this.#body.configuration ??= {});
    if (!had) reorder(this.#body, keys().body);
    if (typeof conf[PC] !== "object" || conf[PC] === null) {
      conf[PC] = {};
      reorder(conf, CONF_ORDER);
    }
    let unique = name,
      n = 2;
    while (Object.hasOwn(conf[PC], unique)) unique = `${name}_${n++}`;
    conf[PC][unique] = structuredClone(base);
    this.#render();
    this.#emit();
    return unique;
  }

  /** The presets of the element for the API the body polls (`directPresets` when direct). */
  #presets() {
    const all = this.#body?.configuration?.[API] === "direct" ? ep.directPresets : ep.presets;
    if (!all || typeof all !== "object") return undefined;
    return all[this.element] ?? null;
  }

  #setValue(v) {
    if (v === null || v === undefined || v === "") {
      const key = this.getAttribute("element") || "infusionsoftrest";
      this.#body = { element: { key }, configuration: {} };
      this.#error = null;
    } else {
      const r = toBody(v);
      this.#body = r.body ?? null;
      const key = this.getAttribute("element");
      if (this.#body && key && !this.#body.element?.key) {
        setAt(this.#body, ["element", "key"], key, []);
        reorder(this.#body, keys().body);
      }
      this.#error = r.error ?? null;
      this.#rawText = typeof v === "string" ? v : null;
    }
    this.#render();
  }

  #render() {
    const active = /** @type {HTMLElement | null} */ (this.#root.activeElement);
    const focusedPath = active?.dataset?.path;
    const caret = active && "selectionStart" in active ? active.selectionStart : null;
    this.#fields = [];
    this.#form.replaceChildren();
    if (this.#error) {
      this.#form.append(el("p", { className: "parse-error", role: "alert", text: this.#error }));
      this.#validate(false);
      return;
    }
    const body = this.#body;
    const list = el("datalist", { id: `${this.#id}-elements` });
    for (const k of Object.keys(ep.presets ?? {})) list.append(el("option", { value: k }));
    this.#form.append(list);
    const wrap = el("div", { className: "root" });
    for (const g of GROUPS) {
      const grid = el("div", { className: "grid" });
      for (const f of g.fields) grid.append(this.#field(f, f.seg));
      wrap.append(el("fieldset", { part: "section" }, el("legend", { text: g.title }), grid));
    }
    wrap.append(this.#resourcesSection(body));
    const extra = this.#extraKeys(body);
    if (extra.length) {
      wrap.append(
        el(
          "div",
          { className: "extra", part: "extra" },
          el("span", { text: "Kept as they are (no field here, written back unchanged): " }),
          el(
            "ul",
            {},
            extra.map((p) => el("li", {}, el("code", { text: p }))),
          ),
        ),
      );
    }
    this.#form.append(wrap);
    this.#validate(false);
    const again = focusedPath && this.#fields.find((f) => f.path === focusedPath)?.focus;
    if (again) {
      again.focus({ preventScroll: true });
      if (caret !== null && again.type !== "checkbox" && typeof again.setSelectionRange === "function") {
        try {
          again.setSelectionRange(caret, caret);
        } catch {
          /* not a text input */
        }
      }
    }
  }

  #extraKeys(body) {
    const out = [];
    const known = keys();
    for (const k of Object.keys(body)) if (!known.body.includes(k)) out.push(pathOf([k]));
    const conf = body.configuration;
    if (conf && typeof conf === "object") {
      for (const k of Object.keys(conf)) if (!KNOWN_CONF.has(k)) out.push(pathOf(["configuration", k]));
      const pc = conf[PC];
      if (pc && typeof pc === "object") {
        for (const [name, p] of Object.entries(pc)) {
          if (p && typeof p === "object")
            for (const k of Object.keys(p))
              if (!known.poller.includes(k)) out.push(pathOf(["configuration", PC, name, k]));
          const r = p?.reconcile;
          if (r && typeof r === "object" && !Array.isArray(r))
            for (const k of Object.keys(r))
              if (!known.reconcile.includes(k)) out.push(pathOf(["configuration", PC, name, "reconcile", k]));
        }
      }
    }
    return out;
  }

  #resourcesSection(body) {
    const fs = el("fieldset", { part: "section resources" }, el("legend", { text: "Resources to poll" }));
    const pcPath = pathOf(["configuration", PC]);
    const pc = body.configuration?.[PC];
    const presets = this.#presets();
    const toolbar = el("div", { className: "toolbar" });
    if (presets === undefined) {
      toolbar.append(
        el("p", {
          className: "notice",
          text: "Presets are not available in this build of elements-poller (it has no `presets` export): add resources by hand.",
        }),
      );
    } else if (presets === null) {
      toolbar.append(
        el("p", { className: "help", text: `No presets for the element "${this.element}": add resources by hand.` }),
      );
    } else {
      const id = `${this.#id}-preset`;
      const select = el("select", { id, name: "preset" });
      for (const name of Object.keys(presets)) select.append(el("option", { value: name, text: name }));
      toolbar.append(
        el(
          "div",
          { className: "field" },
          el("label", {
            for: id,
            text: `Preset resource of ${this.element}${body.configuration?.[API] === "direct" ? " (Keap REST v1, direct)" : ""}`,
          }),
          select,
        ),
        el("button", {
          type: "button",
          className: "primary",
          text: "Add preset",
          onclick: () => this.#userAdd(select.value),
        }),
      );
    }
    toolbar.append(
      el("button", {
        type: "button",
        text: "Add a resource by hand",
        onclick: () => this.#userAdd("resource", { url: "", idField: "id", datesConfiguration: {} }),
      }),
    );
    fs.append(toolbar);
    const diagBox = el("div", { className: "fdiags", id: `${this.#id}-pc-diags` });
    fs.append(diagBox);
    this.#fields.push({ path: pcPath, focus: toolbar.querySelector("select, button"), box: diagBox, container: true });
    if (pc !== undefined && (pc === null || typeof pc !== "object" || Array.isArray(pc))) {
      fs.append(
        el("p", {
          className: "notice",
          text: "event.poller.configuration is not an object (nor JSON text holding one); fix it in the JSON, or remove it by adding a resource.",
        }),
      );
      return fs;
    }
    const names = pc ? Object.keys(pc) : [];
    const list = el("div", { className: "resources" });
    if (!names.length)
      list.append(
        el("p", {
          className: "empty",
          text: "No resources yet: add a preset or one by hand. Each resource is polled on its own.",
        }),
      );
    for (const name of names) list.append(this.#resource(name, pc[name]));
    fs.append(list);
    return fs;
  }

  #resource(name, poller) {
    const base = ["configuration", PC, name];
    const path = pathOf(base);
    const nameId = `${this.#id}-r-${uid++}`;
    const nameInput = el("input", {
      id: nameId,
      value: name,
      className: "mono",
      dataset: { path: `${path}#name` },
      autocomplete: "off",
      spellcheck: "false",
    });
    nameInput.addEventListener("change", () => this.#rename(name, nameInput.value.trim()));
    const remove = el("button", {
      type: "button",
      className: "danger",
      text: "Remove",
      "aria-label": `Remove resource ${name}`,
      onclick: () => this.#removeResource(name),
    });
    const diagBox = el("div", { className: "fdiags", id: `${nameId}-diags` });
    nameInput.setAttribute("aria-describedby", diagBox.id);
    const fs = el(
      "fieldset",
      { className: "resource", part: "resource", dataset: { resource: name } },
      el("legend", { text: name }),
      el(
        "div",
        { className: "resource-head" },
        el(
          "div",
          { className: "field" },
          el("label", { for: nameId, text: "Resource name (the events' objectType)" }),
          nameInput,
        ),
        remove,
      ),
      diagBox,
    );
    this.#fields.push({ path, focus: nameInput, box: diagBox, container: true, input: nameInput });
    const grid = el("div", { className: "grid" });
    if (!poller || typeof poller !== "object") {
      grid.append(el("p", { className: "notice", text: "This resource is not an object; fix it in the JSON." }));
    } else {
      for (const f of RESOURCE_FIELDS) {
        if (f.sub) grid.append(el("p", { className: "subhead", text: f.sub }));
        else grid.append(this.#field(f, [...base, ...f.seg]));
      }
    }
    fs.append(grid);
    return fs;
  }

  #field(f, segments) {
    const path = pathOf(segments);
    const id = `${this.#id}-f-${uid++}`;
    const value = getAt(this.#body, segments);
    const kind = f.kind ?? "text";
    // The value the core takes when the field is empty: shown, never written.
    const placeholder = f.placeholder ? display(f.placeholder()) : "";
    const help = f.help && placeholder ? `${f.help} Empty: ${placeholder}.` : f.help;
    const diagBox = el("div", { className: "fdiags", id: `${id}-diags` });
    const helpId = f.help ? `${id}-help` : undefined;
    /** @type {any} */
    let input;
    const common = {
      id,
      name: path,
      dataset: { path },
      "aria-describedby": [helpId, diagBox.id].filter(Boolean).join(" "),
    };
    if (kind === "bool") {
      input = el("input", { ...common, type: "checkbox", checked: value === true || value === "true" });
      input.addEventListener("change", () => this.#write(segments, input.checked));
      const wrap = el(
        "div",
        { className: `field${f.wide ? " wide" : ""}`, part: "field" },
        el("span", { className: "label", "aria-hidden": "true", text: f.group ?? "" }),
        el("label", { className: "check", for: id }, input, el("span", { text: f.label })),
        f.help ? el("p", { className: "help", id: helpId, text: f.help }) : null,
        diagBox,
      );
      this.#fields.push({ path, focus: input, box: diagBox, input });
      return wrap;
    }
    if (kind === "select" || kind === "tri") {
      const options =
        kind === "tri"
          ? [
              ["", "default"],
              ["true", "true"],
              ["false", "false"],
            ]
          : f.options;
      input = el("select", common);
      const current =
        kind === "tri"
          ? value === true || value === "true"
            ? "true"
            : value === false || value === "false"
              ? "false"
              : ""
          : display(value);
      let found = false;
      for (const [v, t] of options) {
        const o = el("option", { value: v, text: t });
        if (v === current) {
          o.selected = true;
          found = true;
        }
        input.append(o);
      }
      if (!found && current !== "") input.append(el("option", { value: current, text: current, selected: true }));
      input.addEventListener("change", () => this.#write(segments, coerce(kind, input.value)));
    } else {
      const text =
        kind === "tags" ? (Array.isArray(value) ? value.map(display).join(", ") : display(value)) : display(value);
      input = el("input", {
        ...common,
        type: f.secret ? "password" : "text",
        value: text,
        placeholder: placeholder || undefined,
        className: f.mono ? "mono" : undefined,
        autocomplete: "off",
        spellcheck: "false",
        inputmode: kind === "num" ? "numeric" : kind === "dec" ? "decimal" : f.type === "url" ? "url" : undefined,
        list: f.list ? `${this.#id}-elements` : undefined,
      });
      input.addEventListener("input", () => this.#write(segments, coerce(kind, input.value), f.prune));
    }
    /** @type {HTMLElement} */
    let control = input;
    if (f.secret) {
      const toggle = el("button", {
        type: "button",
        text: "Show",
        "aria-pressed": "false",
        "aria-label": `Show ${f.label}`,
      });
      toggle.addEventListener("click", () => {
        const show = input.type === "password";
        input.type = show ? "text" : "password";
        toggle.textContent = show ? "Hide" : "Show";
        toggle.setAttribute("aria-pressed", String(show));
      });
      control = el("div", { className: "secret" }, input, toggle);
    }
    this.#fields.push({ path, focus: input, box: diagBox, input });
    return el(
      "div",
      { className: `field${f.wide ? " wide" : ""}`, part: "field", dataset: { field: path } },
      el("label", { for: id, text: f.label }),
      control,
      help ? el("p", { className: "help", id: helpId, text: help }) : null,
      diagBox,
    );
  }

  /** Writes a field's value (`undefined` removes its key; `prune` also its object, once empty). */
  #write(segments, value, prune = false) {
    // The first object on the way that is new goes where the core's order puts it among its
    // siblings (a `providerData`, a `reconcile`), as a new leaf does in setAt.
    let fresh = -1;
    for (let i = 0, v = this.#body; i < segments.length - 1; v = v[segments[i]], i++) {
      if (!Object.hasOwn(v, segments[i])) {
        fresh = i;
        break;
      }
      if (v[segments[i]] === null || typeof v[segments[i]] !== "object") break;
    }
    setAt(this.#body, segments, value, orderFor(segments));
    if (fresh >= 0 && value !== undefined)
      reorder(getAt(this.#body, segments.slice(0, fresh)), orderFor(segments.slice(0, fresh + 1)));
    if (value === undefined && prune) dropIfEmpty(this.#body, segments.slice(0, -1));
    this.#validate(true);
    // The presets offered depend on the element and on the API it is polled through.
    if (pathOf(segments) === "element.key" || pathOf(segments) === pathOf(["configuration", API]))
      this.#renderKeepFocus();
  }

  #renderKeepFocus() {
    clearTimeout(this.#rerender);
    this.#rerender = setTimeout(() => this.#render(), 400);
  }

  #userAdd(name, poller) {
    const added = this.addResource(name, poller);
    const f = this.#fields.find((x) => x.path === pathOf(["configuration", PC, added]));
    f?.focus.scrollIntoView?.({ block: "nearest" });
    f?.focus.focus({ preventScroll: true });
  }

  #rename(from, to) {
    const pc = this.#body.configuration[PC];
    if (!to || to === from) return this.#render();
    if (Object.hasOwn(pc, to)) {
      this.#render();
      return;
    }
    const entries = Object.entries(pc).map(([k, v]) => [k === from ? to : k, v]);
    for (const k of Object.keys(pc)) delete pc[k];
    for (const [k, v] of entries) pc[k] = v;
    this.#render();
    this.#fields.find((x) => x.path === pathOf(["configuration", PC, to]))?.focus.focus();
    this.#emit();
  }

  #removeResource(name) {
    delete this.#body.configuration[PC][name];
    this.#render();
    this.#emit();
    this.#fields.find((x) => x.path === pathOf(["configuration", PC]))?.focus.focus();
  }

  /** The field holding `path`: the deepest field at or above it, else the first field inside it (a missing object). */
  #fieldFor(path) {
    let best = null;
    for (const f of this.#fields) {
      if (isWithin(path, f.path) && (!best || f.path.length > best.path.length)) best = f;
    }
    if (best && best.path !== "") return best;
    return (path !== "" && this.#fields.find((f) => isWithin(f.path, path))) || best;
  }

  #validate(emit) {
    let result;
    if (this.#error) result = ep.validateConfig(this.#rawText ?? "");
    else result = ep.validateConfig(this.#body);
    this.#diagnostics = result.diagnostics;
    this.#ok = result.ok && !this.#error;
    for (const f of this.#fields) {
      f.box.replaceChildren();
      if (f.input) {
        f.input.removeAttribute("aria-invalid");
        f.input.classList.remove("has-warning");
      }
    }
    for (const d of this.#diagnostics) {
      const f = this.#error ? null : this.#fieldFor(d.path);
      if (!f) continue;
      const sub =
        f.path !== d.path && !isWithin(d.path, f.path)
          ? ""
          : d.path === f.path
            ? ""
            : ` (at ${d.path.slice(f.path.length).replace(/^\./, "")})`;
      f.box.append(
        el(
          "p",
          { className: `fdiag ${d.severity}`, dataset: { code: d.code, path: d.path } },
          el("span", { className: "sev", text: d.severity }),
          el("span", { text: `${d.message}${sub} ` }),
          el("code", { className: "code", text: d.code }),
          d.hint ? el("span", { className: "hint", text: `Hint: ${d.hint}` }) : null,
        ),
      );
      if (f.input) {
        if (d.severity === "error") f.input.setAttribute("aria-invalid", "true");
        else f.input.classList.add("has-warning");
      }
    }
    this.#renderSummary();
    if (emit) this.#emit();
  }

  #renderSummary() {
    const ds = this.#diagnostics;
    const n = (s) => ds.filter((d) => d.severity === s).length;
    const errors = n("error"),
      warnings = n("warning"),
      infos = n("info");
    const plural = (k, w) => `${k} ${w}${k === 1 ? "" : "s"}`;
    const status = el("p", { className: "status", role: "status", "aria-live": "polite", part: "status" });
    if (!ds.length) {
      status.textContent = "No problems found.";
      status.classList.add("ok");
    } else {
      status.textContent = [plural(errors, "error"), plural(warnings, "warning"), infos ? plural(infos, "note") : null]
        .filter(Boolean)
        .join(", ");
      status.classList.add(errors ? "bad" : "warn");
    }
    const list = el("ul", {
      className: "diag-list",
      part: "diagnostics",
      "aria-label": "Problems (select one to go to its field)",
    });
    for (const d of ds) {
      const btn = el(
        "button",
        { type: "button" },
        el("span", { className: "sev", text: d.severity }),
        el("span", { text: d.message }),
        el("span", { className: "where", text: `${d.code} at ${d.path || "(the whole body)"}` }),
        d.hint ? el("span", { className: "where", text: `Hint: ${d.hint}` }) : null,
      );
      btn.addEventListener("click", () => this.focusPath(d.path));
      list.append(el("li", { className: d.severity, dataset: { code: d.code, path: d.path } }, btn));
    }
    this.#summary.replaceChildren(
      el("h3", { text: "Checks" }),
      status,
      ds.length
        ? list
        : el("p", { className: "help", text: "Every change is checked here as you type; nothing is sent anywhere." }),
    );
  }

  #emit() {
    this.dispatchEvent(
      new CustomEvent("change", {
        bubbles: true,
        detail: { value: this.value, diagnostics: this.diagnostics, ok: this.#ok },
      }),
    );
  }
}

if (typeof customElements !== "undefined" && !customElements.get("poller-config-editor")) {
  customElements.define("poller-config-editor", PollerConfigEditor);
}
