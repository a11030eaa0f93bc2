// Date-format tester: pattern + zone + sample -> the instant, or the error with a caret.
import { $, el, diagnosticItem } from "./dom.js";

const ISO_ZONED = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

export function setupDates({ ep, onConfig, resources }) {
  const from = $("date-from");
  const pattern = $("date-pattern");
  const zone = $("date-zone");
  const sample = $("date-sample");
  const result = $("date-result");
  const lints = $("date-lints");
  const now = $("date-now");

  function fillFrom() {
    const keep = from.value;
    const opts = [el("option", { value: "", text: "(type your own below)" })];
    for (const r of resources()) {
      const d = r.datesConfiguration ?? {};
      for (const which of ["updated", "created"]) {
        const fmt = d[`${which}DateFormat`];
        if (typeof fmt === "string" && fmt)
          opts.push(el("option", { value: `${r.name}\n${which}`, text: `${r.name}: ${which} date (${fmt})` }));
      }
    }
    from.replaceChildren(...opts);
    if ([...from.options].some((o) => o.value === keep)) from.value = keep;
  }
  onConfig(fillFrom);
  from.addEventListener("change", () => {
    if (!from.value) return;
    const [name, which] = from.value.split("\n");
    const d = resources().find((r) => r.name === name)?.datesConfiguration ?? {};
    pattern.value = d[`${which}DateFormat`] ?? "";
    zone.value = d[`${which}DateTimezone`] || "GMT";
    render();
  });

  function render() {
    const p = pattern.value,
      z = zone.value.trim() || "GMT",
      s = sample.value;
    result.replaceChildren();
    lints.replaceChildren();
    try {
      const ms = ep.parseDate(s, p, z);
      const inZone = safe(() => ep.formatDate(ms, ISO_ZONED, z));
      result.append(
        el(
          "dl",
          { className: "facts" },
          el("dt", { text: "Instant (UTC)" }),
          el("dd", {}, el("code", { className: "ok-value", id: "date-utc", text: new Date(ms).toISOString() })),
          el("dt", { text: `In ${z}` }),
          el("dd", {}, el("code", { text: inZone })),
          el("dt", { text: "Epoch milliseconds" }),
          el("dd", {}, el("code", { text: String(ms) })),
        ),
      );
    } catch (e) {
      const col = Number.isInteger(e.column) ? e.column : null;
      const pre = el("pre", {
        className: "caret",
        id: "date-caret",
        "aria-label": col === null ? "The sample value" : `The sample value, failing at column ${col + 1}`,
      });
      pre.append(el("span", { text: s }), "\n");
      if (col !== null) pre.append(el("span", { className: "caret-mark", text: `${" ".repeat(col)}^` }));
      result.append(
        ...[
          el(
            "p",
            { className: "error-line", id: "date-error" },
            el("strong", {
              text: col === null ? "Cannot read this value: " : `Cannot read this value (at character ${col + 1}): `,
            }),
            el("span", { text: e.message }),
            " ",
            el("code", { text: e.code ?? "" }),
          ),
          pre,
          e.hint ? el("p", { className: "help", text: `Hint: ${e.hint}` }) : null,
        ].filter(Boolean),
      );
    }
    let ds = [];
    try {
      ds = ep.lintDateFormat(p, z);
    } catch (e) {
      ds = [{ severity: "error", code: e.code ?? "error", path: "", message: e.message, hint: e.hint }];
    }
    if (!ds.length) lints.append(el("li", { className: "diag none", text: "No warnings for this pattern." }));
    for (const d of ds) lints.append(diagnosticItem({ ...d, path: d.path || "the pattern" }));
    now.textContent = safe(() => ep.formatDate(Date.now(), p, z));
  }

  function safe(fn) {
    try {
      return fn();
    } catch (e) {
      return `(${e.code ?? "error"}: ${e.message})`;
    }
  }

  for (const input of [pattern, zone, sample])
    input.addEventListener("input", () => {
      if (input !== sample) from.value = "";
      render();
    });
  $("date-form").addEventListener("submit", (e) => e.preventDefault());
  render();
  setInterval(() => {
    if (!$("panel-dates").hidden)
      now.textContent = safe(() => ep.formatDate(Date.now(), pattern.value, zone.value.trim() || "GMT"));
  }, 1000);
}
