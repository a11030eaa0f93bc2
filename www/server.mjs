// Serves the built console (www/dist) and mounts the bundled hub simulator on the same
// origin, so the console's Live mode can poll it without CORS; the Keap simulator too
// (`/token`, `/app/oauth/authorize`, `/crm/rest/v1/...`, `/__keap`), for polling Keap
// directly. `/api/...` goes to the events service when one is set (`setService`): the console
// reaches it on its own origin, so the CSP keeps `connect-src 'self'` and the guard below (same
// origin only, a Host check) stands in front of it too. Used by `npm start` and by the browser tests.
import { createServer, request as httpRequest } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { createHubSimulator, createKeapSimulator, checkRequest } from "elements-poller/testing";

const dist = fileURLToPath(new URL("./dist/", import.meta.url));

const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".json": "application/json",
};

// No 'unsafe-eval': wasm needs only 'wasm-unsafe-eval'. No remote origins: the console works offline.
export const contentSecurityPolicy =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

/**
 * @param {{port?: number, host?: string, hub?: object, keap?: object}} [options] `hub` and `keap`
 *   are passed to the simulators.
 * @returns {Promise<{url: string, hub: object, keap: object, setService(origin: string): void, close(): Promise<void>}>}
 */
export async function serveConsole({
  port = 8080,
  host = "127.0.0.1",
  hub: hubOptions = {},
  keap: keapOptions = {},
} = {}) {
  // The configured host is a name this server answers to (besides loopback ones): HOST=devbox.
  const allowedHosts = [host, ...(hubOptions.allowedHosts ?? [])];
  const hub = createHubSimulator({ ...hubOptions, allowedHosts });
  const keap = createKeapSimulator({ ...keapOptions, allowedHosts, allowedOrigins: hubOptions.allowedOrigins });
  /** The events service's origin, once `setService` gave it. */
  let service = null;
  const server = createServer((req, res) => {
    // Every answer, the hub's and errors included, is one nothing can run in or sniff.
    res.setHeader("content-security-policy", contentSecurityPolicy);
    res.setHeader("x-content-type-options", "nosniff");
    serve(req, res).catch((e) => {
      // No request may take the server down; what failed is the server's fault, not the client's.
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(`server error: ${e?.message ?? e}`);
    });
  });
  async function serve(req, res) {
    const refused = checkRequest(req, { allowedHosts, allowedOrigins: hubOptions.allowedOrigins });
    if (refused) {
      res.writeHead(refused.status, { "content-type": "text/plain", connection: "close" }).end(refused.message);
      return;
    }
    if (hub.handle(req, res)) return;
    if (keap.handle(req, res)) return;
    const path = req.url ?? "/";
    if (path === "/api" || path.startsWith("/api/") || path.startsWith("/api?")) return proxy(req, res, path.slice(4));
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      res
        .writeHead(400, { "content-type": "text/plain" })
        .end("bad request: the path is not a valid percent-encoded URL");
      return;
    }
    const rel = normalize(pathname === "/" ? "/index.html" : pathname);
    const file = join(dist, rel);
    if (!file.startsWith(dist)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        "content-type": types[extname(file)] ?? "application/octet-stream",
        "cache-control": rel.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res
        .writeHead(404, { "content-type": "text/plain" })
        .end(`not found: ${pathname}\n(run \`npm start\`, which builds the console first)`);
    }
  }
  /** Passes a request on to the events service: only the headers its API reads go, both ways. */
  function proxy(req, res, rest) {
    const fail = (status, message) => {
      if (!res.headersSent) res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify({ message }));
    };
    if (!service) {
      req.resume();
      return fail(503, "No events service runs beside this console: start it with `npm start`.");
    }
    const headers = {};
    for (const h of ["authorization", "content-type", "content-length", "accept"])
      if (req.headers[h] !== undefined) headers[h] = req.headers[h];
    const upstream = httpRequest(
      new URL(rest.startsWith("/") ? rest : `/${rest}`, service),
      { method: req.method, headers },
      (answer) => {
        const out = { "cache-control": "no-store" };
        for (const h of ["content-type", "content-length"])
          if (answer.headers[h] !== undefined) out[h] = answer.headers[h];
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => fail(502, "The events service did not answer: is it still running?"));
    req.pipe(upstream);
  }

  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const shownHost = host === "127.0.0.1" || host === "0.0.0.0" ? "localhost" : host;
  const url = `http://${shownHost}:${address.port}`;
  hub.setBaseUrl?.(url);
  keap.setBaseUrl(url);
  return {
    url,
    hub,
    keap,
    /** Sends `/api/...` to the events service at `origin` (`http://127.0.0.1:PORT`). */
    setService(origin) {
      service = origin;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
