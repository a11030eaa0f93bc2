//! `validateConfig`: every problem at once, each at its JSON path. Never panics.

use super::path::JsonPath;
use crate::datefmt::DateFormat;
use crate::diag::Diagnostic;
use crate::zone::Zone;
use serde_json::{Map, Value};

/// Validates a `POST /instances` body given as JSON text.
pub fn validate(input: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let body: Value = match serde_json::from_str(input) {
        Ok(v) => v,
        Err(e) => {
            out.push(
                Diagnostic::error("config.not-json", "", format!("the body is not JSON: {e}"))
                    .with_hint("paste the JSON body of POST /instances, starting with {"),
            );
            return out;
        }
    };
    let Some(body) = body.as_object() else {
        out.push(Diagnostic::error("config.not-object", "", format!("the body must be a JSON object, not {}", kind(&body))));
        return out;
    };
    let root = JsonPath::root();
    placeholders(&Value::Object(body.clone()), &root, &mut out);

    match object_at(body, "element", &root, &mut out) {
        Some(el) => {
            required_string(el, "key", &root.key("element"), &mut out);
        }
        None => {}
    }
    required_string(body, "name", &root, &mut out);
    let conf_path = root.key("configuration");
    let Some(conf) = object_at(body, "configuration", &root, &mut out) else {
        return out;
    };
    for key in ["oauth.api.key", "oauth.api.secret", "oauth.callback.url"] {
        required_string(conf, key, &conf_path, &mut out);
    }
    let enabled = matches!(conf.get("event.notification.enabled"), Some(Value::Bool(true)))
        || matches!(conf.get("event.notification.enabled"), Some(Value::String(s)) if s == "true");
    if enabled {
        required_string(conf, "event.notification.callback.url", &conf_path, &mut out);
        if conf.get("event.poller.refresh_interval").is_none() {
            out.push(missing(&conf_path, "event.poller.refresh_interval"));
        }
    }
    let pc_path = conf_path.key("event.poller.configuration");
    let pollers = match conf.get("event.poller.configuration") {
        None => return out,
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => m,
            _ => {
                out.push(Diagnostic::error("poller.configuration.not-object", pc_path, "the poller configuration must be a JSON object of resource pollers"));
                return out;
            }
        },
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            out.push(Diagnostic::error(
                "poller.configuration.not-object",
                pc_path,
                format!("the poller configuration must be a JSON object of resource pollers, not {}", kind(other)),
            ));
            return out;
        }
    };
    for (name, poller) in &pollers {
        let p = pc_path.key(name);
        let Some(poller) = poller.as_object() else {
            out.push(Diagnostic::error("poller.not-object", p, format!("the poller for {name:?} must be an object")));
            continue;
        };
        required_string(poller, "url", &p, &mut out);
        required_string(poller, "idField", &p, &mut out);
        let Some(dates) = object_at(poller, "datesConfiguration", &p, &mut out) else { continue };
        let dp = p.key("datesConfiguration");
        required_string(dates, "updatedDateField", &dp, &mut out);
        for (fmt_key, zone_key) in [("updatedDateFormat", "updatedDateTimezone"), ("createdDateFormat", "createdDateTimezone")] {
            if let Some(Value::String(f)) = dates.get(fmt_key) {
                if let Err(e) = DateFormat::compile(f) {
                    out.push(Diagnostic::error(e.code, dp.key(fmt_key), e.message));
                }
            }
            if let Some(Value::String(z)) = dates.get(zone_key) {
                if let Err(e) = Zone::parse(z) {
                    let mut d = Diagnostic::error(e.code, dp.key(zone_key), e.message);
                    d.hint = e.hint;
                    out.push(d);
                }
            }
        }
    }
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn missing(parent: &JsonPath, key: &str) -> Diagnostic {
    Diagnostic::error("config.required", parent.key(key), format!("{key:?} is required"))
}

fn object_at<'a>(m: &'a Map<String, Value>, key: &str, parent: &JsonPath, out: &mut Vec<Diagnostic>) -> Option<&'a Map<String, Value>> {
    match m.get(key) {
        None => {
            out.push(missing(parent, key));
            None
        }
        Some(Value::Object(o)) => Some(o),
        Some(other) => {
            out.push(Diagnostic::error("config.type", parent.key(key), format!("{key:?} must be an object, not {}", kind(other))));
            None
        }
    }
}

fn required_string(m: &Map<String, Value>, key: &str, parent: &JsonPath, out: &mut Vec<Diagnostic>) {
    match m.get(key) {
        None => out.push(missing(parent, key)),
        Some(Value::String(s)) if s.trim().is_empty() => {
            out.push(Diagnostic::error("config.empty", parent.key(key), format!("{key:?} is empty")))
        }
        Some(Value::String(_)) => {}
        Some(other) => out.push(Diagnostic::error("config.type", parent.key(key), format!("{key:?} must be a string, not {}", kind(other)))),
    }
}

/// `<AUTHORIZATION_GRANT_CODE>` and friends, copied from the documentation unchanged.
fn placeholders(v: &Value, path: &JsonPath, out: &mut Vec<Diagnostic>) {
    match v {
        Value::String(s) => {
            let t = s.trim();
            if t.len() > 2 && t.starts_with('<') && t.ends_with('>') {
                out.push(
                    Diagnostic::error("config.placeholder", path.clone(), "this value is still a placeholder from the documentation")
                        .with_hint("replace the <...> text with the real value"),
                );
            }
        }
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| placeholders(x, &path.index(i), out)),
        Value::Object(m) => m.iter().for_each(|(k, x)| placeholders(x, &path.key(k), out)),
        _ => {}
    }
}
