//! Keap REST v1 itself (`infusionsoftrest` with `event.poller.api: "direct"`).
//!
//! Keap lists with offset/limit and puts an absolute `next` link in the envelope
//! (`{"contacts": [...], "count": n, "next": "https://…/v1/contacts/?limit=…&offset=…"}`).
//! Two quirks shape the paging (see `reference/keap-rest-v1-facts.md` §1):
//! - the link drops query parameters of the first request (`optional_properties` always;
//!   the others are re-added too should a build drop them), so they are put back;
//! - `next` is there on the last page too, so the listing ends on an empty or short page.
//!
//! The host adds `Authorization: Bearer <access token>`; the core never holds the token. A 401
//! asks the host for a new token once (rotation and expiry are the host's), then fails.

use super::Refusal;
use crate::diag::Error;
use crate::http;

/// Keap's page size when a request names none (observed: the spec gives no default and no
/// maximum). Larger pages are not asked for: a page Keap cut at its own maximum would look
/// short and end the listing early.
pub const MAX_LIMIT: u32 = 1000;

/// The query parameters of the first request that every next page must carry too.
const KEPT: [&str; 4] = ["optional_properties", "since", "until", "limit"];

/// A Keap listing, positioned at a page.
#[derive(Debug)]
pub struct Direct {
    first: String,
    url: String,
}

impl Direct {
    /// The listing at `url` (absolute, its first page), with `limit` from `page_size` (at
    /// most [`MAX_LIMIT`]) unless the url names one.
    pub fn new(url: String, page_size: u32) -> Direct {
        let first = if query(&url).any(|(n, _)| n == "limit") { url } else { with_param(&url, &format!("limit={}", page_size.clamp(1, MAX_LIMIT))) };
        Direct { url: first.clone(), first }
    }

    /// The current page's request: no `Authorization` (the host adds its bearer token).
    pub fn request(&self) -> http::Request {
        http::Request { method: "GET".into(), url: self.url.clone(), headers: vec![("Accept".to_owned(), "application/json".to_owned())], body: None }
    }

    /// After a page of `records` records with the envelope's `next`: to the next page, or
    /// `false` when this page was empty or short (fewer records than the `limit` asked for),
    /// whatever `next` says.
    pub fn advance(&mut self, next: Option<String>, records: usize) -> Result<bool, Error> {
        let limit = query(&self.url).find(|(n, _)| *n == "limit").and_then(|(_, v)| v.parse::<usize>().ok()).filter(|&l| l > 0);
        if records == 0 || records < limit.unwrap_or(MAX_LIMIT as usize) {
            return Ok(false);
        }
        let Some(next) = next else { return Ok(false) };
        // The host sends its bearer token wherever the core asks: never to another origin.
        if !same_origin(&next, &self.first) {
            return Err(Error::new(
                "cycle.next-link",
                format!(
                    "Keap's next-page link points at {}, not at {} where the listing started; it is not followed",
                    origin(&next).unwrap_or("a relative url"),
                    origin(&self.first).unwrap_or("a relative url")
                ),
            )
            .with_hint("set baseUrl to the origin Keap's links name (https://api.infusionsoft.com/crm/rest)"));
        }
        let next = restore(&next, &self.first);
        if next == self.url {
            return Err(Error::new("cycle.paging-loop", "Keap's next-page link names the page just read"));
        }
        self.url = next;
        Ok(true)
    }

    /// Back to the first page.
    pub fn restart(&mut self) {
        self.url = self.first.clone();
    }

    /// The request for one record by id (`GET /v1/contacts/{id}`; a `…/search` list's
    /// records are at the list's parent): a reconciliation asks for an id gone from a
    /// listing before it reports it deleted.
    pub fn item(&self, id: &str) -> http::Request {
        let path = self.first.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
        let path = path.strip_suffix("/search").unwrap_or(path);
        http::Request { url: super::item_url(path, id), ..self.request() }
    }
}

