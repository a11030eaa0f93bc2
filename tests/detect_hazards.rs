//! Each hazard of DESIGN section 6, one test each, on `detect` over raw bytes.

use elements_poller::detect::{self, EventType, Options, Outcome, Spec, State, detect, iso_utc};
use serde_json::json;

const T: i64 = 1_710_054_309_042; // 2024-03-10T07:05:09.042Z

fn spec() -> Spec {
    Spec::from_resource(&json!({
        "name": "appointments", "idField": "id",
        "datesConfiguration": {
            "updatedDateField": "modification_date", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
            "createdDateField": "creation_date", "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
        },
        "createdCheckTolerance": "0"
    }))
    .unwrap()
}

fn rec(id: u64, created: i64, updated: i64) -> String {
    format!(r#"{{"id":{id},"title":"x","creation_date":"{}","modification_date":"{}","notes":{{"a":[1,2]}}}}"#, iso_utc(created), iso_utc(updated))
}

fn body(recs: &[(u64, i64, i64)]) -> Vec<u8> {
    format!("[{}]", recs.iter().map(|&(i, c, u)| rec(i, c, u)).collect::<Vec<_>>().join(",")).into_bytes()
}

fn opts(lookback_ms: i64) -> Options {
    Options { start_from: "beginning".into(), now: T, lookback_ms, instance: Some("inst".into()), ..Options::default() }
}

/// Polls through a string store, as a host would.
fn poll(state: &Option<String>, b: &[u8], o: &Options) -> (Outcome, Option<String>) {
    let st = state.as_deref().map(|s| State::from_json(s).unwrap());
    let out = detect(&spec(), st.as_ref(), b, o).unwrap();
    let saved = Some(out.state.to_json());
    (out, saved)
}

fn ids(out: &Outcome) -> Vec<(String, i64)> {
    out.events.iter().map(|e| (e.object_id.clone(), e.instant)).collect()
}

#[test]
fn many_records_sharing_the_watermark_instant() {
    // Poll 1 sees two of a burst at T; poll 2 sees the whole burst (paging, late indexing).
    let (a, st) = poll(&None, &body(&[(1, T, T), (2, T, T)]), &opts(0));
    assert_eq!(a.events.len(), 2);
    let (b, st) = poll(&st, &body(&[(1, T, T), (2, T, T), (3, T, T), (4, T, T)]), &opts(0));
    assert_eq!(ids(&b), vec![("3".into(), T), ("4".into(), T)]);
    let (c, _) = poll(&st, &body(&[(1, T, T), (2, T, T), (3, T, T), (4, T, T)]), &opts(0));
    assert!(c.events.is_empty(), "nothing repeated: {:?}", ids(&c));
}

#[test]
fn coarser_query_than_data_returns_a_superset_without_repeats() {
    // A seconds where clause returns everything in the watermark's second again.
    let (_, st) = poll(&None, &body(&[(1, T - 500, T - 500), (2, T, T)]), &opts(1000));
    let (b, _) = poll(&st, &body(&[(1, T - 500, T - 500), (2, T, T), (3, T - 10, T - 10), (4, T + 1, T + 1)]), &opts(1000));
    assert_eq!(ids(&b), vec![("3".into(), T - 10), ("4".into(), T + 1)], "3 is late but within lookback");
}

#[test]
fn records_visible_late_within_lookback_are_emitted_once() {
    let (_, st) = poll(&None, &body(&[(1, T, T)]), &opts(30_000));
    let late = (2, T - 20_000, T - 20_000);
    let (b, st) = poll(&st, &body(&[late, (1, T, T)]), &opts(30_000));
    assert_eq!(ids(&b), vec![("2".into(), T - 20_000)]);
    let (c, _) = poll(&st, &body(&[late, (1, T, T)]), &opts(30_000));
    assert!(c.events.is_empty());
    // Later than the lookback: outside the contract, not emitted (and counted).
    let (_, st0) = poll(&None, &body(&[(1, T, T)]), &opts(10_000));
    let (d, _) = poll(&st0, &body(&[late]), &opts(10_000));
    assert_eq!((d.events.len(), d.stats.old), (0, 1));
}

#[test]
fn a_crash_before_saving_repeats_with_the_same_event_ids() {
    let (_, st) = poll(&None, &body(&[(1, T, T)]), &opts(0));
    let b = body(&[(1, T, T), (2, T + 5, T + 5), (1, T, T + 9)]);
    let (first, _lost_state) = poll(&st, &b, &opts(0));
    let (again, _) = poll(&st, &b, &opts(0));
    assert_eq!(first.events, again.events, "same input state, same events and ids");
    assert_eq!(first.events.len(), 2);
}

#[test]
fn provider_clock_skew_does_not_matter_only_record_instants_do() {
    // Our clock is an hour behind the provider's: the watermark follows the records.
    let skewed = Options { now: T - 3_600_000, ..opts(0) };
    let (_, st) = poll(&None, &body(&[(1, T, T)]), &skewed);
    let (b, _) = poll(&st, &body(&[(1, T, T), (2, T + 1, T + 1)]), &skewed);
    assert_eq!(ids(&b), vec![("2".into(), T + 1)]);
    // The provider's Date caps the watermark: rows stamped after it are read again, not repeated.
    let capped = Options { provider_now: Some(T - 1000), ..opts(0) };
    let (c, st) = poll(&None, &body(&[(1, T, T)]), &capped);
    assert_eq!(c.state.watermark, Some(T - 1000));
    let (d, _) = poll(&st, &body(&[(1, T, T)]), &opts(0));
    assert!(d.events.is_empty());
}

#[test]
fn created_then_updated_classification() {
    let start = Options { start_from: iso_utc(T), ..opts(0) };
    let (a, st) = poll(&None, &body(&[(1, T - 9_000, T + 1), (2, T + 2, T + 2), (3, T + 3, T + 7)]), &start);
    let a_events = a.events.to_vec();
    let types: Vec<_> = a_events.iter().map(|e| (e.object_id.as_str(), e.event_type)).collect();
    assert_eq!(
        types,
        vec![("1", EventType::Updated), ("2", EventType::Created), ("3", EventType::Created)],
        "3 was created after the start, updated before we saw it"
    );
    let (b, _) = poll(&st, &body(&[(2, T + 2, T + 20), (4, T + 21, T + 21)]), &start);
    let b_events = b.events.to_vec();
    let types: Vec<_> = b_events.iter().map(|e| (e.object_id.as_str(), e.event_type)).collect();
    assert_eq!(types, vec![("2", EventType::Updated), ("4", EventType::Created)]);
    assert!(a.events.iter().all(|e| e.date == iso_utc(e.instant) && e.event_id.len() == 32));
}

#[test]
fn start_from_now_and_instant() {
    let b = body(&[(1, T - 10, T - 10), (2, T + 10, T + 10)]);
    // "now": the first poll is a baseline. It emits nothing, even a version stamped after
    // our now by a provider whose clock is ahead, and remembers what it read.
    let now = Options { start_from: "now".into(), now: T, ..opts(2_000) };
    let first = detect(&spec(), None, &b, &now).unwrap();
    assert_eq!((first.events.len(), first.stats.baseline), (0, 2));
    // Then a provider whose clock is behind ours shows what it wrote after our start, stamped
    // before it (within lookback + pollDelay), and one stamped in our start's own millisecond:
    // both are emitted, CREATED. The baseline's versions are not emitted again, and an update
    // of a baseline object is UPDATED.
    let later = body(&[(1, T - 10, T - 10), (2, T + 10, T + 10), (3, T - 1_500, T - 1_500), (4, T, T), (2, T + 10, T + 20)]);
    let next = Options { now: T + 60_000, ..now.clone() };
    let second = detect(&spec(), Some(&first.state), &later, &next).unwrap();
    let second_events = second.events.to_vec();
    let types: Vec<_> = second_events.iter().map(|e| (e.object_id.as_str(), e.instant, e.event_type)).collect();
    assert_eq!(types, vec![("3", T - 1_500, EventType::Created), ("4", T, EventType::Created), ("2", T + 20, EventType::Updated)]);
    // Beyond the allowance a version is older than the start: outside the contract.
    let too_old = body(&[(5, T - 2_001, T - 2_001)]);
    assert!(detect(&spec(), Some(&first.state), &too_old, &next).unwrap().events.is_empty());
    let at = Options { start_from: "2024-03-10T07:05:09.032Z".into(), ..opts(0) };
    assert_eq!(detect(&spec(), None, &b, &at).unwrap().events.len(), 2);
    let bad = Options { start_from: "yesterday".into(), ..opts(0) };
    assert_eq!(detect(&spec(), None, &b, &bad).unwrap_err().code, "start-from.invalid");
}

#[test]
fn filter_by_created_date_and_current_date() {
    let by_created = Spec::from_resource(&json!({"name": "a", "idField": "id", "filterByUpdatedDate": "false",
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "creation_date"}}))
    .unwrap();
    let b = body(&[(1, T, T + 50), (2, T + 1, T + 1)]);
    let out = detect(&by_created, None, &b, &opts(0)).unwrap();
    assert_eq!(ids(&out), vec![("1".into(), T), ("2".into(), T + 1)]);
    assert!(out.events.iter().all(|e| e.event_type == EventType::Created));
    let st = out.state;
    let again = detect(&by_created, Some(&st), &body(&[(1, T, T + 99), (2, T + 1, T + 80)]), &opts(0)).unwrap();
    assert!(again.events.is_empty(), "updates do not drive detection when filterByUpdatedDate is false");

    let current = Spec::from_resource(&json!({"name": "a", "idField": "id", "filterByCurrentDate": true,
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "creation_date"}}))
    .unwrap();
    let b = body(&[(1, T - 5, T - 5), (2, T + 5, T + 5)]);
    let out = detect(&current, None, &b, &opts(0)).unwrap();
    assert_eq!((ids(&out), out.stats.deferred), (vec![("1".into(), T - 5)], 1));
    assert!(out.state.watermark <= Some(T + 5));
    let later = Options { now: T + 10, ..opts(0) };
    let out = detect(&current, Some(&out.state), &b, &later).unwrap();
    assert_eq!(ids(&out), vec![("2".into(), T + 5)], "deferred, then emitted once");
}

