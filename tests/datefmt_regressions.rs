//! Inputs that once failed, kept so they stay fixed. Fuzzing (cargo fuzz, targets
//! compile_pattern and parse_date) has found no crash so far; these came from proptest and
//! from review.

use elements_poller::datefmt::DateFormat;
use elements_poller::zone::Zone;

/// proptest: iso8601 dropped the seconds of old offsets (Asia/Kolkata in 1895 was
/// +05:21:10), so formatting then parsing moved the instant.
#[test]
fn iso8601_keeps_offset_seconds() {
    let f = DateFormat::compile("iso8601").unwrap();
    let zone = Zone::parse("IST").unwrap();
    let ms = -2_364_110_060_001;
    let text = f.format(ms, &zone);
    assert!(text.ends_with("+05:21:10"), "{text}");
    assert_eq!(f.parse(&text, &zone).unwrap(), ms);
}

/// Extreme instants format without overflow and with every letter.
#[test]
fn extreme_instants_format() {
    let f = DateFormat::compile("G yyyy YYYY MMMM LLL w W D d F EEEE u a H k K h m s SSSSSSSSS z zzzz Z X XX XXX").unwrap();
    for ms in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX] {
        for zone in [Zone::UTC, Zone::parse("Pacific/Chatham").unwrap(), Zone::Fixed(-18 * 3600)] {
            let text = f.format(ms, &zone);
            assert!(!text.is_empty());
            let _ = f.parse(&text, &zone);
        }
    }
}

/// Digit runs longer than any field, and non-ASCII text, are errors with columns in characters.
#[test]
fn long_numbers_and_non_ascii_are_clean_errors() {
    let f = DateFormat::compile("yyyy-MM-dd").unwrap();
    let e = f.parse("99999999999999999999999-01-01", &Zone::UTC).unwrap_err();
    assert_eq!((e.code, e.column), ("date.parse.out-of-range", Some(0)));
    let e = f.parse("2024-01-0é", &Zone::UTC).unwrap_err();
    assert_eq!((e.code, e.column), ("date.parse.out-of-range", Some(8)));
    let f = DateFormat::compile("'é'yyyy").unwrap();
    assert_eq!(f.parse("é2024x", &Zone::UTC).unwrap_err().column, Some(5));
    for name in ["milliseconds", "timestamp"] {
        let f = DateFormat::compile(name).unwrap();
        assert_eq!(f.parse("99999999999999999999", &Zone::UTC).unwrap_err().code, "date.parse.out-of-range");
        assert!(f.parse_number(f64::NAN).is_err());
        assert!(f.parse_number(1e300).is_err());
    }
}