/// The envelope's `next` link (a string, not blank), read without building the records: the
/// members are skipped. `None` when there is none or the body is not an object (the detector
/// then says what is wrong with the body).
pub fn link(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope {
        #[serde(default)]
        next: Option<serde_json::Value>,
    }
    // `from_str`, not `from_slice`: one serde_json reader type in the wasm, not two (about 3 KB).
    let e: Envelope = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
    match e.next? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        _ => None,
    }
}

/// Keap's envelope key of a list url: its last path segment (`/v1/contacts` → `contacts`),
/// the one before for `/v1/tasks/search`. `None` for a path with no plain name at its end.
pub fn envelope_key(url: &str) -> Option<String> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let mut segments = path.split('/').filter(|s| !s.is_empty()).rev();
    let last = segments.next()?;
    let key = if last == "search" { segments.next()? } else { last };
    key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_').then(|| key.to_owned())
}

/// A 401 once asks for a refreshed token; a 401 to a request sent with a refreshed token, and
/// any 403 (the token's user may not read this), fail with `cycle.auth`.
pub fn refused(status: u16, refreshed: bool) -> Refusal {
    match (status, refreshed) {
        (401, false) => Refusal::RefreshToken,
        (401, true) => Refusal::Fail(
            Error::new("cycle.auth", "Keap refused the access token again right after it was refreshed (HTTP 401)")
                .with_hint("re-authorize the instance: the OAuth2 grant may have been revoked in Keap"),
        ),
        (s, _) => Refusal::Fail(
            Error::new("cycle.auth", format!("Keap refused access to the resource (HTTP {s})"))
                .with_hint("the user who authorized the instance may lack the permission to read this resource"),
        ),
    }
}

/// Whether two urls have one origin (scheme and authority, case-blind; two relative urls do too).
fn same_origin(a: &str, b: &str) -> bool {
    match (origin(a), origin(b)) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    }
}

/// `scheme://authority` of an absolute url, as written; `None` for a relative one.
fn origin(url: &str) -> Option<&str> {
    let at = url.find("://")?;
    let rest = &url[at + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..at + 3 + end])
}

/// The `name=value` pairs of a url's query, as written (not decoded: they are copied as they are).
fn query(url: &str) -> impl Iterator<Item = (&str, &str)> {
    let q = url.split('#').next().unwrap_or("").split_once('?').map_or("", |(_, q)| q);
    q.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, "")))
}

fn with_param(url: &str, pair: &str) -> String {
    let url = url.split('#').next().unwrap_or("");
    let sep = if !url.contains('?') {
        "?"
    } else if url.ends_with(['?', '&']) {
        ""
    } else {
        "&"
    };
    format!("{url}{sep}{pair}")
}

