//! Ad hoc: the zone table's lookups beside chrono-tz's (release). `cargo run --release --example zone_speed`
use chrono::{DateTime, Offset, TimeZone};
use elements_poller::zone::Zone;
use std::hint::black_box;
use std::time::Instant;

fn chrono_offset(tz: chrono_tz::Tz, secs: i64) -> i32 {
    let dt = DateTime::from_timestamp(secs, 0).unwrap().naive_utc();
    tz.offset_from_utc_datetime(&dt).fix().local_minus_utc()
}

fn main() {
    let n = 2_000_000i64;
    for name in ["America/New_York", "Europe/Paris", "Asia/Kolkata"] {
        let zone = Zone::parse(name).unwrap();
        let tz: chrono_tz::Tz = name.parse().unwrap();
        let t = Instant::now();
        let mut acc = 0i64;
        for i in 0..n {
            acc += zone.local_to_utc(black_box(1_600_000_000_000 + i * 997_003));
        }
        let ours = t.elapsed();
        let t = Instant::now();
        for i in 0..n {
            acc += zone.offset_at(black_box(1_600_000_000_000 + i * 997_003)) as i64;
        }
        let ours_at = t.elapsed();
        let t = Instant::now();
        for i in 0..n {
            acc += chrono_offset(tz, black_box(1_600_000_000 + i * 997)) as i64;
        }
        let theirs = t.elapsed();
        let ns = |d: std::time::Duration| d.as_nanos() as f64 / n as f64;
        println!("{name}: table local_to_utc {:.1} ns, offset_at {:.1} ns; chrono-tz offset {:.1} ns [{acc}]", ns(ours), ns(ours_at), ns(theirs));
    }
}
