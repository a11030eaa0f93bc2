//! Field paths (`idField`, the date fields, `recordsField`): one grammar, parsed once into
//! segments that validation, detection and the scanner all use (DESIGN section 5).
//!
//! ```text
//! path    = first ( "." name | "[" index "]" | "[" quoted "]" )*
//! first   = name | "[" quoted "]"          (records are objects: a path starts at a member)
//! name    = one or more characters other than . [ ] and whitespace
//! index   = one or more ASCII digits
//! quoted  = "'" ( any character other than ' and \ | "\'" | "\\" )* "'"
//! ```
//! So `email_addresses[0].email`, `a.b[0].c[1]` and `['odd.key'].x` are paths.

use crate::diag::Error;
use std::fmt;

/// One step of a path: an object member or an array element.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A member name, as the record spells it.
    Key(String),
    /// An array index, `[n]`.
    Index(usize),
}

/// A parsed field path; [`FieldPath::parse`] is the only way to make one from text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FieldPath {
    segments: Vec<Segment>,
}

impl FieldPath {
    /// Parses `text`; the error's `column` (0-based, in characters) is where it stopped.
    pub fn parse(text: &str) -> Result<FieldPath, Error> {
        let chars: Vec<char> = text.chars().collect();
        let bad = |at: usize, why: String| Error::new("poller.field-path.malformed", format!("{text:?} is not a field path: {why}")).at_column(at);
        if chars.is_empty() {
            return Err(bad(0, "it is empty".into()));
        }
        let mut segments = Vec::new();
        let mut i = 0;
        let mut first = true;
        while i < chars.len() {
            match chars[i] {
                '[' => {
                    let open = i;
                    i += 1;
                    if chars.get(i) == Some(&'\'') {
                        i += 1;
                        let mut name = String::new();
                        loop {
                            match chars.get(i) {
                                None => return Err(bad(open, "a quoted name is not closed with ']".into())),
                                Some('\\') => match chars.get(i + 1) {
                                    Some(c @ ('\'' | '\\')) => {
                                        name.push(*c);
                                        i += 2;
                                    }
                                    _ => return Err(bad(i, "only \\' and \\\\ are escapes in a quoted name".into())),
                                },
                                Some('\'') => {
                                    i += 1;
                                    break;
                                }
                                Some(c) => {
                                    name.push(*c);
                                    i += 1;
                                }
                            }
                        }
                        if chars.get(i) != Some(&']') {
                            return Err(bad(i, "expected ] after the quoted name".into()));
                        }
                        if name.is_empty() {
                            return Err(bad(open, "a quoted name is empty".into()));
                        }
                        segments.push(Segment::Key(name));
                    } else if first {
                        return Err(bad(open, "a path starts with a name (a record is an object)".into()));
                    } else {
                        let start = i;
                        while chars.get(i).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                        if i == start || chars.get(i) != Some(&']') {
                            return Err(bad(open, "[ must hold an index (digits) or a 'quoted name' and close with ]".into()));
                        }
                        let digits: String = chars[start..i].iter().collect();
                        let n = digits.parse::<usize>().map_err(|_| bad(start, "the index is too large".into()))?;
                        segments.push(Segment::Index(n));
                    }
                    i += 1; // the ]
                }
                '.' if first => return Err(bad(i, "it starts with a dot".into())),
                '.' => {
                    i += 1;
                    let start = i;
                    let name = name_at(&chars, &mut i);
                    if name.is_empty() {
                        let why = if start == chars.len() { "it ends with a dot" } else { "a name is empty" };
                        return Err(bad(start, why.into()));
                    }
                    segments.push(Segment::Key(name));
                }
                ']' => return Err(bad(i, "an unbalanced ]".into())),
                c if c.is_whitespace() => return Err(bad(i, "it contains whitespace".into())),
                _ if first => {
                    let name = name_at(&chars, &mut i);
                    segments.push(Segment::Key(name));
                }
                _ => return Err(bad(i, "expected . or [ here".into())),
            }
            first = false;
        }
        Ok(FieldPath { segments })
    }

