//! A direct cycle (Keap REST v1): the request the host completes with its bearer token, Keap's
//! paging (absolute `next`, dropped `optional_properties`, `next` on the last page), the records
//! under the envelope's key, and the 401 policy (one token refresh, then `cycle.auth`).

use elements_poller::cycle::{Api, CycleOptions, DelaySource, HostAuth, PollCycle, RetryReason};
use elements_poller::detect::{self, Spec, State};
use elements_poller::http::Response;
use serde_json::json;

const T: i64 = 1_710_054_309_042; // 2024-03-10T07:05:09.042Z
const DATE: &str = "Sun, 10 Mar 2024 07:06:00 GMT";
const BASE: &str = "https://api.infusionsoft.com/crm/rest";

fn spec(page_size: u32) -> Spec {
    Spec::from_resource(&json!({
        "name": "contacts", "idField": "id", "pageSize": page_size,
        "url": "/v1/contacts?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}&optional_properties=custom_fields",
        "datesConfiguration": {
            "updatedDateField": "last_updated", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSZ",
            "createdDateField": "date_created", "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSSZ"
        }
    }))
    .unwrap()
}

fn cycle(state: Option<State>, page_size: u32) -> PollCycle {
    let d = detect::Options { start_from: "beginning".into(), now: T, lookback_ms: 0, ..detect::Options::default() };
    let mut o = CycleOptions::new(spec(page_size), state, d, BASE);
    o.api = Api::Direct;
    PollCycle::new(o).unwrap()
}

/// Keap's date form: milliseconds and `+0000`.
fn keap_date(ms: i64) -> String {
    let d = chrono::DateTime::from_timestamp_millis(ms).unwrap();
    d.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// A Keap page: the records under `contacts`, and a `next` link however short the page.
fn page(ids: &[u64], offset: usize, limit: usize) -> Vec<u8> {
    let recs: Vec<serde_json::Value> = ids
        .iter()
        .map(|&i| json!({"id": i, "date_created": keap_date(T - 1000), "last_updated": keap_date(T - 1000 + i as i64), "given_name": "x"}))
        .collect();
    let next = format!("{BASE}/v1/contacts/?limit={limit}&offset={}&since=1970-01-01T00:00:00.000Z&order=id", offset + ids.len());
    serde_json::to_vec(&json!({"contacts": recs, "count": ids.len(), "next": next, "previous": null})).unwrap()
}

fn ok(c: &mut PollCycle, body: &[u8]) {
    let h = vec![("Date".to_owned(), DATE.to_owned())];
    c.handle_response(Response { status: 200, headers: &h, body });
}

#[test]
fn pages_by_next_links_with_what_keap_dropped_until_a_short_page() {
    let mut c = cycle(None, 2);
    let r = c.next_request().unwrap();
    assert_eq!(r.http.url, format!("{BASE}/v1/contacts?since=1969-12-31T23:59:59.999Z&optional_properties=custom_fields&limit=2"));
    assert_eq!(r.auth, Some(HostAuth::Bearer));
    assert!(!r.refresh_token);
    assert!(r.http.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("authorization")), "the host adds the token");
    ok(&mut c, &page(&[1, 2], 0, 2));
    let r = c.next_request().unwrap();
    assert_eq!(
        r.http.url,
        format!("{BASE}/v1/contacts/?limit=2&offset=2&since=1970-01-01T00:00:00.000Z&order=id&optional_properties=custom_fields"),
        "Keap's link, optional_properties put back"
    );
    ok(&mut c, &page(&[3, 4], 2, 2));
    c.next_request().unwrap();
    // The last page is short and still links a next one: the listing ends here.
    ok(&mut c, &page(&[5], 4, 2));
    assert!(c.next_request().is_none());
    let out = c.finish().unwrap();
    let ids: Vec<&str> = (0..out.events.len()).map(|i| out.events.object_id(i)).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"], "records read under the envelope key");
    assert_eq!((out.stats.pages, out.stats.passes), (3, 1));
    assert_eq!(out.state.watermark, Some(T - 1000 + 5), "+0000 dates read");
}

#[test]
fn an_empty_page_after_full_ones_ends_the_listing() {
    let mut c = cycle(None, 2);
    c.next_request().unwrap();
    ok(&mut c, &page(&[1, 2], 0, 2));
    c.next_request().unwrap();
    ok(&mut c, &page(&[], 2, 2));
    assert!(c.next_request().is_none());
    let out = c.finish().unwrap();
    assert_eq!((out.events.len(), out.stats.pages), (2, 2));
}

