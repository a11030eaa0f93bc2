//! The code catalogue (`src/codes.rs`) against the code and the TypeScript types:
//! - `pkg/types/codes.d.ts` is exactly what the catalogue generates
//!   (`UPDATE_CODES=1 cargo test --test codes` rewrites it);
//! - every code literal in `src/**/*.rs` and `pkg/src/**/*.js` is catalogued.
use elements_poller::codes::CODES;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Dotted literals in the sources that are not codes: configuration keys, file and host
/// names, paths. A new one must be added here on purpose, so a new code cannot slip by.
const NOT_CODES: &[&str] = &[
    // The FileStore's lock file name.
    "store.lock",
    // Field names in the messages of the saved state's reader (src/detect/saved.rs).
    "held.at",
    "held.n",
    "listing.held",
    "relist.added",
    "relist.at",
    "relist.failures",
    "relist.since",
    "oauth.api.key",
    "oauth.api.secret",
    "oauth.callback.url",
    "event.notification.enabled",
    "event.vendor.type",
    "event.notification.callback.url",
    "event.poller.configuration",
    "event.poller.urls",
    "event.poller.api",
    "event.objects",
    "event.notification.signature.key",
    "event.notification.callback.headers",
    "event.notification.basic.username",
    "event.notification.basic.password",
    "event.raw.enabled",
    "event.notification.instance.finder",
    "event.notification.subscription.id",
    "api.cloud-elements.com",
    "schema.json",
    "store.json",
    "element.key",
];

/// `codes.d.ts` as the catalogue writes it.
fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src/codes.rs by `UPDATE_CODES=1 cargo test --test codes`: do not edit.\n\
         // tests/codes.rs fails when this file and the catalogue disagree.\n\n\
         /** Every stable code a `PollerError` or a `Diagnostic` carries; see src/codes.rs. */\nexport type ErrorCode =\n",
    );
    for (code, meaning) in CODES {
        out.push_str(&format!("  /** {} */\n  | {:?}\n", meaning.replace("*/", "* /"), code));
    }
    out.pop();
    out.push_str(";\n");
    out
}

#[test]
fn the_typescript_union_is_generated_from_the_catalogue() {
    let path = Path::new(ROOT).join("pkg/types/codes.d.ts");
    let want = typescript();
    if std::env::var_os("UPDATE_CODES").is_some() {
        fs::write(&path, &want).unwrap();
    }
    let have = fs::read_to_string(&path).unwrap_or_default();
    assert!(have == want, "pkg/types/codes.d.ts differs from src/codes.rs: run `UPDATE_CODES=1 cargo test --test codes`");
}

#[test]
fn the_catalogue_has_each_code_once_and_dotted() {
    let mut seen = BTreeSet::new();
    for (code, meaning) in CODES {
        assert!(seen.insert(*code), "{code} is listed twice");
        assert!(is_code(code) || *code == "internal", "{code} is not a dotted code");
        assert!(!meaning.is_empty() && !meaning.contains('\n'), "{code} needs a one-line meaning");
    }
}

#[test]
fn every_code_literal_in_the_sources_is_catalogued() {
    let known: BTreeSet<&str> = CODES.iter().map(|(c, _)| *c).collect();
    let mut missing = BTreeSet::new();
    let mut scanned = 0;
    for (dir, ext) in [("src", "rs"), ("pkg/src", "js")] {
        for file in files(&Path::new(ROOT).join(dir), ext) {
            if file.ends_with("src/codes.rs") || file.to_string_lossy().ends_with("_tests.rs") {
                continue;
            }
            scanned += 1;
            let text = fs::read_to_string(&file).unwrap();
            // Unit tests at the end of a Rust file use dotted names as fixtures.
            let text = if ext == "rs" { text.split("\n#[cfg(test)]").next().unwrap().to_owned() } else { without_comments(&text) };
            for lit in literals(&text, ext == "js") {
                if !known.contains(lit.as_str()) && !NOT_CODES.contains(&lit.as_str()) {
                    missing.insert(format!("{lit} ({})", file.strip_prefix(ROOT).unwrap().display()));
                }
            }
        }
    }
    assert!(scanned > 30, "the scan found the sources ({scanned} files)");
    assert!(
        missing.is_empty(),
        "codes used but not in src/codes.rs (or, if not a code, add them to NOT_CODES):\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_scanner_finds_codes_in_the_shapes_the_sources_use() {
    let rs = r#"Error::new("date.parse.literal", "x"); Diagnostic::warning("config.key.alias", p, m); let a = "not a code"; "a b.c""#;
    assert_eq!(literals(rs, false), vec!["date.parse.literal", "config.key.alias"]);
    let js = r#"new PollerError("internal", `m`); throw new PollerError('store.corrupt', x); e.code === "delivery.retry" ? 1 : `date.parse.x`"#;
    assert_eq!(literals(js, true), vec!["internal", "store.corrupt", "delivery.retry", "date.parse.x"]);
    let commented = "/** `store.json` */ f(\"a.b\"); // `window.fetch`\nconst u = \"https://x.y\"; // `c.d`";
    assert_eq!(literals(&without_comments(commented), true), vec!["a.b"]);
}

/// JS without its comments, whose backticks quote file names and examples, not literals.
fn without_comments(js: &str) -> String {
    let mut out = String::with_capacity(js.len());
    let mut rest = js;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    out.push_str(rest);
    // A line comment starts a line or follows a space (`https://` inside a string does not).
    out.lines()
        .map(|l| match l.match_indices("//").find(|&(i, _)| i == 0 || l[..i].ends_with(char::is_whitespace)) {
            Some((i, _)) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A code: lowercase dotted segments of letters, digits and dashes, at least two.
fn is_code(s: &str) -> bool {
    let segments: Vec<&str> = s.split('.').collect();
    segments.len() >= 2
        && segments
            .iter()
            .all(|g| g.starts_with(|c: char| c.is_ascii_lowercase()) && g.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
}

/// The quoted literals of `text` shaped like codes, in order; in JS also any literal passed
/// as a PollerError's code (`internal` has no dot).
fn literals(text: &str, js: bool) -> Vec<String> {
    let quotes: &[char] = if js { &['"', '\'', '`'] } else { &['"'] };
    let mut out = Vec::new();
    for (i, q) in text.char_indices().filter(|(_, c)| quotes.contains(c)) {
        let rest = &text[i + 1..];
        let Some(end) = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-')) else { continue };
        let (lit, after) = (&rest[..end], &rest[end..]);
        if !after.starts_with(q) || lit.is_empty() {
            continue;
        }
        let as_error_code = js && text[..i].trim_end().ends_with("PollerError(");
        if is_code(lit) || (as_error_code && lit.chars().all(|c| c.is_ascii_lowercase() || c == '-')) {
            out.push(lit.to_owned());
        }
    }
    out
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    out.sort();
    out
}
