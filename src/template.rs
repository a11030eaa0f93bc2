//! `${...}` variables in a resource poller's `url`, rendered from the last poll date.
//!
//! | variable | renders |
//! | --- | --- |
//! | `${gmtDate:FMT}` | the instant formatted with `FMT` in GMT (the recommended form) |
//! | `${date:FMT}` | the instant formatted with `FMT` in the *server zone*, which here is **UTC**: the platform's documented default ("unless configured for a specific time zone, polling occurs in UTC"), and the only choice that does not depend on where the host runs |
//! | `${date}` | the instant formatted with the poller's own `updatedDateFormat` in its `updatedDateTimezone` (defaults `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, GMT; the created-date ones when `filterByUpdatedDate` is false), so a where clause compares like with like (`where=lastmodifieddate='${date}'` with format `milliseconds` renders epoch milliseconds) |
//! | `${dateTimeZone:ZONE:FMT}` | `FMT` in `ZONE`; zones may contain colons (`-8:00`), so the zone is the longest prefix ending at a colon that names a zone |
//! | `${epoch}`, `${epoch:ms}` | epoch milliseconds; `${epoch:s}` seconds; `${epoch:us}` microseconds |
//!
//! A variable ends at the first `}`. [`check`] reports every problem of a template with its
//! column; [`render`] and `cycle::render_poll_url` produce the url, with each rendered value
//! percent-encoded for where it sits (path or query) so that e.g. the `+` of `+05:30` reaches
//! the server as `%2B` and not as a space.

use crate::datefmt::{self, DateFormat};
use crate::diag::{Error, Severity, closest};
use crate::http;
use crate::zone::Zone;

/// The variable names the platform knows.
pub const VARIABLES: [&str; 4] = ["gmtDate", "date", "dateTimeZone", "epoch"];

/// The unit of `${epoch:...}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EpochUnit {
    /// `${epoch:s}`.
    Seconds,
    /// `${epoch}`, `${epoch:ms}`.
    Millis,
    /// `${epoch:us}`.
    Micros,
}

/// One `${...}` variable, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Var {
    /// `${gmtDate:FMT}`: `FMT` in GMT.
    GmtDate {
        /// The date pattern or named format.
        format: String,
    },
    /// `format` is `None` for bare `${date}`.
    Date {
        /// The date pattern; `None` for bare `${date}`.
        format: Option<String>,
    },
    /// `${dateTimeZone:ZONE:FMT}`: `FMT` in `ZONE`.
    DateTimeZone {
        /// The zone name (may contain colons: `-8:00`).
        zone: String,
        /// The date pattern.
        format: String,
    },
    /// `${epoch...}`: a number in this unit.
    Epoch(EpochUnit),
}

/// A piece of a template, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Text copied to the url (encoded where it must be).
    Literal(String),
    /// `start..end` are the byte offsets of `${...}` in the template.
    Var {
        /// What it renders.
        var: Var,
        /// Byte offset of its `$` in the url.
        start: usize,
        /// Byte offset just past its `}`.
        end: usize,
    },
}

/// One problem in a template. `column` is the 0-based character column in the url.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Issue {
    /// Errors make the template unusable; warnings are lints of its date formats.
    pub severity: Severity,
    /// Stable and dotted (`src/codes.rs`).
    pub code: &'static str,
    /// 0-based character column in the url.
    pub column: usize,
    /// What is wrong, in a sentence.
    pub message: String,
    /// How to fix it, when there is a likely fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Issue {
    fn error(code: &'static str, column: usize, message: impl Into<String>) -> Self {
        Issue { severity: Severity::Error, code, column, message: message.into(), hint: None }
    }
    fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = Some(h.into());
        self
    }
    fn into_error(self) -> Error {
        let mut e = Error::new(self.code, self.message).at_column(self.column);
        e.hint = self.hint;
        e
    }
}

/// A parsed template: literal text and variables, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Literals and variables, in url order.
    pub pieces: Vec<Piece>,
}

fn col(s: &str, byte: usize) -> usize {
    s.get(..byte).map_or(0, |p| p.chars().count())
}

