// `npm run bench` (part): what reconciliation (DELETED events, DESIGN section 13) costs on
// 50,000 Keap contacts polled directly, pages of 1,000: the state's size per id, and the time
// of a reconciling cycle beside a plain full listing of the same pages (the difference is
// keeping the ids, encoding them and comparing them with the last listing). Prints; asserts
// nothing.
import { PollCycle, buildInstance } from "elements-poller";

const BASE = "https://api.infusionsoft.com/crm/rest";
const PAGE = 1000;

/** Keap-like ids: increasing from 40,000 with gaps of 1 to 5 (deletes and merges leave holes). */
function contacts(n, seed = 7) {
  let a = seed;
  const rand = () => ((a = (a * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  const out = [];
  let id = 40_000;
  for (let i = 0; i < n; i++) {
    id += 1 + Math.floor(rand() * 5);
    const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().replace("Z", "+0000");
    out.push({
      id,
      given_name: `C${i}`,
      email_addresses: [{ email: `c${i}@example.com` }],
      date_created: at,
      last_updated: at,
    });
  }
  return out;
}

function instance() {
  return buildInstance({
    element: "infusionsoftrest",
    name: "bench-reconcile",
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    api: "direct",
    resources: { contacts: { preset: "contacts", pageSize: PAGE, reconcile: { everyHours: 24 } } },
  });
}

/** Drives one cycle over `rows`, pages answered in-process; `gone`: ids a GET by id says are gone. */
function cycle(rows, { state = null, reconcile = false, now, gone = new Set() }) {
  const pages = [];
  for (let i = 0; i * PAGE <= rows.length; i++) {
    const slice = rows.slice(i * PAGE, (i + 1) * PAGE);
    const next = `${BASE}/v1/contacts/?limit=${PAGE}&offset=${(i + 1) * PAGE}`;
    pages.push(new TextEncoder().encode(JSON.stringify({ contacts: slice, count: rows.length, next })));
  }
  const t0 = performance.now();
  const c = new PollCycle({
    instance: instance(),
    resource: "contacts",
    state,
    baseUrl: BASE,
    now,
    startFrom: "beginning",
    reconcile,
  });
  let requests = 0;
  for (let req; (req = c.nextRequest()); requests++) {
    const item = /\/v1\/contacts\/(\d+)$/.exec(new URL(req.url).pathname);
    if (item) {
      const status = gone.has(Number(item[1])) ? 404 : 200;
      c.handleResponse({ status, body: status === 404 ? '{"message":"not found"}' : "{}" });
      continue;
    }
    const offset = Number(new URL(req.url).searchParams.get("offset") ?? 0);
    c.handleResponse({ status: 200, headers: { date: new Date(now).toUTCString() }, body: pages[offset / PAGE] });
  }
  const out = c.finish();
  return { ms: performance.now() - t0, requests, out };
}

export function benchReconcile({ records = 50_000, runs = 5 } = {}) {
  const rows = contacts(records);
  const now = Date.UTC(2025, 0, 1);
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const first = cycle(rows, { reconcile: true, now });
  const listing = first.out.state.listing;
  const stateBytes = JSON.stringify(first.out.state).length;
  // The same pages, twice more: a plain cycle of the whole listing, and a reconciling one that
  // finds 50 ids gone (each asked for by id: one request apiece).
  const dropped = new Set(rows.filter((_, i) => i % 1000 === 7).map((r) => r.id));
  const after = rows.filter((r) => !dropped.has(r.id));
  const plain = [];
  const rec = [];
  let last;
  for (let i = 0; i < runs; i++) {
    plain.push(cycle(after, { state: first.out.state, now: now + 60_000 }).ms);
    last = cycle(after, { state: first.out.state, reconcile: true, now: now + 60_000, gone: dropped });
    rec.push(last.ms);
  }
  const deleted = last.out.events.filter((e) => e.eventType === "DELETED").length;
  console.log(
    `\nreconciliation on ${records.toLocaleString("en")} Keap contacts, pages of ${PAGE} (medians of ${runs} runs)`,
  );
  console.log(
    `  state: the id set ${listing.ids.length.toLocaleString("en")} bytes, ${(listing.ids.length / listing.n).toFixed(2)} bytes/id; the whole state ${stateBytes.toLocaleString("en")} bytes`,
  );
  console.log(
    `  a reconciling cycle ${median(rec).toFixed(1)} ms beside ${median(plain).toFixed(1)} ms for the same pages without it (keeping, encoding and comparing the ids: ${(median(rec) - median(plain)).toFixed(1)} ms); ${deleted} DELETED, ${last.requests} requests (${Math.ceil((after.length + 1) / PAGE)} pages + ${dropped.size} asked for by id)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) benchReconcile();
