// The service's configuration, through the binary itself: `--help` names every flag and every
// environment variable the service reads (compared with the sources, so the two cannot
// drift), and a wrong flag or value stops it with exit code 2 and one line that names the
// flag or variable and says how to fix it. No database is needed: the service stops before one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OPTIONS } from "../../server/src/config.js";

const SERVER = new URL("../../server/", import.meta.url).pathname;
const BIN = `${SERVER}bin/elements-poller-server.js`;
const KEY = Buffer.alloc(32, 7).toString("base64");
/** A valid configuration (that would start a service) in a clean environment: nothing of the test's own. */
const VALID = {
  PATH: process.env.PATH,
  ELEMENTS_USER_SECRET: "user-secret-1",
  ELEMENTS_ORGANIZATION_SECRET: "org-secret-1",
  DATABASE_URL: "postgres://127.0.0.1:1/none",
  ELEMENTS_ENCRYPTION_KEY: KEY,
};

/** Runs the binary; resolves `{code, stdout, stderr}` (it is killed after 20 s, as a start would hang on the database). */
function run(args, env) {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  proc.stdout.on("data", (d) => (stdout += d));
  proc.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  return new Promise((resolve) =>
    proc.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

/** What the sources read: the flags (`raw("…")`, `integer("…")` in config.js) and every `env.NAME` in server/. */
function readBySources() {
  const config = readFileSync(`${SERVER}src/config.js`, "utf8");
  const flags = new Set([...config.matchAll(/\b(?:raw|integer)\("([a-z-]+)"/g)].map((m) => m[1]));
  const variables = new Set([...flags].map((f) => OPTIONS[f][0]));
  for (const dir of ["src", "bin"])
    for (const file of readdirSync(`${SERVER}${dir}`).filter((f) => f.endsWith(".js"))) {
      const text = readFileSync(`${SERVER}${dir}/${file}`, "utf8");
      for (const m of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*"([A-Z][A-Z0-9_]*)"\s*\])/g))
        variables.add(m[1] ?? m[2]);
    }
  return { flags, variables };
}

/** What --help names: its `--flag (VARIABLE)` lines and the variables of its "Environment only" part. */
function namedByHelp(text) {
  const flags = new Set();
  const variables = new Set();
  for (const m of text.matchAll(/^ {2}--([a-z-]+)(?: \(([A-Z][A-Z0-9_]*)\))?/gm)) {
    flags.add(m[1]);
    if (m[2]) variables.add(m[2]);
  }
  const envPart = text.split("\nEnvironment only:\n")[1] ?? "";
  for (const m of envPart.matchAll(/^ {2}([A-Z][A-Z0-9_]*)$/gm)) variables.add(m[1]);
  return { flags, variables };
}

test("--help names every flag and environment variable the service reads, and nothing else", async () => {
  const { code, stdout, stderr } = await run(["--help"], { PATH: process.env.PATH });
  assert.equal(code, 0, stderr);
  const help = namedByHelp(stdout);
  const read = readBySources();
  assert.deepEqual([...help.flags].sort(), [...read.flags, "help"].sort(), "the flags");
  assert.deepEqual([...help.variables].sort(), [...read.variables].sort(), "the variables");
  // The ten the audit found missing, by name.
  for (const name of [
    "ELEMENTS_ROLE",
    "HOST",
    "PORT",
    "ELEMENTS_DATA_DIR",
    "ELEMENTS_WORKER_CONCURRENCY",
    "ELEMENTS_LEASE_SECONDS",
    "ELEMENTS_POLL_INTERVAL_MS",
    "ELEMENTS_MAINTENANCE_SECONDS",
    "ELEMENTS_JOB_RETRIES",
    "PG_BIN",
  ])
    assert.ok(help.variables.has(name), name);
  // Every flag --help names is one the binary takes (no "unknown flag").
  for (const flag of help.flags) {
    if (flag === "help") continue;
    const { stderr: err } = await run([`--${flag}=`, "--help"], VALID);
    assert.doesNotMatch(err, /unknown flag/, flag);
  }
});

