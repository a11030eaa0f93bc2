// Instances: the events service's instances as a table (element, resources, last and next poll,
// state, errors, re-authorization) with pause, resume, poll now and delete; and one instance
// opened: per resource the timeline of its polls, the watermark and what the next poll will
// request, buttons that change records in the simulator it polls, and its recent events. The
// tab refreshes itself every two seconds while it is shown.
import { $, el, plural } from "./dom.js";
import { pollTimeline } from "./charts.js";
import { callbackUrl } from "./consent.js";

const PC = "event.poller.configuration";
const REFRESH_MS = 2000;

const time = (iso) => (iso ? `${iso.slice(11, 19)} UTC` : "—");
const day = (iso) => (iso ? iso.slice(0, 10) : "");

export function setupInstances({ service, consent, onRefresh }) {
  const status = $("svc-status");
  const tbody = $("instances-table").querySelector("tbody");
  const summary = $("instances-summary");
  const view = $("instance-view");
  const eventsBody = $("instance-events").querySelector("tbody");
  /** id -> {key, tr}: a row is rebuilt only when what it shows changed (its buttons stay put). */
  const rows = new Map();
  /** The instance opened below the table: its id, body (masked) and per-resource views. */
  let open = null;
  let busy = false;
  let connected = false;
  /** Deletes asked once and not yet confirmed, by id. */
  const confirming = new Set();

  const say = (text, kind = "") => {
    status.textContent = text;
    status.className = `help ${kind}`;
  };

  // What the service answered an action it refused (the 409 of Poll now while an instance needs
  // re-authorization, …), or what a new grant did: below the table, kept until it no longer
  // applies, as the status line above is rewritten by every refresh.
  const actionNote = el("p", { id: "instances-note", role: "status", hidden: true });
  $("instances-table").closest(".table-wrap").after(actionNote);
  /** {id, text, kind, until?(status)}: dropped when `until` says the instance moved on, or it is gone. */
  let noted = null;
  function showNote(list, statuses) {
    if (noted) {
      const n = list.findIndex((i) => i.id === noted.id);
      if (n < 0 || noted.until?.(statuses[n])) noted = null;
    }
    actionNote.hidden = !noted;
    actionNote.textContent = noted?.text ?? "";
    actionNote.className = `help ${noted?.kind ?? ""}`;
  }
  const ACTIONS = { poll: "Poll now", pause: "Pause", resume: "Resume" };

  async function refresh() {
    if (busy) return;
    if (!service.hasSecrets()) {
      say(
        "Enter the User and Organization secrets `npm start` printed (kept in .elements-poller-console/api-secrets.json), then Connect.",
      );
      connected = false;
      return;
    }
    busy = true;
    try {
      const list = await service.call("GET", "/instances");
      const each = (path) =>
        Promise.all(
          list.map((i) => service.call("GET", `/instances/${encodeURIComponent(i.id)}${path}`).catch(() => null)),
        );
      // The status per resource (manage.js), and the instance itself for the service's own
      // mark of a refused grant (`needsReauthorization`, set by the worker, cleared by a PATCH).
      const [statuses, details] = await Promise.all([each("/status"), each("")]);
      statuses.forEach((s, n) => s && (s.reauthorization = details[n]?.needsReauthorization ?? null));
      connected = true;
      say(`Connected to the events service: ${plural(list.length, "instance")}.`, "ok");
      renderTable(list, statuses);
      showNote(list, statuses);
      if (open) await refreshOpen(statuses[list.findIndex((i) => i.id === open.id)]);
      onRefresh?.(list);
    } catch (e) {
      connected = false;
      say(service.explain(e), "bad");
    } finally {
      busy = false;
    }
  }

  /** A hub poll refused for the service's hub credentials (not a grant a person can renew here). */
  const credentialsRefused = (r) => /\bcycle\.auth\b/.test(r.lastError ?? "");

  function stateOf(s) {
    if (!s) return ["unknown", "state"];
    if (s.paused) return ["paused", "state paused"];
    if (s.reauthorization) return ["needs re-authorization", "state reauth"];
    if (s.resources.some(credentialsRefused)) return ["credentials refused", "state reauth"];
    if (s.resources.some((r) => r.polling)) return ["polling…", "state polling"];
    return ["active", "state"];
  }

  function renderTable(list, statuses) {
    tbody.querySelector(".empty-row")?.remove();
    const ids = new Set(list.map((i) => i.id));
    for (const [id, r] of rows) if (!ids.has(id)) (r.tr.remove(), rows.delete(id));
    list.forEach((inst, n) => {
      const s = statuses[n];
      const last =
        s?.resources
          .map((r) => r.lastPolledDate)
          .filter(Boolean)
          .sort()
          .at(-1) ?? null;
      const next =
        s?.resources
          .map((r) => r.nextPollDate)
          .filter(Boolean)
          .sort()[0] ?? null;
      const errors = s?.resources.filter((r) => r.lastError) ?? [];
      const [stateText, stateClass] = stateOf(s);
      const api = inst.configuration?.["event.poller.api"] === "direct" ? "direct" : "hub";
      const shown = {
        name: inst.name,
        element: `${inst.element?.key ?? ""} (${api})`,
        resources: s?.resources.map((r) => r.name).join(", ") ?? "",
        last,
        next,
        stateText,
        errors: errors.map((r) => `${r.name}: ${r.lastError}`),
        reauth: !!s?.reauthorization,
        paused: !!s?.paused,
        confirming: confirming.has(inst.id),
        open: open?.id === inst.id,
      };
      const key = JSON.stringify(shown);
      const had = rows.get(inst.id);
      if (had?.key === key) return;
      const tr = el(
        "tr",
        { className: shown.open ? "open" : "", dataset: { id: inst.id, state: stateText } },
        el(
          "td",
          { "data-label": "Instance" },
          el(
            "div",
            {},
            el("button", { type: "button", className: "link", text: inst.name, onclick: () => openInstance(inst.id) }),
            el("br"),
            el("code", { className: "help", text: inst.id }),
          ),
        ),
        el("td", { "data-label": "Element", text: shown.element }),
        el("td", { "data-label": "Resources", text: shown.resources }),
        el("td", {
          "data-label": "Last poll",
          className: "nowrap",
          text: last ? `${day(last)} ${time(last)}` : "not yet",
        }),
        el("td", { "data-label": "Next poll", className: "nowrap", text: shown.paused ? "paused" : time(next) }),
        el("td", { "data-label": "State" }, el("span", { className: stateClass, text: stateText })),
        el(
          "td",
          { "data-label": "Errors", className: errors.length ? "reason problem" : "" },
          errors.length ? shown.errors.join("; ") : "none",
        ),
        el("td", { "data-label": "Re-authorize", text: shown.reauth ? "yes: grant access again" : "no" }),
        el(
          "td",
          { "data-label": "Actions" },
          el(
            "div",
            { className: "actions" },
            el("button", { type: "button", text: "Open", onclick: () => openInstance(inst.id) }),
            shown.paused
              ? el("button", {
                  type: "button",
                  text: "Resume",
                  onclick: () => act(inst.id, "POST", "resume", inst.name),
                })
              : el("button", {
                  type: "button",
                  text: "Pause",
                  onclick: () => act(inst.id, "POST", "pause", inst.name),
                }),
            el("button", {
              type: "button",
              text: "Poll now",
              disabled: shown.paused,
              onclick: () => act(inst.id, "POST", "poll", inst.name),
            }),
            el("button", {
              type: "button",
              text: shown.confirming ? "Confirm delete" : "Delete",
              className: shown.confirming ? "danger" : "",
              onclick: () => remove(inst.id),
            }),
          ),
        ),
      );
      if (had) had.tr.replaceWith(tr);
      else tbody.append(tr);
      rows.set(inst.id, { key, tr });
    });
    // Rows follow the list's order (creation order); moved only when it differs.
    const want = list.map((i) => rows.get(i.id).tr);
    if (want.some((tr, i) => tbody.children[i] !== tr)) tbody.append(...want);
    summary.textContent = list.length ? plural(list.length, "instance") : "";
    if (!list.length && !tbody.querySelector(".empty-row"))
      tbody.append(
        el(
          "tr",
          { className: "empty-row" },
          el("td", { colSpan: 9, text: "No instances yet: build a body, then Create instance in Build." }),
        ),
      );
  }

  async function act(id, method, what, name) {
    try {
      await service.call(method, `/instances/${encodeURIComponent(id)}/${what}`);
      if (noted?.id === id) noted = null;
    } catch (e) {
      const reauth = e?.status === 409;
      noted = {
        id,
        kind: "bad",
        text: `${ACTIONS[what]} of ${name} was refused: ${service.explain(e)}${reauth ? ". Open it and Grant access again (Keap's consent page); its polls then go on from the saved state." : ""}`,
        // Moot once the service no longer marks it.
        until: reauth ? (s) => !!s && !s.reauthorization : undefined,
      };
    }
    await refresh();
  }

  async function remove(id) {
    if (!confirming.has(id)) {
      confirming.add(id);
      await refresh();
      setTimeout(() => confirming.delete(id) && refresh(), 6000);
      return;
    }
    confirming.delete(id);
    try {
      await service.call("DELETE", `/instances/${encodeURIComponent(id)}`);
      if (open?.id === id) closeInstance();
    } catch (e) {
      say(service.explain(e), "bad");
    }
    await refresh();
  }

  // ---- one instance ------------------------------------------------------------------
  async function openInstance(id) {
    try {
      const body = await service.call("GET", `/instances/${encodeURIComponent(id)}`);
      const info = await fetch(body.configuration?.["event.poller.api"] === "direct" ? "/__keap" : "/__hub")
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null);
      open = { id, body, sim: info, resources: new Map() };
      $("instance-title").textContent = `Instance ${body.name}`;
      $("instance-resources").replaceChildren();
      eventsBody.replaceChildren();
      view.hidden = false;
      view.dataset.id = id;
      await refresh();
      view.scrollIntoView?.({ block: "start" });
    } catch (e) {
      say(service.explain(e), "bad");
    }
  }

  function closeInstance() {
    open = null;
    view.hidden = true;
    delete view.dataset.id;
  }
  $("instance-close").addEventListener("click", () => {
    closeInstance();
    refresh();
  });

  /** The simulator's name of a resource: the last segment of its url's path (`/hubs/crm/contacts` -> contacts). */
  function simResource(name) {
    const url = open.body.configuration?.[PC]?.[name]?.url ?? "";
    const last = String(url).split("?")[0].split("/").pop();
    return open.sim?.resources?.includes(last) ? last : null;
  }

  function resourceView(name) {
    let v = open.resources.get(name);
    if (v) return v;
    const facts = el("dl", { className: "facts" });
    const chart = el("div", { className: "chart" });
    const reauth = el("div", { className: "reauth-help", hidden: true });
    const note = el("p", { className: "help", role: "status" });
    const sim = simResource(name);
    const prefix = open.body.configuration?.["event.poller.api"] === "direct" ? "/__keap" : "/__hub";
    const change = async (path, what) => {
      try {
        const res = await fetch(`${prefix}/${encodeURIComponent(sim)}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ count: 1 }),
        });
        const json = await res.json();
        if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`);
        note.textContent = `${what} ${sim} ${json.records.map((r) => r.id).join(", ")} in the simulator: Poll now to see the event, or wait for the next poll.`;
      } catch (e) {
        note.textContent = `The simulator refused: ${e.message}`;
      }
    };
    const root = el(
      "section",
      { className: "card resource", dataset: { resource: name } },
      el("h4", { text: `Resource ${name}` }),
      el(
        "div",
        { className: "resource-view" },
        el("div", {}, facts, reauth),
        el(
          "div",
          {},
          el(
            "ul",
            { className: "legend", "aria-hidden": "true" },
            el("li", { className: "lg-UPDATED", text: "events in a poll" }),
            el("li", { className: "lg-duration", text: "duration" }),
            el("li", { className: "lg-retry", text: "retries or 429s" }),
            el("li", { className: "lg-error", text: "error" }),
          ),
          chart,
        ),
      ),
      sim
        ? el(
            "div",
            { className: "actions" },
            el("span", { className: "help", text: `In the simulator (${sim}):` }),
            el("button", { type: "button", text: "Create a record", onclick: () => change("", "Created") }),
            el("button", { type: "button", text: "Update a record", onclick: () => change("/update", "Updated") }),
          )
        : null,
      note,
    );
    $("instance-resources").append(root);
    v = { root, facts, chart, reauth, key: "", pollsKey: "", polls: [], width: 0 };
    open.resources.set(name, v);
    // Drawn again at its new width (a rotated phone, a resized window).
    // In the next frame: drawing inside the observer's callback would resize what it observes.
    new ResizeObserver(() => {
      if (Math.abs(chart.clientWidth - v.width) > 8) requestAnimationFrame(() => drawChart(v));
    }).observe(chart);
    return v;
  }

  async function refreshOpen(s) {
    if (!s) {
      closeInstance();
      return;
    }
    const id = open.id;
    $("instance-facts").textContent =
      `${s.element?.key ?? ""} · ${s.paused ? "paused" : s.reauthorization ? "stopped: needs re-authorization" : "polling"} · ${plural(s.resources.length, "resource")}`;
    const [polls, events] = await Promise.all([
      service.call("GET", `/instances/${encodeURIComponent(id)}/polls?limit=40`),
      service.call("GET", `/instances/${encodeURIComponent(id)}/events?limit=25`),
    ]);
    if (open?.id !== id) return;
    for (const r of s.resources) {
      const v = resourceView(r.name);
      const next = r.nextRequest?.error
        ? `cannot start: ${r.nextRequest.error}`
        : r.nextRequest
          ? `${r.nextRequest.method} ${r.nextRequest.url}`
          : "—";
      const facts = [
        [
          "State",
          r.polling
            ? `polling now…${r.progress ? ` ${plural(r.progress.pages, "page")}, ${plural(r.progress.records, "record")} read so far` : ""}`
            : s.paused
              ? "paused"
              : s.reauthorization
                ? "stopped until access is granted again"
                : "waiting for its next poll",
        ],
        ["Last poll", r.lastPolledDate ? `${day(r.lastPolledDate)} ${time(r.lastPolledDate)}` : "not yet"],
        ["Next poll", s.paused ? "paused: resume to poll" : time(r.nextPollDate)],
        ["Watermark", r.watermark ?? "none yet (the first poll sets it)"],
        ["Next request", next],
        ["Events found", String(r.events)],
        ["Last error", r.lastError ?? "none"],
      ];
      // Re-authorization is the service's mark on the instance; a hub poll's refused
      // credentials are the service's own secrets, for its operator.
      const help = s.reauthorization ? "grant" : credentialsRefused(r) ? "hub" : "";
      const key = JSON.stringify(facts) + help;
      if (key !== v.key) {
        v.key = key;
        v.facts.replaceChildren(
          ...facts.flatMap(([k, val]) => [
            el("dt", { text: k }),
            el("dd", { dataset: { fact: k }, className: k === "Next request" ? "mono" : "" }, val),
          ]),
        );
        v.reauth.hidden = !help;
        v.reauth.replaceChildren(...(help ? reauthHelp(help) : []));
      }
      const mine = polls.filter((p) => p.resource === r.name);
      const pollsKey = JSON.stringify(mine.map((p) => p.id));
      if (pollsKey !== v.pollsKey) {
        v.pollsKey = pollsKey;
        v.polls = mine;
        drawChart(v);
        v.chart.dataset.polls = String(mine.length);
        v.chart.dataset.events = String(mine.reduce((n, p) => n + p.events, 0));
      }
    }
    const eventsKey = events.events.map((e) => e.id).join(",");
    if (eventsKey !== eventsBody.dataset.key) {
      eventsBody.dataset.key = eventsKey;
      eventsBody.replaceChildren(
        ...(events.events.length
          ? events.events.map((e) =>
              el(
                "tr",
                { dataset: { type: e.eventType, id: String(e.objectId) } },
                el("td", { "data-label": "Found", className: "nowrap", text: time(e.createdDate) }),
                el(
                  "td",
                  { "data-label": "Type" },
                  el("span", { className: `result res-${e.eventType}`, text: e.eventType }),
                ),
                el("td", { "data-label": "Resource", text: e.resource }),
                el("td", { "data-label": "ID" }, el("code", { text: String(e.objectId) })),
                el("td", { "data-label": "Date", className: "nowrap" }, el("code", { text: e.date ?? "" })),
              ),
            )
          : [
              el(
                "tr",
                { className: "empty-row" },
                el("td", {
                  colSpan: 5,
                  text: "No events yet: the first poll is a baseline. Change a record in the simulator, then Poll now.",
                }),
              ),
            ]),
      );
    }
  }

  /** What to do about an auth failure: the provider's consent again for a refused grant, else the hub's secrets. */
  function reauthHelp(help) {
    if (help === "hub")
      return [
        "The provider refused the credentials this poll was sent with (401/403). For a hub instance these are the service's hub secrets (ELEMENTS_HUB_USER_SECRET, ELEMENTS_HUB_ORGANIZATION_SECRET, ELEMENTS_HUB_ELEMENT_TOKEN): check them, restart the service, then Poll now.",
      ];
    const cfg = open.body.configuration ?? {};
    const here = cfg["oauth.callback.url"] === callbackUrl();
    const note = el("p", { role: "status" });
    const grant = async () => {
      const id = open.id;
      try {
        const code = await consent.authorize({
          elementKey: open.body.element?.key,
          apiKey: cfg["oauth.api.key"],
          redirectUri: cfg["oauth.callback.url"],
        });
        // The new grant goes to the instance; the service exchanges it and polling resumes.
        await service.call("PATCH", `/instances/${encodeURIComponent(id)}`, { providerData: { code } });
        noted = {
          id,
          kind: "ok",
          text: `Access granted again for ${open?.body.name ?? id}: the service exchanged the new code and polls it on from the saved state.`,
        };
        await refresh();
      } catch (e) {
        note.textContent = e instanceof Error && !("status" in e) ? e.message : service.explain(e);
      }
    };
    return [
      el("p", {
        text: "Keap refused this instance's refresh token, so polling stopped (it is never retried in a loop). A person must grant access again.",
      }),
      here
        ? el("button", { type: "button", text: "Grant access again", onclick: grant })
        : el("p", {
            text: `The consent redirects to this instance's callback (${cfg["oauth.callback.url"] ?? "none"}), not to this console: grant access there, then PATCH /instances/{id} with the new providerData.code.`,
          }),
      note,
    ];
  }

  function drawChart(v) {
    v.width = v.chart.clientWidth;
    v.chart.replaceChildren(pollTimeline(v.polls, v.width || 480));
  }

  // ---- the connection and the refresh loop -----------------------------------------------
  $("svc-connect").addEventListener("click", refresh);
  const panel = $("panel-instances");
  setInterval(() => {
    if (!panel.hidden && (connected || service.hasSecrets())) refresh();
  }, REFRESH_MS);
  new MutationObserver(() => !panel.hidden && refresh()).observe(panel, {
    attributes: true,
    attributeFilter: ["hidden"],
  });
  tbody.append(el("tr", { className: "empty-row" }, el("td", { colSpan: 9, text: "Connect to see the instances." })));

  return { open: openInstance, refresh };
}