#[test]
fn per_record_problems_are_diagnostics_and_the_batch_goes_on() {
    let b = format!(
        r#"[{}, {{"title":"no id","modification_date":"{d}"}}, {{"id":"x","modification_date":"not a date"}}, 17, {{"id":7}}, {}]"#,
        rec(1, T, T),
        rec(2, T, T + 1),
        d = iso_utc(T)
    );
    let out = detect(&spec(), None, b.as_bytes(), &opts(0)).unwrap();
    assert_eq!(out.events.len(), 2);
    let d: Vec<_> = out.diagnostics.iter().map(|d| (d.code, d.path.as_str())).collect();
    assert_eq!(d, vec![("record.missing-id", "[1]"), ("record.bad-date", "[2]"), ("record.not-object", "[3]"), ("record.missing-date", "[4]")]);
    assert_eq!(out.stats.invalid, 4);
    // The record's id leads the message, a numeric one written out as digits.
    assert!(out.diagnostics[1].message.starts_with("record 2: (x) bad date at"), "{}", out.diagnostics[1].message);
    assert!(out.diagnostics[3].message.starts_with("record 4: (7) no date at"), "{}", out.diagnostics[3].message);
    assert_eq!(detect(&spec(), None, b"[{\"id\":1,", &opts(0)).unwrap_err().code, "body.not-json");
    assert_eq!(detect(&spec(), None, b"{\"items\":[]}", &opts(0)).unwrap_err().code, "body.no-records");
}