/// The longest template read, in bytes. Servers refuse request lines of a few KB (nginx and
/// Apache at 8 KB by default), so a longer url is a mistake (a pasted body, say); refusing it
/// up front also bounds the work the console does on every keystroke.
pub const MAX_URL_BYTES: usize = 16 * 1024;

/// The longest zone a `${dateTimeZone:ZONE:FMT}` can name (IANA names are at most 32 bytes): a
/// longer prefix is not tried, so a run of colons costs linear time, not a zone search each.
const MAX_ZONE_BYTES: usize = 64;

/// Unknown zones of one template that get a "did you mean" ([`Zone::unknown`] searches every
/// name, ~0.5 ms): a url holding hundreds of them must not cost the console a pause per keystroke.
const ZONE_SUGGESTIONS: usize = 8;

/// Character columns of byte offsets, counted from the last offset asked for rather than from
/// the start: a template with n variables costs O(n) to report, not O(n²).
struct Columns<'a> {
    s: &'a str,
    byte: usize,
    col: usize,
}

impl<'a> Columns<'a> {
    fn new(s: &'a str) -> Self {
        Columns { s, byte: 0, col: 0 }
    }

    /// The column of `byte`, a char boundary of the string.
    fn at(&mut self, byte: usize) -> usize {
        if byte >= self.byte {
            self.col += self.s.get(self.byte..byte).map_or(0, |p| p.chars().count());
        } else {
            self.col -= self.s.get(byte..self.byte).map_or(0, |p| p.chars().count());
        }
        self.byte = byte;
        self.col
    }
}

/// The issue of a template longer than [`MAX_URL_BYTES`], at the column where it goes over.
fn too_long(url: &str) -> Issue {
    let mut at = MAX_URL_BYTES;
    while !url.is_char_boundary(at) {
        at -= 1;
    }
    Issue::error(
        "poller.url.too-long",
        col(url, at),
        format!("the url is {} bytes long; at most {MAX_URL_BYTES} are read (servers refuse longer request lines)", url.len()),
    )
    .hint("a poll url is a path and a short query, e.g. /hubs/crm/contacts?where=last_updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'")
}

/// Parses a template. Structural problems (unknown, misspelled, unterminated variables, bad
/// arguments) are returned as issues; the pieces still hold everything that did parse, with
/// broken variables kept as literal text.
///
/// Linear time in the length of `url`, whatever it holds; [`check`] and [`render`] refuse a
/// url longer than [`MAX_URL_BYTES`] before parsing it.
pub fn parse(url: &str) -> (Template, Vec<Issue>) {
    let mut pieces = Vec::new();
    // Where each literal piece starts in `url`: a literal is always one run of the url (broken
    // variables stay in it as text), so a position in it is a position in the url.
    let mut lit_starts = Vec::new();
    let mut issues = Vec::new();
    let mut lit = String::new();
    let mut lit_start = 0;
    let mut cols = Columns::new(url);
    // The first `}` (and `${`) at or after an offset at most `i` (`i + 2`), searched again only
    // once passed: each byte is searched over once, so even `${${${...` stays linear.
    let mut close = url.find('}');
    let mut open = url.find("${");
    let mut suggestions = ZONE_SUGGESTIONS;
    let mut i = 0;
    while i < url.len() {
        let rest = &url[i..];
        if !rest.starts_with("${") {
            // Advance one whole character (byte offsets stay on char boundaries).
            let ch = rest.chars().next().unwrap_or('\0');
            lit.push(ch);
            i += ch.len_utf8();
            continue;
        }
        if close.is_some_and(|c| c < i) {
            close = url[i..].find('}').map(|p| p + i);
        }
        if open.is_some_and(|o| o < i + 2) {
            open = url[i + 2..].find("${").map(|p| p + i + 2);
        }
        let end = match (close, open) {
            (Some(c), Some(n)) if n < c => None,
            (c, _) => c.map(|c| c - i),
        };
        let Some(end) = end else {
            let c = cols.at(i);
            issues.push(
                Issue::error("poller.url.unterminated-variable", c, format!("the variable at column {} has no closing }}", c + 1))
                    .hint("close it with }, e.g. ${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}"),
            );
            lit.push_str("${");
            i += 2;
            continue;
        };
        let body = &rest[2..end];
        match parse_var(body, cols.at(i), &mut suggestions) {
            Ok(var) => {
                if !lit.is_empty() {
                    pieces.push(Piece::Literal(std::mem::take(&mut lit)));
                    lit_starts.push(lit_start);
                }
                pieces.push(Piece::Var { var, start: i, end: i + end + 1 });
                lit_start = i + end + 1;
            }
            Err(issue) => {
                issues.push(issue);
                lit.push_str(&rest[..=end]);
            }
        }
        i += end + 1;
    }
    if !lit.is_empty() {
        pieces.push(Piece::Literal(lit));
        lit_starts.push(lit_start);
    }
    // `{gmtDate:...}` without the `$` renders literally: almost certainly a typo.
    let literals = pieces.iter().filter_map(|p| if let Piece::Literal(l) = p { Some(l) } else { None });
    for (l, start) in literals.zip(lit_starts) {
        for name in VARIABLES {
            let needle = format!("{{{name}");
            for (pos, _) in l.match_indices(&needle) {
                let before = l[..pos].chars().next_back();
                let after = l[pos + needle.len()..].chars().next();
                if before != Some('$') && matches!(after, Some(':') | Some('}')) {
                    let mut is = Issue::error(
                        "poller.url.missing-dollar",
                        cols.at(start + pos),
                        format!("{{{name}...}} is missing its $ and will be sent literally"),
                    )
                    .hint(format!("write ${{{name}...}}"));
                    is.severity = Severity::Warning;
                    issues.push(is);
                }
            }
        }
    }
    (Template { pieces }, issues)
}

