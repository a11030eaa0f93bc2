// `npm run bench` (part): polls per second against the local hub simulator (in another
// process) with 1, 10 and 100 resources across instances, and CPU time per page in this
// process beside the core's share of it. Prints figures; asserts nothing.
import { fork } from "node:child_process";
import { Poller, PollCycle, MemoryStore, buildInstance } from "elements-poller";

const RESOURCES = ["appointments", "contacts", "opportunities", "orders", "tasks", "transactions"];
const PER_RESOURCE = 200; // records per resource in the simulator
const PAGE_SIZE = 50;

async function startHub() {
  const child = fork(new URL("./hub-process.mjs", import.meta.url).pathname, [
    JSON.stringify({ seed: 3, resources: Object.fromEntries(RESOURCES.map((r) => [r, PER_RESOURCE])) }),
  ]);
  const info = await new Promise((resolve) => child.once("message", resolve));
  return { ...info, close: () => new Promise((resolve) => (child.once("exit", resolve), child.send("close"))) };
}

function instance(hub, resources, i) {
  return buildInstance({
    element: "infusionsoftrest",
    name: `bench-${i}`,
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: "https://app.example.com/events",
    resources: Object.fromEntries(resources.map((r) => [r, { ...hub.pollerConfigs[r], pageSize: PAGE_SIZE }])),
  });
}

/** `count` resources spread over instances of at most six resources each. */
function pollers(hub, count) {
  const out = [];
  for (let i = 0; i * 6 < count; i++) {
    const resources = Array.from({ length: Math.min(6, count - i * 6) }, (_, k) => RESOURCES[k]);
    out.push(
      new Poller({
        instance: instance(hub, resources, i),
        baseUrl: hub.baseUrl,
        auth: hub.credentials,
        store: new MemoryStore(),
        startFrom: "beginning",
        rateLimit: Infinity,
        onEvents: () => {},
      }),
    );
  }
  return out;
}

export async function benchPoller({ rounds = 3 } = {}) {
  const hub = await startHub();
  try {
    console.log(
      `\nPoller against the hub simulator (another process): ${PER_RESOURCE} records a resource, pageSize ${PAGE_SIZE}, first polls from the beginning`,
    );
    console.log(
      `  ${"resources".padEnd(10)}${"instances".padStart(10)}${"polls/s".padStart(10)}${"pages".padStart(8)}${"CPU/page".padStart(11)}${"core/page".padStart(11)}${"core share".padStart(12)}`,
    );
    let sample;
    for (const count of [1, 10, 100]) {
      const ps = pollers(hub, count);
      let pages = 0;
      let polls = 0;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      for (let r = 0; r < rounds; r++) {
        const summaries = (await Promise.all(ps.map((p) => p.pollOnce()))).flat();
        for (const s of summaries) {
          if (s.error) throw s.error;
          pages += s.pages;
          polls++;
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const cpuPerPage = (cpu.user + cpu.system) / 1000 / pages;
      sample ??= await corePerPage(hub);
      console.log(
        `  ${String(count).padEnd(10)}${String(ps.length).padStart(10)}${(polls / seconds).toFixed(0).padStart(10)}${String(pages).padStart(8)}${`${cpuPerPage.toFixed(2)} ms`.padStart(11)}${`${sample.toFixed(2)} ms`.padStart(11)}${`${((100 * sample) / cpuPerPage).toFixed(0)}%`.padStart(12)}`,
      );
    }
    console.log(
      "  CPU/page: this process's CPU (JS layer, fetch, and the core) over pages fetched; core/page: PollCycle on one page replayed alone.",
    );
  } finally {
    await hub.close();
  }
}

/** The core's time for one page: a cycle over a fetched first page, replayed many times. */
async function corePerPage(hub) {
  const resource = { ...hub.pollerConfigs.appointments, pageSize: PAGE_SIZE, name: "appointments" };
  const first = new PollCycle({
    resource,
    baseUrl: hub.baseUrl,
    auth: hub.credentials,
    startFrom: "beginning",
  }).nextRequest();
  const res = await fetch(first.url, { headers: first.headers });
  const headers = Object.fromEntries(res.headers);
  delete headers["elements-next-page-token"];
  const body = new Uint8Array(await res.arrayBuffer());
  const n = 400;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const c = new PollCycle({ resource, baseUrl: hub.baseUrl, auth: hub.credentials, startFrom: "beginning" });
    c.nextRequest();
    c.handleResponse({ status: 200, headers, body });
    c.finish();
  }
  return (performance.now() - t0) / n;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPoller();
