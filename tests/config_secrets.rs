//! Secrets in a body: renderCurl masks them whatever their form, and an empty signature key is
//! a warning (it would send notifications unsigned without a word).

use elements_poller::config::{self, RenderOptions};
use serde_json::json;

fn body() -> serde_json::Value {
    json!({
        "element": {"key": "infusionsoftrest"},
        "providerData": {"code": "grant-code-1"},
        "configuration": {
            "oauth.api.key": "app-key",
            "oauth.api.secret": {"nested": "secret-as-object"},
            "OAuth.API.Secret": "secret-other-case",
            "event.notification.signatur.key": "secret-misspelled",
            "event.notification.basic.password": 987654321,
            "event.notification.callback.headers": {"Authorization": "Bearer header-secret"},
            "event.notification.callback.url": "https://hookuser:hookpass@hooks.example.com/events",
            "event.notification.signature.key": ["secret-in-array"],
        },
        "name": "n"
    })
}

const SECRETS: [&str; 9] = [
    "grant-code-1",
    "secret-as-object",
    "secret-other-case",
    "secret-misspelled",
    "987654321",
    "header-secret",
    "hookuser",
    "hookpass",
    "secret-in-array",
];

#[test]
fn render_curl_masks_every_form_of_secret() {
    let curl = config::render_curl(&body(), &RenderOptions::default());
    for s in SECRETS {
        assert!(!curl.contains(s), "{s} shows in\n{curl}");
    }
    assert!(curl.contains("app-key") && curl.contains("hooks.example.com/events"), "{curl}");
    // configuration written as a JSON string
    let mut b = body();
    b["configuration"] = json!(b["configuration"].to_string());
    let curl = config::render_curl(&b, &RenderOptions::default());
    for s in SECRETS {
        assert!(!curl.contains(s), "{s} shows in\n{curl}");
    }
    // reveal shows them
    let shown = config::render_curl(&body(), &RenderOptions { reveal: true, ..Default::default() });
    assert!(shown.contains("secret-as-object") && shown.contains("hookpass"));
}

#[test]
fn an_empty_signature_key_is_a_warning() {
    let with = |key: serde_json::Value| {
        let b = json!({"element": {"key": "infusionsoftrest"}, "configuration": {"event.notification.signature.key": key}});
        config::validate_value(&b).into_iter().filter(|d| d.code == "events.signature-key.empty").collect::<Vec<_>>()
    };
    let found = with(json!(""));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, "configuration[\"event.notification.signature.key\"]");
    assert!(with(json!("k")).is_empty());
}
