//! A small builder for code: a body from a spec that says what is meant, not how the
//! platform spells it.
//!
//! ```json
//! {
//!   "element": "infusionsoftrest",              // required: the element key
//!   "name": "Keap polling",                     // required: the instance name
//!   "code": "<grant code>",                     // providerData.code (OAuth grant code)
//!   "oauth": {"key": "...", "secret": "...", "callbackUrl": "https://..."},
//!   "callbackUrl": "https://myapp.example.com/events",   // where events go
//!   "events": true,                             // default: true when callbackUrl or resources are given
//!   "refreshInterval": 15,                      // minutes; default 15 when events are on
//!   "api": "direct",                            // event.poller.api; "direct" takes the direct presets
//!   "signatureKey": "...",                      // event.notification.signature.key
//!   "tags": ["docs"],
//!   "resources": {                              // or "all", or ["contacts", "tasks"]: those presets
//!     "appointments": true,                     // the element's preset for this resource
//!     "deals": "opportunities",                 // a preset under another name
//!     "contacts": {"preset": "contacts", "pollDelay": 30},   // a preset with overrides
//!     "notes": {"url": "/hubs/crm/notes", "idField": "id", "datesConfiguration": {...}}  // a poller as is
//!   },
//!   "configuration": {"event.raw.enabled": true}  // extra configuration keys, copied last
//! }
//! ```
//! Overrides replace poller keys; `datesConfiguration` overrides are merged key by key.
//! The built body is validated: a spec whose body would have errors fails with `build.invalid`
//! (path = the body path), and spec mistakes fail with `build.*` codes at the spec's path.

use super::model::*;
use super::path::JsonPath;
use super::presets;
use super::validate::validate_value;
use crate::diag::{Error, Severity};
use serde_json::{Map, Value};

const SPEC_KEYS: [&str; 12] =
    ["element", "name", "code", "oauth", "callbackUrl", "events", "refreshInterval", "api", "signatureKey", "tags", "resources", "configuration"];
/// Minutes between polls when events are on and the spec names none.
pub const DEFAULT_REFRESH_MINUTES: i64 = 15;

fn err(code: &'static str, path: JsonPath, message: impl Into<String>) -> Error {
    Error::new(code, message).at_path(path)
}

