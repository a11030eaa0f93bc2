// The service's configuration: flags first, then the environment, checked at start. Every
// problem names the flag or variable; a secret's value never appears in a message.
import { parseArgs } from "node:util";
import { statSync } from "node:fs";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import { parseKey } from "./secrets.js";

const ROLES = ["api", "worker", "all"];

/** Flag -> [environment variable, default, what it is (for --help)]. */
export const OPTIONS = {
  role: ["ELEMENTS_ROLE", "all", "api, worker or all: serve the API, run workers, or both"],
  host: ["HOST", "127.0.0.1", "the address the API listens on (0.0.0.0: every interface)"],
  port: ["PORT", "8080", "the API's port (0: any free one)"],
  "database-url": [
    "DATABASE_URL",
    undefined,
    "postgres:// url of the database every process shares; without it, a private PostgreSQL in --data-dir",
  ],
  "data-dir": [
    "ELEMENTS_DATA_DIR",
    ".elements-poller-server",
    "the private PostgreSQL's data directory (without DATABASE_URL), with its generated encryption key",
  ],
  concurrency: ["ELEMENTS_WORKER_CONCURRENCY", "4", "poll and delivery jobs a worker process runs at once (1 to 256)"],
  "lease-seconds": [
    "ELEMENTS_LEASE_SECONDS",
    "300",
    "a job's lease: past it, another worker may run the cycle (a stalled one's outcome is refused)",
  ],
  "interval-ms": [
    "ELEMENTS_POLL_INTERVAL_MS",
    undefined,
    "one poll interval for every instance, in ms (default: each instance's event.poller.refresh_interval)",
  ],
  "hub-url": [
    "ELEMENTS_HUB_URL",
    undefined,
    "the Cloud Elements hub that hub instances are polled through (with the three hub secrets below)",
  ],
  "maintenance-seconds": [
    "ELEMENTS_MAINTENANCE_SECONDS",
    "30",
    "pg-boss's maintenance and the supervisor's sweep (re-creates a chain with no job), every N seconds",
  ],
  "keap-url": [
    "ELEMENTS_KEAP_URL",
    "https://api.infusionsoft.com",
    "Keap's origin for direct instances (its /token and /crm/rest)",
  ],
  "job-retries": [
    "ELEMENTS_JOB_RETRIES",
    "10",
    "retries of a job the service itself failed (the database gone) before it is dead-lettered",
  ],
  "delivery-retries": [
    "ELEMENTS_DELIVERY_RETRIES",
    undefined,
    "a delivery's retries before it is dead (0 to 9, default 9)",
  ],
  "delivery-time-scale": [
    "ELEMENTS_DELIVERY_TIME_SCALE",
    undefined,
    "every delivery wait multiplied by it (above 0, at most 1; default 1), for demos and tests",
  ],
  "keap-authorize-url": [
    "ELEMENTS_KEAP_AUTHORIZE_URL",
    undefined,
    "the Keap consent page GET /elements/infusionsoftrest/oauth/url sends people to (default Keap's)",
  ],
};

/** Variables read without a flag (secrets are never flags: a command line is visible to every user). */
export const ENVIRONMENT = {
  ELEMENTS_USER_SECRET: "the API's User secret (Authorization: User <secret>, ...; required with --role api or all)",
  ELEMENTS_ORGANIZATION_SECRET: "the API's Organization secret (required with --role api or all)",
  ELEMENTS_ENCRYPTION_KEY:
    "32 bytes, hex or base64 (openssl rand -base64 32): seals secrets at rest; required with DATABASE_URL, else generated into --data-dir",
  ELEMENTS_HUB_USER_SECRET: "the hub's User secret (with --hub-url)",
  ELEMENTS_HUB_ORGANIZATION_SECRET: "the hub's Organization secret (with --hub-url)",
  ELEMENTS_HUB_ELEMENT_TOKEN: "the hub element instance's token (with --hub-url)",
  PG_BIN:
    "the directory of PostgreSQL's initdb and postgres for the private PostgreSQL (default: the machine's packages)",
};

