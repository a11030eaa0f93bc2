//! Strict parsing with compiled items, as SimpleDateFormat with `setLenient(false)` and
//! Locale.ENGLISH, except: a run of S is a fraction of a second of exactly that many digits
//! (java.time), trailing text is an error, and a local time in a gap or fold follows
//! java.time (see [`Zone::local_to_utc`]).
//!
//! The walk keeps every field in a fixed-size struct: nothing is allocated unless an error
//! is built.

use super::civil::{self, MS_PER_DAY, week};
use super::names;
use super::pattern::{F, Item};
use crate::diag::Error;
use crate::zone::Zone;

/// Two-digit years (`yy`, or a `y` run of one or two letters read as exactly two digits)
/// fall in 1950..=2049. SimpleDateFormat pivots on "now minus 80 years", which a sans-IO
/// core cannot read; 1950 is that pivot for the years this software runs in.
pub const TWO_DIGIT_YEAR_START: i64 = 1950;

/// Beyond this a year's milliseconds would come close to overflowing i64.
const MAX_YEAR: i64 = 99_999_999;

/// A parsed value and the byte offset of its first character (for error columns).
type Slot = Option<(i64, usize)>;

#[derive(Default)]
struct Fields {
    era: Slot,
    year: Slot,
    week_year: Slot,
    month: Slot,
    week_of_year: Slot,
    week_of_month: Slot,
    day_of_year: Slot,
    day: Slot,
    dow_in_month: Slot,
    /// ISO day number, 1 = Monday.
    dow: Slot,
    ampm: Slot,
    hour_of_day: Slot,
    hour_half: Slot,
    minute: Slot,
    second: Slot,
    nanos: Slot,
    /// Offset east of UTC in seconds, when the text carries one.
    offset: Slot,
}

struct Fail {
    code: &'static str,
    msg: &'static str,
    at: usize,
}

fn fail(code: &'static str, msg: &'static str, at: usize) -> Fail {
    Fail { code, msg, at }
}

pub fn parse(items: &[Item], text: &str, zone: &Zone) -> Result<i64, Error> {
    run(items, text, zone).map_err(|f| {
        let column = text.get(..f.at).map_or(f.at, |s| s.chars().count());
        Error::new(f.code, f.msg).at_column(column)
    })
}