/// `body` is the text between `${` and `}`; `c` the column of the `$` in the url; `suggestions`
/// how many unknown zones may still get a "did you mean".
/// Issues about the variable point at its `$`, issues about its arguments at the argument.
fn parse_var(body: &str, c: usize, suggestions: &mut usize) -> Result<Var, Issue> {
    let (name, args) = match body.split_once(':') {
        Some((n, a)) => (n, Some(a)),
        None => (body, None),
    };
    let args_col = c + 2 + name.chars().count() + 1;
    match (name, args) {
        ("gmtDate", Some(f)) if !f.is_empty() => Ok(Var::GmtDate { format: f.to_owned() }),
        ("date", None) => Ok(Var::Date { format: None }),
        ("date", Some(f)) if !f.is_empty() => Ok(Var::Date { format: Some(f.to_owned()) }),
        ("gmtDate", _) | ("date", _) => {
            Err(Issue::error("poller.url.variable-arguments", c, format!("${{{name}:...}} needs a date format after the colon"))
                .hint(format!("e.g. ${{{name}:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}}")))
        }
        ("epoch", None) => Ok(Var::Epoch(EpochUnit::Millis)),
        ("epoch", Some("ms")) => Ok(Var::Epoch(EpochUnit::Millis)),
        ("epoch", Some("s")) => Ok(Var::Epoch(EpochUnit::Seconds)),
        ("epoch", Some("us")) => Ok(Var::Epoch(EpochUnit::Micros)),
        ("epoch", Some(u)) => Err(Issue::error("poller.url.epoch-unit", args_col, format!("${{epoch:{u}}}: the unit must be s, ms or us"))
            .hint("${epoch} and ${epoch:ms} are milliseconds, ${epoch:s} seconds, ${epoch:us} microseconds")),
        ("dateTimeZone", Some(a)) => {
            // The zone may itself contain colons (`-8:00`): take the longest prefix ending at a
            // colon that names a zone.
            let mut best = None;
            for (p, _) in a.match_indices(':').take_while(|(p, _)| *p <= MAX_ZONE_BYTES) {
                if p + 1 < a.len() && Zone::lookup(&a[..p]).is_some() {
                    best = Some(p);
                }
            }
            match best {
                Some(p) => Ok(Var::DateTimeZone { zone: a[..p].to_owned(), format: a[p + 1..].to_owned() }),
                None => match a.split_once(':') {
                    Some((z, f)) if !f.is_empty() => {
                        let e = if *suggestions > 0 {
                            *suggestions -= 1;
                            Zone::unknown(z)
                        } else {
                            Error::new("zone.unknown", format!("unknown time zone {z:?}"))
                        };
                        let mut is = Issue::error(e.code, args_col, e.message);
                        is.hint = e.hint;
                        Err(is)
                    }
                    _ => Err(Issue::error("poller.url.variable-arguments", c, "${dateTimeZone:ZONE:FMT} needs a zone and a date format")
                        .hint("e.g. ${dateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}")),
                },
            }
        }
        ("dateTimeZone", None) => Err(Issue::error("poller.url.variable-arguments", c, "${dateTimeZone:ZONE:FMT} needs a zone and a date format")
            .hint("e.g. ${dateTimeZone:America/Los_Angeles:yyyy-MM-dd'T'HH:mm:ss}")),
        _ => {
            let mut is = Issue::error("poller.url.unknown-variable", c, format!("unknown url variable ${{{name}}}"));
            is.hint = Some(match closest(name, &VARIABLES) {
                Some(s) => format!("did you mean ${{{s}{}}}?", args.map(|a| format!(":{a}")).unwrap_or_default()),
                None => "the variables are ${gmtDate:FMT}, ${date:FMT}, ${date}, ${dateTimeZone:ZONE:FMT} and ${epoch}".to_owned(),
            });
            Err(is)
        }
    }
}

