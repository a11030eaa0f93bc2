//! Change detection against a date watermark.
//!
//! The thin slice reads a top-level array, keeps the ids seen at the watermark instant so
//! records sharing it are neither lost nor repeated, and classifies CREATED / UPDATED.
//! Issue 5 adds lookback, the raw-bytes fast path and the full contract of DESIGN section 6.

use crate::datefmt::DateFormat;
use crate::diag::{Diagnostic, Error};
use crate::zone::Zone;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What detection needs to know about one resource poller.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: String,
    pub id_field: String,
    pub updated: DateField,
    pub created: Option<DateField>,
}

#[derive(Clone, Debug)]
pub struct DateField {
    pub path: String,
    pub format: DateFormat,
    pub zone: Zone,
}

impl Spec {
    /// Reads a resource poller (`{name, idField, datesConfiguration}`) as JSON.
    pub fn from_resource(resource: &Value) -> Result<Spec, Error> {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let name = s(resource.get("name")).ok_or_else(|| Error::new("resource.name", "the resource needs a name (its key in the poller configuration)"))?;
        let id_field = s(resource.get("idField")).ok_or_else(|| Error::new("resource.id-field", "the resource needs an idField").at_path("idField"))?;
        let dates = resource.get("datesConfiguration").cloned().unwrap_or(Value::Null);
        let field = |f: &str, fmt: &str, tz: &str| -> Result<Option<DateField>, Error> {
            let Some(path) = s(dates.get(f)) else { return Ok(None) };
            let pattern = s(dates.get(fmt)).unwrap_or_else(|| "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'".into());
            let zone = s(dates.get(tz)).unwrap_or_else(|| "GMT".into());
            Ok(Some(DateField { path, format: DateFormat::compile(&pattern)?, zone: Zone::parse(&zone)? }))
        };
        let updated = field("updatedDateField", "updatedDateFormat", "updatedDateTimezone")?
            .ok_or_else(|| Error::new("resource.updated-date-field", "the resource needs datesConfiguration.updatedDateField"))?;
        let created = field("createdDateField", "createdDateFormat", "createdDateTimezone")?;
        Ok(Spec { name, id_field, updated, created })
    }
}

/// Persisted between polls. Versioned so later releases can read older state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub v: u32,
    /// Epoch ms of the newest updated instant emitted; `None` reads from the beginning.
    pub watermark: Option<i64>,
    /// Ids already emitted at exactly `watermark`.
    pub boundary: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_type: &'static str,
    pub object_type: String,
    pub object_id: String,
    pub date: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Stats {
    pub records: usize,
    pub events: usize,
    pub skipped: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub events: Vec<Event>,
    pub state: State,
    pub stats: Stats,
    pub diagnostics: Vec<Diagnostic>,
}

/// `start_from` applies only when `state` is `None`: `"now"`, `"beginning"` or an ISO instant.
pub fn detect(spec: &Spec, state: Option<&State>, start_from: &str, body: &[u8], now: i64) -> Result<Outcome, Error> {
    let records: Value = serde_json::from_slice(body).map_err(|e| Error::new("body.not-json", format!("the response body is not JSON: {e}")))?;
    let Value::Array(records) = records else {
        return Err(Error::new("body.not-array", "the response body must be a JSON array of records"));
    };
    let state = match state {
        Some(s) => s.clone(),
        None => State { v: 1, watermark: start_instant(start_from, now)?, boundary: Vec::new() },
    };
    let mut out = Outcome { events: Vec::new(), state: state.clone(), stats: Stats { records: records.len(), ..Stats::default() }, diagnostics: Vec::new() };
    for (i, rec) in records.iter().enumerate() {
        let path = format!("[{i}]");
        let Some(id) = lookup(rec, &spec.id_field).and_then(id_string) else {
            out.diagnostics.push(Diagnostic::warning("record.missing-id", path, format!("record {i} has no {:?}", spec.id_field)));
            continue;
        };
        let updated = match read_date(rec, &spec.updated) {
            Ok(ms) => ms,
            Err(e) => {
                out.diagnostics.push(Diagnostic::warning("record.bad-date", path, format!("record {i} ({id}): {}", e.message)));
                continue;
            }
        };
        if Some(updated) < state.watermark || (Some(updated) == state.watermark && state.boundary.contains(&id)) {
            out.stats.skipped += 1;
            continue;
        }
        let created = spec.created.as_ref().and_then(|c| read_date(rec, c).ok());
        let event_type = if created.is_some_and(|c| Some(c) > state.watermark || (Some(c) == state.watermark && updated == c)) { "CREATED" } else { "UPDATED" };
        if Some(updated) > out.state.watermark {
            out.state.watermark = Some(updated);
            out.state.boundary.clear();
        }
        if Some(updated) == out.state.watermark {
            out.state.boundary.push(id.clone());
        }
        out.events.push(Event { event_type, object_type: spec.name.clone(), object_id: id, date: iso(updated) });
    }
    out.stats.events = out.events.len();
    Ok(out)
}

fn start_instant(start_from: &str, now: i64) -> Result<Option<i64>, Error> {
    match start_from {
        "now" | "" => Ok(Some(now)),
        "beginning" => Ok(None),
        s => chrono::DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.timestamp_millis()))
            .map_err(|_| Error::new("start-from.invalid", format!("startFrom must be \"now\", \"beginning\" or an ISO instant, not {s:?}"))),
    }
}

fn lookup<'a>(rec: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(rec, |v, k| v.get(k))
}

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn read_date(rec: &Value, f: &DateField) -> Result<i64, Error> {
    match lookup(rec, &f.path) {
        Some(Value::String(s)) => f.format.parse(s, &f.zone),
        _ => Err(Error::new("record.missing-date", format!("no date at {:?}", f.path))),
    }
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
