// Figures in the README that a build measures must be the build's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { sizeFigure, readmeFigure } from "../../scripts/wasm-size.mjs";

const root = new URL("../../", import.meta.url);

test("the README's wasm size is the built wasm's", () => {
  const size = JSON.parse(readFileSync(new URL("pkg/wasm/size.json", root), "utf8"));
  const wasm = readFileSync(new URL("pkg/wasm/elements_poller_bg.wasm", root));
  assert.equal(size.bytes, wasm.length, "size.json describes the wasm the package ships");
  assert.equal(
    readmeFigure(readFileSync(new URL("README.md", root), "utf8")),
    sizeFigure(size),
    "run `node scripts/wasm-size.mjs --write` after `npm run build`",
  );
});