/// Every problem of a template: structure, then each variable's date format (compile errors
/// and lints of the date engine) and zone, with columns in the url.
pub fn check(url: &str) -> Vec<Issue> {
    if url.len() > MAX_URL_BYTES {
        return vec![too_long(url)];
    }
    let (t, mut issues) = parse(url);
    let mut cols = Columns::new(url);
    for piece in &t.pieces {
        let Piece::Var { var, start, .. } = piece else { continue };
        let (name_len, format, zone) = match var {
            Var::GmtDate { format } => ("gmtDate".len(), Some(format.as_str()), Some("GMT".to_owned())),
            Var::Date { format } => ("date".len(), format.as_deref(), Some("UTC".to_owned())),
            Var::DateTimeZone { zone, format } => ("dateTimeZone".len() + zone.chars().count() + 1, Some(format.as_str()), Some(zone.clone())),
            Var::Epoch(_) => continue,
        };
        let Some(format) = format else { continue };
        let fcol = cols.at(*start) + 2 + name_len + 1;
        match DateFormat::compile(format) {
            Err(e) => {
                let mut is = Issue::error(e.code, fcol + e.column.unwrap_or(0), format!("in the url's date format: {}", e.message));
                is.hint = e.hint;
                issues.push(is);
            }
            Ok(_) => {
                for d in datefmt::lint(format, zone.as_deref()) {
                    issues.push(Issue {
                        severity: d.severity,
                        code: d.code,
                        column: fcol,
                        message: format!("in the url's date format: {}", d.message),
                        hint: d.hint,
                    });
                }
            }
        }
    }
    issues.sort_by_key(|i| i.column);
    issues
}

/// The format and zone bare `${date}` uses.
#[derive(Clone, Debug)]
pub struct DateDefaults {
    /// The driving field's date format.
    pub format: String,
    /// The driving field's zone.
    pub zone: String,
}

impl Default for DateDefaults {
    fn default() -> Self {
        DateDefaults { format: datefmt::DEFAULT_DATE_FORMAT.to_owned(), zone: datefmt::DEFAULT_ZONE.to_owned() }
    }
}

/// How a variable turns the instant into text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rounding {
    /// The instant itself, as precise as the variable's format.
    #[default]
    Exact,
    /// One step of the variable's own precision below the instant, truncated to it. A `>` or
    /// a `>=` clause then returns everything at or after the instant, even when the clause is
    /// coarser than the data (seconds in the url, milliseconds in the records): a superset,
    /// which detection de-duplicates. This is what a poll sends.
    Below,
}

/// Renders `url` for the instant `ms`. Fails with the first error [`check`] would report.
pub fn render(url: &str, ms: i64, defaults: &DateDefaults) -> Result<String, Error> {
    render_with(url, ms, defaults, Rounding::Exact)
}

