//! Issue 13, item 6: url templates in linear time. Prints how long the template parser, the
//! template check and the whole configuration validation take on runs of `${}` (each an unknown
//! variable, the worst case: one issue per three bytes), of `${` (no closing brace) and of
//! unknown zones (each costs a "did you mean" search among the zone names), from
//! 16 KB to 1 MB. `check` and validation refuse a url beyond `template::MAX_URL_BYTES` (16 KB)
//! before parsing it; `parse` itself has no limit, so its column shows the growth.
//!
//! `cargo run --release --example template_speed`
use elements_poller::{config, template};
use std::time::Instant;

fn ms<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1e3)
}

fn main() {
    println!("{:>8} {:>30} {:>10} {:>10} {:>12} {:>8}", "bytes", "unit", "parse ms", "check ms", "validate ms", "issues");
    for unit in ["${}", "${", "${dateTimeZone:Mars/Base:HH}"] {
        for kb in [16, 64, 256, 512, 1024] {
            let n = kb * 1024 / unit.len();
            let url = format!("/x?q={}", unit.repeat(n));
            let url = &url[..url.len().min(kb * 1024)];
            let ((_, issues), parse) = ms(|| template::parse(url));
            let (_, check) = ms(|| template::check(url));
            let body = serde_json::json!({"name": "x", "element": {"key": "infusionsoftrest"}, "configuration": {"event.poller.configuration":
                {"a": {"url": url, "idField": "id", "datesConfiguration": {"updatedDateField": "d"}}}}})
            .to_string();
            let (_, validate) = ms(|| config::validate(&body));
            println!("{:>8} {unit:>30} {parse:>10.1} {check:>10.1} {validate:>12.1} {:>8}", url.len(), issues.len());
        }
    }
}
