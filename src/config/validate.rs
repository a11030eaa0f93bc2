//! `validateConfig`: every problem at once, each at its JSON path. Never panics.
//!
//! Codes (stable; severity in brackets):
//! - body: `config.not-json`, `config.not-object` [error]
//! - any value: `config.required`, `config.empty`, `config.type`, `config.placeholder` [error];
//!   `config.key.misspelled` [warning: an unknown key close to a known one; it is kept but ignored];
//!   `config.key.alias` [warning: `filterByUpdateDate`, accepted as `filterByUpdatedDate`]
//! - `config.key.duplicate` [warning: a key written twice in one object; the last one wins]
//! - urls: `config.url.not-absolute` [error], `config.url.insecure` [warning: http other than localhost]
//! - `config.refresh-interval` [error: not a whole number of minutes ≥ 1]
//! - events: `events.no-callback` [error], `events.vendor-type` [error], `events.callback.self`
//!   [warning: notifications sent to the Cloud Elements API itself], `events.no-pollers`
//!   [warning], `events.disabled` [info: pollers configured, events off]
//! - `poller.configuration.not-json`, `poller.configuration.not-object`, `poller.not-object` [error]
//! - `poller.url.not-relative`, `poller.url.unknown-variable`, `poller.url.unterminated-variable`,
//!   `poller.url.variable-arguments`, `poller.url.epoch-unit`, `poller.dates.created-required` [error]; `poller.url.missing-dollar`,
//!   `poller.url.where-field` [warning]
//! - `poller.field-path.malformed` [error]; `poller.dates.no-created-field` [info]
//! - `poller.page-size.range`, `poller.poll-delay.negative`, `poller.created-check-tolerance.negative`
//!   [error]; `poller.created-check-tolerance.duplicate` [warning]
//! - the date engine's own codes, re-addressed to the format's or zone's path: `date-format.*`, `zone.unknown`
//!
//! Diagnostics inside a url template say the 1-based column in their message. Messages never
//! contain the value of a secret (`oauth.api.secret`, the signature key, the basic password,
//! `providerData.code`).

use super::field::FieldPath;
use super::model::*;
use super::normalize::{kind, parse_body, poller_urls};
use super::path::JsonPath;
use crate::datefmt::{self, DateFormat};
use crate::diag::{Diagnostic, Severity, closest};
use crate::template;
use crate::zone::Zone;
use serde_json::{Map, Value};

/// Validates a `POST /instances` body given as JSON text (an object, or a JSON string holding
/// one; paths are then relative to that object).
pub fn validate(input: &str) -> Vec<Diagnostic> {
    match parse_body(input) {
        Ok(body) => {
            let mut out = validate_body(&body);
            for path in super::locate::duplicate_keys(input) {
                out.push(
                    Diagnostic::warning("config.key.duplicate", path, "this key is written more than once here; only the last value is used")
                        .with_hint("remove or rename the other occurrences"),
                );
            }
            out
        }
        Err(e) => {
            let mut d = Diagnostic::error(e.code, "", e.message);
            d.hint = e.hint;
            vec![d]
        }
    }
}

/// Validates a body already parsed.
pub fn validate_value(body: &Value) -> Vec<Diagnostic> {
    match body {
        Value::Object(m) => validate_body(m),
        // Same leniency as the text form: a string holding the object.
        Value::String(s) => validate(s),
        other => vec![Diagnostic::error("config.not-object", "", format!("the body must be a JSON object, not {}", kind(other)))],
    }
}

fn validate_body(body: &Map<String, Value>) -> Vec<Diagnostic> {
    let mut v = V { out: Vec::new() };
    v.body(body);
    v.out
}

struct V {
    out: Vec<Diagnostic>,
}

/// What a value read as a string turned out to be.
enum Str<'a> {
    Missing,
    /// Reported already (placeholder, empty, wrong type).
    Bad,
    Ok(&'a str),
}

impl V {
    fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn required(&mut self, path: JsonPath, what: &str) {
        self.push(Diagnostic::error("config.required", path, format!("{what} is required")));
    }

    fn type_error(&mut self, path: JsonPath, key: &str, expected: &str, got: &Value) {
        self.push(Diagnostic::error("config.type", path, format!("{key:?} must be {expected}, not {}", kind(got))));
    }

    fn placeholder(&mut self, path: JsonPath) {
        self.push(
            Diagnostic::error("config.placeholder", path, "this value is still a placeholder from the documentation")
                .with_hint("replace the <...> text with the real value"),
        );
    }

