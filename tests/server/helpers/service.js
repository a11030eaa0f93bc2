// Service processes for the tests: `elements-poller-server` as a child, its JSON log lines
// collected, its url read from the "started" line. Everything every process wrote (stdout and
// stderr) is kept, and `assertNoSecretsLogged()` (each test file's `after`) checks that none of
// the secrets the test used or the simulators issued is in it.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import assert from "node:assert/strict";
import { buildInstance } from "elements-poller";
import { startHubSimulator } from "elements-poller/testing";
import { createServer, readConfig } from "elements-poller-server";
import { privatePostgres } from "./postgres.js";

const BIN = new URL("../../../server/bin/elements-poller-server.js", import.meta.url).pathname;

export const API_SECRETS = {
  ELEMENTS_USER_SECRET: "test-user-secret",
  ELEMENTS_ORGANIZATION_SECRET: "test-org-secret",
};
export const AUTH = `User ${API_SECRETS.ELEMENTS_USER_SECRET}, Organization ${API_SECRETS.ELEMENTS_ORGANIZATION_SECRET}`;
export const ENCRYPTION_KEY = randomBytes(32).toString("base64");

/** What every process this file started wrote: `{args, stdout, stderr}`. */
const outputs = [];
/** The secrets known to the test: strings, and functions that give more (a simulator's tokens). */
const secrets = new Set([...Object.values(API_SECRETS), ENCRYPTION_KEY]);
/** Secrets shorter than this are not looked for (a test body's `"s"` would be in every line). */
const SHORTEST_SECRET = 8;

/** Adds secrets to look for: strings, or a function called at the check (tokens issued later). */
export function watchSecrets(...more) {
  for (const s of more) if (s) secrets.add(s);
}

/** A Keap simulator's secrets: its OAuth apps' client secrets, and every code and token it issues. */
export function watchKeap(keap) {
  watchSecrets(...keap.apps.map((a) => a.clientSecret), () => keap.issuedSecrets());
}

/**
 * Fails when a secret the test knows is in anything a service process wrote: the API secrets,
 * the encryption key, the hub's credentials and signature key, the OAuth client secrets and
 * signature keys of the bodies POSTed, the instance tokens the API answered with, and what the
 * watched simulators issued (codes, access and refresh tokens).
 */
export function assertNoSecretsLogged() {
  const known = [...secrets].flatMap((s) => (typeof s === "function" ? s() : [s]));
  const looked = [...new Set(known.filter((s) => typeof s === "string" && s.length >= SHORTEST_SECRET))];
  for (const o of outputs)
    for (const [stream, text] of [
      ["stdout", o.stdout],
      ["stderr", o.stderr],
    ])
      for (const secret of looked) {
        const at = text.indexOf(secret);
        assert.ok(
          at < 0,
          `a secret (${secret.slice(0, 3)}…, ${secret.length} characters) is in the ${stream} of \`${o.args.join(" ")}\`: …${text.slice(Math.max(0, at - 200), at).replaceAll(secret, "<secret>")}<secret>…`,
        );
      }
  return { processes: outputs.length, secrets: looked.length };
}

/** The environment of a service polling through `hub` on `databaseUrl`. */
export function serviceEnv(hub, databaseUrl) {
  watchSecrets(hub.credentials?.user, hub.credentials?.organization, hub.credentials?.element, hub.signatureKey);
  return {
    ...process.env,
    ...API_SECRETS,
    DATABASE_URL: databaseUrl,
    ELEMENTS_ENCRYPTION_KEY: ENCRYPTION_KEY,
    ELEMENTS_HUB_URL: hub.baseUrl,
    ELEMENTS_HUB_USER_SECRET: hub.credentials.user,
    ELEMENTS_HUB_ORGANIZATION_SECRET: hub.credentials.organization,
    ELEMENTS_HUB_ELEMENT_TOKEN: hub.credentials.element,
  };
}

/**
 * Starts `elements-poller-server args` with `env`; resolves once it logged "started".
 * @returns {Promise<{proc: import("node:child_process").ChildProcess, url?: string, lines: object[], waitFor: (pred: (l: object) => boolean) => Promise<object>, stop: (signal?: string) => Promise<number | null>}>}
 */