#[test]
fn dotted_paths_numeric_formats_and_a_records_field() {
    let s = Spec::from_resource(&json!({"name": "contacts", "idField": "vid",
        "datesConfiguration": {"updatedDateField": "properties.lastmodifieddate", "updatedDateFormat": "milliseconds",
                               "createdDateField": "properties.createdate", "createdDateFormat": "milliseconds"}}))
    .unwrap();
    let b = format!(
        r#"{{"has-more":false,"contacts":[{{"vid":"a1","properties":{{"lastmodifieddate":{T},"createdate":"{T}"}}}},{{"vid":5,"properties":{{"lastmodifieddate":"{}"}}}}]}}"#,
        T + 1
    );
    let o = Options { records_field: Some("contacts".into()), raw: true, element_key: Some("hubspotcrm".into()), ..opts(0) };
    let out = detect(&s, None, b.as_bytes(), &o).unwrap();
    assert_eq!(ids(&out), vec![("a1".into(), T), ("5".into(), T + 1)]);
    assert_eq!(out.events.raw(0).unwrap()["vid"], "a1");
    let ev = serde_json::to_value(out.events.get(0).unwrap()).unwrap();
    assert_eq!(ev["eventType"], "CREATED");
    assert_eq!(ev["elementKey"], "hubspotcrm");
    assert_eq!(ev["date"], iso_utc(T));
}

