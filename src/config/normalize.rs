//! Lenient input and the canonical form.
//!
//! The canonical form of a body ([`normalize`]):
//! - the body is an object (a JSON string holding the object is unwrapped);
//! - boolean keys are JSON booleans, whole-number keys JSON integers (`"15"` -> `15`);
//! - `event.poller.configuration` is an object (a JSON-encoded string is decoded);
//! - `event.poller.urls` is one pipe-delimited string with trimmed, non-empty parts
//!   (an array of strings is also accepted);
//! - in each poller, `filterByUpdateDate` is renamed `filterByUpdatedDate` (in place) and a
//!   `createdCheckTolerance` found only inside `datesConfiguration` moves to the poller;
//! - every other key, known or not, keeps its value and its position.
//!
//! Values that cannot be coerced are left exactly as written: normalizing never loses data,
//! and [`super::validate`] reports them.

use super::model::*;
use crate::diag::Error;
use serde_json::{Map, Number, Value};

/// Parses a body given as JSON text: an object, or a JSON string whose content is the object.
pub fn parse_body(input: &str) -> Result<Map<String, Value>, Error> {
    let v: Value = serde_json::from_str(input).map_err(|e| {
        Error::new("config.not-json", format!("the body is not JSON: {e}")).with_hint("paste the JSON body of POST /instances, starting with {")
    })?;
    match v {
        Value::Object(m) => Ok(m),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Error::new("config.not-object", "the body is a JSON string that does not hold a JSON object")),
        },
        other => Err(Error::new("config.not-object", format!("the body must be a JSON object, not {}", kind(&other)))),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The canonical form of a body given as JSON text. Fails only when the text is not JSON or
/// holds no object.
pub fn normalize(input: &str) -> Result<Value, Error> {
    Ok(normalize_body(parse_body(input)?))
}

/// The canonical form of a body already parsed.
pub fn normalize_value(body: &Value) -> Result<Value, Error> {
    match body {
        Value::Object(m) => Ok(normalize_body(m.clone())),
        Value::String(s) => normalize(&serde_json::to_string(s).unwrap_or_default()),
        other => Err(Error::new("config.not-object", format!("the body must be a JSON object, not {}", kind(other)))),
    }
}

fn normalize_body(mut body: Map<String, Value>) -> Value {
    if let Some(Value::Object(conf)) = body.get_mut("configuration") {
        for (key, v) in conf.iter_mut() {
            let k = key.as_str();
            if BOOLEAN_KEYS.contains(&k) {
                coerce_bool(v);
            } else if k == REFRESH_INTERVAL {
                coerce_int(v);
            } else if k == POLLER_CONFIGURATION {
                if let Ok(mut pollers) = poller_configuration(v) {
                    for p in pollers.values_mut() {
                        normalize_poller(p);
                    }
                    *v = Value::Object(pollers);
                }
            } else if k == POLLER_URLS
                && let Some(urls) = poller_urls(v)
            {
                *v = Value::String(urls.join("|"));
            }
        }
    }
    Value::Object(body)
}

/// The urls of the legacy `event.poller.urls` (a pipe-delimited string or an array of strings).
pub fn poller_urls(v: &Value) -> Option<Vec<String>> {
    let parts: Vec<String> = match v {
        Value::String(s) => s.split('|').map(|p| p.trim().to_owned()).collect(),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(|s| s.trim().to_owned())).collect::<Option<_>>()?,
        _ => return None,
    };
    Some(parts.into_iter().filter(|p| !p.is_empty()).collect())
}

fn coerce_bool(v: &mut Value) {
    if let Some(b) = read_bool(v) {
        *v = Value::Bool(b);
    }
}

fn coerce_int(v: &mut Value) {
    if let Some(i) = read_int(v) {
        *v = Value::Number(Number::from(i));
    }
}

fn normalize_poller(p: &mut Value) {
    let Value::Object(m) = p else { return };
    let has_correct = m.contains_key("filterByUpdatedDate");
    let mut out = Map::new();
    for (k, mut v) in std::mem::take(m) {
        match k.as_str() {
            "pageSize" | "pollDelay" | "createdCheckTolerance" => coerce_int(&mut v),
            "filterByUpdatedDate" | "filterByCurrentDate" => coerce_bool(&mut v),
            FILTER_BY_UPDATED_DATE_ALIAS if !has_correct => {
                coerce_bool(&mut v);
                out.insert("filterByUpdatedDate".to_owned(), v);
                continue;
            }
            FILTER_BY_UPDATED_DATE_ALIAS => coerce_bool(&mut v),
            _ => {}
        }
        out.insert(k, v);
    }
    if !out.contains_key("createdCheckTolerance") {
        if let Some(Value::Object(d)) = out.get_mut("datesConfiguration")
            && let Some(mut t) = d.shift_remove("createdCheckTolerance")
        {
            coerce_int(&mut t);
            out.insert("createdCheckTolerance".to_owned(), t);
        }
    } else if let Some(Value::Object(d)) = out.get_mut("datesConfiguration")
        && let Some(t) = d.get_mut("createdCheckTolerance")
    {
        coerce_int(t);
    }
    *m = out;
}
