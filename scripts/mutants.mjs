// `npm run mutants`: cargo-mutants over the boundary logic of change detection (issue 13).
// What is examined, the tests run for each mutant and the exclusions are in
// .cargo/mutants.toml; the survivors and why each is left are in docs/mutants.md. Not part of
// `npm test`: a full run takes a few hours on a 2-core machine.
//
// Extra arguments go to cargo-mutants, e.g. `npm run mutants -- -F 'src/detect/mod.rs'` for
// one file, `--in-place` to reuse ./target instead of building a copy of the tree.
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { ensureCargoMutants } from "./ensure.mjs";
import { root, step } from "./run.mjs";

ensureCargoMutants();

const out = `${root}/target/mutants-out`;
const extra = process.argv.slice(2);
// One build at a time (2 shared cores); `--in-place` is one at a time already and refuses `--jobs`.
const args = ["mutants", ...(extra.includes("--in-place") ? [] : ["--jobs", "1"]), "--output", out, ...extra];
step(`cargo ${args.join(" ")}`);
const started = new Date();
// Low priority: the machine is shared, and each mutant builds the crate again.
const r = spawnSync("nice", ["-n", "15", "cargo", ...args], { cwd: root, stdio: "inherit" });
if (r.error) {
  console.error(`could not run cargo mutants: ${r.error.message}`);
  process.exit(1);
}
// cargo-mutants exits 2 when some mutants were missed and 3 when some timed out: the run
// itself is fine then, and the summary below says which are explained.
if (![0, 2, 3].includes(r.status)) {
  console.error(`\ncargo mutants failed (exit ${r.status ?? r.signal})`);
  process.exit(r.status || 1);
}

const dir = `${out}/mutants.out`;
const outcomes = JSON.parse(readFileSync(`${dir}/outcomes.json`, "utf8"));
const count = (summary) => outcomes.outcomes.filter((o) => o.scenario !== "Baseline" && o.summary === summary).length;
const figures = {
  caught: count("CaughtMutant"),
  missed: count("MissedMutant"),
  unviable: count("Unviable"),
  timeout: count("Timeout"),
};
const total = figures.caught + figures.missed + figures.unviable + figures.timeout;

// A survivor is explained when docs/mutants.md names it (file and description, without the
// line and column, which move with every edit).
const key = (line) => line.trim().replace(/^([^:]+):\d+:\d+:\s*/, "$1: ");
const explained = readFileSync(`${root}/docs/mutants.md`, "utf8");
const missed = existsSync(`${dir}/missed.txt`)
  ? readFileSync(`${dir}/missed.txt`, "utf8")
      .split("\n")
      .filter((l) => l.trim())
  : [];
const unexplained = missed.filter((l) => !explained.includes(key(l)));

console.log(
  `\nmutation testing, ${started.toISOString().slice(0, 10)}, cargo-mutants over .cargo/mutants.toml${extra.length ? ` (${extra.join(" ")})` : ""}:`,
);
console.log(
  `${total} mutants: ${figures.caught} caught, ${figures.missed} missed, ${figures.unviable} unviable, ${figures.timeout} timeouts`,
);
// `--iterate` tests only what earlier runs did not catch; say how many it skipped.
const previous = existsSync(`${dir}/previously_caught.txt`)
  ? readFileSync(`${dir}/previously_caught.txt`, "utf8")
      .split("\n")
      .filter((l) => l.trim()).length
  : 0;
if (previous) console.log(`(${previous} more were caught or unviable in the earlier runs that --iterate skipped)`);
if (unexplained.length) {
  console.log(`\n${unexplained.length} missed mutants are not explained in docs/mutants.md:`);
  for (const l of unexplained) console.log(`  ${l}`);
  process.exit(1);
}
if (missed.length) console.log(`every missed mutant is explained in docs/mutants.md`);
