//! The poll cycle's driving contract: requests, paging, retries, failures.

use elements_poller::cycle::{Auth, CycleOptions, MAX_PASSES, PollCycle, Request};
use elements_poller::detect::{self, Spec, State, iso_utc};
use elements_poller::http::{Response, decode_component};
use serde_json::json;

const T: i64 = 1_710_054_309_042; // 2024-03-10T07:05:09.042Z
const DATE: &str = "Sun, 10 Mar 2024 07:06:00 GMT";

fn spec() -> Spec {
    Spec::from_resource(&json!({
        "name": "appointments", "idField": "id", "pageSize": "2",
        "url": "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'",
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "creation_date"}
    }))
    .unwrap()
}

fn cycle(state: Option<State>, seed: u64) -> PollCycle {
    let d = detect::Options {
        start_from: "beginning".into(),
        now: T,
        lookback_ms: 0,
        element_key: Some("infusionsoftrest".into()),
        ..detect::Options::default()
    };
    let mut o = CycleOptions::new(spec(), state, d, "https://api.cloud-elements.com/elements/api-v2");
    o.auth = Some(Auth { user: "U".into(), organization: "O".into(), element: "E".into() });
    o.seed = seed;
    o.max_retries = 3;
    PollCycle::new(o).unwrap()
}

fn page(ids: &[u64]) -> Vec<u8> {
    let recs: Vec<String> =
        ids.iter().map(|i| format!(r#"{{"id":{i},"creation_date":"{}","modification_date":"{}"}}"#, iso_utc(T), iso_utc(T + *i as i64))).collect();
    format!("[{}]", recs.join(",")).into_bytes()
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn answer(c: &mut PollCycle, status: u16, headers: &[(String, String)], body: &[u8]) {
    c.handle_response(Response { status, headers, body });
}

#[test]
fn pages_then_finishes_with_events_and_state() {
    let mut c = cycle(None, 1);
    let r: Request = c.next_request().unwrap();
    assert_eq!(r.http.method, "GET");
    assert_eq!(r.delay_ms, 0);
    assert!(r.http.url.starts_with("https://api.cloud-elements.com/elements/api-v2/hubs/crm/appointments?where="), "{}", r.http.url);
    assert_eq!(
        decode_component(r.http.url.split("where=").nth(1).unwrap().split('&').next().unwrap()),
        "modification_date>='1969-12-31T23:59:59Z'",
        "from the beginning"
    );
    assert!(r.http.url.ends_with("&pageSize=2"));
    assert!(r.http.headers.contains(&("Authorization".into(), "User U, Organization O, Element E".into())));
    assert_eq!(c.next_request().unwrap(), r, "the same request until it is answered");
    answer(&mut c, 200, &h(&[("Date", DATE), ("elements-next-page-token", "abc/=")]), &page(&[1, 2]));
    let r2 = c.next_request().unwrap();
    assert!(r2.http.url.ends_with("&pageSize=2&nextPage=abc%2F%3D"), "{}", r2.http.url);
    answer(&mut c, 200, &h(&[("Date", DATE)]), &page(&[3]));
    assert!(c.next_request().is_none() && c.is_over());
    let out = c.finish().unwrap();
    assert_eq!(out.events.len(), 3);
    assert_eq!((out.stats.pages, out.stats.requests, out.stats.passes), (2, 2, 1));
    assert_eq!(out.state.watermark, Some(T + 3));

    // The next cycle renders its where clause from the watermark, one step below.
    let mut next = cycle(Some(out.state), 1);
    let r = next.next_request().unwrap();
    assert!(decode_component(&r.http.url).contains("modification_date>='2024-03-10T07:05:08Z'"), "{}", decode_component(&r.http.url));
}

#[test]
fn auth_failures_stop_the_cycle() {
    for status in [401, 403] {
        let mut c = cycle(None, 1);
        c.next_request().unwrap();
        answer(&mut c, status, &[], b"{}");
        assert!(c.next_request().is_none());
        assert_eq!(c.finish().unwrap_err().code, "cycle.auth");
    }
}

#[test]
fn retry_after_seconds_and_http_dates_and_keap_headers() {
    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    answer(&mut c, 429, &h(&[("Retry-After", "7")]), b"");
    assert_eq!(c.next_request().unwrap().delay_ms, 7000);
    answer(&mut c, 503, &h(&[("Date", DATE), ("Retry-After", "Sun, 10 Mar 2024 07:06:02 GMT")]), b"");
    assert_eq!(c.next_request().unwrap().delay_ms, 2000, "an HTTP date is relative to the response Date");
    answer(
        &mut c,
        429,
        &h(&[("Date", DATE), ("x-keap-product-throttle-available", "0"), ("x-keap-product-throttle-expiry-time", "2024-03-10T07:06:00.750Z")]),
        b"",
    );
    assert_eq!(c.next_request().unwrap().delay_ms, 750);
    answer(&mut c, 429, &[], b"");
    assert!(c.next_request().is_none(), "three retries were allowed");
    assert_eq!(c.finish().unwrap_err().code, "cycle.retries-exhausted");
}

#[test]
fn backoff_is_exponential_with_jitter_from_the_seed() {
    let delays = |seed| {
        let mut c = cycle(None, seed);
        c.next_request().unwrap();
        (0..3)
            .map(|_| {
                answer(&mut c, 500, &[], b"");
                c.next_request().unwrap().delay_ms
            })
            .collect::<Vec<_>>()
    };
    let a = delays(42);
    assert_eq!(a, delays(42), "deterministic for a seed");
    assert_ne!(a, delays(43));
    for (i, d) in a.iter().enumerate() {
        let step = 1000u64 << i;
        assert!((step / 2..=step).contains(d), "retry {i}: {d} not within [{}, {step}]", step / 2);
    }
}

#[test]
fn a_malformed_body_fails_the_cycle_and_other_statuses_too() {
    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("elements-next-page-token", "t")]), &page(&[1]));
    c.next_request().unwrap();
    answer(&mut c, 200, &[], b"[{\"id\":2,\"modif");
    assert!(c.next_request().is_none());
    assert_eq!(c.finish().unwrap_err().code, "body.not-json", "no events and no state: the host keeps the old state");

    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    answer(&mut c, 404, &[], b"");
    assert_eq!(c.finish().unwrap_err().code, "cycle.http");

    let c = cycle(None, 1);
    assert_eq!(c.finish().unwrap_err().code, "cycle.unfinished");
}