    /// A path of plain names, for callers that already hold the segments (tests, presets).
    pub fn of_keys<S: Into<String>>(keys: impl IntoIterator<Item = S>) -> FieldPath {
        FieldPath { segments: keys.into_iter().map(|k| Segment::Key(k.into())).collect() }
    }

    /// A path from segments already split (the scanner's plan, tests): no parsing, no checks.
    pub fn from_segments(segments: Vec<Segment>) -> FieldPath {
        FieldPath { segments }
    }

    /// The steps the scanner walks, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True for the empty path: the record itself (or a top-level records array).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The value at this path in a parsed document, the reference reading for tests.
    pub fn get<'v>(&self, mut v: &'v serde_json::Value) -> Option<&'v serde_json::Value> {
        for s in &self.segments {
            v = match s {
                Segment::Key(k) => v.as_object()?.get(k)?,
                Segment::Index(n) => v.as_array()?.get(*n)?,
            };
        }
        Some(v)
    }
}

fn name_at(chars: &[char], i: &mut usize) -> String {
    let start = *i;
    while *i < chars.len() && !matches!(chars[*i], '.' | '[' | ']') && !chars[*i].is_whitespace() {
        *i += 1;
    }
    chars[start..*i].iter().collect()
}

/// Writes the path back in the grammar (quoting names that need it), so it round-trips.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, s) in self.segments.iter().enumerate() {
            match s {
                Segment::Index(n) => write!(f, "[{n}]")?,
                Segment::Key(name) if name.chars().any(|c| matches!(c, '.' | '[' | ']' | '\'' | '\\') || c.is_whitespace()) => {
                    f.write_str("['")?;
                    for c in name.chars() {
                        if matches!(c, '\'' | '\\') {
                            f.write_str("\\")?;
                        }
                        write!(f, "{c}")?;
                    }
                    f.write_str("']")?;
                }
                Segment::Key(name) => {
                    if k > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Segment::{Index, Key};

    fn segs(s: &str) -> Vec<Segment> {
        FieldPath::parse(s).unwrap().segments().to_vec()
    }

    #[test]
    fn the_grammar() {
        assert_eq!(segs("id"), vec![Key("id".into())]);
        assert_eq!(segs("user.id"), vec![Key("user".into()), Key("id".into())]);
        assert_eq!(segs("items[0].created"), vec![Key("items".into()), Index(0), Key("created".into())]);
        assert_eq!(segs("a.b[0].c[1]"), vec![Key("a".into()), Key("b".into()), Index(0), Key("c".into()), Index(1)]);
        assert_eq!(segs("ids[0]"), vec![Key("ids".into()), Index(0)]);
        assert_eq!(segs("['a.b'].c"), vec![Key("a.b".into()), Key("c".into())]);
        assert_eq!(segs("x['it\\'s']"), vec![Key("x".into()), Key("it's".into())]);
        assert_eq!(segs("_info.lastUpdated"), vec![Key("_info".into()), Key("lastUpdated".into())]);
    }

    #[test]
    fn errors_say_where() {
        for (text, column) in [
            ("", 0),
            (".a", 0),
            ("a.", 2),
            ("a..b", 2),
            ("a[", 1),
            ("a[x]", 1),
            ("a[-1]", 1),
            ("a]", 1),
            ("a b", 1),
            ("a[0]b", 4),
            ("a['x", 1),
            ("a['']", 1),
            ("a[99999999999999999999999]", 2),
            ("[0]", 0),
        ] {
            let e = FieldPath::parse(text).unwrap_err();
            assert_eq!((e.code, e.column), ("poller.field-path.malformed", Some(column)), "{text:?}: {}", e.message);
        }
    }

    #[test]
    fn displays_back_to_the_same_path() {
        for text in ["id", "a.b[0].c[1]", "['a.b'].c", "x['it\\'s']", "['[3]'].x"] {
            let p = FieldPath::parse(text).unwrap();
            assert_eq!(FieldPath::parse(&p.to_string()).unwrap(), p, "{text}");
        }
    }
}
