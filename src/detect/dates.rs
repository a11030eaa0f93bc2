//! Date fields of a record: named formats, Java patterns, and a fast path for the ISO shape
//! that nearly every hub uses, so the hot loop does not walk a pattern per value.

use super::scan::Scalar;
use crate::datefmt::DateFormat;
use crate::diag::Error;
use crate::zone::Zone;

/// How one date field is read.
#[derive(Clone, Debug)]
pub enum DateKind {
    /// `milliseconds`: epoch ms, a number or a numeric string.
    Millis,
    /// `timestamp` / `seconds`: epoch seconds.
    Seconds,
    /// `iso8601`: any RFC 3339 instant.
    Iso,
    /// A Java pattern in a zone. `fast` is set when the pattern is the plain ISO shape in UTC.
    Pattern { format: DateFormat, zone: Zone, fast: Option<Fast> },
}

/// The two ISO shapes the fast path reads: with or without milliseconds, a literal `Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fast {
    Millis,
    Seconds,
}

impl DateKind {
    pub fn new(pattern: &str, zone: &str) -> Result<DateKind, Error> {
        Ok(match pattern.trim() {
            "milliseconds" => DateKind::Millis,
            "timestamp" | "seconds" => DateKind::Seconds,
            "iso8601" | "ISO8601" => DateKind::Iso,
            p => {
                let zone = Zone::parse(zone)?;
                let fast = if zone == Zone::UTC {
                    match p {
                        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" => Some(Fast::Millis),
                        "yyyy-MM-dd'T'HH:mm:ss'Z'" => Some(Fast::Seconds),
                        _ => None,
                    }
                } else {
                    None
                };
                DateKind::Pattern { format: DateFormat::compile(p)?, zone, fast }
            }
        })
    }

    /// Epoch ms of a record's value.
    pub(crate) fn read(&self, v: &Scalar<'_>) -> Result<i64, Error> {
        let number = |x: f64, scale: f64| -> Result<i64, Error> {
            let ms = (x * scale).round();
            if ms.is_finite() && ms.abs() < 8.64e15 {
                Ok(ms as i64)
            } else {
                Err(Error::new("record.bad-date", format!("{x} is out of range for an instant")))
            }
        };
        match (self, v) {
            (_, Scalar::Missing) => Err(Error::new("record.missing-date", "the date field is missing")),
            (_, Scalar::Other(what)) => Err(Error::new("record.bad-date", format!("the date field holds {what}"))),
            (DateKind::Millis, Scalar::Int(n)) => Ok(*n),
            (DateKind::Millis, Scalar::UInt(n)) => i64::try_from(*n).map_err(|_| Error::new("record.bad-date", "instant out of range")),
            (DateKind::Millis, Scalar::Float(x)) => number(*x, 1.0),
            (DateKind::Seconds, Scalar::Int(n)) => number(*n as f64, 1000.0),
            (DateKind::Seconds, Scalar::UInt(n)) => number(*n as f64, 1000.0),
            (DateKind::Seconds, Scalar::Float(x)) => number(*x, 1000.0),
            (DateKind::Millis | DateKind::Seconds, Scalar::Str(s)) => {
                let x: f64 = s.trim().parse().map_err(|_| Error::new("record.bad-date", format!("{s:?} is not a number")))?;
                number(x, if matches!(self, DateKind::Millis) { 1.0 } else { 1000.0 })
            }
            (DateKind::Iso, Scalar::Str(s)) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|d| d.timestamp_millis())
                .map_err(|e| Error::new("record.bad-date", format!("{s:?} is not an ISO-8601 instant: {e}"))),
            (DateKind::Pattern { format, zone, fast }, Scalar::Str(s)) => {
                if let Some(ms) = fast.and_then(|f| parse_iso_fast(s.as_bytes(), f)) {
                    return Ok(ms);
                }
                // The slow path also produces the error message with its column.
                format.parse(s, zone).map_err(|e| Error::new("record.bad-date", format!("{s:?}: {}", e.message)))
            }
            (_, _) => Err(Error::new("record.bad-date", "a number where the date format expects text")),
        }
    }
}

