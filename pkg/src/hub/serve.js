// The HTTP server around a simulator (the hub's, Keap's): listen on a free port, tell the
// simulator its base url, and close every socket on `close()`. One copy for both simulators.
import { createServer } from "node:http";

/**
 * Serves `sim` (`handle(req, res)` returns false for a request it does not know, which
 * `notFound` answers) on `host:port` (0: a free port).
 * @template {{handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): boolean, setBaseUrl(url: string): void, dispose(): void}} S
 * @param {S} sim
 * @param {(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void} notFound
 * @param {{port: number, host: string}} at
 */
export async function serveSimulator(sim, notFound, { port, host }) {
  const server = createServer((req, res) => {
    if (!sim.handle(req, res)) notFound(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(undefined);
    });
  });
  const addr = /** @type {import("node:net").AddressInfo} */ (server.address());
  const h = addr.family === "IPv6" || String(addr.family) === "6" ? `[${addr.address}]` : addr.address;
  sim.setBaseUrl(`http://${h}:${addr.port}`);
  /** @type {Promise<void> | undefined} */
  let closing;
  return Object.assign(sim, {
    server,
    port: addr.port,
    /** Closes the server and every open socket. */
    close() {
      closing ??= new Promise((resolve) => {
        sim.dispose();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  });
}
