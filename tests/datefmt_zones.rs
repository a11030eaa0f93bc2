//! Zones through the public API: gaps, folds, half-hour DST, odd offsets, short ids.

use elements_poller::datefmt::{self, DateFormat};
use elements_poller::zone::Zone;

fn at(pattern: &str, text: &str, zone: &str) -> i64 {
    DateFormat::compile(pattern).unwrap().parse(text, &Zone::parse(zone).unwrap()).unwrap()
}

const P: &str = "yyyy-MM-dd HH:mm";

#[test]
fn gaps_move_forward_by_their_length() {
    // New York 2024-03-10 02:30 does not exist: 03:30 EDT.
    assert_eq!(at(P, "2024-03-10 02:30", "America/New_York"), at(P, "2024-03-10 07:30", "UTC"));
    // Lord Howe moves by 30 minutes: 2024-10-06 02:15 does not exist, 02:45 (+11:00) it is.
    assert_eq!(at(P, "2024-10-06 02:15", "Australia/Lord_Howe"), at(P, "2024-10-05 15:45", "UTC"));
}

#[test]
fn folds_take_the_earlier_offset() {
    // New York 2024-11-03 01:30 happens twice: EDT (-4) first.
    assert_eq!(at(P, "2024-11-03 01:30", "America/New_York"), at(P, "2024-11-03 05:30", "UTC"));
    // Lord Howe 2024-04-07 01:45 happens twice: +11:00 first.
    assert_eq!(at(P, "2024-04-07 01:45", "Australia/Lord_Howe"), at(P, "2024-04-06 14:45", "UTC"));
}

#[test]
fn odd_offsets_format_as_the_jdk_does() {
    let f = DateFormat::compile("yyyy-MM-dd'T'HH:mmXXX Z X").unwrap();
    let ms = at(P, "2024-01-15 12:00", "UTC");
    assert_eq!(f.format(ms, &Zone::parse("Asia/Kathmandu").unwrap()), "2024-01-15T17:45+05:45 +0545 +05");
    assert_eq!(f.format(ms, &Zone::parse("Australia/Eucla").unwrap()), "2024-01-15T20:45+08:45 +0845 +08");
    assert_eq!(f.format(ms, &Zone::parse("America/St_Johns").unwrap()), "2024-01-15T08:30-03:30 -0330 -03");
    assert_eq!(f.format(ms, &Zone::parse("-8:00").unwrap()), "2024-01-15T04:00-08:00 -0800 -08");
}

#[test]
fn text_offsets_win_over_the_configured_zone() {
    let p = "yyyy-MM-dd'T'HH:mm:ssXXX";
    assert_eq!(at(p, "2024-01-15T12:00:00+05:30", "America/New_York"), at(P, "2024-01-15 06:30", "UTC"));
    assert_eq!(at(p, "2024-01-15T12:00:00Z", "Asia/Tokyo"), at(P, "2024-01-15 12:00", "UTC"));
}

#[test]
fn literal_z_with_a_local_zone_is_linted() {
    let codes: Vec<_> = datefmt::lint("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Some("PST")).into_iter().map(|d| d.code).collect();
    assert_eq!(codes, ["date-format.literal-z-zone"]);
}
