//! The body as a cURL command (the seed's form) and as a fetch-ready request.

use super::path::JsonPath;
use super::secrets::{Redaction, redact};
use crate::diag::Error;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The Cloud Elements API base the seed uses.
pub const DEFAULT_BASE_URL: &str = "https://api.cloud-elements.com/elements/api-v2";
pub use super::secrets::MASK;

/// Options of [`render_curl`] and [`instance_request`] (camelCase in JSON).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RenderOptions {
    /// Default [`DEFAULT_BASE_URL`]; a trailing `/` is ignored.
    pub base_url: Option<String>,
    /// The `User` secret of the `Authorization` header (masked in cURL unless `reveal`).
    pub user_secret: Option<String>,
    /// The `Organization` secret of the `Authorization` header (masked likewise).
    pub organization_secret: Option<String>,
    /// cURL only: show secrets instead of [`MASK`].
    pub reveal: bool,
}

/// `{method, url, headers, body}`: pass to `fetch(url, {method, headers, body})`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceRequest {
    /// Always `POST`: the platform creates an instance from this body.
    pub method: String,
    /// `{base_url}/instances`.
    pub url: String,
    /// Lower-case header names.
    pub headers: BTreeMap<String, String>,
    /// The body as compact JSON text.
    pub body: String,
}

fn instances_url(opts: &RenderOptions) -> String {
    let base = opts.base_url.as_deref().map(str::trim).filter(|b| !b.is_empty()).unwrap_or(DEFAULT_BASE_URL);
    format!("{}/instances", base.trim_end_matches('/'))
}

/// The JSON paths of the values of `body` that masking hides, for tools that show a body's
/// source text (the CLI's excerpts): what the cURL form masks, they mask too. A secret inside a
/// JSON-encoded string (a `configuration` written as a string) gives the path of that string.
pub fn secret_paths(body: &Value) -> Vec<String> {
    fn diff(a: &Value, b: &Value, at: JsonPath, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, v) in x {
                    match y.get(k) {
                        Some(w) => diff(v, w, at.key(k), out),
                        None => out.push(at.key(k).as_str().to_owned()),
                    }
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (v, w)) in x.iter().zip(y).enumerate() {
                    diff(v, w, at.index(i), out);
                }
            }
            _ if a != b => out.push(at.as_str().to_owned()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    diff(body, &redact(body, Redaction::Mask), JsonPath::root(), &mut out);
    out
}

/// Quotes `s` for a POSIX shell: `'...'`, with each `'` written `'\''`. (The seed's own
/// example forgets this, so its `'T'` and `'Z'` end the quoted body early.)
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A url as the seed writes it (bare) when no character in it means anything to a shell.
fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~:/%+,@=".contains(c)) { s.to_owned() } else { shell_quote(s) }
}

/// The `POST /instances` call as a cURL command in the seed's layout. Secrets in the
/// `authorization` header and in the body are masked unless `opts.reveal`; a secret not given
/// shows the seed's `<USER_SECRET>` / `<ORGANIZATION_SECRET>` placeholder.
pub fn render_curl(body: &Value, opts: &RenderOptions) -> String {
    let secret = |s: &Option<String>, placeholder: &str| match s {
        Some(s) if opts.reveal => s.clone(),
        Some(_) => MASK.to_owned(),
        None => placeholder.to_owned(),
    };
    let auth = format!(
        "authorization: User {}, Organization {}",
        secret(&opts.user_secret, "<USER_SECRET>"),
        secret(&opts.organization_secret, "<ORGANIZATION_SECRET>")
    );
    let shown = if opts.reveal { body.clone() } else { redact(body, Redaction::Mask) };
    let json = serde_json::to_string_pretty(&shown).unwrap_or_default();
    format!(
        "curl -X POST \\\n{} \\\n-H {} \\\n-H 'content-type: application/json' \\\n-d {}",
        shell_word(&instances_url(opts)),
        shell_quote(&auth),
        shell_quote(&json)
    )
}

/// The `POST /instances` call, ready for `fetch`. Needs both secrets (`request.secret-missing`).
pub fn instance_request(body: &Value, opts: &RenderOptions) -> Result<InstanceRequest, Error> {
    let need = |s: &Option<String>, which: &str| {
        s.clone().filter(|s| !s.trim().is_empty()).ok_or_else(|| {
            Error::new("request.secret-missing", format!("the {which} secret is needed for the authorization header"))
                .with_hint("pass userSecret and organizationSecret")
        })
    };
    let user = need(&opts.user_secret, "user")?;
    let org = need(&opts.organization_secret, "organization")?;
    let mut headers = BTreeMap::new();
    headers.insert("authorization".to_owned(), format!("User {user}, Organization {org}"));
    headers.insert("content-type".to_owned(), "application/json".to_owned());
    Ok(InstanceRequest { method: "POST".to_owned(), url: instances_url(opts), headers, body: serde_json::to_string(body).unwrap_or_default() })
}

#[cfg(test)]
mod secret_path_tests {
    use super::*;

    /// Every value masking hides is at one of `secret_paths`, and nothing else is.
    #[test]
    fn secret_paths_are_what_masking_hides() {
        let body = serde_json::json!({
            "providerData": {"code": "c0de"},
            "configuration": {"oauth.api.key": "k", "oauth.api.secret": "s3cret", "event.notification.signature.key": "sig", "event.notification.basic.password": "pw"},
        });
        let shown = redact(&body, Redaction::Mask);
        let text = serde_json::to_string(&shown).unwrap();
        let paths = secret_paths(&body);
        assert_eq!(paths.len(), 4);
        for path in &paths {
            let (line, column) = crate::config::locate(&text, path).unwrap_or_else(|| panic!("{path} is in the body"));
            assert_eq!(line, 1);
            assert!(text[column - 1..].starts_with(&format!("\"{MASK}\"")), "{path} is masked");
        }
        assert_eq!(text.matches(MASK).count(), 4, "nothing else is masked");
        assert!(paths.contains(&r#"configuration["oauth.api.secret"]"#.to_owned()));
        assert!(paths.contains(&"providerData.code".to_owned()));
    }

    #[test]
    fn placeholders_and_empty_values_are_not_secrets() {
        let body = serde_json::json!({"providerData": {"code": "<AUTHORIZATION_GRANT_CODE>"}, "configuration": {"oauth.api.secret": " "}});
        assert!(secret_paths(&body).is_empty());
    }
}
