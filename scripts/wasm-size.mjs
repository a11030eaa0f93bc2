// The wasm's size as the README quotes it, from what `npm run build` measured
// (pkg/wasm/size.json). `node scripts/wasm-size.mjs --write` puts the figures in README.md;
// tests/js/readme-figures.test.js fails while the README and the build disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { root } from "./run.mjs";

/** The README row's figure for `size` ({bytes, gzipBytes}). */
export function sizeFigure({ bytes, gzipBytes }) {
  return `${bytes.toLocaleString("en-US")} bytes, ${gzipBytes.toLocaleString("en-US")} gzipped (level 9)`;
}

/** The figure the README's "wasm size" row shows now. */
export function readmeFigure(readme) {
  return /^\| wasm size, every IANA zone \| ([\d,]+ bytes, [\d,]+ gzipped \(level 9\))/m.exec(readme)?.[1];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const size = JSON.parse(readFileSync(`${root}/pkg/wasm/size.json`, "utf8"));
  const figure = sizeFigure(size);
  console.log(figure);
  if (process.argv.includes("--write")) {
    const path = `${root}/README.md`;
    const readme = readFileSync(path, "utf8");
    const old = readmeFigure(readme);
    if (!old) throw new Error("README.md has no wasm size row to update");
    writeFileSync(path, readme.replace(old, figure));
  }
}
