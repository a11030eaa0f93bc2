// Browsers: instantiate the wasm by top-level await; bundlers resolve the .wasm URL.
import init from "../wasm/elements_poller.js";

await init({ module_or_path: new URL("../wasm/elements_poller_bg.wasm", import.meta.url) });