/// `next` with every [`KEPT`] parameter of `first` that it lacks put back, as `first` wrote it.
fn restore(next: &str, first: &str) -> String {
    let mut url = next.split('#').next().unwrap_or("").to_owned();
    for name in KEPT {
        if query(next).any(|(n, _)| n == name) {
            continue;
        }
        for (n, v) in query(first).filter(|(n, _)| *n == name) {
            url = with_param(&url, &format!("{n}={v}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIRST: &str = "https://api.infusionsoft.com/crm/rest/v1/contacts?since=2024-06-03T22:17:59.039Z&optional_properties=custom_fields&optional_properties=job_title";

    #[test]
    fn the_first_page_asks_for_a_limit_of_at_most_a_thousand() {
        assert_eq!(Direct::new("https://k/v1/notes".into(), 200).request().url, "https://k/v1/notes?limit=200");
        assert_eq!(Direct::new("https://k/v1/notes?".into(), 5000).request().url, "https://k/v1/notes?limit=1000");
        assert_eq!(Direct::new("https://k/v1/notes?limit=7".into(), 200).request().url, "https://k/v1/notes?limit=7");
        let r = Direct::new("https://k/v1/notes".into(), 200).request();
        assert!(r.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("authorization")), "the host adds the token");
    }

    #[test]
    fn next_links_get_back_what_keap_dropped() {
        let mut d = Direct::new(FIRST.into(), 2);
        let next = "https://api.infusionsoft.com/crm/rest/v1/contacts/?limit=2&offset=2&since=2024-06-03T22:17:59.039Z&order=id";
        assert!(d.advance(Some(next.into()), 2).unwrap());
        assert_eq!(
            d.request().url,
            format!("{next}&optional_properties=custom_fields&optional_properties=job_title"),
            "both optional_properties back, since and limit kept as Keap wrote them"
        );
        // A link that dropped since, until and limit too.
        let mut d = Direct::new("https://k/v1/tasks?since=S&until=U".into(), 3);
        assert!(d.advance(Some("https://k/v1/tasks/?offset=3".into()), 3).unwrap());
        assert_eq!(d.request().url, "https://k/v1/tasks/?offset=3&since=S&until=U&limit=3");
        d.restart();
        assert_eq!(d.request().url, "https://k/v1/tasks?since=S&until=U&limit=3");
    }

    #[test]
    fn an_empty_or_short_page_ends_the_listing_whatever_next_says() {
        let next = || Some("https://k/v1/notes/?limit=2&offset=2".to_owned());
        assert!(!Direct::new("https://k/v1/notes".into(), 2).advance(next(), 0).unwrap(), "empty");
        assert!(!Direct::new("https://k/v1/notes".into(), 2).advance(next(), 1).unwrap(), "short");
        assert!(!Direct::new("https://k/v1/notes".into(), 2).advance(None, 2).unwrap(), "no link");
        assert!(Direct::new("https://k/v1/notes".into(), 2).advance(next(), 2).unwrap(), "full");
    }

    #[test]
    fn a_link_to_another_origin_or_to_the_same_page_fails() {
        let mut d = Direct::new("https://k/v1/notes".into(), 1);
        let e = d.advance(Some("https://evil.example/v1/notes?offset=1".into()), 1).unwrap_err();
        assert_eq!(e.code, "cycle.next-link");
        assert!(e.message.contains("https://evil.example") && e.message.contains("https://k"), "{}", e.message);
        let mut d = Direct::new("https://k/v1/notes?limit=1".into(), 1);
        assert_eq!(d.advance(Some("https://k/v1/notes?limit=1".into()), 1).unwrap_err().code, "cycle.paging-loop");
    }

    #[test]
    fn the_link_is_read_from_the_envelope() {
        assert_eq!(link(br#"{"contacts": [{"id": 1}], "count": 1, "next": "https://k/x?offset=1"}"#).as_deref(), Some("https://k/x?offset=1"));
        assert_eq!(link(br#"{"contacts": [], "next": ""}"#), None);
        assert_eq!(link(br#"{"contacts": [], "next": null}"#), None);
        assert_eq!(link(br#"{"contacts": []}"#), None);
        assert_eq!(link(br#"[{"id": 1}]"#), None);
        assert_eq!(link(b"not json"), None);
    }

    #[test]
    fn envelope_keys_are_the_list_s_name() {
        assert_eq!(envelope_key("/v1/contacts?since=${gmtDate:yyyy}").as_deref(), Some("contacts"));
        assert_eq!(envelope_key("/v1/tasks/search").as_deref(), Some("tasks"));
        assert_eq!(envelope_key("/v1/orders/7/transactions/").as_deref(), Some("transactions"));
        assert_eq!(envelope_key("/v1/orders/7"), None);
        assert_eq!(envelope_key(""), None);
    }

    #[test]
    fn a_401_refreshes_the_token_once() {
        assert!(matches!(refused(401, false), Refusal::RefreshToken));
        assert!(matches!(refused(401, true), Refusal::Fail(e) if e.code == "cycle.auth"));
        assert!(matches!(refused(403, false), Refusal::Fail(e) if e.code == "cycle.auth"));
    }
}
