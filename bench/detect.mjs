// `npm run bench` (part): detectChanges on the raw bytes of a 50,000-record appointments body,
// beside (a) JSON.parse alone and (b) the detection a web developer would write in plain
// JavaScript with @js-joda/core. Prints MB/s and ratios; asserts nothing.
import { detectChanges } from "elements-poller";
// The same module instance the package initialized: initSync() then returns its exports.
import { initSync } from "../pkg/wasm/elements_poller.js";
import { DateTimeFormatter, LocalDateTime, ZoneOffset } from "@js-joda/core";
import { appointments, resource } from "./appointments.mjs";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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
  const fmt = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  const toMs = (s) => LocalDateTime.parse(s, fmt).toInstant(ZoneOffset.UTC).toEpochMilli();
  const events = [];
  for (const r of JSON.parse(decoder.decode(bytes))) {
    const updated = toMs(r.modification_date);
    if (updated <= watermark) continue;
    const created = toMs(r.creation_date);
    events.push({ eventType: created > watermark ? "CREATED" : "UPDATED", objectType: "appointments", objectId: String(r.id), date: new Date(updated).toISOString() });
  }
  return events;
}

export function benchDetect({ records = 50_000, runs = 7 } = {}) {
  const end = Date.UTC(2026, 10, 1);
  const bytes = encoder.encode(JSON.stringify(appointments(records, { end })));
  const mb = bytes.length / 1e6;
  // A realistic poll: the watermark one day before the newest record, so about 1% is new.
  const startFrom = new Date(end - 86_400_000).toISOString();
  const text = decoder.decode(bytes);
  const ours = () => detectChanges({ resource, state: null, startFrom, body: bytes, now: end });
  const oursOut = ours();
  const plainOut = plainJs(bytes, Date.parse(startFrom));
  if (oursOut.events.length !== plainOut.length) {
    throw new Error(`the two detections disagree: ${oursOut.events.length} vs ${plainOut.length} events`);
  }
  const t = {
    detect: time(ours, runs),
    parse: time(() => JSON.parse(text), runs),
    decodeParse: time(() => JSON.parse(decoder.decode(bytes)), runs),
    plain: time(() => plainJs(bytes, Date.parse(startFrom)), Math.max(3, Math.floor(runs / 2))),
  };
  const rate = (ms) => (mb / (ms / 1000)).toFixed(0);
  console.log(`\ndetectChanges on ${records.toLocaleString("en")} appointments, ${mb.toFixed(1)} MB, ${oursOut.events.length} events (median of ${runs} runs)`);
  console.log(`  ${"".padEnd(44)}${"ms".padStart(9)}${"MB/s".padStart(8)}${"ours is".padStart(11)}`);
  const row = (name, ms) => console.log(`  ${name.padEnd(44)}${ms.toFixed(1).padStart(9)}${rate(ms).padStart(8)}${(ms / t.detect).toFixed(1).padStart(10)}x`);
  row("detectChanges (wasm, bytes in)", t.detect);
  row("(a) JSON.parse alone (string already decoded)", t.parse);
  row("(a') TextDecoder + JSON.parse", t.decodeParse);
  row("(b) plain JS + @js-joda/core", t.plain);
  return { mb, ...t };
}

/** Peak wasm memory on a ~100 MB body: the body is copied in, so the goal is body + 32 MB. */
export function benchMemory() {
  const end = Date.UTC(2026, 10, 1);
  const bytes = encoder.encode(JSON.stringify(appointments(270_000, { end, seed: 7 })));
  const memory = initSync().memory;
  const before = memory.buffer.byteLength;
  const out = detectChanges({ resource, state: null, startFrom: new Date(end - 86_400_000).toISOString(), body: bytes, now: end });
  const after = memory.buffer.byteLength;
  const mib = (n) => (n / 1048576).toFixed(1);
  console.log(`\nwasm memory on a ${mib(bytes.length)} MiB body (${out.events.length} events): ${mib(before)} MiB before, ${mib(after)} MiB after; beyond the body: ${mib(after - bytes.length)} MiB (goal: at most 32)`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchDetect();
  benchMemory();
}
