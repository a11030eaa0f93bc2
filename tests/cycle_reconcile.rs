//! Reconciling cycles (DESIGN section 13), on both elements: when a cycle lists in full, the url
//! it sends, the ids kept in the state, the request by id for an id gone from a multi-page
//! listing (and what its answers lead to), a one-page listing deleting at once, a drop beyond
//! maxDrop held and then confirmed, the DELETED events' dates and eventIds.

use elements_poller::cycle::{Api, CycleOptions, HostAuth, PollCycle, Request};
use elements_poller::detect::{self, EventType, Outcome, Spec, State};
use elements_poller::http::{self, Response};
use serde_json::json;

const T: i64 = 1_710_054_309_042; // 2024-03-10T07:05:09.042Z
const HOUR: i64 = 3_600_000;
const HUB: &str = "https://hub.example/elements/api-v2";
const KEAP: &str = "https://api.infusionsoft.com/crm/rest";

fn spec(api: Api, page_size: u32, max_drop: f64) -> Spec {
    let url = match api {
        Api::Hub => "/hubs/crm/contacts?where=last_updated>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'",
        Api::Direct => "/v1/contacts?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}",
    };
    Spec::from_resource(&json!({
        "name": "contacts", "idField": "id", "pageSize": page_size, "url": url,
        "datesConfiguration": {"updatedDateField": "last_updated", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"},
        "reconcile": {"everyHours": 24, "maxDrop": max_drop}
    }))
    .unwrap()
}

fn cycle(api: Api, page_size: u32, state: Option<&State>, now: i64, force: bool) -> PollCycle {
    let d = detect::Options { start_from: "beginning".into(), now, instance: Some("i".into()), ..detect::Options::default() };
    let mut o = CycleOptions::new(spec(api, page_size, 0.5), state.cloned(), d, if api == Api::Hub { HUB } else { KEAP });
    o.api = api;
    o.reconcile = force;
    PollCycle::new(o).unwrap()
}

fn body(api: Api, ids: &[u64], next: &str) -> Vec<u8> {
    let rows: Vec<_> = ids.iter().map(|id| json!({"id": id, "last_updated": "2024-03-01T00:00:00.000Z"})).collect();
    match api {
        Api::Hub => serde_json::to_vec(&rows).unwrap(),
        Api::Direct => serde_json::to_vec(&json!({"contacts": rows, "count": ids.len(), "next": next})).unwrap(),
    }
}

/// Answers the listing of `ids` in pages, and requests by id from `answer`; returns the item
/// requests seen and the outcome.
fn drive(
    mut c: PollCycle,
    api: Api,
    ids: &[u64],
    page: usize,
    answer: impl Fn(&str) -> (u16, &'static str),
) -> (Vec<Request>, Result<Outcome, elements_poller::Error>) {
    let mut items = Vec::new();
    while let Some(req) = c.next_request() {
        let url = req.http.url.clone();
        let path = url.split('?').next().unwrap();
        let last = path.rsplit('/').next().unwrap();
        if last.bytes().all(|b| b.is_ascii_digit()) && !last.is_empty() {
            items.push(req);
            let (status, text) = answer(last);
            c.handle_response(Response { status, headers: &[], body: text.as_bytes() });
            continue;
        }
        let offset: usize =
            url.split(['?', '&']).find_map(|p| p.strip_prefix("offset=").or_else(|| p.strip_prefix("nextPage="))).map_or(0, |v| v.parse().unwrap());
        let rows: Vec<u64> = ids.iter().skip(offset).take(page).copied().collect();
        let mut headers = vec![];
        if api == Api::Hub && offset + page < ids.len() {
            headers.push(("elements-next-page-token".to_owned(), (offset + page).to_string()));
        }
        let next = format!("{KEAP}/v1/contacts/?limit={page}&offset={}", offset + page);
        c.handle_response(Response { status: 200, headers: &headers, body: &body(api, &rows, &next) });
    }
    (items, c.finish())
}

fn deleted(o: &Outcome) -> Vec<String> {
    o.events.iter().filter(|e| e.event_type == EventType::Deleted).map(|e| e.object_id).collect()
}

#[test]
fn the_first_cycle_lists_in_full_and_keeps_the_ids() {
    for api in [Api::Hub, Api::Direct] {
        let mut c = cycle(api, 2, None, T, false);
        assert!(c.is_reconciling(), "no listing yet");
        let url = http::decode_component(&c.next_request().unwrap().http.url);
        assert!(url.contains("1969-12-31T23:59:59.999Z"), "from the epoch: {url}");
        let (items, out) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let out = out.unwrap();
        assert!(items.is_empty());
        let l = out.state.listing.as_ref().unwrap();
        assert_eq!((l.at, l.n), (T, 5));
        assert_eq!(out.stats.listed, 5);
        // Not due again for 24 hours; asked for, it is.
        assert!(!cycle(api, 2, Some(&out.state), T + 23 * HOUR, false).is_reconciling());
        assert!(cycle(api, 2, Some(&out.state), T + 24 * HOUR, false).is_reconciling());
        assert!(cycle(api, 2, Some(&out.state), T + HOUR, true).is_reconciling());
    }
}

#[test]
fn an_id_gone_from_a_multi_page_listing_is_asked_for_by_id_first() {
    for api in [Api::Hub, Api::Direct] {
        let (_, first) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let state = first.unwrap().state;
        // 3 and 8 are missing from the listing: 3 is gone (404), 8 was missed (it is there).
        let now = T + 25 * HOUR;
        let (items, out) = drive(cycle(api, 2, Some(&state), now, false), api, &[1, 2, 5], 2, |id| {
            if id == "3" { (404, r#"{"message":"not found"}"#) } else { (200, r#"{"id":8}"#) }
        });
        let out = out.unwrap();
        let urls: Vec<&str> = items.iter().map(|r| r.http.url.as_str()).collect();
        match api {
            Api::Hub => {
                assert_eq!(urls, [format!("{HUB}/hubs/crm/contacts/3"), format!("{HUB}/hubs/crm/contacts/8")]);
                assert!(items.iter().all(|r| r.auth.is_none()));
            }
            Api::Direct => {
                assert_eq!(urls, [format!("{KEAP}/v1/contacts/3"), format!("{KEAP}/v1/contacts/8")]);
                assert!(items.iter().all(|r| r.auth == Some(HostAuth::Bearer)));
            }
        }
        assert_eq!(deleted(&out), ["3"]);
        let e = out.events.iter().find(|e| e.event_type == EventType::Deleted).unwrap();
        assert_eq!(e.date, detect::iso_utc(now), "dated the reconciliation's instant");
        assert_eq!((out.stats.verified, out.stats.missed, out.stats.deleted), (2, 1, 1));
        assert_eq!(out.state.listing.as_ref().unwrap().n, 4, "8 is kept");
        // A re-run from the same state (a crash before the save) gives the same eventId.
        let (_, again) =
            drive(cycle(api, 2, Some(&state), now + HOUR, false), api, &[1, 2, 5], 2, |id| if id == "3" { (404, "{}") } else { (200, "{}") });
        let again = again.unwrap();
        let id = |o: &Outcome| o.events.iter().find(|e| e.event_type == EventType::Deleted).unwrap().event_id;
        assert_eq!(id(&again), id(&out));
        // Back under its id later: CREATED.
        let (_, back) = drive(cycle(api, 2, Some(&out.state), now + 30 * HOUR, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let back = back.unwrap();
        let e = back.events.iter().find(|e| e.object_id == "3").unwrap();
        assert_eq!(e.event_type, EventType::Created);
    }
}

#[test]
fn a_404_that_is_not_json_or_a_failed_page_changes_nothing() {
    for api in [Api::Hub, Api::Direct] {
        let (_, first) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let state = first.unwrap().state;
        let (_, out) = drive(cycle(api, 2, Some(&state), T + 25 * HOUR, false), api, &[1, 2, 5, 8], 2, |_| (404, "<html>Not Found</html>"));
        assert_eq!(out.unwrap_err().code, "reconcile.item-url");
        // A page that fails (400) fails the cycle: the host keeps the old state.
        let mut c = cycle(api, 2, Some(&state), T + 25 * HOUR, false);
        c.next_request().unwrap();
        c.handle_response(Response { status: 400, headers: &[], body: b"{}" });
        assert!(c.next_request().is_none());
        assert_eq!(c.finish().unwrap_err().code, "cycle.http");
    }
}

#[test]
fn a_one_page_listing_deletes_at_once_and_a_big_drop_is_held_then_confirmed() {
    for api in [Api::Hub, Api::Direct] {
        let all: Vec<u64> = (1..=6).collect();
        let (_, first) = drive(cycle(api, 10, None, T, false), api, &all, 10, |_| unreachable!());
        let state = first.unwrap().state;
        let (items, out) = drive(cycle(api, 10, Some(&state), T + HOUR, true), api, &[1, 2, 3, 4, 6], 10, |_| unreachable!());
        let out = out.unwrap();
        assert!(items.is_empty(), "one page read at once cannot have missed a row");
        assert_eq!(deleted(&out), ["5"]);
        // Four of the five left gone at once: beyond maxDrop 0.5.
        let (_, held) = drive(cycle(api, 10, Some(&out.state), T + 2 * HOUR, true), api, &[1], 10, |_| unreachable!());
        let held = held.unwrap();
        assert!(deleted(&held).is_empty() && held.stats.held);
        let d = held.diagnostics.iter().find(|d| d.code == "reconcile.held").expect("said");
        assert!(d.message.contains("4 of the 5"), "{}", d.message);
        assert!(cycle(api, 10, Some(&held.state), T + 2 * HOUR + 1, false).is_reconciling(), "the next cycle lists again");
        let (_, confirmed) = drive(cycle(api, 10, Some(&held.state), T + 3 * HOUR, false), api, &[1], 10, |_| unreachable!());
        let mut gone = deleted(&confirmed.unwrap());
        gone.sort();
        assert_eq!(gone, ["2", "3", "4", "6"]);
    }
}
