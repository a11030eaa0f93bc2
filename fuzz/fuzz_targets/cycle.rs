//! A poll cycle fed hostile responses: statuses of every kind, `Date`, `Retry-After`, Keap
//! throttle and page-token headers holding any text, and bodies of any bytes, for as many
//! requests as the cycle makes. No panic; every delay is at most a day; the cycle ends within
//! its bounds; a state it finishes with survives a round trip through its JSON.
#![no_main]

use elements_poller::cycle::{CycleOptions, PollCycle};
use elements_poller::http::{Response, status as http_status};
use elements_poller::detect::{Options, Spec, State};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

const DAY: u64 = 86_400_000;
const HEADERS: [&str; 6] =
    ["date", "retry-after", "elements-next-page-token", "x-keap-product-throttle-available", "x-keap-product-throttle-expiry-time", "x-keap-product-quota-expiry-time"];

/// Reads the fuzz input as a script: each response is `status (2 bytes) | header mask | for each
/// header in the mask: text up to 0x00 | body up to 0xff 0xfe` (or the rest).
struct Script<'a>(&'a [u8]);

impl<'a> Script<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn until(&mut self, end: &[u8]) -> &'a [u8] {
        let at = self.0.windows(end.len()).position(|w| w == end).unwrap_or(self.0.len());
        let (head, rest) = self.0.split_at(at);
        self.0 = rest.get(end.len()..).unwrap_or(&[]);
        head
    }
}

fuzz_target!(|data: &[u8]| {
    let mut s = Script(data);
    let Some(sel) = s.byte() else { return };
    let resource = json!({"name": "a", "url": "/hubs/crm/a?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'&s=${epoch:s}",
        "idField": "id", "pageSize": 2, "datesConfiguration": {"updatedDateField": "modification_date", "createdDateField": "created"}});
    let spec = Spec::from_resource(&resource).expect("the fuzz spec is valid");
    let state = match sel & 3 {
        0 => None,
        1 => Some(State { v: 1, watermark: Some(1_710_054_309_042), from: Some(0), evicted: None, seen: vec![("7".into(), 1_710_054_309_042)] }),
        2 => Some(State { v: 1, watermark: Some(i64::MIN), from: Some(i64::MAX), evicted: Some(i64::MAX), seen: vec![] }),
        _ => Some(State { v: 1, watermark: Some(i64::MAX), from: None, evicted: Some(i64::MIN), seen: vec![("x".into(), i64::MIN)] }),
    };
    let detect = Options { start_from: "beginning".into(), now: 1_710_054_309_042, lookback_ms: 60_000, ..Options::default() };
    let mut opts = CycleOptions::new(spec, state, detect, "https://hub.example");
    opts.max_retries = 3;
    opts.seed = sel as u64;
    if sel & 4 != 0 {
        opts.max_backoff_ms = u64::MAX;
        opts.base_backoff_ms = u64::MAX / 3;
    }
    let Ok(mut cycle) = PollCycle::new(opts) else { return };
    let mut requests = 0;
    while let Some(req) = cycle.next_request() {
        assert!(req.delay_ms <= DAY, "a delay beyond a day: {}", req.delay_ms);
        requests += 1;
        assert!(requests <= 10_000, "the cycle does not end");
        let (Some(hi), Some(lo)) = (s.byte(), s.byte()) else { break };
        // Half the statuses as the binding reads a JS number, half as a plain u16.
        let status = if hi & 0x80 != 0 { http_status(f64::from(u16::from_be_bytes([hi & 0x7f, lo])) - 1000.5 * f64::from(lo & 1)) } else { u16::from_be_bytes([hi, lo]) % 700 };
        let mask = s.byte().unwrap_or(0);
        let headers: Vec<(String, String)> = HEADERS
            .iter()
            .enumerate()
            .filter(|(k, _)| mask & (1 << k) != 0)
            .map(|(_, h)| (h.to_string(), String::from_utf8_lossy(s.until(&[0])).into_owned()))
            .collect();
        let body = s.until(&[0xff, 0xfe]);
        cycle.handle_response(Response { status, headers: &headers, body });
    }
    if let Ok(out) = cycle.finish() {
        let state = State::from_json(&out.state.to_json()).expect("a finished state reads back");
        assert_eq!(state, out.state);
    }
});