    /// Reads `m[key]` as a non-empty string, reporting placeholders, empties and wrong types.
    fn string<'a>(&mut self, m: &'a Map<String, Value>, key: &str, parent: &JsonPath) -> Str<'a> {
        let path = parent.key(key);
        match m.get(key) {
            None | Some(Value::Null) => Str::Missing,
            Some(v) if is_placeholder(v) => {
                self.placeholder(path);
                Str::Bad
            }
            Some(Value::String(s)) if s.trim().is_empty() => {
                self.push(Diagnostic::error("config.empty", path, format!("{key:?} is empty")));
                Str::Bad
            }
            Some(Value::String(s)) => Str::Ok(s),
            Some(other) => {
                self.type_error(path, key, "a string", other);
                Str::Bad
            }
        }
    }

    fn required_string<'a>(&mut self, m: &'a Map<String, Value>, key: &str, parent: &JsonPath) -> Option<&'a str> {
        match self.string(m, key, parent) {
            Str::Missing => {
                self.required(parent.key(key), &format!("{key:?}"));
                None
            }
            Str::Bad => None,
            Str::Ok(s) => Some(s),
        }
    }

    fn misspelled_keys(&mut self, m: &Map<String, Value>, known: &[&str], parent: &JsonPath) {
        for k in m.keys() {
            if known.contains(&k.as_str()) {
                continue;
            }
            if let Some(s) = closest(k, known)
                && !m.contains_key(s)
            {
                self.push(
                    Diagnostic::warning("config.key.misspelled", parent.key(k), format!("unknown key {k:?} is kept but ignored"))
                        .with_hint(format!("did you mean {s:?}?")),
                );
            }
        }
    }

    /// A string placeholder anywhere below `v` (arrays and objects included).
    fn placeholders_below(&mut self, v: &Value, path: &JsonPath) {
        match v {
            Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
                if is_placeholder(x) {
                    self.placeholder(path.index(i));
                } else {
                    self.placeholders_below(x, &path.index(i));
                }
            }),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                if is_placeholder(x) {
                    self.placeholder(path.key(k));
                } else {
                    self.placeholders_below(x, &path.key(k));
                }
            }),
            _ => {}
        }
    }

    fn body(&mut self, body: &Map<String, Value>) {
        let root = JsonPath::root();
        self.misspelled_keys(body, &BODY_KEYS, &root);

        let element_key = match body.get("element") {
            None | Some(Value::Null) => {
                self.required(root.key("element"), "\"element\" (with its \"key\", e.g. infusionsoftrest)");
                None
            }
            Some(Value::Object(el)) => {
                let k = self.required_string(el, "key", &root.key("element"));
                self.placeholders_below_except(el, &["key"], &root.key("element"));
                k
            }
            Some(other) => {
                self.type_error(root.key("element"), "element", "an object like {\"key\": \"infusionsoftrest\"}", other);
                None
            }
        };
        self.required_string(body, "name", &root);
        match body.get("tags") {
            None | Some(Value::Null) => {}
            Some(Value::Array(tags)) => {
                for (i, t) in tags.iter().enumerate() {
                    let p = root.key("tags").index(i);
                    match t {
                        t if is_placeholder(t) => self.placeholder(p),
                        Value::String(_) => {}
                        other => self.type_error(p, "tags", "an array of strings", other),
                    }
                }
            }
            Some(other) => self.type_error(root.key("tags"), "tags", "an array of strings", other),
        }

        let conf = match body.get("configuration") {
            None | Some(Value::Null) => {
                self.required(root.key("configuration"), "\"configuration\"");
                None
            }
            Some(Value::Object(c)) => Some(c),
            Some(other) => {
                self.type_error(root.key("configuration"), "configuration", "an object", other);
                None
            }
        };
        // OAuth elements need the grant code and the app's credentials. infusionsoftrest is one;
        // for other elements, any `oauth.api.*` key says the instance is meant to use OAuth.
        let oauth =
            element_key == Some("infusionsoftrest") || conf.is_some_and(|c| c.contains_key(OAUTH_API_KEY) || c.contains_key(OAUTH_API_SECRET));
        self.provider_data(body, oauth);
        if let Some(conf) = conf {
            self.configuration(conf, oauth);
            self.poller_api(body, conf, element_key);
        }
    }

    /// `event.poller.api` by its one reader (`instance::poller_api`), and `direct` only where
    /// the poller can talk to the element's own API.
    fn poller_api(&mut self, body: &Map<String, Value>, conf: &Map<String, Value>, element_key: Option<&str>) {
        let path = JsonPath::root().key("configuration").key(POLLER_API);
        if conf.get(POLLER_API).is_some_and(is_placeholder) {
            return self.placeholder(path);
        }
        match super::instance::poller_api(body) {
            Err(e) => {
                let mut d = Diagnostic::error(e.code, path, e.message);
                d.hint = e.hint;
                self.push(d);
            }
            Ok(Api::Direct) if element_key.is_some_and(|k| k != DIRECT_ELEMENT) => self.push(
                Diagnostic::error(
                    "config.poller-api.element",
                    path,
                    format!(
                        "{POLLER_API:?} is \"direct\", but the poller talks directly only to Keap (element {DIRECT_ELEMENT}), not to {:?}",
                        element_key.unwrap_or_default()
                    ),
                )
                .with_hint("remove the key (or set \"hub\") to poll this element through its Cloud Elements hub"),
            ),
            Ok(api) => self.urls_of_api(conf, api, element_key),
        }
    }

    /// A hub path polled directly (or Keap's own path through a hub) asks for a page that is
    /// not there: a warning at the url, before the first poll's 404.
    fn urls_of_api(&mut self, conf: &Map<String, Value>, api: Api, element_key: Option<&str>) {
        let Some(pollers) = conf.get(POLLER_CONFIGURATION).and_then(|v| poller_configuration(v).ok()) else { return };
        let path = JsonPath::root().key("configuration").key(POLLER_CONFIGURATION);
        for (name, poller) in &pollers {
            let Some(url) = poller.get("url").and_then(Value::as_str).map(str::trim) else { continue };
            let d = match api {
                Api::Direct if url.starts_with("/hubs/") => Diagnostic::warning(
                    "poller.url.api",
                    path.key(name).key("url"),
                    format!("{url:?} is a hub path, but {POLLER_API:?} is \"direct\": Keap lists {name} at /v1/..."),
                )
                .with_hint("use the resource's direct preset (directPresets.infusionsoftrest), e.g. /v1/contacts?since=..."),
                Api::Hub if element_key == Some(DIRECT_ELEMENT) && url.starts_with("/v1/") => Diagnostic::warning(
                    "poller.url.api",
                    path.key(name).key("url"),
                    format!("{url:?} is a path of Keap's own API, but the instance polls its Cloud Elements hub (/hubs/crm/...)"),
                )
                .with_hint("set \"event.poller.api\": \"direct\" to poll Keap itself"),
                _ => continue,
            };
            self.push(d);
        }
    }

    fn placeholders_below_except(&mut self, m: &Map<String, Value>, except: &[&str], path: &JsonPath) {
        for (k, x) in m {
            if except.contains(&k.as_str()) {
                continue;
            }
            if is_placeholder(x) {
                self.placeholder(path.key(k));
            } else {
                self.placeholders_below(x, &path.key(k));
            }
        }
    }

    fn provider_data(&mut self, body: &Map<String, Value>, oauth: bool) {
        let p = JsonPath::root().key("providerData");
        match body.get("providerData") {
            None | Some(Value::Null) if oauth => self.required(p, "\"providerData\" with the OAuth authorization grant \"code\""),
            None | Some(Value::Null) => {}
            Some(Value::Object(pd)) => {
                if oauth {
                    self.required_string(pd, "code", &p);
                } else {
                    self.string(pd, "code", &p);
                }
                self.placeholders_below_except(pd, &["code"], &p);
            }
            Some(other) => self.type_error(p, "providerData", "an object", other),
        }
    }

    fn configuration(&mut self, conf: &Map<String, Value>, oauth: bool) {
        let cp = JsonPath::root().key("configuration");
        self.misspelled_keys(conf, &CONFIGURATION_KEYS, &cp);
        // Element-specific keys are not ours to judge, but a placeholder is wrong anywhere.
        self.placeholders_below_except(conf, &CONFIGURATION_KEYS, &cp);

        for key in [OAUTH_API_KEY, OAUTH_API_SECRET] {
            match self.string(conf, key, &cp) {
                Str::Missing if oauth => self.required(cp.key(key), &format!("{key:?}")),
                _ => {}
            }
        }
        match self.string(conf, OAUTH_CALLBACK_URL, &cp) {
            Str::Missing if oauth => self.required(cp.key(OAUTH_CALLBACK_URL), &format!("{OAUTH_CALLBACK_URL:?}")),
            Str::Ok(u) => self.absolute_url(u, cp.key(OAUTH_CALLBACK_URL), false),
            _ => {}
        }

        // `None` when the value is unusable (reported): the checks that depend on it are skipped.
        let enabled: Option<bool> = match conf.get(EVENTS_ENABLED) {
            None | Some(Value::Null) => Some(false),
            Some(v) if is_placeholder(v) => {
                self.placeholder(cp.key(EVENTS_ENABLED));
                None
            }
            Some(v) => match read_bool(v) {
                Some(b) => Some(b),
                None => {
                    self.type_error(cp.key(EVENTS_ENABLED), EVENTS_ENABLED, "true or false", v);
                    None
                }
            },
        };
        let disabled = enabled == Some(false);
        let enabled = enabled == Some(true);
        let polling = match self.string(conf, VENDOR_TYPE, &cp) {
            Str::Ok(t) => match t.trim() {
                "polling" => true,
                "webhooks" => false,
                other => {
                    let mut d = Diagnostic::error(
                        VENDOR_TYPE_CODE,
                        cp.key(VENDOR_TYPE),
                        format!("{VENDOR_TYPE:?} must be \"polling\" or \"webhooks\", not {other:?}"),
                    );
                    if let Some(s) = closest(other, &["polling", "webhooks"]) {
                        d = d.with_hint(format!("did you mean {s:?}?"));
                    }
                    self.push(d);
                    true
                }
            },
            // Missing: the element's default, which for a poller configuration is polling.
            _ => true,
        };
        match self.string(conf, CALLBACK_URL, &cp) {
            Str::Missing if enabled => self.push(
                Diagnostic::error("events.no-callback", cp.key(CALLBACK_URL), "events are enabled but there is no callback url to send them to")
                    .with_hint("set \"event.notification.callback.url\" to your app's https endpoint"),
            ),
            Str::Ok(u) => self.absolute_url(u, cp.key(CALLBACK_URL), true),
            _ => {}
        }
        match conf.get(REFRESH_INTERVAL) {
            None | Some(Value::Null) => {
                if enabled && polling {
                    self.required(cp.key(REFRESH_INTERVAL), "\"event.poller.refresh_interval\" (minutes between polls)");
                }
            }
            Some(v) if is_placeholder(v) => self.placeholder(cp.key(REFRESH_INTERVAL)),
            Some(v) => match read_int(v) {
                Some(n) if n >= 1 => {}
                _ => self.push(
                    Diagnostic::error(
                        "config.refresh-interval",
                        cp.key(REFRESH_INTERVAL),
                        "the refresh interval must be a whole number of minutes, at least 1",
                    )
                    .with_hint("e.g. \"event.poller.refresh_interval\": 15"),
                ),
            },
        }
        for key in [SIGNATURE_KEY, BASIC_USERNAME, BASIC_PASSWORD, INSTANCE_FINDER, SUBSCRIPTION_ID, EVENT_OBJECTS] {
            self.string(conf, key, &cp);
        }
        // An empty key is no key: notifications go out unsigned, with nothing else to say so.
        if conf.get(SIGNATURE_KEY).and_then(Value::as_str).is_some_and(str::is_empty) {
            self.push(
                Diagnostic::warning(
                    "events.signature-key.empty",
                    cp.key(SIGNATURE_KEY),
                    "the signature key is empty: notifications will be sent unsigned",
                )
                .with_hint("set the key your receiver verifies with, or remove the key to send unsigned on purpose"),
            );
        }
        if let Some(v) = conf.get(RAW_ENABLED) {
            if is_placeholder(v) {
                self.placeholder(cp.key(RAW_ENABLED));
            } else if !v.is_null() && read_bool(v).is_none() {
                self.type_error(cp.key(RAW_ENABLED), RAW_ENABLED, "true or false", v);
            }
        }

        // `None` when the value was unusable (and reported).
        let mut counts: Vec<Option<usize>> = Vec::new();
        if let Some(v) = conf.get(POLLER_CONFIGURATION).filter(|v| !v.is_null()) {
            counts.push(self.poller_configuration(v, &cp.key(POLLER_CONFIGURATION)));
        }
        if let Some(v) = conf.get(POLLER_URLS).filter(|v| !v.is_null()) {
            counts.push(self.poller_urls(v, &cp.key(POLLER_URLS)));
        }
        let has_pollers = counts.iter().any(|c| c.is_some_and(|n| n > 0));
        // Nothing to poll: neither key, or only empty ones (`{}`, `""`). Broken values are
        // reported already and not counted as empty.
        if enabled && polling && counts.iter().all(|c| *c == Some(0)) {
            self.push(
                Diagnostic::warning(
                    "events.no-pollers",
                    cp.key(POLLER_CONFIGURATION),
                    "events are enabled but no resource is configured for polling",
                )
                .with_hint("add \"event.poller.configuration\" with a poller per resource, or rely on the element's defaults knowingly"),
            );
        }
        if disabled && has_pollers {
            self.push(
                Diagnostic::new(
                    Severity::Info,
                    "events.disabled",
                    cp.key(EVENTS_ENABLED),
                    "pollers are configured but events are not enabled, so nothing will be polled",
                )
                .with_hint("set \"event.notification.enabled\": true"),
            );
        }
    }

    /// Callback and OAuth urls: absolute http(s); plain http only for local development.
    fn absolute_url(&mut self, u: &str, path: JsonPath, is_event_callback: bool) {
        let t = u.trim();
        let lower = t.to_ascii_lowercase();
        let (secure, rest) = if let Some(r) = lower.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = lower.strip_prefix("http://") {
            (false, r)
        } else {
            self.push(
                Diagnostic::error("config.url.not-absolute", path, format!("{t:?} is not an absolute http(s) url"))
                    .with_hint("write the full url, e.g. https://myapp.example.com/events"),
            );
            return;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit('@').next().unwrap_or("");
        let host = if host_port.starts_with('[') {
            host_port.split(']').next().map(|h| &h[1..]).unwrap_or("")
        } else {
            host_port.split(':').next().unwrap_or("")
        };
        if host.is_empty() || t.chars().any(char::is_whitespace) {
            self.push(Diagnostic::error("config.url.not-absolute", path, format!("{t:?} is not a valid url: it has no host or contains spaces")));
            return;
        }
        let local = host == "localhost" || host.ends_with(".localhost") || host.starts_with("127.") || host == "::1";
        if !secure && !local {
            self.push(
                Diagnostic::warning("config.url.insecure", path.clone(), format!("{t:?} uses plain http: data and signatures travel unencrypted"))
                    .with_hint("use https (plain http is only reasonable for localhost)"),
            );
        }
        if is_event_callback && (host == "api.cloud-elements.com" || host.ends_with(".cloud-elements.com")) {
            self.push(
                Diagnostic::warning("events.callback.self", path, "events would be sent to the Cloud Elements API itself, not to your app")
                    .with_hint("the callback url is where your app receives events, e.g. https://myapp.example.com/events"),
            );
        }
    }

    /// Returns how many pollers are configured, `None` when the value is unusable.
    fn poller_configuration(&mut self, v: &Value, path: &JsonPath) -> Option<usize> {
        if is_placeholder(v) {
            self.placeholder(path.clone());
            return None;
        }
        let pollers = match poller_configuration(v) {
            Ok(m) => m,
            Err(Some(e)) => {
                self.push(
                    Diagnostic::error(
                        "poller.configuration.not-json",
                        path.clone(),
                        format!("the poller configuration string is not JSON (line {}, column {} inside the string): {e}", e.line(), e.column()),
                    )
                    .with_hint("write it as a JSON object, or as a string holding one"),
                );
                return None;
            }
            Err(None) => {
                self.push(Diagnostic::error(
                    "poller.configuration.not-object",
                    path.clone(),
                    format!(
                        "the poller configuration must be an object of resource pollers (or a string holding one), not {}",
                        match v {
                            Value::String(_) => "a string holding something else",
                            other => kind(other),
                        }
                    ),
                ));
                return None;
            }
        };
        for (name, poller) in &pollers {
            self.poller(name, poller, &path.key(name));
        }
        Some(pollers.len())
    }

    fn poller_urls(&mut self, v: &Value, path: &JsonPath) -> Option<usize> {
        if is_placeholder(v) {
            self.placeholder(path.clone());
            return None;
        }
        let Some(urls) = poller_urls(v) else {
            self.type_error(path.clone(), POLLER_URLS, "a pipe-delimited string of urls", v);
            return None;
        };
        for (i, u) in urls.iter().enumerate() {
            let label = format!("url {} of {}", i + 1, urls.len());
            self.relative_url(u, path, &label);
        }
        Some(urls.len())
    }

    /// A hub url relative to the API base, and its template variables.
    fn relative_url(&mut self, u: &str, path: &JsonPath, label: &str) {
        let t = u.trim();
        let lower = t.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") || !t.starts_with('/') {
            self.push(
                Diagnostic::error(
                    "poller.url.not-relative",
                    path.clone(),
                    format!("{label} must be a hub path starting with /, relative to the API base"),
                )
                .with_hint("e.g. /hubs/crm/appointments (without https://api.cloud-elements.com/elements/api-v2)"),
            );
        }
        for is in template::check(u) {
            self.push(Diagnostic {
                severity: is.severity,
                code: is.code,
                path: path.to_string(),
                message: format!("{label}, column {}: {}", is.column + 1, is.message),
                hint: is.hint,
            });
        }
    }

    fn poller(&mut self, name: &str, poller: &Value, p: &JsonPath) {
        let errors = self.errors();
        self.poller_keys(name, poller, p);
        // Detection reads a poller with `ResourcePoller::from_value` only. Whatever it refuses
        // must not validate: if the checks above said nothing, its error is the diagnostic.
        if self.errors() == errors
            && poller.is_object()
            && let Err(e) = ResourcePoller::from_value(name, poller)
        {
            let at = match e.path.as_deref() {
                Some(inner) if !inner.is_empty() => JsonPath::parse(inner).map_or_else(
                    || p.clone(),
                    |segs| {
                        segs.iter().fold(p.clone(), |acc, s| match s {
                            super::path::Segment::Key(k) => acc.key(k),
                            super::path::Segment::Index(i) => acc.index(*i),
                        })
                    },
                ),
                _ => p.clone(),
            };
            let d = Diagnostic::error(e.code, at, e.message);
            self.push(match e.hint {
                Some(h) => d.with_hint(h),
                None => d,
            });
        }
    }

    fn errors(&self) -> usize {
        self.out.iter().filter(|d| d.severity == Severity::Error).count()
    }

    fn poller_keys(&mut self, name: &str, poller: &Value, p: &JsonPath) {
        let Value::Object(m) = poller else {
            self.push(Diagnostic::error(
                "poller.not-object",
                p.clone(),
                format!("the poller for {name:?} must be an object with url, idField and datesConfiguration, not {}", kind(poller)),
            ));
            return;
        };
        let mut known: Vec<&str> = POLLER_KEYS.to_vec();
        known.push(FILTER_BY_UPDATED_DATE_ALIAS);
        self.misspelled_keys(m, &known, p);
        self.placeholders_below_except(m, &known, p);

        let url = self.required_string(m, "url", p);
        if let Some(u) = url {
            self.relative_url(u, &p.key("url"), "the url");
        }
        if let Some(id) = self.required_string(m, "idField", p) {
            self.field_path(id, p.key("idField"));
        }

        // Filters.
        for key in ["filterByUpdatedDate", "filterByCurrentDate", FILTER_BY_UPDATED_DATE_ALIAS] {
            if let Some(v) = m.get(key) {
                if is_placeholder(v) {
                    self.placeholder(p.key(key));
                } else if !v.is_null() && read_bool(v).is_none() {
                    self.type_error(p.key(key), key, "true or false", v);
                }
            }
        }
        if m.contains_key(FILTER_BY_UPDATED_DATE_ALIAS) {
            let message = if m.contains_key("filterByUpdatedDate") {
                "\"filterByUpdateDate\" is ignored because \"filterByUpdatedDate\" is also set"
            } else {
                "\"filterByUpdateDate\" is accepted as \"filterByUpdatedDate\""
            };
            self.push(
                Diagnostic::warning("config.key.alias", p.key(FILTER_BY_UPDATED_DATE_ALIAS), message).with_hint("spell it \"filterByUpdatedDate\""),
            );
        }
        let filter_updated = m.get("filterByUpdatedDate").or_else(|| m.get(FILTER_BY_UPDATED_DATE_ALIAS)).and_then(read_bool).unwrap_or(true);

        // Numbers.
        if let Some(v) = m.get("pageSize").filter(|v| !v.is_null() && !is_placeholder(v)) {
            match read_int(v) {
                Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => {}
                Some(_) => self.push(
                    Diagnostic::error("poller.page-size.range", p.key("pageSize"), format!("pageSize must be between 1 and {MAX_PAGE_SIZE}"))
                        .with_hint(format!("the hub's default is {DEFAULT_PAGE_SIZE}")),
                ),
                None => self.type_error(p.key("pageSize"), "pageSize", "a whole number", v),
            }
        }
        if let Some(v) = m.get("pollDelay").filter(|v| !v.is_null() && !is_placeholder(v)) {
            match read_int(v) {
                Some(n) if n >= 0 => {}
                Some(_) => self.push(Diagnostic::error(
                    "poller.poll-delay.negative",
                    p.key("pollDelay"),
                    "pollDelay is seconds subtracted from the last poll date and cannot be negative",
                )),
                None => self.type_error(p.key("pollDelay"), "pollDelay", "a whole number of seconds", v),
            }
        }
        let dates = m.get("datesConfiguration");
        let inner_tolerance = dates.and_then(|d| d.get("createdCheckTolerance"));
        for (v, path) in [
            (m.get("createdCheckTolerance"), p.key("createdCheckTolerance")),
            (inner_tolerance, p.key("datesConfiguration").key("createdCheckTolerance")),
        ] {
            let Some(v) = v.filter(|v| !v.is_null() && !is_placeholder(v)) else { continue };
            match read_int(v) {
                Some(n) if n >= 0 => {}
                Some(_) => self.push(Diagnostic::error(
                    "poller.created-check-tolerance.negative",
                    path,
                    "createdCheckTolerance is seconds and cannot be negative",
                )),
                None => self.type_error(path, "createdCheckTolerance", "a whole number of seconds", v),
            }
        }
        if m.contains_key("createdCheckTolerance") && inner_tolerance.is_some() {
            self.push(Diagnostic::warning(
                "poller.created-check-tolerance.duplicate",
                p.key("datesConfiguration").key("createdCheckTolerance"),
                "createdCheckTolerance is set both here and on the poller; the poller's value is used",
            ));
        }

        // Dates.
        let dp = p.key("datesConfiguration");
        let (updated_field, created_field) = match dates {
            None | Some(Value::Null) => {
                self.required(dp.clone(), "\"datesConfiguration\" (at least updatedDateField)");
                (None, None)
            }
            Some(Value::Object(d)) => self.dates(d, &dp, filter_updated),
            Some(other) => {
                self.type_error(dp.clone(), "datesConfiguration", "an object", other);
                (None, None)
            }
        };
        if let Some(u) = url {
            let expected = if filter_updated { updated_field } else { created_field.or(updated_field) };
            if let Some(expected) = expected {
                self.where_field(u, expected, filter_updated, p.key("url"));
            }
        }
    }

    /// Returns the updated and created field names when present.
    fn dates<'a>(&mut self, d: &'a Map<String, Value>, dp: &JsonPath, filter_updated: bool) -> (Option<&'a str>, Option<&'a str>) {
        let mut known: Vec<&str> = DATES_KEYS.to_vec();
        known.push("createdCheckTolerance");
        self.misspelled_keys(d, &known, dp);
        self.placeholders_below_except(d, &known, dp);
        let updated = self.required_string(d, "updatedDateField", dp);
        if let Some(f) = updated {
            self.field_path(f, dp.key("updatedDateField"));
        }
        let created = match self.string(d, "createdDateField", dp) {
            Str::Ok(f) => {
                self.field_path(f, dp.key("createdDateField"));
                Some(f)
            }
            Str::Missing if !filter_updated => {
                self.push(
                    Diagnostic::error(
                        "poller.dates.created-required",
                        dp.key("createdDateField"),
                        "filterByUpdatedDate is false, so the created date drives detection, and there is none",
                    )
                    .with_hint("set createdDateField (and its format), or filter by the updated date"),
                );
                None
            }
            Str::Missing => {
                self.push(
                    Diagnostic::new(
                        Severity::Info,
                        "poller.dates.no-created-field",
                        dp.key("createdDateField"),
                        "without a created-date field every event is reported as UPDATED",
                    )
                    .with_hint("set createdDateField (and its format) to tell CREATED from UPDATED"),
                );
                None
            }
            Str::Bad => None,
        };
        for which in ["updated", "created"] {
            let zone = match self.string(d, &format!("{which}DateTimezone"), dp) {
                Str::Ok(z) => {
                    if let Err(e) = Zone::parse(z) {
                        let mut diag = Diagnostic::error(e.code, dp.key(&format!("{which}DateTimezone")), e.message);
                        diag.hint = e.hint;
                        self.push(diag);
                    }
                    Some(z)
                }
                Str::Missing => Some(DEFAULT_ZONE),
                Str::Bad => None,
            };
            let fkey = format!("{which}DateFormat");
            if let Str::Ok(f) = self.string(d, &fkey, dp) {
                let fp = dp.key(&fkey);
                match DateFormat::compile(f) {
                    Err(e) => {
                        let msg = match e.column {
                            Some(c) => format!("{} (column {})", e.message, c + 1),
                            None => e.message,
                        };
                        let mut diag = Diagnostic::error(e.code, fp, msg);
                        diag.hint = e.hint;
                        self.push(diag);
                    }
                    Ok(_) => {
                        for mut diag in datefmt::lint(f, zone) {
                            diag.path = fp.to_string();
                            self.push(diag);
                        }
                    }
                }
            }
        }
        (updated, created)
    }

    /// Field paths, in the one grammar detection reads ([`FieldPath`]).
    fn field_path(&mut self, f: &str, path: JsonPath) {
        if let Err(e) = FieldPath::parse(f) {
            let at = e.column.map_or(String::new(), |c| format!(" (at column {})", c + 1));
            self.push(
                Diagnostic::error("poller.field-path.malformed", path, format!("{}{at}", e.message))
                    .with_hint("write a path to the field in a record: id, user.id, email_addresses[0].email, or ['a.b'] for a name with a dot"),
            );
        }
    }

    /// A CEQL where clause should compare the field the poller watches with the date variable.
    fn where_field(&mut self, url: &str, expected: &str, filter_updated: bool, path: JsonPath) {
        let Some(query) = url.split_once('?').map(|(_, q)| q) else { return };
        for param in query.split('&') {
            let Some((k, val)) = param.split_once('=') else { continue };
            if !k.eq_ignore_ascii_case("where") {
                continue;
            }
            let clause = crate::http::decode_component(val);
            let compared = compared_fields(&clause);
            if compared.is_empty() {
                continue;
            }
            let leaf = |s: &str| s.rsplit(['.', '/']).next().unwrap_or(s).to_ascii_lowercase();
            // Provider filters such as `since='${date:...}'` name no record field: nothing to compare.
            let pseudo = |c: &String| {
                let l = leaf(c);
                l.contains("since") || ["from", "after", "start", "starttime", "start_time"].contains(&l.as_str())
            };
            if compared.iter().all(pseudo) {
                continue;
            }
            if !compared.iter().any(|c| leaf(c) == leaf(expected)) {
                let role = if filter_updated { "updatedDateField" } else { "createdDateField (filterByUpdatedDate is false)" };
                self.push(
                    Diagnostic::warning(
                        "poller.url.where-field",
                        path.clone(),
                        format!("the where clause filters on {} but the poller compares {expected:?} ({role})", compared.join(", ")),
                    )
                    .with_hint("filter on the same field the poller reads, or records can be missed or repeated"),
                );
            }
        }
    }
}

