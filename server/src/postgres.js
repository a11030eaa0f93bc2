// The embedded default: a private PostgreSQL in a data directory, with the machine's server
// binaries (DESIGN section 10), on a free loopback port, stopped by its pid. PostgreSQL refuses
// to run as root, so as root it runs as the `postgres` user on a directory that user owns.
import { spawn, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

const BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

/** The directory holding `initdb` and `postgres`: `PG_BIN`, else the machine's packages. */
export function postgresBinDir(env = process.env) {
  const dirs = env.PG_BIN ? [env.PG_BIN] : BIN_DIRS;
  const found = dirs.find((d) => existsSync(join(d, "initdb")) && existsSync(join(d, "postgres")));
  if (!found)
    throw new Error(
      `no PostgreSQL server binaries in ${dirs.join(", ")}: install the postgresql package (apt-get install postgresql), set PG_BIN, or give DATABASE_URL`,
    );
  return found;
}

/** A TCP port nobody listens on now, on loopback. */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolvePort(port));
    });
  });
}

function postgresIds() {
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  return { uid, gid };
}

/** Runs a PostgreSQL binary as the current user, or as `postgres` when we are root. */
function asOwner(bin, args) {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === "EPERM";
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts PostgreSQL on `dataDir` (initialized on first use: trust auth on loopback only, the
 * socket inside the directory) and resolves `{url, port, pid, dataDir, stop()}` once it
 * accepts connections. `stop()` asks for a fast shutdown and waits for the process to go.
 * @param {{dataDir: string, port?: number, log?: (line: string) => void}} options
 */
export async function startPostgres({ dataDir, port, log = () => {} }) {
  const dir = resolve(dataDir);
  const bin = postgresBinDir();
  const root = process.getuid?.() === 0;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (root) {
    const { uid, gid } = postgresIds();
    if (statSync(dir).uid !== uid) chownSync(dir, uid, gid);
  }
  if (!existsSync(join(dir, "PG_VERSION"))) {
    log(`initializing a PostgreSQL data directory in ${dir}`);
    const [cmd, args] = asOwner(join(bin, "initdb"), [
      "-D",
      dir,
      "-U",
      "postgres",
      "-A",
      "trust",
      "-E",
      "UTF8",
      "--no-instructions",
    ]);
    execFileSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  }
  await recoverOrphan(dir, log);
  const chosen = port ?? (await freePort());
  const [cmd, args] = asOwner(join(bin, "postgres"), [
    "-D",
    dir,
    "-p",
    String(chosen),
    "-k",
    dir,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=200",
    "-c",
    "fsync=on",
  ]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], detached: false });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((r) => child.once("exit", r));
  const url = `postgres://postgres@127.0.0.1:${chosen}/postgres`;
  await waitReady(dir, chosen, exited, () => stderr);
  const pid = readPid(dir);
  // Who this PostgreSQL belongs to: a later start finds it here if this process dies without
  // stopping it (SIGKILL).
  writeFileSync(
    join(dir, OWNER_FILE),
    JSON.stringify({ pid: process.pid, started: startTime(process.pid), postmaster: pid }),
  );
  log(`PostgreSQL ${pid} listening on 127.0.0.1:${chosen} (data in ${dir})`);
  let stopping;
  return {
    url,
    port: chosen,
    pid,
    dataDir: dir,
    /** Fast shutdown (SIGINT to the postmaster), then wait until it is gone. */
    stop() {
      stopping ??= (async () => {
        if (pid && alive(pid)) process.kill(pid, "SIGINT");
        while (pid && alive(pid)) await sleep(50);
        await Promise.race([exited, sleep(2000)]);
      })();
      return stopping;
    },
  };
}

/** Beside postmaster.pid: the service process that started the postmaster (`{pid, started, postmaster}`). */
const OWNER_FILE = "elements-poller-server.owner";

/**
 * A postmaster left running on `dir` by a service process that is gone (SIGKILLed: it could not
 * stop it) is stopped, cleanly (fast shutdown), so this start can have the directory. One whose
 * service still runs, or that no service of ours started, is refused: it is someone's. A
 * postmaster.pid whose pid is not a postmaster of `dir` is stale (PostgreSQL would refuse it
 * only if that pid is now some other live process) and is removed.
 */
async function recoverOrphan(dir, log) {
  const pid = readPid(dir);
  if (!pid || !alive(pid)) return;
  const postmaster = isPostmasterOf(pid, dir);
  if (postmaster === false) {
    log(`removing a stale postmaster.pid in ${dir}: its pid ${pid} is not a PostgreSQL of this directory`);
    rmSync(join(dir, "postmaster.pid"), { force: true });
    return;
  }
  const owner = readOwner(dir);
  const ours = postmaster === true && owner?.postmaster === pid;
  const ownerGone = ours && !(alive(owner.pid) && startTime(owner.pid) === owner.started);
  if (!ownerGone)
    throw new Error(
      ours
        ? `a PostgreSQL (pid ${pid}) already runs on ${dir} for the service process ${owner.pid}: stop that one or choose another --data-dir`
        : `a PostgreSQL (pid ${pid}) already runs on ${dir}, not started by this service: stop it or choose another --data-dir`,
    );
  log(`stopping PostgreSQL ${pid} on ${dir}: its service process ${owner.pid} is gone (killed without stopping it)`);
  // Fast shutdown: sessions end, committed work is kept; immediate if it does not go.
  process.kill(pid, "SIGINT");
  for (let waited = 0; alive(pid); waited += 50) {
    if (waited === 30_000) process.kill(pid, "SIGQUIT");
    await sleep(50);
  }
}

function readOwner(dir) {
  try {
    const o = JSON.parse(readFileSync(join(dir, OWNER_FILE), "utf8"));
    return Number.isInteger(o?.pid) && Number.isInteger(o?.postmaster) ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `pid` runs `postgres -D dir` (true/false), or undefined where /proc cannot tell. */
function isPostmasterOf(pid, dir) {
  let args;
  try {
    args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch (e) {
    return e.code === "ENOENT" && existsSync("/proc/self") ? false : undefined;
  }
  const d = args.indexOf("-D");
  return /(^|\/)postgres$/.test(args[0] ?? "") && d >= 0 && resolve(args[d + 1] ?? "") === dir;
}

/** A process's start time (clock ticks since boot, /proc/<pid>/stat field 22): a pid reused later differs. */
function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
  } catch {
    return undefined;
  }
}

function readPid(dir) {
  try {
    const pid = Number(readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Until the postmaster says "ready" in its pid file (line 8), or exits. */
async function waitReady(dir, port, exited, stderr) {
  let gone = false;
  exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`PostgreSQL exited while starting on port ${port}: ${stderr().trim()}`);
    try {
      const lines = readFileSync(join(dir, "postmaster.pid"), "utf8").split("\n");
      if (lines[7]?.trim() === "ready" && Number(lines[3]) === port) return;
    } catch {
      // not written yet
    }
    await sleep(50);
  }
}
