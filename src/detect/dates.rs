//! Reading a record's date field with the date engine: text through the compiled pattern
//! (which has its own fast path for fixed-width numeric layouts such as the ISO shape),
//! numbers through the numeric named formats.

use super::scan::Scalar;
use crate::datefmt::DateFormat;
use crate::diag::Error;
use crate::zone::Zone;

pub use crate::datefmt::iso_utc;

/// A date field's format and zone, compiled once per cycle.
#[derive(Clone, Debug)]
pub struct DateKind {
    /// The compiled pattern or named format.
    pub format: DateFormat,
    /// The zone a date without an offset is read in.
    pub zone: Zone,
}

impl DateKind {
    /// Compiles `format` and reads `zone`: the errors a poller's date configuration can have, found before any record is read.
    pub fn new(format: &str, zone: &str) -> Result<DateKind, Error> {
        Ok(DateKind { format: DateFormat::compile(format.trim())?, zone: Zone::parse(zone)? })
    }

    /// Epoch ms of a record's value.
    #[inline]
    pub(crate) fn read(&self, v: &Scalar<'_>) -> Result<i64, Error> {
        let bad = |e: Error| Error::new("record.bad-date", e.message);
        match v {
            Scalar::Missing => Err(Error::new("record.missing-date", "the date field is missing")),
            Scalar::Other(what) => Err(Error::new("record.bad-date", format!("the date field holds {what}"))),
            Scalar::Str(s) => self.format.parse(s, &self.zone).map_err(|e| Error::new("record.bad-date", format!("{s:?}: {}", e.message))),
            Scalar::Int(n) => self.format.parse_number(*n as f64).map_err(bad),
            Scalar::UInt(n) => self.format.parse_number(*n as f64).map_err(bad),
            Scalar::Float(x) => self.format.parse_number(*x).map_err(bad),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_numbers() {
        let iso = DateKind::new("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "GMT").unwrap();
        assert_eq!(iso.read(&Scalar::Str("2024-03-10T07:05:09.042Z".into())).unwrap(), 1_710_054_309_042);
        assert_eq!(iso.read(&Scalar::Str("2023-02-29T00:00:00.000Z".into())).unwrap_err().code, "record.bad-date");
        assert_eq!(iso.read(&Scalar::Int(5)).unwrap_err().code, "record.bad-date");
        assert_eq!(iso.read(&Scalar::Missing).unwrap_err().code, "record.missing-date");
        assert_eq!(DateKind::new("milliseconds", "GMT").unwrap().read(&Scalar::Str("1700000000123".into())).unwrap(), 1_700_000_000_123);
        assert_eq!(DateKind::new("milliseconds", "GMT").unwrap().read(&Scalar::UInt(1_700_000_000_123)).unwrap(), 1_700_000_000_123);
        assert_eq!(DateKind::new("timestamp", "GMT").unwrap().read(&Scalar::Float(1.5)).unwrap(), 1500);
        assert_eq!(DateKind::new("iso8601", "GMT").unwrap().read(&Scalar::Str("2024-01-01T01:00:00+01:00".into())).unwrap(), 1_704_067_200_000);
        let pst = DateKind::new("yyyy-MM-dd HH:mm", "PST").unwrap();
        assert_eq!(pst.read(&Scalar::Str("2024-03-10 03:30".into())).unwrap(), 1_710_066_600_000, "in the DST gap: moved forward");
    }
}