fn run(items: &[Item], text: &str, zone: &Zone) -> Result<i64, Fail> {
    let b = text.as_bytes();
    let mut pos = 0usize;
    let mut p = Fields::default();
    for item in items {
        let (f, count, obey) = match item {
            Item::Lit(lit) => {
                let l = lit.as_bytes();
                if b.len() - pos < l.len() || &b[pos..pos + l.len()] != l {
                    // Report the first character that differs.
                    let same = b[pos..].iter().zip(l).take_while(|(x, y)| x == y).count();
                    return Err(if pos + same >= b.len() {
                        fail("date.parse.end-of-text", "the text ends where the format expects more", b.len())
                    } else {
                        fail("date.parse.literal", "the text does not match the format's literal text here", pos + same)
                    });
                }
                pos += l.len();
                continue;
            }
            Item::Field { f, count, obey, .. } => (*f, *count, *obey),
        };
        if f == F::Fraction {
            // java.time: exactly `count` digits, no leading blanks.
            let start = pos;
            let mut v = 0i64;
            for _ in 0..count {
                match b.get(pos) {
                    Some(c) if c.is_ascii_digit() => v = v * 10 + (c - b'0') as i64,
                    None => return Err(fail("date.parse.end-of-text", "the text ends inside the fraction of a second", pos)),
                    Some(_) => {
                        return Err(fail("date.parse.expected-digits", "the fraction of a second needs exactly as many digits as S letters", pos));
                    }
                }
                pos += 1;
            }
            p.nanos = Some((v * 10i64.pow(9 - count as u32), start));
            continue;
        }
        // SimpleDateFormat skips blanks before numbers and offsets, but matches names where
        // the field starts.
        let field_start = pos;
        let is_name = matches!(f, F::Era | F::DayName | F::AmPm) || (matches!(f, F::Month | F::MonthStandalone) && count >= 3);
        if !is_name {
            while pos < b.len() && (b[pos] == b' ' || b[pos] == b'\t') {
                pos += 1;
            }
        }
        if pos >= b.len() {
            return Err(fail("date.parse.end-of-text", "the text ends where the format expects a field", pos));
        }
        let at = pos;
        if f.numeric(count) {
            let limit = if obey {
                if field_start + count > b.len() {
                    return Err(fail("date.parse.end-of-text", "the text ends inside a fixed-width field", b.len()));
                }
                field_start + count
            } else {
                b.len()
            };
            let mut v = 0i64;
            while pos < limit && b[pos].is_ascii_digit() {
                if pos - at >= 15 {
                    return Err(fail("date.parse.out-of-range", "the number is too large", at));
                }
                v = v * 10 + (b[pos] - b'0') as i64;
                pos += 1;
            }
            if pos == at {
                return Err(fail("date.parse.expected-digits", "expected digits here", at));
            }
            let digits = pos - at;
            let range = |lo: i64, hi: i64| {
                if (lo..=hi).contains(&v) {
                    Ok(Some((v, at)))
                } else {
                    Err(fail("date.parse.out-of-range", "the value is out of range for this field", at))
                }
            };
            match f {
                F::Year | F::WeekYear => {
                    let y = if count <= 2 && digits == 2 {
                        let century = TWO_DIGIT_YEAR_START / 100 * 100;
                        let y = century + v;
                        if y < TWO_DIGIT_YEAR_START { y + 100 } else { y }
                    } else {
                        v
                    };
                    if !(1..=MAX_YEAR).contains(&y) {
                        return Err(fail("date.parse.out-of-range", "the year is out of range", at));
                    }
                    let slot = Some((y, at));
                    if f == F::Year { p.year = slot } else { p.week_year = slot }
                }
                F::Month | F::MonthStandalone => p.month = range(1, 12)?,
                F::WeekOfYear => p.week_of_year = range(1, 53)?,
                F::WeekOfMonth => p.week_of_month = range(0, 6)?,
                F::DayOfYear => p.day_of_year = range(1, 366)?,
                F::Day => p.day = range(1, 31)?,
                F::DowInMonth => p.dow_in_month = range(1, 6)?,
                F::DayNumber => p.dow = range(1, 7)?,
                F::Hour0 => p.hour_of_day = range(0, 23)?,
                F::Hour1 => p.hour_of_day = range(1, 24)?.map(|(h, c)| (h % 24, c)),
                F::Hour0Half => p.hour_half = range(0, 11)?,
                F::Hour1Half => p.hour_half = range(1, 12)?.map(|(h, c)| (h % 12, c)),
                F::Minute => p.minute = range(0, 59)?,
                F::Second => p.second = range(0, 59)?,
                // Text letters are not numeric; they are read below.
                _ => {}
            }
            continue;
        }
        let rest = &b[pos..];
        match f {
            F::Month | F::MonthStandalone => {
                let (i, n) = names::longest_match(rest, &names::MONTHS)
                    .or_else(|| names::longest_match(rest, &names::MONTHS_SHORT))
                    .ok_or_else(|| fail("date.parse.unknown-name", "expected an English month name", at))?;
                p.month = Some((i as i64 + 1, at));
                pos += n;
            }
            F::DayName => {
                let (i, n) = names::longest_match(rest, &names::DAYS)
                    .or_else(|| names::longest_match(rest, &names::DAYS_SHORT))
                    .ok_or_else(|| fail("date.parse.unknown-name", "expected an English day name", at))?;
                p.dow = Some((i as i64 + 1, at));
                pos += n;
            }
            F::AmPm => {
                let (i, n) = names::longest_match(rest, &names::AMPM).ok_or_else(|| fail("date.parse.unknown-name", "expected AM or PM", at))?;
                p.ampm = Some((i as i64, at));
                pos += n;
            }
            F::Era => {
                let (i, n) = names::longest_match(rest, &names::ERAS).ok_or_else(|| fail("date.parse.unknown-name", "expected AD or BC", at))?;
                p.era = Some((i as i64, at));
                pos += n;
            }
            F::ZoneName | F::ZoneRfc => {
                let (off, end) = general_zone(b, pos, pos != field_start)?;
                p.offset = Some((off as i64, at));
                pos = end;
            }
            F::ZoneIso => {
                if rest[0] == b'Z' {
                    p.offset = Some((0, at));
                    pos += 1;
                } else {
                    let sign = sign_of(rest[0]).ok_or_else(|| fail("date.parse.bad-offset", "expected Z or an offset such as +05:30", at))?;
                    let (off, end) = numeric_zone(b, pos + 1, sign, count, count == 3)?;
                    p.offset = Some((off as i64, at));
                    pos = end;
                }
            }
            // Numeric letters were read above.
            _ => {}
        }
    }
    if pos != b.len() {
        return Err(fail("date.parse.trailing-text", "unexpected text after the date", pos));
    }
    if let Some((off, at)) = p.offset {
        // A Calendar's ZONE_OFFSET range, which a non-lenient calendar enforces.
        if !(-13 * 3600..=14 * 3600).contains(&off) {
            return Err(fail("date.parse.out-of-range", "the offset is outside -13:00..+14:00", at));
        }
    }
    let local = resolve(&p)?;
    Ok(match p.offset {
        Some((off, _)) => local - off * 1000,
        None => zone.local_to_utc(local),
    })
}

