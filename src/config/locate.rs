//! From a diagnostic's path back to the source text: line and column of the value.
//!
//! Lines and columns are 1-based; columns count characters (Unicode scalar values), so they
//! differ from an editor's UTF-16 columns only after characters outside the BMP.
//! When a path continues into a JSON-encoded string (the `event.poller.configuration`
//! string form, or a body that is a string holding the object), the string is decoded, the
//! rest of the path is found in the decoded text, and the position is mapped back into the
//! escaped source text. Duplicate keys resolve to the last one, as the parser does.

use super::path::{JsonPath, Segment};
use serde::Serialize;

/// A position in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based line, as editors number them.
    pub line: usize,
    /// 1-based column in characters (not bytes), so an editor's caret lands on it.
    pub column: usize,
    /// False when only an ancestor of the path exists (e.g. a required key that is missing).
    pub exact: bool,
}

/// A path that ends inside a JSON-encoded string value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbeddedLocation {
    /// Where the string value starts (its opening quote) in the source text.
    pub string: Location,
    /// The path of the string value itself.
    pub string_path: String,
    /// The rest of the path, inside the decoded string.
    pub inner_path: String,
    /// The value's line and column inside the decoded string.
    pub inner: Location,
    /// The value's position in the source text (inside the escaped string).
    pub outer: Location,
}

/// The position of the value at `path`, if it exists.
pub fn locate(text: &str, path: &str) -> Option<(usize, usize)> {
    let l = locate_nearest(text, path)?;
    l.exact.then_some((l.line, l.column))
}

/// The position of the value at `path`, or of its deepest existing ancestor (`exact: false`).
pub fn locate_nearest(text: &str, path: &str) -> Option<Location> {
    let segs = JsonPath::parse(path)?;
    let start = skip_ws(text.as_bytes(), 0);
    value_end(text.as_bytes(), start)?; // the text must hold a value where we start
    let w = walk(text, start, &segs, 0)?;
    let (line, column) = line_col(text, w.offset);
    Some(Location { line, column, exact: w.depth == segs.len() })
}

/// Like [`locate`], for a path that ends inside a JSON-encoded string: also says where inside
/// the decoded string. `None` when the path does not cross a string or does not exist.
pub fn locate_embedded(text: &str, path: &str) -> Option<EmbeddedLocation> {
    let segs = JsonPath::parse(path)?;
    let start = skip_ws(text.as_bytes(), 0);
    let w = walk(text, start, &segs, 0)?;
    if w.depth != segs.len() {
        return None;
    }
    let e = w.embedded?;
    let (sl, sc) = line_col(text, e.string_offset);
    let (il, ic) = line_col(&e.decoded, e.inner_offset);
    let (ol, oc) = line_col(text, w.offset);
    let render = |s: &[Segment]| {
        let mut p = JsonPath::root();
        for seg in s {
            p = match seg {
                Segment::Key(k) => p.key(k),
                Segment::Index(i) => p.index(*i),
            };
        }
        p.to_string()
    };
    Some(EmbeddedLocation {
        string: Location { line: sl, column: sc, exact: true },
        string_path: render(&segs[..e.depth]),
        inner_path: render(&segs[e.depth..]),
        inner: Location { line: il, column: ic, exact: true },
        outer: Location { line: ol, column: oc, exact: true },
    })
}

/// The position of the `column`-th character (0-based) of the string value at `path`: where a
/// url-template diagnostic's column (say, an unknown `${...}` variable) sits in the source,
/// escapes inside the string accounted for. `None` when the value is not a string or the
/// column is past its end.
pub fn locate_in_string(text: &str, path: &str, column: usize) -> Option<(usize, usize)> {
    let segs = JsonPath::parse(path)?;
    let start = skip_ws(text.as_bytes(), 0);
    let w = walk(text, start, &segs, 0)?;
    if w.depth != segs.len() {
        return None;
    }
    // The walk returns offsets in the source text, also through embedded strings, and
    // `decode_string` works on any string there: a string inside an embedded string is
    // escaped twice, so decode level by level.
    let (decoded, map) = match &w.embedded {
        None => decode_string(text, w.offset)?,
        Some(e) => {
            let (inner, inner_map) = decode_string(&e.decoded, e.inner_offset)?;
            let (_, outer_map) = decode_string(text, e.string_offset)?;
            let map = inner_map.into_iter().map(|o| outer_map.get(o).copied().unwrap_or(e.string_offset)).collect();
            (inner, map)
        }
    };
    let byte = if column == decoded.chars().count() { decoded.len() } else { decoded.char_indices().nth(column)?.0 };
    Some(line_col(text, *map.get(byte)?))
}

/// Paths of keys written more than once in one object. The parser keeps the last value, so
/// the earlier ones would be dropped silently. Looks inside the body when it is a JSON string
/// and inside a string-form `event.poller.configuration`.
pub fn duplicate_keys(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let start = skip_ws(text.as_bytes(), 0);
    scan_duplicates(text, start, &JsonPath::root(), &mut out, 0);
    out
}

