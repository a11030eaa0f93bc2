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

/// RFC 9110 dates (`Sun, 06 Nov 1994 08:49:37 GMT`, and the other RFC 2822 spellings) to
/// epoch milliseconds; `None` for anything else.
pub fn parse_date(v: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc2822(v.trim()).ok().map(|d| d.timestamp_millis())
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
    }
}