fn sign_of(c: u8) -> Option<i32> {
    match c {
        b'+' => Some(1),
        b'-' => Some(-1),
        _ => None,
    }
}

/// Zone names `z` and `Z` read (besides offsets); the JDK's table of localized names
/// ("PST", "Pacific Standard Time") is not carried.
const ZONE_NAMES: [&str; 3] = ["UTC", "Greenwich Mean Time", "Coordinated Universal Time"];

/// `z` and `Z`: `GMT`, `GMT+h:mm`/`GMT+hh:mm`, a name of [`ZONE_NAMES`], or RFC 822 `+hhmm`
/// (SimpleDateFormat reads all of them for both letters). Blanks may precede an RFC 822
/// offset but not a name, as in SimpleDateFormat.
fn general_zone(b: &[u8], pos: usize, after_blanks: bool) -> Result<(i32, usize), Fail> {
    let rest = &b[pos..];
    if let Some(sign) = sign_of(rest[0]) {
        return numeric_zone(b, pos + 1, sign, 0, false);
    }
    if after_blanks {
        return Err(fail("date.parse.bad-offset", "a zone name must follow the preceding text directly", pos));
    }
    if rest.len() >= 3 && rest[..3].eq_ignore_ascii_case(b"GMT") {
        let after = pos + 3;
        return match b.get(after).and_then(|c| sign_of(*c)) {
            Some(sign) => numeric_zone(b, after + 1, sign, 0, true),
            None => Ok((0, after)),
        };
    }
    if let Some((_, n)) = names::longest_match(rest, &ZONE_NAMES) {
        return Ok((0, pos + n));
    }
    Err(fail("date.parse.bad-offset", "expected GMT, UTC, GMT+hh:mm or +hhmm", pos))
}

/// SimpleDateFormat's `subParseNumericZone`: `count` 1 is `hh`, 2 `hhmm`, 3 `hh:mm`; 0 (for
/// `z`/`Z`) is `hhmm`, or `h:mm`/`hh:mm` after `GMT`.
fn numeric_zone(b: &[u8], start: usize, sign: i32, count: usize, colon: bool) -> Result<(i32, usize), Fail> {
    let bad = |at: usize| fail("date.parse.bad-offset", "malformed offset", at.min(b.len()));
    let digit = |i: usize| b.get(i).filter(|c| c.is_ascii_digit()).map(|c| (c - b'0') as i32);
    let mut i = start;
    let mut hours = digit(i).ok_or_else(|| bad(i))?;
    i += 1;
    match digit(i) {
        Some(d) => {
            hours = hours * 10 + d;
            i += 1;
        }
        None if count > 0 || !colon => return Err(bad(i)),
        None => {}
    }
    if hours > 23 {
        return Err(bad(start));
    }
    let mut minutes = 0;
    if count != 1 {
        if colon {
            if b.get(i) != Some(&b':') {
                return Err(bad(i));
            }
            i += 1;
        }
        let m1 = digit(i).ok_or_else(|| bad(i))?;
        let m2 = digit(i + 1).ok_or_else(|| bad(i + 1))?;
        minutes = m1 * 10 + m2;
        if minutes > 59 {
            return Err(bad(i));
        }
        i += 2;
    }
    Ok((sign * (hours * 3600 + minutes * 60), i))
}

