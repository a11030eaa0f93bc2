//! Formatting an instant with compiled items, as SimpleDateFormat does with Locale.ENGLISH
//! (except that a run of S is a fraction of a second, as in java.time).

use super::civil::{self, MS_PER_DAY, week};
use super::names;
use super::pattern::{F, Item};
use crate::zone::Zone;

pub fn format(items: &[Item], ms: i64, zone: &Zone) -> String {
    let offset = zone.offset_at(ms);
    let local = ms.saturating_add(offset as i64 * 1000);
    let days = local.div_euclid(MS_PER_DAY);
    let tod = local.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil::civil_from_days(days);
    let hour = (tod / 3_600_000) as u32;
    let mut out = String::with_capacity(32);
    for item in items {
        let (f, count) = match item {
            Item::Lit(s) => {
                out.push_str(s);
                continue;
            }
            Item::Field { f, count, .. } => (*f, *count),
        };
        match f {
            F::Era => out.push_str(names::ERAS[usize::from(y > 0)]),
            F::Year => year(&mut out, if y > 0 { y } else { 1 - y }, count),
            F::WeekYear => {
                let (wy, _) = week::week_of_year(days);
                year(&mut out, if wy > 0 { wy } else { 1 - wy }, count)
            }
            F::Month | F::MonthStandalone => match count {
                1 | 2 => num(&mut out, m as i64, count),
                3 => out.push_str(names::MONTHS_SHORT[m as usize - 1]),
                _ => out.push_str(names::MONTHS[m as usize - 1]),
            },
            F::WeekOfYear => num(&mut out, week::week_of_year(days).1 as i64, count),
            F::WeekOfMonth => num(&mut out, week::week_of_month(days, d) as i64, count),
            F::DayOfYear => num(&mut out, days - civil::days_from_civil(y, 1, 1) + 1, count),
            F::Day => num(&mut out, d as i64, count),
            F::DowInMonth => num(&mut out, (d as i64 - 1) / 7 + 1, count),
            F::DayName => {
                let wd = civil::weekday(days) as usize - 1;
                out.push_str(if count >= 4 { names::DAYS[wd] } else { names::DAYS_SHORT[wd] })
            }
            F::DayNumber => num(&mut out, civil::weekday(days) as i64, count),
            F::AmPm => out.push_str(names::AMPM[usize::from(hour >= 12)]),
            F::Hour0 => num(&mut out, hour as i64, count),
            F::Hour1 => num(&mut out, if hour == 0 { 24 } else { hour as i64 }, count),
            F::Hour0Half => num(&mut out, (hour % 12) as i64, count),
            F::Hour1Half => num(&mut out, if hour.is_multiple_of(12) { 12 } else { (hour % 12) as i64 }, count),
            F::Minute => num(&mut out, tod / 60_000 % 60, count),
            F::Second => num(&mut out, tod / 1000 % 60, count),
            F::Fraction => {
                let nanos = (tod % 1000) as u64 * 1_000_000;
                let digits = nanos_digits(nanos);
                out.push_str(std::str::from_utf8(&digits[..count.min(9)]).unwrap_or(""));
            }
            F::ZoneName => out.push_str(&if count >= 4 { zone.long_name(ms) } else { zone.short_name(ms) }),
            F::ZoneRfc => {
                let (sign, h, mi) = split_offset(offset);
                out.push(sign);
                num(&mut out, h, 2);
                num(&mut out, mi, 2);
            }
            F::ZoneIso => {
                if offset == 0 {
                    out.push('Z');
                    continue;
                }
                let (sign, h, mi) = split_offset(offset);
                out.push(sign);
                num(&mut out, h, 2);
                match count {
                    1 => {}
                    2 => num(&mut out, mi, 2),
                    _ => {
                        out.push(':');
                        num(&mut out, mi, 2)
                    }
                }
            }
        }
    }
    out
}

/// Sign, hours and minutes of an offset in seconds (seconds dropped, as the JDK does).
fn split_offset(offset: i32) -> (char, i64, i64) {
    let minutes = offset.unsigned_abs() as i64 / 60;
    (if offset < 0 { '-' } else { '+' }, minutes / 60, minutes % 60)
}

fn nanos_digits(nanos: u64) -> [u8; 9] {
    let mut b = [b'0'; 9];
    let mut n = nanos;
    for slot in b.iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    b
}

/// `yy` is the last two digits; any other count is the year zero-padded to that width.
fn year(out: &mut String, y: i64, count: usize) {
    if count == 2 { num(out, y.rem_euclid(100), 2) } else { num(out, y, count) }
}

/// A non-negative number zero-padded to `width` (SimpleDateFormat's zeroPaddingNumber).
fn num(out: &mut String, v: i64, width: usize) {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push('-');
    }
    for _ in (buf.len() - i)..width {
        out.push('0');
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or(""));
}