fn scan_duplicates(text: &str, at: usize, path: &JsonPath, out: &mut Vec<String>, depth: usize) {
    // The parser stops at 128 levels; so does this scan (it only runs on text that parsed).
    if depth > 130 {
        return;
    }
    let b = text.as_bytes();
    match b.get(at) {
        Some(b'{') => {
            let mut seen = std::collections::HashSet::new();
            let mut j = skip_ws(b, at + 1);
            while j < b.len() && b[j] == b'"' {
                let Some(kend) = string_end(b, j) else { return };
                let Some(k) = text.get(j..kend).and_then(|t| serde_json::from_str::<String>(t).ok()) else { return };
                j = skip_ws(b, kend);
                if b.get(j) != Some(&b':') {
                    return;
                }
                let vstart = skip_ws(b, j + 1);
                let Some(vend) = value_end(b, vstart) else { return };
                let child = path.key(&k);
                if !seen.insert(k) && !out.contains(&child.to_string()) {
                    out.push(child.to_string());
                }
                scan_duplicates(text, vstart, &child, out, depth + 1);
                j = skip_ws(b, vend);
                if b.get(j) != Some(&b',') {
                    return;
                }
                j = skip_ws(b, j + 1);
            }
        }
        Some(b'[') => {
            let mut j = skip_ws(b, at + 1);
            let mut i = 0;
            while j < b.len() && b[j] != b']' {
                scan_duplicates(text, j, &path.index(i), out, depth + 1);
                let Some(e) = value_end(b, j) else { return };
                j = skip_ws(b, e);
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                }
                i += 1;
            }
        }
        Some(b'"') => {
            let embedded = (depth == 0 && path.as_str().is_empty())
                || path.as_str() == JsonPath::root().key("configuration").key(super::model::POLLER_CONFIGURATION).as_str();
            if embedded && let Some((decoded, _)) = decode_string(text, at) {
                let s = skip_ws(decoded.as_bytes(), 0);
                if decoded.as_bytes().get(s) == Some(&b'{') {
                    scan_duplicates(&decoded, s, path, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

struct Walk {
    /// Byte offset of the deepest value found, in the text walked.
    offset: usize,
    /// Segments matched.
    depth: usize,
    /// The outermost string the walk went through.
    embedded: Option<Embedded>,
}

struct Embedded {
    string_offset: usize,
    depth: usize,
    decoded: String,
    inner_offset: usize,
}

fn walk(text: &str, at: usize, segs: &[Segment], depth: usize) -> Option<Walk> {
    let b = text.as_bytes();
    let mut at = at;
    let mut depth = depth;
    loop {
        if depth == segs.len() {
            return Some(Walk { offset: at, depth, embedded: None });
        }
        let next = match (&segs[depth], b.get(at)) {
            (Segment::Key(k), Some(b'{')) => member(text, at, k),
            (Segment::Index(i), Some(b'[')) => element(b, at, *i),
            (_, Some(b'"')) => {
                // Into a JSON-encoded string: decode it, walk the decoded text, map back.
                let (decoded, map) = decode_string(text, at)?;
                let inner_start = skip_ws(decoded.as_bytes(), 0);
                value_end(decoded.as_bytes(), inner_start)?;
                let inner = walk(&decoded, inner_start, segs, depth)?;
                if inner.depth == depth {
                    return Some(Walk { offset: at, depth, embedded: None });
                }
                let offset = map.get(inner.offset).copied().unwrap_or(at);
                return Some(Walk {
                    offset,
                    depth: inner.depth,
                    embedded: Some(Embedded { string_offset: at, depth, decoded, inner_offset: inner.offset }),
                });
            }
            _ => None,
        };
        match next {
            Some(n) => {
                at = n;
                depth += 1;
            }
            None => return Some(Walk { offset: at, depth, embedded: None }),
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
        i += 1;
    }
    i
}

/// Past the closing quote of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
    None
}

/// Past the end of the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            // Brackets balance once strings are skipped.
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            None
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// The start of the value of the last member named `key` in the object at `i`.
fn member(text: &str, i: usize, key: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut j = skip_ws(b, i + 1);
    let mut found = None;
    while j < b.len() && b[j] == b'"' {
        let kend = string_end(b, j)?;
        let k: String = serde_json::from_str(text.get(j..kend)?).ok()?;
        j = skip_ws(b, kend);
        if b.get(j) != Some(&b':') {
            return found;
        }
        let vstart = skip_ws(b, j + 1);
        let vend = value_end(b, vstart)?;
        if k == key {
            found = Some(vstart);
        }
        j = skip_ws(b, vend);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        } else {
            break;
        }
    }
    found
}

fn element(b: &[u8], i: usize, index: usize) -> Option<usize> {
    let mut j = skip_ws(b, i + 1);
    let mut n = 0;
    while j < b.len() && b[j] != b']' {
        if n == index {
            return Some(j);
        }
        j = skip_ws(b, value_end(b, j)?);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
        n += 1;
    }
    None
}

/// Decodes the JSON string at `i`, with the source byte offset of every decoded byte.
fn decode_string(text: &str, i: usize) -> Option<(String, Vec<usize>)> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut map = Vec::new();
    let mut j = i + 1;
    let push = |out: &mut String, map: &mut Vec<usize>, ch: char, at: usize| {
        out.push(ch);
        map.extend(std::iter::repeat_n(at, ch.len_utf8()));
    };
    while j < b.len() {
        match b[j] {
            b'"' => {
                map.push(j); // the end of the decoded text maps to the closing quote
                return Some((out, map));
            }
            b'\\' => {
                let esc = *b.get(j + 1)?;
                let ch = match esc {
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'/' => '/',
                    b'\\' => '\\',
                    b'"' => '"',
                    b'u' => {
                        let hex = |k: usize| text.get(k..k + 4).and_then(|h| u32::from_str_radix(h, 16).ok());
                        let hi = hex(j + 2)?;
                        if (0xD800..0xDC00).contains(&hi) && text.get(j + 6..j + 8) == Some("\\u") {
                            let lo = hex(j + 8)?;
                            let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)).unwrap_or('\u{FFFD}');
                            push(&mut out, &mut map, c, j);
                            j += 12;
                            continue;
                        }
                        let c = char::from_u32(hi).unwrap_or('\u{FFFD}');
                        push(&mut out, &mut map, c, j);
                        j += 6;
                        continue;
                    }
                    _ => return None,
                };
                push(&mut out, &mut map, ch, j);
                j += 2;
            }
            _ => {
                let ch = text.get(j..)?.chars().next()?;
                push(&mut out, &mut map, ch, j);
                j += ch.len_utf8();
            }
        }
    }
    None
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_and_nearest_ancestors() {
        let text = "{\n  \"a\": {\"b.c\": [1, {\"d\": true}]},\n  \"a\": {\"x\": 2}\n}";
        // Duplicate keys: the last one wins, as in the parser.
        assert_eq!(locate(text, "a.x"), Some((3, 14)));
        assert_eq!(locate(text, "a"), Some((3, 8)));
        assert_eq!(locate(text, "a.missing"), None);
        assert_eq!(locate_nearest(text, "a.missing"), Some(Location { line: 3, column: 8, exact: false }));
        let t2 = "{\"a\": {\"b.c\": [1, {\"d\": true}]}}";
        assert_eq!(locate(t2, r#"a["b.c"][1].d"#), Some((1, 25)));
        assert_eq!(locate(t2, ""), Some((1, 1)));
    }

    #[test]
    fn follows_paths_into_json_strings() {
        let text = r#"{"c": "{\"appointments\": {\"url\": \"/x\"}}"}"#;
        let (l, c) = locate(text, "c.appointments.url").unwrap();
        assert_eq!((l, c), (1, 1 + text.find(r#"\"/x"#).unwrap()));
        let e = locate_embedded(text, "c.appointments.url").unwrap();
        assert_eq!(e.string_path, "c");
        assert_eq!(e.inner_path, "appointments.url");
        assert_eq!(e.inner, Location { line: 1, column: 26, exact: true });
        assert!(locate_embedded(text, "c").is_none());
    }

    #[test]
    fn columns_inside_strings() {
        let text = r#"{"u": "/a\"b${x}"}"#;
        // Decoded: /a"b${x}; the `$` is character 4, after one escaped quote.
        assert_eq!(locate_in_string(text, "u", 4), Some((1, 1 + text.find('$').unwrap())));
        let text = r#"{"c": "{\"u\": \"/a${x}\"}"}"#;
        assert_eq!(locate_in_string(text, "c.u", 2), Some((1, 1 + text.find('$').unwrap())));
        assert_eq!(locate_in_string(text, "c.u", 99), None);
    }

    #[test]
    fn duplicates() {
        let t = r#"{"a": 1, "b": {"x": 1, "x": 2, "x": 3}, "a": [{"k": 0, "k": 1}]}"#;
        assert_eq!(duplicate_keys(t), vec!["b.x", "a", "a[0].k"]);
        let t = r#"{"configuration": {"event.poller.configuration": "{\"r\": 1, \"r\": 2}"}}"#;
        assert_eq!(duplicate_keys(t), vec![r#"configuration["event.poller.configuration"].r"#]);
    }

    #[test]
    fn never_panics() {
        for t in ["", "{", "\"", "{\"a\"", "{\"a\":", "[1,", "\"\\u12\"", "{\"a\": \"{\\\"b\\\": \"}", "é", "{\"a\":\"\\ud800\\u0041\"}"] {
            for p in ["", "a", "a.b", "[0]", "a[0].b"] {
                let _ = locate_nearest(t, p);
                let _ = locate_embedded(t, p);
                let _ = locate_in_string(t, p, 3);
                let _ = duplicate_keys(t);
            }
        }
    }
}