/// Local wall-clock milliseconds from the fields, checking that every field given agrees
/// with the date they resolve to (a non-lenient calendar's rule).
fn resolve(p: &Fields) -> Result<i64, Fail> {
    let inconsistent = |at: usize| fail("date.parse.inconsistent", "the fields contradict each other (e.g. the day of the week)", at);
    let out_of_range = |at: usize| fail("date.parse.out-of-range", "no such date", at);
    let year_of_era = match (p.year, p.week_year) {
        (Some((y, _)), _) => y,
        (None, Some((wy, _))) if p.week_of_year.is_none() => wy,
        _ => 1970,
    };
    let year = if p.era.is_some_and(|(e, _)| e == 0) { 1 - year_of_era } else { year_of_era };
    // Sunday-first index of the day of the week, Sunday when absent (Java's first day).
    let sunday_index = p.dow.map_or(0, |(d, _)| d % 7);
    let month = p.month.map_or(1, |(m, _)| m as u32);
    let days = if p.day.is_some() || (p.day_of_year.is_none() && p.week_of_year.is_none() && p.week_of_month.is_none() && p.dow_in_month.is_none()) {
        let d = p.day.map_or(1, |(d, _)| d as u32);
        if d > civil::days_in_month(year, month) {
            return Err(out_of_range(p.day.map_or(0, |s| s.1)));
        }
        civil::days_from_civil(year, month, d)
    } else if let Some((doy, at)) = p.day_of_year {
        if doy > if civil::is_leap(year) { 366 } else { 365 } {
            return Err(out_of_range(at));
        }
        civil::days_from_civil(year, 1, 1) + doy - 1
    } else if let Some((w, at)) = p.week_of_year {
        let wy = p.week_year.map_or(year, |s| s.0);
        let days = week::from_week_date(wy, w, sunday_index);
        if week::week_of_year(days) != (wy, w as u32) {
            return Err(out_of_range(at));
        }
        days
    } else if let Some((w, at)) = p.week_of_month {
        let first = civil::days_from_civil(year, month, 1);
        let days = week::from_week_of_month(first, w, sunday_index);
        if civil::civil_from_days(days).1 != month {
            return Err(out_of_range(at));
        }
        days
    } else {
        let (n, at) = p.dow_in_month.unwrap_or((1, 0));
        let first = civil::days_from_civil(year, month, 1);
        let first_match = first + (sunday_index - week::sunday_index(first)).rem_euclid(7);
        let days = first_match + (n - 1) * 7;
        if civil::civil_from_days(days).1 != month {
            return Err(out_of_range(at));
        }
        days
    };
    let (cy, cm, cd) = civil::civil_from_days(days);
    let check = |slot: Slot, actual: i64| match slot {
        Some((v, at)) if v != actual => Err(inconsistent(at)),
        _ => Ok(()),
    };
    check(p.month, cm as i64)?;
    check(p.day, cd as i64)?;
    check(p.day_of_year, days - civil::days_from_civil(cy, 1, 1) + 1)?;
    check(p.dow, civil::weekday(days) as i64)?;
    check(p.dow_in_month, (cd as i64 - 1) / 7 + 1)?;
    check(p.week_of_month, week::week_of_month(days, cd) as i64)?;
    if p.week_of_year.is_some() {
        let (wy, w) = week::week_of_year(days);
        check(p.week_of_year, w as i64)?;
        check(p.week_year, wy)?;
    }
    let hour = match (p.hour_of_day, p.hour_half) {
        (Some((h, _)), half) => {
            check(p.ampm, h / 12)?;
            check(half, h % 12)?;
            h
        }
        (None, half) => half.map_or(0, |s| s.0) + 12 * p.ampm.map_or(0, |s| s.0),
    };
    let tod = hour * 3_600_000 + p.minute.map_or(0, |s| s.0) * 60_000 + p.second.map_or(0, |s| s.0) * 1000 + p.nanos.map_or(0, |s| s.0) / 1_000_000;
    Ok(days * MS_PER_DAY + tod)
}

