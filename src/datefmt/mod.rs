//! Java `SimpleDateFormat` patterns: compile once, then parse and format many values.
//!
//! The thin slice handles the numeric letters `y M d H m s S` and quoted literals; issue 3
//! widens it to every letter, named formats and lints.

use crate::diag::Error;
use crate::zone::Zone;
use chrono::{Datelike, NaiveDate, Timelike};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    /// A run of `S`: a fraction of a second with this many digits.
    Fraction(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Literal(String),
    Number { field: Field, width: usize },
}

/// A compiled pattern. Parsing walks `items`; it never looks at the pattern text again.
#[derive(Clone, Debug)]
pub struct DateFormat {
    items: Vec<Item>,
}

impl DateFormat {
    pub fn compile(pattern: &str) -> Result<DateFormat, Error> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut items = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(Error::new("date-format.unterminated-quote", "unterminated quote in date pattern")
                                .at_column(pattern.chars().count()));
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(&ch) => {
                            lit.push(ch);
                            i += 1;
                        }
                    }
                }
                if lit.is_empty() {
                    lit.push('\''); // `''` outside a quote is one quote
                }
                items.push(Item::Literal(lit));
                continue;
            }
            if c.is_ascii_alphabetic() {
                let start = i;
                while i < chars.len() && chars[i] == c {
                    i += 1;
                }
                let width = i - start;
                let field = match c {
                    'y' => Field::Year,
                    'M' => Field::Month,
                    'd' => Field::Day,
                    'H' => Field::Hour,
                    'm' => Field::Minute,
                    's' => Field::Second,
                    'S' => Field::Fraction(width),
                    _ => {
                        return Err(Error::new("date-format.unsupported-letter", format!("pattern letter '{c}' is not supported"))
                            .at_column(start));
                    }
                };
                items.push(Item::Number { field, width });
                continue;
            }
            items.push(Item::Literal(c.to_string()));
            i += 1;
        }
        Ok(DateFormat { items })
    }

    /// Parses `text` as a local time in `zone`, returning epoch milliseconds.
    pub fn parse(&self, text: &str, zone: &Zone) -> Result<i64, Error> {
        let b = text.as_bytes();
        let mut pos = 0;
        let (mut y, mut mo, mut d, mut h, mut mi, mut s, mut ms) = (1970i32, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
        for item in &self.items {
            match item {
                Item::Literal(lit) => {
                    if !text[pos..].starts_with(lit.as_str()) {
                        return Err(Error::new("date.parse.literal", format!("expected {lit:?}")).at_column(pos));
                    }
                    pos += lit.len();
                }
                Item::Number { field, width } => {
                    let start = pos;
                    let max = if *width >= 2 || matches!(field, Field::Fraction(_)) { *width } else { 4 };
                    while pos < b.len() && pos - start < max.max(*width) && b[pos].is_ascii_digit() {
                        pos += 1;
                    }
                    if pos == start {
                        return Err(Error::new("date.parse.expected-digits", "expected digits").at_column(start));
                    }
                    let v: u32 = text[start..pos].parse().map_err(|_| Error::new("date.parse.expected-digits", "expected digits").at_column(start))?;
                    match field {
                        Field::Year => y = v as i32,
                        Field::Month => mo = v,
                        Field::Day => d = v,
                        Field::Hour => h = v,
                        Field::Minute => mi = v,
                        Field::Second => s = v,
                        Field::Fraction(n) => ms = scale_fraction(v, pos - start.min(pos), *n),
                    }
                }
            }
        }
        if pos != b.len() {
            return Err(Error::new("date.parse.trailing-text", "unexpected text after the date").at_column(pos));
        }
        let date = NaiveDate::from_ymd_opt(y, mo, d)
            .ok_or_else(|| Error::new("date.parse.out-of-range", "no such date").at_column(0))?;
        if h > 23 || mi > 59 || s > 59 {
            return Err(Error::new("date.parse.out-of-range", "time of day out of range").at_column(0));
        }
        let local = date.and_hms_milli_opt(h, mi, s, ms).expect("checked above").and_utc().timestamp_millis();
        Ok(local - zone.offset_for_local(local) as i64 * 1000)
    }

    /// Formats epoch milliseconds as a local time in `zone`.
    pub fn format(&self, ms: i64, zone: &Zone) -> String {
        let local = chrono::DateTime::from_timestamp_millis(ms + zone.offset_at(ms) as i64 * 1000)
            .unwrap_or_default()
            .naive_utc();
        let mut out = String::new();
        for item in &self.items {
            match item {
                Item::Literal(lit) => out.push_str(lit),
                Item::Number { field, width } => {
                    let v = match field {
                        Field::Year => local.year() as u32,
                        Field::Month => local.month(),
                        Field::Day => local.day(),
                        Field::Hour => local.hour(),
                        Field::Minute => local.minute(),
                        Field::Second => local.second(),
                        Field::Fraction(n) => {
                            let millis = local.and_utc().timestamp_subsec_millis();
                            let digits = format!("{millis:03}000000000");
                            out.push_str(&digits[..*n]);
                            continue;
                        }
                    };
                    out.push_str(&format!("{v:0width$}"));
                }
            }
        }
        out
    }
}

/// Milliseconds from `digits` fraction digits holding `v`.
fn scale_fraction(v: u32, digits: usize, _width: usize) -> u32 {
    match digits {
        0 => 0,
        1 => v * 100,
        2 => v * 10,
        3 => v,
        n => v / 10u32.pow((n - 3) as u32),
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
    }

    #[test]
    fn errors_carry_code_and_column() {
        let f = DateFormat::compile(ISO_MS).unwrap();
        let e = f.parse("2024-03-10 07:05:09.042Z", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.literal", Some(10)));
        let e = f.parse("2024-03-10T07:05:09.042Zjunk", &Zone::UTC).unwrap_err();
        assert_eq!((e.code, e.column), ("date.parse.trailing-text", Some(24)));
        let e = f.parse("2024-02-30T07:05:09.042Z", &Zone::UTC).unwrap_err();
        assert_eq!(e.code, "date.parse.out-of-range");
    }
}

/// Lints a pattern: warnings with stable codes and hints. The thin slice knows `YYYY`.
pub fn lint(pattern: &str, _zone: Option<&str>) -> Vec<crate::diag::Diagnostic> {
    let mut out = Vec::new();
    if pattern.contains("YYYY") {
        out.push(
            crate::diag::Diagnostic::warning("date-format.week-year", "", "YYYY is the week-based year, which differs from the calendar year around New Year")
                .with_hint("use yyyy for the calendar year"),
        );
    }
    out
}
