//! What a body says about the instance as a whole, for the hosts that poll it: which resources
//! it polls, how often, and who it is (what its eventIds are hashed from and what its keys in
//! a store start with). One rule each, so the JS layer and the events service never re-implement one.

use serde::Serialize;
use serde_json::{Map, Value};

use super::build::DEFAULT_REFRESH_MINUTES;
use super::model::{Api, OAUTH_API_KEY, POLLER_API, POLLER_CONFIGURATION, REFRESH_INTERVAL, poller_configuration, read_int};
use crate::diag::Error;

/// The resource pollers of a body as hosts hand them to a cycle: each entry of
/// `event.poller.configuration` (an object, or an object written as a JSON string) in the order
/// written, with its key as `name` (over any `name` inside). An entry that is not an object
/// stays a bare `{name}`, so the cycle that polls it says what is wrong with it; one bad poller
/// never hides the others. No poller configuration: none.
pub fn poller_entries(body: &Map<String, Value>) -> Result<Vec<Map<String, Value>>, Error> {
    let Some(pc) = body.get("configuration").and_then(Value::as_object).and_then(|c| c.get(POLLER_CONFIGURATION)) else {
        return Ok(Vec::new());
    };
    if pc.is_null() {
        return Ok(Vec::new());
    }
    let map = poller_configuration(pc).map_err(|_| {
        Error::new("poller.configuration.not-object", "the poller configuration must be an object of resource pollers")
            .at_path(format!("configuration[\"{POLLER_CONFIGURATION}\"]"))
    })?;
    Ok(map
        .into_iter()
        .map(|(name, v)| {
            let mut m = match v {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            m.insert("name".to_owned(), Value::String(name));
            m
        })
        .collect())
}

/// Milliseconds between the end of one poll and the start of the next:
/// `event.poller.refresh_interval` minutes when it is a whole number ≥ 1 (what validation
/// accepts), else the default of 15.
pub fn refresh_interval_ms(body: &Map<String, Value>) -> u64 {
    let minutes = body.get("configuration").and_then(Value::as_object).and_then(|c| c.get(REFRESH_INTERVAL)).and_then(read_int);
    // At most a year: a larger number is no schedule a timer can keep.
    let minutes = minutes.filter(|&m| m >= 1).unwrap_or(DEFAULT_REFRESH_MINUTES).min(525_600);
    minutes as u64 * 60_000
}

/// Which API an instance polls: `event.poller.api`, `hub` when it is absent or null. The one
/// reader of the key: validation reports its refusal at the key's path, and a cycle never
/// guesses (polling a hub with a Keap token, or Keap with hub secrets, fails in a worse way).
pub fn poller_api(body: &Map<String, Value>) -> Result<Api, Error> {
    let path = format!("configuration[\"{POLLER_API}\"]");
    match body.get("configuration").and_then(Value::as_object).and_then(|c| c.get(POLLER_API)) {
        None | Some(Value::Null) => Ok(Api::Hub),
        Some(Value::String(s)) => Api::parse(s).ok_or_else(|| {
            let hint = match crate::diag::closest(s.trim(), &Api::NAMES) {
                Some(c) => format!("did you mean {c:?}?"),
                None => "\"hub\" polls a Cloud Elements hub; \"direct\" polls Keap REST v1 itself (element infusionsoftrest)".to_owned(),
            };
            Error::new("config.poller-api", format!("{POLLER_API:?} must be \"hub\" or \"direct\", not {s:?}")).at_path(path.clone()).with_hint(hint)
        }),
        Some(v) => Err(Error::new("config.poller-api", format!("{POLLER_API:?} must be the string \"hub\" or \"direct\", not {v}"))
            .at_path(path)
            .with_hint("e.g. \"event.poller.api\": \"direct\"")),
    }
}

/// An instance's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// `element.key` of the body.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element_key: Option<String>,
    /// What eventIds are hashed with and store keys start with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
}

/// Where an instance runs, when the host knows it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Whereabouts<'a> {
    /// The caller's own id for the instance (e.g. the platform's): used as it is.
    pub id: Option<&'a str>,
    /// The hub's base url.
    pub base_url: Option<&'a str>,
    /// The instance's Element token.
    pub element_token: Option<&'a str>,
}

