// `npm run bench` (part): detectChanges on the raw bytes of a 50,000-record appointments body
// (the same file `cargo bench --bench detect` generates), beside (a) JSON.parse alone, (b) the
// detection a web developer would write in plain JavaScript with @js-joda/core, and (c) the
// core compiled natively on the same bytes, doing the same work as the wasm call does in the
// core (the detection, then the events' text columns and the state's JSON that src/wasm.rs hands
// over; examples/detect_file.rs). Prints MB/s and ratios; asserts nothing.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { detectChanges, BodyBuffer, PollCycle, buildNotifications } from "elements-poller";
// The same module the package's entry loaded (the workspace link resolves to this file).
import { bindings, rawExports } from "../pkg/src/instance.js";
import { DateTimeFormatter, LocalDateTime, ZoneOffset } from "@js-joda/core";

const root = fileURLToPath(new URL("..", import.meta.url));
const decoder = new TextDecoder();
const ISO = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const resource = {
  name: "appointments",
  url: "/hubs/crm/appointments",
  idField: "id",
  datesConfiguration: {
    updatedDateField: "modification_date",
    updatedDateFormat: ISO,
    updatedDateTimezone: "GMT",
    createdDateField: "creation_date",
    createdDateFormat: ISO,
    createdDateTimezone: "GMT",
  },
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
  execFileSync("cargo", ["run", "--quiet", "--release", "--example", "gen_appointments", "--", file, String(records)], {
    cwd: root,
    stdio: "ignore",
  });
  execFileSync("cargo", ["build", "--quiet", "--release", "--example", "detect_file"], { cwd: root, stdio: "ignore" });
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

/**
 * Medians of several functions timed in turns (a, b, c, a, b, c, ...), so that a ratio of two
 * of them compares runs made under the same load: on a shared machine, load that comes and
 * goes would otherwise favour whichever ran while it was quiet. A function that times itself
 * (the native run, in its own process) returns `{ ms }`, which is taken instead. `ratio(a, b)`
 * is the median of each round's `a / b`, runs made back to back.
 */
function interleaved(fns, runs) {
  const names = Object.keys(fns);
  for (const n of names) fns[n](); // warm up
  const ms = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    // The order turns each round: a call that leaves garbage (50,000 event objects) slows
    // whichever runs next, and that must not always be the same one.
    for (const n of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
      const t = performance.now();
      const own = fns[n]()?.ms;
      ms[n].push(typeof own === "number" ? own : performance.now() - t);
    }
  }
  return {
    ...Object.fromEntries(names.map((n) => [n, median(ms[n])])),
    ratio: (a, b) => median(ms[a].map((x, i) => x / ms[b][i])),
  };
}

/**
 * One turn of the core compiled natively on the same bytes (examples/detect_file.rs, built
 * once by `body`): its own median of three runs after a warm-up, in a fresh
 * process started in this turn, so that it meets the same load as the wasm turns beside it.
 */
function nativeTurn(file, startFrom) {
  const bin = `${root}target/release/examples/detect_file`;
  return JSON.parse(execFileSync(bin, [file, startFrom, "3"], { encoding: "utf8" }));
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
    events.push({
      eventType: created >= watermark ? "CREATED" : "UPDATED",
      objectType: "appointments",
      objectId: String(r.id),
      date: new Date(updated).toISOString(),
    });
  }
  return events;
}

/** How many records become events: a quiet poll, a busy one, and a backfill where all do. */
const SHARES = [
  { name: "quiet (~1% events)", startFrom: new Date(BASE_MS + Math.floor(SPAN_MS / 100) * 99).toISOString() },
  { name: "busy (~1/3 events)", startFrom: new Date(BASE_MS + Math.floor((SPAN_MS / 3) * 2)).toISOString() },
  { name: "backfill (all events)", startFrom: "beginning" },
];