/// Builds a `POST /instances` body from a spec (see the module docs).
pub fn build_instance(spec: &Value) -> Result<Value, Error> {
    let root = JsonPath::root();
    let s = spec.as_object().ok_or_else(|| err("build.not-object", root.clone(), "the spec must be an object"))?;
    for k in s.keys() {
        if !SPEC_KEYS.contains(&k.as_str()) {
            let mut e = err("build.unknown-key", root.key(k), format!("unknown spec key {k:?}"));
            if let Some(c) = crate::diag::closest(k, &SPEC_KEYS) {
                e = e.with_hint(format!("did you mean {c:?}?"));
            }
            return Err(e);
        }
    }
    let string = |key: &str| -> Result<Option<String>, Error> {
        match s.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(err("build.type", root.key(key), format!("{key:?} must be a string"))),
        }
    };
    let element = string("element")?.ok_or_else(|| err("build.required", root.key("element"), "\"element\" (the element key) is required"))?;
    let name = string("name")?.ok_or_else(|| err("build.required", root.key("name"), "\"name\" is required"))?;

    let mut conf = Map::new();
    match s.get("oauth") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (from, to) in [("key", OAUTH_API_KEY), ("secret", OAUTH_API_SECRET), ("callbackUrl", OAUTH_CALLBACK_URL)] {
                match o.get(from) {
                    None | Some(Value::Null) => {}
                    Some(Value::String(v)) => {
                        conf.insert(to.to_owned(), Value::String(v.clone()));
                    }
                    Some(_) => return Err(err("build.type", root.key("oauth").key(from), format!("oauth.{from} must be a string"))),
                }
            }
            if let Some(k) = o.keys().find(|k| !["key", "secret", "callbackUrl"].contains(&k.as_str())) {
                return Err(err("build.unknown-key", root.key("oauth").key(k), format!("unknown oauth key {k:?}: use key, secret, callbackUrl")));
            }
        }
        Some(_) => return Err(err("build.type", root.key("oauth"), "\"oauth\" must be {key, secret, callbackUrl}")),
    }

    let callback = string("callbackUrl")?;
    let api = match string("api")? {
        None => Api::Hub,
        Some(a) => Api::parse(&a).ok_or_else(|| err("build.type", root.key("api"), format!("\"api\" is \"hub\" or \"direct\", not {a:?}")))?,
    };
    if api == Api::Direct {
        conf.insert(POLLER_API.to_owned(), Value::String(api.name().to_owned()));
    }
    let resources = match s.get("resources") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(r)) => r.clone(),
        // `"all"`: every preset of the element; `["contacts", "tasks"]`: those presets.
        Some(Value::String(a)) if a == "all" => {
            let all = presets::all_for(&element, api)
                .ok_or_else(|| err("build.unknown-preset", root.key("resources"), format!("{element:?} has no presets")))?;
            all.as_object().map(|m| m.keys().map(|k| (k.clone(), Value::Bool(true))).collect()).unwrap_or_default()
        }
        Some(Value::Array(names)) => {
            let mut m = Map::new();
            for (i, n) in names.iter().enumerate() {
                let n = n.as_str().ok_or_else(|| err("build.type", root.key("resources").index(i), "a resource name"))?;
                m.insert(n.to_owned(), Value::Bool(true));
            }
            m
        }
        Some(_) => {
            return Err(err(
                "build.type",
                root.key("resources"),
                "\"resources\" is \"all\", an array of preset names, or an object of resource name -> preset or poller",
            ));
        }
    };
    let events = match s.get("events") {
        None | Some(Value::Null) => callback.is_some() || !resources.is_empty(),
        Some(v) => read_bool(v).ok_or_else(|| err("build.type", root.key("events"), "\"events\" must be true or false"))?,
    };
    if events {
        conf.insert(EVENTS_ENABLED.to_owned(), Value::Bool(true));
        conf.insert(VENDOR_TYPE.to_owned(), Value::String("polling".to_owned()));
        if let Some(c) = &callback {
            conf.insert(CALLBACK_URL.to_owned(), Value::String(c.clone()));
        }
        let minutes = match s.get("refreshInterval") {
            None | Some(Value::Null) => DEFAULT_REFRESH_MINUTES,
            Some(v) => {
                read_int(v).ok_or_else(|| err("build.type", root.key("refreshInterval"), "\"refreshInterval\" must be a whole number of minutes"))?
            }
        };
        conf.insert(REFRESH_INTERVAL.to_owned(), Value::from(minutes));
    } else if let Some(c) = &callback {
        conf.insert(CALLBACK_URL.to_owned(), Value::String(c.clone()));
    }
    if let Some(k) = string("signatureKey")? {
        conf.insert(SIGNATURE_KEY.to_owned(), Value::String(k));
    }
    if !resources.is_empty() {
        let mut pollers = Map::new();
        for (res, v) in &resources {
            pollers.insert(res.clone(), resource_poller(&element, api, res, v, &root.key("resources").key(res))?);
        }
        conf.insert(POLLER_CONFIGURATION.to_owned(), Value::Object(pollers));
    }
    match s.get("configuration") {
        None | Some(Value::Null) => {}
        Some(Value::Object(extra)) => {
            for (k, v) in extra {
                conf.insert(k.clone(), v.clone());
            }
        }
        Some(_) => return Err(err("build.type", root.key("configuration"), "\"configuration\" must be an object")),
    }

    let mut body = Map::new();
    body.insert("element".to_owned(), serde_json::json!({ "key": element }));
    if let Some(code) = string("code")? {
        body.insert("providerData".to_owned(), serde_json::json!({ "code": code }));
    }
    body.insert("configuration".to_owned(), Value::Object(conf));
    match s.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(t)) if t.iter().all(Value::is_string) => {
            body.insert("tags".to_owned(), Value::Array(t.clone()));
        }
        Some(_) => return Err(err("build.type", root.key("tags"), "\"tags\" must be an array of strings")),
    }
    body.insert("name".to_owned(), Value::String(name));
    let body = Value::Object(body);

    if let Some(d) = validate_value(&body).into_iter().find(|d| d.severity == Severity::Error) {
        return Err(Error::new("build.invalid", format!("the built body is not valid: {} at {}: {}", d.code, d.path, d.message)).at_path(d.path));
    }
    Ok(body)
}

fn resource_poller(element: &str, api: Api, res: &str, v: &Value, path: &JsonPath) -> Result<Value, Error> {
    let preset = |name: &str| {
        presets::preset_for(element, api, name).ok_or_else(|| {
            let names = presets::resources(element, api);
            let known = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
            err("build.unknown-preset", path.clone(), format!("no preset {name:?} for {element:?} (presets: {known})"))
        })
    };
    match v {
        Value::Bool(true) => preset(res),
        Value::String(name) => preset(name),
        Value::Object(o) => {
            let Some(name) = o.get("preset") else { return Ok(v.clone()) };
            let name = name.as_str().ok_or_else(|| err("build.type", path.key("preset"), "\"preset\" must be a preset name"))?;
            let mut base = preset(name)?;
            let Some(b) = base.as_object_mut() else { return Ok(base) };
            for (k, ov) in o.iter().filter(|(k, _)| k.as_str() != "preset") {
                match (b.get_mut(k), ov) {
                    (Some(Value::Object(bd)), Value::Object(od)) if k == "datesConfiguration" => {
                        for (dk, dv) in od {
                            bd.insert(dk.clone(), dv.clone());
                        }
                    }
                    _ => {
                        b.insert(k.clone(), ov.clone());
                    }
                }
            }
            Ok(base)
        }
        _ => Err(err("build.type", path.clone(), "a resource is true (its preset), a preset name, or a poller object")),
    }
}
