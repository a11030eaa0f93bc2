//! The body as a cURL command (the seed's form) and as a fetch-ready request.

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
    pub user_secret: Option<String>,
    pub organization_secret: Option<String>,
    /// cURL only: show secrets instead of [`MASK`].
    pub reveal: bool,
}

/// `{method, url, headers, body}`: pass to `fetch(url, {method, headers, body})`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceRequest {
    pub method: String,
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