/// [`render`] with a choice of [`Rounding`].
pub fn render_with(url: &str, ms: i64, defaults: &DateDefaults, rounding: Rounding) -> Result<String, Error> {
    if url.len() > MAX_URL_BYTES {
        return Err(too_long(url).into_error());
    }
    let (t, issues) = parse(url);
    if let Some(is) = issues.into_iter().find(|i| i.severity == Severity::Error) {
        return Err(is.into_error());
    }
    let mut out = String::with_capacity(url.len() + 16);
    let mut in_query = false;
    for piece in &t.pieces {
        match piece {
            Piece::Literal(l) => {
                for ch in fix_percent(l).chars() {
                    if ch == '?' && !in_query {
                        in_query = true;
                        out.push('?');
                        continue;
                    }
                    encode_literal(ch, in_query, &mut out);
                }
            }
            Piece::Var { var, start, .. } => {
                let value = render_var(var, ms, defaults, rounding).map_err(|e| {
                    let c = col(url, *start);
                    Error { column: Some(c + e.column.unwrap_or(0)), ..e }
                })?;
                encode_value(&value, &mut out);
            }
        }
    }
    Ok(out)
}

/// Years 1 to 9999: every date pattern can write these; outside them the instant is clamped
/// rather than handed to calendar arithmetic that would overflow.
const MIN_MS: i64 = -62_135_596_800_000;
const MAX_MS: i64 = 253_402_300_799_999;

fn render_var(var: &Var, ms: i64, defaults: &DateDefaults, rounding: Rounding) -> Result<String, Error> {
    let at = |step: i64| match rounding {
        Rounding::Exact => ms,
        Rounding::Below => ms.div_euclid(step).saturating_mul(step).saturating_sub(step),
    };
    let fmt = |pattern: &str, zone: &Zone| {
        DateFormat::compile(pattern).map(|f| f.format(at(f.precision_ms()).clamp(MIN_MS + 86_400_000, MAX_MS - 86_400_000), zone))
    };
    match var {
        Var::GmtDate { format } => fmt(format, &Zone::UTC),
        Var::Date { format: Some(format) } => fmt(format, &Zone::UTC),
        Var::Date { format: None } => fmt(&defaults.format, &Zone::parse(&defaults.zone)?),
        Var::DateTimeZone { zone, format } => fmt(format, &Zone::parse(zone)?),
        Var::Epoch(EpochUnit::Millis) => Ok(at(1).to_string()),
        Var::Epoch(EpochUnit::Seconds) => Ok(at(1000).div_euclid(1000).to_string()),
        Var::Epoch(EpochUnit::Micros) => Ok((at(1) as i128 * 1000).to_string()),
    }
}

/// Literal url text: characters that are legal where they stand are kept (the user's `&`, `=`,
/// `'`, `+` keep their meaning), the rest (space, `<`, `>`, `"`, `#` in the query, non-ASCII)
/// are encoded. `%` is kept here and fixed up by [`fix_percent`].
fn encode_literal(ch: char, in_query: bool, out: &mut String) {
    let keep = ch.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(ch) || (in_query && ch == '?');
    if keep {
        out.push(ch);
    } else {
        let mut buf = [0u8; 4];
        for b in ch.encode_utf8(&mut buf).bytes() {
            http::push_escape(b, out);
        }
    }
}

/// A rendered value is data: everything but unreserved characters and `:` is encoded, so `+`,
/// `&`, `=`, `%`, `/` and spaces inside a date cannot change the url's structure.
fn encode_value(v: &str, out: &mut String) {
    http::encode_into(v, b":", out);
}

