// `npm run bench:server`: the events service under a steady load. N instances (one resource
// each) polled every interval by worker processes on a PostgreSQL this program starts, against
// the hub simulator in another process; then the same load as one `Poller` per instance in one
// process; then the service again with the N instances direct (`event.poller.api: "direct"`),
// against the Keap simulator in another process. Prints sustained polls/s, schedule lag, CPU
// per poll, PostgreSQL statements per poll (all, and those clients sent) and the ratio between the service and the Pollers
// (on the hub). A program, not a test: it asserts nothing.
//
//   npm run bench:server -- [--instances 10000] [--duration 300] [--interval-ms 60000]
//                           [--workers 2] [--concurrency 16] [--no-poller] [--no-keap] [--top-statements N]
//
// Keap's budget is per OAuth app (1500 calls a minute, 25 a second; the service's limiter spaces
// an app's calls at 20.8 a second), so the Keap row spreads its instances over as many apps of
// the simulator as the load needs at 16 polls a second each: a poll is one call there (its page
// holds every record), and the token exchanges and refreshes go through the same budgets.
import { fork } from "node:child_process";
import { mkdtempSync, rmSync, chmodSync, appendFileSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { Poller, MemoryStore, buildInstance } from "elements-poller";
import { startPostgres } from "elements-poller-server";
import { startService, serviceEnv, api } from "../tests/server/helpers/service.js";

const { values: flags } = parseArgs({
  options: {
    instances: { type: "string", default: "10000" },
    duration: { type: "string", default: "300" },
    "interval-ms": { type: "string", default: "60000" },
    workers: { type: "string", default: "2" },
    concurrency: { type: "string", default: "16" },
    "no-poller": { type: "boolean", default: false },
    "no-keap": { type: "boolean", default: false },
    // Also print the N statements PostgreSQL ran most often, per poll (where a poll's SQL goes).
    "top-statements": { type: "string", default: "0" },
  },
});
const N = Number(flags.instances);
const DURATION_S = Number(flags.duration);
const INTERVAL_MS = Number(flags["interval-ms"]);
const WORKERS = Number(flags.workers);
for (const [k, v] of Object.entries({ N, DURATION_S, INTERVAL_MS, WORKERS }))
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`${k} must be a whole number > 0`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLOCK_TICKS = 100; // USER_HZ on Linux: /proc/<pid>/stat counts CPU time in 1/100 s

/** CPU seconds of a process (user + system), and of its reaped children when asked. */
function cpuSeconds(pid, { children = false } = {}) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // After "pid (comm) ": state is field 0, utime 11, stime 12, cutime 13, cstime 14.
    const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
    return ticks / CLOCK_TICKS;
  } catch {
    return 0; // gone
  }
}

