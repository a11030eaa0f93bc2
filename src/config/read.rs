//! The one reader of a resource poller (DESIGN section 5).
//!
//! Every key of a poller is read here and nowhere else: its spellings (`"15"` or `15`), its
//! default, and every check that concerns the key alone (type, placeholder, range, grammar,
//! date format, zone, a misspelled neighbour). [`read_poller`] returns what it found, errors,
//! warnings and notes alike, each at its full [`JsonPath`], and the poller when no finding is
//! an error. Detection and the cycle take the poller ([`ResourcePoller::from_value`]);
//! validation takes the findings and adds only what needs more than one key (the url's
//! template and where clause, the url against the instance's API). So whatever validates,
//! detection reads, with the same code at the same path.
//!
//! Adding a key: one field in [`ResourcePoller`] and one line in [`read_poller`] that reads it
//! with its checks (`Obj::seconds`, `Obj::boolean`, ...). The reader learns the key by being
//! asked for it, so the "did you mean" of a misspelled key knows it too.

use super::field::FieldPath;
use super::model::*;
use super::normalize::kind;
use super::path::JsonPath;
use crate::datefmt::{self, DateFormat};
use crate::diag::{Diagnostic, Error, Severity, closest};
use crate::zone::Zone;
use serde_json::{Map, Value};

/// What reading one poller found.
#[derive(Clone, Debug)]
pub struct PollerReading {
    /// The poller, with every default applied, when no finding is an error.
    pub poller: Option<ResourcePoller>,
    /// Every finding (errors, warnings, notes), each at its full path, in reading order.
    pub findings: Vec<Diagnostic>,
    /// (finding, column): where in its text a field path or date format stopped parsing.
    /// A diagnostic says it in its message; an [`Error`] carries it as `column`.
    columns: Vec<(usize, usize)>,
    /// The url as read (trimmed), even when another key is wrong: validation's url checks.
    pub url: Got<String>,
    /// The updated and created field paths as written, when they are usable field paths.
    pub fields: (Option<String>, Option<String>),
    /// `filterByUpdatedDate` (or its alias) as read; `true` when missing or unusable.
    pub filter_by_updated_date: bool,
    /// The keys the reader asked for, of the poller and of `datesConfiguration` (its tests
    /// hold them to [`POLLER_KEYS`] and [`DATES_KEYS`], which the schema and editor use).
    // Read only by the tests: the lists are the contract, this is what they are checked against.
    #[cfg_attr(not(test), allow(dead_code))]
    asked: (Vec<&'static str>, Vec<&'static str>),
}

impl PollerReading {
    /// The first error finding, as an [`Error`] at its path (`None` for the root).
    pub fn first_error(&self) -> Option<Error> {
        let i = self.findings.iter().position(|d| d.severity == Severity::Error)?;
        let d = &self.findings[i];
        Some({
            let mut e = Error::new(d.code, d.message.clone());
            e.hint = d.hint.clone();
            e.column = self.columns.iter().find(|c| c.0 == i).map(|c| c.1);
            if !d.path.is_empty() {
                e = e.at_path(d.path.clone());
            }
            e
        })
    }

    /// The poller, or its first error.
    pub fn into_result(self) -> Result<ResourcePoller, Error> {
        match self.first_error() {
            Some(e) => Err(e),
            // Without an error the poller is always there; the fallback keeps this total.
            None => self.poller.ok_or_else(|| Error::new("poller.not-object", "the poller could not be read")),
        }
    }
}

/// One value as read: absent (or `null`), present but unusable (reported), or usable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Got<T> {
    /// Absent or `null`: the key's default applies.
    Missing,
    /// Present but unusable; a finding says why.
    Bad,
    /// Usable.
    Ok(T),
}

impl<T> Got<T> {
    /// The value when usable.
    pub fn ok(self) -> Option<T> {
        match self {
            Got::Ok(v) => Some(v),
            _ => None,
        }
    }

    fn map<U>(self, f: impl FnOnce(T) -> U) -> Got<U> {
        match self {
            Got::Ok(v) => Got::Ok(f(v)),
            Got::Missing => Got::Missing,
            Got::Bad => Got::Bad,
        }
    }
}

impl ResourcePoller {
    /// Reads one poller (the value under its name in `event.poller.configuration`) with the
    /// one reader; errors carry the path of the offending key relative to the poller
    /// (`datesConfiguration.updatedDateFormat`).
    pub fn from_value(name: &str, v: &Value) -> Result<ResourcePoller, Error> {
        read_poller(name, v, &JsonPath::root()).into_result()
    }
}

