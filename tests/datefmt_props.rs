//! Properties of the date engine: format-then-parse returns the instant truncated to the
//! pattern's precision, for random instants, sensible patterns and zones; and nothing
//! panics on arbitrary patterns, texts, zone names or instants.

use elements_poller::datefmt::{self, DateFormat};
use elements_poller::zone::Zone;
use proptest::prelude::*;

const DATES: &[&str] = &[
    "yyyy-MM-dd",
    "dd.MM.yyyy",
    "MM/dd/yyyy",
    "yyyyMMdd",
    "EEE, dd MMM yyyy",
    "EEEE, MMMM d, yyyy",
    "d MMM yyyy G",
    "yyyy-DDD",
    "LLLL dd yyyy",
    "YYYY-'W'ww-u",
    "yyyy 'week' w 'of month' W, F E, MMM d",
];
const SEPARATORS: &[&str] = &["'T'", " ", "' at '", ", "];
const TIMES: &[&str] = &[
    "HH:mm",
    "HH:mm:ss",
    "HH:mm:ss.SSS",
    "hh:mm:ss a",
    "h:mm a",
    "kk:mm:ss",
    "KK:mm a",
    "HHmmss",
    "HH:mm:ss.S",
    "HH:mm:ss.SSSSSS",
    "HH:mm:ss,SS",
    "HH:mm:ss.SSSSSSSSS",
];
const OFFSETS: &[&str] = &["", "XXX", "Z", " z", "XX", " zzzz", "'Z'"];
const ZONES: &[&str] = &[
    "UTC",
    "GMT",
    "-08:00",
    "GMT+05:45",
    "PST",
    "IST",
    "America/New_York",
    "Europe/London",
    "Asia/Kathmandu",
    "Asia/Tehran",
    "Australia/Adelaide",
    "Australia/Eucla",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/St_Johns",
];
/// 1972..2099: later than the odd-second offsets of local mean time (which `XXX` cannot
/// print), earlier than the end of chrono-tz's tables.
const FROM: i64 = 63_072_000_000;
const TO: i64 = 4_102_444_800_000;

fn pattern() -> impl Strategy<Value = String> {
    (0..DATES.len(), 0..SEPARATORS.len(), 0..TIMES.len(), 0..OFFSETS.len())
        .prop_map(|(d, s, t, o)| format!("{}{}{}{}", DATES[d], SEPARATORS[s], TIMES[t], OFFSETS[o]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn format_then_parse_truncates_to_the_precision(p in pattern(), z in 0..ZONES.len(), ms in FROM..TO) {
        let f = DateFormat::compile(&p).unwrap();
        let zone = Zone::parse(ZONES[z]).unwrap();
        let text = f.format(ms, &zone);
        let parsed = f.parse(&text, &zone).map_err(|e| TestCaseError::fail(format!("{p:?} {text:?}: {e}")))?;
        let off = zone.offset_at(ms) as i64 * 1000;
        let local = ms + off;
        let truncated = local - local.rem_euclid(f.precision_ms());
        let has_offset = !p.ends_with("'Z'") && (p.ends_with('X') || p.ends_with('Z') || p.ends_with('z'));
        let expected = if has_offset { truncated - off } else { zone.local_to_utc(truncated) };
        prop_assert_eq!(parsed, expected, "{:?} in {}: {:?}", p, ZONES[z], text);
    }

    #[test]
    fn named_formats_round_trip(ms in -TO..TO, z in 0..ZONES.len()) {
        let zone = Zone::parse(ZONES[z]).unwrap();
        for (name, precision) in [("milliseconds", 1), ("timestamp", 1000), ("iso8601", 1)] {
            let f = DateFormat::compile(name).unwrap();
            let text = f.format(ms, &zone);
            prop_assert_eq!(f.parse(&text, &zone).unwrap(), ms - ms.rem_euclid(precision), "{} {:?}", name, text);
        }
    }

    #[test]
    fn arbitrary_patterns_never_panic(p in "\\PC{0,40}", text in "\\PC{0,40}", ms in any::<i64>(), z in 0..ZONES.len()) {
        let zone = Zone::parse(ZONES[z]).unwrap();
        let _ = datefmt::lint(&p, Some(ZONES[z]));
        if let Ok(f) = DateFormat::compile(&p) {
            let _ = f.format(ms, &zone);
            let _ = f.parse(&text, &zone);
            let _ = f.parse(&f.format(ms, &zone), &zone);
            let _ = f.precision_ms();
        }
    }

    #[test]
    fn pattern_letters_and_texts_never_panic(p in "[GyYMLwWDdFEuaHkKhmsSzZX' .:,/-]{1,24}", text in "[0-9A-Za-z +:.,/-]{0,40}", ms in any::<i64>()) {
        if let Ok(f) = DateFormat::compile(&p) {
            for zone in [Zone::UTC, Zone::parse("Australia/Lord_Howe").unwrap()] {
                let formatted = f.format(ms, &zone);
                let _ = f.parse(&formatted, &zone);
                let _ = f.parse(&text, &zone);
            }
        }
    }

    #[test]
    fn arbitrary_texts_never_panic_in_named_formats(text in "\\PC{0,40}", n in any::<f64>()) {
        for name in ["milliseconds", "timestamp", "iso8601"] {
            let f = DateFormat::compile(name).unwrap();
            let _ = f.parse(&text, &Zone::UTC);
            let _ = f.parse_number(n);
        }
        let _ = Zone::parse(&text);
    }

    #[test]
    fn numeric_texts_never_panic(text in "[0-9+-:.TZ ]{0,30}") {
        for p in ["yyyyMMddHHmmssSSS", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "iso8601", "timestamp", "milliseconds", "y-D k Z"] {
            let _ = DateFormat::compile(p).unwrap().parse(&text, &Zone::UTC);
        }
    }
}
