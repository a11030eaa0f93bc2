//! Parsing `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` values with a compiled pattern, beside chrono's
//! `NaiveDateTime::parse_from_str` (which re-reads its format string for every value).
//!
//!     cargo bench --bench datefmt
//!
//! Criterion reports each side; the last lines print ns per value and the ratio.

use chrono::NaiveDateTime;
use criterion::{Criterion, Throughput};
use elements_poller::datefmt::DateFormat;
use elements_poller::zone::Zone;
use std::hint::black_box;
use std::time::Instant;

const PATTERN: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
const CHRONO: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// 1000 distinct instants spread over 2000..2036, formatted by the engine under test.
fn inputs(f: &DateFormat) -> Vec<String> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..1000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ms = 946_684_800_000 + (x % 1_136_073_600_000) as i64;
            f.format(ms, &Zone::UTC)
        })
        .collect()
}

fn ours(f: &DateFormat, values: &[String]) -> i64 {
    values.iter().map(|v| f.parse(black_box(v), &Zone::UTC).unwrap()).fold(0, i64::wrapping_add)
}

fn chrono(values: &[String]) -> i64 {
    values.iter().map(|v| NaiveDateTime::parse_from_str(black_box(v), CHRONO).unwrap().and_utc().timestamp_millis()).fold(0, i64::wrapping_add)
}

/// The best of many rounds, in ns per value: steadier than a mean on a shared machine.
fn ns_per_value(values: &[String], mut run: impl FnMut() -> i64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..200 {
        let t = Instant::now();
        black_box(run());
        best = best.min(t.elapsed().as_nanos() as f64 / values.len() as f64);
    }
    best
}

fn main() {
    let f = DateFormat::compile(PATTERN).unwrap();
    let values = inputs(&f);
    assert_eq!(ours(&f, &values), chrono(&values), "both sides must read the same instants");

    let mut c = Criterion::default().configure_from_args();
    let mut g = c.benchmark_group("parse 1000 values");
    g.throughput(Throughput::Elements(values.len() as u64));
    g.bench_function("elements-poller compiled pattern", |b| b.iter(|| ours(&f, &values)));
    g.bench_function("chrono parse_from_str", |b| b.iter(|| chrono(&values)));
    g.finish();
    c.final_summary();

    let a = ns_per_value(&values, || ours(&f, &values));
    let b = ns_per_value(&values, || chrono(&values));
    println!("elements-poller: {a:.1} ns/value; chrono parse_from_str: {b:.1} ns/value; ratio {:.1}x", b / a);
}