export const USAGE = [
  "elements-poller-server [flags]: the events service (API, workers, or both) on PostgreSQL.",
  "",
  "Flags (each also read from its environment variable; the flag wins):",
  ...Object.entries(OPTIONS).map(
    ([flag, [name, fallback, what]]) =>
      `  --${flag} (${name})${fallback === undefined ? "" : `, default ${fallback}`}\n      ${what}`,
  ),
  "  --help\n      this text",
  "",
  "Environment only:",
  ...Object.entries(ENVIRONMENT).map(([name, what]) => `  ${name}\n      ${what}`),
].join("\n");

/**
 * Reads flags and environment into the service's options. Never throws: returns
 * `{options}` or `{errors: string[]}` (each naming the flag or variable).
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 */
export function readConfig(argv, env) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: "string" }])),
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    return { errors: [argumentError(e)] };
  }
  if (values.help) return { help: true };
  const errors = [];
  const raw = (flag) => {
    const [name, fallback] = OPTIONS[flag];
    return values[flag] ?? (env[name] === "" ? undefined : env[name]) ?? fallback;
  };
  const where = (flag) => `--${flag} (or ${OPTIONS[flag][0]})`;
  const integer = (flag, min, max) => {
    const text = raw(flag);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!/^\d+$/.test(String(text)) || n < min || n > max) {
      errors.push(`${where(flag)} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
      return undefined;
    }
    return n;
  };
  const role = raw("role");
  if (!ROLES.includes(role))
    errors.push(`${where("role")} must be one of ${ROLES.join(", ")}, not ${JSON.stringify(role)}`);
  const host = raw("host");
  if (!isIP(host) && !HOST_NAME.test(host))
    errors.push(
      `${where("host")} must be an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0 (every interface), not ${JSON.stringify(host)}`,
    );
  const port = integer("port", 0, 65535);
  const concurrency = integer("concurrency", 1, 256);
  const leaseSeconds = integer("lease-seconds", 1, 86400);
  const intervalMs = integer("interval-ms", 100, 86_400_000);
  const databaseUrl = raw("database-url");
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    // The url may carry a password: it is not quoted.
    errors.push(`${where("database-url")} must be a postgres:// or postgresql:// url`);
  const dataDir = raw("data-dir");
  // Only the private PostgreSQL uses it: checked when there is no DATABASE_URL.
  if (databaseUrl === undefined) {
    const problem = dataDirProblem(dataDir);
    if (problem) errors.push(`${where("data-dir")} ${problem}`);
  }
  const maintenanceSeconds = integer("maintenance-seconds", 1, 3600);
  // How often pg-boss retries a job the service itself failed (not a failed poll or delivery,
  // which are outcomes) before it is dead-lettered.
  const jobRetries = integer("job-retries", 0, 100);
  const deliveryRetries = integer("delivery-retries", 0, 9);
  const scaleText = raw("delivery-time-scale");
  let deliveryTimeScale;
  if (scaleText !== undefined) {
    deliveryTimeScale = Number(scaleText);
    if (!/^\d*\.?\d+(e-?\d+)?$/i.test(scaleText) || !(deliveryTimeScale > 0 && deliveryTimeScale <= 1))
      errors.push(
        `${where("delivery-time-scale")} must be a number above 0 and at most 1, not ${JSON.stringify(scaleText)}`,
      );
  }
  const keapAuthorizeUrl = raw("keap-authorize-url");
  if (keapAuthorizeUrl !== undefined && !httpUrl(keapAuthorizeUrl))
    errors.push(`${where("keap-authorize-url")} must be an http(s) url without credentials`);
  const encryptionKey = env.ELEMENTS_ENCRYPTION_KEY || undefined;
  if (encryptionKey !== undefined) {
    try {
      parseKey(encryptionKey);
    } catch (e) {
      errors.push(e.message);
    }
  } else if (databaseUrl !== undefined)
    errors.push(
      "ELEMENTS_ENCRYPTION_KEY is required with DATABASE_URL: it seals the instances' secrets at rest (openssl rand -base64 32)",
    );
  const serves = role === "api" || role === "all";
  const userSecret = env.ELEMENTS_USER_SECRET;
  const organizationSecret = env.ELEMENTS_ORGANIZATION_SECRET;
  if (serves) {
    for (const [name, v] of [
      ["ELEMENTS_USER_SECRET", userSecret],
      ["ELEMENTS_ORGANIZATION_SECRET", organizationSecret],
    ]) {
      if (!v)
        errors.push(
          `${name} is required with --role ${role}: set it to the secret the API's callers send in Authorization (at least 8 characters)`,
        );
      else if (v.length < 8) errors.push(`${name} must be at least 8 characters`);
    }
  }
  const hubUrl = raw("hub-url");
  let hub;
  if (hubUrl !== undefined) {
    let parsed;
    try {
      parsed = new URL(hubUrl);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.username || parsed.password)
      errors.push(
        `${where("hub-url")} must be an http(s) url without credentials, e.g. https://api.cloud-elements.com/elements/api-v2`,
      );
    const auth = {
      user: env.ELEMENTS_HUB_USER_SECRET,
      organization: env.ELEMENTS_HUB_ORGANIZATION_SECRET,
      element: env.ELEMENTS_HUB_ELEMENT_TOKEN,
    };
    for (const [name, v] of [
      ["ELEMENTS_HUB_USER_SECRET", auth.user],
      ["ELEMENTS_HUB_ORGANIZATION_SECRET", auth.organization],
      ["ELEMENTS_HUB_ELEMENT_TOKEN", auth.element],
    ])
      if (!v) errors.push(`${name} is required with ${where("hub-url")}`);
    hub = { baseUrl: hubUrl.replace(/\/+$/, ""), auth };
  }
  const keapUrl = raw("keap-url");
  let keap;
  if (!httpUrl(keapUrl))
    errors.push(
      `${where("keap-url")} must be an http(s) origin without credentials, e.g. https://api.infusionsoft.com`,
    );
  else {
    const origin = keapUrl.replace(/\/+$/, "");
    keap = { baseUrl: `${origin}/crm/rest`, tokenUrl: `${origin}/token` };
  }
  if (errors.length) return { errors };
  return {
    options: {
      role,
      host,
      port,
      databaseUrl,
      dataDir,
      concurrency,
      leaseSeconds,
      intervalMs,
      maintenanceSeconds,
      jobRetries,
      encryptionKey,
      hub,
      keap,
      deliveryPolicy: {
        ...(deliveryRetries === undefined ? {} : { maxRetries: deliveryRetries }),
        ...(deliveryTimeScale === undefined ? {} : { scale: deliveryTimeScale }),
      },
      keapAuthorizeUrl,
      api: serves ? { userSecret, organizationSecret } : undefined,
      worker: role === "worker" || role === "all",
    },
  };
}

/** Whether `text` is an http(s) url without credentials in it. */
function httpUrl(text) {
  let parsed;
  try {
    parsed = new URL(text);
  } catch {
    return false;
  }
  return /^https?:$/.test(parsed.protocol) && !parsed.username && !parsed.password;
}

/** A DNS host name (RFC 1123 labels), e.g. localhost or api.example.com. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Why `dir` cannot be the private PostgreSQL's data directory, or undefined when it can. */
function dataDirProblem(dir) {
  if (dir === "") return "must be a directory path, not empty";
  let at = resolve(dir);
  for (;;) {
    let stat;
    try {
      stat = statSync(at);
    } catch (e) {
      if (!["ENOENT", "ENOTDIR"].includes(e.code) || dirname(at) === at)
        return `cannot be used (${e.code} on ${JSON.stringify(at)}): choose another path`;
      // Not there yet: made at start, inside the nearest directory that is.
      at = dirname(at);
      continue;
    }
    if (stat.isDirectory()) return undefined;
    return at === resolve(dir)
      ? `must be a directory, and ${JSON.stringify(dir)} is a file: choose another path`
      : `cannot be made: ${JSON.stringify(at)} is a file, not a directory`;
  }
}

/** parseArgs's refusal, in this command's words: the flag, and what to do. */
function argumentError(e) {
  const flag = /'(-[^' ]+)/.exec(e.message)?.[1];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown flag ${flag}: elements-poller-server --help lists the flags`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      if (/does not take an argument/.test(e.message)) return `${flag} takes no value: write it alone`;
      return `${flag} needs a value, e.g. ${flag} VALUE or ${flag}=VALUE (see --help)`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(e.message)?.[1] ?? "")}: every setting is a --flag VALUE (see --help)`;
    default:
      return `${e.message} (see --help)`;
  }
}
