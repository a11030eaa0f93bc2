// Live: a Poller in this page against the bundled hub simulator (same origin, see www/server.mjs).
import { $, el, plural } from "./dom.js";
import { pollBars } from "./charts.js";

const PC = "event.poller.configuration";
/** The key the bundled simulator's webhook receiver verifies signatures with (DEFAULT_SIGNATURE_KEY of elements-poller/testing). */
const DEFAULT_SIGNATURE_KEY = "sim-signature-key";

export function setupLive({ ep, onConfig, resources, config }) {
  const availability = $("live-availability");
  const boxes = $("live-resources");
  const start = $("live-start"),
    stop = $("live-stop"),
    once = $("live-once");
  const interval = $("live-interval");
  const state = $("live-state");
  const stats = $("live-stats");
  const chart = $("live-chart");
  const eventsBody = $("live-events").querySelector("tbody");
  const log = $("live-log");
  const mutateResource = $("mutate-resource");
  const note = $("mutate-note");
  const legend = el(
    "ul",
    { className: "legend", "aria-hidden": "true" },
    el("li", { className: "lg-UPDATED", text: "events in a poll" }),
    el("li", { className: "lg-retry", text: "poll with a retry" }),
    el("li", { className: "lg-error", text: "poll with an error" }),
  );
  let hub = null;
  let poller = null,
    pollerKey = "",
    timer = null,
    running = false,
    busy = false;
  const polls = [];
  let current = null,
    totalEvents = 0,
    totalRetries = 0,
    totalErrors = 0;

  function setAvailability() {
    const problems = [];
    if (!hub) problems.push("The hub simulator is not reachable on this origin: start the console with `npm start`.");
    availability.textContent = problems.join(" ");
    availability.hidden = problems.length === 0;
    const canPoll = !!hub;
    start.disabled = !canPoll || running;
    once.disabled = !canPoll || busy;
    stop.disabled = !running;
    for (const b of document.querySelectorAll("#mutate-create, #mutate-update, #fault-throttle, #fault-error"))
      b.disabled = !hub;
  }

  function logLine(kind, text) {
    const time = new Date().toISOString().slice(11, 23);
    log.prepend(
      el(
        "li",
        { className: `log-${kind}`, dataset: { kind } },
        el("time", { text: time }),
        " ",
        el("span", { className: "kind", text: kind }),
        " ",
        el("span", { text }),
      ),
    );
    while (log.children.length > 200) log.lastChild.remove();
  }

  /** Builder resources that the simulator serves. */
  function liveResources() {
    const known = new Set(hub?.resources ?? []);
    return resources().filter((r) =>
      known.has(
        String(r.url ?? "")
          .split("?")[0]
          .split("/")
          .pop(),
      ),
    );
  }

  function fillResources() {
    const rs = liveResources();
    const checked = new Set([...boxes.querySelectorAll("input:checked")].map((i) => i.value));
    const first = boxes.children.length === 0;
    boxes.replaceChildren();
    if (!rs.length)
      boxes.append(
        el("p", {
          className: "help",
          text: hub ? `Add a resource the simulator serves (${hub.resources.join(", ")}) in Build.` : "No simulator.",
        }),
      );
    for (const r of rs) {
      const id = `live-r-${r.name}`;
      boxes.append(
        el(
          "label",
          { className: "check", for: id },
          el("input", { type: "checkbox", id, value: r.name, checked: first || checked.has(r.name) }),
          el("span", { text: r.name }),
        ),
      );
    }
    const keep = mutateResource.value;
    mutateResource.replaceChildren(...(hub?.resources ?? []).map((n) => el("option", { value: n, text: n })));
    const preferred = keep || rs[0]?.url?.split("?")[0].split("/").pop();
    if (preferred && hub?.resources.includes(preferred)) mutateResource.value = preferred;
  }
  onConfig(() => hub && fillResources());

  const deliver = $("live-deliver");
  const webhooks = $("live-webhooks");

  /** What the simulator's webhook receiver got: count and signature checks. */
  async function showReceived() {
    if (!deliver.checked) {
      webhooks.textContent = "";
      return;
    }
    try {
      const got = await (await fetch("/__hub/received")).json();
      const verified = got.filter((r) => r.verified === true).length;
      const events = got.reduce(
        (n, r) => n + (Array.isArray(r.body?.message?.events) ? r.body.message.events.length : r.body?.message ? 1 : 0),
        0,
      );
      webhooks.textContent = `Webhook receiver: ${plural(got.length, "notification")} (${verified} with a valid signature), ${plural(events, "event")}.`;
      webhooks.dataset.received = String(got.length);
      webhooks.dataset.verified = String(verified);
    } catch (e) {
      webhooks.textContent = `Webhook receiver: ${e.message}`;
    }
  }
  deliver.addEventListener("change", showReceived);

  function selectedInstance() {
    const names = new Set([...boxes.querySelectorAll("input:checked")].map((i) => i.value));
    const body = structuredClone(config.value ?? {});
    const pc = body.configuration?.[PC];
    if (pc && typeof pc === "object") for (const k of Object.keys(pc)) if (!names.has(k)) delete pc[k];
    return { body, names: [...names] };
  }

  function auth() {
    const parts = {};
    for (const piece of hub.authorization.split(",")) {
      const m = /^\s*(User|Organization|Element)\s+(\S+)\s*$/i.exec(piece);
      if (m) parts[m[1].toLowerCase()] = m[2];
    }
    return parts;
  }

  function ensurePoller() {
    const { body, names } = selectedInstance();
    if (!names.length) throw new Error("choose at least one resource to poll");
    const key = JSON.stringify(body) + deliver.checked;
    if (poller && key === pollerKey) return poller;
    poller?.stop?.();
    pollerKey = key;
    poller = new ep.Poller({
      instance: body,
      // this page's origin (the simulator is mounted on it), whatever host name the page was opened with
      baseUrl: location.origin + new URL(hub.baseUrl, location.href).pathname,
      auth: auth(),
      store: new ep.MemoryStore(),
      startFrom: "now",
      ...(deliver.checked
        ? {
            delivery: {
              callbackUrl: location.origin + new URL(hub.webhookUrl, location.href).pathname,
              signatureKey: DEFAULT_SIGNATURE_KEY,
            },
          }
        : { onEvents: (events) => countEvents(events) }),
    });
    poller.addEventListener("delivery", (e) =>
      logLine(
        "deliver",
        `${e.detail?.status ? `notification answered ${e.detail.status}` : "events handed to the page (onEvents)"}${e.detail?.attempts > 1 ? ` after ${e.detail.attempts} attempts` : ""}`,
      ),
    );
    poller.addEventListener("events", (e) => countEvents(e.detail?.events ?? []));
    poller.addEventListener("retry", (e) => {
      totalRetries++;
      if (current) current.retries++;
      const d = e.detail ?? {};
      const why = d.reason ?? d.error?.message ?? d.message;
      logLine(
        "retry",
        `${d.resource ? `${d.resource}: ` : ""}retrying${Number.isFinite(d.delayMs) ? ` in ${d.delayMs} ms` : ""}${why ? ` (${why})` : ""}`,
      );
      renderStats();
    });
    poller.addEventListener("error", (e) => {
      const err = e.detail?.error ?? {};
      totalErrors++;
      if (current) current.error = true;
      logLine(
        "error",
        `${e.detail?.resource ? `${e.detail.resource}: ` : ""}${err.code ? `${err.code}: ` : ""}${err.message ?? String(err)}`,
      );
      renderStats();
    });
    poller.addEventListener("poll", (e) => {
      for (const sm of e.detail?.summaries ?? []) {
        if (sm.error) continue; // reported by the "error" event
        logLine(
          "poll",
          `${sm.resource}: ${plural(sm.pages ?? 0, "page")}, ${plural(sm.records ?? 0, "record")}, ${plural(sm.events ?? 0, "event")}${Number.isFinite(sm.durationMs) ? `, ${sm.durationMs} ms` : ""}`,
        );
      }
    });
    logLine(
      "start",
      `Poller created for ${names.join(", ")} at ${location.origin + new URL(hub.baseUrl, location.href).pathname} (starting from now)`,
    );
    return poller;
  }

  const seen = new Set();
  function countEvents(batch) {
    const events = Array.isArray(batch) ? batch : batch?.events;
    if (!Array.isArray(events)) return;
    for (const ev of events) {
      const id = ev.eventId ?? `${ev.objectType}/${ev.objectId}/${ev.date}`;
      if (seen.has(id)) continue;
      seen.add(id);
      totalEvents++;
      if (current) current.events++;
      eventsBody.querySelector(".empty-row")?.remove();
      eventsBody.prepend(
        el(
          "tr",
          { dataset: { type: ev.eventType, id: String(ev.objectId) } },
          el("td", { "data-label": "Poll", text: String(current?.n ?? "") }),
          el(
            "td",
            { "data-label": "Type" },
            el("span", { className: `result res-${ev.eventType}`, text: ev.eventType }),
          ),
          el("td", { "data-label": "Object", text: ev.objectType ?? "" }),
          el("td", { "data-label": "ID" }, el("code", { text: String(ev.objectId) })),
          el("td", { "data-label": "Date", className: "nowrap" }, el("code", { text: ev.date ?? "" })),
        ),
      );
      logLine("event", `${ev.eventType} ${ev.objectType} ${ev.objectId}`);
    }
    renderStats();
  }

  function renderStats() {
    stats.textContent =
      polls.length || current
        ? `${plural(polls.length, "poll")}, ${plural(totalEvents, "event")}, ${plural(totalRetries, "retry").replace("retrys", "retries")}, ${plural(totalErrors, "error")}`
        : "No polls yet.";
    stats.dataset.events = String(totalEvents);
    const last = polls.at(-1);
    if (last?.summary)
      stats.append(el("br"), el("span", { className: "help", text: `Last poll (${last.n}): ${last.summary}` }));
    chart.replaceChildren(
      legend,
      pollBars(current && !polls.includes(current) ? [...polls, current] : polls, chart.clientWidth || 480),
    );
  }

  async function pollNow() {
    if (busy) return;
    busy = true;
    setAvailability();
    try {
      const p = ensurePoller();
      current = { n: polls.length + 1, events: 0, retries: 0, error: false };
      state.textContent = `Polling (poll ${current.n})…`;
      const summaries = await p.pollOnce();
      if (current && Array.isArray(summaries)) {
        current.records = summaries.reduce((n, sm) => n + (sm.records ?? 0), 0);
        current.summary = summaries
          .map(
            (sm) =>
              `${sm.resource}: ${sm.error ? `error (${sm.error.code})` : `${plural(sm.pages ?? 0, "page")}, ${plural(sm.records ?? 0, "record")}, ${plural(sm.events ?? 0, "event")}, ${sm.durationMs ?? "?"} ms`}`,
          )
          .join("; ");
      }
      await showReceived();
    } catch (e) {
      totalErrors++;
      if (current) current.error = true;
      logLine("error", `${e.code ? `${e.code}: ` : ""}${e.message}`);
    } finally {
      if (current) polls.push(current);
      current = null;
      busy = false;
      renderStats();
      state.textContent = running
        ? `Polling every ${interval.value} s. Last poll at ${new Date().toISOString().slice(11, 19)} UTC.`
        : `Stopped. Last poll at ${new Date().toISOString().slice(11, 19)} UTC.`;
      setAvailability();
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (!running) return;
    timer = setTimeout(
      async () => {
        await pollNow();
        schedule();
      },
      Math.max(1, Number(interval.value) || 2) * 1000,
    );
  }

  start.addEventListener("click", async () => {
    running = true;
    setAvailability();
    logLine("start", `Polling every ${interval.value} s`);
    await pollNow();
    schedule();
  });
  stop.addEventListener("click", () => {
    running = false;
    clearTimeout(timer);
    poller?.stop?.();
    logLine("stop", "Stopped");
    state.textContent = "Stopped.";
    setAvailability();
  });
  once.addEventListener("click", pollNow);

  async function control(path, body, what, after = "event") {
    try {
      const res = await fetch(`/__hub${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`);
      const recs = json.records ?? [];
      const text = recs.length ? `${what}: ${mutateResource.value} ${recs.map((r) => r.id).join(", ")}` : `${what}`;
      note.textContent = `${text}. ${running ? "The next poll will see it." : `Poll to see the ${after}.`}`;
      logLine("change", text);
    } catch (e) {
      note.textContent = `The simulator refused: ${e.message}`;
      logLine("error", `simulator: ${e.message}`);
    }
  }
  $("mutate-create").addEventListener("click", () =>
    control(`/${encodeURIComponent(mutateResource.value)}`, { count: 1 }, "Created"),
  );
  $("mutate-update").addEventListener("click", () =>
    control(`/${encodeURIComponent(mutateResource.value)}/update`, { count: 1 }, "Updated"),
  );
  $("fault-throttle").addEventListener("click", () =>
    control("/faults", { next: ["throttle"] }, "The next hub request will be throttled (429)", "retry"),
  );
  $("fault-error").addEventListener("click", () =>
    control("/faults", { next: [503] }, "The next hub request will fail (503)", "retry"),
  );

  let lastWidth = 0;
  new ResizeObserver(() => {
    if (Math.abs(chart.clientWidth - lastWidth) > 8) {
      lastWidth = chart.clientWidth;
      renderStats();
    }
  }).observe(chart);

  eventsBody.append(
    el(
      "tr",
      { className: "empty-row" },
      el("td", { colSpan: 5, text: "No events yet: poll, then create or update a record and poll again." }),
    ),
  );
  setAvailability();
  renderStats();
  fetch("/__hub")
    .then((r) => (r.ok ? r.json() : null))
    .then((info) => {
      hub = info;
      fillResources();
      setAvailability();
    })
    .catch(() => setAvailability());
}
