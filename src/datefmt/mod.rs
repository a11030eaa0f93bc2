//! Java `SimpleDateFormat` patterns and the named formats of Cloud Elements: compile once,
//! then parse and format many values.
//!
//! Semantics are SimpleDateFormat's with `Locale.ENGLISH` and `setLenient(false)`, checked
//! against a corpus generated from the JDK (`tests/jdk`). Deliberate differences, each
//! documented where it lives:
//! - a run of `S` is a fraction of a second with exactly that many digits (java.time);
//! - trailing text is an error (SimpleDateFormat's `parse(String)` ignores it);
//! - a local time in a DST gap moves forward by the gap, one in a fold takes the earlier
//!   offset (java.time; SimpleDateFormat rejects the first and takes the later offset);
//! - two-digit years fall in 1950..=2049 ([`parse::TWO_DIGIT_YEAR_START`]);
//! - the proleptic Gregorian calendar throughout (no Julian dates before 1582);
//! - `z` spells zones as `GMT`, `UTC` or `GMT+hh:mm`, and reads those and RFC 822 offsets;
//! - `Y` without `w` reads as the calendar year.

mod civil;
mod format;
mod iso;
mod lint;
mod names;
mod parse;
mod pattern;

pub use lint::lint;
pub use parse::TWO_DIGIT_YEAR_START;

use crate::diag::Error;
use crate::zone::Zone;
use pattern::{F, Item};

/// The date format when a poller names none (the seed's format). It lives here, below
/// `template` and `config`, because both need it: bare `${date}` renders with it.
pub const DEFAULT_DATE_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
/// The zone when a poller names none (the platform's documented default).
pub const DEFAULT_ZONE: &str = "GMT";

/// Epoch milliseconds JavaScript's `Date` can hold; numbers beyond are rejected.
const MAX_MS: i64 = 8_640_000_000_000_000;

#[derive(Clone, Debug)]
enum Kind {
    Pattern(Vec<Item>, Option<parse::Fixed>),
    /// `milliseconds`: epoch milliseconds.
    Millis,
    /// `timestamp` / `seconds`: epoch seconds, optionally with a fraction.
    Seconds,
    /// `iso8601`: any RFC 3339 / ISO-8601 instant.
    Iso,
}

/// A compiled date format. Parsing walks the compiled items; it never reads the pattern again.
#[derive(Clone, Debug)]
pub struct DateFormat {
    kind: Kind,
    precision: i64,
}

impl DateFormat {
    /// A SimpleDateFormat pattern, or one of the named formats `milliseconds`, `timestamp`,
    /// `seconds`, `iso8601` (names are matched ignoring case).
    pub fn compile(spec: &str) -> Result<DateFormat, Error> {
        let named = |k: Kind, precision: i64| Ok(DateFormat { kind: k, precision });
        match spec.to_ascii_lowercase().as_str() {
            "milliseconds" => return named(Kind::Millis, 1),
            "timestamp" | "seconds" => return named(Kind::Seconds, 1000),
            "iso8601" | "iso-8601" => return named(Kind::Iso, 1),
            _ => {}
        }
        let items = pattern::compile(spec)?;
        let precision = precision_of(&items);
        let fixed = parse::Fixed::plan(&items);
        Ok(DateFormat { kind: Kind::Pattern(items, fixed), precision })
    }

    /// Parses `text` as a time in `zone` (unless the text carries its own offset), returning
    /// epoch milliseconds. Errors have a `date.parse.*` code and the 0-based character column
    /// where parsing stopped.
    pub fn parse(&self, text: &str, zone: &Zone) -> Result<i64, Error> {
        match &self.kind {
            Kind::Pattern(items, fixed) => match fixed.as_ref().and_then(|f| f.local(text.as_bytes())) {
                Some(local) => Ok(zone.local_to_utc(local)),
                None => parse::parse(items, text, zone),
            },
            Kind::Millis => epoch_text(text, false),
            Kind::Seconds => epoch_text(text, true),
            Kind::Iso => iso::parse(text, zone),
        }
    }

