// `npm test`: every test, on a fresh clone too. Installs what is missing, builds, then runs
// the Rust tests (native and wasm in Node), the Node tests on the built package, the type
// check, the packaging tests (the tarball in every runtime) and the browser tests in Debian's
// Chromium.
import { run, step } from "./run.mjs";
import { ensureNodeModules, ensureChromium } from "./ensure.mjs";
import { buildPackage } from "./build.mjs";
import { buildConsole } from "./start.mjs";

ensureNodeModules();
ensureChromium();
buildPackage();

step("Rust tests (native)");
run("cargo", ["test", "--quiet"]);

step("Rust tests of the wasm binding (wasm-bindgen-test in Node)");
run("cargo", ["test", "--target", "wasm32-unknown-unknown", "--features", "wasm", "--test", "wasm"]);

step("type check of the package's .d.ts against its usage");
run("npx", ["tsc", "-p", "tests/types/tsconfig.json"]);
step(
  "type check in a Node-only project (lib es2022, @types/node), and of the package's JS against its JSDoc (checkJs)",
);
run("npx", ["tsc", "-p", "tests/types/node-only/tsconfig.json"]);
run("npx", ["tsc", "-p", "tests/types/checkjs/tsconfig.json"]);

step("Node tests on the built package");
run("node", ["--test", "--test-concurrency=1", "tests/js/"]);

step(
  "packaging tests: the packed tarball in Node (ESM, require), Bun, Deno, workerd, Vite and a plain page in Chromium",
);
run("node", ["--test", "--test-concurrency=1", "tests/packaging/"]);

buildConsole();
step("browser tests (Playwright with Debian's Chromium)");
run("node", ["--test", "--test-concurrency=1", "tests/e2e/"]);