/// The identity rule: `id` when the caller gives one. Otherwise the body's `name` (else its
/// element key) and a fingerprint (`name~<16 hex digits>`) of what makes this instance one
/// instance, so that two instances sharing a name never share state or eventIds:
/// - a hub instance: the hub and its Element token, when the host knows them (the platform made
///   one Element token per instance);
/// - a direct instance (`event.poller.api: "direct"`): its OAuth app (`oauth.api.key`) and the
///   authorization it was created with (`providerData.code`), when the body has either. It holds
///   no Element token, and one OAuth app authorizes many Keap accounts: the grant code is the one
///   value that differs per authorization. Both come from the body, so `OAuthTokens.fromInstance`
///   and the Poller reach the same identity without knowing each other. A body with a new grant
///   code is a new instance (a new baseline); a host that re-authorizes an instance and keeps
///   its state gives `id` (or calls `OAuthTokens.authorize(code)`, which keeps the body).
///
/// Neither the token nor the code appears in the identity (FNV-1a 64 of a long random value
/// gives nothing of it away). Hub identities are what they were before direct instances existed:
/// eventIds are a contract.
pub fn instance_identity(body: Option<&Map<String, Value>>, at: &Whereabouts<'_>) -> Identity {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    let element_key = text(body.and_then(|b| b.get("element")).and_then(|e| e.get("key")));
    if let Some(id) = at.id {
        return Identity { element_key, instance_id: Some(id.to_owned()) };
    }
    let name = text(body.and_then(|b| b.get("name"))).or_else(|| element_key.clone());
    let named = |print: u64| Some(format!("{}~{print:016x}", name.as_deref().unwrap_or("instance")));
    if let Some(b) = body.filter(|b| matches!(poller_api(b), Ok(Api::Direct))) {
        let client_id = text(b.get("configuration").and_then(|c| c.get(OAUTH_API_KEY)));
        let code = text(b.get("providerData").and_then(|p| p.get("code")));
        if client_id.is_none() && code.is_none() {
            return Identity { element_key, instance_id: name };
        }
        // "direct" first: no hub's fingerprint can be a direct instance's.
        let parts = ["direct", element_key.as_deref().unwrap_or(""), client_id.as_deref().unwrap_or(""), code.as_deref().unwrap_or("")];
        return Identity { instance_id: named(fnv1a64(&parts.join("\x1f"))), element_key };
    }
    let (Some(base_url), Some(token)) = (at.base_url, at.element_token) else {
        return Identity { element_key, instance_id: name };
    };
    let print = fnv1a64(&[element_key.as_deref().unwrap_or(""), base_url.trim_end_matches('/'), token].join("\x1f"));
    Identity { instance_id: named(print), element_key }
}

