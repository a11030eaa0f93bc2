// Deliveries: the events service's notifications, queued, dead and delivered, with their
// attempts; redeliver one, or every dead one; and the bundled hub simulator's webhook receiver
// (what it received, each signature verified with the instances' key), with a switch that makes
// it fail so that deliveries retry and die. Refreshes itself every two seconds while shown.
import { $, el, plural } from "./dom.js";

const REFRESH_MS = 2000;
/**
 * Deliveries a page (GET /deliveries?limit); "Show older" adds a page. The table's
 * `data-page-size` overrides it (a test pages through a few deliveries with it).
 */
const PAGE = 50;
const time = (iso) => (iso ? `${iso.slice(11, 19)} UTC` : "—");

export function setupDeliveries({ service }) {
  const panel = $("panel-deliveries");
  const filter = $("deliveries-status");
  const note = $("deliveries-note");
  const tbody = $("deliveries-table").querySelector("tbody");
  const receivedBody = $("received-table").querySelector("tbody");
  const receiverNote = $("receiver-note");
  const failing = $("receiver-fail");
  let busy = false;
  /** Instance names by id, from the last list (the table names instances, not only ids). */
  let names = new Map();
  /** How many pages are shown: the newest first, each next one `before=` the last id shown. */
  let pages = 1;
  const older = el("button", {
    type: "button",
    id: "deliveries-older",
    text: "Show older deliveries",
    hidden: true,
    onclick: () => ((pages += 1), (tbody.dataset.key = ""), refresh()),
  });
  $("deliveries-table").closest(".table-wrap").after(older);

  /**
   * Pages of GET /deliveries (newest first) through the `before` cursor: `pages` of `limit`,
   * or all of them when `pages` is Infinity. `more` when the last page read was full.
   */
  async function listDeliveries({
    status,
    limit = Number($("deliveries-table").dataset.pageSize) || PAGE,
    pages: n = pages,
  }) {
    const rows = [];
    for (let before = null; n > 0; n--) {
      const q = new URLSearchParams({ limit: String(limit) });
      if (status) q.set("status", status);
      if (before) q.set("before", before);
      const page = await service.call("GET", `/deliveries?${q}`);
      rows.push(...page);
      if (page.length < limit) return { rows, more: false };
      before = page.at(-1).id;
    }
    return { rows, more: true };
  }

  const say = (text, kind = "") => {
    note.textContent = text;
    note.className = `help ${kind}`;
  };

  async function refresh() {
    if (busy) return;
    busy = true;
    try {
      await Promise.all([refreshDeliveries(), refreshReceiver()]);
    } finally {
      busy = false;
    }
  }

  async function refreshDeliveries() {
    if (!service.hasSecrets()) {
      say("Enter the events service's secrets in Instances (or the cURL card) to see its deliveries.");
      return;
    }
    try {
      const status = filter.value;
      const [{ rows: newest, more }, instances] = await Promise.all([
        listDeliveries({ status }),
        service.call("GET", "/instances"),
      ]);
      names = new Map(instances.map((i) => [i.id, i.name]));
      const count = (s) => newest.filter((d) => d.status === s).length;
      const of = more ? ` (the newest ${newest.length}: Show older for more)` : "";
      say(
        status
          ? `${plural(newest.length, `${status} delivery`).replace("deliverys", "deliveries")}${of}.`
          : `${count("queued")} queued, ${count("dead")} dead, ${count("delivered")} delivered${of}.`,
      );
      older.hidden = !more;
      tbody.dataset.dead = String(count("dead"));
      tbody.dataset.delivered = String(count("delivered"));
      const key = JSON.stringify(newest);
      if (key === tbody.dataset.key) return;
      tbody.dataset.key = key;
      tbody.replaceChildren(
        ...(newest.length
          ? newest.map((d) =>
              el(
                "tr",
                { dataset: { id: d.id, status: d.status } },
                el("td", { "data-label": "#", text: d.id }),
                el("td", { "data-label": "Instance", text: names.get(d.instanceId) ?? d.instanceId }),
                el("td", { "data-label": "Resource", text: d.resource }),
                el("td", { "data-label": "Status" }, el("span", { className: `state ${d.status}`, text: d.status })),
                el("td", { "data-label": "Attempts", text: String(d.attempts) }),
                el("td", {
                  "data-label": "Last failure",
                  text: d.lastStatus || d.lastError ? `${d.lastStatus ?? ""} ${d.lastError ?? ""}`.trim() : "—",
                }),
                el("td", {
                  "data-label": "Next attempt",
                  className: "nowrap",
                  text: d.status === "queued" ? time(d.nextAttemptDate) : "—",
                }),
                el("td", { "data-label": "Events", text: String(d.eventIds.length) }),
                el(
                  "td",
                  { "data-label": "Actions" },
                  d.status === "queued"
                    ? ""
                    : el("button", { type: "button", text: "Redeliver", onclick: () => redeliver([d.id]) }),
                ),
              ),
            )
          : [el("tr", { className: "empty-row" }, el("td", { colSpan: 9, text: "No deliveries yet." }))]),
      );
    } catch (e) {
      say(service.explain(e), "bad");
    }
  }

  async function redeliver(ids) {
    let done = 0;
    try {
      for (const id of ids) {
        await service.call("PUT", `/deliveries/${encodeURIComponent(id)}`);
        done++;
      }
      say(`Queued ${plural(done, "delivery").replace("deliverys", "deliveries")} again.`, "ok");
    } catch (e) {
      say(`${done} queued again; then: ${service.explain(e)}`, "bad");
    }
    tbody.dataset.key = "";
    await refresh();
  }

  $("deliveries-redeliver-dead").addEventListener("click", async () => {
    try {
      // Every dead one, not only those shown: all the pages.
      const { rows: dead } = await listDeliveries({ status: "dead", limit: 1000, pages: Infinity });
      if (!dead.length) return say("No dead deliveries to redeliver.");
      await redeliver(dead.map((d) => d.id));
    } catch (e) {
      say(service.explain(e), "bad");
    }
  });
  filter.addEventListener("change", () => ((pages = 1), (tbody.dataset.key = ""), refresh()));

  // ---- the simulator's webhook receiver ------------------------------------------------
  async function refreshReceiver() {
    try {
      const [got, faults] = await Promise.all([
        fetch("/__hub/received").then((r) => r.json()),
        fetch("/__hub/faults").then((r) => r.json()),
      ]);
      failing.checked = faults.webhook?.failure >= 1;
      const verified = got.filter((r) => r.verified === true).length;
      receiverNote.textContent = `${plural(got.length, "request")} received, ${verified} with a valid signature.`;
      receivedBody.dataset.received = String(got.length);
      receivedBody.dataset.verified = String(verified);
      const newest = got.slice(-50).reverse();
      const key = newest.map((r) => r.seq).join(",");
      if (key === receivedBody.dataset.key) return;
      receivedBody.dataset.key = key;
      receivedBody.replaceChildren(
        ...(newest.length
          ? newest.map((r) =>
              el(
                "tr",
                { dataset: { seq: String(r.seq), status: String(r.status) } },
                el("td", { "data-label": "#", text: String(r.seq) }),
                el("td", { "data-label": "At", className: "nowrap", text: time(new Date(r.at).toISOString()) }),
                el("td", { "data-label": "Answered", text: String(r.status) }),
                el(
                  "td",
                  { "data-label": "Signature" },
                  r.verified === true
                    ? el("span", { className: "verified", text: "verified" })
                    : r.verified === false
                      ? el("span", { className: "unverified", text: `refused (${r.verifyError ?? "bad signature"})` })
                      : "not checked",
                ),
                el("td", {
                  "data-label": "Events",
                  text: String(r.body?.message?.events?.length ?? r.body?.message?.count ?? "—"),
                }),
                el("td", { "data-label": "Webhook id" }, el("code", { text: r.webhookId ?? "—" })),
              ),
            )
          : [el("tr", { className: "empty-row" }, el("td", { colSpan: 6, text: "Nothing received yet." }))]),
      );
    } catch {
      receiverNote.textContent = "The hub simulator's receiver is not reachable on this origin.";
    }
  }

  failing.addEventListener("change", async () => {
    await fetch("/__hub/faults", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ webhook: { failure: failing.checked ? 1 : 0, status: 503 } }),
    });
    await refresh();
  });

  setInterval(() => !panel.hidden && refresh(), REFRESH_MS);
  new MutationObserver(() => !panel.hidden && refresh()).observe(panel, {
    attributes: true,
    attributeFilter: ["hidden"],
  });
  return { refresh };
}
