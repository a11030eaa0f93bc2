// A PATCH that restarts a resource (its datesConfiguration changed) while a worker is stopped
// in the middle of that resource's cycle: the restarted resource is polled by another worker
// from the PATCH's instant (a change made after the PATCH is an event; one made before it, which
// only the stopped cycle saw, is not: the restart drops it by design), and the stopped cycle,
// woken after, cannot commit its stale state or enqueue its notifications (the PATCH moved the
// version on). Every wait is on a condition (the simulator's request log, the database through
// the API, a log line), never on a duration.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startHubSimulator } from "elements-poller/testing";
import { privatePostgres } from "./helpers/postgres.js";
import { startService, serviceEnv, api, until, assertNoSecretsLogged } from "./helpers/service.js";
import { hubBody, receivedVersions } from "./helpers/instances.js";

// No secret the test used is in anything a service process wrote.
after(() => assertNoSecretsLogged());

test(
  "a PATCH restart while a worker is stopped mid-cycle: from the PATCH's instant, fenced",
  {
    timeout: 180_000,
  },
  async () => {
    const postgres = await privatePostgres();
    const hub = await startHubSimulator({ seed: 8, resources: { appointments: 3 } });
    const db = new pg.Client(postgres.url);
    const services = [];
    try {
      const env = serviceEnv(hub, postgres.url);
      // Polls only on demand (an hour's interval); a 3 s lease, looked at every second, so that
      // the stopped worker's job expires and the other worker may run the resource's cycles.
      const args = ["--interval-ms", "3600000", "--lease-seconds", "3", "--maintenance-seconds", "1"];
      const server = await startService(["--role", "api", "--port", "0", ...args], env);
      services.push(server);
      const a = await startService(["--role", "worker", "--concurrency", "1", ...args], env);
      services.push(a);
      await db.connect();

      const created = await api(server.url, "POST", "/instances", hubBody(hub, "patched", ["appointments"]));
      assert.equal(created.status, 200, created.text);
      const { id } = created.json;
      const resource = async () =>
        (
          await db.query(
            "SELECT version, start_from, last_error FROM elements_poller.resources WHERE instance_id = $1",
            [id],
          )
        ).rows[0];
      await api(server.url, "POST", `/instances/${id}/poll`);
      await until(async () => Number((await resource()).version) >= 1); // the baseline, by A

      // A change before the PATCH, and a cycle that A starts and is stopped in: SIGSTOP is sent in
      // the same turn of the event loop in which the (in-process) hub is seen holding A's request
      // unanswered, so A cannot have its answer yet.
      const before = hub.now();
      hub.mutate({ resource: "appointments", op: "update", count: 1 });
      hub.setFaults({ latencyMs: 2000 });
      const seen = hub.requests().length;
      await api(server.url, "POST", `/instances/${id}/poll`);
      await until(() => {
        const pending = hub
          .requests()
          .slice(seen)
          .some((r) => r.url.includes("/appointments") && r.status === 0);
        if (pending) a.proc.kill("SIGSTOP");
        return pending;
      });
      hub.clearFaults();
      const stale = Number((await resource()).version);

      // The PATCH: appointments' dates change, so it restarts; its version moves on.
      const shown = (await api(server.url, "GET", `/instances/${id}`)).json;
      const dates = { ...hub.pollerConfig("appointments").datesConfiguration, updatedDateTimezone: "UTC" };
      const patched = await api(server.url, "PATCH", `/instances/${id}`, {
        configuration: {
          "event.notification.signature.key": shown.configuration["event.notification.signature.key"],
          "event.poller.configuration": { appointments: { datesConfiguration: dates } },
        },
      });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(
        patched.json.restarted.map((r) => r.name),
        ["appointments"],
      );
      const restart = await resource();
      assert.equal(Number(restart.version), stale + 1, "the PATCH moved the version on");
      assert.ok(restart.start_from, "the resource starts from the PATCH's instant");

      // A change after the PATCH; then B, which polls the restarted resource (once A's lease ran
      // out: at most one cycle of it runs at a time).
      const t0 = hub.now();
      assert.ok(t0 > before);
      hub.mutate({ resource: "appointments", op: "update", count: 1 });
      const b = await startService(["--role", "worker", ...args], env);
      services.push(b);
      const key = (v) => `${id}/appointments/${v.id}/${new Date(v.updatedMs).toISOString()}`;
      const after = hub.versions("appointments").filter((v) => v.at >= t0);
      const earlier = hub.versions("appointments").filter((v) => v.at >= before && v.at < t0);
      assert.equal(after.length, 1);
      assert.equal(earlier.length, 1);
      await until(() => after.every((v) => receivedVersions(hub).has(key(v))));
      assert.ok(
        b.lines.some((l) => l.msg === "cycle" && l.instance === id && l.version > stale + 1 && l.events === 1),
        "B's first cycle of the restarted resource emitted the change made after the PATCH",
      );

      // A wakes: its cycle, started from the version before the PATCH, is refused.
      const committed = Number((await resource()).version);
      a.proc.kill("SIGCONT");
      const refused = await a.waitFor(
        (l) => l.instance === id && (l.msg?.startsWith("cycle outcome refused") || l.msg?.startsWith("cycle failed")),
      );
      assert.match(refused.msg, /refused/, "A's late outcome is refused, not committed");
      assert.equal(refused.version, stale, "A's cycle started from the version before the PATCH");
      const end = await resource();
      assert.ok(Number(end.version) >= committed, "the newer state stands");
      assert.equal(end.last_error, null);

      // What A saw (the change before the PATCH) was neither kept nor enqueued; the change after
      // it was delivered once.
      const events = (await api(server.url, "GET", `/instances/${id}/events`)).json.events;
      assert.deepEqual(
        events.map((e) => `${id}/appointments/${e.objectId}/${e.date}`),
        after.map(key),
        "only B's event is kept",
      );
      await until(
        async () => (await api(server.url, "GET", `/deliveries?status=delivered&instance=${id}`)).json.length === 1,
      );
      assert.equal((await api(server.url, "GET", `/deliveries?instance=${id}`)).json.length, 1, "A enqueued nothing");
      const got = receivedVersions(hub);
      assert.deepEqual([...got.keys()], after.map(key));
      assert.equal(got.get(key(after[0])).count, 1, "delivered once");
    } finally {
      for (const s of services) {
        s.proc.kill("SIGCONT");
        await s.stop();
      }
      await db.end().catch(() => {});
      await hub.close();
      await postgres.stop();
    }
  },
);
