//! `cargo bench --bench detect`: detection over a 50,000-record appointments body (~18 MB).
//! Two cases: a steady-state poll (about 1% of the records are new) and a backfill from the
//! beginning (every record emitted). Prints MB/s; criterion reports the same as throughput.

#[path = "../examples/gen_appointments.rs"]
mod gen_appointments;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use elements_poller::detect::{Options, Spec, detect, iso_utc};
use std::hint::black_box;
use std::time::Instant;

fn spec(pattern: &str) -> Spec {
    Spec::from_resource(&serde_json::json!({
        "name": "appointments", "idField": "id", "url": "/hubs/crm/appointments",
        "datesConfiguration": {
            "updatedDateField": "modification_date", "updatedDateFormat": pattern, "updatedDateTimezone": "GMT",
            "createdDateField": "creation_date", "createdDateFormat": pattern, "createdDateTimezone": "GMT"
        }
    }))
    .unwrap()
}

const ISO: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

fn bench(c: &mut Criterion) {
    let body = gen_appointments::appointments(50_000, 42);
    let iso = self::spec(ISO);
    let steady = Options {
        start_from: iso_utc(gen_appointments::BASE_MS + gen_appointments::SPAN_MS / 100 * 99),
        instance: Some("bench".into()),
        // A poll at the end of the generated span: every record is in the past.
        now: gen_appointments::BASE_MS + gen_appointments::SPAN_MS + 86_400_000,
        ..Options::default()
    };
    let backfill = Options { start_from: "beginning".into(), ..steady.clone() };
    let mb = body.len() as f64 / 1e6;
    let cases = [("steady (1% new)", &iso, &steady), ("backfill (all new)", &iso, &backfill)];
    for (name, sp, o) in cases {
        let out = detect(sp, None, &body, o).unwrap();
        let runs = 10;
        let t = Instant::now();
        for _ in 0..runs {
            black_box(detect(sp, None, black_box(&body), o).unwrap());
        }
        let s = t.elapsed().as_secs_f64() / runs as f64;
        println!("detect {name}: {mb:.1} MB, {} records, {} events: {:.1} ms, {:.0} MB/s", out.stats.records, out.stats.events, s * 1e3, mb / s);
    }
    let mut g = c.benchmark_group("detect");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.sample_size(10);
    g.bench_function("steady", |b| b.iter(|| detect(&iso, None, black_box(&body), &steady).unwrap()));
    g.bench_function("backfill", |b| b.iter(|| detect(&iso, None, black_box(&body), &backfill).unwrap()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
