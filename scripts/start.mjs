// `npm start`: the admin console and the bundled hub simulator on http://localhost:$PORT.
import { run, step } from "./run.mjs";
import { ensureNodeModules } from "./ensure.mjs";
import { buildPackage } from "./build.mjs";

export function buildConsole() {
  step("building the console (vite build www)");
  run("npx", ["vite", "build", "--logLevel", "warn"], { cwd: new URL("../www", import.meta.url).pathname });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureNodeModules();
  buildPackage();
  buildConsole();
  const { serveConsole } = await import("../www/server.mjs");
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await serveConsole({ port, host: process.env.HOST ?? "127.0.0.1" });
  step(`console, hub simulator and Keap simulator (${url}/crm/rest, ${url}/token) running at ${url} (Ctrl-C to stop)`);
}
