// How `npm run mutants` (scripts/mutants.mjs) accounts for missed mutants against
// docs/mutants.md, on a made-up missed.txt: two missed mutants of one kind need two
// explanations, and only the "Survivors" section explains. Runs no cargo.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { explainedCounts, missedKey, unexplained } from "../../scripts/mutants.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

const docs = `# Mutation testing

The run named \`src/a.rs: replace < with <= in scan\` here, which explains nothing.

## Survivors, and why each is left

- \`src/a.rs: replace < with <= in scan\` — equivalent, once.
- \`src/a.rs: replace && with || in scan\` (2 of them: 117:29, 117:46) — both equivalent.
- \`src/a.rs: replace f -> bool with true\` — equivalent.

## Missed earlier, killed since

- \`src/a.rs: replace g -> u32 with 0\` — killed by a test.
`;

test("a missed mutant's key is its file and description, without line and column", () => {
  assert.equal(missedKey("src/a.rs:117:38: replace < with <= in scan\n"), "src/a.rs: replace < with <= in scan");
  assert.equal(missedKey("  src/a.rs:9:1: replace f -> bool with true"), "src/a.rs: replace f -> bool with true");
});

test("only the Survivors section counts, once a name or N times with (N of them", () => {
  const counts = explainedCounts(docs);
  assert.equal(counts.get("src/a.rs: replace < with <= in scan"), 1);
  assert.equal(counts.get("src/a.rs: replace && with || in scan"), 2);
  assert.equal(counts.get("src/a.rs: replace g -> u32 with 0"), undefined, "killed since explains nothing");
});

test("two missed mutants of one kind need two explanations", () => {
  const missed = [
    "src/a.rs:117:38: replace < with <= in scan",
    "src/a.rs:117:58: replace < with <= in scan",
    "src/a.rs:117:29: replace && with || in scan",
    "src/a.rs:117:46: replace && with || in scan",
    "src/a.rs:9:5: replace f -> bool with true",
    "",
  ];
  assert.deepEqual(unexplained(missed, docs), ["src/a.rs:117:58: replace < with <= in scan"]);
  assert.deepEqual(unexplained(missed.slice(1), docs), [], "one of the two `<` is explained");
});

test("a mutant listed as killed since, or named only in a run's account, is not explained", () => {
  assert.deepEqual(unexplained(["src/a.rs:3:1: replace g -> u32 with 0"], docs), [
    "src/a.rs:3:1: replace g -> u32 with 0",
  ]);
  // A key must be the whole text between backticks: a longer description is another mutant.
  assert.deepEqual(unexplained(["src/a.rs:9:5: replace f -> bool with true2"], docs), [
    "src/a.rs:9:5: replace f -> bool with true2",
  ]);
  assert.deepEqual(unexplained(["src/b.rs:117:38: replace < with <= in scan"], docs), [
    "src/b.rs:117:38: replace < with <= in scan",
  ]);
});

test("docs/mutants.md has a Survivors section that names its survivors with their files", () => {
  const counts = explainedCounts(readFileSync(`${root}/docs/mutants.md`, "utf8"));
  assert.ok(counts.size > 0, "no survivor found: the section was renamed or its names lost their backticks");
  for (const k of counts.keys()) {
    if (/ in |replace |delete /.test(k)) assert.match(k, /^src\/\S+\.rs: /, `a survivor without its file: ${k}`);
  }
});