/// A fixed layout for patterns made only of fixed-width numbers (`yyyy MM dd HH mm ss S`)
/// and literals, the shape of nearly every API timestamp. A value in the canonical layout is
/// read with straight-line digit arithmetic; anything else (blanks, short fields, errors) goes
/// through [`parse`], which gives the same answer the long way and the error with its column.
#[derive(Clone, Debug)]
pub struct Fixed {
    len: usize,
    /// The layout eight bytes at a time: (literal bytes, digit-slot mask, literal mask).
    chunks: Box<[(u64, u64, u64)]>,
    /// (position, width, slot of [`Fixed::local`]'s values).
    nums: Box<[(usize, usize, usize)]>,
    two_digit_year: bool,
    /// The fields sit where `yyyy?MM?dd?HH?mm?ss[?SSS]` puts them (any separators): read
    /// at constant offsets, with no loop at all. Most APIs send this shape.
    iso_shape: bool,
}

/// (position, width, slot) of `yyyy-MM-dd'T'HH:mm:ss.SSS`, separators aside.
const ISO_SHAPE: [(usize, usize, usize); 7] = [(0, 4, 0), (5, 2, 1), (8, 2, 2), (11, 2, 3), (14, 2, 4), (17, 2, 5), (20, 3, SLOT_FRACTION)];

/// Slots of the values a fixed layout reads, with their defaults.
const SLOT_YEAR: usize = 0;
const SLOT_FRACTION: usize = 6;
const DEFAULTS: [i64; 7] = [1970, 1, 1, 0, 0, 0, 0];

/// Marks a digit slot in a template; no UTF-8 text contains this byte.
const DIGIT: u8 = 0xFF;

impl Fixed {
    pub fn plan(items: &[Item]) -> Option<Fixed> {
        let mut template = Vec::new();
        let mut nums = Vec::new();
        let mut two_digit_year = false;
        for (k, item) in items.iter().enumerate() {
            match item {
                Item::Lit(s) => template.extend_from_slice(s.as_bytes()),
                Item::Field { f, count, obey, .. } => {
                    let fixed = match f {
                        // yy is two digits with the pivot; y and yyy are as wide as the year.
                        F::Year => *count == 2 || *count >= 4,
                        F::Month | F::Day | F::Hour0 | F::Minute | F::Second => *count == 2,
                        F::Fraction => true,
                        _ => false,
                    };
                    if !fixed {
                        return None;
                    }
                    // A greedy number must stop where the layout says: at the end of the text,
                    // or at a literal that does not start with a digit.
                    if *f != F::Fraction && !*obey {
                        match items.get(k + 1) {
                            None => {}
                            Some(Item::Lit(s)) if s.as_bytes().first().is_some_and(|c| !c.is_ascii_digit()) => {}
                            Some(_) => return None,
                        }
                    }
                    let slot = match f {
                        F::Year => {
                            two_digit_year = *count == 2;
                            SLOT_YEAR
                        }
                        F::Month => 1,
                        F::Day => 2,
                        F::Hour0 => 3,
                        F::Minute => 4,
                        F::Second => 5,
                        _ => SLOT_FRACTION,
                    };
                    nums.push((template.len(), *count, slot));
                    template.extend(std::iter::repeat_n(DIGIT, *count));
                }
            }
        }
        let chunks = template
            .chunks(8)
            .map(|c| {
                let (mut lit, mut digits, mut lits) = ([0u8; 8], [0u8; 8], [0u8; 8]);
                for (i, &t) in c.iter().enumerate() {
                    if t == DIGIT {
                        digits[i] = 0xFF;
                    } else {
                        lit[i] = t;
                        lits[i] = 0xFF;
                    }
                }
                (u64::from_le_bytes(lit), u64::from_le_bytes(digits), u64::from_le_bytes(lits))
            })
            .collect();
        let iso_shape = nums == ISO_SHAPE[..6] || nums == ISO_SHAPE;
        Some(Fixed { len: template.len(), chunks, nums: nums.into(), two_digit_year, iso_shape })
    }

