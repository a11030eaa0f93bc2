// `npm run build`: the wasm and the npm package, nothing more.
import { run, step, root } from "./run.mjs";
import { ensureWasmBindgen } from "./ensure.mjs";

export function buildPackage() {
  ensureWasmBindgen();
  step("building the wasm core (cargo, release)");
  run("cargo", ["build", "--lib", "--release", "--target", "wasm32-unknown-unknown", "--features", "wasm"]);
  step("generating the JS bindings (wasm-bindgen --target web) into pkg/wasm");
  run("wasm-bindgen", [
    "--target", "web",
    "--out-dir", "pkg/wasm",
    "--out-name", "elements_poller",
    `${root}/target/wasm32-unknown-unknown/release/elements_poller.wasm`,
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) buildPackage();
