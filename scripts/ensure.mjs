// Installs what `npm start` and `npm test` need, only when it is missing or stale, so a fresh
// clone needs nothing but these two commands. Uses Node built-ins only: it runs before
// node_modules exists.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { run, root, step } from "./run.mjs";

const stampFile = `${root}/node_modules/.elements-poller-lock-hash`;

/** `npm ci` when node_modules is missing or was installed from another package-lock.json. */
export function ensureNodeModules() {
  const hash = createHash("sha256").update(readFileSync(`${root}/package-lock.json`)).digest("hex");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash) return;
  step("installing npm dependencies (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stampFile, hash);
}

/** The wasm-bindgen CLI must match the `wasm-bindgen` crate in Cargo.lock exactly. */
export function wasmBindgenVersion() {
  const lock = readFileSync(`${root}/Cargo.lock`, "utf8");
  const m = lock.match(/name = "wasm-bindgen"\nversion = "([^"]+)"/);
  if (!m) throw new Error("Cargo.lock has no wasm-bindgen entry; run `cargo generate-lockfile`");
  return m[1];
}

export function ensureWasmBindgen() {
  const want = wasmBindgenVersion();
  let have = "";
  try {
    have = execFileSync("wasm-bindgen", ["--version"], { encoding: "utf8" }).trim().split(/\s+/)[1];
  } catch {
    // not installed
  }
  if (have === want) return;
  step(`installing wasm-bindgen-cli ${want}${have ? ` (found ${have})` : ""}; this takes a few minutes once`);
  // `--locked` fails on this registry mirror (a pinned dependency is missing), so it is left out.
  run("cargo", ["install", "wasm-bindgen-cli", "--version", `=${want}`, "--force"]);
}

export const chromiumPath = "/usr/bin/chromium";

/** Debian's Chromium for the browser tests: test tools cannot download their own browsers here. */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  step("installing Debian's chromium for the browser tests");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args) => run(sudo[0] ?? "apt-get", sudo.length ? ["apt-get", ...args] : args, { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  apt("update");
  apt("install", "-y", "--no-install-recommends", "chromium");
}