    /// Local wall-clock milliseconds, or `None` to take the general path.
    #[inline]
    pub fn local(&self, b: &[u8]) -> Option<i64> {
        if b.len() != self.len {
            return None;
        }
        if self.iso_shape && self.chunks.len() == 3 {
            return self.iso_words(b);
        }
        for (k, &(lit, digits, lits)) in self.chunks.iter().enumerate() {
            let w = match b.get(k * 8..k * 8 + 8) {
                Some(full) => u64::from_le_bytes(full.try_into().ok()?),
                None => {
                    let mut word = [0u8; 8];
                    for (i, &c) in b[k * 8..].iter().enumerate() {
                        word[i] = c;
                    }
                    u64::from_le_bytes(word)
                }
            };
            if !chunk_ok(w, lit, digits, lits) {
                return None;
            }
        }
        let mut vals = DEFAULTS;
        let mut fraction_width = 3;
        for &(pos, width, slot) in self.nums.iter() {
            let digits = b.get(pos..pos + width)?;
            let n = |i: usize| (digits[i] - b'0') as i64;
            // Straight-line arithmetic for the usual widths: a loop with varying trip counts
            // costs more in mispredicted branches than the digits themselves.
            let v = match width {
                2 => n(0) * 10 + n(1),
                3 => n(0) * 100 + n(1) * 10 + n(2),
                4 => n(0) * 1000 + n(1) * 100 + n(2) * 10 + n(3),
                _ => digits.iter().fold(0i64, |v, &c| v * 10 + (c - b'0') as i64),
            };
            *vals.get_mut(slot)? = v;
            if slot == SLOT_FRACTION {
                fraction_width = width;
            }
        }
        let [mut y, mo, d, h, mi, s, f] = vals;
        if self.two_digit_year {
            y += TWO_DIGIT_YEAR_START / 100 * 100;
            if y < TWO_DIGIT_YEAR_START {
                y += 100;
            }
        }
        let ms = match fraction_width {
            3 => f,
            1 => f * 100,
            2 => f * 10,
            w => f / 10i64.pow(w as u32 - 3),
        };
        finish(y, mo, d, h, mi, s, ms)
    }
}

impl Fixed {
    /// The ISO shape in 19 to 24 bytes (three words), all digits at once: in each word, the
    /// digit bytes less '0' times 10 plus the word shifted by a byte puts the value of every
    /// pair of digits in the byte of its first digit (at most 99: no carries between bytes).
    #[inline(always)]
    fn iso_words(&self, b: &[u8]) -> Option<i64> {
        let mut w = [0u64; 3];
        for (k, slot) in w.iter_mut().enumerate() {
            *slot = match b.get(k * 8..k * 8 + 8) {
                Some(full) => u64::from_le_bytes(full.try_into().ok()?),
                None => {
                    let mut word = [0u8; 8];
                    for (i, &c) in b.get(k * 8..)?.iter().enumerate() {
                        *word.get_mut(i)? = c;
                    }
                    u64::from_le_bytes(word)
                }
            };
            let (lit, digits, lits) = *self.chunks.get(k)?;
            if !chunk_ok(*slot, lit, digits, lits) {
                return None;
            }
        }
        // Plain functions, not closures: the wasm is built for size, where a closure's call stays a call.
        #[inline(always)]
        fn pairs(word: u64, digits: u64) -> (u64, u64) {
            let x = (word & digits) - (0x3030_3030_3030_3030 & digits);
            (x * 10 + (x >> 8), x)
        }
        #[inline(always)]
        fn byte(v: u64, i: u32) -> i64 {
            ((v >> (8 * i)) & 0xFF) as i64
        }
        let c = &self.chunks;
        let ((p0, _), (p1, _), (p2, x2)) = (pairs(w[0], c[0].1), pairs(w[1], c[1].1), pairs(w[2], c[2].1));
        let ms = if self.nums.len() == 7 { byte(p2, 4) * 10 + byte(x2, 6) } else { 0 };
        finish(byte(p0, 0) * 100 + byte(p0, 2), byte(p0, 5), byte(p1, 0), byte(p1, 3), byte(p1, 6), byte(p2, 1), ms)
    }
}

