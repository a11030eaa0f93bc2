// Small inline SVG charts built with DOM APIs (no chart library, no innerHTML).
import { svg } from "./dom.js";

function shortDate(ms, spanMs) {
  const iso = new Date(ms).toISOString();
  if (spanMs < 2 * 86400000) return iso.slice(11, 19);
  if (spanMs > 300 * 86400000) return iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

/**
 * Created and updated instants of each record against the watermark line.
 * @param {{id: string, created: number|null, updated: number|null, result: string}[]} rows
 * @param {number} watermark epoch ms
 * @param {number} width pixels available
 */
export function timeline(rows, watermark, width) {
  const W = Math.max(300, Math.round(width));
  const labels = rows.length <= 30;
  const lane = labels ? 20 : Math.max(5, Math.floor(420 / Math.max(rows.length, 1)));
  const left = labels ? Math.min(90, Math.max(48, 9 * Math.max(...rows.map((r) => String(r.id).length), 2))) : 16;
  const right = 16,
    top = 24,
    bottom = 30;
  const H = top + bottom + lane * Math.max(rows.length, 1);
  const instants = [watermark];
  for (const r of rows) for (const t of [r.created, r.updated]) if (Number.isFinite(t)) instants.push(t);
  let lo = Math.min(...instants),
    hi = Math.max(...instants);
  if (hi - lo < 60000) {
    lo -= 1800000;
    hi += 1800000;
  }
  const pad = (hi - lo) * 0.04;
  lo -= pad;
  hi += pad;
  const x = (t) => left + ((t - lo) / (hi - lo)) * (W - left - right);
  const counts = rows.reduce((m, r) => ((m[r.result] = (m[r.result] ?? 0) + 1), m), {});
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    class: "timeline",
    "aria-label": `Timeline of ${rows.length} records against the watermark ${new Date(watermark).toISOString()}: ${Object.entries(
      counts,
    )
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")}`,
  });
  // axis and grid
  const axisY = H - bottom + 6;
  root.append(svg("line", { x1: left, x2: W - right, y1: axisY, y2: axisY, class: "tl-axis" }));
  const ticks = W < 420 ? 2 : W < 640 ? 3 : 5;
  for (let i = 0; i <= ticks; i++) {
    const t = lo + ((hi - lo) * i) / ticks;
    const tx = x(t);
    root.append(
      svg("line", { x1: tx, x2: tx, y1: top - 4, y2: axisY, class: "tl-grid" }),
      svg(
        "text",
        { x: tx, y: axisY + 16, class: "tl-tick", "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" },
        shortDate(t, hi - lo),
      ),
    );
  }
  rows.forEach((r, i) => {
    const y = top + lane * i + lane / 2;
    const g = svg("g", { class: `tl-row res-${r.result}` });
    g.append(
      svg(
        "title",
        {},
        `${r.id}: created ${fmt(r.created)}, updated ${fmt(r.updated)}: ${r.result}${r.reason ? ` (${r.reason})` : ""}`,
      ),
    );
    if (labels) g.append(svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "tl-label" }, String(r.id)));
    if (Number.isFinite(r.created) && Number.isFinite(r.updated) && r.updated !== r.created) {
      g.append(svg("line", { x1: x(r.created), x2: x(r.updated), y1: y, y2: y, class: "tl-span" }));
    }
    const s = Math.min(5, lane / 2.5);
    if (Number.isFinite(r.created)) g.append(svg("circle", { cx: x(r.created), cy: y, r: s, class: "tl-created" }));
    if (Number.isFinite(r.updated))
      g.append(svg("rect", { x: x(r.updated) - s, y: y - s, width: 2 * s, height: 2 * s, class: "tl-updated" }));
    if (!Number.isFinite(r.updated) && !Number.isFinite(r.created) && labels)
      g.append(svg("text", { x: left + 4, y: y + 4, class: "tl-note" }, "dates unreadable"));
    root.append(g);
  });
  const wx = x(watermark);
  root.append(
    svg("line", { x1: wx, x2: wx, y1: top - 10, y2: axisY, class: "tl-watermark" }),
    svg(
      "text",
      {
        x: wx,
        y: top - 12,
        "text-anchor": wx > W - 90 ? "end" : wx < left + 60 ? "start" : "middle",
        class: "tl-watermark-label",
      },
      "watermark",
    ),
  );
  return root;
}

function fmt(t) {
  return Number.isFinite(t) ? new Date(t).toISOString() : "unreadable";
}

/**
 * Events per poll as bars; polls with a retry or an error get a mark.
 * @param {{n: number, events: number, retries: number, error: boolean}[]} polls
 */
