// The whole demo in one process, what `npm start` runs: the console with its hub and Keap
// simulators (server.mjs) and the events service (`elements-poller-server`, on its embedded
// PostgreSQL unless DATABASE_URL is given), reached by the console at `/api`. The service polls
// hub instances through the console's hub simulator and sends people to the Keap simulator's
// consent page, so everything works offline.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { serveConsole } from "./server.mjs";

/**
 * The API's secrets (`Authorization: User …, Organization …`): the environment's, else the
 * ones generated in `dataDir` on its first start (beside the database's directory, mode 0600,
 * so a restart keeps them).
 */
export function apiSecrets(dataDir, env = process.env) {
  if (env.ELEMENTS_USER_SECRET && env.ELEMENTS_ORGANIZATION_SECRET)
    return { user: env.ELEMENTS_USER_SECRET, organization: env.ELEMENTS_ORGANIZATION_SECRET, generated: false };
  const file = join(dataDir, "api-secrets.json");
  if (existsSync(file)) return { ...JSON.parse(readFileSync(file, "utf8")), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const secrets = { user: randomBytes(18).toString("base64url"), organization: randomBytes(18).toString("base64url") };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return { ...secrets, generated: true };
}

/**
 * Starts the console and the service beside it.
 * `dataDir` holds the API's secrets and, in `pgdata/`, the embedded PostgreSQL (with the key
 * that seals secrets at rest).
 * @param {{port?: number, host?: string, dataDir?: string, env?: Record<string, string|undefined>,
 *   serviceArgs?: string[], hub?: object, keap?: object, log?: (o: object) => void}} [options]
 *   `serviceArgs` are the service's flags (e.g. `--delivery-retries 2`); `env` its environment.
 * @returns {Promise<{url: string, serviceUrl: string, secrets: {user: string, organization: string, generated: boolean},
 *   hub: any, keap: any, close(): Promise<void>}>}
 */
export async function startStack({
  port = 8080,
  host = "127.0.0.1",
  dataDir = ".elements-poller-console",
  env = process.env,
  serviceArgs = [],
  hub,
  keap,
  log,
} = {}) {
  const { readConfig, createServer } = await import("elements-poller-server");
  dataDir = resolve(dataDir);
  const secrets = apiSecrets(dataDir, env);
  const consoleServer = await serveConsole({ port, host, hub, keap });
  try {
    const pgdata = join(dataDir, "pgdata");
    const config = readConfig(["--host", "127.0.0.1", "--port", "0", "--data-dir", pgdata, ...serviceArgs], {
      ...env,
      ELEMENTS_USER_SECRET: secrets.user,
      ELEMENTS_ORGANIZATION_SECRET: secrets.organization,
      ELEMENTS_HUB_URL: consoleServer.hub.baseUrl,
      ELEMENTS_HUB_USER_SECRET: consoleServer.hub.credentials.user,
      ELEMENTS_HUB_ORGANIZATION_SECRET: consoleServer.hub.credentials.organization,
      ELEMENTS_HUB_ELEMENT_TOKEN: consoleServer.hub.credentials.element,
      ELEMENTS_KEAP_AUTHORIZE_URL: env.ELEMENTS_KEAP_AUTHORIZE_URL || consoleServer.keap.authorizeUrl,
      // Keap's origin for direct instances (`/token`, `/crm/rest`): the Keap simulator's, which
      // is this console's. (Read by the service's direct element; a build without it ignores it.)
      ELEMENTS_KEAP_URL: env.ELEMENTS_KEAP_URL || consoleServer.keap.url,
    });
    if (config.errors) throw new Error(config.errors.join("; "));
    const service = await createServer(config.options, log ? { log } : undefined);
    consoleServer.setService(service.url);
    return {
      url: consoleServer.url,
      serviceUrl: service.url,
      secrets,
      hub: consoleServer.hub,
      keap: consoleServer.keap,
      async close() {
        await consoleServer.close();
        await service.close();
      },
    };
  } catch (e) {
    await consoleServer.close();
    throw e;
  }
}
