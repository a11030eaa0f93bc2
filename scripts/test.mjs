// `npm test`: every test, on a fresh clone too. Installs what is missing, runs the cheap
// checks first (formatting, lints, docs: seconds, where the tests take minutes), builds, then
// runs the Rust tests (native and wasm in Node), the Node tests on the built package, the events
// service's tests (on a PostgreSQL they start), the type
// check, the packaging tests (the tarball in every runtime) and the browser tests in Debian's
// Chromium. Any failure stops the run.
import { run, step } from "./run.mjs";
import { ensureNodeModules, ensureChromium, ensureWasmTarget, ensurePostgres } from "./ensure.mjs";
import { buildPackage } from "./build.mjs";
import { buildConsole } from "./start.mjs";

ensureNodeModules();

step("cheap checks: rustfmt, clippy, rustdoc (missing docs are errors), ESLint, Prettier");
run("cargo", ["fmt", "--check"]);
run("cargo", ["clippy", "--all-targets", "--quiet", "--", "-D", "warnings"]);
// The binding layer compiles only for wasm32 with the `wasm` feature: lint it there too.
ensureWasmTarget();
run("cargo", "clippy --target wasm32-unknown-unknown --features wasm --lib --quiet -- -D warnings".split(" "));
// `#![warn(missing_docs)]` in lib.rs; -D warnings makes it (and a broken doc link) fail here.
run("cargo", ["doc", "--no-deps", "--quiet", "--features", "wasm"], {
  env: { ...process.env, RUSTDOCFLAGS: "-D warnings" },
});
run("npx", ["eslint", "--max-warnings=0", "."]);
run("npx", ["prettier", "--check", "--log-level=warn", "**/*.{js,mjs,cjs}"]);

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
  "events service tests (server/): the API, PATCH (also while a worker is stopped mid-cycle), Keap direct, the shared rate limit (a SIGTERM cuts its wait short), dead letters and chains, an orphaned PostgreSQL, exactly once at scale under faults, the schedule, the README's commands, on a PostgreSQL they start",
);
ensurePostgres();
run("node", ["--test", "--test-concurrency=1", "tests/server/"]);

step(
  "packaging tests: the packed tarball in Node (ESM, require), Bun, Deno, workerd, Vite and a plain page in Chromium",
);
run("node", ["--test", "--test-concurrency=1", "tests/packaging/"]);

buildConsole();
step("browser tests (Playwright with Debian's Chromium)");
run("node", ["--test", "--test-concurrency=1", "tests/e2e/"]);
