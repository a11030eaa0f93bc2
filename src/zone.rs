//! Zone names to rules. The thin slice knows GMT, UTC, Z and fixed offsets; issue 3 adds
//! Java's short ids and every IANA zone.

use crate::diag::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
}

impl Zone {
    pub const UTC: Zone = Zone::Fixed(0);

    pub fn parse(name: &str) -> Result<Zone, Error> {
        let n = name.trim();
        match n {
            "GMT" | "UTC" | "Z" | "UT" => return Ok(Zone::UTC),
            _ => {}
        }
        let rest = n.strip_prefix("GMT").or_else(|| n.strip_prefix("UTC")).unwrap_or(n);
        parse_offset(rest).map(Zone::Fixed).ok_or_else(|| {
            Error::new("zone.unknown", format!("unknown time zone {name:?}"))
                .with_hint("use GMT, UTC, a fixed offset such as -08:00, or an IANA name such as America/Los_Angeles")
        })
    }

    /// Offset east of UTC, in seconds, in force at the UTC instant `ms`.
    pub fn offset_at(&self, _ms: i64) -> i32 {
        match *self {
            Zone::Fixed(s) => s,
        }
    }

    /// Offset to subtract from a local wall-clock time (ms since the epoch, as if UTC).
    pub fn offset_for_local(&self, _local_ms: i64) -> i32 {
        match *self {
            Zone::Fixed(s) => s,
        }
    }
}

/// `+05:30`, `-8:00`, `+0530`, `-3`.
fn parse_offset(s: &str) -> Option<i32> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    if h.is_empty() || h.len() > 2 || m.len() > 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(Zone::parse("GMT").unwrap(), Zone::UTC);
        assert_eq!(Zone::parse("-8:00").unwrap(), Zone::Fixed(-8 * 3600));
        assert_eq!(Zone::parse("GMT+05:30").unwrap(), Zone::Fixed(5 * 3600 + 1800));
        assert_eq!(Zone::parse("UTC-3").unwrap(), Zone::Fixed(-3 * 3600));
        assert_eq!(Zone::parse("Mars/Olympus").unwrap_err().code, "zone.unknown");
    }
}
