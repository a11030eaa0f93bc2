// What every local test server here (the hub simulator, the console server) checks before it
// answers, so that a web page the developer happens to visit cannot use it:
// - the `Host` header must name this machine (a loopback name or address) or a host the server
//   was configured with: a DNS rebinding page reaches 127.0.0.1 under its own name and fails;
// - a request from another origin (an `Origin` header, or Chromium's `Sec-Fetch-Site`) is
//   refused before it does anything, unless its origin was allowed explicitly. Refusing it,
//   not only leaving out `Access-Control-Allow-Origin`, matters: a `no-cors` POST has its
//   effect even though the page cannot read the answer;
// - request bodies are read up to a limit;
// - every response carries a Content-Security-Policy and `nosniff`.

/** What the hub's JSON answers carry: nothing in them may run or be framed. */
export const API_SECURITY_HEADERS = Object.freeze({
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
});

/** Default limit of a request body the simulator reads (a notification is at most 10 events). */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`: names that always mean this machine. */
function isLoopbackName(hostname) {
  const h = hostname.toLowerCase().replace(/\.$/, "");
  return h === "localhost" || h.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(h) || h === "[::1]" || h === "::1";
}

/** The host name of a `Host` header value (`name:port`, `[v6]:port`), lower case; undefined if malformed. */
function hostnameOf(host) {
  if (typeof host !== "string" || host === "") return undefined;
  try {
    return new URL(`http://${host}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Checks a request's `Host` and origin. Returns undefined when it may be served, else
 * `{status, message}` to answer with.
 * @param {import("node:http").IncomingMessage} req
 * @param {{allowedHosts?: Iterable<string>, allowedOrigins?: Iterable<string>}} [options]
 *   `allowedHosts`: host names (no port) accepted besides loopback ones; `allowedOrigins`:
 *   origins (`http://host:port`) whose pages may call the server.
 */
export function checkRequest(req, { allowedHosts = [], allowedOrigins = [] } = {}) {
  const hostname = hostnameOf(req.headers.host);
  const hosts = new Set([...allowedHosts].map((h) => String(h).toLowerCase()));
  if (hostname === undefined || !(isLoopbackName(hostname) || hosts.has(hostname))) {
    return {
      status: 421,
      message: `Host ${JSON.stringify(req.headers.host ?? "")} is not this server's (it answers to loopback names${hosts.size ? ` and ${[...hosts].join(", ")}` : ""})`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin === `http://${req.headers.host}` || [...allowedOrigins].includes(origin)) return undefined;
    return { status: 403, message: `Requests from ${origin} are refused: same origin only` };
  }
  // No Origin (a GET or HEAD in no-cors mode): Chromium still says where it came from.
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    return { status: 403, message: "Cross-site requests are refused: same origin only" };
  }
  return undefined;
}

/** The `Access-Control-*` headers for an allowed cross-origin request, else none. */
export function corsHeaders(req, allowedOrigins = []) {
  const origin = req.headers.origin;
  if (origin === undefined || ![...allowedOrigins].includes(origin)) return {};
  return {
    "access-control-allow-origin": origin,
    vary: "Origin",
    "access-control-allow-methods": "GET, POST, PATCH, PUT, DELETE, OPTIONS",
    "access-control-allow-headers": "authorization, content-type, elements-webhook-signature, elements-webhook-id",
    "access-control-expose-headers":
      "elements-next-page-token, elements-returned-count, elements-total-count, date, retry-after, x-keap-product-throttle-limit, x-keap-product-throttle-time-unit, x-keap-product-throttle-interval, x-keap-product-throttle-available, x-keap-product-throttle-used, x-keap-product-throttle-expiry-time",
  };
}

/** Thrown by readBody when a body is over its limit. */
export class BodyTooLarge extends Error {
  constructor(limit) {
    super(`The request body is larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Reads a request body up to `limit` bytes. Beyond it (or when `content-length` says so up
 * front) it rejects with BodyTooLarge and stops buffering: what was read is dropped at once.
 */
export function readBody(req, limit = DEFAULT_MAX_BODY_BYTES) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume(); // discard; the answer is sent without waiting for the rest
      return reject(new BodyTooLarge(limit));
    }
    let chunks = [];
    let size = 0;
    const onData = (c) => {
      size += c.length;
      if (size > limit) {
        chunks = [];
        req.off("data", onData);
        req.resume();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    req.on("data", onData);
    req.on("end", () => size <= limit && resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