/// A `%` that does not start a `%XX` escape is a literal percent sign: encode it as `%25`.
/// Escapes the user already wrote stay as they are (no double encoding).
fn fix_percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    for (i, ch) in s.char_indices() {
        if ch == '%' && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)) {
            out.push_str("%25");
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISO: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    // 2024-03-10T07:05:09.042Z
    const T: i64 = 1_710_054_309_042;

    #[test]
    fn renders_each_variable() {
        let d = DateDefaults::default();
        assert_eq!(render(&format!("/x?where=a>'${{gmtDate:{ISO}}}'"), T, &d).unwrap(), "/x?where=a%3E'2024-03-10T07:05:09.042Z'");
        assert_eq!(render("/x?since=${date:yyyy-MM-dd}", T, &d).unwrap(), "/x?since=2024-03-10");
        assert_eq!(render("/x?since=${date}", T, &d).unwrap(), "/x?since=2024-03-10T07:05:09.042Z");
        assert_eq!(render("/x?t=${epoch}&s=${epoch:s}&u=${epoch:us}", T, &d).unwrap(), "/x?t=1710054309042&s=1710054309&u=1710054309042000");
        assert_eq!(render("/x?t=${dateTimeZone:-8:00:yyyy-MM-dd HH:mm}", T, &d).unwrap(), "/x?t=2024-03-09%2023:05");
    }

    #[test]
    fn values_are_encoded_as_data_and_user_escapes_are_kept() {
        let d = DateDefaults::default();
        // A `+` rendered by a value must not become a space on the server.
        assert_eq!(render("/x?q=${dateTimeZone:+05:30:'+05:30' HH}", T, &d).unwrap(), "/x?q=%2B05:30%2012");
        assert_eq!(render("/x?where=a%20b and c=100%", T, &d).unwrap(), "/x?where=a%20b%20and%20c=100%25");
    }

    #[test]
    fn reports_problems_with_columns() {
        let is = check("/x?a=${gmtdate:yyyy}&b=${epoch:sec}&c=${date");
        let codes: Vec<_> = is.iter().map(|i| (i.code, i.column)).collect();
        assert_eq!(codes, vec![("poller.url.unknown-variable", 5), ("poller.url.epoch-unit", 31), ("poller.url.unterminated-variable", 38)]);
        assert_eq!(is[0].hint.as_deref(), Some("did you mean ${gmtDate:yyyy}?"));
        assert!(check(&format!("/x?a=${{gmtDate:{ISO}}}")).is_empty());
        assert_eq!(check("/x?a={gmtDate:yyyy}")[0].code, "poller.url.missing-dollar");
    }

    /// Columns are counted incrementally now (issue 13: they were counted from the start for
    /// every variable, O(n²)): every one must still be the character column of its `$`,
    /// non-ASCII text before it included, and a missing `$` is reported where it stands, not
    /// at the first place its text occurs.
    #[test]
    fn columns_of_many_variables_and_repeated_typos() {
        let unit = "é${}ü{gmtDate:y}";
        let url: String = unit.repeat(300);
        let is = check(&url);
        let naive = |b: usize| url[..b].chars().count();
        let unknown: Vec<usize> = url.match_indices("${}").map(|(b, _)| naive(b)).collect();
        let missing: Vec<usize> = url.match_indices("{gmtDate").map(|(b, _)| naive(b)).collect();
        let got = |code| is.iter().filter(|i| i.code == code).map(|i| i.column).collect::<Vec<_>>();
        assert_eq!(got("poller.url.unknown-variable"), unknown);
        assert_eq!(got("poller.url.missing-dollar"), missing);
        // Unterminated runs: each `${` reported at its own column.
        let open = "${".repeat(1000);
        let cols: Vec<usize> = check(&open).iter().map(|i| i.column).collect();
        assert_eq!(cols, (0..1000).map(|k| 2 * k).collect::<Vec<_>>());
    }

    #[test]
    fn a_url_beyond_the_limit_is_one_clear_error() {
        let big = "${}".repeat(MAX_URL_BYTES);
        let is = check(&big);
        assert_eq!(is.len(), 1);
        assert_eq!((is[0].code, is[0].column), ("poller.url.too-long", MAX_URL_BYTES));
        assert!(is[0].message.contains(&format!("{} bytes", big.len())), "{}", is[0].message);
        let e = render(&big, T, &DateDefaults::default()).unwrap_err();
        assert_eq!(e.code, "poller.url.too-long");
        // Exactly at the limit it is read (and rendered) as usual.
        let edge = format!("/x?a={}", "b".repeat(MAX_URL_BYTES - 5));
        assert_eq!(edge.len(), MAX_URL_BYTES);
        assert!(check(&edge).is_empty());
        assert_eq!(render(&edge, T, &DateDefaults::default()).unwrap(), edge);
        // Over the limit by a multi-byte character: the column is still a character column.
        let wide = format!("/{}", "é".repeat(MAX_URL_BYTES / 2));
        assert_eq!(check(&wide)[0].column, 1 + (MAX_URL_BYTES - 1) / 2);
    }

    /// The limit is 16 KiB, as documented (ARCHITECTURE.md): a url of 16,384 bytes renders,
    /// one more byte does not.
    #[test]
    fn the_limit_is_sixteen_kib() {
        let at = format!("/x?a={}", "b".repeat(16_384 - 5));
        assert_eq!(render(&at, T, &DateDefaults::default()).unwrap().len(), 16_384);
        let over = format!("{at}b");
        assert_eq!(render(&over, T, &DateDefaults::default()).unwrap_err().code, "poller.url.too-long");
    }

    /// A render error of a bare `${date}` (its format and zone are the caller's defaults, not
    /// the url's) says where: the variable's column, plus the column inside the format.
    #[test]
    fn a_render_error_carries_the_column_of_its_variable() {
        let url = "/hubs/x?since=${date}";
        let at = url.find("${").unwrap();
        let zone = DateDefaults { format: datefmt::DEFAULT_DATE_FORMAT.into(), zone: "Mars/Olympus".into() };
        let e = render(url, T, &zone).unwrap_err();
        assert_eq!((e.code, e.column), ("zone.unknown", Some(at)));
        let format = DateDefaults { format: "yyyy-MM-dd'T".into(), zone: "GMT".into() };
        let inner = DateFormat::compile("yyyy-MM-dd'T").unwrap_err().column.unwrap();
        assert!(inner > 0);
        let e = render(url, T, &format).unwrap_err();
        assert_eq!(e.column, Some(at + inner));
    }

    /// A url with only warnings renders; instants beyond years 1 and 9999 are clamped a day
    /// inside them (every pattern can write those), not handed to calendar arithmetic.
    #[test]
    fn warnings_render_and_far_instants_are_clamped_a_day_inside_the_years() {
        let d = DateDefaults::default();
        assert!(check("/x?a={date}&t=${epoch}").iter().all(|i| i.severity == Severity::Warning) && !check("/x?a={date}").is_empty());
        assert!(render("/x?a={date}&t=${epoch}", T, &d).unwrap().ends_with(&format!("t={T}")));
        let iso = format!("/x?t=${{gmtDate:{ISO}}}");
        assert_eq!(render(&iso, i64::MAX, &d).unwrap(), "/x?t=9999-12-30T23:59:59.999Z");
        assert_eq!(render(&iso, i64::MIN, &d).unwrap(), "/x?t=0001-01-02T00:00:00.000Z");
    }

    #[test]
    fn date_time_zone_with_a_run_of_colons() {
        let url = format!("/x?t=${{dateTimeZone:{}}}", ":".repeat(10_000));
        assert_eq!(check(&url)[0].code, "zone.unknown");
        assert_eq!(render("/x?t=${dateTimeZone:America/Argentina/ComodRivadavia:HH}", T, &DateDefaults::default()).unwrap(), "/x?t=04");
    }

    /// Each "did you mean" searches every zone name: the first few unknown zones of a url get
    /// one, the rest the plain error (a url of hundreds of them took ~0.4 s a check).
    #[test]
    fn unknown_zones_beyond_the_first_few_get_no_suggestion_search() {
        let url = "/x?t=${dateTimeZone:Amerika/New_York:HH}".repeat(20);
        let is = check(&url);
        assert_eq!(is.len(), 20);
        assert!(is.iter().all(|i| i.code == "zone.unknown"));
        let suggested = is.iter().filter(|i| i.message.contains("did you mean America/New_York")).count();
        assert_eq!(suggested, ZONE_SUGGESTIONS);
        assert!(is[..ZONE_SUGGESTIONS].iter().all(|i| i.message.contains("did you mean")), "the first ones, in order");
    }

    #[test]
    fn never_panics_on_odd_text() {
        for s in ["${", "$", "${}", "${:}", "é${date:é}", "${dateTimeZone:}", "${dateTimeZone::}", "%", "%%4", "${a${b}"] {
            let _ = check(s);
            let _ = render(s, i64::MIN, &DateDefaults::default());
            let _ = render(s, i64::MAX, &DateDefaults::default());
        }
    }
}
