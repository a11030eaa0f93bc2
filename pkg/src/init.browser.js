// Browsers: fetch and compile the core once, by top-level await; bundlers resolve the .wasm
// URL, and a plain page resolves it against this file. Nothing calls into the wasm while the
// package's modules are evaluated (instance.js instantiates on first use), so a native
// module graph may evaluate them in any order.
import { provideModule } from "./instance.js";

const url = new URL("../wasm/elements_poller_bg.wasm", import.meta.url);
const response = await fetch(url);
if (!response.ok) throw new Error(`elements-poller: cannot load its wasm core from ${url} (HTTP ${response.status})`);
// Streaming compilation needs the application/wasm type; a static server may not send it.
const streaming =
  typeof WebAssembly.compileStreaming === "function" &&
  response.headers.get("content-type")?.split(";")[0].trim() === "application/wasm";
provideModule(
  streaming ? await WebAssembly.compileStreaming(response) : await WebAssembly.compile(await response.arrayBuffer()),
);
