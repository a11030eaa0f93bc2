//! Issue 13: inputs at the edges of the integer types reach the core's arithmetic (a saved
//! state, the options, a response's headers). Native tests run with overflow checks, so an
//! overflow here is a panic, as it is in the fuzz targets; in the release wasm it silently
//! wrapped (a floor from the far future, every record "old").
use elements_poller::cycle::{CycleOptions, PollCycle};
use elements_poller::detect::{self, Options, Spec, State};
use elements_poller::http::{Response, status as http_status};
use serde_json::json;

fn spec() -> Spec {
    Spec::from_resource(&json!({"name": "a", "url": "/hubs/crm/a", "idField": "id", "pollDelay": 30, "createdCheckTolerance": 60,
        "datesConfiguration": {"updatedDateField": "d", "createdDateField": "c"}}))
    .unwrap()
}

const BODY: &[u8] = br#"[{"id": 1, "d": "2024-03-10T07:05:09.042Z", "c": "2024-03-10T07:05:09.042Z"}]"#;

#[test]
fn a_state_and_options_at_the_ends_of_i64_do_not_overflow() {
    let states = [
        State {
            v: 1,
            watermark: Some(i64::MIN),
            from: Some(i64::MIN),
            evicted: Some(i64::MAX),
            seen: vec![("x".into(), i64::MAX)],
            listing: None,
            relist: None,
        },
        State {
            v: 1,
            watermark: Some(i64::MAX),
            from: None,
            evicted: Some(i64::MIN),
            seen: vec![("x".into(), i64::MIN)],
            listing: None,
            relist: None,
        },
    ];
    for lookback_ms in [0, i64::MAX] {
        let opts = Options { lookback_ms, now: i64::MAX, ..Options::default() };
        for s in &states {
            let out = detect::detect(&spec(), Some(s), BODY, &opts).unwrap();
            assert_eq!(State::from_json(&out.state.to_json()).unwrap(), out.state);
        }
    }
    // From the bottom of the range the record is read and emitted: the floor did not wrap.
    let out = detect::detect(&spec(), Some(&states[0]), BODY, &Options { lookback_ms: 1000, ..Options::default() }).unwrap();
    assert_eq!(out.events.len(), 1);
}

#[test]
fn only_whole_numbers_100_to_599_are_statuses() {
    for (n, s) in [
        (200.0, 200),
        (100.0, 100),
        (599.0, 599),
        (429.0, 429),
        (0.0, 0),
        (65736.0, 0),
        (-65336.0, 0),
        (4_294_967_496.0, 0),
        (200.9, 0),
        (99.0, 0),
        (600.0, 0),
        (f64::NAN, 0),
        (f64::INFINITY, 0),
        (-0.0, 0),
    ] {
        assert_eq!(http_status(n), s, "{n}");
    }
}

/// A Keap expiry far from the response's `Date` (before 1970, or a number near f64's range)
/// and a backoff configured at u64::MAX: every delay stays within a day, nothing overflows.
#[test]
fn retry_delays_from_hostile_headers_stay_within_a_day() {
    let date = ("date".to_owned(), "Mon, 01 Jan 1900 00:00:00 GMT".to_owned());
    for (h, v) in [
        ("x-keap-product-throttle-expiry-time", "1e300"),
        ("x-keap-product-quota-expiry-time", "99999999999"),
        ("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
    ] {
        let mut o = CycleOptions::new(spec(), None, Options { start_from: "beginning".into(), ..Options::default() }, "http://hub.invalid");
        o.base_backoff_ms = u64::MAX;
        o.max_backoff_ms = u64::MAX;
        let mut c = PollCycle::new(o).unwrap();
        c.next_request().unwrap();
        let headers = vec![date.clone(), (h.to_owned(), v.to_owned())];
        c.handle_response(Response { status: 429, headers: &headers, body: b"" });
        let r = c.next_request().unwrap();
        assert!(r.delay_ms <= 86_400_000, "{h}: {v}: {}", r.delay_ms);
        c.handle_response(Response { status: 503, headers: &[], body: b"" });
        assert!(c.next_request().unwrap().delay_ms <= 86_400_000, "backoff at u64::MAX");
    }
}

proptest::proptest! {
    /// `http::parse_date` reads every RFC 2822 date chrono writes, to the same instant, at any
    /// offset (chrono's reader was the library's before it was hand-written).
    #[test]
    fn http_dates_read_as_chrono_reads_them(secs in -2_208_988_800i64..253_402_300_799, offset_min in -1439i32..1439) {
        let zone = chrono::FixedOffset::east_opt(offset_min * 60).unwrap();
        let text = chrono::DateTime::from_timestamp(secs, 0).unwrap().with_timezone(&zone).to_rfc2822();
        let theirs = chrono::DateTime::parse_from_rfc2822(&text).unwrap().timestamp_millis();
        proptest::prop_assert_eq!(elements_poller::http::parse_date(&text), Some(theirs), "{}", text);
    }
}
