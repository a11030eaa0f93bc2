// Prometheus metrics (prom-client), one registry per service: names after the Prometheus
// habit, durations in seconds, and labels that never carry an instance's secret.
import client from "prom-client";

export function createMetrics() {
  const register = new client.Registry();
  client.collectDefaultMetrics({ register, prefix: "elements_poller_" });
  const m = {
    register,
    polls: new client.Counter({
      name: "elements_poller_polls_total",
      help: "Poll cycles by result: ok, failed, stale (another worker committed that version first)",
      labelNames: ["result"],
      registers: [register],
    }),
    pollDuration: new client.Histogram({
      name: "elements_poller_poll_duration_seconds",
      help: "Duration of a poll cycle, its requests included",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [register],
    }),
    scheduleLag: new client.Histogram({
      name: "elements_poller_schedule_lag_seconds",
      help: "Start of a poll cycle minus its due time",
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [register],
    }),
    events: new client.Counter({
      name: "elements_poller_events_total",
      help: "Events found, by type",
      labelNames: ["type"],
      registers: [register],
    }),
    deliveries: new client.Counter({
      name: "elements_poller_deliveries_total",
      help: "Delivery attempts by result: delivered, retry, dead",
      labelNames: ["result"],
      registers: [register],
    }),
    deadLetters: new client.Counter({
      name: "elements_poller_dead_lettered_jobs_total",
      help: "Poll and delivery jobs the service failed past their retries (taken from the dead-letter queues)",
      labelNames: ["queue"],
      registers: [register],
    }),
    chainsRecreated: new client.Counter({
      name: "elements_poller_chains_recreated_total",
      help: "Poll chains the supervisor found without a job and started again",
      registers: [register],
    }),
    sweeps: new client.Counter({
      name: "elements_poller_supervisor_sweeps_total",
      help: "Sweeps of the supervisor (every --maintenance-seconds in each worker process), finished or failed",
      registers: [register],
    }),
    throttled: new client.Counter({
      name: "elements_poller_provider_throttled_total",
      help: "Provider answers 429 seen by poll cycles",
      registers: [register],
    }),
  };
  return m;
}

/** Gauges read from the database at scrape time (every process sees the same numbers). */
export function addDatabaseGauges(metrics, pool, schema) {
  new client.Gauge({
    name: "elements_poller_instances",
    help: "Instances (not deleted)",
    registers: [metrics.register],
    async collect() {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.instances WHERE deleted_at IS NULL`);
      this.set(rows[0].n);
    },
  });
  new client.Gauge({
    name: "elements_poller_dead_letters",
    help: "Deliveries that are dead (kept, redeliverable)",
    registers: [metrics.register],
    async collect() {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${schema}.deliveries WHERE status = 'dead'`);
      this.set(rows[0].n);
    },
  });
}
