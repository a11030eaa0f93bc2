//! A Cloud Elements hub: `Authorization: User …, Organization …, Element …` from the core,
//! `pageSize` on every request, the next page asked for with `nextPage=<token>` from the
//! `elements-next-page-token` header. What every instance polled before `direct` existed.

use crate::diag::Error;
use crate::http::{self, Response, header};

/// The Cloud Elements hub credentials: `Authorization: User <u>, Organization <o>, Element <e>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Auth {
    /// The user secret.
    pub user: String,
    /// The organization secret.
    pub organization: String,
    /// The element instance token.
    pub element: String,
}

impl Auth {
    /// The `Authorization` header value.
    pub fn header(&self) -> String {
        format!("User {}, Organization {}, Element {}", self.user, self.organization, self.element)
    }
}

/// A hub listing, positioned at a page.
#[derive(Debug)]
pub struct Hub {
    url: String,
    headers: Vec<(String, String)>,
    page_size: u32,
    token: Option<String>,
}

impl Hub {
    /// The listing at `url` (its first page), `page_size` records a page.
    pub fn new(url: String, page_size: u32, auth: Option<&Auth>) -> Hub {
        let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
        if let Some(a) = auth {
            headers.push(("Authorization".to_owned(), a.header()));
        }
        Hub { url, headers, page_size, token: None }
    }

    /// The current page's request.
    pub fn request(&self) -> http::Request {
        let mut url = format!("{}{}pageSize={}", self.url, if self.url.contains('?') { '&' } else { '?' }, self.page_size);
        if let Some(t) = &self.token {
            url.push_str("&nextPage=");
            url.push_str(&http::encode_component(t));
        }
        http::Request { method: "GET".into(), url, headers: self.headers.clone(), body: None }
    }

    /// To the page `link` names; `false` without one (the last page).
    pub fn advance(&mut self, link: Option<String>) -> Result<bool, Error> {
        match link {
            None => Ok(false),
            Some(t) if self.token.as_deref() == Some(t.as_str()) => {
                Err(Error::new("cycle.paging-loop", format!("the hub returned the next-page token {t:?} again")))
            }
            Some(t) => {
                self.token = Some(t);
                Ok(true)
            }
        }
    }

    /// Back to the first page.
    pub fn restart(&mut self) {
        self.token = None;
    }

    /// The request for one record by id (`GET /hubs/crm/{resource}/{id}`): a reconciliation
    /// asks for an id gone from a listing before it reports it deleted.
    pub fn item(&self, id: &str) -> http::Request {
        http::Request { method: "GET".into(), url: super::item_url(&self.url, id), headers: self.headers.clone(), body: None }
    }
}

/// The `elements-next-page-token` of a page (blank is none).
pub fn link(resp: &Response<'_>) -> Option<String> {
    header(resp.headers, "elements-next-page-token").map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// A hub's refusal is final: its secrets are the user's to fix.
pub fn refused(status: u16) -> Error {
    Error::new("cycle.auth", format!("the hub refused the credentials (HTTP {status})"))
        .with_hint("check the user and organization secrets and the element instance token")
}