export function startService(args, env) {
  const proc = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const output = { args, stdout: "", stderr: "" };
  outputs.push(output);
  proc.stdout.on("data", (d) => (output.stdout += d));
  const lines = [];
  const waiters = [];
  let buffer = "";
  let stderr = "";
  proc.stderr.on("data", (d) => {
    output.stderr += d;
    buffer += d;
    stderr = (stderr + d).slice(-4000);
    let i;
    while ((i = buffer.indexOf("\n")) >= 0) {
      const text = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      let line;
      try {
        line = JSON.parse(text);
      } catch {
        line = { text };
      }
      lines.push(line);
      for (const w of [...waiters]) if (w.pred(line)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(line));
    }
  });
  const exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
  const waitFor = (pred) => {
    const seen = lines.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      waiters.push({ pred, resolve });
      exited.then((code) => reject(new Error(`the service exited (${code}): ${stderr}`)));
    });
  };
  const service = {
    proc,
    lines,
    waitFor,
    exited,
    url: undefined,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  return waitFor((l) => l.msg === "started").then((l) => Object.assign(service, { url: l.url }));
}

/** fetch against the service with the test's credentials. */
export async function api(base, method, path, body, { auth = AUTH } = {}) {
  const sent = typeof body === "string" ? safeParse(body) : body;
  const c = sent?.configuration;
  if (c) watchSecrets(c["oauth.api.secret"], c["event.notification.signature.key"], sent.providerData?.code);
  const res = await fetch(base + path, {
    method,
    headers: { ...(auth ? { authorization: auth } : {}), "content-type": "application/json" },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // An instance's token, shown once: a secret from now on.
  if (typeof json?.token === "string") watchSecrets(json.token);
  return { status: res.status, text, json };
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Resolves when `check()` is truthy, polling every 100 ms (no time limit: the test's timeout is the limit). */
export async function until(check) {
  for (;;) {
    const v = await check();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * An API and one worker on `databaseUrl` that poll `keap` directly (no hub), each on a
 * 10-minute interval so that only the polls a test asks for run. Every process started is
 * pushed onto `services` as soon as it runs, for the test's cleanup; `startWorker` starts
 * another worker with the same environment. `extraArgs` go to every process.
 */
export async function startKeapService(databaseUrl, keap, services, extraArgs = []) {
  watchKeap(keap);
  const env = {
    ...serviceEnv({ baseUrl: "http://127.0.0.1:1", credentials: {} }, databaseUrl),
    ELEMENTS_HUB_URL: "",
    ELEMENTS_KEAP_URL: keap.url,
  };
  const args = ["--interval-ms", "600000", ...extraArgs];
  const start = async (role) => {
    const s = await startService(role, env);
    services.push(s);
    return s;
  };
  const server = await start(["--role", "api", "--port", "0", ...args]);
  const startWorker = () => start(["--role", "worker", ...args]);
  return { server, worker: await startWorker(), startWorker };
}

/**
 * A direct Keap instance named `name` (one contacts resource, pages of 2, notifications off),
 * created through the API with a fresh grant code of `keap`; resolves its id.
 */
export async function createKeapInstance(server, keap, name) {
  const body = buildInstance({
    element: "infusionsoftrest",
    name,
    code: keap.mintCode(),
    oauth: { key: keap.client.clientId, secret: keap.client.clientSecret, callbackUrl: keap.client.redirectUri },
    callbackUrl: "http://127.0.0.1:1/events",
    api: "direct",
    refreshInterval: 1,
    resources: { contacts: { preset: "contacts", pageSize: 2 } },
  });
  body.configuration["event.notification.enabled"] = false;
  const created = await api(server.url, "POST", "/instances", body);
  assert.equal(created.status, 200, created.text);
  return created.json.id;
}

/**
 * The service inside this test process (`createServer`, API and worker) with `args`, on a
 * private PostgreSQL, polling a hub simulator of `seed` and `resources`: for tests that read the
 * server's state directly. `stop()` closes all three.
 */
export async function inProcessHubService({ seed, resources, args }) {
  const postgres = await privatePostgres();
  const hub = await startHubSimulator({ seed, resources });
  const config = readConfig(["--port", "0", ...args], serviceEnv(hub, postgres.url));
  assert.equal(config.errors, undefined);
  const server = await createServer(config.options, { log: () => {} });
  const stop = async () => {
    await server.close();
    await hub.close();
    await postgres.stop();
  };
  return { postgres, hub, server, stop };
}