/** PostgreSQL's CPU: the postmaster, its exited backends (reaped: in its cutime) and the live ones. */
function postgresCpu(postmaster) {
  let total = cpuSeconds(postmaster, { children: true });
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1].split(" ")[1]);
      if (ppid === postmaster) total += cpuSeconds(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/**
 * How many instances were polled every interval of [from, to): at every moment of it, the
 * instance's latest poll started at most the interval plus the goal's 5 s of lag before. `starts`
 * is [key, epoch ms] pairs, including the starts in the interval plus 5 s before `from`: a cycle
 * is due `refresh_interval` after the previous one *ended*, so an instance's polls are a little
 * more than one interval apart, and one whose last poll started just before `from` rightly has
 * none in a window one interval long.
 */
function everyInterval(starts, from, to) {
  const slack = INTERVAL_MS + 5000;
  const byKey = new Map();
  for (const [key, at] of starts) if (at >= from - slack && at < to) byKey.set(key, [...(byKey.get(key) ?? []), at]);
  let n = 0;
  for (const list of byKey.values()) {
    const points = [...list.sort((a, b) => a - b), to];
    // The first start at or before `from` (so the one before it is no gap inside the window).
    if (points[0] <= from && points.every((p, i) => i === 0 || p - points[i - 1] <= slack)) n++;
  }
  return n;
}

const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;

async function startHub() {
  const child = fork(new URL("./hub-process.mjs", import.meta.url).pathname, [
    JSON.stringify({ seed: 9, resources: { appointments: 20 } }),
  ]);
  const info = await new Promise((resolve) => child.once("message", resolve));
  return {
    ...info,
    pid: child.pid,
    webhookUrl: info.baseUrl.replace(/\/elements\/api-v2$/, "/__hub/webhook"),
    close: () => new Promise((resolve) => (child.once("exit", resolve), child.send("close"))),
  };
}

/** Polls a second one OAuth app carries under the service's limiter (20.8 a second), with room. */
const KEAP_POLLS_PER_APP = 16;

async function startKeap() {
  const polls = (N * 1000) / INTERVAL_MS;
  const apps = Array.from({ length: Math.max(1, Math.ceil(polls / KEAP_POLLS_PER_APP)) - 1 }, (_, i) => ({
    clientId: `bench-client-${i + 2}`,
    clientSecret: `bench-secret-${i + 2}`,
    redirectUri: "https://app.example.com/oauth/callback",
  }));
  const child = fork(new URL("./keap-process.mjs", import.meta.url).pathname, [
    JSON.stringify({ seed: 9, resources: { contacts: 20 }, apps }),
  ]);
  const info = await new Promise((resolve) => child.once("message", resolve));
  return {
    ...info,
    pid: child.pid,
    /** `{calls, throttled}`: the simulator's API calls so far, and its 429s among them. */
    stats: () => new Promise((resolve) => (child.once("message", resolve), child.send("stats"))),
    close: () => new Promise((resolve) => (child.once("exit", resolve), child.send("close"))),
  };
}

/** The instance body: one resource, every minute (the service's --interval-ms shortens it). */
const body = (hub, i) =>
  buildInstance({
    element: "infusionsoftrest",
    name: `bench-${i}`,
    code: "grant",
    oauth: { key: "k", secret: "s", callbackUrl: "https://app.example.com/oauth" },
    callbackUrl: hub.webhookUrl,
    refreshInterval: 1,
    resources: { appointments: hub.pollerConfigs.appointments },
  });

/** A private PostgreSQL with pg_stat_statements loaded (set before its first real start). */
async function benchPostgres() {
  const dir = mkdtempSync(join(tmpdir(), "ep-bench-"));
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "pgdata");
  const init = await startPostgres({ dataDir });
  await init.stop();
  appendFileSync(join(dataDir, "postgresql.conf"), "\nshared_preload_libraries = 'pg_stat_statements'\n");
  const server = await startPostgres({ dataDir });
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  // pool.end() resolves before its clients' sockets close, so the shutdown's "terminating
  // connection" can still reach an idle one: without a listener that ends the program.
  pool.on("error", () => {});
  await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  return {
    ...server,
    pool,
    async stop() {
      await pool.end();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A direct Keap instance of app `i % apps`, its grant code minted by the simulator's control API. */
async function keapBody(keap, hub, i) {
  const app = keap.apps[i % keap.apps.length];
  const res = await fetch(`${keap.url}/__keap/codes`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ clientId: app.clientId }),
  });
  if (res.status !== 201) throw new Error(`the Keap simulator minted no code: ${res.status} ${await res.text()}`);
  const { code } = await res.json();
  return buildInstance({
    element: "infusionsoftrest",
    name: `bench-keap-${i}`,
    code,
    oauth: { key: app.clientId, secret: app.clientSecret, callbackUrl: app.redirectUri },
    callbackUrl: hub.webhookUrl,
    api: "direct",
    refreshInterval: 1,
    resources: { contacts: { preset: "contacts", pageSize: 50 } },
  });
}

/**
 * The service under the load. `provider`: the simulator polled (its process's `pid`), the
 * environment it needs beside the hub's, and the body of instance i.
 */
