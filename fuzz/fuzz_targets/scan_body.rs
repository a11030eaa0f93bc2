//! Any bytes as a response body, read by detection (the scanner and the date reader) under a
//! few resource shapes and options chosen by the first byte: no panic, and the state it
//! returns survives a round trip through its JSON and reads the same body again without a
//! new event (every version it emitted is in `seen`, unless the bound dropped it).
#![no_main]

use elements_poller::detect::{self, Options, Spec, State};
use libfuzzer_sys::fuzz_target;
use serde_json::json;
use std::sync::OnceLock;

fn specs() -> &'static [Spec] {
    static SPECS: OnceLock<Vec<Spec>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let resources = [
            json!({"name": "a", "idField": "id", "datesConfiguration": {"updatedDateField": "modification_date"}}),
            json!({"name": "a", "idField": "id", "datesConfiguration": {"updatedDateField": "d", "updatedDateFormat": "milliseconds",
                   "createdDateField": "c", "createdDateFormat": "timestamp"}}),
            json!({"name": "a", "idField": "m.id", "datesConfiguration": {"updatedDateField": "m['x.y'][1]", "updatedDateFormat": "iso8601",
                   "createdDateField": "c", "createdDateFormat": "yyyy-MM-dd HH:mm", "createdDateTimezone": "America/New_York"},
                   "filterByUpdatedDate": false, "filterByCurrentDate": true}),
            json!({"name": "a", "idField": "id", "pollDelay": 9_000_000_000_000_000u64, "createdCheckTolerance": "60",
                   "datesConfiguration": {"updatedDateField": "u", "updatedDateFormat": "EEE, dd MMM yyyy HH:mm:ss Z", "createdDateField": "id"}}),
        ];
        resources.iter().map(|r| Spec::from_resource(r).expect("the fuzz specs are valid")).collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else { return };
    let spec = &specs()[(sel & 3) as usize];
    let opts = Options {
        start_from: ["beginning", "now", "2024-03-10T07:05:09Z", "garbage"][((sel >> 2) & 3) as usize].into(),
        now: [0, 1_710_054_309_042, i64::MAX, i64::MIN][((sel >> 4) & 3) as usize],
        lookback_ms: if sel & 0x40 != 0 { i64::MAX } else { 60_000 },
        records_field: (sel & 0x80 != 0).then(|| "appointments".to_owned()),
        raw: sel & 1 != 0,
        max_seen: 8,
        ..Options::default()
    };
    let Ok(out) = detect::detect(spec, None, body, &opts) else { return };
    let text = out.state.to_json();
    let state = State::from_json(&text).expect("a state detection wrote reads back");
    assert_eq!(state, out.state);
    if out.stats.evicted == 0 && out.state.evicted.is_none() {
        let again = detect::detect(spec, Some(&state), body, &opts).expect("the same body reads again");
        assert!(again.events.is_empty(), "the same body emitted again: {:?}", again.events);
    }
});
