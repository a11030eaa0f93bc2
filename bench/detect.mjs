// `npm run bench` (part): detectChanges on the raw bytes of a 50,000-record appointments body
// (the same file `cargo bench --bench detect` generates), beside (a) JSON.parse alone, (b) the
// detection a web developer would write in plain JavaScript with @js-joda/core, and (c) the
// core compiled natively on the same bytes. Prints MB/s and ratios; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { detectChanges, BodyBuffer } from "elements-poller";
// The same module instance the package initialized: initSync() then returns its exports.
import { initSync } from "../pkg/wasm/elements_poller.js";
import { DateTimeFormatter, LocalDateTime, ZoneOffset } from "@js-joda/core";

const root = fileURLToPath(new URL("..", import.meta.url));
const decoder = new TextDecoder();
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments",
  idField: "id",
  datesConfiguration: { updatedDateField: "modification_date", updatedDateFormat: ISO, updatedDateTimezone: "GMT", createdDateField: "creation_date", createdDateFormat: ISO, createdDateTimezone: "GMT" },
};
// examples/gen_appointments.rs: modification dates spread over 2024; a poll from 99% of the way
// through reads about 1% as new, as a steady poll does (the same cut as benches/detect.rs).
const BASE_MS = Date.UTC(2024, 0, 1);
const SPAN_MS = 365 * 86_400_000;
const startFrom = new Date(BASE_MS + Math.floor(SPAN_MS / 100) * 99).toISOString();

/** The generator's body as bytes, written once under target/bench. */
function body(records) {
  const dir = `${root}target/bench`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/appointments-${records}.json`;
  execFileSync("cargo", ["run", "--quiet", "--release", "--example", "gen_appointments", "--", file, String(records)], { cwd: root, stdio: "ignore" });
  return { file, bytes: new Uint8Array(readFileSync(file)) };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, runs) {
  fn(); // warm up
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** The plain-JS detection: parse everything, read dates with a js-joda formatter, compare. */
function plainJs(bytes, watermark) {
  const fmt = DateTimeFormatter.ofPattern(ISO);
  const toMs = (s) => LocalDateTime.parse(s, fmt).toInstant(ZoneOffset.UTC).toEpochMilli();
  const events = [];
  for (const r of JSON.parse(decoder.decode(bytes))) {
    const updated = toMs(r.modification_date);
    if (updated < watermark) continue;
    const created = toMs(r.creation_date);
    events.push({ eventType: created >= watermark ? "CREATED" : "UPDATED", objectType: "appointments", objectId: String(r.id), date: new Date(updated).toISOString() });
  }
  return events;
}

export function benchDetect({ records = 50_000, runs = 15 } = {}) {
  const { file, bytes } = body(records);
  const mb = bytes.length / 1e6;
  const text = decoder.decode(bytes);
  const ours = () => detectChanges({ resource, state: null, startFrom, body: bytes, now: BASE_MS + SPAN_MS });
  // The same bytes already in wasm memory, where the Poller streams a response: what is timed
  // is then the detection alone, as it is natively (where the file is read before timing).
  const buffer = BodyBuffer.from(bytes);
  const inPlace = () => detectChanges({ resource, state: null, startFrom, body: buffer, now: BASE_MS + SPAN_MS });
  const oursOut = ours();
  const plainOut = plainJs(bytes, Date.parse(startFrom));
  if (oursOut.events.length !== plainOut.length) {
    throw new Error(`the two detections disagree: ${oursOut.events.length} vs ${plainOut.length} events`);
  }
  const native = JSON.parse(execFileSync("cargo", ["run", "--quiet", "--release", "--example", "detect_file", "--", file, startFrom], { cwd: root, encoding: "utf8" }));
  const t = {
    detect: time(ours, runs),
    inPlace: time(inPlace, runs),
    parse: time(() => JSON.parse(text), runs),
    decodeParse: time(() => JSON.parse(decoder.decode(bytes)), runs),
    plain: time(() => plainJs(bytes, Date.parse(startFrom)), Math.max(3, Math.floor(runs / 3))),
    native: native.ms,
  };
  const rate = (ms) => (mb / (ms / 1000)).toFixed(0);
  console.log(`\ndetectChanges on ${records.toLocaleString("en")} appointments, ${mb.toFixed(1)} MB, ${oursOut.events.length} events (medians of ${runs} runs)`);
  console.log(`  ${"".padEnd(46)}${"ms".padStart(9)}${"MB/s".padStart(8)}${"vs ours".padStart(10)}`);
  const row = (name, ms) => console.log(`  ${name.padEnd(46)}${ms.toFixed(1).padStart(9)}${rate(ms).padStart(8)}${(ms / t.detect).toFixed(2).padStart(9)}x`);
  row("detectChanges (wasm, Uint8Array copied in)", t.detect);
  row("detectChanges (wasm, body in a BodyBuffer)", t.inPlace);
  row("(a) JSON.parse alone (string already decoded)", t.parse);
  row("(a') TextDecoder + JSON.parse", t.decodeParse);
  row("(b) plain JS + @js-joda/core", t.plain);
  row(`(c) the core native (${native.events} events)`, t.native);
  console.log(`  ours is ${(t.parse / t.detect).toFixed(1)}x JSON.parse, ${(t.plain / t.detect).toFixed(1)}x plain JS (both with the copy into wasm memory)`);
  console.log(`  wasm takes ${(t.inPlace / t.native).toFixed(2)}x native's time on a body in memory (goal: at most 1.5x), ${(t.detect / t.native).toFixed(2)}x counting the copy into wasm memory`);
  buffer.free();
  return { mb, ...t };
}

/**
 * Peak wasm memory on a ~100 MB body: the body is copied in, so the goal is body + 32 MB.
 * Wasm memory only grows, so this runs in a fresh process: what ran before must not count.
 */
export function benchMemory() {
  if (process.argv[2] !== "--memory") {
    process.stdout.write(execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--memory"], { encoding: "utf8" }));
    return;
  }
  const { bytes } = body(270_000);
  const memory = initSync().memory;
  const before = memory.buffer.byteLength;
  const out = detectChanges({ resource, state: null, startFrom, body: bytes, now: BASE_MS + SPAN_MS });
  const after = memory.buffer.byteLength;
  const mib = (n) => (n / 1048576).toFixed(1);
  console.log(`\nwasm memory on a ${mib(bytes.length)} MiB body (${out.events.length} events): ${mib(before)} MiB before, ${mib(after)} MiB after; beyond the body: ${mib(after - bytes.length)} MiB (goal: at most 32)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] !== "--memory") benchDetect();
  benchMemory();
}