export function benchDetect({ records = 50_000, runs = 9 } = {}) {
  const { file, bytes } = body(records);
  const mb = bytes.length / 1e6;
  const text = decoder.decode(bytes);
  const buffer = BodyBuffer.from(bytes);
  // The wasm core's own call (src/wasm.rs), without the package's JS around it: what the
  // native build is compared with, like for like, in the last column.
  const core = bindings();
  const coreBuffer = core.BodyBuffer.fromBytes(bytes);
  const resourceJson = JSON.stringify(resource);
  console.log(
    `\ndetectChanges on ${records.toLocaleString("en")} appointments, ${mb.toFixed(1)} MB (medians of ${runs} rounds; in each round, back to back: JSON.parse alone on the same text, the call on the bytes and on a BodyBuffer, the wasm core alone, and the native core in a process of its own; each ratio is the median of the rounds' ratios, but vs js-joda, which is timed on its own and is a ratio of medians)`,
  );
  console.log(
    `  ${"share".padEnd(24)}${"events".padStart(8)}${"ms".padStart(8)}${"MB/s".padStart(7)}${"in buf".padStart(8)}${"core".padStart(8)}${"native".padStart(8)}${"parse".padStart(8)}${"vs JSON.parse".padStart(15)}${"vs js-joda".padStart(12)}${"wasm/native".padStart(13)}${"core/native".padStart(13)}`,
  );
  const rows = [];
  for (const share of SHARES) {
    const watermark = share.startFrom === "beginning" ? -Infinity : Date.parse(share.startFrom);
    const run = (b) => () =>
      detectChanges({ resource, state: null, startFrom: share.startFrom, body: b, now: BASE_MS + SPAN_MS });
    const out = run(bytes)();
    const plainOut = plainJs(bytes, watermark);
    if (out.events.length !== plainOut.length)
      throw new Error(`${share.name}: the two detections disagree: ${out.events.length} vs ${plainOut.length} events`);
    const optionsJson = JSON.stringify({ startFrom: share.startFrom, now: BASE_MS + SPAN_MS });
    const native = nativeTurn(file, share.startFrom);
    if (native.events !== out.events.length)
      throw new Error(`${share.name}: native and wasm disagree: ${native.events} vs ${out.events.length} events`);
    const t = {
      ...interleaved(
        {
          parse: () => JSON.parse(text),
          detect: run(bytes),
          inPlace: run(buffer),
          core: () => core.detectChanges(resourceJson, "", optionsJson, coreBuffer),
          native: () => nativeTurn(file, share.startFrom),
        },
        runs,
      ),
      plain: time(() => plainJs(bytes, watermark), Math.max(3, Math.floor(runs / 3))),
    };
    const { ratio: _, ...medians } = t;
    rows.push({ share: share.name, events: out.events.length, ...medians });
    console.log(
      `  ${share.name.padEnd(24)}${String(out.events.length).padStart(8)}${t.detect.toFixed(1).padStart(8)}${(mb / (t.detect / 1000)).toFixed(0).padStart(7)}` +
        `${t.inPlace.toFixed(1).padStart(8)}${t.core.toFixed(1).padStart(8)}${t.native.toFixed(1).padStart(8)}${t.parse.toFixed(1).padStart(8)}${`${t.ratio("parse", "detect").toFixed(2)}x`.padStart(15)}${`${(t.plain / t.detect).toFixed(1)}x`.padStart(12)}${`${t.ratio("inPlace", "native").toFixed(2)}x`.padStart(13)}${`${t.ratio("core", "native").toFixed(2)}x`.padStart(13)}`,
    );
  }
  console.log(
    "  goals: at least 10x js-joda and 1.5x JSON.parse at every share, 3x JSON.parse when quiet; wasm within 1.5x native (wasm/native: the package's call on a BodyBuffer, events made objects; core/native: the wasm core's own call, which hands the events over as columns, like for like with the native core's detection, text columns and state JSON)",
  );
  buffer.free();
  coreBuffer.free();
  return { mb, rows };
}

/** `PollCycle.finish()` and `buildNotifications` when a cycle yields 50,000 events. */
export function benchManyEvents({ records = 50_000, runs = 5 } = {}) {
  const { bytes } = body(records);
  const buffer = BodyBuffer.from(bytes);
  const cycleOnce = () => {
    const c = new PollCycle({
      resource,
      state: null,
      startFrom: "beginning",
      now: BASE_MS + SPAN_MS,
      baseUrl: "https://hub.example",
    });
    c.nextRequest();
    c.handleResponse({ status: 200, headers: {}, body: buffer });
    const t = performance.now();
    const out = c.finish();
    return { ms: performance.now() - t, out };
  };
  const { out } = cycleOnce();
  const finish = median(Array.from({ length: runs }, () => cycleOnce().ms));
  const notify = time(
    () => buildNotifications(out.events, { callbackUrl: "https://app.example/events", signatureKey: "k" }),
    runs,
  );
  const json = time(() => JSON.parse(JSON.stringify(out.events)), runs);
  console.log(
    `\n${out.events.length.toLocaleString("en")} events: PollCycle.finish() ${finish.toFixed(1)} ms; buildNotifications (signed, ${Math.ceil(out.events.length / 10)} requests) ${notify.toFixed(1)} ms; JSON round trip of the events alone ${json.toFixed(1)} ms`,
  );
  buffer.free();
}

/**
 * Peak wasm memory on a ~100 MB body: the body is copied in, so the goal is body + 32 MB.
 * Wasm memory only grows, so this runs in a fresh process: what ran before must not count.
 */
export function benchMemory() {
  if (process.argv[2] !== "--memory") {
    process.stdout.write(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--memory"], { encoding: "utf8" }),
    );
    return;
  }
  const { bytes } = body(270_000);
  const memory = rawExports().memory;
  const before = memory.buffer.byteLength;
  const out = detectChanges({ resource, state: null, startFrom, body: bytes, now: BASE_MS + SPAN_MS });
  const after = memory.buffer.byteLength;
  const mib = (n) => (n / 1048576).toFixed(1);
  console.log(
    `\nwasm memory on a ${mib(bytes.length)} MiB body (${out.events.length} events): ${mib(before)} MiB before, ${mib(after)} MiB after; beyond the body: ${mib(after - bytes.length)} MiB (goal: at most 32)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] !== "--memory") {
    benchDetect();
    benchManyEvents();
  }
  benchMemory();
}
