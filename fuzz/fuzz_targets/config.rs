//! Any text as a `POST /instances` body, through the configuration reader and the validator
//! and everything built on them: no panic, validation never fails, and a body validation
//! accepts is also read by `normalize` and by detection's reader (one reader, DESIGN section 5).
#![no_main]

use elements_poller::{Severity, config, detect, template};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let diagnostics = config::validate(text);
    let ok = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    let normalized = config::normalize(text);
    let pollers = config::pollers(text);
    if ok {
        assert!(normalized.is_ok(), "validate accepts but normalize refuses: {normalized:?}");
        let pollers = pollers.expect("validate accepts but the poller reader refuses");
        for p in &pollers {
            detect::Spec::from_poller(p).expect("validate accepts but detection cannot read the poller");
            let _ = template::render_poll_url(p, 1_710_054_309_042, 1_710_054_309_042);
            let _ = template::render_poll_url(p, i64::MAX, i64::MIN);
        }
    }
    if let Ok(body) = config::parse_body(text) {
        let body = serde_json::Value::Object(body);
        let _ = config::render_curl(&body, &config::RenderOptions::default());
        let _ = config::instance_request(&body, &config::RenderOptions::default());
    }
    // Not `config::duplicate_keys(text)` on its own: it expects text that parsed (validate calls
    // it then), and on text that does not it is super-linear (949 ms on 816 bytes, a slow unit
    // a 10-minute run of this target found); validation above already runs it where it applies.
    let _ = config::locate_nearest(text, "configuration[\"event.poller.configuration\"].a.url");
    if let Ok(spec) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = config::build_instance(&spec);
    }
});
