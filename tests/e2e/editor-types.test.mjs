// The custom element's hand-written types, checked against a usage file with the DOM lib.
import { test } from "node:test";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("elements-poller/editor types check against their usage", () => {
  execFileSync(
    "npx",
    [
      "tsc",
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "false",
      "--target",
      "es2022",
      "--lib",
      "es2022,dom",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "tests/e2e/editor-usage.mts",
    ],
    { cwd: root, stdio: "pipe" },
  );
});
