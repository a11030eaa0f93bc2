//! Proleptic Gregorian calendar arithmetic on plain integers (java.time's calendar).
//!
//! SimpleDateFormat switches to the Julian calendar before 1582-10-15; we do not, as
//! java.time does not: no polled API sends dates that old.

pub const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
#[inline(always)]
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// [`days_from_civil`] for years from 1 on, in unsigned arithmetic: dividing by constants
/// becomes a multiplication without the sign fix-ups (the parsing fast path).
#[inline(always)]
pub fn days_from_civil_ad(y: u64, m: u64, d: u64) -> i64 {
    let (y, mp) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe) as i64 - 719_468
}

/// (year, month 1..=12, day 1..=31) of days since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[inline(always)]
pub fn is_leap(y: i64) -> bool {
    y.rem_euclid(4) == 0 && (y.rem_euclid(100) != 0 || y.rem_euclid(400) == 0)
}

#[inline(always)]
pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// ISO day of week, 1 = Monday .. 7 = Sunday.
pub fn weekday(days: i64) -> u32 {
    // 1970-01-01 was a Thursday.
    ((days + 3).rem_euclid(7) + 1) as u32
}

/// Java's week fields for Locale.ENGLISH: weeks start on Sunday and week 1 is the week
/// containing January 1st (minimal days in first week = 1).
pub mod week {
    use super::*;

    /// Days since the epoch of the Sunday starting the week that holds `days`.
    fn week_start(days: i64) -> i64 {
        days - (weekday(days) % 7) as i64
    }

    /// Day index within a Sunday-first week: Sunday 0 .. Saturday 6.
    pub fn sunday_index(days: i64) -> i64 {
        (weekday(days) % 7) as i64
    }

    fn week1_start(year: i64) -> i64 {
        week_start(days_from_civil(year, 1, 1))
    }

    /// (week-based year, week of year) of a day.
    pub fn week_of_year(days: i64) -> (i64, u32) {
        let (y, _, _) = civil_from_days(days);
        let next = week1_start(y + 1);
        if days >= next {
            return (y + 1, 1);
        }
        let start = week1_start(y);
        (y, ((days - start) / 7 + 1) as u32)
    }

    /// The day that is `sunday_index` (0..=6) in week `week` of week-based year `year`.
    pub fn from_week_date(year: i64, week: i64, sunday_index: i64) -> i64 {
        week1_start(year) + (week - 1) * 7 + sunday_index
    }

    /// Java's WEEK_OF_MONTH: week 1 holds the 1st; days before the first Sunday-start are in it.
    pub fn week_of_month(days: i64, day_of_month: u32) -> u32 {
        let first = days - (day_of_month as i64 - 1);
        ((days - week_start(first)) / 7 + 1) as u32
    }

    /// The day with `sunday_index` in week `week` of the month starting on `first`.
    pub fn from_week_of_month(first: i64, week: i64, sunday_index: i64) -> i64 {
        week_start(first) + (week - 1) * 7 + sunday_index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-1_000_000, -719_468, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(2024, 3, 10), 19_792);
        assert_eq!(weekday(19_792), 7);
        for (y, m, d) in [(1, 1, 1), (1970, 1, 1), (2000, 2, 29), (2024, 12, 31), (99_999_999, 12, 31)] {
            assert_eq!(days_from_civil_ad(y, m, d), days_from_civil(y as i64, m as u32, d as u32));
        }
    }
}
