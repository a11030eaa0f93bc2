//! Conformance with the JDK: every line of tests/jdk/corpus.tsv (written by
//! tests/jdk/Gen.java from java.text.SimpleDateFormat and java.time) must agree, 100%.

use elements_poller::datefmt::DateFormat;
use elements_poller::zone::Zone;
use std::collections::HashMap;

#[test]
fn agrees_with_the_jdk_corpus() {
    let corpus = include_str!("jdk/corpus.tsv");
    let mut formats: HashMap<&str, DateFormat> = HashMap::new();
    let mut zones: HashMap<&str, Zone> = HashMap::new();
    let (mut total, mut format_cases, mut parse_cases, mut rejections) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for (n, line) in corpus.lines().enumerate() {
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 5, "line {}: {line:?}", n + 1);
        let (kind, pattern, zone, input, expected) = (cols[0], cols[1], cols[2], cols[3], cols[4]);
        let f = formats.entry(pattern).or_insert_with(|| DateFormat::compile(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")));
        let z = zones.entry(zone).or_insert_with(|| Zone::parse(zone).unwrap_or_else(|e| panic!("{zone}: {e}")));
        total += 1;
        let got = match kind {
            "F" => {
                format_cases += 1;
                f.format(input.parse().expect("epoch ms"), z)
            }
            "P" => {
                parse_cases += 1;
                rejections += usize::from(expected == "!");
                match f.parse(input, z) {
                    Ok(ms) => ms.to_string(),
                    Err(_) => "!".to_string(),
                }
            }
            other => panic!("line {}: unknown kind {other}", n + 1),
        };
        if got != expected {
            failures.push(format!("line {}: {kind} {pattern:?} in {zone}: {input:?} -> {got:?}, the JDK says {expected:?}", n + 1));
        }
    }
    println!(
        "JDK corpus: {} of {total} cases agree ({format_cases} format, {parse_cases} parse of which {rejections} rejections; {} patterns, {} zones)",
        total - failures.len(),
        formats.len(),
        zones.len()
    );
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.iter().take(40).cloned().collect::<Vec<_>>().join("\n"));
}