/// The diagnostic of a documentation placeholder (`<your-key>`) left in a value.
pub(super) fn placeholder(path: JsonPath) -> Diagnostic {
    Diagnostic::error("config.placeholder", path, "this value is still a placeholder from the documentation")
        .with_hint("replace the <...> text with the real value")
}

/// The diagnostic of a value of the wrong JSON type.
pub(super) fn type_error(path: JsonPath, key: &str, expected: &str, got: &Value) -> Diagnostic {
    Diagnostic::error("config.type", path, format!("{key:?} must be {expected}, not {}", kind(got)))
}

/// A string placeholder anywhere below `v` (arrays and objects included).
pub(super) fn placeholders_below(out: &mut Vec<Diagnostic>, v: &Value, path: &JsonPath) {
    let mut one = |x: &Value, p: JsonPath| {
        if is_placeholder(x) {
            out.push(placeholder(p));
        } else {
            placeholders_below(out, x, &p);
        }
    };
    match v {
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| one(x, path.index(i))),
        Value::Object(m) => m.iter().for_each(|(k, x)| one(x, path.key(k))),
        _ => {}
    }
}

/// Keys of `m` that are not `known`: a warning with "did you mean" when one is close (and that
/// one is not written too).
pub(super) fn misspelled(out: &mut Vec<Diagnostic>, m: &Map<String, Value>, known: &[&str], parent: &JsonPath) {
    for k in m.keys() {
        if known.contains(&k.as_str()) {
            continue;
        }
        if let Some(s) = closest(k, known)
            && !m.contains_key(s)
        {
            out.push(
                Diagnostic::warning("config.key.misspelled", parent.key(k), format!("unknown key {k:?} is kept but ignored"))
                    .with_hint(format!("did you mean {s:?}?")),
            );
        }
    }
}

/// Keys of `m` that are not `known`: [`misspelled`], and any placeholder below them (a
/// placeholder is wrong anywhere, even under a key that is not ours to judge).
pub(super) fn unknown_keys(out: &mut Vec<Diagnostic>, m: &Map<String, Value>, known: &[&str], parent: &JsonPath) {
    misspelled(out, m, known, parent);
    for (k, x) in m {
        if known.contains(&k.as_str()) {
            continue;
        }
        if is_placeholder(x) {
            out.push(placeholder(parent.key(k)));
        } else {
            placeholders_below(out, x, &parent.key(k));
        }
    }
}

/// An object being read: the keys asked for are the keys it knows.
struct Obj<'a, 'o> {
    m: &'a Map<String, Value>,
    at: JsonPath,
    asked: Vec<&'static str>,
    out: &'o mut Findings,
}

/// The findings so far, and the columns of those that have one.
#[derive(Default)]
struct Findings {
    list: Vec<Diagnostic>,
    columns: Vec<(usize, usize)>,
}

