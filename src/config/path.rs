//! JSON paths as a user reads them: `configuration["event.poller.configuration"].appointments.url`.
//!
//! Keys that are identifiers are written `.key`; every other key is written `["key"]` with the
//! key as a JSON string; array indexes are `[0]`. The root is the empty path.
//!
//! **Paths into JSON-encoded strings.** `event.poller.configuration` may be a JSON-encoded
//! string rather than an object (element defaults and returned instances carry it that way).
//! A path simply continues through such a string as if it were the decoded object:
//! `configuration["event.poller.configuration"].appointments.url` addresses the same poller
//! whether the configuration is an object or a string. [`super::locate`] follows the path
//! into the string's text, and [`super::locate_embedded`] also returns the location inside
//! the decoded string.

use std::fmt;

/// A rendered JSON path into the user's document, built step by step as validation descends.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonPath(String);

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// An object member.
    Key(String),
    /// An array element.
    Index(usize),
}

impl JsonPath {
    /// The document itself: the empty path.
    pub fn root() -> Self {
        JsonPath(String::new())
    }

    /// This path and then member `key`: `.key` when it is an identifier, else `["key"]`.
    pub fn key(&self, key: &str) -> Self {
        let ident = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        let mut s = self.0.clone();
        if ident {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(key);
        } else {
            s.push('[');
            // A String always serializes; the fallback keeps this total anyway.
            s.push_str(&serde_json::to_string(key).unwrap_or_default());
            s.push(']');
        }
        JsonPath(s)
    }

    /// This path and then element `i`: `[i]`.
    pub fn index(&self, i: usize) -> Self {
        JsonPath(format!("{}[{i}]", self.0))
    }

    /// The path as a user reads it (a diagnostic's `path`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads a rendered path back into segments; `None` when it is not a path this type writes.
    pub fn parse(path: &str) -> Option<Vec<Segment>> {
        let b = path.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'[' => {
                    i += 1;
                    if b.get(i) == Some(&b'"') {
                        // A JSON string: find its closing quote, honouring escapes.
                        let start = i;
                        i += 1;
                        while i < b.len() && b[i] != b'"' {
                            i += if b[i] == b'\\' { 2 } else { 1 };
                        }
                        let lit = path.get(start..=i)?;
                        out.push(Segment::Key(serde_json::from_str(lit).ok()?));
                        i += 1;
                    } else {
                        let start = i;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        out.push(Segment::Index(path.get(start..i)?.parse().ok()?));
                    }
                    if b.get(i) != Some(&b']') {
                        return None;
                    }
                    i += 1;
                }
                b'.' if !out.is_empty() && !matches!(b.get(i + 1), None | Some(b'.') | Some(b'[')) => i += 1,
                _ => {
                    let start = i;
                    while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                        i += 1;
                    }
                    if start == i {
                        return None;
                    }
                    out.push(Segment::Key(path[start..i].to_owned()));
                }
            }
        }
        Some(out)
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<JsonPath> for String {
    fn from(p: JsonPath) -> String {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_like_javascript() {
        let p = JsonPath::root().key("configuration").key("event.poller.configuration").key("appointments").key("url");
        assert_eq!(p.as_str(), r#"configuration["event.poller.configuration"].appointments.url"#);
        assert_eq!(JsonPath::root().key("tags").index(0).as_str(), "tags[0]");
    }

    #[test]
    fn parses_what_it_writes() {
        let p = JsonPath::root().key("a").key("x.y\"]z").index(3).key("b");
        assert_eq!(
            JsonPath::parse(p.as_str()).unwrap(),
            vec![Segment::Key("a".into()), Segment::Key("x.y\"]z".into()), Segment::Index(3), Segment::Key("b".into())]
        );
        assert_eq!(JsonPath::parse("").unwrap(), vec![]);
        assert!(JsonPath::parse("a[").is_none());
        assert!(JsonPath::parse("a..b").is_none());
    }
}
