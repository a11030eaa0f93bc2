// The `elements-poller` command, run as a user runs it: a child process of the package's bin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers/cli.js";

test("--help lists every command and the exit codes", () => {
  const { code, out } = cli("--help");
  assert.equal(code, 0);
  assert.match(out, /date/);
  assert.match(out, /Exit codes/);
});

test("an unknown command is a usage error (exit 2)", () => {
  const { code, err } = cli("frobnicate");
  assert.equal(code, 2);
  assert.match(err, /unknown command "frobnicate"/);
});

test("date parse prints epoch ms and ISO; --json for scripts", () => {
  const iso = "2024-03-10T07:05:09.042Z";
  const { code, out } = cli("date", "parse", iso, "--format", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  assert.equal(code, 0);
  assert.equal(out.trim(), `${Date.parse(iso)}  ${iso}`);
  const j = cli("date", "parse", "2024-03-10 07:05", "--format", "yyyy-MM-dd HH:mm", "--zone", "-08:00", "--json");
  assert.deepEqual(JSON.parse(j.out), { ms: Date.parse("2024-03-10T15:05:00Z"), iso: "2024-03-10T15:05:00.000Z" });
});

test("date parse shows a caret under the failing column and exits 1", () => {
  const { code, err } = cli("date", "parse", "2024-03-10 07:05", "--format", "yyyy-MM-dd'T'HH:mm");
  assert.equal(code, 1);
  const lines = err.split("\n");
  assert.match(lines[0], /error\[date\.parse\.literal\]/);
  assert.equal(lines[2].indexOf("^") - lines[1].indexOf("2024"), 10);
});

test("date format takes epoch ms or an ISO instant", () => {
  assert.equal(cli("date", "format", "0", "--format", "yyyy-MM-dd HH:mm").out.trim(), "1970-01-01 00:00");
  assert.equal(
    cli("date", "format", "2024-03-10T07:05:09Z", "--format", "HH:mm", "--zone", "+05:30").out.trim(),
    "12:35",
  );
  assert.equal(cli("date", "format", "soon", "--format", "HH:mm").code, 2);
});

test("date lint reports the week-year pitfall", () => {
  const { code, err } = cli("date", "lint", "YYYY-MM-dd");
  assert.equal(code, 0);
  assert.match(err, /date-format\.week-year/);
  assert.match(err, /hint: /);
});
