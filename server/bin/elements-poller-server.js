#!/usr/bin/env node
// `elements-poller-server`: the events service. Flags and environment are checked first; a
// problem is printed (naming the flag or variable) and the exit code is 2. SIGTERM and SIGINT
// drain: no new jobs, in-flight cycles finish, then exit.
import { readConfig, USAGE, createServer } from "../src/index.js";

const config = readConfig(process.argv.slice(2), process.env);
if (config.help) {
  process.stdout.write(USAGE + "\n");
  process.exit(0);
}
if (config.errors) {
  for (const e of config.errors) process.stderr.write(`elements-poller-server: ${e}\n`);
  process.exit(2);
}
let server;
try {
  server = await createServer(config.options);
} catch (e) {
  process.stderr.write(`elements-poller-server: could not start: ${e?.message ?? e}\n`);
  process.exit(1);
}
let signals = 0;
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    // A second signal does not wait for the drain.
    if (++signals > 1) process.exit(1);
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
