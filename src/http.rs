//! The little of HTTP the core speaks: request and response values, header lookup,
//! percent-encoding and -decoding, and HTTP dates.
//!
//! The core never sends a request; it builds values that a host performs (`cycle` for a poll,
//! `notify` for a notification) and reads the responses the host hands back. These pieces
//! live here, below every module that uses them, so that each is written once.

/// An HTTP request for a host to perform: what a poll or a notification sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `GET` for a poll, `POST` for a notification.
    pub method: String,
    /// The absolute url, already percent-encoded.
    pub url: String,
    /// In the order they are to be sent; names as written (HTTP matches them case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body as text; `None` for a request without one.
    pub body: Option<String>,
}

impl Request {
    /// The value of the first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// What a host got back. Borrowed, so the host's buffers are read in place.
#[derive(Clone, Copy, Debug)]
pub struct Response<'a> {
    /// An HTTP status, or 0 for a transport failure (see [`status`]).
    pub status: u16,
    /// Names are matched case-insensitively ([`header`]).
    pub headers: &'a [(String, String)],
    /// The raw body bytes.
    pub body: &'a [u8],
}

/// The [`Response::status`] of a number a host reports: only whole numbers 100 to 599 are HTTP
/// statuses. Anything else (0, a fraction, a negative number, 65736, NaN) is a transport
/// failure, 0, and is never cut to 16 bits: 65736 must not read as 200.
pub fn status(n: f64) -> u16 {
    if (100.0..=599.0).contains(&n) && n.fract() == 0.0 { n as u16 } else { 0 }
}

/// The value of the first header named `name`, compared case-insensitively as HTTP does.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// HTTP dates to epoch milliseconds; `None` for anything else. RFC 9110 section 5.6.7: the
/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) with RFC 2822's other spellings (no weekday,
/// a one-digit day, no seconds, a numeric or North American zone), and the two obsolete forms a
/// recipient must still accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`). Hand-written (about 60 lines) rather than chrono's: chrono
/// was linked into the wasm for this one job (`tests/hostile.rs` checks the two agree).
pub fn parse_date(v: &str) -> Option<i64> {
    let mut t: Vec<&str> = v.split([' ', ',', '\t']).filter(|p| !p.is_empty()).collect();
    if t.first().is_some_and(|w| w.bytes().all(|b| b.is_ascii_alphabetic()) && month(w).is_none()) {
        t.remove(0); // the weekday (not checked against the date, as chrono did not either)
    }
    let (day, mon, year, time, zone) = match t.as_slice() {
        // asctime: `Nov 6 08:49:37 1994`, always GMT.
        [m, d, time, y] if month(m).is_some() => (*d, month(m)?, *y, *time, "GMT"),
        // RFC 850: `06-Nov-94 08:49:37 GMT`.
        [dmy, time, zone] => {
            let mut p = dmy.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            if p.next().is_some() {
                return None;
            }
            (d, month(m)?, y, *time, *zone)
        }
        [d, m, y, time, zone] => (*d, month(m)?, *y, *time, *zone),
        _ => return None,
    };
    let num = |s: &str, max_len: usize| -> Option<i64> {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    let day = num(day, 2).filter(|d| (1..=31).contains(d))?;
    let year = match (num(year, 4)?, year.len()) {
        // RFC 2822 section 4.3: two digits below 50 are 20xx, others 19xx; three add 1900.
        (y, 2) if y < 50 => 2000 + y,
        (y, 2 | 3) => 1900 + y,
        (y, _) => y,
    };
    let mut hms = time.split(':');
    let (h, m) = (num(hms.next()?, 2)?, num(hms.next()?, 2)?);
    let sec = match hms.next() {
        Some(s) => num(s, 2)?,
        None => 0,
    };
    if hms.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let offset_min = match zone.to_ascii_uppercase().as_str() {
        "GMT" | "UT" | "UTC" | "Z" => 0,
        "EDT" => -4 * 60,
        "EST" | "CDT" => -5 * 60,
        "CST" | "MDT" => -6 * 60,
        "MST" | "PDT" => -7 * 60,
        "PST" => -8 * 60,
        z if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let n = num(&z[1..], 4)?;
            let (oh, om) = (n / 100, n % 100);
            if om > 59 {
                return None;
            }
            if z.starts_with('-') { -(oh * 60 + om) } else { oh * 60 + om }
        }
        // RFC 2822's military letters "SHOULD all be considered equivalent to -0000".
        z if z.len() == 1 && z.as_bytes()[0].is_ascii_alphabetic() && z != "J" => 0,
        _ => return None,
    };
    let days = days_from_civil(year, mon, day);
    if days_from_civil(year, mon, 1) + i64::from(days_in_month(year, mon)) <= days {
        return None; // 31 Feb and the like
    }
    let secs = days * 86_400 + h * 3600 + m * 60 + sec.min(59) - offset_min * 60;
    Some(secs * 1000)
}

