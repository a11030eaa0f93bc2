// Runs the package's bin as a user runs it: a child process.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../../pkg/bin/elements-poller.js", import.meta.url));

export function cli(...args) {
  const r = spawnSync("node", [bin, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The same, without blocking this process (a server in it must keep answering). */
export function cliAsync(args, { env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn("node", [bin, ...args], { env: { ...process.env, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("close", (code) => resolve({ code, out, err }));
  });
}