#[test]
fn a_repeated_token_is_a_paging_loop() {
    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("elements-next-page-token", "same")]), &page(&[1]));
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("elements-next-page-token", "same")]), &page(&[2]));
    assert_eq!(c.finish().unwrap_err().code, "cycle.paging-loop");
}

#[test]
fn a_listing_that_shifts_while_paging_is_read_again() {
    // Offset paging by updated date: record 1 is updated after page 1 was read, moves to
    // the end, and record 3 slides onto page 1: page 2 shows 4 and the moved 1.
    let mut c = cycle(None, 1);
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("Date", DATE), ("elements-next-page-token", "o2")]), &page(&[1, 2]));
    c.next_request().unwrap();
    let moved = format!(
        r#"[{{"id":4,"creation_date":"{c}","modification_date":"{}"}},{{"id":1,"creation_date":"{c}","modification_date":"{}"}}]"#,
        iso_utc(T + 4),
        iso_utc(T + 60_000),
        c = iso_utc(T)
    );
    answer(&mut c, 200, &h(&[("Date", DATE)]), moved.as_bytes());
    let again = c.next_request().expect("a second pass");
    assert!(!again.http.url.contains("nextPage"));
    answer(&mut c, 200, &h(&[("Date", DATE), ("elements-next-page-token", "o2")]), &page(&[2, 3]));
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("Date", DATE)]), &page(&[4]));
    let out = c.finish().unwrap();
    let got: Vec<_> = out.events.iter().map(|e| e.object_id).collect();
    assert_eq!(got, vec!["1", "2", "4", "1", "3"], "3 found by the second pass, nothing repeated");
    assert_eq!(out.stats.passes, 2);
}

