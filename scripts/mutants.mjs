// `npm run mutants`: cargo-mutants over the boundary logic of change detection (issue 13).
// What is examined, the tests run for each mutant and the exclusions are in
// .cargo/mutants.toml; the survivors and why each is left are in docs/mutants.md. Not part of
// `npm test`: a full run takes a few hours on a 2-core machine.
//
// Extra arguments go to cargo-mutants, e.g. `npm run mutants -- -F 'src/detect/mod.rs'` for
// one file, `--in-place` to reuse ./target instead of building a copy of the tree, `--jobs 2`
// for two builds side by side in copied trees.
//
// `--wasm` runs the code only a wasm32 build compiles instead (src/detect/scan_simd128.rs, the
// scanner's simd128 searches, which the native set leaves out: natively every mutant of it
// would survive untested), built for wasm32 and tested by tests/wasm.rs in Node.
//
// How a missed mutant is accounted for (`unexplained` below, tested by
// tests/js/mutants.test.js): its key is its line in missed.txt without the line and column
// (`src/detect/scan.rs: replace < with <= in scan`), which move with every edit. Only the
// section "Survivors, and why each is left" of docs/mutants.md explains, and there a key
// counts where it is written whole between backticks: once, or N times when the backticks are
// followed by `(N of them`, e.g. `` `src/detect/scan.rs: replace < with <= in scan` (2 of them:
// 117:38, 117:58) ``. A run's missed mutants that share a key must be named at least as many
// times as there are of them, so one explanation never covers a second mutant of the same kind
// by accident. A mutant the docs list as killed since is not explained: missed again, it is a
// regression.
import { existsSync, readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";
import { ensureCargoMutants, ensureWasmBindgen, ensureWasmTarget } from "./ensure.mjs";
import { root, step } from "./run.mjs";

/** A missed.txt line's key: the file and the description, without line and column. */
export function missedKey(line) {
  return line.trim().replace(/^([^:]+):\d+:\d+:\s*/, "$1: ");
}

/** The text of docs/mutants.md's "Survivors" section (to the next heading), or "". */
export function survivorsSection(docs) {
  const m = docs.match(/^## Survivors, and why each is left\n([\s\S]*?)(?=^#{1,6} |(?![\s\S]))/m);
  return m ? m[1] : "";
}

/** How many mutants of each key the Survivors section explains: `key` once, `key` (N of them N. */
export function explainedCounts(docs) {
  const counts = new Map();
  for (const m of survivorsSection(docs).matchAll(/`([^`\n]+)`(?:\s*\((\d+) of them\b)?/g)) {
    counts.set(m[1], (counts.get(m[1]) ?? 0) + (m[2] ? Number(m[2]) : 1));
  }
  return counts;
}

/**
 * The missed.txt lines that docs/mutants.md does not account for: for each key, the lines past
 * the number of times the Survivors section names it (all of them when it names it none).
 */
export function unexplained(missedLines, docs) {
  const counts = explainedCounts(docs);
  const byKey = new Map();
  for (const l of missedLines.filter((l) => l.trim())) {
    const k = missedKey(l);
    byKey.set(k, [...(byKey.get(k) ?? []), l.trim()]);
  }
  return [...byKey].flatMap(([k, lines]) => lines.slice(counts.get(k) ?? 0));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) main();

function main() {
  ensureCargoMutants();

  const wasm = process.argv.includes("--wasm");
  const out = `${root}/target/${wasm ? "mutants-wasm-out" : "mutants-out"}`;
  const extra = process.argv.slice(2).filter((a) => a !== "--wasm");
  if (wasm) {
    ensureWasmTarget();
    ensureWasmBindgen(); // its wasm-bindgen-test-runner runs tests/wasm.rs
    // Not .cargo/mutants.toml's set: only this file, and only the wasm tests see it.
    extra.unshift(
      "--no-config",
      "--file",
      "src/detect/scan_simd128.rs",
      "--profile",
      "mutants",
      "--cargo-arg=--target=wasm32-unknown-unknown",
      "--cargo-arg=--features=wasm",
      "--cargo-arg=--test=wasm",
    );
  }
  // One build at a time (2 shared cores) unless the caller says how many: `--in-place` is one at a
  // time already and refuses `--jobs`, and cargo-mutants refuses `--jobs` given twice.
  const callerJobs = extra.some((a) => a === "--jobs" || a === "-j" || a.startsWith("--jobs=") || /^-j\d+$/.test(a));
  const args = [
    "mutants",
    ...(extra.includes("--in-place") || callerJobs ? [] : ["--jobs", "1"]),
    "--output",
    out,
    ...extra,
  ];
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

  // `--list` (and `--list-files`) only print what would run: there are no outcomes to read.
  if (extra.some((a) => a === "--list" || a === "--list-files")) process.exit(0);

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

  // Each survivor must be accounted for in docs/mutants.md (the rule is in the comment at the top).
  const missed = existsSync(`${dir}/missed.txt`)
    ? readFileSync(`${dir}/missed.txt`, "utf8")
        .split("\n")
        .filter((l) => l.trim())
    : [];
  const left = unexplained(missed, readFileSync(`${root}/docs/mutants.md`, "utf8"));

  console.log(
    `\nmutation testing, ${started.toISOString().slice(0, 10)}, cargo-mutants over ${wasm ? "src/detect/scan_simd128.rs, built for wasm32 and tested by tests/wasm.rs" : ".cargo/mutants.toml"}${extra.length ? ` (${extra.join(" ")})` : ""}:`,
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
  if (left.length) {
    console.log(
      `\n${left.length} missed mutants are not explained in docs/mutants.md ("Survivors", one naming each, or "(N of them"):`,
    );
    for (const l of left) console.log(`  ${l}`);
    process.exit(1);
  }
  if (missed.length) console.log(`every missed mutant is explained in docs/mutants.md`);
}
