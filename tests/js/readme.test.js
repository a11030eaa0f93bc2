// Every ```js example in the README runs, as a user would paste it, against the built package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readme = readFileSync(`${root}README.md`, "utf8");
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test("the README has examples", () => assert.ok(blocks.length >= 1));

blocks.forEach((code, i) => {
  test(`README example ${i + 1} runs`, () => {
    // Inside the repository, so `elements-poller` resolves to the workspace package.
    const dir = `${root}test-results/readme`;
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/example-${i + 1}.mjs`;
    writeFileSync(file, code);
    const out = execFileSync("node", [file], { encoding: "utf8", timeout: 120_000 });
    // Examples show their output in `// ->` comments; each shown line must be printed.
    for (const [, expected] of code.matchAll(/\/\/ -> (.*)/g)) {
      assert.ok(
        out.includes(expected.trim()),
        `example ${i + 1} should print ${expected.trim()}\n--- it printed:\n${out}`,
      );
    }
  });
});
