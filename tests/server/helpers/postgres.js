// A private PostgreSQL for one test file: a fresh data directory, a free port, stopped by its
// pid and removed afterwards. Tests never count on a server already running.
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres } from "elements-poller-server";

export async function privatePostgres() {
  const dir = mkdtempSync(join(tmpdir(), "ep-server-test-"));
  // The `postgres` user (when we are root) must reach the data directory inside.
  chmodSync(dir, 0o755);
  const pg = await startPostgres({ dataDir: join(dir, "pgdata") });
  return {
    url: pg.url,
    pid: pg.pid,
    async stop() {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