/// `Jan` .. `Dec` (any case) as 1..=12.
fn month(s: &str) -> Option<i64> {
    const NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    NAMES.iter().position(|n| n.eq_ignore_ascii_case(s)).map(|i| i as i64 + 1)
}

fn days_in_month(y: i64, m: i64) -> u8 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `%XX` for one byte.
pub fn push_escape(b: u8, out: &mut String) {
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// Percent-encodes every byte of `s` but the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`)
/// and those in `keep`, appending to `out`. A value encoded with an empty `keep` cannot change
/// the structure of the url it is put in.
pub fn encode_into(s: &str, keep: &[u8], out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            push_escape(b, out);
        }
    }
}

/// [`encode_into`] with nothing kept but the unreserved characters: a query or path component.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    encode_into(s, b"", &mut out);
    out
}

/// Decodes `%XX` escapes and `+` (a space): what a server does with a query value. A `%` that
/// starts no escape is kept; bytes that are not UTF-8 become U+FFFD.
pub fn decode_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(v) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_it_encodes() {
        for s in ["a b'>=&%/é", "", "%", "+", "~._-", "\u{1F600}:?#[]"] {
            assert_eq!(decode_component(&encode_component(s)), s);
        }
        assert_eq!(encode_component("a b:+"), "a%20b%3A%2B");
        let mut kept = String::new();
        encode_into("10:30+", b":", &mut kept);
        assert_eq!(kept, "10:30%2B");
    }

    #[test]
    fn decodes_lone_percent_signs_and_plus() {
        assert_eq!(decode_component("100%"), "100%");
        assert_eq!(decode_component("%4"), "%4");
        assert_eq!(decode_component("%zz%41"), "%zzA");
        assert_eq!(decode_component("a+b%2Bc"), "a b+c");
        assert_eq!(decode_component("%FF"), "\u{FFFD}");
    }

    #[test]
    fn statuses_are_whole_numbers_100_to_599() {
        for (n, s) in [(200.0, 200), (599.0, 599), (100.0, 100), (99.0, 0), (600.0, 0), (65736.0, 0), (200.5, 0), (-200.0, 0), (f64::NAN, 0)] {
            assert_eq!(status(n), s, "{n}");
        }
    }

    #[test]
    fn headers_match_case_insensitively_first_wins() {
        let h = vec![("Retry-After".to_owned(), "5".to_owned()), ("retry-after".to_owned(), "9".to_owned())];
        assert_eq!(header(&h, "RETRY-AFTER"), Some("5"));
        assert_eq!(header(&h, "date"), None);
        let r = Request { method: "GET".into(), url: "/".into(), headers: h, body: None };
        assert_eq!(r.header("retry-after"), Some("5"));
    }

    #[test]
    fn reads_http_dates() {
        assert_eq!(parse_date(" Sun, 06 Nov 1994 08:49:37 GMT "), Some(784_111_777_000));
        assert_eq!(parse_date("1994-11-06T08:49:37Z"), None);
        assert_eq!(parse_date(""), None);
        // RFC 9110's obsolete forms, RFC 2822's other spellings.
        for v in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 09:49:37 +0100",
            "Sun, 06 Nov 1994 00:49:37 PST",
            "sun, 06 nov 1994 08:49:37 gmt",
        ] {
            assert_eq!(parse_date(v), Some(784_111_777_000), "{v}");
        }
        assert_eq!(parse_date("Sun, 06 Nov 1994 08:49 GMT"), Some(784_111_740_000));
        for v in [
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Xyz 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 +01",
            "06 Nov 1994 08:49:37",
            "Sun, 06 Nov 1994 08:49:37 GMT extra",
        ] {
            assert_eq!(parse_date(v), None, "{v}");
        }
        assert_eq!(parse_date("Tue, 29 Feb 2000 00:00:00 GMT"), Some(951_782_400_000));
        assert_eq!(parse_date("Mon, 01 Jan 1900 00:00:00 GMT"), Some(-2_208_988_800_000));
    }
}
