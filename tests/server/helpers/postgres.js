// A private PostgreSQL for one test file: a fresh data directory, a free port, stopped by its
// pid and removed afterwards. Tests never count on a server already running.
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "elements-poller-server";
import { postgresBinDir } from "../../../server/src/postgres.js";

export async function privatePostgres() {
  const dir = mkdtempSync(join(tmpdir(), "ep-server-test-"));
  // The `postgres` user (when we are root) must reach the data directory inside.
  chmodSync(dir, 0o755);
  const dataDir = join(dir, "pgdata");
  let pg = await startPostgres({ dataDir });
  return {
    url: pg.url,
    get pid() {
      return pg.pid;
    },
    /**
     * A crash: `pg_ctl stop -m immediate` (no checkpoint, every backend killed at once, as a
     * power cut would), then a start on the same directory and port; resolves once it accepts
     * connections again (after its crash recovery).
     */
    async crashRestart() {
      const pgCtl = join(postgresBinDir(), "pg_ctl");
      const args = ["stop", "-D", dataDir, "-m", "immediate", "-w"];
      if (process.getuid?.() === 0)
        execFileSync("runuser", ["-u", "postgres", "--", pgCtl, ...args], { stdio: "ignore" });
      else execFileSync(pgCtl, args, { stdio: "ignore" });
      await pg.stop(); // returns once the postmaster is gone
      pg = await startPostgres({ dataDir, port: pg.port });
    },
    async stop() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
