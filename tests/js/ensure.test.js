// The set-up step of `npm test` / `npm start` (scripts/ensure.mjs), tested without changing the
// machine: it must tell a toolchain that lacks the wasm32 standard library from one that has it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hasTargetLibrary, toolchainChannel, wasmTarget } from "../../scripts/ensure.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

test("a target library directory counts only when it holds libcore", () => {
  const dir = mkdtempSync(join(tmpdir(), "ensure-"));
  try {
    assert.equal(
      hasTargetLibrary(join(dir, "wasm32-unknown-unknown", "lib")),
      false,
      "no directory: the target was never added",
    );
    const lib = join(dir, "lib");
    mkdirSync(lib);
    assert.equal(hasTargetLibrary(lib), false, "an empty directory (a removed target leaves one)");
    writeFileSync(join(lib, "libstd-0123abcd.rlib"), "");
    writeFileSync(join(lib, "libcore-0123abcd.rmeta"), "");
    assert.equal(hasTargetLibrary(lib), false, "libcore's metadata alone does not build");
    writeFileSync(join(lib, "libcore-0123abcd.rlib"), "");
    assert.equal(hasTargetLibrary(lib), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the pinned channel is read from rust-toolchain.toml", () => {
  assert.equal(toolchainChannel('[toolchain]\nchannel = "1.95.0"\ntargets = ["wasm32-unknown-unknown"]\n'), "1.95.0");
  assert.equal(toolchainChannel("[toolchain]\ncomponents = []\n"), null);
  const pinned = toolchainChannel(readFileSync(join(root, "rust-toolchain.toml"), "utf8"));
  assert.match(pinned, /^\d+\.\d+\.\d+$/);
});

test("the check agrees with rustup on this machine's pinned toolchain", () => {
  const channel = toolchainChannel(readFileSync(join(root, "rust-toolchain.toml"), "utf8"));
  const installed = execFileSync("rustup", ["target", "list", "--installed", "--toolchain", channel], {
    encoding: "utf8",
  }).split("\n");
  const libdir = execFileSync("rustc", ["--print", "target-libdir", "--target", wasmTarget], {
    cwd: root,
    encoding: "utf8",
  }).trim();
  assert.equal(
    hasTargetLibrary(libdir),
    installed.includes(wasmTarget),
    `rustup lists ${installed.join(" ")}; libdir ${libdir}`,
  );
});
