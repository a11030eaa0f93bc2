//! Native detection on a body file, for `npm run bench`, which runs the wasm on the same bytes
//! and prints the ratio:
//!
//! ```sh
//! cargo run --release --example detect_file -- appointments.json 2024-12-27T00:00:00Z
//! ```
//! Prints one JSON line: `{"bytes", "events", "ms", "detect_ms"}`, medians of 15 runs (or of
//! the count given third: the bench runs this once per turn, beside the wasm, so that both
//! are timed under the same load). `ms` is the work the wasm's `detectChanges` does in the
//! core: the detection, then the events' text columns and the state's JSON, which
//! `src/wasm.rs` hands to JS; `detect_ms` is the detection alone.

use elements_poller::detect::{Options, Spec, detect};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a body file");
    let start_from = args.next().unwrap_or_else(|| "beginning".into());
    let runs: usize = args.next().map_or(15, |n| n.parse().expect("a number of runs"));
    let body = std::fs::read(&path).expect("read the body");
    let spec = Spec::from_resource(&serde_json::json!({
        "name": "appointments", "idField": "id", "url": "/hubs/crm/appointments",
        "datesConfiguration": {
            "updatedDateField": "modification_date", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "updatedDateTimezone": "GMT",
            "createdDateField": "creation_date", "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "createdDateTimezone": "GMT"
        }
    }))
    .expect("the bench resource");
    // `now` at the end of the generated year, as a poll would run: every record is in the past.
    let now = 1_704_067_200_000 + 366 * 86_400_000;
    let opts = Options { start_from, now, ..Options::default() };
    let events = detect(&spec, None, &body, &opts).expect("detection").events.len();
    let (mut ms, mut detect_ms): (Vec<f64>, Vec<f64>) = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            let out = black_box(detect(&spec, None, black_box(&body), &opts).expect("detection"));
            let detected = t.elapsed();
            black_box((out.events.text_columns(), serde_json::to_string(&out.state).expect("state JSON")));
            (t.elapsed().as_secs_f64() * 1e3, detected.as_secs_f64() * 1e3)
        })
        .unzip();
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(r#"{{"bytes":{},"events":{events},"ms":{:.3},"detect_ms":{:.3}}}"#, body.len(), median(&mut ms), median(&mut detect_ms));
}
