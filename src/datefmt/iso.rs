//! The `iso8601` named format: any RFC 3339 / ISO-8601 calendar date-time, extended
//! (`2024-03-10T07:05:09.042+05:30`) or basic (`20240310T070509Z`), `T`, `t` or a space
//! between date and time, any number of fraction digits (`.` or `,`), offsets `Z`, `±hh`,
//! `±hhmm`, `±hh:mm`. Without an offset the time is local to the given zone; a date alone is
//! its local midnight.

use super::civil::{self, MS_PER_DAY};
use crate::diag::Error;
use crate::zone::Zone;

struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cur<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }
    fn digits(&mut self, n: usize) -> Result<i64, (&'static str, usize)> {
        let mut v = 0;
        for _ in 0..n {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => v = v * 10 + (c - b'0') as i64,
                None => return Err(("date.parse.end-of-text", self.i)),
                Some(_) => return Err(("date.parse.expected-digits", self.i)),
            }
            self.i += 1;
        }
        Ok(v)
    }
}

pub fn parse(text: &str, zone: &Zone) -> Result<i64, Error> {
    run(text, zone).map_err(|(code, at)| {
        let col = text.get(..at).map_or(at, |s| s.chars().count());
        Error::new(code, "not an ISO-8601 date-time (e.g. 2024-03-10T07:05:09.042Z)").at_column(col)
    })
}

fn run(text: &str, zone: &Zone) -> Result<i64, (&'static str, usize)> {
    let mut c = Cur { b: text.as_bytes(), i: 0 };
    let range = |v: i64, lo: i64, hi: i64, at: usize| if (lo..=hi).contains(&v) { Ok(v) } else { Err(("date.parse.out-of-range", at)) };
    let year = c.digits(4)?;
    let extended = c.eat(b'-');
    let mat = c.i;
    let month = range(c.digits(2)?, 1, 12, mat)?;
    if extended && !c.eat(b'-') {
        return Err(("date.parse.literal", c.i));
    }
    let dat = c.i;
    let day = c.digits(2)?;
    if day < 1 || day > civil::days_in_month(year, month as u32) as i64 {
        return Err(("date.parse.out-of-range", dat));
    }
    let days = civil::days_from_civil(year, month as u32, day as u32);
    let mut tod = 0;
    let mut offset = None;
    if matches!(c.peek(), Some(b'T' | b't' | b' ')) {
        c.i += 1;
        let hat = c.i;
        let h = range(c.digits(2)?, 0, 23, hat)?;
        if extended && !c.eat(b':') {
            return Err(("date.parse.literal", c.i));
        }
        let mat = c.i;
        let m = range(c.digits(2)?, 0, 59, mat)?;
        let mut s = 0;
        let mut frac = 0;
        let has_seconds = if extended { c.eat(b':') } else { c.peek().is_some_and(|b| b.is_ascii_digit()) };
        if has_seconds {
            let sat = c.i;
            s = range(c.digits(2)?, 0, 59, sat)?;
            if c.eat(b'.') || c.eat(b',') {
                let fs = c.i;
                while c.peek().is_some_and(|b| b.is_ascii_digit()) {
                    if c.i - fs < 3 {
                        frac += (c.b[c.i] - b'0') as i64 * 10i64.pow(2 - (c.i - fs) as u32);
                    }
                    c.i += 1;
                }
                if c.i == fs {
                    return Err(("date.parse.expected-digits", c.i));
                }
            }
        }
        tod = h * 3_600_000 + m * 60_000 + s * 1000 + frac;
        match c.peek() {
            Some(b'Z' | b'z') => {
                c.i += 1;
                offset = Some(0);
            }
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oat = c.i;
                let oh = range(c.digits(2)?, 0, 18, oat)?;
                let colon = c.eat(b':');
                let om = if colon || c.peek().is_some_and(|b| b.is_ascii_digit()) { range(c.digits(2)?, 0, 59, c.i)? } else { 0 };
                // Seconds, as java.time writes the offsets of local mean time (+05:21:10).
                let os = if colon && c.eat(b':') { range(c.digits(2)?, 0, 59, c.i)? } else { 0 };
                let secs = oh * 3600 + om * 60 + os;
                offset = Some(if sign == b'-' { -secs } else { secs });
            }
            _ => {}
        }
    }
    if c.i != c.b.len() {
        return Err(("date.parse.trailing-text", c.i));
    }
    let local = days * MS_PER_DAY + tod;
    Ok(match offset {
        Some(o) => local - o * 1000,
        None => zone.local_to_utc(local),
    })
}

/// `yyyy-MM-dd'T'HH:mm:ss.SSS` and the offset in `zone` (`Z` for zero; with seconds only
/// when it has them, as java.time's ISO_OFFSET_DATE_TIME does), years outside
/// 0..=9999 with a sign as ISO-8601's expanded form does.
pub fn format(ms: i64, zone: &Zone) -> String {
    let off = zone.offset_at(ms);
    let local = ms.saturating_add(off as i64 * 1000);
    let days = local.div_euclid(MS_PER_DAY);
    let tod = local.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil::civil_from_days(days);
    let year = if (0..=9999).contains(&y) { format!("{y:04}") } else { format!("{y:+05}") };
    let mut s = format!("{year}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}", tod / 3_600_000, tod / 60_000 % 60, tod / 1000 % 60, tod % 1000);
    if off == 0 {
        s.push('Z');
    } else {
        let a = off.unsigned_abs();
        s.push_str(&format!("{}{:02}:{:02}", if off < 0 { '-' } else { '+' }, a / 3600, a / 60 % 60));
        if !a.is_multiple_of(60) {
            s.push_str(&format!(":{:02}", a % 60));
        }
    }
    s
}
