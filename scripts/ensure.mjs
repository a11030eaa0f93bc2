// Installs what `npm start` and `npm test` need, only when it is missing or stale, so a fresh
// clone needs nothing but these two commands. Uses Node built-ins only: it runs before
// node_modules exists.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { execFileSync, spawnSync } from "node:child_process";
import { run, root, step } from "./run.mjs";

const stampFile = `${root}/node_modules/.elements-poller-lock-hash`;

/** `npm ci` when node_modules is missing or was installed from another package-lock.json. */
export function ensureNodeModules() {
  const hash = createHash("sha256")
    .update(readFileSync(`${root}/package-lock.json`))
    .digest("hex");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === hash) return;
  step("installing npm dependencies (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
  writeFileSync(stampFile, hash);
}

export const wasmTarget = "wasm32-unknown-unknown";

/** The `channel` of a rust-toolchain.toml text, or null when it names none. */
export function toolchainChannel(toml) {
  const m = toml.match(/^\s*channel\s*=\s*"([^"]+)"/m);
  return m ? m[1] : null;
}

/**
 * Whether a target's standard library is in `libdir` (what `rustc --print target-libdir
 * --target T` prints): rustc prints that path whether or not the target is installed, so the
 * test is that `libcore-*.rlib` is there.
 */
export function hasTargetLibrary(libdir, readdir = readdirSync) {
  let names;
  try {
    names = readdir(libdir);
  } catch {
    return false; // no such directory: the target was never added
  }
  return names.some((n) => n.startsWith("libcore-") && n.endsWith(".rlib"));
}

/**
 * The pinned toolchain with the wasm32 standard library. rust-toolchain.toml lists the target,
 * but rustup adds a listed target only when it installs the toolchain, and these machines come
 * with 1.95.0 for the host only.
 */
export function ensureWasmTarget() {
  const channel = toolchainChannel(readFileSync(`${root}/rust-toolchain.toml`, "utf8"));
  if (!channel) throw new Error("rust-toolchain.toml names no channel");
  const libdir = () => {
    const r = spawnSync("rustc", ["--print", "target-libdir", "--target", wasmTarget], { cwd: root, encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : "";
  };
  if (hasTargetLibrary(libdir())) return;
  step(`adding the ${wasmTarget} target to Rust ${channel} (rustup target add)`);
  const r = spawnSync("rustup", ["target", "add", wasmTarget, "--toolchain", channel], { cwd: root, stdio: "inherit" });
  if (r.status !== 0 || !hasTargetLibrary(libdir())) {
    console.error(
      `\ncould not add the ${wasmTarget} target to Rust ${channel}` +
        `${r.error ? ` (${r.error.message})` : ` (rustup exit ${r.status ?? r.signal})`}.\n` +
        `The wasm build needs it. Run \`rustup target add ${wasmTarget} --toolchain ${channel}\` by hand to see why ` +
        `(no network to static.rust-lang.org, or no rustup on the PATH), then run this command again.`,
    );
    process.exit(1);
  }
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

/** The cargo-mutants release `npm run mutants` was measured with (README, docs/mutants.md). */
export const cargoMutantsVersion = "27.1.0";

/** cargo-mutants from crates.io, for `npm run mutants` only (`npm test` does not need it). */
export function ensureCargoMutants() {
  let have = "";
  try {
    have = execFileSync("cargo", ["mutants", "--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim()
      .split(/\s+/)[1];
  } catch {
    // not installed
  }
  if (have === cargoMutantsVersion) return;
  step(
    `installing cargo-mutants ${cargoMutantsVersion}${have ? ` (found ${have})` : ""}; this takes a few minutes once`,
  );
  run("cargo", ["install", "--locked", "cargo-mutants", "--version", `=${cargoMutantsVersion}`, "--force"]);
}

export const chromiumPath = "/usr/bin/chromium";

/** Debian's Chromium for the browser tests: test tools cannot download their own browsers here. */
export function ensureChromium() {
  if (existsSync(chromiumPath)) return;
  step("installing Debian's chromium for the browser tests");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args) =>
    run(sudo[0] ?? "apt-get", sudo.length ? ["apt-get", ...args] : args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  apt("update");
  apt("install", "-y", "--no-install-recommends", "chromium");
}

/** PostgreSQL's server binaries for the events service's tests (DESIGN section 10): Debian's package when missing. */
export function ensurePostgres() {
  const dirs = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];
  if (process.env.PG_BIN || dirs.some((d) => existsSync(`${d}/initdb`))) return;
  step("installing Debian's postgresql for the events service's tests");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const apt = (...args) =>
    run(sudo[0] ?? "apt-get", sudo.length ? ["apt-get", ...args] : args, {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
  apt("update");
  apt("install", "-y", "--no-install-recommends", "postgresql");
}