/// Issue 13 (mutation testing): a listing that changes during every pass is read
/// `MAX_PASSES` times and no more; the cycle is then unstable: its events are emitted, the
/// watermark stays where it was so that the next poll reads the window again, and a diagnostic
/// says so.
#[test]
fn a_listing_that_never_holds_still_keeps_the_watermark() {
    let start = State { v: 1, watermark: Some(T - 1), from: None, evicted: None, seen: vec![], listing: None, relist: None };
    let mut c = cycle(Some(start), 1);
    let mut pages = 0;
    while let Some(req) = c.next_request() {
        // No Date header: a multi-page pass without the provider's clock counts as changed.
        if req.http.url.contains("nextPage") {
            answer(&mut c, 200, &[], &page(&[3]));
        } else {
            answer(&mut c, 200, &h(&[("elements-next-page-token", "o2")]), &page(&[1, 2]));
        }
        pages += 1;
        assert!(pages <= 4 * MAX_PASSES, "the cycle does not stop");
    }
    let out = c.finish().unwrap();
    assert_eq!((pages, out.stats.passes, out.stats.unstable), (2 * MAX_PASSES, MAX_PASSES, true));
    assert_eq!(out.state.watermark, Some(T - 1), "kept");
    assert_eq!(out.events.len(), 3, "emitted once each, whatever the passes");
    assert!(out.diagnostics.iter().any(|d| d.code == "cycle.unstable-listing"), "{:?}", out.diagnostics);
}

/// The summary counts what a host reports: every request sent and every retry among them,
/// a refused one (503) and a throttled one (429) alike; a success starts the retry count
/// in a row again, so failures spread over pages do not add up to `max_retries`.
#[test]
fn the_summary_counts_requests_and_retries_and_a_success_resets_the_count() {
    let mut c = cycle(None, 4);
    for _ in 0..3 {
        c.next_request().unwrap();
        answer(&mut c, 503, &h(&[("Retry-After", "0")]), b"");
    }
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("Date", DATE), ("elements-next-page-token", "p2")]), &page(&[1, 2]));
    // Three more in a row after the success: allowed again (three retries in a row at most).
    for _ in 0..3 {
        c.next_request().unwrap();
        answer(&mut c, 429, &h(&[("Retry-After", "0")]), b"");
    }
    c.next_request().unwrap();
    answer(&mut c, 200, &h(&[("Date", DATE)]), &page(&[3]));
    assert!(c.next_request().is_none());
    let out = c.finish().unwrap();
    assert_eq!((out.stats.requests, out.stats.retries, out.stats.pages), (8, 6, 2));
    assert_eq!(out.events.len(), 3);
}

/// A hub whose tokens never repeat and never end is stopped at 100,000 pages (`MAX_PAGES`),
/// the page it read last included: the page count is the guard, nothing else is.
#[test]
fn a_listing_of_endless_distinct_tokens_stops_at_the_page_limit() {
    const MAX_PAGES: usize = 100_000;
    let mut c = cycle(None, 1);
    let mut answered = 0;
    // One page more than the limit is offered; the cycle must stop asking at the limit.
    while answered <= MAX_PAGES {
        let Some(_) = c.next_request() else { break };
        let token = format!("t{answered}");
        answer(&mut c, 200, &h(&[("elements-next-page-token", &token)]), b"[]");
        answered += 1;
    }
    assert_eq!(answered, MAX_PAGES);
    let e = c.finish().unwrap_err();
    assert_eq!(e.code, "cycle.paging-loop");
    assert!(e.message.contains("100000"), "{}", e.message);
}
