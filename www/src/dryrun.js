// Dry run: a response body + a watermark -> each record CREATED, UPDATED or skipped, and why.
import { $, el, field, plural } from "./dom.js";
import { timeline } from "./charts.js";
import sample from "./samples/appointments.json?raw";

export function setupDryRun({ ep, onConfig, resources, fillResourceSelect, selectTab, editor }) {
  const select = $("dry-resource");
  const watermark = $("dry-watermark");
  const body = $("dry-body");
  const summary = $("dry-summary");
  const tbody = $("dry-table").querySelector("tbody");
  const chart = $("dry-chart");
  const datesLine = $("dry-dates");
  let lastRows = null,
    lastWm = 0;

  onConfig(() => {
    fillResourceSelect(select);
    run();
  });
  select.addEventListener("change", run);
  watermark.addEventListener("input", run);
  body.addEventListener("input", run);

  $("dry-sample").addEventListener("click", () => {
    body.value = sample;
    watermark.value = "2026-03-10T11:00:00.000Z";
    if (!resources().some((r) => r.name === "appointments"))
      editor.addResource("appointments", ep.presets.infusionsoftrest.appointments);
    select.value = "appointments";
    run();
  });

  $("dry-fetch").addEventListener("click", async () => {
    const r = resources().find((x) => x.name === select.value);
    if (!r) return;
    summary.textContent = "Fetching from the hub simulator…";
    try {
      const info = await (await fetch("/__hub")).json();
      const path = String(r.url ?? "")
        .replace(/\$\{[^}]*\}/g, "")
        .split("?")[0];
      const res = await fetch(location.origin + new URL(info.baseUrl, location.href).pathname + path, {
        headers: { authorization: info.authorization },
      });
      if (!res.ok) throw new Error(`the simulator answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
      body.value = JSON.stringify(await res.json(), null, 2);
      watermark.value = new Date(Date.now() - 7 * 86400000).toISOString();
      run();
    } catch (e) {
      summary.textContent = `Could not fetch: ${e.message}`;
      summary.className = "summary-line bad";
    }
  });

  function clear(message, bad = false) {
    summary.textContent = message;
    summary.className = `summary-line${bad ? " bad" : ""}`;
    tbody.replaceChildren();
    chart.replaceChildren();
    $("dry-state-box").hidden = true;
    lastRows = null;
  }

  function readDate(raw, format, zone) {
    if (raw === undefined || raw === null || raw === "") return { error: "missing" };
    if (typeof format !== "string" || !format) return { error: "no date format configured" };
    try {
      return { ms: ep.parseDate(String(raw), format, zone || "GMT") };
    } catch (e) {
      return { error: e.message, code: e.code };
    }
  }

  function run() {
    const r = resources().find((x) => x.name === select.value);
    const d = r?.datesConfiguration ?? {};
    datesLine.replaceChildren();
    if (r) {
      datesLine.append(
        "Updated: ",
        el("code", {
          text: `${d.updatedDateField ?? "?"} · ${d.updatedDateFormat ?? "?"} · ${d.updatedDateTimezone || "GMT"}`,
        }),
        el("br"),
        "Created: ",
        el("code", {
          text: `${d.createdDateField ?? "?"} · ${d.createdDateFormat ?? "?"} · ${d.createdDateTimezone || "GMT"}`,
        }),
        el("br"),
        el("button", {
          type: "button",
          className: "link",
          text: "Edit these in Build",
          onclick: () => {
            selectTab("tab-builder");
            editor.focusPath(
              `configuration["event.poller.configuration"]${/^[A-Za-z_$][\w$]*$/.test(r.name) ? "." + r.name : `[${JSON.stringify(r.name)}]`}.datesConfiguration.updatedDateField`,
            );
          },
        }),
      );
    }
    if (!r) return clear("Add a resource in Build (or load the sample, which adds appointments).");
    const wm = Date.parse(watermark.value);
    if (Number.isNaN(wm))
      return clear("The watermark must be an ISO-8601 instant, e.g. 2026-03-10T11:00:00.000Z.", true);
    const text = body.value;
    if (!text.trim()) return clear("Paste a response body, load the sample, or fetch from the simulator.");
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return clear(`The response body is not JSON: ${e.message}`, true);
    }
    const records = Array.isArray(parsed) ? parsed : Object.values(parsed ?? {}).find(Array.isArray);
    if (!records) return clear("The response body must be a JSON array of records.", true);
    let result;
    try {
      result = ep.detectChanges({
        resource: r,
        state: null,
        startFrom: new Date(wm).toISOString(),
        body: text,
        now: Date.now(),
      });
    } catch (e) {
      return clear(`The engine cannot use this: ${e.message} (${e.code})`, true);
    }
    const events = new Map(result.events.map((e) => [String(e.objectId), e]));
    const recordDiags = new Map();
    for (const diag of result.diagnostics ?? []) {
      const m = /^\[(\d+)\]/.exec(diag.path ?? "");
      if (m) recordDiags.set(Number(m[1]), diag);
    }
    const rows = records.map((rec, i) => {
      const id = field(rec, r.idField);
      const upd = readDate(field(rec, d.updatedDateField), d.updatedDateFormat, d.updatedDateTimezone);
      const cre = readDate(field(rec, d.createdDateField), d.createdDateFormat, d.createdDateTimezone);
      const ev = id === undefined ? undefined : events.get(String(id));
      const diag = recordDiags.get(i);
      let resultName, reason;
      if (ev) {
        resultName = ev.eventType;
        reason = eventReason(ev.eventType, upd.ms, cre.ms, wm);
      } else {
        resultName = "skipped";
        if (diag) reason = diag.message;
        else if (id === undefined || id === null) reason = `no id at ${r.idField}`;
        else if (upd.error) reason = `updated date: ${upd.error}`;
        else if (upd.ms < wm) reason = "updated before the watermark";
        else if (upd.ms === wm) reason = "updated at the watermark and already seen";
        else reason = "not emitted by the engine";
      }
      return {
        i,
        id: id === undefined ? "(none)" : String(id),
        created: cre.ms ?? null,
        updated: upd.ms ?? null,
        // An unreadable value is shown as written; the reason column says what is wrong with it.
        createdText:
          cre.ms !== undefined ? new Date(cre.ms).toISOString() : display(field(rec, d.createdDateField)) || "(none)",
        updatedText:
          upd.ms !== undefined ? new Date(upd.ms).toISOString() : display(field(rec, d.updatedDateField)) || "(none)",
        result: resultName,
        reason,
        problem: !!diag || !!upd.error,
      };
    });
    tbody.replaceChildren(
      ...rows.map((row) =>
        el(
          "tr",
          { dataset: { id: row.id, result: row.result } },
          el("td", { "data-label": "#", text: String(row.i + 1) }),
          el("td", { "data-label": "ID", className: "nowrap" }, el("code", { text: row.id })),
          el("td", { "data-label": "Created", className: "nowrap" }, el("code", { text: row.createdText })),
          el("td", { "data-label": "Updated", className: "nowrap" }, el("code", { text: row.updatedText })),
          el("td", { "data-label": "Result" }, el("span", { className: `result res-${row.result}`, text: row.result })),
          el("td", { "data-label": "Reason", className: row.problem ? "reason problem" : "reason", text: row.reason }),
        ),
      ),
    );
    const n = (k) => rows.filter((x) => x.result === k).length;
    const problems = rows.filter((x) => x.problem).length;
    const newWm = result.state?.watermark;
    summary.className = "summary-line";
    summary.textContent =
      `${plural(rows.length, "record")}: ${n("CREATED")} CREATED, ${n("UPDATED")} UPDATED, ${n("skipped")} skipped${problems ? ` (${plural(problems, "unreadable record")})` : ""}.` +
      (Number.isFinite(newWm) ? ` The next poll starts from ${new Date(newWm).toISOString()}.` : "");
    $("dry-state").textContent = JSON.stringify(result.state, null, 2);
    $("dry-state-box").hidden = false;
    lastRows = rows;
    lastWm = wm;
    drawChart();
  }

  function drawChart() {
    if (!lastRows) return;
    const legend = el(
      "ul",
      { className: "legend", "aria-hidden": "true" },
      el("li", { className: "lg-created", text: "created" }),
      el("li", { className: "lg-CREATED", text: "updated: CREATED" }),
      el("li", { className: "lg-UPDATED", text: "updated: UPDATED" }),
      el("li", { className: "lg-skipped", text: "updated: skipped" }),
      el("li", { className: "lg-watermark", text: "watermark" }),
    );
    chart.replaceChildren(legend, timeline(lastRows, lastWm, chart.clientWidth || 600));
  }
  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(chart.clientWidth - lastWidth) > 8) {
      lastWidth = chart.clientWidth;
      drawChart();
    }
  }).observe(chart);
  run();
}

/** Why the engine emitted an event, in terms of the record's dates and the watermark. */
function eventReason(type, updated, created, wm) {
  if (type === "CREATED") {
    if (created === undefined) return "first seen, created date unreadable";
    if (created > wm) return "created after the watermark";
    if (created === wm) return "created at the watermark (a first poll includes its start instant)";
    return "created within the created-check tolerance of the watermark";
  }
  const when =
    updated > wm ? "updated after the watermark" : "updated at the watermark (a first poll includes its start instant)";
  return created === undefined ? `${when}; created date unreadable` : `${when}, created before it`;
}

function display(v) {
  return v === undefined ? "(missing)" : typeof v === "string" ? v : JSON.stringify(v);
}
