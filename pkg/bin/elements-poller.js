#!/usr/bin/env node
// The command line: `elements-poller --help` lists everything.
import { main } from "../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
