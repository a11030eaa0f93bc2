//! The seed document's own examples, taken from its text exactly as written
//! (`tests/data/configs/seed/infusionsoft-rest-events.txt` is a verbatim copy).

use elements_poller::config::{self, RenderOptions};
use serde_json::Value;

fn seed() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/configs/seed/infusionsoft-rest-events.txt")).unwrap()
}

/// Step 2's body: from the `{` after "Construct a JSON body" to the `}` that closes it.
fn example_body() -> String {
    let s = seed();
    let from = s.find("Construct a JSON body").unwrap();
    let start = from + s[from..].find('{').unwrap();
    let end = start + s[start..].find("\n    }\n").unwrap() + "\n    }".len();
    s[start..end].to_owned()
}

/// The cURL example: from `curl -X POST` to the end of its `-d '...'` argument.
fn curl_example() -> String {
    let s = seed();
    let start = s.find("curl -X POST").unwrap();
    let end = start + s[start..].find("}'\n").unwrap() + 2;
    s[start..end].to_owned()
}

/// The `-d` argument as written between its outer quotes (what a reader copies).
fn curl_body_as_written() -> String {
    let c = curl_example();
    let start = c.find("-d '").unwrap() + 4;
    c[start..c.len() - 1].to_owned()
}

/// The `-d` argument as a POSIX shell actually passes it: quotes open and close, so the
/// `'T'` inside the date formats ends the quoted text early.
fn curl_body_as_the_shell_sends_it() -> String {
    shell_data_argument(&curl_example())
}

/// The word after `-d ` in a command line, unquoted the way a POSIX shell does it.
fn shell_data_argument(command: &str) -> String {
    let arg = &command[command.find("-d ").unwrap() + 3..];
    let mut out = String::new();
    let mut quoted = false;
    let mut chars = arg.chars();
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '\'') => quoted = false,
            (true, c) => out.push(c),
            (false, '\'') => quoted = true,
            (false, '\\') => out.extend(chars.next()),
            (false, c) if c.is_whitespace() => break,
            (false, c) => out.push(c),
        }
    }
    out
}

fn codes(text: &str) -> Vec<(&'static str, String)> {
    let mut v: Vec<_> = config::validate(text).into_iter().map(|d| (d.code, d.path)).collect();
    v.sort();
    v
}

const C: &str = "configuration";

#[test]
fn the_example_body_reports_each_placeholder_and_the_plain_http_callback() {
    let body = example_body();
    assert!(body.starts_with("{\n      \"element\""));
    let mut want = vec![
        ("config.placeholder", "providerData.code".to_owned()),
        ("config.placeholder", format!("{C}[\"oauth.api.key\"]")),
        ("config.placeholder", format!("{C}[\"oauth.api.secret\"]")),
        ("config.placeholder", format!("{C}[\"oauth.callback.url\"]")),
        ("config.placeholder", format!("{C}[\"event.poller.refresh_interval\"]")),
        ("config.placeholder", "tags[0]".to_owned()),
        ("config.placeholder", "name".to_owned()),
        ("config.url.insecure", format!("{C}[\"event.notification.callback.url\"]")),
    ];
    want.sort();
    assert_eq!(codes(&body), want);
}

#[test]
fn the_curl_body_as_written_has_only_its_placeholder_code_and_its_self_pointing_callback() {
    let body = curl_body_as_written();
    let mut want = vec![
        ("config.placeholder", "providerData.code".to_owned()),
        // It sends events to the Cloud Elements API itself instead of the user's app.
        ("events.callback.self", format!("{C}[\"event.notification.callback.url\"]")),
    ];
    want.sort();
    assert_eq!(codes(&body), want);
}

#[test]
fn the_curl_command_run_in_a_shell_breaks_both_date_formats() {
    // The shell strips the quotes around T and Z: the formats become yyyy-MM-ddTHH:mm:ss.SSSZ.
    let body = curl_body_as_the_shell_sends_it();
    assert!(body.contains("\"yyyy-MM-ddTHH:mm:ss.SSSZ\""));
    let d = config::validate(&body);
    let dates = "configuration[\"event.poller.configuration\"].appointments.datesConfiguration";
    for key in ["updatedDateFormat", "createdDateFormat"] {
        assert!(d.iter().any(|d| d.code.starts_with("date-format.") && d.path == format!("{dates}.{key}")), "{key}: {d:#?}");
    }
}

#[test]
fn our_curl_rendering_survives_the_shell() {
    let body: Value = serde_json::from_str(&curl_body_as_written()).unwrap();
    let curl = config::render_curl(&body, &RenderOptions { reveal: true, ..Default::default() });
    // Same layout as the seed's command...
    let seed = curl_example();
    let header = &seed[..seed.find("-d '").unwrap() + 4];
    assert!(curl.starts_with(header), "{curl}");
    // ...and the shell hands the body over intact.
    assert_eq!(serde_json::from_str::<Value>(&shell_data_argument(&curl)).unwrap(), body);
}