#[test]
fn the_state_bound_degrades_to_repeats_with_the_same_ids_never_loss() {
    let o = Options { max_seen: 3, ..opts(60_000) };
    let recs: Vec<_> = (1..=6).map(|i| (i, T + i as i64, T + i as i64)).collect();
    let (a, st) = poll(&None, &body(&recs), &o);
    assert_eq!(a.events.len(), 6);
    let state = State::from_json(st.as_deref().unwrap()).unwrap();
    assert_eq!((state.seen.len(), state.evicted, a.stats.evicted), (3, Some(T + 3), 3));
    // The evicted versions come back (at-least-once) with the same ids; nothing is lost.
    let mut more = recs.clone();
    more.push((7, T + 7, T + 7));
    let (b, _) = poll(&st, &body(&more), &o);
    let repeated: Vec<_> = b.events.iter().filter(|e| e.instant <= T + 3).collect();
    assert_eq!(repeated.len(), 3);
    for r in repeated {
        assert!(a.events.iter().any(|e| e.event_id == r.event_id));
    }
    assert!(b.events.iter().any(|e| e.object_id == "7"));
    assert!(!b.events.iter().any(|e| e.instant > T + 3 && e.instant < T + 7), "the kept versions are not repeated");
}

#[test]
fn state_round_trips_and_rejects_other_versions() {
    let (_, st) = poll(&None, &body(&[(1, T, T), (2, T, T)]), &opts(5000));
    let s = st.unwrap();
    assert!(s.starts_with("{\"v\":1,"), "{s}");
    let back = State::from_json(&s).unwrap();
    assert_eq!(back.to_json(), s);
    assert_eq!(State::from_json(&s.replace("\"v\":1", "\"v\":2")).unwrap_err().code, "state.version");
    assert_eq!(State::from_json("nope").unwrap_err().code, "state.invalid");
}

#[test]
fn lenient_resource_values() {
    let s = Spec::from_resource(&json!({"name": "x", "idField": "id", "pollDelay": "5", "pageSize": 50, "filterByCurrentDate": "true",
        "datesConfiguration": {"updatedDateField": "u", "createdCheckTolerance": 3}}))
    .unwrap();
    assert_eq!((s.poll_delay_ms, s.page_size, s.filter_by_current_date, s.created_check_tolerance_ms), (5000, 50, true, 3000));
    // The configuration's reader, with its codes and paths.
    let e = Spec::from_resource(&json!({"name": "x", "idField": "id", "datesConfiguration": {}})).unwrap_err();
    assert_eq!((e.code, e.path.as_deref()), ("config.required", Some("datesConfiguration.updatedDateField")));
    let e = Spec::from_resource(
        &json!({"name": "x", "idField": "id", "datesConfiguration": {"updatedDateField": "u", "updatedDateTimezone": "Mars/Base"}}),
    )
    .unwrap_err();
    assert_eq!(e.code, "zone.unknown");
    assert_eq!(detect::event_id("i", "t", "1", 5), detect::event_id("i", "t", "1", 5));
    assert_ne!(detect::event_id("i", "t", "1", 5), detect::event_id("i", "t", "1", 6));
}

/// `eventId` is a contract (CHANGELOG.md): pinned digits, and the one-shot hash of a short
/// version equals the streamed hash a long one takes.
#[test]
fn event_ids_are_pinned_and_both_paths_agree() {
    assert_eq!(detect::event_id("inst-1", "appointments", "42", 1_704_067_200_123), "c545854982b8c926c3573c3e24862ebf");
    for id in ["1".to_owned(), "é".repeat(40), "x".repeat(500)] {
        let text = format!("inst\x1fcontacts\x1f{id}\x1f-17");
        let want = format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes()));
        assert_eq!(detect::event_id("inst", "contacts", &id, -17), want, "{} bytes", id.len());
    }
}