/// `yyyy-MM-ddTHH:mm:ss[.SSS]Z` in UTC; `None` for anything else (the caller falls back).
pub(crate) fn parse_iso_fast(b: &[u8], shape: Fast) -> Option<i64> {
    let len = if shape == Fast::Millis { 24 } else { 20 };
    if b.len() != len || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[len - 1] != b'Z' {
        return None;
    }
    let d = |i: usize| -> Option<i64> {
        let c = b[i].wrapping_sub(b'0');
        (c < 10).then_some(c as i64)
    };
    let n2 = |i: usize| Some(d(i)? * 10 + d(i + 1)?);
    let year = n2(0)? * 100 + n2(2)?;
    let (month, day, hour, min, sec) = (n2(5)?, n2(8)?, n2(11)?, n2(14)?, n2(17)?);
    let milli = if shape == Fast::Millis {
        if b[19] != b'.' {
            return None;
        }
        d(20)? * 100 + n2(21)?
    } else {
        0
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) || hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    Some(((days_from_civil(year, month, day) * 24 + hour) * 60 + min) * 60_000 + sec * 1000 + milli)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2024-03-10T07:05:09.042Z`: an event's `date`. Written by hand because it runs once per
/// emitted event and chrono's formatter re-reads its format string each call.
pub fn iso_utc(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, mo, d) = civil_from_days(days);
    let (h, mi, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    if (0..=9999).contains(&y) {
        let mut b = *b"0000-00-00T00:00:00.000Z";
        let mut put = |at: usize, v: i64, width: usize| {
            let mut v = v;
            for i in (0..width).rev() {
                b[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(0, y, 4);
        put(5, mo, 2);
        put(8, d, 2);
        put(11, h, 2);
        put(14, mi, 2);
        put(17, s, 2);
        put(20, milli, 3);
        String::from_utf8(b.to_vec()).expect("ascii")
    } else {
        format!("{y:+07}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
    }
}

/// The finest unit (ms) a pattern keeps: what one step of the rendered where clause is worth.
/// Found by a round trip instead of reading pattern letters, so it follows the date engine.
pub fn precision_ms(format: &DateFormat, zone: &Zone) -> i64 {
    let probe = 981_173_106_789; // 2001-02-03T04:05:06.789Z: every field non-zero
    let lost = match format.parse(&format.format(probe, zone), zone) {
        Ok(back) => probe - back,
        Err(_) => return 86_400_000,
    };
    [1, 1000, 60_000, 3_600_000, 86_400_000].into_iter().find(|&u| lost < u).unwrap_or(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_the_pattern_engine() {
        let f = DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap();
        for ms in [0, 951_782_400_000, 1_710_054_309_042, 4_102_444_799_999, 1_582_934_400_123] {
            let s = f.format(ms, &Zone::UTC);
            assert_eq!(parse_iso_fast(s.as_bytes(), Fast::Millis), Some(ms), "{s}");
            assert_eq!(iso_utc(ms), s);
        }
        assert_eq!(parse_iso_fast(b"2023-02-29T00:00:00.000Z", Fast::Millis), None);
        assert_eq!(parse_iso_fast(b"2024-02-29T00:00:00Z", Fast::Seconds), Some(1_709_164_800_000));
        assert_eq!(parse_iso_fast(b"2024-02-29T24:00:00Z", Fast::Seconds), None);
    }

    #[test]
    fn named_formats_and_precision() {
        assert_eq!(DateKind::new("milliseconds", "GMT").unwrap().read(&Scalar::Str("1700000000123".into())).unwrap(), 1_700_000_000_123);
        assert_eq!(DateKind::new("timestamp", "GMT").unwrap().read(&Scalar::Float(1.5)).unwrap(), 1500);
        assert_eq!(DateKind::new("iso8601", "GMT").unwrap().read(&Scalar::Str("2024-01-01T01:00:00+01:00".into())).unwrap(), 1_704_067_200_000);
        let p = |s: &str| precision_ms(&DateFormat::compile(s).unwrap(), &Zone::UTC);
        assert_eq!((p("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"), p("yyyy-MM-dd'T'HH:mm:ss'Z'"), p("yyyy-MM-dd")), (1, 1000, 86_400_000));
    }
}