test("a wrong flag or value exits 2 with one line naming it and how to fix it", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ep-config-"));
  const file = join(dir, "a-file");
  writeFileSync(file, "");
  try {
    // [args, environment changes, what the line must name, how it says to fix it]
    const cases = [
      [["--nope"], {}, "--nope", /--help lists the flags/],
      [["--port"], {}, "--port", /needs a value, e\.g\. --port VALUE/],
      [["stray"], {}, '"stray"', /every setting is a --flag VALUE/],
      [["--help=yes"], {}, "--help", /takes no value/],
      [["--role", "boss"], {}, "--role (or ELEMENTS_ROLE)", /must be one of api, worker, all/],
      [[], { ELEMENTS_ROLE: "boss" }, "--role (or ELEMENTS_ROLE)", /must be one of api, worker, all/],
      [["--port", "http"], {}, "--port (or PORT)", /must be a whole number from 0 to 65535/],
      [[], { PORT: "70000" }, "--port (or PORT)", /must be a whole number from 0 to 65535/],
      [["--host", "bad_host!"], {}, "--host (or HOST)", /must be an IP address or a host name, e\.g\. 127\.0\.0\.1/],
      [[], { HOST: "a..b" }, "--host (or HOST)", /must be an IP address or a host name/],
      [["--concurrency", "0"], {}, "--concurrency (or ELEMENTS_WORKER_CONCURRENCY)", /from 1 to 256/],
      [[], { ELEMENTS_LEASE_SECONDS: "-1" }, "--lease-seconds (or ELEMENTS_LEASE_SECONDS)", /whole number from 1/],
      [["--interval-ms", "5"], {}, "--interval-ms (or ELEMENTS_POLL_INTERVAL_MS)", /from 100 to/],
      [["--maintenance-seconds", "0"], {}, "--maintenance-seconds (or ELEMENTS_MAINTENANCE_SECONDS)", /from 1 to 3600/],
      [[], { ELEMENTS_JOB_RETRIES: "many" }, "--job-retries (or ELEMENTS_JOB_RETRIES)", /from 0 to 100/],
      [["--delivery-retries", "10"], {}, "--delivery-retries (or ELEMENTS_DELIVERY_RETRIES)", /from 0 to 9/],
      [["--delivery-time-scale", "2"], {}, "--delivery-time-scale", /above 0 and at most 1/],
      [["--database-url", "mysql://x"], {}, "--database-url (or DATABASE_URL)", /postgres:\/\/ or postgresql:\/\//],
      [["--keap-url", "ftp://x"], {}, "--keap-url (or ELEMENTS_KEAP_URL)", /http\(s\) origin/],
      [[], { ELEMENTS_ENCRYPTION_KEY: "short" }, "ELEMENTS_ENCRYPTION_KEY", /openssl rand -base64 32/],
      [[], { ELEMENTS_ENCRYPTION_KEY: undefined }, "ELEMENTS_ENCRYPTION_KEY", /required with DATABASE_URL/],
      [[], { ELEMENTS_USER_SECRET: undefined }, "ELEMENTS_USER_SECRET", /set it to the secret/],
      [[], { ELEMENTS_ORGANIZATION_SECRET: "short" }, "ELEMENTS_ORGANIZATION_SECRET", /at least 8 characters/],
      // The data directory is the private PostgreSQL's: checked without DATABASE_URL.
      [
        ["--data-dir", file],
        { DATABASE_URL: undefined },
        "--data-dir (or ELEMENTS_DATA_DIR)",
        /is a file: choose another path/,
      ],
      [
        [],
        { DATABASE_URL: undefined, ELEMENTS_DATA_DIR: join(file, "pg") },
        "--data-dir (or ELEMENTS_DATA_DIR)",
        /is a file, not a directory/,
      ],
      [
        ["--data-dir="],
        { DATABASE_URL: undefined },
        "--data-dir (or ELEMENTS_DATA_DIR)",
        /must be a directory path, not empty/,
      ],
    ];
    for (const [args, changes, names, fix] of cases) {
      const env = { ...VALID, ...changes };
      for (const [k, v] of Object.entries(changes)) if (v === undefined) delete env[k];
      const { code, stdout, stderr } = await run(args, env);
      const what = `${args.join(" ")} ${JSON.stringify(changes)}`;
      assert.equal(code, 2, `${what}: ${stderr}`);
      assert.equal(stdout, "", what);
      const lines = stderr.split("\n").filter(Boolean);
      assert.equal(lines.length, 1, `${what}: one line: ${stderr}`);
      assert.ok(lines[0].startsWith("elements-poller-server: "), `${what}: ${lines[0]}`);
      assert.ok(lines[0].includes(names), `${what}: names ${names}: ${lines[0]}`);
      assert.match(lines[0], fix, what);
      assert.ok(!lines[0].includes(KEY) && !lines[0].includes("secret-1"), `${what}: no secret in the line`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("good --host and --data-dir values pass the check", async () => {
  const { readConfig } = await import("elements-poller-server");
  for (const host of ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "api.example.com"])
    assert.equal(readConfig(["--host", host], VALID).errors, undefined, host);
  const dir = mkdtempSync(join(tmpdir(), "ep-config-"));
  try {
    const env = { ...VALID, DATABASE_URL: undefined };
    for (const d of [dir, join(dir, "new", "deeper")])
      assert.equal(readConfig(["--data-dir", d], env).errors, undefined, d);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