/// Whether eight text bytes fit a chunk of the layout: literals equal, digits where digits go.
/// A byte is an ASCII digit when it and the byte plus 6 both have high nibble 3; a carry out
/// of a byte >= 0xFA can only come from a byte that already fails.
#[inline(always)]
fn chunk_ok(w: u64, lit: u64, digits: u64, lits: u64) -> bool {
    const HIGH_NIBBLES: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3333_3333_3333_3333;
    let nibbles = (w & HIGH_NIBBLES) | ((w.wrapping_add(0x0606_0606_0606_0606) & HIGH_NIBBLES) >> 4);
    (w ^ lit) & lits == 0 && (nibbles ^ THREES) & digits == 0
}

/// Range checks and local milliseconds of the values a fixed layout read.
#[inline(always)]
fn finish(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64, ms: i64) -> Option<i64> {
    if !(1..=MAX_YEAR).contains(&y) || !(1..=12).contains(&mo) || d < 1 || h > 23 || mi > 59 || s > 59 {
        return None;
    }
    if d > 28 && d > civil::days_in_month(y, mo as u32) as i64 {
        return None;
    }
    Some(civil::days_from_civil_ad(y as u64, mo as u64, d as u64) * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datefmt::pattern::compile;
    use proptest::prelude::*;

    const FIXED: &[&str] = &[
        "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
        "yyyy/MM/dd HH:mm:ss",
        "yyyy-MM-dd HH:mm:ss.SSS",
        "yyyyMMddHHmmss",
        "yy-MM-dd HH:mm:ss.S",
        "dd/MM/yyyy HH:mm:ss,SSSSSS",
        "yyyyy.MM",
    ];

    proptest! {
        /// The fixed layout is only a shortcut: wherever it answers, the general walk agrees.
        #[test]
        fn fixed_layout_agrees_with_the_general_walk(k in 0..FIXED.len(), text in "[0-9]{0,6}[-/. T:,Z0-9]{0,24}", ms in -1_000_000_000_000i64..5_000_000_000_000, at in 0usize..30, c in "[0-9:Z. \\-]") {
            let items = compile(FIXED[k]).unwrap();
            let plan = Fixed::plan(&items).unwrap();
            let canonical = crate::datefmt::format::format(&items, ms, &Zone::UTC);
            // One character changed: out-of-range values and wrong separators in the layout.
            let mut changed = canonical.clone();
            if at < changed.len() {
                changed.replace_range(at..at + 1, &c);
            }
            for t in [text.as_str(), canonical.as_str(), changed.as_str()] {
                match plan.local(t.as_bytes()) {
                    Some(local) => prop_assert_eq!(parse(&items, t, &Zone::UTC).ok(), Some(local), "{:?} {:?}", FIXED[k], t),
                    // Refusing is always safe, but in range the canonical layout must be taken.
                    None => prop_assert!(t != canonical || parse(&items, t, &Zone::UTC).is_err() || !(0..253_402_300_800_000).contains(&ms)),
                }
            }
            prop_assert!(plan.local(canonical.as_bytes()).is_some() || !(1..=9999).contains(&civil::civil_from_days(ms.div_euclid(MS_PER_DAY)).0));
        }
    }

    #[test]
    fn only_fixed_width_patterns_get_a_layout() {
        assert!(Fixed::plan(&compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap()).is_some());
        assert!(Fixed::plan(&compile("yyyy-M-dd").unwrap()).is_none());
        assert!(Fixed::plan(&compile("yyyy-MM-dd HH:mm XXX").unwrap()).is_none());
        assert!(Fixed::plan(&compile("HH'0'mm").unwrap()).is_none());
    }
}
