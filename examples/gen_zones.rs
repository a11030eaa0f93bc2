//! Generates `src/zone/tzdata.bin`, the IANA zone table the library embeds (see `src/zone.rs`
//! for the format). chrono-tz is only a dev-dependency: it is the source of truth here and in
//! `tests/zone_table.rs`, never linked into the library or the wasm.
//!
//! Regenerate (after bumping chrono-tz in Cargo.toml):
//!     cargo run --release --example gen_zones
//! then `cargo test --test zone_table` to compare the new table with chrono-tz.
//!
//! Method: for every zone, sample the UTC offset hourly over 1840..2100 (chrono-tz's transitions
//! lie in 1845..2099; it keeps the first offset before and the last after), binary-search each
//! change to the exact second, and repeat inside the hour until its end agrees, so two changes in
//! one hour are caught too (a change and its reversal both inside one hour would not be by
//! sampling alone: see `chrono_tz_span_starts`, which closes that gap). Every sampled instant is then re-checked against the table, as are
//! the offsets far outside the sampled range. Zones with identical tables (aliases) share one.

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{TZ_VARIANTS, Tz};
use std::collections::HashMap;

const START: i64 = -4_102_444_800; // 1840-01-01T00:00Z
const END: i64 = 4_102_444_800; // 2100-01-01T00:00Z
const STEP: i64 = 3600;
/// Transition times are stored as deltas from this base (before START).
const BASE: i64 = -4_200_000_000;

fn offset(tz: Tz, secs: i64) -> i32 {
    let dt = DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
    tz.offset_from_utc_datetime(&dt).fix().local_minus_utc()
}

/// (initial offset, [(utc second the new offset starts, new offset)])
type Table = (i32, Vec<(i64, i32)>);

fn transitions(tz: Tz) -> Table {
    let first = offset(tz, START);
    let mut out = Vec::new();
    let mut prev_t = START;
    let mut prev_o = first;
    let mut t = START + STEP;
    while t <= END {
        let o = offset(tz, t);
        // Every change in (prev_t, t]: the first second whose offset differs, then again from there.
        let mut lo = prev_t;
        let mut lo_o = prev_o;
        while lo_o != o {
            // offset(lo) == lo_o != offset(t): a second s in (lo, t] where the offset changes.
            let (mut a, mut b) = (lo, t);
            while b - a > 1 {
                let m = a + (b - a) / 2;
                if offset(tz, m) == lo_o { a = m } else { b = m }
            }
            let new_o = offset(tz, b);
            out.push((b, new_o));
            lo = b;
            lo_o = new_o;
        }
        prev_t = t;
        prev_o = o;
        t += STEP;
    }
    (first, out)
}

fn lookup(table: &Table, secs: i64) -> i32 {
    let i = table.1.partition_point(|&(t, _)| t <= secs);
    if i == 0 { table.0 } else { table.1[i - 1].1 }
}

fn verify(tz: Tz, table: &Table) {
    let mut t = START;
    while t <= END {
        assert_eq!(lookup(table, t), offset(tz, t), "{} at {t}", tz.name());
        t += STEP;
    }
    for &(t, _) in &table.1 {
        for s in [t - 1, t, t + 1] {
            assert_eq!(lookup(table, s), offset(tz, s), "{} at {s}", tz.name());
        }
    }
    for s in [-8_000_000_000_000, -100_000_000_000, START - 1, END + 1, 10_000_000_000, 8_000_000_000_000] {
        assert_eq!(lookup(table, s), offset(tz, s), "{} at {s}", tz.name());
    }
}

