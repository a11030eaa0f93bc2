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
        assert!(l.added.is_empty(), "the ids this listing emitted are in it, not kept as added since");
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
        // That id names the previous complete listing's instant (T), not this cycle's clock,
        // which is what makes it repeat: the id and the tag, then that listing's `at`.
        assert_eq!(id(&out), detect::event_id("i", "contacts", "3\x1fDELETED", T));
        // Back under its id later: CREATED.
        let (_, back) = drive(cycle(api, 2, Some(&out.state), now + 30 * HOUR, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let back = back.unwrap();
        let e = back.events.iter().find(|e| e.object_id == "3").unwrap();
        assert_eq!(e.event_type, EventType::Created);
        // Read again with no newer version: its CREATED comes from the listing, and the
        // summary counts it.
        assert_eq!((back.events.len(), back.stats.created), (1, 1));
    }
}

#[test]
fn a_404_that_is_not_json_or_a_failed_page_changes_nothing() {
    for api in [Api::Hub, Api::Direct] {
        let (_, first) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let state = first.unwrap().state;
        let (_, out) = drive(cycle(api, 2, Some(&state), T + 25 * HOUR, false), api, &[1, 2, 5, 8], 2, |_| (404, "<html>Not Found</html>"));
        // The listing failed: nothing compared, the cycle polled the date window instead.
        let out = out.unwrap();
        assert!(deleted(&out).is_empty() && !out.stats.reconciled);
        let d = out.diagnostics.iter().find(|d| d.code == "reconcile.failed").expect("said");
        assert!(d.message.contains("reconcile.item-url"), "{}", d.message);
        assert_eq!(out.state.listing, state.listing, "the last complete listing kept");
        // A page that fails (400): the date window is polled instead, and when it fails too,
        // the cycle fails (the host keeps the old state).
        let mut c = cycle(api, 2, Some(&state), T + 25 * HOUR, false);
        c.next_request().unwrap();
        c.handle_response(Response { status: 400, headers: &[], body: b"{}" });
        assert!(c.next_request().is_some() && !c.is_reconciling(), "the date window next");
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

/// Answers every request with `answer(url)` (status, headers, body) and returns the urls sent
/// (decoded) and the outcome.
fn drive_with(
    mut c: PollCycle,
    mut answer: impl FnMut(&str) -> (u16, Vec<(String, String)>, Vec<u8>),
) -> (Vec<String>, Result<Outcome, elements_poller::Error>) {
    let mut urls = Vec::new();
    while let Some(req) = c.next_request() {
        let url = http::decode_component(&req.http.url);
        let (status, headers, body) = answer(&url);
        urls.push(url);
        c.handle_response(Response { status, headers: &headers, body: &body });
    }
    (urls, c.finish())
}

#[test]
fn a_failing_full_listing_falls_back_to_the_date_window_and_is_tried_again_on_a_backoff() {
    const MIN: i64 = 60_000;
    for api in [Api::Hub, Api::Direct] {
        let (_, first) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
        let mut state = first.unwrap().state;
        // As an ordinary poll with the provider's Date would have left it (the rows' 2024-03-01).
        state.watermark = Some(1_709_251_200_000);
        let window_floor = "2024-0".to_owned();
        let listed = state.listing.clone().unwrap();
        // The window poll's answer: 2 updated since the last poll.
        let window = |url: &str| {
            assert!(!url.contains("offset=") && !url.contains("nextPage="), "the window's first page: {url}");
            let rows = json!([{"id": 2, "last_updated": "2024-03-11T00:00:00.000Z"}]);
            let body = match api {
                Api::Hub => serde_json::to_vec(&rows).unwrap(),
                Api::Direct => serde_json::to_vec(&json!({"contacts": rows, "count": 1, "next": ""})).unwrap(),
            };
            (200, vec![], body)
        };
        let page1 = || body(api, &[1, 2], &format!("{KEAP}/v1/contacts/?limit=2&offset=2"));
        let token = || if api == Api::Hub { vec![("elements-next-page-token".to_owned(), "2".to_owned())] } else { vec![] };
        // Due at T + 25 h: page 1 is read, page 2 answers 503 past its retries.
        let now1 = T + 25 * HOUR;
        let c = cycle(api, 2, Some(&state), now1, false);
        assert!(c.is_reconciling());
        let mut sent = 0;
        let (urls, out) = drive_with(c, |url| {
            sent += 1;
            match sent {
                1 => (200, token(), page1()),
                2..=7 => (503, vec![], b"{}".to_vec()),
                _ => window(url),
            }
        });
        let out = out.unwrap_or_else(|e| panic!("{api:?}: the cycle polls by date after its listing failed: {e:?}"));
        assert_eq!(urls.len(), 8, "page 1, page 2 and its 5 retries, then one window poll: {urls:?}");
        assert!(urls[7].contains(&window_floor), "from the watermark: {}", urls[7]);
        assert!(deleted(&out).is_empty(), "a failed listing compares nothing");
        assert_eq!(out.events.iter().map(|e| (e.event_type, e.object_id)).collect::<Vec<_>>(), [(EventType::Updated, "2".to_owned())]);
        assert!(!out.stats.reconciled);
        let d = out.diagnostics.iter().find(|d| d.code == "reconcile.failed").expect("said");
        assert!(d.message.contains("cycle.retries-exhausted"), "{}", d.message);
        let l = out.state.listing.as_ref().unwrap();
        assert_eq!((l.at, l.n, &l.ids), (listed.at, listed.n, &listed.ids), "the last complete listing kept");
        assert!(out.state.watermark > state.watermark, "the window poll moved the watermark");
        // The next cycles are ordinary polls until the backoff is over; asked for, it lists.
        assert!(!cycle(api, 2, Some(&out.state), now1 + 5 * MIN - 1, false).is_reconciling());
        assert!(cycle(api, 2, Some(&out.state), now1 + MIN, true).is_reconciling());
        let now2 = now1 + 5 * MIN;
        let c = cycle(api, 2, Some(&out.state), now2, false);
        assert!(c.is_reconciling(), "tried again after 5 minutes");
        // A truncated page this time: the wait doubles.
        let mut sent = 0;
        let (urls, out2) = drive_with(c, |url| {
            sent += 1;
            if sent == 1 {
                let mut b = page1();
                b.truncate(b.len() / 2);
                (200, token(), b)
            } else {
                window(url)
            }
        });
        assert_eq!(urls.len(), 2, "{urls:?}");
        let out2 = out2.unwrap();
        assert!(out2.diagnostics.iter().any(|d| d.code == "reconcile.failed"));
        assert_eq!(out2.state.listing.as_ref().unwrap().ids, listed.ids);
        assert!(!cycle(api, 2, Some(&out2.state), now2 + 10 * MIN - 1, false).is_reconciling());
        // Then a complete listing: 3 and 8 gone, and ordinary polls for a day again.
        let now3 = now2 + 10 * MIN;
        let c = cycle(api, 2, Some(&out2.state), now3, false);
        assert!(c.is_reconciling(), "tried again after 10 more minutes");
        let (_, out3) = drive(c, api, &[1, 2, 5], 2, |_| (404, "{}"));
        let out3 = out3.unwrap();
        let mut gone = deleted(&out3);
        gone.sort();
        assert_eq!(gone, ["3", "8"]);
        assert!(!cycle(api, 2, Some(&out3.state), now3 + 5 * MIN, false).is_reconciling(), "the backoff is over");
        assert!(cycle(api, 2, Some(&out3.state), now3 + 24 * HOUR, false).is_reconciling());
    }
}

#[test]
fn a_state_written_before_the_listing_backoff_still_loads() {
    let old = r#"{"v":1,"watermark":1709251200000,"from":null,"seen":[["1",1709251200000]],"listing":{"at":1710054309042,"n":0,"ids":""}}"#;
    let s = State::from_json(old).unwrap();
    assert_eq!(s.watermark, Some(1_709_251_200_000));
    assert!(!cycle(Api::Hub, 2, Some(&s), 1_710_054_309_042 + HOUR, false).is_reconciling());
    assert!(cycle(Api::Hub, 2, Some(&s), 1_710_054_309_042 + 24 * HOUR, false).is_reconciling());
}

/// A cycle asked to reconcile (`reconcile: true` from the host) a poller without `reconcile`
/// holds a drop beyond the default maxDrop (0.5), and deletes a smaller one at once.
#[test]
fn a_reconcile_asked_of_a_poller_without_one_uses_the_default_max_drop() {
    for api in [Api::Hub, Api::Direct] {
        let plain = |state: Option<&State>, now: i64| {
            let mut spec = spec(api, 10, 0.5);
            spec.reconcile = None;
            let d = detect::Options { start_from: "beginning".into(), now, instance: Some("i".into()), ..detect::Options::default() };
            let mut o = CycleOptions::new(spec, state.cloned(), d, if api == Api::Hub { HUB } else { KEAP });
            o.api = api;
            o.reconcile = true;
            PollCycle::new(o).unwrap()
        };
        let (_, first) = drive(plain(None, T), api, &[1, 2, 3, 4], 10, |_| unreachable!());
        let first = first.unwrap();
        let (_, one) = drive(plain(Some(&first.state), T + HOUR), api, &[1, 2, 3], 10, |_| unreachable!());
        let one = one.unwrap();
        assert_eq!(deleted(&one), ["4"], "{api:?}: 1 of 4 gone, within 0.5");
        let (_, all) = drive(plain(Some(&one.state), T + 2 * HOUR), api, &[], 10, |_| unreachable!());
        let all = all.unwrap();
        assert!(deleted(&all).is_empty() && all.stats.held, "{api:?}: 3 of 3 gone is beyond 0.5: held");
        // Between listings asked for, the poller's ordinary cycles keep no ids for the next
        // comparison: reconciliation is off, so the state does not grow with every id emitted.
        let mut o = CycleOptions::new(
            Spec { reconcile: None, ..spec(api, 10, 0.5) },
            Some(one.state.clone()),
            detect::Options { start_from: "beginning".into(), now: T + 3 * HOUR, instance: Some("i".into()), ..detect::Options::default() },
            if api == Api::Hub { HUB } else { KEAP },
        );
        o.api = api;
        let rows = json!([{"id": 9, "last_updated": "2024-03-11T00:00:00.000Z"}]);
        let (_, ordinary) = drive_with(PollCycle::new(o).unwrap(), |_| {
            let body = match api {
                Api::Hub => serde_json::to_vec(&rows).unwrap(),
                Api::Direct => serde_json::to_vec(&json!({"contacts": rows, "count": 1, "next": ""})).unwrap(),
            };
            (200, vec![], body)
        });
        let ordinary = ordinary.unwrap();
        assert_eq!(ordinary.events.len(), 1, "{api:?}: 9 is read");
        assert_eq!(ordinary.state.listing.as_ref().map(|l| l.added.as_str()), Some(""), "{api:?}");
    }
}

/// The listing keeps every id as the events name it: negative and text ids too (a negative
/// number is not read as a huge unsigned one, a text id that looks like a number with a leading
/// zero stays text).
#[test]
fn negative_and_text_ids_are_listed_as_their_events_name_them() {
    let page = |rows: serde_json::Value| move |_: &str| (200, vec![], serde_json::to_vec(&rows).unwrap());
    let row = |id: serde_json::Value| json!({"id": id, "last_updated": "2024-03-01T00:00:00.000Z"});
    let all = json!([row(json!(-5)), row(json!("007")), row(json!("x")), row(json!(7))]);
    let (_, first) = drive_with(cycle(Api::Hub, 10, None, T, true), page(all));
    let first = first.unwrap();
    assert_eq!(first.state.listing.as_ref().unwrap().n, 4);
    let (_, next) = drive_with(cycle(Api::Hub, 10, Some(&first.state), T + HOUR, true), page(json!([row(json!(7)), row(json!("x"))])));
    let mut gone = deleted(&next.unwrap());
    gone.sort();
    assert_eq!(gone, ["-5", "007"]);
}

/// Issue 13 (mutation testing): after a DELETED, the ordinary (date-window) cycles that follow
/// read another id's update as UPDATED, and the deleted id back as CREATED once: the saved
/// state forgets that it was gone, so its next update is UPDATED again.
#[test]
fn an_id_back_after_its_deleted_is_created_once_and_other_updates_stay_updated() {
    let api = Api::Hub;
    let (_, first) = drive(cycle(api, 2, None, T, false), api, &[1, 2, 3, 5, 8], 2, |_| unreachable!());
    let now = T + 25 * HOUR;
    let (_, listed) = drive(cycle(api, 2, Some(&first.unwrap().state), now, false), api, &[1, 2, 5, 8], 2, |_| (404, "{}"));
    let listed = listed.unwrap();
    assert_eq!(deleted(&listed), ["3"]);
    // One page, no next-page token: not a listing (the last one is an hour old).
    let poll = |state: &State, at: i64, rows: serde_json::Value| {
        let mut c = cycle(api, 2, Some(state), at, false);
        assert!(!c.is_reconciling());
        c.next_request().unwrap();
        c.handle_response(Response { status: 200, headers: &[], body: &serde_json::to_vec(&rows).unwrap() });
        assert!(c.next_request().is_none(), "one page");
        c.finish().unwrap()
    };
    let kinds = |o: &Outcome| o.events.iter().map(|e| (e.object_id.clone(), e.event_type)).collect::<Vec<_>>();
    let a = poll(
        &listed.state,
        now + HOUR,
        json!([{"id": 5, "last_updated": "2024-03-11T00:00:00.000Z"}, {"id": 3, "last_updated": "2024-03-11T00:00:00.000Z"}]),
    );
    assert_eq!(kinds(&a), [("5".to_owned(), EventType::Updated), ("3".to_owned(), EventType::Created)]);
    let b = poll(&a.state, now + 2 * HOUR, json!([{"id": 3, "last_updated": "2024-03-11T01:00:00.000Z"}]));
    assert_eq!(kinds(&b), [("3".to_owned(), EventType::Updated)], "3 is no longer gone in the saved state");
}
