//! Table of right and wrong configurations: `tests/data/configs/*.json`, one case per file:
//! `{"description", "body" | "text", "expect": [[code, path], ...]}`. `text` is the input as
//! written (for bodies that are not JSON objects); `body` is pretty-printed and validated.
//! Each case asserts the exact multiset of `(code, path)` validation returns.

use elements_poller::config;
use serde_json::Value;
use std::path::Path;

fn cases() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/configs");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("tests/data/configs exists") {
        let p = entry.expect("a directory entry").path();
        if p.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&p).expect("a readable case");
        let case: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        out.push((p.file_stem().unwrap().to_string_lossy().into_owned(), case));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn input(case: &Value) -> String {
    match case.get("text") {
        Some(Value::String(t)) => t.clone(),
        _ => serde_json::to_string_pretty(&case["body"]).unwrap(),
    }
}

fn expected(case: &Value) -> Vec<(String, String)> {
    let mut e: Vec<(String, String)> = case["expect"]
        .as_array()
        .expect("expect is an array")
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned()))
        .collect();
    e.sort();
    e
}

#[test]
fn every_case_reports_exactly_the_expected_codes_and_paths() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    run(cases.iter());
}

fn run<'a>(cases: impl Iterator<Item = &'a (String, Value)>) {
    let mut failures = Vec::new();
    let mut n = 0;
    for (name, case) in cases {
        n += 1;
        let diags = config::validate(&input(case));
        let mut got: Vec<(String, String)> = diags.iter().map(|d| (d.code.to_owned(), d.path.clone())).collect();
        got.sort();
        let want = expected(case);
        if got != want {
            failures.push(format!("{name}:\n  want {want:?}\n  got  {got:?}\n  {:#?}", diags));
        }
    }
    assert!(failures.is_empty(), "{} of {n} cases failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn every_diagnostic_path_locates_in_the_source() {
    // Each reported path is either the value itself or, for a missing key, a present ancestor.
    for (name, case) in cases() {
        let text = input(&case);
        for d in config::validate(&text) {
            if d.code == "config.not-json" {
                continue;
            }
            let loc = config::locate_nearest(&text, &d.path);
            assert!(loc.is_some(), "{name}: {} at {:?} does not locate", d.code, d.path);
            let exact = !matches!(d.code, "config.required" | "events.no-callback" | "events.no-pollers" | "poller.dates.no-created-field");
            if exact {
                assert!(loc.unwrap().exact, "{name}: {} at {:?} is not found exactly", d.code, d.path);
            }
        }
    }
}

#[test]
fn valid_cases_normalize_and_revalidate_identically() {
    for (name, case) in cases() {
        let text = input(&case);
        let Ok(n) = config::normalize(&text) else { continue };
        let again = serde_json::to_string_pretty(&n).unwrap();
        let codes = |t: &str| {
            // Normalizing moves a createdCheckTolerance found only in datesConfiguration to the poller.
            let mut v: Vec<_> = config::validate(t)
                .into_iter()
                .map(|d| (d.code, d.path.replace(".datesConfiguration.createdCheckTolerance", ".createdCheckTolerance")))
                .collect();
            v.sort();
            v
        };
        // Normalizing changes spelling, never meaning: the same problems at the same paths,
        // except the alias warning which normalization resolves.
        // Likewise duplicate keys, which parsing resolves (the last one wins).
        let before: Vec<_> = codes(&text).into_iter().filter(|c| c.0 != "config.key.alias" && c.0 != "config.key.duplicate").collect();
        assert_eq!(before, codes(&again), "{name}");
        assert_eq!(config::normalize(&again).unwrap(), n, "{name}: normalize is idempotent");
    }
}

/// DESIGN section 5, one reader: whatever validation accepts, the reader detection uses reads.
#[test]
fn whatever_validates_the_reader_reads() {
    let mut checked = 0;
    for (name, case) in cases() {
        let text = input(&case);
        if elements_poller::config::validate(&text).iter().any(|d| d.severity == elements_poller::Severity::Error) {
            continue;
        }
        let pollers = elements_poller::config::pollers(&text).unwrap_or_else(|e| panic!("{name}: validates, but the reader refuses it: {e}"));
        for p in pollers {
            elements_poller::detect::Spec::from_poller(&p).unwrap_or_else(|e| panic!("{name}: {}: detection refuses it: {e}", p.name));
            checked += 1;
        }
    }
    assert!(checked > 10, "only {checked} pollers were checked");
}