/// Every span start chrono-tz's generated source lists (any zone), when that source is found in
/// cargo's registry. Every zone's offsets are constant between its own span starts, so agreeing
/// at each of these instants and the second before proves the table equal to chrono-tz for all
/// instants, not just the sampled ones (it also covers a change and its reversal within an hour).
fn chrono_tz_span_starts() -> Option<Vec<i64>> {
    let home = std::env::var("CARGO_HOME").ok().or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")))?;
    for registry in std::fs::read_dir(format!("{home}/registry/src")).ok()?.flatten() {
        let path = registry.path().join("chrono-tz-0.10.4/src/prebuilt/timezones.rs");
        if let Ok(src) = std::fs::read_to_string(&path) {
            let mut starts: Vec<i64> = src
                .split("FixedTimespan {")
                .filter_map(|before| {
                    let before = before.trim_end().strip_suffix(',')?;
                    before[before.rfind('(')? + 1..].trim().parse().ok()
                })
                .collect();
            starts.sort();
            starts.dedup();
            eprintln!("checking every zone at the {} span starts in {}", starts.len(), path.display());
            return Some(starts);
        }
    }
    None
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// 28 Gregorian years (10,227 days): within 1901..2099 every weekday-of-month and fixed-date rule
/// repeats after it, so DST tails are stored once and repeated (see `split_repeat`).
const CYCLE: i64 = 10_227 * 86_400;

/// `(k, p)`: every transition from index `k` on is the one `p` before it, `CYCLE` later, with the
/// same offset; the smallest such `k` over periods `p` (`k == len` when there is no such tail).
fn split_repeat(tr: &[(i64, i32)]) -> (usize, usize) {
    let mut best = (tr.len(), 0);
    for p in 1..=tr.len().min(300) {
        let mut k = tr.len();
        while k > p && tr[k - 1].0 == tr[k - 1 - p].0 + CYCLE && tr[k - 1].1 == tr[k - 1 - p].1 {
            k -= 1;
        }
        if k < best.0 {
            best = (k, p);
        }
    }
    best
}

fn encode(table: &Table) -> Vec<u8> {
    let (first, tr) = (table.0, &table.1);
    let (k, p) = split_repeat(tr);
    // What the decoder rebuilds must be the table exactly.
    let mut rebuilt = tr[..k].to_vec();
    for i in k..tr.len() {
        rebuilt.push((rebuilt[i - p].0 + CYCLE, rebuilt[i - p].1));
    }
    assert_eq!(&rebuilt, tr);
    let mut out = Vec::new();
    varint(&mut out, zigzag(first as i64));
    varint(&mut out, k as u64);
    let mut pt = BASE;
    for &(t, _) in &tr[..k] {
        let d = t - pt;
        assert!(d > 0);
        varint(&mut out, if d % 60 == 0 { (d as u64 / 60) << 1 } else { ((d as u64) << 1) | 1 });
        pt = t;
    }
    let mut po = first;
    for &(_, o) in &tr[..k] {
        varint(&mut out, zigzag((o - po) as i64));
        po = o;
    }
    varint(&mut out, p as u64);
    varint(&mut out, (tr.len() - k) as u64);
    out
}

fn main() {
    let zones: Vec<Tz> = TZ_VARIANTS.to_vec();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = zones.len().div_ceil(threads);
    let tables: Vec<Table> = std::thread::scope(|s| {
        let handles: Vec<_> = zones
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|&tz| {
                            let t = transitions(tz);
                            verify(tz, &t);
                            t
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    match chrono_tz_span_starts() {
        Some(starts) => {
            for (&tz, table) in zones.iter().zip(&tables) {
                // And the parse of that source is sane: each change found is one of its starts.
                for &(t, _) in &table.1 {
                    assert!(starts.binary_search(&t).is_ok(), "{} changes at {t}, not a span start", tz.name());
                }
                for &s in &starts {
                    for s in [s - 1, s] {
                        assert_eq!(lookup(table, s), offset(tz, s), "{} at {s}", tz.name());
                    }
                }
            }
        }
        None => eprintln!("chrono-tz 0.10.4's source not found: checked at the sampled instants only"),
    }
    let mut distinct: Vec<Vec<u8>> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let mut zone_ix = Vec::new();
    let mut count = 0;
    for t in &tables {
        let bytes = encode(t);
        let next = distinct.len();
        let ix = *index.entry(bytes.clone()).or_insert_with(|| {
            distinct.push(bytes);
            count += t.1.len();
            next
        });
        zone_ix.push(ix);
    }
    let mut out = Vec::new();
    let names = zones.iter().map(|tz| tz.name()).collect::<Vec<_>>().join("\n");
    varint(&mut out, zones.len() as u64);
    varint(&mut out, names.len() as u64);
    out.extend_from_slice(names.as_bytes());
    varint(&mut out, distinct.len() as u64);
    for ix in zone_ix {
        varint(&mut out, ix as u64);
    }
    for d in &distinct {
        varint(&mut out, d.len() as u64);
    }
    for d in &distinct {
        out.extend_from_slice(d);
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/zone/tzdata.bin");
    std::fs::write(path, &out).unwrap();
    eprintln!("{} zones, {} distinct, {count} transitions, {} bytes -> {path}", zones.len(), distinct.len(), out.len());
}