/// FNV-1a, 64 bits: short and stable across releases (store keys are made of it).
fn fnv1a64(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn pollers_in_the_order_written_named_by_their_key() {
        let b = body(json!({"configuration": {POLLER_CONFIGURATION: {"b": {"url": "/b", "name": "ignored"}, "a": {"url": "/a"}, "c": 5}}}));
        let names: Vec<Value> = poller_entries(&b).unwrap().into_iter().map(Value::Object).collect();
        assert_eq!(names, [json!({"url": "/b", "name": "b"}), json!({"url": "/a", "name": "a"}), json!({"name": "c"})]);
        let s = body(json!({"configuration": {POLLER_CONFIGURATION: "{\"x\": {\"url\": \"/x\"}}"}}));
        assert_eq!(Value::Object(poller_entries(&s).unwrap().remove(0)), json!({"url": "/x", "name": "x"}));
        assert!(poller_entries(&body(json!({}))).unwrap().is_empty());
        assert!(poller_entries(&body(json!({"configuration": {POLLER_CONFIGURATION: null}}))).unwrap().is_empty());
        let e = poller_entries(&body(json!({"configuration": {POLLER_CONFIGURATION: [1]}}))).unwrap_err();
        assert_eq!(e.code, "poller.configuration.not-object");
    }

    #[test]
    fn the_refresh_interval_is_whole_minutes_else_15() {
        let at = |v: Value| refresh_interval_ms(&body(json!({"configuration": {REFRESH_INTERVAL: v}})));
        assert_eq!(at(json!(5)), 300_000);
        assert_eq!(at(json!("30")), 1_800_000);
        for bad in [json!(0), json!(-1), json!("soon"), json!(2.5), json!(null), json!({})] {
            assert_eq!(at(bad.clone()), 900_000, "{bad}");
        }
        assert_eq!(refresh_interval_ms(&body(json!({}))), 900_000);
        assert_eq!(at(json!(1e15)), 525_600 * 60_000);
    }

    #[test]
    fn identity_is_the_id_else_the_name_with_a_fingerprint_of_hub_and_token() {
        let b = body(json!({"name": "crm", "element": {"key": "infusionsoftrest"}}));
        let plain = instance_identity(Some(&b), &Whereabouts::default());
        assert_eq!((plain.element_key.as_deref(), plain.instance_id.as_deref()), (Some("infusionsoftrest"), Some("crm")));
        let given = instance_identity(Some(&b), &Whereabouts { id: Some("42"), base_url: Some("https://hub"), element_token: Some("t") });
        assert_eq!(given.instance_id.as_deref(), Some("42"));
        let at = |base_url, token| {
            instance_identity(Some(&b), &Whereabouts { id: None, base_url: Some(base_url), element_token: Some(token) }).instance_id.unwrap()
        };
        // The values the JS rule (pkg/src/identity.js) computed before it moved here: store keys must not change.
        assert_eq!(at("https://hub", "token-1"), "crm~c660017fa79e427d");
        let accented = body(json!({"name": "é ünïcode", "element": {"key": "k"}}));
        let w = Whereabouts { id: None, base_url: Some("https://x.example/api"), element_token: Some("tök") };
        assert_eq!(instance_identity(Some(&accented), &w).instance_id.as_deref(), Some("é ünïcode~57a78cab4025e212"));
        assert_eq!(at("https://hub/", "token-1"), at("https://hub", "token-1"), "a trailing slash is the same hub");
        assert_ne!(at("https://hub", "token-2"), at("https://hub", "token-1"));
        assert!(!at("https://hub", "secret-token").contains("secret-token"));
        let unnamed = instance_identity(None, &Whereabouts { id: None, base_url: Some("https://x"), element_token: Some("t") });
        assert_eq!(unnamed.instance_id.as_deref(), Some("instance~a6dab559bd239b7c"));
        let key_only = body(json!({"element": {"key": "hub"}}));
        assert_eq!(instance_identity(Some(&key_only), &Whereabouts::default()).instance_id.as_deref(), Some("hub"));
    }

    #[test]
    fn a_direct_identity_is_the_name_with_a_fingerprint_of_the_oauth_app_and_the_grant_code() {
        let direct = |key: Value, code: Value| {
            body(json!({"name": "crm", "element": {"key": "infusionsoftrest"}, "providerData": {"code": code},
                "configuration": {POLLER_API: "direct", OAUTH_API_KEY: key}}))
        };
        let id = |b: &Map<String, Value>, at: &Whereabouts<'_>| instance_identity(Some(b), at).instance_id.unwrap();
        let none = Whereabouts::default();
        let a = id(&direct(json!("app"), json!("code-a")), &none);
        // Pinned (FNV-1a 64 of "direct␟infusionsoftrest␟app␟code-a", checked by hand): store keys and eventIds are made of it.
        assert_eq!(a, "crm~5b4f4e9a7baa086a");
        assert_ne!(a, id(&direct(json!("app"), json!("code-b")), &none), "one app, two authorizations: two instances");
        assert_ne!(a, id(&direct(json!("other-app"), json!("code-a")), &none));
        assert!(!a.contains("code-a") && !a.contains("app~"));
        // The host's whereabouts do not change it: OAuthTokens (no base url) and the Poller agree.
        let hub_like = Whereabouts { id: None, base_url: Some("https://api.infusionsoft.com/crm/rest"), element_token: Some("t") };
        assert_eq!(id(&direct(json!("app"), json!("code-a")), &hub_like), a);
        assert_eq!(id(&direct(json!("app"), json!("code-a")), &Whereabouts { id: Some("7"), ..hub_like }), "7");
        // Nothing per authorization in the body: the name alone, as a hub instance without whereabouts.
        assert_eq!(id(&direct(Value::Null, Value::Null), &none), "crm");
        assert_ne!(id(&direct(json!("app"), Value::Null), &none), "crm");
        // The same body polling a hub keeps the hub's rule: eventIds of hub instances never change.
        let mut hub = direct(json!("app"), json!("code-a"));
        hub["configuration"].as_object_mut().unwrap().remove(POLLER_API);
        assert_eq!(id(&hub, &none), "crm");
        let w = Whereabouts { id: None, base_url: Some("https://hub"), element_token: Some("token-1") };
        assert_eq!(id(&hub, &w), "crm~c660017fa79e427d");
    }

    #[test]
    fn the_poller_api_is_hub_unless_it_says_direct() {
        let at = |v: Value| poller_api(&body(json!({"configuration": {POLLER_API: v}})));
        assert_eq!(poller_api(&body(json!({}))).unwrap(), Api::Hub);
        assert_eq!(at(json!(null)).unwrap(), Api::Hub);
        assert_eq!(at(json!("hub")).unwrap(), Api::Hub);
        assert_eq!(at(json!(" direct ")).unwrap(), Api::Direct);
        assert_eq!(at(json!("Direct")).unwrap_err().hint.as_deref(), Some("did you mean \"direct\"?"));
        let e = at(json!("drect")).unwrap_err();
        assert_eq!(
            (e.code, e.path.as_deref(), e.hint.as_deref()),
            ("config.poller-api", Some("configuration[\"event.poller.api\"]"), Some("did you mean \"direct\"?"))
        );
        let e = at(json!(true)).unwrap_err();
        assert_eq!(e.code, "config.poller-api");
        assert!(e.hint.is_some());
    }

    #[test]
    fn fnv1a64_is_the_reference_function() {
        // Reference values of FNV-1a 64 (the published test vectors).
        assert_eq!(fnv1a64(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64("foobar"), 0x8594_4171_f739_67e8);
    }
}
