//! Warnings for patterns that compile but probably do not mean what their author wanted.

use super::pattern::{self, F, Item};
use crate::diag::Diagnostic;
use crate::zone::Zone;

/// Lints a date format (a pattern or a named format) read in `zone` (GMT when `None`).
/// Paths are empty: the configuration layer addresses them. A pattern that does not compile
/// gets no lints (compiling reports the error).
pub fn lint(spec: &str, zone: Option<&str>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if super::DateFormat::compile(spec).is_ok_and(|f| !f.is_pattern()) {
        return out;
    }
    let Ok(items) = pattern::compile(spec) else { return out };
    let has = |want: &[F]| items.iter().any(|i| matches!(i, Item::Field { f, .. } if want.contains(f)));
    let first = |want: F| {
        items.iter().find_map(|i| match i {
            Item::Field { f, col, count, .. } if *f == want => Some((*col, *count)),
            _ => None,
        })
    };
    let warn = |code, msg: String, hint: &str| Diagnostic::warning(code, "", msg).with_hint(hint);

    if let (Some((col, _)), false) = (first(F::WeekYear), has(&[F::WeekOfYear])) {
        out.push(warn(
            "date-format.week-year",
            format!("Y (column {col}) is the week-based year, which differs from the calendar year in the last days of December"),
            "use yyyy for the calendar year",
        ));
    }
    if let (Some((col, _)), true) = (first(F::DayOfYear), has(&[F::Month, F::MonthStandalone])) {
        out.push(warn(
            "date-format.day-of-year",
            format!("D (column {col}) is the day of the year (1-366), not the day of the month"),
            "use dd for the day of the month",
        ));
    }
    if let (Some((col, _)), false) = (first(F::Hour1Half).or(first(F::Hour0Half)), has(&[F::AmPm])) {
        out.push(warn(
            "date-format.hour-without-ampm",
            format!("h/K (column {col}) is a 12-hour clock, but the pattern has no AM/PM marker (a), so afternoons read as mornings"),
            "use HH for a 24-hour clock, or add a",
        ));
    }
    // Minutes beside a year or day, joined by a date separator, sit where a month belongs.
    let date_field = |i: Option<&Item>| matches!(i, Some(Item::Field { f: F::Year | F::WeekYear | F::Day, .. }));
    let date_sep = |i: Option<&Item>| matches!(i, Some(Item::Lit(s)) if s.chars().all(|c| matches!(c, '-' | '/' | '.' | ' ')));
    let month_slot = items.iter().enumerate().find_map(|(k, i)| match i {
        Item::Field { f: F::Minute, col, .. } => {
            let before = k.checked_sub(1).and_then(|j| items.get(j));
            let before2 = k.checked_sub(2).and_then(|j| items.get(j));
            let beside = date_field(before)
                || (date_sep(before) && date_field(before2))
                || date_field(items.get(k + 1))
                || (date_sep(items.get(k + 1)) && date_field(items.get(k + 2)));
            beside.then_some(*col)
        }
        _ => None,
    });
    if let (Some(col), false) = (month_slot, has(&[F::Month, F::MonthStandalone])) {
        out.push(warn(
            "date-format.minutes-as-month",
            format!("m (column {col}) is minutes, but it sits where a month belongs in this date"),
            "use MM for the month; mm is minutes",
        ));
    }
    let literal_z = items.iter().any(|i| matches!(i, Item::Lit(s) if s.contains('Z')));
    if let (true, Some(z)) = (literal_z, zone)
        && Zone::parse(z).is_ok_and(|parsed| !matches!(parsed, Zone::Fixed(0) | Zone::Utc))
    {
        out.push(warn(
            "date-format.literal-z-zone",
            format!("the quoted 'Z' says UTC, but the values are read in {z}"),
            "set the timezone to GMT, or use XXX to read the offset from the value",
        ));
    }
    if let Some((col, count)) = items.iter().find_map(|i| match i {
        Item::Field { f: F::Fraction, col, count, .. } if *count != 3 => Some((*col, *count)),
        _ => None,
    }) {
        out.push(warn(
            "date-format.fraction-width",
            format!("{count} S (column {col}): we read S as a fraction of a second ({count} digits, as java.time does), but SimpleDateFormat reads it as a count of milliseconds, so the two disagree"),
            "use exactly SSS for milliseconds, or check that the API really sends this many digits",
        ));
    }
    if !has(&[F::Hour0, F::Hour1, F::Hour0Half, F::Hour1Half]) {
        out.push(warn(
            "date-format.no-time-of-day",
            "the pattern has no time of day, so every change within a day shares one instant".into(),
            "prefer a field with the time of the change, e.g. yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(p: &str, z: Option<&str>) -> Vec<&'static str> {
        lint(p, z).into_iter().map(|d| d.code).collect()
    }

    #[test]
    fn each_lint_fires_on_its_mistake_only() {
        assert!(codes("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Some("GMT")).is_empty());
        assert!(codes("milliseconds", None).is_empty());
        assert_eq!(codes("YYYY-MM-dd HH:mm", None), ["date-format.week-year"]);
        assert!(codes("YYYY-'W'ww-u HH:mm", None).is_empty());
        assert_eq!(codes("yyyy-MM-DD HH:mm", None), ["date-format.day-of-year"]);
        assert_eq!(codes("yyyy-MM-dd hh:mm", None), ["date-format.hour-without-ampm"]);
        assert!(codes("yyyy-MM-dd hh:mm a", None).is_empty());
        assert_eq!(codes("yyyy-mm-dd HH:mm", None), ["date-format.minutes-as-month"]);
        assert_eq!(codes("yyyy-MM-dd'T'HH:mm'Z'", Some("PST")), ["date-format.literal-z-zone"]);
        assert!(codes("yyyy-MM-dd'T'HH:mm'Z'", Some("UTC")).is_empty());
        assert_eq!(codes("yyyy-MM-dd HH:mm:ss.SSSSSS", None), ["date-format.fraction-width"]);
        assert_eq!(codes("yyyy-MM-dd", None), ["date-format.no-time-of-day"]);
        assert!(lint("yyyy-MM-dd", None).iter().all(|d| d.hint.is_some() && d.path.is_empty()));
    }
}