export function pollBars(polls, width) {
  const W = Math.max(280, Math.round(width));
  const H = 140,
    left = 30,
    right = 10,
    top = 12,
    bottom = 26;
  const shown = polls.slice(-40);
  const max = Math.max(1, ...shown.map((p) => p.events));
  const step = (W - left - right) / Math.max(shown.length, 10);
  const y = (v) => top + (H - top - bottom) * (1 - v / max);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    class: "bars",
    "aria-label": shown.length
      ? `Events per poll for the last ${shown.length} polls: ${shown.map((p) => p.events).join(", ")}`
      : "No polls yet",
  });
  root.append(
    svg("line", { x1: left, x2: W - right, y1: y(0), y2: y(0), class: "tl-axis" }),
    svg("text", { x: left - 6, y: y(max) + 4, "text-anchor": "end", class: "tl-tick" }, String(max)),
    svg("text", { x: left - 6, y: y(0) + 4, "text-anchor": "end", class: "tl-tick" }, "0"),
  );
  if (!shown.length)
    root.append(
      svg(
        "text",
        { x: W / 2, y: H / 2, "text-anchor": "middle", class: "bars-empty" },
        "Events per poll will show here",
      ),
    );
  shown.forEach((p, i) => {
    const bx = left + i * step + step * 0.15;
    const bw = step * 0.7;
    const g = svg("g", { class: `bar${p.error ? " has-error" : ""}${p.retries ? " has-retry" : ""}` });
    g.append(
      svg(
        "title",
        {},
        `poll ${p.n}: ${p.events} events${p.retries ? `, ${p.retries} retries` : ""}${p.error ? ", error" : ""}`,
      ),
    );
    g.append(
      svg("rect", { x: bx, y: y(p.events), width: bw, height: Math.max(0, y(0) - y(p.events)), class: "bar-rect" }),
    );
    if (p.events === 0) g.append(svg("rect", { x: bx, y: y(0) - 1, width: bw, height: 1, class: "bar-zero" }));
    if (p.retries || p.error)
      g.append(svg("circle", { cx: bx + bw / 2, cy: y(0) + 9, r: 3.5, class: p.error ? "mark-error" : "mark-retry" }));
    if (shown.length <= 20 || i % 5 === 0)
      g.append(svg("text", { x: bx + bw / 2, y: H - 4, "text-anchor": "middle", class: "tl-tick" }, String(p.n)));
    root.append(g);
  });
  return root;
}

/**
 * A resource's polls on the events service, oldest first: events as bars, the duration as a
 * line (its own scale, on the right), a mark under a poll with retries or 429s (amber) or an
 * error (red). Each poll's title lists everything the service recorded of it.
 * @param {{startedDate: string, durationMs: number, pages: number, records: number, events: number,
 *   retries: number, throttled: number, error: string|null}[]} polls
 * @param {number} width pixels available
 */
export function pollTimeline(polls, width) {
  const W = Math.max(280, Math.round(width));
  const H = 150,
    left = 30,
    right = 44,
    top = 14,
    bottom = 28;
  const shown = polls.slice(-40);
  const maxEvents = Math.max(1, ...shown.map((p) => p.events));
  const maxMs = Math.max(1, ...shown.map((p) => p.durationMs));
  const step = (W - left - right) / Math.max(shown.length, 10);
  const yE = (v) => top + (H - top - bottom) * (1 - v / maxEvents);
  const yD = (v) => top + (H - top - bottom) * (1 - v / maxMs);
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: "img",
    class: "bars poll-timeline",
    "aria-label": shown.length
      ? `The last ${shown.length} polls: events ${shown.map((p) => p.events).join(", ")}; longest ${maxMs} ms; ${shown.filter((p) => p.error).length} with an error`
      : "No polls yet",
  });
  root.append(
    svg("line", { x1: left, x2: W - right, y1: yE(0), y2: yE(0), class: "tl-axis" }),
    svg("text", { x: left - 6, y: yE(maxEvents) + 4, "text-anchor": "end", class: "tl-tick" }, String(maxEvents)),
    svg("text", { x: left - 6, y: yE(0) + 4, "text-anchor": "end", class: "tl-tick" }, "0"),
    svg("text", { x: W - right + 4, y: yD(maxMs) + 4, class: "tl-tick dur-tick" }, shortDuration(maxMs)),
  );
  if (!shown.length)
    root.append(
      svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "bars-empty" }, "Polls will show here"),
    );
  const cx = (i) => left + i * step + step / 2;
  shown.forEach((p, i) => {
    const bw = step * 0.6;
    const bx = cx(i) - bw / 2;
    const when = new Date(p.startedDate).toISOString().slice(11, 19);
    const g = svg("g", { class: `bar${p.error ? " has-error" : ""}${p.retries || p.throttled ? " has-retry" : ""}` });
    g.append(
      svg(
        "title",
        {},
        `${when} UTC: ${p.events} events, ${p.pages} pages, ${p.records} records, ${p.durationMs} ms` +
          `${p.retries ? `, ${p.retries} retries` : ""}${p.throttled ? `, ${p.throttled}× 429` : ""}${p.error ? `; error: ${p.error}` : ""}`,
      ),
      svg("rect", { x: bx, y: yE(p.events), width: bw, height: Math.max(0, yE(0) - yE(p.events)), class: "bar-rect" }),
    );
    if (p.events === 0) g.append(svg("rect", { x: bx, y: yE(0) - 1, width: bw, height: 1, class: "bar-zero" }));
    if (p.retries || p.throttled || p.error)
      g.append(svg("circle", { cx: cx(i), cy: yE(0) + 9, r: 3.5, class: p.error ? "mark-error" : "mark-retry" }));
    // A time label every few polls: at least 44 px apart, so they never overlap.
    if (i % Math.max(1, Math.ceil(44 / step)) === 0)
      g.append(svg("text", { x: cx(i), y: H - 4, "text-anchor": "middle", class: "tl-tick" }, when.slice(0, 5)));
    root.append(g);
  });
  if (shown.length > 1)
    root.append(
      svg("polyline", {
        points: shown.map((p, i) => `${cx(i)},${yD(p.durationMs)}`).join(" "),
        class: "dur-line",
      }),
    );
  for (const [i, p] of shown.entries())
    root.append(svg("circle", { cx: cx(i), cy: yD(p.durationMs), r: 2.5, class: "dur-dot" }));
  return root;
}

/** A duration short enough for the chart's right margin (44 px): "850 ms", "1.7 s", "123 s". */
function shortDuration(ms) {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${s < 100 ? s.toFixed(1) : Math.round(s)} s`;
}
