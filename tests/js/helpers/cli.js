// Runs the package's bin as a user runs it: a child process.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../pkg/bin/elements-poller.js", import.meta.url));

export function cli(...args) {
  const r = spawnSync("node", [bin, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