impl<'a> Obj<'a, '_> {
    fn path(&self, key: &str) -> JsonPath {
        self.at.key(key)
    }

    fn push(&mut self, d: Diagnostic) {
        self.out.list.push(d);
    }

    /// A parse error of the value's text, stopped at `column`.
    fn push_at(&mut self, d: Diagnostic, column: Option<usize>) {
        if let Some(c) = column {
            self.out.columns.push((self.out.list.len(), c));
        }
        self.out.list.push(d);
    }

    /// The raw value of `key`: a placeholder is reported here, for every key alike.
    fn value(&mut self, key: &'static str) -> Got<&'a Value> {
        self.asked.push(key);
        match self.m.get(key) {
            None | Some(Value::Null) => Got::Missing,
            Some(v) if is_placeholder(v) => {
                self.push(placeholder(self.path(key)));
                Got::Bad
            }
            Some(v) => Got::Ok(v),
        }
    }

    /// A non-empty string, trimmed.
    fn string(&mut self, key: &'static str) -> Got<String> {
        match self.value(key) {
            Got::Ok(Value::String(s)) if s.trim().is_empty() => {
                self.push(Diagnostic::error("config.empty", self.path(key), format!("{key:?} is empty")));
                Got::Bad
            }
            Got::Ok(Value::String(s)) => Got::Ok(s.trim().to_owned()),
            Got::Ok(other) => {
                self.push(type_error(self.path(key), key, "a string", other));
                Got::Bad
            }
            Got::Missing => Got::Missing,
            Got::Bad => Got::Bad,
        }
    }

    fn required(&mut self, key: &'static str, got: Got<String>) -> Got<String> {
        if got == Got::Missing {
            self.push(Diagnostic::error("config.required", self.path(key), format!("{key:?} is required")));
            return Got::Bad;
        }
        got
    }

    /// A field path in the one grammar detection reads ([`FieldPath`]).
    fn field_path(&mut self, key: &'static str, text: Got<String>) -> Got<(String, FieldPath)> {
        let text = match text {
            Got::Ok(t) => t,
            Got::Missing => return Got::Missing,
            Got::Bad => return Got::Bad,
        };
        match FieldPath::parse(&text) {
            Ok(p) => Got::Ok((text, p)),
            Err(e) => {
                let at = e.column.map_or(String::new(), |c| format!(" (at column {})", c + 1));
                self.push_at(
                    Diagnostic::error("poller.field-path.malformed", self.path(key), format!("{}{at}", e.message))
                        .with_hint("write a path to the field in a record: id, user.id, email_addresses[0].email, or ['a.b'] for a name with a dot"),
                    e.column,
                );
                Got::Bad
            }
        }
    }

    /// `true`/`false` or their strings.
    fn boolean(&mut self, key: &'static str) -> Got<bool> {
        match self.value(key) {
            Got::Ok(v) => match read_bool(v) {
                Some(b) => Got::Ok(b),
                None => {
                    self.push(type_error(self.path(key), key, "true or false", v));
                    Got::Bad
                }
            },
            Got::Missing => Got::Missing,
            Got::Bad => Got::Bad,
        }
    }

    /// A whole number (`15`, `15.0`, `"15"`); `what` names the expected kind in the message.
    fn int(&mut self, key: &'static str, what: &str) -> Got<i64> {
        match self.value(key) {
            Got::Ok(v) => match read_int(v) {
                Some(n) => Got::Ok(n),
                None => {
                    self.push(type_error(self.path(key), key, what, v));
                    Got::Bad
                }
            },
            Got::Missing => Got::Missing,
            Got::Bad => Got::Bad,
        }
    }

    /// Whole seconds ≥ 0; a negative number is `negative` (`message` says why it cannot be).
    fn seconds(&mut self, key: &'static str, negative: &'static str, message: &str) -> Got<u64> {
        match self.int(key, "a whole number of seconds") {
            Got::Ok(n) if n >= 0 => Got::Ok(n as u64),
            Got::Ok(_) => {
                self.push(Diagnostic::error(negative, self.path(key), message));
                Got::Bad
            }
            Got::Missing => Got::Missing,
            Got::Bad => Got::Bad,
        }
    }

    /// The keys not asked for: misspellings and placeholders below them. Returns the keys asked.
    fn finish(self) -> Vec<&'static str> {
        unknown_keys(&mut self.out.list, self.m, &self.asked, &self.at);
        self.asked
    }
}

