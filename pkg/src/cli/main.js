// The CLI's dispatcher. Each command lives in its own module and returns an exit code:
// 0 success, 1 the input has errors (or the operation failed), 2 the command line is wrong.
import { readFileSync } from "node:fs";
import { dateCommand } from "./date.js";
import { validateCommand } from "./validate.js";
import { previewCommand } from "./preview.js";
import { pollCommand } from "./poll.js";
import { verifyCommand } from "./verify.js";

const commands = {
  validate: { run: validateCommand, summary: "validate FILE...: check POST /instances bodies, compiler-style" },
  preview: { run: previewCommand, summary: "preview FILE --curl|--request|--poll-url RESOURCE: what would be sent" },
  poll: { run: pollCommand, summary: "poll FILE --base-url URL --state DIR: poll and print or deliver events" },
  date: { run: dateCommand, summary: "date parse|format|lint: Java date patterns in any zone" },
  verify: { run: verifyCommand, summary: "verify --key K < request.json: check a captured webhook's signature" },
};

export function usage() {
  const lines = ["Usage: elements-poller <command> [options]", "", "Commands:"];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(10)}${c.summary}`);
  lines.push(
    "",
    "Run `elements-poller <command> --help` for a command's options; `elements-poller --version` prints the version.",
    "",
    "Exit codes: 0 ok, 1 errors in the input or a failed operation, 2 a wrong command line.",
  );
  return lines.join("\n");
}

/** The package's version, from its package.json. */
export function version() {
  return JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;
}

export async function main(argv, io) {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-V" || name === "version") {
    io.stdout.write(`elements-poller ${version()}\n`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage() + "\n");
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`unknown command ${JSON.stringify(name)}\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (
      e?.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ||
      e?.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" ||
      e?.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
    ) {
      io.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e?.name === "PollerError") {
      io.stderr.write(`error[${e.code}]: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
