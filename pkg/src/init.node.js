// Node, Bun, Deno: the compiled core from the file's bytes, synchronously, so importing the
// package is all a user does (and `require()` works: no top-level await in this graph).
import { readFileSync } from "node:fs";
import { provideModule } from "./instance.js";

provideModule(readFileSync(new URL("../wasm/elements_poller_bg.wasm", import.meta.url)));
