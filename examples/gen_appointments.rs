//! A deterministic Infusionsoft (Keap) REST `appointments` listing, as the hub returns it:
//! a top-level JSON array, ~370 bytes a record, dates as `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
//! Used by `benches/detect.rs` and, as a file, by the Node benchmark:
//!
//! ```sh
//! cargo run --release --example gen_appointments -- appointments.json 50000
//! ```

#![allow(dead_code)]

/// 2024-01-01T00:00:00Z: the first creation date.
pub const BASE_MS: i64 = 1_704_067_200_000;
/// Modification dates spread over this many ms after `BASE_MS`.
pub const SPAN_MS: i64 = 365 * 86_400_000;

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

const WORDS: &[&str] = &[
    "quarterly",
    "review",
    "with",
    "the",
    "client",
    "about",
    "renewal",
    "pricing",
    "onboarding",
    "call",
    "follow-up",
    "demo",
    "of",
    "new",
    "dashboard",
    "contract",
    "signature",
    "and",
    "next",
    "steps",
    "for",
    "Q3",
    "budget",
    "planning",
    "\"urgent\"",
    "café",
    "notes:",
];

fn words(r: &mut u64, n: usize) -> String {
    (0..n).map(|_| WORDS[(splitmix(r) % WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
}

/// `n` appointment records; the same `seed` always gives the same bytes.
pub fn appointments(n: usize, seed: u64) -> Vec<u8> {
    let mut r = seed;
    let mut out = String::with_capacity(n * 380);
    out.push('[');
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let created = BASE_MS + (splitmix(&mut r) % (SPAN_MS as u64 / 2)) as i64;
        let modified = BASE_MS + (splitmix(&mut r) % SPAN_MS as u64) as i64;
        let modified = modified.max(created);
        let start = created + (splitmix(&mut r) % 2_592_000_000) as i64;
        let title = words(&mut r, 4).replace('"', "\\\"");
        let description = words(&mut r, 7).replace('"', "\\\"");
        out.push_str(&format!(
            concat!(
                r#"{{"id":{},"title":"{}","description":"{}","location":"Suite {}, 100 Main St","#,
                r#""start_date":"{}","end_date":"{}","creation_date":"{}","modification_date":"{}","#,
                r#""contact_id":{},"user":{},"remind_time":{},"all_day":{}}}"#
            ),
            100_000 + i,
            title,
            description,
            splitmix(&mut r) % 900 + 100,
            iso(start),
            iso(start + 1_800_000),
            iso(created),
            iso(modified),
            splitmix(&mut r) % 1_000_000,
            splitmix(&mut r) % 50 + 1,
            [5, 10, 15, 30][(splitmix(&mut r) % 4) as usize],
            splitmix(&mut r).is_multiple_of(10),
        ));
    }
    out.push(']');
    out.into_bytes()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "appointments.json".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(50_000);
    let body = appointments(n, 42);
    std::fs::write(&path, &body).expect("write the body");
    println!("{path}: {n} records, {} bytes", body.len());
}