/// DESIGN section 5: indexed and quoted field paths are read the way validation accepts them,
/// so an indexed created date is not silently "missing" (every event UPDATED).
#[test]
fn indexed_and_quoted_field_paths() {
    let spec = Spec::from_resource(&json!({
        "name": "contacts", "idField": "ids[1]",
        "datesConfiguration": {"updatedDateField": "history[0].at", "createdDateField": "items[0]['created.at']"},
        "createdCheckTolerance": 0
    }))
    .unwrap();
    let body = format!(
        r#"[{{"ids": ["x", 41], "history": [{{"at": "{u}"}}, {{"at": "{old}"}}], "items": [{{"created.at": "{u}"}}]}},
            {{"ids": ["y", 42], "history": [{{"at": "{u2}"}}], "items": [{{"created.at": "{old}"}}]}}]"#,
        u = iso_utc(T),
        u2 = iso_utc(T + 5),
        old = iso_utc(T - 60_000)
    );
    // Starting a second before T: the second record was created a minute before, so UPDATED.
    let from = Options { start_from: iso_utc(T - 1_000), ..opts(0) };
    let out = detect(&spec, None, body.as_bytes(), &from).unwrap();
    let out_events = out.events.to_vec();
    let got: Vec<_> = out_events.iter().map(|e| (e.object_id.as_str(), e.instant, e.event_type)).collect();
    assert_eq!(got, vec![("41", T, EventType::Created), ("42", T + 5, EventType::Updated)]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    // A path the grammar cannot read is refused by the one reader, at its column.
    let bad = Spec::from_resource(&json!({"name": "c", "idField": "ids[x]", "datesConfiguration": {"updatedDateField": "u"}})).unwrap_err();
    assert_eq!((bad.code, bad.path.as_deref(), bad.column), ("poller.field-path.malformed", Some("idField"), Some(3)));
}

/// A configured created field that no record of a page has: one diagnostic for the page,
/// naming the field and the first record's keys.
#[test]
fn a_created_field_no_record_has_is_reported_once_per_page() {
    let misnamed = Spec::from_resource(&json!({
        "name": "appointments", "idField": "id",
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "date_created"}
    }))
    .unwrap();
    let b = body(&[(1, T, T), (2, T, T + 1), (3, T, T + 2)]);
    let out = detect(&misnamed, None, &b, &opts(0)).unwrap();
    assert_eq!(out.events.len(), 3);
    let ds: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "record.created-field.missing").collect();
    assert_eq!(ds.len(), 1, "{:?}", out.diagnostics);
    assert!(ds[0].message.contains("\"date_created\"") && ds[0].message.contains("creation_date, modification_date"), "{}", ds[0].message);
    // With the field present on any record of the page, nothing is said.
    assert!(detect(&spec(), None, &b, &opts(0)).unwrap().diagnostics.is_empty());
}

