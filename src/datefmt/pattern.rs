//! Compiling a SimpleDateFormat pattern into items, once.

use crate::diag::Error;

/// A pattern letter's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum F {
    Era,             // G
    Year,            // y
    WeekYear,        // Y
    Month,           // M
    MonthStandalone, // L
    WeekOfYear,      // w
    WeekOfMonth,     // W
    DayOfYear,       // D
    Day,             // d
    DowInMonth,      // F
    DayName,         // E
    DayNumber,       // u
    AmPm,            // a
    Hour0,           // H
    Hour1,           // k
    Hour0Half,       // K
    Hour1Half,       // h
    Minute,          // m
    Second,          // s
    Fraction,        // S
    ZoneName,        // z
    ZoneRfc,         // Z
    ZoneIso,         // X
}

impl F {
    fn of(c: char) -> Option<F> {
        Some(match c {
            'G' => F::Era,
            'y' => F::Year,
            'Y' => F::WeekYear,
            'M' => F::Month,
            'L' => F::MonthStandalone,
            'w' => F::WeekOfYear,
            'W' => F::WeekOfMonth,
            'D' => F::DayOfYear,
            'd' => F::Day,
            'F' => F::DowInMonth,
            'E' => F::DayName,
            'u' => F::DayNumber,
            'a' => F::AmPm,
            'H' => F::Hour0,
            'k' => F::Hour1,
            'K' => F::Hour0Half,
            'h' => F::Hour1Half,
            'm' => F::Minute,
            's' => F::Second,
            'S' => F::Fraction,
            'z' => F::ZoneName,
            'Z' => F::ZoneRfc,
            'X' => F::ZoneIso,
            _ => return None,
        })
    }

    /// Whether the field is read as a number with `count` letters (SimpleDateFormat's
    /// `shouldObeyCount`): a number directly followed by one of these reads exactly its width.
    pub fn numeric(self, count: usize) -> bool {
        match self {
            F::Month | F::MonthStandalone => count <= 2,
            F::Era | F::DayName | F::AmPm | F::ZoneName | F::ZoneRfc | F::ZoneIso => false,
            _ => true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    Lit(Box<str>),
    Field {
        f: F,
        count: usize,
        /// Abuts the next numeric field, so it reads exactly `count` characters.
        obey: bool,
        /// Character column of the letters in the pattern (for lints).
        col: usize,
    },
}

/// The longest S run java.time accepts (nanoseconds).
pub const MAX_FRACTION: usize = 9;

pub fn compile(pattern: &str) -> Result<Vec<Item>, Error> {
    let chars: Vec<char> = pattern.chars().collect();
    if chars.is_empty() {
        return Err(Error::new("date-format.empty", "the date format is empty").at_column(0));
    }
    let mut items: Vec<Item> = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            if chars.get(i + 1) == Some(&'\'') {
                lit.push('\'');
                i += 2;
                continue;
            }
            let open = i;
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(Error::new("date-format.unterminated-quote", "a quote in the date format is never closed")
                            .at_column(open)
                            .with_hint("close the literal with ' and write '' for a quote character"));
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
            continue;
        }
        if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i] == c {
                i += 1;
            }
            let count = i - start;
            let Some(f) = F::of(c) else {
                // `yyyy-MM-ddTHH…` with no quote anywhere: most often the quotes of `'T'` were
                // eaten by a shell, as in the seed's own `curl -d '{…}'`, where each `'` of the
                // body ends and reopens the shell's quoted argument.
                let hint = if c == 'T' && !chars.contains(&'\'') {
                    "letters are pattern fields (G y Y M L w W D d F E u a H k K h m s S z Z X); quote literal text like 'T'. This format has no quotes at all: if it was sent in a shell's single-quoted argument (curl -d '{...}'), the shell removed them; write each ' as '\\'' there, or send the body from a file (curl --data @body.json)"
                } else {
                    "letters are pattern fields (G y Y M L w W D d F E u a H k K h m s S z Z X); quote literal text like 'T'"
                };
                return Err(Error::new("date-format.unknown-letter", format!("{c:?} is not a date pattern letter")).at_column(start).with_hint(hint));
            };
            if f == F::ZoneIso && count > 3 {
                return Err(Error::new("date-format.too-many-letters", "X takes one to three letters (+hh, +hhmm, +hh:mm)").at_column(start));
            }
            if f == F::Fraction && count > MAX_FRACTION {
                return Err(Error::new("date-format.too-many-letters", "a fraction of a second has at most nine S (nanoseconds)").at_column(start));
            }
            if !lit.is_empty() {
                items.push(Item::Lit(std::mem::take(&mut lit).into_boxed_str()));
            }
            items.push(Item::Field { f, count, obey: false, col: start });
            continue;
        }
        lit.push(c);
        i += 1;
    }
    if !lit.is_empty() {
        items.push(Item::Lit(lit.into_boxed_str()));
    }
    for k in 0..items.len().saturating_sub(1) {
        let next_numeric = matches!(items[k + 1], Item::Field { f, count, .. } if f.numeric(count));
        if let Item::Field { obey, .. } = &mut items[k] {
            *obey = next_numeric;
        }
    }
    Ok(items)
}
