//! English text of Locale.ENGLISH, matched case-insensitively.

pub const MONTHS: [&str; 12] =
    ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
pub const MONTHS_SHORT: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/// Monday first, as ISO numbers days.
pub const DAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
pub const DAYS_SHORT: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
pub const AMPM: [&str; 2] = ["AM", "PM"];
pub const ERAS: [&str; 2] = ["BC", "AD"];

/// SimpleDateFormat's `matchString`: the longest name that starts `text`, ignoring case.
/// Returns (index, bytes matched).
pub fn longest_match(text: &[u8], names: &[&str]) -> Option<(usize, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, name) in names.iter().enumerate() {
        let n = name.len();
        if n > best.map_or(0, |b| b.1) && text.len() >= n && text[..n].eq_ignore_ascii_case(name.as_bytes()) {
            best = Some((i, n));
        }
    }
    best
}