const VENDOR_TYPE_CODE: &str = "events.vendor-type";

/// The fields compared with a `${...}` variable in a CEQL clause: `field OP '${...}'`.
fn compared_fields(clause: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (pos, _) in clause.match_indices("${") {
        let before = clause[..pos].trim_end_matches(['\'', '"']).trim_end();
        let ops = [">=", "<=", "!=", "<>", "=", ">", "<"];
        let Some(op) = ops.iter().find(|o| before.ends_with(*o)) else {
            let lower = before.to_ascii_lowercase();
            if !lower.ends_with(" like") {
                continue;
            }
            let f = field_before(&before[..before.len() - 5]);
            if !f.is_empty() {
                out.push(f);
            }
            continue;
        };
        let f = field_before(&before[..before.len() - op.len()]);
        if !f.is_empty() {
            out.push(f);
        }
    }
    out
}

fn field_before(s: &str) -> String {
    let s = s.trim_end().trim_end_matches(['`', '"']);
    let start = s
        // Any non-ASCII character counts as a letter: no Unicode tables in the wasm for this.
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || !c.is_ascii() || c == '_' || c == '.' || c == '$'))
        .map_or(0, |i| i + s[i..].chars().next().map_or(1, char::len_utf8));
    s[start..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths() {
        for ok in ["id", "user.id", "a[0].b", "properties.lastmodifieddate", "_info.lastUpdated", "a[1][2]"] {
            assert!(FieldPath::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".a", "a.", "a..b", "a b", "a[", "a[x]", "a]", "[0]", "a[0]b"] {
            assert!(FieldPath::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn where_fields() {
        assert_eq!(compared_fields("LastModifiedDate>'${gmtDate:yyyy}'"), vec!["LastModifiedDate"]);
        assert_eq!(compared_fields("a = 1 and b.c >= ${epoch}"), vec!["b.c"]);
        assert_eq!(compared_fields("x like '${date}'"), vec!["x"]);
        assert!(compared_fields("since=${date}").len() == 1);
    }
}
