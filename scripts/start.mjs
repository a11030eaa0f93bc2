// `npm start`: the admin console with the hub and Keap simulators and the events service (on
// its embedded PostgreSQL in ./.elements-poller-console, or DATABASE_URL) on
// http://localhost:$PORT. Everything runs offline; Ctrl-C stops it all.
import { run, step } from "./run.mjs";
import { ensureNodeModules, ensurePostgres } from "./ensure.mjs";
import { buildPackage } from "./build.mjs";

export function buildConsole() {
  step("building the console (vite build www)");
  run("npx", ["vite", "build", "--logLevel", "warn"], { cwd: new URL("../www", import.meta.url).pathname });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureNodeModules();
  buildPackage();
  buildConsole();
  if (!process.env.DATABASE_URL) ensurePostgres();
  const { startStack } = await import("../www/stack.mjs");
  const port = Number(process.env.PORT ?? 8080);
  step("starting the events service (its own PostgreSQL in ./.elements-poller-console unless DATABASE_URL is set)");
  const stack = await startStack({
    port,
    host: process.env.HOST ?? "127.0.0.1",
    dataDir: new URL("../.elements-poller-console", import.meta.url).pathname,
    // Only what goes wrong: the service's every-cycle lines would drown the terminal.
    log: (o) => /failed|error|dead/.test(o.msg) && process.stderr.write(JSON.stringify(o) + "\n"),
  });
  const { user, organization, generated } = stack.secrets;
  step(
    [
      `console running at ${stack.url} (Ctrl-C to stop): build a body, then Instances to create it on the events service`,
      `  the service's API (the seed's POST /instances and the rest) at ${stack.url}/api`,
      // Shown once, when generated (as the service shows an instance's token once); later
      // starts name the file that keeps them, readable by this user only.
      generated
        ? `  its Authorization, generated now (shown this once; kept in .elements-poller-console/api-secrets.json): User ${user}, Organization ${organization}`
        : `  its Authorization: the User and Organization secrets in .elements-poller-console/api-secrets.json (or ELEMENTS_USER_SECRET / ELEMENTS_ORGANIZATION_SECRET)`,
      `  simulators: the hub at ${stack.hub.baseUrl}, Keap at ${stack.keap.baseUrl} (consent page ${stack.keap.authorizeUrl})`,
    ].join("\n"),
  );
  let stopping = false;
  for (const sig of ["SIGINT", "SIGTERM"])
    process.on(sig, () => {
      if (stopping) process.exit(1);
      stopping = true;
      stack.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
}
