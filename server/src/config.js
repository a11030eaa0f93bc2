// The service's configuration: flags first, then the environment, checked at start. Every
// problem names the flag or variable; a secret's value never appears in a message.
import { parseArgs } from "node:util";
import { parseKey } from "./secrets.js";

const ROLES = ["api", "worker", "all"];

/** Flag -> [environment variable, default]. */
const OPTIONS = {
  role: ["ELEMENTS_ROLE", "all"],
  host: ["HOST", "127.0.0.1"],
  port: ["PORT", "8080"],
  "database-url": ["DATABASE_URL", undefined],
  "data-dir": ["ELEMENTS_DATA_DIR", ".elements-poller-server"],
  concurrency: ["ELEMENTS_WORKER_CONCURRENCY", "4"],
  "lease-seconds": ["ELEMENTS_LEASE_SECONDS", "300"],
  "interval-ms": ["ELEMENTS_POLL_INTERVAL_MS", undefined],
  "hub-url": ["ELEMENTS_HUB_URL", undefined],
  "maintenance-seconds": ["ELEMENTS_MAINTENANCE_SECONDS", "30"],
  "keap-url": ["ELEMENTS_KEAP_URL", "https://api.infusionsoft.com"],
  "job-retries": ["ELEMENTS_JOB_RETRIES", "10"],
  "delivery-retries": ["ELEMENTS_DELIVERY_RETRIES", undefined],
  "delivery-time-scale": ["ELEMENTS_DELIVERY_TIME_SCALE", undefined],
  "keap-authorize-url": ["ELEMENTS_KEAP_AUTHORIZE_URL", undefined],
};

export const USAGE = `elements-poller-server [--role api|worker|all] [--port N] [--host H] [--database-url URL]
  [--data-dir DIR] [--concurrency N] [--lease-seconds N] [--interval-ms N] [--hub-url URL]
  [--maintenance-seconds N] [--keap-url URL] [--job-retries N] [--delivery-retries N]
  [--delivery-time-scale X] [--keap-authorize-url URL]

Environment: ELEMENTS_USER_SECRET and ELEMENTS_ORGANIZATION_SECRET (the API's credentials,
required with --role api or all); DATABASE_URL (else a private PostgreSQL in --data-dir);
ELEMENTS_HUB_URL, ELEMENTS_HUB_USER_SECRET, ELEMENTS_HUB_ORGANIZATION_SECRET,
ELEMENTS_HUB_ELEMENT_TOKEN (the Cloud Elements hub that hub instances are polled through);
ELEMENTS_KEAP_URL (Keap's origin for direct instances: its /token and /crm/rest; default
https://api.infusionsoft.com);
ELEMENTS_ENCRYPTION_KEY (32 bytes, hex or base64: seals secrets at rest; required with
DATABASE_URL, else generated into --data-dir).
--delivery-retries (ELEMENTS_DELIVERY_RETRIES, 0 to 9, default 9) and --delivery-time-scale
(ELEMENTS_DELIVERY_TIME_SCALE, above 0 up to 1, default 1: every wait multiplied by it) change
the platform's delivery policy, for demos and tests. --keap-authorize-url
(ELEMENTS_KEAP_AUTHORIZE_URL) is the Keap consent page GET /elements/infusionsoftrest/oauth/url
sends people to (default Keap's; a simulator's for offline use).`;

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
    return { errors: [`${e.message} (see --help)`] };
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
  const port = integer("port", 0, 65535);
  const concurrency = integer("concurrency", 1, 256);
  const leaseSeconds = integer("lease-seconds", 1, 86400);
  const intervalMs = integer("interval-ms", 100, 86_400_000);
  const databaseUrl = raw("database-url");
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    // The url may carry a password: it is not quoted.
    errors.push(`${where("database-url")} must be a postgres:// or postgresql:// url`);
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
      if (!v) errors.push(`${name} is required with --role ${role}: the API's callers send it in Authorization`);
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
      host: raw("host"),
      port,
      databaseUrl,
      dataDir: raw("data-dir"),
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