    /// A JSON number read with a numeric named format (`milliseconds`, `timestamp`, `seconds`).
    pub fn parse_number(&self, n: f64) -> Result<i64, Error> {
        let scale = match self.kind {
            Kind::Millis => 1.0,
            Kind::Seconds => 1000.0,
            _ => {
                return Err(Error::new(
                    "date.parse.number-for-pattern",
                    format!("the number {n} needs the format milliseconds, timestamp or seconds"),
                )
                .with_hint("dates given as text need a pattern; epoch numbers need a numeric named format"));
            }
        };
        let ms = (n * scale).round();
        if !ms.is_finite() || ms.abs() > MAX_MS as f64 {
            return Err(Error::new("date.parse.out-of-range", format!("{n} is not an instant JavaScript can represent")));
        }
        Ok(ms as i64)
    }

    /// `ms` as text in `zone`.
    pub fn format(&self, ms: i64, zone: &Zone) -> String {
        match &self.kind {
            Kind::Pattern(items, _) => format::format(items, ms, zone),
            Kind::Millis => ms.to_string(),
            Kind::Seconds => ms.div_euclid(1000).to_string(),
            Kind::Iso => iso::format(ms, zone),
        }
    }

    /// The smallest step the format can express, in ms: 1 with milliseconds, 1000 with
    /// seconds, 60000 with minutes, 3600000 with hours, a day otherwise.
    pub fn precision_ms(&self) -> i64 {
        self.precision
    }

    /// Whether this is a SimpleDateFormat pattern (not a named format).
    pub fn is_pattern(&self) -> bool {
        matches!(self.kind, Kind::Pattern(..))
    }
}

/// `2024-03-10T07:05:09.042Z`: an instant in UTC with milliseconds, as events carry it.
pub fn iso_utc(ms: i64) -> String {
    let mut buf = [0u8; 24];
    match iso_utc_into(ms, &mut buf) {
        Some(text) => text.to_owned(),
        None => iso::format(ms, &Zone::UTC),
    }
}

/// [`iso_utc`] written into `buf` without allocating, for years 0000-9999 (every other year
/// needs a sign and more digits: `None`).
pub fn iso_utc_into(ms: i64, buf: &mut [u8; 24]) -> Option<&str> {
    if !iso_utc_ascii(ms, buf) {
        return None;
    }
    std::str::from_utf8(buf).ok()
}

/// [`iso_utc_into`] as bytes (ASCII), with no UTF-8 check: `false` (and `buf` unspecified) for
/// a year outside 0000-9999. Detection writes one per event, into one column of them all.
pub fn iso_utc_ascii(ms: i64, buf: &mut [u8; 24]) -> bool {
    let days = ms.div_euclid(civil::MS_PER_DAY);
    let tod = ms.rem_euclid(civil::MS_PER_DAY);
    let (y, m, d) = civil::civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return false;
    }
    // Two digits at a time from a table: a backfill writes one date per event, and a digit at
    // a time (a division each) cost more than the rest of the event's text.
    // Straight-line (no array of fields to loop over): builds for size do not unroll.
    let (y, tod) = (y as usize, tod as usize);
    let ms = tod % 1000;
    put2(buf, 0, y / 100);
    put2(buf, 2, y % 100);
    put2(buf, 5, m as usize);
    put2(buf, 8, d as usize);
    put2(buf, 11, tod / 3_600_000);
    put2(buf, 14, tod / 60_000 % 60);
    put2(buf, 17, tod / 1000 % 60);
    buf[20] = b'0' + (ms / 100) as u8;
    put2(buf, 21, ms % 100);
    for (at, c) in [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (23, b'Z')] {
        buf[at] = c;
    }
    true
}

/// `v` (below 100) as two digits at `buf[at..at + 2]`.
#[inline(always)]
fn put2(buf: &mut [u8; 24], at: usize, v: usize) {
    let [hi, lo] = DIGIT_PAIRS[v % 100];
    buf[at] = hi;
    buf[at + 1] = lo;
}

/// `"00"` to `"99"`, for [`iso_utc_ascii`].
const DIGIT_PAIRS: [[u8; 2]; 100] = {
    let mut t = [[0u8; 2]; 100];
    let mut i = 0;
    while i < 100 {
        t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
        i += 1;
    }
    t
};

fn precision_of(items: &[Item]) -> i64 {
    let mut p = civil::MS_PER_DAY;
    for item in items {
        if let Item::Field { f, count, .. } = item {
            let step = match f {
                F::Fraction => 10i64.pow(3u32.saturating_sub(*count as u32)),
                F::Second => 1000,
                F::Minute => 60_000,
                F::Hour0 | F::Hour1 | F::Hour0Half | F::Hour1Half => 3_600_000,
                _ => continue,
            };
            p = p.min(step);
        }
    }
    p
}

