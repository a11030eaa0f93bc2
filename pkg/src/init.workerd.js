// Cloudflare Workers (workerd): a Worker imports a .wasm file as a compiled
// WebAssembly.Module (there is no URL to fetch it from), so the core is at hand synchronously.
import module from "../wasm/elements_poller_bg.wasm";
import { provideModule } from "./instance.js";

provideModule(module);
