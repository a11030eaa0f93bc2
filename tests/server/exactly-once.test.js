// The proof at scale: instances of two providers (200 through the hub, 200 polling Keap
// directly, or another count with EXACTLY_ONCE_KEAP) × 2 resources, three worker processes and an API
// process on one PostgreSQL, while workers are SIGKILLed at random, one is SIGSTOPped past its
// lease and woken, PostgreSQL crashes (`pg_ctl stop -m immediate`) and restarts, both providers
// and the receiver answer a storm of 503s, and every Keap access token expires. Every version of every record reaches the receiver
// exactly once per instance (a repeat only as the same eventId, counted and printed), no two
// committed cycles of one (instance, resource) overlap, neither as the service logged them nor as
// the providers saw them (each simulator's cycle ledger: no request of a cycle after a newer one
// of its listing began, never two of one listing in flight at once), the SIGSTOP lands in the
// middle of a cycle (the hub holds that cycle's answer until the worker is stopped), and no
// provider ever says 429.
//
// The providers are a table (BACKENDS): each entry starts its simulator and says how to build an
// instance body, change records and read what the provider saw. The `keap` entry's instances are
// direct (`event.poller.api: "direct"`): POST /instances exchanges a code the simulator minted,
// and the workers poll Keap REST v1 with the tokens, through the limiter the processes share in
// PostgreSQL. That is where "zero 429s" means something: the Keap simulator counts every call of
// the OAuth app in rolling windows (25 a second, 1500 a minute) and refuses the excess.
//
// The Keap instances are spread over OAuth apps, 40 an app: Keap's budgets (1500 calls a
// minute, 150,000 a day) are per client key/secret pair (reference keap-rest-v1-facts.md §5), so
// the simulator hosts several apps, each with its own credentials and budget, and the service's
// limiter keeps one row per app. 40 is what one app's budget carries at this test's interval:
// the limiter spaces an app's calls at 20.8 a second (25 less its 20% margin), and a cycle is
// one call here (a page holds every record), so 40 instances × 2 resources every 5 s are 16
// calls a second, leaving room for the storm's retries and the refreshes after the expiry. (At
// Keap's real intervals one app carries more: 200 × 2 every minute is 6.7 calls a second.)
// The spike arrest (25 a second) is "gateway-wide" in the facts, with no scope said; the
// simulator counts it per client id, as the other budgets: a gateway that counted it across
// every app of one caller would need a limiter keyed wider than the app.
// By default the Keap row is the 200 instances over five apps; EXACTLY_ONCE_KEAP=40 runs
// one app's worth, in less time. On a loaded 2-core machine the workers run
// fewer cycles than the interval asks, so an app's calls average well under its budget; they
// crowd it at the baseline, in the storm's retries and in the refreshes after the expiry. The
// busiest rolling second of any app (the simulator's clock) is printed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { buildInstance } from "elements-poller";
import { startHubSimulator, startKeapSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import {
  startService,
  serviceEnv,
  api,
  until as untilTrue,
  assertNoSecretsLogged,
  watchKeap,
} from "./helpers/service.js";
import { hubBody, receivedVersions } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

const HUB_INSTANCES = 200;
/** Direct Keap instances: the 200 by default, else EXACTLY_ONCE_KEAP (see the header). */
const KEAP_INSTANCES = keapInstances(process.env.EXACTLY_ONCE_KEAP);
/** What one OAuth app's budget carries at this interval (see the header). */
const KEAP_PER_APP = 40;
const INTERVAL_MS = 5000;
const LEASE_SECONDS = 8;
const WORKERS = 3;

function keapInstances(text) {
  if (text === undefined || text === "") return 200;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw new Error(`EXACTLY_ONCE_KEAP is a whole number of Keap instances (1 to 1000), not ${JSON.stringify(text)}`);
  return n;
}

/** A seeded stream in [0, 1): the faults' timing and victims are the same on every run. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BACKENDS = {
  async hub() {
    const sim = await startHubSimulator({ seed: 18, resources: { appointments: 4, contacts: 4 } });
    return {
      name: "hub",
      sim,
      instances: HUB_INSTANCES,
      env: {},
      resources: ["appointments", "contacts"],
      // Tagged (`?poller=<name>`): the hub's cycle ledger tells the instances apart by it.
      body: (name, resources) => hubBody(sim, name, resources, { tagged: true }),
      create: (resource) => sim.mutate({ resource, op: "create", count: 1 }),
      update: (resource, id) => sim.mutate({ resource, op: "update", id }),
      versions: (resource) => sim.versions(resource),
      now: () => sim.now(),
      statuses: () => sim.requests().map((r) => r.status),
      storm: (count) => sim.setFaults({ next: [{ fault: "serverError", status: 503, count }] }),
      close: () => sim.close(),
    };
  },
  async keap(receiver) {
    const resources = ["contacts", "tasks"];
    // The first app is the simulator's own client; the others are made up beside it.
    const apps = Array.from({ length: Math.ceil(KEAP_INSTANCES / KEAP_PER_APP) - 1 }, (_, i) => ({
      clientId: `sim-client-${i + 2}`,
      clientSecret: `sim-client-secret-${i + 2}`,
      redirectUri: "https://app.example.com/oauth/callback",
    }));
    const sim = await startKeapSimulator({
      seed: 18,
      apps,
      resources: Object.fromEntries(resources.map((r) => [r, 4])),
    });
    watchKeap(sim);
    return {
      name: "keap",
      sim,
      instances: KEAP_INSTANCES,
      env: { ELEMENTS_KEAP_URL: sim.url },
      resources,
      // A direct instance of the app `index` falls to (round robin): POST /instances exchanges
      // this grant code with the simulator.
      body: (name, rs, index) => {
        const app = sim.apps[index % sim.apps.length];
        return buildInstance({
          element: "infusionsoftrest",
          name,
          code: sim.mintCode({ clientId: app.clientId }),
          oauth: { key: app.clientId, secret: app.clientSecret, callbackUrl: app.redirectUri },
          callbackUrl: receiver.webhookUrl,
          signatureKey: receiver.signatureKey,
          api: "direct",
          refreshInterval: 1,
          // One page a cycle: a page holds more records than a resource ever has here.
          resources: Object.fromEntries(rs.map((r) => [r, { preset: r, pageSize: 50 }])),
        });
      },
      create: (resource) => sim.mutate({ resource, op: "create", count: 1 }),
      update: (resource, id) => sim.mutate({ resource, op: "update", id }),
      versions: (resource) => sim.versions(resource),
      now: () => sim.now(),
      statuses: () => sim.requests().map((r) => r.status),
      storm: (count) => sim.setFaults({ next: [{ fault: "serverError", status: 503, count }] }),
      expire: () => sim.expireAccessTokens(),
      refreshes: () => sim.tokenRequests().filter((t) => t.grant === "refresh_token"),
      apps: sim.apps.length,
      /** The most calls an app made in any rolling second, by the simulator's clock: how near the 25 it came. */
      peak: () => {
        let most = 0;
        for (const { clientId } of sim.apps) {
          const at = sim
            .requests()
            .filter((r) => r.clientId === clientId)
            .map((r) => r.at)
            .sort((a, b) => a - b);
          for (let i = 0, j = 0; j < at.length; j++) {
            while (at[j] - at[i] >= 1000) i++;
            most = Math.max(most, j - i + 1);
          }
        }
        return most;
      },
      close: () => sim.close(),
    };
  },
};

