// `createServer(options)`: one process of the events service. Its database is `databaseUrl`,
// else a private PostgreSQL in `dataDir` (the embedded default); it serves the API, runs the
// workers, or both (`role`). Many processes on one database share the work.
import { createServer as createHttpServer } from "node:http";
import PgBoss from "pg-boss";
import { openDatabase } from "./db.js";
import { startPostgres } from "./postgres.js";
import { createApi } from "./api.js";
import { createWorker } from "./worker.js";
import { createDeadLetters } from "./dead-letters.js";
import { createMetrics, addDatabaseGauges } from "./metrics.js";
import { createQueues, guardCompletions, BOSS_SCHEMA } from "./jobs.js";
import { parseKey, dataDirKey } from "./secrets.js";
import { SCHEMA } from "./db.js";

export { readConfig, USAGE } from "./config.js";
export { startPostgres, freePort } from "./postgres.js";

/** One JSON object a line, on stderr; callers never pass a secret in. */
const jsonLog = (o) => process.stderr.write(JSON.stringify({ time: new Date().toISOString(), ...o }) + "\n");

/**
 * Starts one service process. Resolves `{url, databaseUrl, close()}`: `url` is the API's
 * origin (with role api or all); `close()` drains (no new jobs, in-flight cycles finish),
 * stops the API and the embedded PostgreSQL.
 * @param {ReturnType<typeof import("./config.js").readConfig>["options"]} options
 */
export async function createServer(options, { log = jsonLog } = {}) {
  let embedded;
  let databaseUrl = options.databaseUrl;
  if (!databaseUrl) {
    embedded = await startPostgres({ dataDir: options.dataDir, log: (msg) => log({ msg }) });
    databaseUrl = embedded.url;
  }
  const closers = [];
  try {
    const key = options.encryptionKey ? parseKey(options.encryptionKey) : dataDirKey(embedded.dataDir, log);
    const pool = await openDatabase(databaseUrl, { max: options.concurrency * 2 + 4 });
    closers.push(() => pool.end());
    guardCompletions();
    const boss = new PgBoss({
      connectionString: databaseUrl,
      schema: BOSS_SCHEMA,
      max: options.concurrency * 2 + 2,
      maintenanceIntervalSeconds: options.maintenanceSeconds,
      // Finished jobs leave the job table (which every fetch and the supervisor read) for
      // pg-boss's archive an hour after they finish; the archive keeps them 7 days (its default).
      archiveCompletedAfterSeconds: 3600,
    });
    boss.on("error", (e) => log({ msg: "job engine error", error: String(e?.message ?? e) }));
    // Processes starting together install pg-boss's schema and queues one at a time: pg-boss's
    // queue creation makes partition tables, and two at once can deadlock.
    const setup = await pool.connect();
    try {
      await setup.query("SELECT pg_advisory_lock(hashtext('elements_poller_setup'))");
      await boss.start();
      closers.push(() => boss.stop({ graceful: true, timeout: 30_000, wait: true }));
      await createQueues(boss, options);
    } finally {
      await setup.query("SELECT pg_advisory_unlock(hashtext('elements_poller_setup'))").catch(() => {});
      setup.release();
    }
    const metrics = createMetrics();
    addDatabaseGauges(metrics, pool, SCHEMA);
    const deps = { pool, boss, metrics, options, log, key };
    let worker;
    let deadLetters;
    if (options.worker) {
      worker = createWorker(deps);
      await worker.start();
      deadLetters = createDeadLetters(deps);
      await deadLetters.start();
    }
    let http;
    let url;
    if (options.api) {
      http = createHttpServer(createApi(deps));
      await new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(options.port, options.host, resolve);
      });
      const { port } = /** @type {import("node:net").AddressInfo} */ (http.address());
      url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
    }
    log({
      msg: "started",
      role: options.role,
      ...(url ? { url } : {}),
      database: embedded ? "embedded" : "DATABASE_URL",
    });
    let closing;
    return {
      url,
      databaseUrl,
      metrics,
      close() {
        closing ??= (async () => {
          if (http) await new Promise((r) => http.close(r));
          if (deadLetters) await deadLetters.stop();
          if (worker) await worker.drain();
          for (const c of closers.reverse()) await c().catch(() => {});
          if (embedded) await embedded.stop();
          log({ msg: "stopped" });
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const c of closers.reverse()) await c().catch(() => {});
    if (embedded) await embedded.stop();
    throw e;
  }
}
