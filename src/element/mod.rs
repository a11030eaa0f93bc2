//! Elements: what differs per provider API (DESIGN section 11). An element decides how a
//! page request is rendered (its url and headers, and which credentials the host adds), how
//! the listing pages, where the records are, and what a refusal of the credentials leads to.
//! The cycle (`crate::cycle`) drives either the same way.
//!
//! - [`hub`]: a Cloud Elements hub, `Authorization: User …, Organization …, Element …`,
//!   `pageSize`/`nextPage` with the `elements-next-page-token` header;
//! - [`direct`]: Keap REST v1 itself: offset/limit with absolute `next` links in the body, the
//!   records under the envelope's key, an OAuth2 bearer token the host adds.

pub mod direct;
pub mod hub;

pub use crate::config::Api;

use crate::detect::Spec;
use crate::diag::Error;
use crate::http::{self, Response};

/// A record's url: the list's `url` without its query, then `/` and the id percent-encoded.
pub fn item_url(url: &str, id: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
    format!("{path}/{}", http::encode_component(id))
}

/// Credentials the host adds to a request itself (the core never holds them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostAuth {
    /// `Authorization: Bearer <access token>` (OAuth2).
    Bearer,
}

/// What a refusal of the credentials (401/403) leads to.
#[derive(Debug)]
pub enum Refusal {
    /// Send the same request again once the host has a new access token.
    RefreshToken,
    /// The cycle fails with this error.
    Fail(Error),
}

/// One element of one cycle, positioned at the page to request next.
#[derive(Debug)]
pub enum Element {
    /// A Cloud Elements hub.
    Hub(hub::Hub),
    /// Keap REST v1.
    Direct(direct::Direct),
}

impl Element {
    /// The element of `api` for a listing whose first page is `first_url` (absolute, rendered
    /// from the floor); `auth` is the hub's credentials (a direct element has none: the host
    /// adds its token).
    pub fn new(api: Api, first_url: String, page_size: u32, auth: Option<&hub::Auth>) -> Element {
        match api {
            Api::Hub => Element::Hub(hub::Hub::new(first_url, page_size, auth)),
            Api::Direct => Element::Direct(direct::Direct::new(first_url, page_size)),
        }
    }

    /// Where the records of a page are when the host names no records field: the envelope's
    /// key for a direct element (`contacts` for `/v1/contacts`), the body itself for a hub.
    pub fn records_field(api: Api, spec: &Spec) -> Option<String> {
        match api {
            Api::Hub => None,
            Api::Direct => spec.url.as_deref().and_then(direct::envelope_key),
        }
    }

    /// The request for the current page.
    pub fn request(&self) -> http::Request {
        match self {
            Element::Hub(h) => h.request(),
            Element::Direct(d) => d.request(),
        }
    }

    /// Which credentials the host adds to every request.
    pub fn host_auth(&self) -> Option<HostAuth> {
        match self {
            Element::Hub(_) => None,
            Element::Direct(_) => Some(HostAuth::Bearer),
        }
    }

    /// The page's link to the next one (a hub's token, Keap's `next`), read before the page is
    /// fed: whether more pages may follow (`Detector::begin_pass`).
    pub fn link(&self, resp: &Response<'_>) -> Option<String> {
        match self {
            Element::Hub(_) => hub::link(resp),
            Element::Direct(_) => direct::link(resp.body),
        }
    }

    /// After a page of `records` records with `link`: `true` when another page is to be read
    /// (the element now stands at it), `false` at the end of the listing.
    pub fn advance(&mut self, link: Option<String>, records: usize) -> Result<bool, Error> {
        match self {
            Element::Hub(h) => h.advance(link),
            Element::Direct(d) => d.advance(link, records),
        }
    }

    /// The request for one record by id: see [`hub::Hub::item`] and [`direct::Direct::item`].
    pub fn item(&self, id: &str) -> http::Request {
        match self {
            Element::Hub(h) => h.item(id),
            Element::Direct(d) => d.item(id),
        }
    }

    /// Back to the first page, for another pass over the window.
    pub fn restart(&mut self) {
        match self {
            Element::Hub(h) => h.restart(),
            Element::Direct(d) => d.restart(),
        }
    }

    /// A 401 or 403 (`refreshed`: the request was already sent with a token refreshed for it).
    pub fn refused(&self, status: u16, refreshed: bool) -> Refusal {
        match self {
            Element::Hub(_) => Refusal::Fail(hub::refused(status)),
            Element::Direct(_) => direct::refused(status, refreshed),
        }
    }
}
