#!/usr/bin/env node
// The command line: `elements-poller --help` lists everything.
import { main } from "../src/cli/main.js";

// `elements-poller validate x.json | head` closes the pipe early; that is not an error.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