test(
  "exactly once under SIGKILLs, a stall past the lease, a PostgreSQL crash, a 503 storm and expired Keap tokens",
  { timeout: 600_000 },
  async () => {
    const rand = rng(18);
    const postgres = await privatePostgres();
    // The hub simulator's receiver takes every instance's notifications (it verifies each signature).
    const { hub: startHub, ...others } = BACKENDS;
    const hub = await startHub();
    const receiver = hub.sim;
    const backends = [hub, ...(await Promise.all(Object.values(others).map((start) => start(receiver))))];
    const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on("error", () => {}); // the crash below drops its connections; the next query reconnects
    const everyService = []; // killed ones too: their log lines are part of the record
    // A process that ends unless the test killed it is a failure, said at once (not a hang).
    const killed = new Set();
    let died;
    const workers = [];
    try {
      const env = Object.assign(serviceEnv(receiver, postgres.url), ...backends.map((b) => b.env));
      const common = ["--interval-ms", String(INTERVAL_MS), "--lease-seconds", String(LEASE_SECONDS)];
      const workerArgs = ["--role", "worker", ...common, "--maintenance-seconds", "1", "--concurrency", "8"];
      const startWorker = async () => {
        const w = await startService(workerArgs, env);
        everyService.push(w);
        w.exited.then((code) => {
          if (!killed.has(w))
            died ??= new Error(`a worker exited (${code}): ${JSON.stringify(w.lines.slice(-12)).slice(0, 3000)}`);
        });
        return w;
      };
      const until = (check) =>
        untilTrue(async () => {
          if (died) throw died;
          return check();
        });
      const apiProc = await startService(["--role", "api", "--port", "0", ...common], env);
      everyService.push(apiProc);
      for (let i = 0; i < WORKERS; i++) workers.push(await startWorker());

      // Instances, created a few at a time (the API is one process among the workers).
      const instances = []; // {id, backend}
      const idOf = new Map(); // instance name -> id
      for (const backend of backends)
        for (let i = 0; i < backend.instances; i += 10) {
          const batch = await Promise.all(
            Array.from({ length: Math.min(10, backend.instances - i) }, (_, k) =>
              api(
                apiProc.url,
                "POST",
                "/instances",
                backend.body(`${backend.name}-${i + k}`, backend.resources, i + k),
              ),
            ),
          );
          for (const res of batch) {
            assert.equal(res.status, 200, res.text);
            instances.push({ id: res.json.id, backend });
            idOf.set(res.json.name, res.json.id);
          }
        }
      const keys = instances.length * 2;

      /**
       * Committed cycles by `instance/resource` (with `cleanly`, a resource whose last cycle
       * failed counts as one less), read from the database; null while it is down.
       */
      const versions = async ({ cleanly = false } = {}) => {
        try {
          const { rows } = await db.query(
            "SELECT instance_id, resource, version, last_error FROM elements_poller.resources",
          );
          return new Map(
            rows.map((r) => [
              `${r.instance_id}/${r.resource}`,
              Number(r.version) - (cleanly && r.last_error !== null ? 1 : 0),
            ]),
          );
        } catch {
          return null;
        }
      };
      /** Until every (instance, resource) has run a whole cycle that started after now. */
      const cycledSinceNow = async ({ cleanly = false } = {}) => {
        let start;
        await until(async () => (start ??= await versions()));
        await until(async () => {
          const now = await versions({ cleanly });
          return now && [...now].every(([k, v]) => v >= start.get(k) + 2);
        });
      };

      // The faults, one a round; each starts at a random moment inside the round's first interval.
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const pick = () => Math.floor(rand() * workers.length);
      const log = [];
      const killWorker = async () => {
        const i = pick();
        killed.add(workers[i]);
        workers[i].proc.kill("SIGKILL");
        await workers[i].exited;
        log.push(`SIGKILL worker ${i}`);
        workers[i] = await startWorker();
      };
      // The stopped worker's cycle, to check after the run that the stop hit it in flight.
      let stalled;
      const stallWorker = async () => {
        // The hub holds its answers until a worker is stopped with one of them unanswered: the
        // worker whose cycle that request is part of (the one live process with that cycle of
        // the (instance, resource) started and not ended) is stopped in the middle of it.
        hub.sim.setFaults({ latencyMs: 600_000 });
        const [held] = await until(() => {
          const { inFlight } = hub.sim.cycles();
          return inFlight.length > 0 && inFlight;
        });
        const [resource, tag] = held.key.split("?");
        const instance = idOf.get(new URLSearchParams(tag).get("poller"));
        const ofCycle = (l) =>
          l.instance === instance &&
          l.resource === resource &&
          (["cycle started", "cycle", "cycle failed"].includes(l.msg) ||
            /^cycle (outcome refused|abandoned)/.test(l.msg));
        const open = (w) => w.lines.filter(ofCycle).at(-1)?.msg === "cycle started";
        const w = await until(() => workers.find(open));
        const started = w.lines.filter(ofCycle).at(-1);
        w.proc.kill("SIGSTOP");
        const stoppedAt = Date.now();
        hub.sim.setFaults({ latencyMs: 0 });
        hub.sim.dispose(); // the held answers go out now, the stopped worker's too
        await sleep((LEASE_SECONDS + 4) * 1000);
        w.proc.kill("SIGCONT");
        // How its cycle ended: a line of the same cycle, written after the stop.
        const end = await w.waitFor(
          (l) => ofCycle(l) && l.msg !== "cycle started" && w.lines.indexOf(l) > w.lines.indexOf(started),
        );
        stalled = { started, end, stoppedAt };
        log.push(`SIGSTOP ${LEASE_SECONDS + 4} s mid-cycle (${end.msg}), SIGCONT`);
      };
      const crashPostgres = async () => {
        await postgres.crashRestart();
        log.push("PostgreSQL stop -m immediate, start");
      };
      const storm = async () => {
        for (const b of backends) b.storm(300);
        receiver.setFaults({ webhook: { next: [{ status: 503, count: 30 }] } });
        log.push("503 storm: 300 provider answers, 30 receiver answers");
      };
      // Last, alone: a worker killed between Keap's answer to a refresh and its write leaves only
      // the dead refresh token (a limit OAuthTokens states: the instance then needs
      // re-authorization), so no process fault runs while the refreshes go out.
      const expireTokens = async () => {
        for (const b of backends) b.expire?.();
        log.push("every Keap access token expired");
      };
      const together = (a, b) => () => Promise.all([a(), sleep(rand() * INTERVAL_MS).then(b)]);
      const rounds = [killWorker, stallWorker, crashPostgres, together(storm, killWorker), expireTokens];
      const began = Date.now();
      const phases = [];
      const phase = (name) => phases.push(`${name} ${((Date.now() - began) / 1000).toFixed(0)} s`);

      // Each resource's first cycle is its baseline: changes after it are events.
      phase("created");
      await until(async () => {
        const now = await versions();
        return now && now.size === keys && [...now.values()].every((v) => v >= 1);
      });
      phase("baseline");
      const t0 = Math.min(...backends.map((b) => b.now()));
      // Each round creates a record in one resource and updates, in the other, a record no round
      // changed before: every version is its record's only change in the test, so each one must
      // be seen whatever the faults do to the schedule (a record changed twice between two cycles
      // shows only its latest version, rightly).
      const untouched = new Map(
        backends.flatMap((b) =>
          b.resources.map((r) => [`${b.name}/${r}`, [...new Set(b.versions(r).map((v) => v.id))]]),
        ),
      );
      for (const [round, fault] of rounds.entries()) {
        for (const b of backends) {
          const [created, updated] = round % 2 ? b.resources : [...b.resources].reverse();
          b.create(created);
          b.update(updated, untouched.get(`${b.name}/${updated}`).shift());
        }
        // The fault at a random moment of the interval after the changes, then one interval more.
        await sleep(rand() * INTERVAL_MS);
        await fault();
        await sleep(INTERVAL_MS);
        phase(`round ${round + 1}`);
      }
      const expected = [];
      for (const { id, backend } of instances)
        for (const resource of backend.resources)
          for (const v of backend.versions(resource).filter((v) => v.at >= t0))
            expected.push(`${id}/${resource}/${v.id}/${new Date(v.updatedMs).toISOString()}`);
      // After the last change: a whole cycle of everything (its notifications were enqueued in
      // the transaction that committed it), then every delivery settled. What the receiver got
      // is read once, after: reading it while waiting would hold the simulator's event loop.
      await cycledSinceNow({ cleanly: true });
      phase("cycled");
      await until(async () => {
        try {
          const { rows } = await db.query(
            "SELECT count(*)::int AS n FROM elements_poller.deliveries WHERE status <> 'delivered'",
          );
          return rows[0].n === 0;
        } catch {
          return false;
        }
      });

      phase("settled");
      const got = receivedVersions(receiver);
      const repeats = [...got.values()].reduce((n, v) => n + v.count - 1, 0);
      const lines = everyService.flatMap((s) => s.lines);
      const refused = lines.filter((l) => l.msg?.startsWith("cycle outcome refused")).length;
      const statuses = backends.flatMap((b) => b.statuses());
      const answers = backends
        .map((b) => {
          const st = b.statuses();
          const peak = b.peak ? ` (${b.apps} OAuth app(s), at most ${b.peak()} calls of one in a rolling second)` : "";
          return `${b.name} ${st.length}${peak}, ${st.filter((s) => s === 503).length} × 503, ${st.filter((s) => s === 429).length} × 429`;
        })
        .join("; ");
      const refreshes = backends.flatMap((b) => b.refreshes?.() ?? []);
      console.log(
        `exactly-once (server, ${backends.map((b) => b.name).join(" + ")}): ${instances.length} instances × 2 resources, ${WORKERS} workers; faults: ${log.join("; ")}`,
      );
      console.log(
        `  ${expected.length} versions, ${got.size} received, ${repeats} repeats (same eventId); ${refused} stale outcomes refused; provider answers: ${answers}; ${refreshes.length} token refreshes`,
      );
      assert.deepEqual([...got.keys()].sort(), [...expected].sort(), "every version received, nothing else");
      for (const [key, v] of got) assert.equal(v.ids.size, 1, `${key} came with ${v.ids.size} eventIds`);
      assert.equal(statuses.filter((s) => s === 429).length, 0, "the provider never throttled");
      // The providers' own record of the cycles: no request of a cycle after a newer cycle of
      // its (instance, resource) began, and never two requests of one in flight at once.
      for (const b of backends) {
        const seen = b.sim.cycles();
        console.log(
          `  ${b.name}: ${seen.cycles} cycles, ${seen.requests} requests seen, ${seen.overlaps.length} overlapping`,
        );
        assert.ok(seen.cycles >= b.instances * b.resources.length, `${b.name} saw every listing's cycles`);
        assert.deepEqual(seen.overlaps, [], `${b.name}: no overlapping cycles of one (instance, resource)`);
      }
      // The SIGSTOP hit a cycle in flight: its request was held unanswered until after the stop,
      // and the cycle's end (its outcome, refused, or given up) was written after it.
      assert.ok(stalled, "the stall ran");
      const { started, end, stoppedAt } = stalled;
      assert.ok(Date.parse(started.time) < stoppedAt, "the stopped cycle started before the stop");
      assert.ok(
        Date.parse(end.time) >= stoppedAt,
        `the stopped cycle ended after the stop: ${JSON.stringify(stalled)}`,
      );
      assert.ok(
        end.version === started.version || end.version === started.version + 1,
        `the end is the stopped cycle's: ${JSON.stringify(stalled)}`,
      );
      // After the expiry each Keap instance refreshed once (its two resources' cycles, in any
      // processes, share the refresh), and Keap took every refresh.
      assert.deepEqual(
        refreshes.map((t) => t.status),
        Array(KEAP_INSTANCES).fill(200),
        `one good refresh per Keap instance: ${JSON.stringify(refreshes)}`,
      );
      const { rows: dead } = await db.query(
        "SELECT count(*)::int AS n FROM elements_poller.deliveries WHERE status = 'dead'",
      );
      assert.equal(dead[0].n, 0, "no delivery died");

      // The committed cycles of one (instance, resource), across every worker process that ever
      // ran, each from its "cycle started" line (which names the version it read) to its commit's
      // line. They run one after the other: no two commit the same version, and where two
      // spans overlap, the later one read the version the earlier one committed (it started
      // right after that commit, before the earlier process had written its line: a job whose
      // lease had expired was due at once). A cycle that ran beside another and read the same
      // version is refused at its commit (counted above); one whose process was killed
      // committed nothing, or committed and left no line.
      const spans = new Map();
      for (const [w, s] of everyService.entries()) {
        const open = new Map();
        for (const l of s.lines) {
          const key = `${l.instance}/${l.resource}`;
          if (l.msg === "cycle started") open.set(`${key}@${l.version}`, Date.parse(l.time));
          else if (l.msg === "cycle" || l.msg === "cycle failed") {
            const from = open.get(`${key}@${l.version - 1}`);
            assert.ok(from !== undefined, `a commit of ${key} without its start`);
            spans.set(key, [...(spans.get(key) ?? []), { from, to: Date.parse(l.time), version: l.version, w }]);
          }
        }
      }
      assert.equal(spans.size, keys, "every (instance, resource) committed cycles");
      let committed = 0;
      let backToBack = 0;
      for (const [key, list] of spans) {
        list.sort((a, b) => a.version - b.version);
        committed += list.length;
        for (let i = 1; i < list.length; i++) {
          const [a, b] = [list[i - 1], list[i]];
          assert.ok(b.version > a.version, `two commits of ${key} at version ${b.version}`);
          if (b.from >= a.to) continue;
          backToBack++;
          assert.equal(b.version, a.version + 1, `cycles of ${key} overlap: ${JSON.stringify([a, b])}`);
        }
      }
      console.log(
        `  ${committed} committed cycles checked: one after the other (${backToBack} started from the commit before it ahead of that commit's log line); at ${phases.join(", ")}`,
      );
    } finally {
      for (const s of everyService) {
        killed.add(s);
        s.proc.kill("SIGCONT");
        await s.stop();
      }
      await db.end().catch(() => {});
      for (const b of backends) await b.close();
      await postgres.stop();
    }
  },
);
