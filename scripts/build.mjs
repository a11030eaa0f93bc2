// `npm run build`: the wasm and the npm package, nothing more.
import { run, step, root } from "./run.mjs";
import { ensureNodeModules, ensureWasmBindgen, ensureWasmTarget } from "./ensure.mjs";

// The wasm features rustc emits for wasm32-unknown-unknown (simd128 from .cargo/config.toml):
// wasm-opt refuses a module that uses a feature it was not told about.
const features = [
  "--enable-simd", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue",
];

export function buildPackage() {
  ensureNodeModules(); // wasm-opt comes from the binaryen devDependency
  ensureWasmTarget();
  ensureWasmBindgen();
  step("building the wasm core (cargo, release)");
  run("cargo", ["build", "--lib", "--release", "--target", "wasm32-unknown-unknown", "--features", "wasm"]);
  step("generating the JS bindings (wasm-bindgen --target web) into pkg/wasm");
  run("wasm-bindgen", [
    "--target", "web",
    "--out-dir", "pkg/wasm",
    "--out-name", "elements_poller",
    // Function names are ~65 KB raw / ~19 KB gzipped that only profilers read.
    "--remove-name-section",
    "--remove-producers-section",
    `${root}/target/wasm32-unknown-unknown/release/elements_poller.wasm`,
  ]);
  step("optimizing the wasm (wasm-opt -O3, from the binaryen devDependency)");
  const wasm = `${root}/pkg/wasm/elements_poller_bg.wasm`;
  // -O3 rather than -Oz: as small gzipped here (within 100 bytes) and 2-3% faster detection.
  // memory-packing splits the zone tables into thousands of segments: smaller raw, but ~4 KB
  // larger gzipped, which is what browsers download.
  run(`${root}/node_modules/.bin/wasm-opt`, ["-O3", "--skip-pass=memory-packing", ...features, wasm, "-o", wasm]);
}

if (import.meta.url === `file://${process.argv[1]}`) buildPackage();