/// Issue 13: one record far in the future (the default pattern reads year 99999999) with no
/// `Date` header moved the watermark there, and every later change was skipped. It is emitted
/// once with a diagnostic; the watermark stays where time is plausible; later changes come out.
#[test]
fn a_far_future_record_never_moves_the_watermark() {
    let far = elements_poller::datefmt::DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
        .unwrap()
        .parse("99999999-01-01T00:00:00.000Z", &elements_poller::zone::Zone::UTC)
        .unwrap();
    let now = Options { now: T + 1_000, ..opts(0) };
    // Written as the issue's hub wrote it (iso_utc would write the year with a sign).
    let far_record = |b: Vec<u8>| {
        let s = String::from_utf8(b).unwrap();
        s.replacen('[', &format!(r#"[{{"id":2,"creation_date":"{}","modification_date":"99999999-01-01T00:00:00.000Z"}},"#, iso_utc(T)), 1)
            .into_bytes()
    };
    let b = far_record(body(&[(1, T, T)]));
    let first = detect(&spec(), None, &b, &now).unwrap();
    assert_eq!(first.events.len(), 2, "both emitted: {:?}", first.diagnostics);
    assert_eq!(first.events.instant(0), far);
    assert_eq!(first.stats.future, 1);
    assert!(first.diagnostics.iter().any(|d| d.code == "record.future-date"), "{:?}", first.diagnostics);
    assert_eq!(first.state.watermark, Some(T), "the watermark stays where time is plausible");
    // The next poll: the far-future version is not emitted again, nor said again; a change made
    // since is emitted.
    let later = far_record(body(&[(1, T, T), (3, T + 500, T + 500)]));
    let second = detect(&spec(), Some(&first.state), &later, &Options { now: T + 60_000, ..now.clone() }).unwrap();
    assert_eq!(ids(&second), vec![("3".into(), T + 500)]);
    assert!(second.diagnostics.is_empty(), "{:?}", second.diagnostics);
    // A provider clock a few hours ahead is within the allowance (a day by default): it moves it.
    let ahead = detect(&spec(), None, &body(&[(4, T, T + 3 * 3_600_000)]), &now).unwrap();
    assert_eq!((ahead.stats.future, ahead.state.watermark), (0, Some(T + 3 * 3_600_000)));
    // In a "now" baseline the far-future version is remembered, not emitted: no diagnostic
    // says it was, and it moves nothing.
    let base = detect(&spec(), None, &b, &Options { start_from: "now".into(), ..now.clone() }).unwrap();
    assert_eq!((base.events.len(), base.stats.future, base.state.watermark), (0, 0, Some(T + 1_000)));
    assert!(base.diagnostics.iter().all(|d| d.code != "record.future-date"), "{:?}", base.diagnostics);
    // The allowance is the caller's: an hour makes that record implausible.
    let strict = Options { max_clock_skew_ms: 3_600_000, ..now.clone() };
    assert_eq!(detect(&spec(), None, &body(&[(4, T, T + 3 * 3_600_000)]), &strict).unwrap().stats.future, 1);
}

/// Numeric ids become their digits (written by hand, not by `fmt`): at the edges of i64 and
/// u64, negative, and a whole float.
#[test]
fn numeric_ids_become_their_digits() {
    let date = iso_utc(T - 1);
    let ids_in = ["0", "-5", "9223372036854775807", "-9223372036854775808", "18446744073709551615", "1000.0", "-3e2", "\"x-1\""];
    let recs: Vec<String> = ids_in.iter().map(|id| format!(r#"{{"id":{id},"creation_date":"{date}","modification_date":"{date}"}}"#)).collect();
    let out = detect(&spec(), None, format!("[{}]", recs.join(",")).as_bytes(), &opts(0)).unwrap();
    let got: Vec<String> = out.events.iter().map(|e| e.object_id).collect();
    assert_eq!(
        got,
        ["0", "-5", "9223372036854775807", "-9223372036854775808", "18446744073709551615", "1000", "-300", "x-1"],
        "{:?}",
        out.diagnostics
    );
}
/// Issue 13 (mutation testing): the far-future cut-off is exclusive. A version stamped exactly
/// `now + maxClockSkew` is plausible and moves the watermark; one millisecond later it does not.
#[test]
fn the_future_cut_off_is_now_plus_the_skew_exactly() {
    let o = Options { max_clock_skew_ms: 3_600_000, ..opts(0) };
    let edge = T + 3_600_000;
    let at = detect(&spec(), None, &body(&[(1, T, edge)]), &o).unwrap();
    assert_eq!((at.events.len(), at.stats.future, at.state.watermark), (1, 0, Some(edge)));
    assert!(at.diagnostics.is_empty(), "{:?}", at.diagnostics);
    let past = detect(&spec(), None, &body(&[(1, T, edge + 1)]), &o).unwrap();
    assert_eq!((past.events.len(), past.stats.future, past.state.watermark), (1, 1, None));
    // A negative allowance is no allowance, not a cut-off before `now`.
    let none = Options { max_clock_skew_ms: -5_000, ..opts(0) };
    let now = detect(&spec(), None, &body(&[(1, T - 10, T)]), &none).unwrap();
    assert_eq!((now.stats.future, now.state.watermark), (0, Some(T)));
    assert_eq!(detect(&spec(), None, &body(&[(1, T, T + 1)]), &none).unwrap().stats.future, 1);
}

/// Issue 13 (mutation testing): a multi-page pass counts as changed when it reads a row updated
/// at or after the provider's clock at its start (in that very millisecond too), unless the row
/// was created then: a created row is appended at the end and shifts nothing.
#[test]
fn a_row_updated_in_the_instant_the_pass_started_changes_the_pass() {
    let pass = |multi_page: bool, provider_now: Option<i64>, recs: &[(u64, i64, i64)]| {
        let mut d = detect::Detector::new(&spec(), None, &opts(0)).unwrap();
        d.begin_pass(multi_page, provider_now);
        d.feed(&body(recs)).unwrap();
        d.pass_changed()
    };
    assert!(pass(true, Some(T), &[(1, T - 5_000, T)]), "updated at the pass start");
    assert!(!pass(true, Some(T), &[(1, T - 5_000, T - 1)]), "updated before it");
    assert!(!pass(true, Some(T), &[(1, T, T)]), "created at the pass start");
    assert!(pass(true, Some(T), &[(1, T - 1, T)]), "created just before, updated at it");
    assert!(pass(true, Some(T), &[(1, T - 9_000, T - 5_000), (1, T - 9_000, T - 4_000)]), "one object read twice");
    // Without the provider's clock every multi-page pass counts as changed; one page never does.
    assert!(pass(true, None, &[(1, T - 5_000, T - 5_000)]));
    assert!(!pass(false, Some(T), &[(1, T - 5_000, T + 5_000)]));
    assert!(!pass(false, None, &[(1, T - 5_000, T + 5_000)]));
}

/// Issue 13 (mutation testing): `filterByCurrentDate` defers records created after `now`;
/// one created in that very millisecond is not after it, and is emitted.
#[test]
fn a_record_created_exactly_now_is_not_deferred() {
    let current = Spec::from_resource(&json!({"name": "a", "idField": "id", "filterByCurrentDate": true,
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "creation_date"}}))
    .unwrap();
    let out = detect(&current, None, &body(&[(1, T, T), (2, T + 1, T + 1)]), &opts(0)).unwrap();
    assert_eq!((ids(&out), out.stats.deferred), (vec![("1".into(), T)], 1));
}

/// Issue 13 (mutation testing): under `filterByCurrentDate`, a record below the floor whose
/// created date is after `now` (a provider clock ahead of ours) is old, on one page (the early
/// skip) and in a multi-page pass alike: it was handled by an earlier poll, and deferring it
/// would hold the watermark below the floor for as long as its created date stays ahead.
#[test]
fn an_old_record_created_in_the_future_is_old_on_one_page_and_in_a_multi_page_pass() {
    let current = Spec::from_resource(&json!({"name": "a", "idField": "id", "filterByCurrentDate": true,
        "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "creation_date"}}))
    .unwrap();
    let state = State { v: 1, watermark: Some(T), from: None, evicted: None, seen: vec![], listing: None, relist: None };
    let now = T + 60_000;
    let o = Options { now, ..opts(0) };
    // 1: updated below the floor (the watermark, lookback 0), created after `now`; 2: new.
    let b = body(&[(1, now + 60_000, T - 10), (2, T + 1, T + 1)]);
    let seen = |out: &Outcome| (ids(out), out.stats.old, out.stats.deferred, out.state.watermark);
    let one_page = detect(&current, Some(&state), &b, &o).unwrap();
    assert_eq!(seen(&one_page), (vec![("2".into(), T + 1)], 1, 0, Some(T + 1)));
    let mut d = detect::Detector::new(&current, Some(&state), &o).unwrap();
    d.begin_pass(true, Some(now));
    d.feed(&b).unwrap();
    assert!(!d.pass_changed(), "nothing in the pass moved");
    assert_eq!(seen(&d.finish().unwrap()), seen(&one_page), "a multi-page pass is the same");
}

/// Issue 13 (mutation testing): the poll summary counts each kind of record, on one page (the
/// early skip of old records) and in a multi-page pass (where every record is read through).
#[test]
fn the_summary_counts_each_kind_of_record() {
    let state = State { v: 1, watermark: Some(T), from: None, evicted: None, seen: vec![("1".into(), T)], listing: None, relist: None };
    // 1: already emitted; 2: below the floor (the watermark, lookback 0); 3: new; 4: updated.
    let b = body(&[(1, T - 10, T), (2, T - 10, T - 1), (3, T + 1, T + 1), (4, T - 10, T + 2)]);
    let count = |s: &detect::Stats| (s.records, s.old, s.repeated, s.created, s.updated, s.events);
    let one_page = detect(&spec(), Some(&state), &b, &opts(0)).unwrap();
    assert_eq!(count(&one_page.stats), (4, 1, 1, 1, 1, 2));
    let mut d = detect::Detector::new(&spec(), Some(&state), &opts(0)).unwrap();
    d.begin_pass(true, Some(T + 60_000));
    d.feed(&b).unwrap();
    assert_eq!(count(&d.stats()), (4, 1, 1, 1, 1, 2), "progress, before finish");
    assert_eq!(count(&d.finish().unwrap().stats), (4, 1, 1, 1, 1, 2));
}

/// Issue 13 (mutation testing): a per-record diagnostic says what is wrong with the id, and
/// from the second page on, which page the record is on.
#[test]
fn diagnostics_name_the_id_problem_and_the_page() {
    let d = iso_utc(T);
    let b = format!(
        r#"[{{"modification_date":"{d}"}},{{"id":"","modification_date":"{d}"}},{{"id":true,"modification_date":"{d}"}},{{"id":1.5,"modification_date":"{d}"}}]"#
    );
    let mut det = detect::Detector::new(&spec(), None, &opts(0)).unwrap();
    det.feed(b.as_bytes()).unwrap();
    // Neither page's records have the created date field: one diagnostic a page, the second saying which.
    det.feed(format!(r#"[{{"modification_date":"{d}"}},{{"id":9,"modification_date":"{d}"}}]"#).as_bytes()).unwrap();
    let out = det.finish().unwrap();
    let messages: Vec<_> = out.diagnostics.iter().map(|x| (x.code, x.message.as_str())).collect();
    assert_eq!(
        messages,
        vec![
            ("record.missing-id", "record 0: has no id at \"id\""),
            ("record.missing-id", "record 1: has an unusable id at \"id\""),
            ("record.missing-id", "record 2: has a boolean as id at \"id\""),
            ("record.missing-id", "record 3: has an unusable id at \"id\""),
            ("record.created-field.missing", "no record has the created date field \"creation_date\"; the first record has: modification_date"),
            ("record.missing-id", "record 0 (page 2): has no id at \"id\""),
            (
                "record.created-field.missing",
                "no record of page 2 has the created date field \"creation_date\"; the first record has: modification_date"
            ),
        ]
    );
}

/// Issue 13 (mutation testing): a negative integer id is its digits; a whole float is an id, written as digits, while f64 still
/// counts by ones (below 9e15 in magnitude); beyond, or with a fraction, it is unusable.
#[test]
fn whole_float_ids_below_9e15_are_ids() {
    let d = iso_utc(T);
    let recs: Vec<String> = ["7.0", "-8999999999999998.0", "-5", "9.0e15", "-9.0e15", "2.5"]
        .iter()
        .map(|id| format!(r#"{{"id":{id},"creation_date":"{d}","modification_date":"{d}"}}"#))
        .collect();
    let out = detect(&spec(), None, format!("[{}]", recs.join(",")).as_bytes(), &opts(0)).unwrap();
    assert_eq!(ids(&out), vec![("7".into(), T), ("-8999999999999998".into(), T), ("-5".into(), T)]);
    let d: Vec<_> = out.diagnostics.iter().map(|d| (d.code, d.path.as_str())).collect();
    assert_eq!(d, vec![("record.missing-id", "[3]"), ("record.missing-id", "[4]"), ("record.missing-id", "[5]")]);
}

/// Issue 13 (mutation testing): a resource's name is its key in the poller configuration; a
/// blank one is an error, not an object type of "".
#[test]
fn a_blank_resource_name_is_an_error() {
    for name in [json!(""), json!("  "), json!(5), serde_json::Value::Null] {
        let r = json!({"name": name, "idField": "id", "datesConfiguration": {"updatedDateField": "modification_date"}});
        assert_eq!(Spec::from_resource(&r).unwrap_err().code, "resource.name", "{name}");
    }
    let r = json!({"name": " a ", "idField": "id", "datesConfiguration": {"updatedDateField": "modification_date"}});
    assert_eq!(Spec::from_resource(&r).unwrap().name, "a");
}

/// Issue 13 (mutation testing): the eventId contract (CHANGELOG.md), computed here the plain
/// way: 32 lowercase hex digits of XXH3-128 (seed 0) of `instance 0x1f objectType 0x1f
/// objectId 0x1f epoch-ms`, the instant in decimal.
#[test]
fn event_ids_are_xxh3_128_of_the_version() {
    for (inst, ty, id, at) in
        [("inst", "appointments", "1", T), ("", "t", "x", -1_234), ("i", "t", "1", 0), ("i", "t", "é", i64::MIN), ("i", "t", "1", i64::MAX)]
    {
        let text = format!("{inst}\x1f{ty}\x1f{id}\x1f{at}");
        assert_eq!(detect::event_id(inst, ty, id, at), format!("{:032x}", xxhash_rust::xxh3::xxh3_128(text.as_bytes())), "{text:?}");
    }
}

/// Issue 13 (mutation testing): `seen` keeps the versions at or after `H - keep` (here the
/// lookback: the watermark stays T on an empty page) and forgets the older ones, for an id with
/// one version kept and for one with two.
#[test]
fn seen_forgets_versions_older_than_the_watermark_less_keep() {
    let low = T - 60_000;
    let seen = vec![("1".into(), low - 1), ("2".into(), low), ("3".into(), low - 1), ("3".into(), low + 5)];
    let state = State { v: 1, watermark: Some(T), from: None, evicted: None, seen, listing: None, relist: None };
    let out = detect(&spec(), Some(&state), b"[]", &opts(60_000)).unwrap();
    assert_eq!(out.state.watermark, Some(T));
    assert_eq!(out.state.seen, [("2".to_owned(), low), ("3".to_owned(), low + 5)]);
}
