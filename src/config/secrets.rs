//! Which values of a body are secrets, and the body without them: what the cURL renderer masks
//! and what the console keeps out of `localStorage`. One rule for both.
//!
//! A value is secret when its key is one of [`SECRET_KEYS`], however it is cased or slightly
//! misspelled (`OAuth.API.Secret`, `oauth.api.secert`), or names a secret (`secret`,
//! `password`, `token`); whatever its JSON type (a number, an object, an array). Every value
//! of `event.notification.callback.headers` is secret (they carry the receiver's
//! credentials), and so is the userinfo of any url (`https://user:pass@host`). Strings that
//! hold JSON (a `configuration` written as a JSON string) are read and redacted inside.

use super::model::{CALLBACK_HEADERS, SECRET_KEYS, is_placeholder};
use crate::diag::closest;
use serde_json::Value;

/// What a masked secret shows.
pub const MASK: &str = "********";

/// What to do with a secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Redaction {
    /// Replace it with [`MASK`] (placeholders and empty values stay, to show what is missing).
    Mask,
    /// Leave it out: the key is removed, a url loses its userinfo.
    Remove,
}

/// True for a key whose value is a secret (see the module docs).
pub fn is_secret_key(key: &str) -> bool {
    if SECRET_KEYS.contains(&key) || closest(key, &SECRET_KEYS).is_some() {
        return true;
    }
    let k: String = key.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    ["secret", "password", "passwd", "token", "signaturekey", "apikeysecret", "credential"].iter().any(|w| k.contains(w))
}

/// `body` with every secret masked or removed; `providerData.code` (the OAuth grant) too.
pub fn redact(body: &Value, how: Redaction) -> Value {
    let mut b = body.clone();
    walk(&mut b, how);
    if let Some(p) = b.get_mut("providerData").and_then(Value::as_object_mut) {
        match how {
            Redaction::Mask => {
                if let Some(code) = p.get_mut("code") {
                    mask(code);
                }
            }
            Redaction::Remove => {
                p.remove("code");
            }
        }
    }
    b
}

fn walk(v: &mut Value, how: Redaction) {
    match v {
        Value::Object(m) => {
            if how == Redaction::Remove {
                m.retain(|k, x| !is_secret_key(k) || is_blank(x));
            }
            for (k, x) in m.iter_mut() {
                if is_secret_key(k) {
                    mask(x);
                } else if k.eq_ignore_ascii_case(CALLBACK_HEADERS) {
                    headers(x, how);
                } else {
                    walk(x, how);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, how)),
        Value::String(s) => {
            if let Some(inner) = embedded(s, |inner| walk(inner, how)) {
                *s = inner;
            } else if let Some(u) = without_userinfo(s, how) {
                *s = u;
            }
        }
        _ => {}
    }
}

/// The callback headers (an object, or one written as a JSON string): every value is secret.
fn headers(v: &mut Value, how: Redaction) {
    let each = |m: &mut serde_json::Map<String, Value>| match how {
        Redaction::Mask => m.values_mut().for_each(mask),
        Redaction::Remove => m.clear(),
    };
    match v {
        Value::Object(m) => each(m),
        Value::String(s) => {
            let redacted = embedded(s, |inner| match inner {
                Value::Object(m) => each(m),
                other => mask(other),
            });
            match redacted {
                Some(r) => *s = r,
                None => mask(v),
            }
        }
        other => mask(other),
    }
}

/// Null, an empty string or a `<placeholder>`: nothing to hide, and showing it says what is missing.
fn is_blank(v: &Value) -> bool {
    v.is_null() || v.as_str().is_some_and(|s| s.trim().is_empty()) || is_placeholder(v)
}

fn mask(v: &mut Value) {
    if !is_blank(v) {
        *v = Value::String(MASK.to_owned());
    }
}

/// A string holding a JSON object or array, redacted by `f` and written back (compact), or
/// None when it holds no such JSON or nothing in it changed (the user's text stays as written).
fn embedded(s: &str, f: impl FnOnce(&mut Value)) -> Option<String> {
    let t = s.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let mut inner: Value = serde_json::from_str(s).ok()?;
    let before = inner.clone();
    f(&mut inner);
    (inner != before).then(|| serde_json::to_string(&inner).unwrap_or_default())
}

/// `scheme://user:pass@host...` with its userinfo masked (or removed); None when it has none.
fn without_userinfo(s: &str, how: Redaction) -> Option<String> {
    let (scheme, rest) = s.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    let host_and_rest = &rest[at + 1..];
    Some(match how {
        Redaction::Mask => format!("{scheme}://{MASK}@{host_and_rest}"),
        Redaction::Remove => format!("{scheme}://{host_and_rest}"),
    })
}

/// A url with any userinfo masked: for messages and logs that show where a request went.
pub fn url_for_display(url: &str) -> String {
    without_userinfo(url, Redaction::Mask).unwrap_or_else(|| url.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_keys_in_any_case_or_slightly_misspelled() {
        for k in [
            "oauth.api.secret",
            "OAuth.API.Secret",
            "oauth.api.secert",
            "oauth.api.secrets",
            "event.notification.signature.Key",
            "event.notification.signatur.key",
            "EVENT.NOTIFICATION.BASIC.PASSWORD",
            "apiToken",
            "client_secret",
            "refresh_token",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "oauth.api.key",
            "oauth.callback.url",
            "event.notification.callback.url",
            "name",
            "event.poller.configuration",
            "event.notification.basic.username",
            "code",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn masks_every_type_headers_userinfo_and_json_strings() {
        let body = json!({
            "providerData": {"code": "grant-1"},
            "configuration": {
                "oauth.api.secret": {"value": "s-obj"},
                "event.notification.signature.key": 12345,
                "event.notification.basic.password": ["p-arr"],
                "OAuth.Api.Secret": "s-case",
                "event.notification.callback.headers": {"Authorization": "Bearer h-1", "X-Key": "h-2"},
                "event.notification.callback.url": "https://u-1:p-1@hooks.example.com/in?x=1",
                "oauth.api.key": "visible-key",
                "empty": {"password": ""},
            }
        });
        let text = redact(&body, Redaction::Mask).to_string();
        for s in ["grant-1", "s-obj", "12345", "p-arr", "s-case", "h-1", "h-2", "u-1", "p-1"] {
            assert!(!text.contains(s), "{s} in {text}");
        }
        assert!(text.contains("visible-key") && text.contains("hooks.example.com/in?x=1") && text.contains(r#""password":"""#), "{text}");

        let as_string = json!({"configuration": body["configuration"].to_string()});
        let text = redact(&as_string, Redaction::Mask).to_string();
        for s in ["s-obj", "12345", "h-1", "p-1"] {
            assert!(!text.contains(s), "{s} in {text}");
        }
        let removed = redact(&as_string, Redaction::Remove).to_string();
        for s in ["s-obj", "12345", "h-1", "p-1", "u-1", MASK] {
            assert!(!removed.contains(s), "{s} in {removed}");
        }
        assert!(removed.contains("visible-key") && removed.contains("https://hooks.example.com/in"), "{removed}");
    }

    #[test]
    fn placeholders_and_plain_strings_stay() {
        let body = json!({"configuration": {"oauth.api.secret": "<OAUTH_SECRET>", "note": "a {b} c", "url": "https://host/a@b"}});
        assert_eq!(redact(&body, Redaction::Mask), body);
        assert_eq!(url_for_display("https://host/path@x"), "https://host/path@x");
        assert_eq!(url_for_display("https://a:b@host/p"), "https://********@host/p");
    }
}