/// Epoch milliseconds or seconds written as text: `-?digits`, seconds also `.digits`.
fn epoch_text(text: &str, seconds: bool) -> Result<i64, Error> {
    let bad =
        |code: &'static str, msg: &str, at: usize| Err(Error::new(code, msg.to_string()).at_column(text.get(..at).map_or(at, |s| s.chars().count())));
    let b = text.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let neg = i == 1;
    let start = i;
    let mut whole: i64 = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        whole = match whole.checked_mul(10).and_then(|w| w.checked_add((b[i] - b'0') as i64)) {
            Some(w) if w <= MAX_MS => w,
            _ => return bad("date.parse.out-of-range", "the number is too large for an instant", start),
        };
        i += 1;
    }
    if i == start {
        return bad(if i >= b.len() { "date.parse.end-of-text" } else { "date.parse.expected-digits" }, "expected an epoch number", i);
    }
    let mut frac_ms = 0i64;
    if seconds && b.get(i) == Some(&b'.') {
        i += 1;
        let fs = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - fs < 3 {
                frac_ms += (b[i] - b'0') as i64 * 10i64.pow(2 - (i - fs) as u32);
            }
            i += 1;
        }
        if i == fs {
            return bad("date.parse.expected-digits", "expected digits after the decimal point", i);
        }
    }
    if i != b.len() {
        return bad("date.parse.trailing-text", "unexpected text after the number", i);
    }
    let ms = if seconds { whole.checked_mul(1000).map(|w| w + frac_ms) } else { Some(whole) };
    match ms {
        Some(ms) if ms <= MAX_MS => Ok(if neg { -ms } else { ms }),
        _ => bad("date.parse.out-of-range", "the number is too large for an instant", start),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISO_MS: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

    #[test]
    fn parses_and_formats_the_seed_pattern_in_gmt() {
        let f = DateFormat::compile(ISO_MS).unwrap();
        let ms = f.parse("2024-03-10T07:05:09.042Z", &Zone::UTC).unwrap();
        assert_eq!(ms, 1_710_054_309_042);
        assert_eq!(f.format(ms, &Zone::UTC), "2024-03-10T07:05:09.042Z");
        assert_eq!(f.precision_ms(), 1);
    }

    #[test]
    fn errors_carry_code_and_column() {
        let f = DateFormat::compile(ISO_MS).unwrap();
        let e = f.parse("2024-03-10 07:05:09.042Z", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.literal", Some(10)));
        let e = f.parse("2024-03-10T07:05:09.042Zjunk", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.trailing-text", Some(24)));
        let e = f.parse("2024-02-30T07:05:09.042Z", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.out-of-range", Some(8)));
        let e = f.parse("2024-13-01T07:05:09.042Z", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.out-of-range", Some(5)));
        let e = f.parse("2024-03-10T07:05:09.04", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.end-of-text", Some(22)));
    }

    #[test]
    fn named_formats() {
        let ms = DateFormat::compile("milliseconds").unwrap();
        assert_eq!(ms.parse("1710054309042", &Zone::UTC).unwrap(), 1_710_054_309_042);
        assert_eq!(ms.parse_number(1_710_054_309_042.0).unwrap(), 1_710_054_309_042);
        let s = DateFormat::compile("timestamp").unwrap();
        assert_eq!(s.parse("1710054309", &Zone::UTC).unwrap(), 1_710_054_309_000);
        assert_eq!(s.parse("-1.5", &Zone::UTC).unwrap(), -1500);
        assert_eq!(s.parse_number(1_710_054_309.5).unwrap(), 1_710_054_309_500);
        assert_eq!(s.format(1_710_054_309_999, &Zone::UTC), "1710054309");
        assert_eq!(s.precision_ms(), 1000);
        assert_eq!(s.parse("17x", &Zone::UTC).unwrap_err().code, "date.parse.trailing-text");
        let iso = DateFormat::compile("iso8601").unwrap();
        assert!(iso.parse_number(1.0).is_err());
        assert_eq!(iso.parse("2024-03-10T07:05:09.042Z", &Zone::UTC).unwrap(), 1_710_054_309_042);
        assert_eq!(iso.parse("2024-03-10T12:35:09.042+05:30", &Zone::UTC).unwrap(), 1_710_054_309_042);
        assert_eq!(iso.parse("20240310T070509.042123Z", &Zone::UTC).unwrap(), 1_710_054_309_042);
        assert_eq!(iso.parse("2024-03-10 02:05:09.042-0500", &Zone::UTC).unwrap(), 1_710_054_309_042);
        assert_eq!(iso.format(1_710_054_309_042, &Zone::UTC), "2024-03-10T07:05:09.042Z");
    }

    #[test]
    fn text_fields_and_day_of_week_consistency() {
        let f = DateFormat::compile("EEE, dd MMM yyyy HH:mm:ss Z").unwrap();
        let ms = f.parse("Sun, 10 Mar 2024 07:05:09 +0000", &Zone::UTC).unwrap();
        assert_eq!(ms, 1_710_054_309_000);
        assert_eq!(f.format(ms, &Zone::UTC), "Sun, 10 Mar 2024 07:05:09 +0000");
        assert_eq!(f.parse("sunday, 10 march 2024 02:05:09 -0500", &Zone::UTC).unwrap(), ms);
        assert_eq!(f.parse("Mon, 10 Mar 2024 07:05:09 +0000", &Zone::UTC).unwrap_err().code, "date.parse.inconsistent");
    }

    #[test]
    fn fraction_runs_are_fractions() {
        let f = DateFormat::compile("HH:mm:ss.SSSSSS").unwrap();
        assert_eq!(f.parse("00:00:01.123456", &Zone::UTC).unwrap(), 1123);
        assert_eq!(f.format(1123, &Zone::UTC), "00:00:01.123000");
        let f = DateFormat::compile("HH:mm:ss.S").unwrap();
        assert_eq!(f.parse("00:00:01.5", &Zone::UTC).unwrap(), 1500);
        assert_eq!(f.precision_ms(), 100);
    }

    #[test]
    fn pattern_errors_have_codes_and_columns() {
        let e = DateFormat::compile("yyyy-MM-dd'T").unwrap_err();
        assert_eq!((e.code, e.column), ("date-format.unterminated-quote", Some(10)));
        let e = DateFormat::compile("yyyy-MM-dd T").unwrap_err();
        assert_eq!((e.code, e.column), ("date-format.unknown-letter", Some(11)));
        assert_eq!(DateFormat::compile("XXXX").unwrap_err().code, "date-format.too-many-letters");
        // The seed's formats after a shell ate their quotes: the hint says how that happens.
        let hint = |f: &str| DateFormat::compile(f).unwrap_err().hint.unwrap_or_default();
        assert_eq!(DateFormat::compile("yyyy-MM-ddTHH:mm:ss.SSSZ").unwrap_err().column, Some(10));
        assert!(hint("yyyy-MM-ddTHH:mm:ss.SSSZ").contains("curl --data @body.json"), "{}", hint("yyyy-MM-ddTHH:mm:ss.SSSZ"));
        assert!(!hint("yyyy-MM-dd'T'HH:mm:ssT").contains("shell"), "quotes present: not a shell's doing");
        assert!(!hint("yyyy-MM-dd HH:mm q").contains("shell"), "not a T");
        assert_eq!(DateFormat::compile("").unwrap_err().code, "date-format.empty");
    }
}

#[cfg(test)]
mod iso_utc_tests {
    use super::*;

    /// The fast writer and the general formatter agree, at the edges of its range too.
    #[test]
    fn the_fixed_width_writer_agrees_with_the_formatter() {
        let mut buf = [0u8; 24];
        for ms in [0, 1, -1, 1_710_054_309_042, 253_402_300_799_999, -62_167_219_200_000, 951_782_400_000, 86_399_999] {
            assert_eq!(iso_utc_into(ms, &mut buf).map(str::to_owned), Some(iso::format(ms, &Zone::UTC)), "{ms}");
        }
        assert_eq!(iso_utc_into(253_402_300_800_000, &mut buf), None, "year 10000");
        assert_eq!(iso_utc(253_402_300_800_000), iso::format(253_402_300_800_000, &Zone::UTC));
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let ms = (x % 253_402_300_800_000) as i64 - 62_167_219_200_000;
            assert_eq!(iso_utc(ms), iso::format(ms, &Zone::UTC), "{ms}");
        }
    }
}