async function benchService(hub, provider) {
  const postgres = await benchPostgres();
  const env = {
    ...serviceEnv({ baseUrl: hub.baseUrl, credentials: hub.credentials }, postgres.url),
    ...provider.env,
  };
  const common = ["--interval-ms", String(INTERVAL_MS)];
  const services = [];
  try {
    const apiProc = await startService(["--role", "api", "--port", "0", ...common], env);
    services.push(apiProc);
    for (let i = 0; i < WORKERS; i++)
      services.push(await startService(["--role", "worker", ...common, "--concurrency", flags.concurrency], env));
    const workers = services.slice(1);

    const t0 = Date.now();
    let next = 0;
    const create = async () => {
      for (let i; (i = next++) < N;) {
        const res = await api(apiProc.url, "POST", "/instances", await provider.body(i));
        if (res.status !== 200) throw new Error(`POST /instances: ${res.status} ${res.text}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, create));
    const createdS = (Date.now() - t0) / 1000;
    console.log(
      `  ${N} instances created through the API in ${createdS.toFixed(0)} s (${(N / createdS).toFixed(0)}/s)`,
    );
    // One whole interval after the last creation: every chain has had its first poll.
    await sleep(INTERVAL_MS);

    const q = (text, values) => postgres.pool.query(text, values).then((r) => r.rows);
    const cpu = () => ({
      workers: workers.reduce((s, w) => s + cpuSeconds(w.proc.pid), 0),
      api: cpuSeconds(apiProc.proc.pid),
      postgres: postgresCpu(postgres.pid),
      provider: cpuSeconds(provider.pid),
    });
    await q("SELECT pg_stat_statements_reset()");
    const [{ xact: xact0 }] = await q(
      "SELECT xact_commit + xact_rollback AS xact FROM pg_stat_database WHERE datname = current_database()",
    );
    const cpu0 = cpu();
    const from = new Date();
    await sleep(DURATION_S * 1000);
    const to = new Date();
    const cpu1 = cpu();
    const [{ xact: xact1 }] = await q(
      "SELECT xact_commit + xact_rollback AS xact FROM pg_stat_database WHERE datname = current_database()",
    );
    // Every statement but this program's own (pg_stat_statements, pg_stat_database).
    // `sent`: the statements clients sent (round trips). The others are PostgreSQL's own checks
    // of foreign keys, a query each (pg-boss's job rows reference their queue twice), which it
    // counts as top-level statements too; their text is PostgreSQL's, which no client here sends.
    const [{ calls, sent }] = await q(
      `SELECT coalesce(sum(calls), 0)::bigint AS calls,
              coalesce(sum(calls) FILTER (WHERE query NOT LIKE 'SELECT 1 FROM ONLY %FOR KEY SHARE OF x'), 0)::bigint AS sent
       FROM pg_stat_statements WHERE query NOT ILIKE '%pg_stat%'`,
    );
    const top = await q(
      `SELECT calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements
       WHERE query NOT ILIKE '%pg_stat%' ORDER BY calls DESC LIMIT $1`,
      [Number(flags["top-statements"])],
    );
    // The window's polls, and those of the interval (plus 5 s) before it for `everyInterval`.
    const all = await q(
      `SELECT singleton_key AS key, (data->>'due')::bigint AS due, extract(epoch FROM started_on) * 1000 AS started,
              started_on >= $1 AS inside, completed_on >= $1 AND completed_on < $2 AS done_inside
       FROM pgboss.job WHERE name = 'elements_poller_poll' AND started_on >= $3 AND started_on < $2`,
      [from, to, new Date(from.getTime() - INTERVAL_MS - 5000)],
    );
    const jobs = all.filter((j) => j.inside);
    const polls = jobs.filter((j) => j.done_inside).length;
    const lags = jobs.map((j) => Math.round(Number(j.started) - Number(j.due))).sort((a, b) => a - b);
    const started = new Set(jobs.map((j) => j.key));
    const onTime = everyInterval(
      all.map((j) => [j.key, Number(j.started)]),
      from.getTime(),
      to.getTime(),
    );
    const seconds = (to - from) / 1000;
    const used = Object.fromEntries(Object.keys(cpu0).map((k) => [k, cpu1[k] - cpu0[k]]));
    if (top.length)
      console.log(top.map((t) => `    ${(Number(t.calls) / polls).toFixed(2)} a poll: ${t.query}`).join("\n"));
    return {
      polls,
      seconds,
      lags,
      polledInstances: started.size,
      onTime,
      statementsPerPoll: Number(calls) / polls,
      sentPerPoll: Number(sent) / polls,
      transactionsPerPoll: (Number(xact1) - Number(xact0)) / polls,
      cpuMsPerPoll: Object.fromEntries(Object.entries(used).map(([k, v]) => [k, (1000 * v) / polls])),
    };
  } finally {
    for (const s of services) await s.stop();
    await postgres.stop();
  }
}

/** The same load as N Pollers in this process, each on the service's schedule rule. */
async function benchPollers(hub) {
  const pollers = Array.from(
    { length: N },
    (_, i) =>
      new Poller({
        instance: body(hub, i),
        baseUrl: hub.baseUrl,
        auth: hub.credentials,
        store: new MemoryStore(),
        rateLimit: Infinity,
        onEvents: () => {},
      }),
  );
  let measuring = false;
  let stopped = false;
  let polls = 0;
  const lags = [];
  const polled = new Set();
  const starts = [];
  const timers = new Set();
  const schedule = (i, due) => {
    const t = setTimeout(async () => {
      timers.delete(t);
      if (stopped) return;
      const start = Date.now();
      starts.push([i, start]);
      if (measuring) (lags.push(start - due), polled.add(i));
      await pollers[i].pollOnce();
      if (measuring) polls++;
      schedule(i, Date.now() + INTERVAL_MS);
    }, due - Date.now());
    timers.add(t);
  };
  const t0 = Date.now();
  // First polls spread over the interval, as the service's API spreads them.
  for (let i = 0; i < N; i++) schedule(i, t0 + Math.floor((i * INTERVAL_MS) / N));
  await sleep(INTERVAL_MS);
  const cpu0 = process.cpuUsage();
  const from = Date.now();
  measuring = true;
  await sleep(DURATION_S * 1000);
  measuring = false;
  const to = Date.now();
  const seconds = (to - from) / 1000;
  const used = process.cpuUsage(cpu0);
  stopped = true;
  for (const t of timers) clearTimeout(t);
  lags.sort((a, b) => a - b);
  return {
    polls,
    seconds,
    lags,
    polledInstances: polled.size,
    onTime: everyInterval(starts, from, to),
    cpuMsPerPoll: { process: (used.user + used.system) / 1000 / polls, provider: NaN },
  };
}

function report(name, r) {
  const cpu = Object.entries(r.cpuMsPerPoll)
    .filter(([, v]) => Number.isFinite(v))
    .map(([k, v]) => `${k} ${v.toFixed(2)}`)
    .join(", ");
  console.log(
    `  ${name}: ${(r.polls / r.seconds).toFixed(1)} polls/s sustained (${r.polls} in ${r.seconds.toFixed(0)} s; needed ${((N * 1000) / INTERVAL_MS).toFixed(1)}), ` +
      `${r.polledInstances}/${N} instances polled in the window, ${r.onTime}/${N} every interval (no gap over the interval + 5 s); lag p50 ${percentile(r.lags, 0.5)} ms, p99 ${percentile(r.lags, 0.99)} ms, max ${r.lags.at(-1)} ms; CPU ms/poll: ${cpu}` +
      (r.statementsPerPoll !== undefined
        ? `; PostgreSQL ${r.statementsPerPoll.toFixed(1)} statements (${r.sentPerPoll.toFixed(1)} sent by clients), ${r.transactionsPerPoll.toFixed(1)} transactions per poll`
        : ""),
  );
}

const hub = await startHub();
try {
  console.log(
    `events service: ${N} instances × 1 resource, interval ${INTERVAL_MS} ms, ${WORKERS} worker processes × concurrency ${flags.concurrency}, measured ${DURATION_S} s after one interval of warm-up; hub simulator in another process`,
  );
  const service = await benchService(hub, { env: {}, pid: hub.pid, body: async (i) => body(hub, i) });
  report("service (hub)", service);
  if (!flags["no-poller"]) {
    const single = await benchPollers(hub);
    report("one Poller per instance, one process", single);
    const serviceCpu = Object.entries(service.cpuMsPerPoll)
      .filter(([k]) => k !== "provider")
      .reduce((s, [, v]) => s + v, 0);
    console.log(
      `  ratio (service on the hub / Pollers): CPU per poll ${(serviceCpu / single.cpuMsPerPoll.process).toFixed(1)}× (workers + api + PostgreSQL against one process), polls/s ${(service.polls / service.seconds / (single.polls / single.seconds)).toFixed(2)}×`,
    );
  }
  if (!flags["no-keap"]) {
    const keap = await startKeap();
    try {
      console.log(
        `  the same load direct to the Keap simulator (another process), over ${keap.apps.length} OAuth app(s):`,
      );
      const direct = await benchService(hub, {
        env: { ELEMENTS_KEAP_URL: keap.url },
        pid: keap.pid,
        body: (i) => keapBody(keap, hub, i),
      });
      report("service (Keap)", direct);
      const { calls, throttled } = await keap.stats();
      console.log(`  Keap simulator: ${calls} API calls, ${throttled} refused with 429`);
    } finally {
      await keap.close();
    }
  }
} finally {
  await hub.close();
}
