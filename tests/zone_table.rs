//! The embedded zone table (src/zone/tzdata.bin, written by examples/gen_zones.rs) against
//! chrono-tz, its source: every zone, the offset at every transition ±1 s, between transitions,
//! at random instants and far outside the table; local→UTC with the gap/fold rule around every
//! transition and at random local times, against the chrono-tz-based implementation it replaced.
#![cfg(not(target_arch = "wasm32"))]

use chrono::{DateTime, Offset, TimeZone};
use chrono_tz::{TZ_VARIANTS, Tz as ChronoTz};
use elements_poller::zone::{Tz, Zone};

const MAX_SECS: i64 = 8_000_000_000_000;

/// The previous `zone.rs`'s lookup, verbatim.
fn chrono_offset(tz: ChronoTz, secs: i64) -> i32 {
    let secs = secs.clamp(-MAX_SECS, MAX_SECS);
    match DateTime::from_timestamp(secs, 0) {
        Some(dt) => tz.offset_from_utc_datetime(&dt.naive_utc()).fix().local_minus_utc(),
        None => 0,
    }
}

/// The previous `Zone::offset_for_local` for an IANA zone, verbatim.
fn chrono_offset_for_local(tz: ChronoTz, local_ms: i64) -> i32 {
    let local = local_ms.div_euclid(1000);
    let before = chrono_offset(tz, local.saturating_sub(86_400));
    let after = chrono_offset(tz, local.saturating_add(86_400));
    let valid = |o: i32| chrono_offset(tz, local.saturating_sub(o as i64)) == o;
    match (valid(before), valid(after)) {
        (true, true) => before.max(after),
        (true, false) => before,
        (false, true) => after,
        (false, false) => {
            let guess = chrono_offset(tz, local);
            if valid(guess) { guess } else { before.min(after) }
        }
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo) as u64) as i64
    }
}

#[test]
fn every_zone_is_in_the_table_under_its_name() {
    let ours: Vec<&str> = Tz::all().map(|t| t.name()).collect();
    let theirs: Vec<&str> = TZ_VARIANTS.iter().map(|t| t.name()).collect();
    assert_eq!(ours, theirs);
    let mut not_iana = Vec::new();
    for tz in TZ_VARIANTS {
        match Zone::parse(tz.name()).unwrap() {
            Zone::Tz(t) => assert_eq!(t.name(), tz.name()),
            // Names Zone::parse reads before the table: GMT, UTC, offsets and Java's short ids.
            other => not_iana.push(format!("{}={other:?}", tz.name())),
        }
    }
    assert_eq!(
        not_iana.join(" "),
        "EST=Fixed(-18000) Etc/GMT=Fixed(0) Etc/UTC=Utc GMT=Fixed(0) GMT+0=Fixed(0) GMT-0=Fixed(0) HST=Fixed(-36000) MST=Fixed(-25200) UTC=Utc"
    );
}

#[test]
fn offsets_and_local_times_agree_with_chrono_tz() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0usize;
    for (&theirs, ours) in TZ_VARIANTS.iter().zip(Tz::all()) {
        let zone = Zone::Tz(ours);
        let transitions = ours.transitions();
        let mut instants: Vec<i64> =
            vec![-MAX_SECS - 5, -MAX_SECS, -100_000_000_000, -4_300_000_000, 0, 4_200_000_000, 100_000_000_000, MAX_SECS, MAX_SECS + 5];
        let mut prev_t = -4_300_000_000;
        for &(t, _) in &transitions {
            instants.extend([t - 1, t, t + 1, prev_t + (t - prev_t) / 2]);
            prev_t = t;
        }
        for _ in 0..100 {
            instants.push(rng.range(-4_200_000_000, 4_200_000_000));
        }
        for &s in &instants {
            let ms = s * 1000 + rng.range(0, 1000);
            assert_eq!(zone.offset_at(ms), chrono_offset(theirs, s), "{} at {s}", theirs.name());
        }
        // Local wall-clock times around every transition (both sides of each gap and fold and
        // inside them) and at random.
        let mut locals: Vec<i64> = Vec::new();
        let mut prev_o = zone.offset_at((transitions.first().map_or(0, |t| t.0) - 1) * 1000) as i64;
        for &(t, o) in &transitions {
            let o = o as i64;
            for base in [t + prev_o, t + o, t + (prev_o + o) / 2] {
                locals.extend([base - 1, base, base + 1]);
            }
            prev_o = o;
        }
        for _ in 0..100 {
            locals.push(rng.range(-4_200_000_000, 4_200_000_000));
        }
        locals.extend([-MAX_SECS, MAX_SECS]);
        for &l in &locals {
            let ms = l * 1000 + rng.range(0, 1000);
            let expected = chrono_offset_for_local(theirs, ms);
            assert_eq!(zone.offset_for_local(ms), expected, "{} local {l}", theirs.name());
            assert_eq!(zone.local_to_utc(ms), ms - expected as i64 * 1000, "{} local {l}", theirs.name());
        }
        checked += instants.len() + locals.len();
    }
    assert!(checked > 200_000, "{checked}");
}