#[test]
fn one_short_page_is_one_clean_pass_even_with_a_next_link() {
    let mut c = cycle(None, 10);
    c.next_request().unwrap();
    // A record updated after the pass began (after the Date): on one page it cannot have slid.
    let h = vec![("Date".to_owned(), "Sun, 10 Mar 2024 06:00:00 GMT".to_owned())];
    c.handle_response(Response { status: 200, headers: &h, body: &page(&[1, 2, 3], 0, 10) });
    assert!(c.next_request().is_none(), "no second pass");
    assert_eq!(c.finish().unwrap().stats.passes, 1);
}

#[test]
fn a_401_asks_once_for_a_refreshed_token_then_fails() {
    let mut c = cycle(None, 2);
    let first = c.next_request().unwrap();
    c.handle_response(Response { status: 401, headers: &[], body: br#"{"fault":{"faultstring":"Invalid access token"}}"# });
    let again = c.next_request().unwrap();
    assert_eq!(again.http, first.http, "the same request");
    assert!(again.refresh_token);
    assert_eq!(c.next_request().unwrap(), again, "asked twice before an answer: the same request");
    let r = c.retry().unwrap();
    assert_eq!((r.reason, r.status, r.delay_ms, r.source, r.attempt), (RetryReason::Auth, 401, 0, DelaySource::Refresh, 1));
    ok(&mut c, &page(&[1, 2], 0, 2));
    // Expired again mid-cycle: after a page was read, a 401 refreshes again.
    let next = c.next_request().unwrap();
    assert!(!next.refresh_token);
    c.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert!(c.next_request().unwrap().refresh_token);
    // A 401 right after the refresh is final.
    c.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert!(c.next_request().is_none());
    let e = c.finish().unwrap_err();
    assert_eq!(e.code, "cycle.auth");
    assert!(e.hint.unwrap().contains("re-authorize"));
}

/// A refresh is a retry in the summary: the same request sent again.
#[test]
fn a_refreshed_request_counts_as_a_retry() {
    let mut c = cycle(None, 2);
    c.next_request().unwrap();
    c.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert!(c.next_request().unwrap().refresh_token);
    ok(&mut c, &page(&[1], 0, 2));
    assert!(c.next_request().is_none());
    let out = c.finish().unwrap();
    assert_eq!((out.stats.requests, out.stats.retries, out.events.len()), (2, 1, 1));
}

#[test]
fn a_401_after_a_refreshed_request_was_retried_for_a_503_is_still_final() {
    let mut c = cycle(None, 2);
    c.next_request().unwrap();
    c.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert!(c.next_request().unwrap().refresh_token);
    c.handle_response(Response { status: 503, headers: &[("retry-after".to_owned(), "1".to_owned())], body: b"" });
    let r = c.next_request().unwrap();
    assert!(!r.refresh_token, "the token was refreshed already");
    assert_eq!(c.retry().unwrap().reason, RetryReason::Server);
    c.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert_eq!(c.finish().unwrap_err().code, "cycle.auth");
}

#[test]
fn a_403_fails_at_once_and_a_hub_cycle_never_refreshes() {
    let mut c = cycle(None, 2);
    c.next_request().unwrap();
    c.handle_response(Response { status: 403, headers: &[], body: b"" });
    assert!(c.next_request().is_none());
    assert_eq!(c.finish().unwrap_err().code, "cycle.auth");
    let d = detect::Options { start_from: "beginning".into(), now: T, ..detect::Options::default() };
    let mut hub = PollCycle::new(CycleOptions::new(spec(2), None, d, "https://hub")).unwrap();
    let r = hub.next_request().unwrap();
    assert_eq!((r.auth, r.refresh_token), (None, false));
    hub.handle_response(Response { status: 401, headers: &[], body: b"" });
    assert!(hub.next_request().is_none());
    assert_eq!(hub.finish().unwrap_err().code, "cycle.auth");
}

#[test]
fn a_next_link_to_another_origin_is_not_followed() {
    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    let body = json!({"contacts": [{"id": 1, "last_updated": keap_date(T), "date_created": keap_date(T)}], "next": "https://elsewhere.example/v1/contacts?offset=1"});
    ok(&mut c, &serde_json::to_vec(&body).unwrap());
    assert!(c.next_request().is_none());
    assert_eq!(c.finish().unwrap_err().code, "cycle.next-link");
}

/// Keap links a next page even from its last one, so a pass begins as a multi-page one; a
/// first page that is short is the whole listing, read in one response, so nothing can have
/// slid past it. Without the provider's `Date` header (a browser's cross-origin fetch cannot
/// read it) the pass would otherwise count as changed and be read again.
#[test]
fn one_short_page_without_a_date_header_is_one_request() {
    let mut c = cycle(None, 5);
    c.next_request().unwrap();
    c.handle_response(Response { status: 200, headers: &[], body: &page(&[1, 2], 0, 5) });
    assert!(c.next_request().is_none(), "no second pass over one page read whole");
    let out = c.finish().unwrap();
    assert_eq!((out.stats.pages, out.events.len()), (1, 2));
}
