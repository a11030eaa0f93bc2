// Node: instantiate the wasm synchronously, so importing the package is all a user does.
import { readFileSync } from "node:fs";
import { initSync } from "../wasm/elements_poller.js";

initSync({ module: readFileSync(new URL("../wasm/elements_poller_bg.wasm", import.meta.url)) });