/// Reads the poller `name` (its value `v`, at `at` in the document) with every check of its
/// keys. The one reader: see the module documentation.
pub fn read_poller(name: &str, v: &Value, at: &JsonPath) -> PollerReading {
    let mut out = Findings::default();
    let Value::Object(m) = v else {
        out.list.push(Diagnostic::error(
            "poller.not-object",
            at.clone(),
            format!("the poller for {name:?} must be an object with url, idField and datesConfiguration, not {}", kind(v)),
        ));
        return PollerReading {
            poller: None,
            findings: out.list,
            columns: Vec::new(),
            url: Got::Bad,
            fields: (None, None),
            filter_by_updated_date: true,
            asked: (Vec::new(), Vec::new()),
        };
    };
    let mut o = Obj { m, at: at.clone(), asked: Vec::new(), out: &mut out };

    // Required to poll, not to detect over a body already fetched: validation requires it.
    let url = o.string("url");
    let id = o.string("idField");
    let id = o.required("idField", id);
    let id = o.field_path("idField", id);

    let updated = o.boolean("filterByUpdatedDate");
    let alias = o.boolean(FILTER_BY_UPDATED_DATE_ALIAS);
    if m.contains_key(FILTER_BY_UPDATED_DATE_ALIAS) {
        let message = if m.contains_key("filterByUpdatedDate") {
            "\"filterByUpdateDate\" is ignored because \"filterByUpdatedDate\" is also set"
        } else {
            "\"filterByUpdateDate\" is accepted as \"filterByUpdatedDate\""
        };
        o.push(Diagnostic::warning("config.key.alias", o.path(FILTER_BY_UPDATED_DATE_ALIAS), message).with_hint("spell it \"filterByUpdatedDate\""));
    }
    let filter_by_updated_date = match (updated, alias) {
        (Got::Ok(b), _) | (Got::Missing, Got::Ok(b)) => b,
        _ => true,
    };
    let filter_by_current_date = o.boolean("filterByCurrentDate");

    let page_size = match o.int("pageSize", "a whole number") {
        Got::Ok(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => Got::Ok(n as u32),
        Got::Ok(_) => {
            o.push(
                Diagnostic::error("poller.page-size.range", o.path("pageSize"), format!("pageSize must be between 1 and {MAX_PAGE_SIZE}"))
                    .with_hint(format!("the hub's default is {DEFAULT_PAGE_SIZE}")),
            );
            Got::Bad
        }
        other => other.map(|_| 0),
    };
    let poll_delay =
        o.seconds("pollDelay", "poller.poll-delay.negative", "pollDelay is seconds subtracted from the last poll date and cannot be negative");
    const TOLERANCE_NEGATIVE: &str = "createdCheckTolerance is seconds and cannot be negative";
    let tolerance = o.seconds("createdCheckTolerance", "poller.created-check-tolerance.negative", TOLERANCE_NEGATIVE);

    // The reconciliation extension (issue 19): its own reader's one error, at its full path.
    let reconcile = match o.value(RECONCILE) {
        Got::Ok(v) => match Reconcile::from_value(v) {
            Ok(r) => Got::Ok(r),
            Err(e) => {
                let path = e.path.as_deref().unwrap_or(RECONCILE).split('.').fold(o.at.clone(), |p, k| p.key(k));
                let d = Diagnostic::error(e.code, path, e.message);
                o.push(match e.hint {
                    Some(h) => d.with_hint(h),
                    None => d,
                });
                Got::Bad
            }
        },
        Got::Missing => Got::Missing,
        Got::Bad => Got::Bad,
    };
    let mut dates_asked = Vec::new();
    let (dates, inner_tolerance) = match o.value("datesConfiguration") {
        Got::Missing => {
            o.push(Diagnostic::error(
                "config.required",
                o.path("datesConfiguration"),
                "\"datesConfiguration\" (at least updatedDateField) is required",
            ));
            (None, Got::Missing)
        }
        Got::Ok(Value::Object(d)) => {
            if m.contains_key("createdCheckTolerance") && d.contains_key("createdCheckTolerance") {
                o.push(Diagnostic::warning(
                    "poller.created-check-tolerance.duplicate",
                    o.path("datesConfiguration").key("createdCheckTolerance"),
                    "createdCheckTolerance is set both here and on the poller; the poller's value is used",
                ));
            }
            let mut d = Obj { m: d, at: o.path("datesConfiguration"), asked: Vec::new(), out: &mut *o.out };
            let inner = d.seconds("createdCheckTolerance", "poller.created-check-tolerance.negative", TOLERANCE_NEGATIVE);
            let dates = read_dates(&mut d, filter_by_updated_date);
            dates_asked = d.finish();
            (Some(dates), inner)
        }
        Got::Ok(other) => {
            o.push(type_error(o.path("datesConfiguration"), "datesConfiguration", "an object", other));
            (None, Got::Missing)
        }
        Got::Bad => (None, Got::Missing),
    };
    let asked = (o.finish(), dates_asked);

    let fields = dates.as_ref().map_or((None, None), |d| (d.0.clone(), d.1.clone()));
    let error = out.list.iter().any(|d| d.severity == Severity::Error);
    let poller = match (error, id, dates) {
        (false, Got::Ok((id_field, id_path)), Some((_, _, dates))) => Some(ResourcePoller {
            name: name.to_owned(),
            url: url.clone().ok(),
            id_field,
            id_path,
            dates,
            page_size: page_size.ok().unwrap_or(DEFAULT_PAGE_SIZE),
            poll_delay_secs: poll_delay.ok().unwrap_or(0),
            filter_by_updated_date,
            filter_by_current_date: filter_by_current_date.ok().unwrap_or(false),
            created_check_tolerance_secs: tolerance.ok().or(inner_tolerance.ok()).unwrap_or(DEFAULT_CREATED_CHECK_TOLERANCE_SECS),
            reconcile: reconcile.ok(),
        }),
        _ => None,
    };
    PollerReading { poller, findings: out.list, columns: out.columns, url, fields, filter_by_updated_date, asked }
}

/// `datesConfiguration`: the updated and created fields as written (when usable field paths),
/// and the date specs. The date that drives detection is required; the other is optional.
fn read_dates(d: &mut Obj<'_, '_>, filter_by_updated_date: bool) -> (Option<String>, Option<String>, Dates) {
    let mut spec = |which: &'static str, key: [&'static str; 3], drives: bool| -> (Option<String>, Option<DateSpec>) {
        let [field_key, format_key, zone_key] = key;
        let field = d.string(field_key);
        let field = match field {
            Got::Missing if drives && which == "created" => {
                d.push(
                    Diagnostic::error(
                        "poller.dates.created-required",
                        d.path(field_key),
                        "filterByUpdatedDate is false, so the created date drives detection, and there is none",
                    )
                    .with_hint("set createdDateField (and its format), or filter by the updated date"),
                );
                Got::Bad
            }
            Got::Missing if drives => d.required(field_key, Got::Missing),
            Got::Missing if which == "created" => {
                d.push(
                    Diagnostic::new(
                        Severity::Info,
                        "poller.dates.no-created-field",
                        d.path(field_key),
                        "without a created-date field every event is reported as UPDATED",
                    )
                    .with_hint("set createdDateField (and its format) to tell CREATED from UPDATED"),
                );
                Got::Missing
            }
            other => other,
        };
        let field = d.field_path(field_key, field);
        // The zone first: the format's lint reads it (the zone as written, even an unknown one).
        let zone = d.string(zone_key);
        let lint_zone = match &zone {
            Got::Ok(z) => Some(z.clone()),
            Got::Missing => Some(DEFAULT_ZONE.to_owned()),
            Got::Bad => None,
        };
        let zone = match zone {
            Got::Ok(z) => match Zone::parse(&z) {
                Ok(_) => Got::Ok(z),
                Err(e) => {
                    let mut diag = Diagnostic::error(e.code, d.path(zone_key), e.message);
                    diag.hint = e.hint;
                    d.push(diag);
                    Got::Bad
                }
            },
            other => other,
        };
        let format = match d.string(format_key) {
            Got::Ok(f) => match DateFormat::compile(&f) {
                Ok(_) => {
                    for mut diag in datefmt::lint(&f, lint_zone.as_deref()) {
                        diag.path = d.path(format_key).to_string();
                        d.push(diag);
                    }
                    Got::Ok(f)
                }
                Err(e) => {
                    let msg = match e.column {
                        Some(c) => format!("{} (column {})", e.message, c + 1),
                        None => e.message,
                    };
                    let mut diag = Diagnostic::error(e.code, d.path(format_key), msg);
                    diag.hint = e.hint;
                    d.push_at(diag, e.column);
                    Got::Bad
                }
            },
            other => other,
        };
        let written = match &field {
            Got::Ok((f, _)) => Some(f.clone()),
            _ => None,
        };
        let spec = match (field, format, zone) {
            (Got::Ok((field, path)), format, zone) if format != Got::Bad && zone != Got::Bad => Some(DateSpec {
                field,
                path,
                format: format.ok().unwrap_or_else(|| DEFAULT_DATE_FORMAT.to_owned()),
                zone: zone.ok().unwrap_or_else(|| DEFAULT_ZONE.to_owned()),
            }),
            _ => None,
        };
        (written, spec)
    };
    let (uf, updated) = spec("updated", ["updatedDateField", "updatedDateFormat", "updatedDateTimezone"], filter_by_updated_date);
    let (cf, created) = spec("created", ["createdDateField", "createdDateFormat", "createdDateTimezone"], !filter_by_updated_date);
    (uf, cf, Dates { updated, created })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys the reader asks for are the model's lists (which the schema and the editor
    /// use): a key added to the reader and not to the lists, or the other way, fails here.
    #[test]
    fn the_reader_asks_for_exactly_the_listed_keys() {
        let v = serde_json::json!({"url": "/x", "idField": "id", "datesConfiguration": {"updatedDateField": "u"}});
        let reading = read_poller("x", &v, &JsonPath::root());
        assert!(reading.poller.is_some(), "{:?}", reading.findings);
        let sorted = |mut v: Vec<&'static str>| {
            v.sort_unstable();
            v
        };
        let want = sorted(POLLER_KEYS.iter().copied().chain([FILTER_BY_UPDATED_DATE_ALIAS]).collect());
        assert_eq!(sorted(reading.asked.0.clone()), want);
        let want = sorted(DATES_KEYS.iter().copied().chain(["createdCheckTolerance"]).collect());
        assert_eq!(sorted(reading.asked.1.clone()), want);
    }
}
