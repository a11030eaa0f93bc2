//! The binding layer, run as wasm in Node by wasm-bindgen-test-runner:
//! `cargo test --target wasm32-unknown-unknown --features wasm --test wasm`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use elements_poller::wasm;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

fn field(v: &JsValue, name: &str) -> JsValue {
    js_sys::Reflect::get(v, &JsValue::from_str(name)).unwrap()
}

#[wasm_bindgen_test]
fn parse_date_returns_epoch_ms() {
    let ms = wasm::parse_date("2024-03-10T07:05:09.042Z", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "GMT").unwrap();
    assert_eq!(ms, 1_710_054_309_042.0);
}

#[wasm_bindgen_test]
fn parse_errors_are_plain_objects_with_code_and_column() {
    let e = wasm::parse_date("2024-03-10 07:05", "yyyy-MM-dd'T'HH:mm", "GMT").unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "date.parse.literal");
    assert_eq!(field(&e, "column").as_f64().unwrap(), 10.0);
}

#[wasm_bindgen_test]
fn validate_config_never_throws_on_garbage() {
    let v = wasm::validate_config("{not json");
    assert_eq!(field(&v, "ok").as_bool(), Some(false));
    let diags = js_sys::Array::from(&field(&v, "diagnostics"));
    assert_eq!(field(&diags.get(0), "code").as_string().unwrap(), "config.not-json");
}

/// A body written in place, chunk by chunk, as the JS layer streams a response: a spare view
/// longer than what was written keeps only what `commit` names.
#[wasm_bindgen_test]
fn detect_changes_reads_a_body_written_in_place() {
    let resource = r#"{"name":"appointments","idField":"id","datesConfiguration":{"updatedDateField":"modification_date"}}"#;
    let body = br#"[{"id":7,"modification_date":"2024-03-10T07:05:09.042Z"}]"#;
    let mut buf = wasm::BodyBuffer::new(4);
    for chunk in body.chunks(10) {
        let view = buf.spare(chunk.len() + 5);
        assert_eq!(view.length() as usize, chunk.len() + 5);
        view.subarray(0, chunk.len() as u32).copy_from(chunk);
        buf.commit(chunk.len()).unwrap();
    }
    assert_eq!(buf.length(), body.len());
    let _ = buf.spare(3);
    assert_eq!(field(&buf.commit(4).unwrap_err(), "code").as_string().unwrap(), "body.commit");
    assert_eq!(buf.length(), body.len(), "a spare view that was not committed is not part of the body");
    let out = wasm::detect_changes(resource, "", r#"{"startFrom":"beginning","now":0}"#, &buf).unwrap();
    let events = js_sys::Array::from(&field(&out, "events"));
    assert_eq!(events.length(), 1);
    assert_eq!(field(&events.get(0), "objectId").as_string().unwrap(), "7");
}

/// The scanner's simd128 loads only run in wasm: strings of every length around the 16-byte
/// step, with escapes and non-ASCII at every position, must read the same ids, and a string cut
/// anywhere must fail with `body.not-json`.
#[wasm_bindgen_test]
fn detect_changes_reads_strings_of_every_length_with_simd() {
    let resource = r#"{"name":"appointments","idField":"id","datesConfiguration":{"updatedDateField":"modification_date"}}"#;
    for n in 0..40 {
        for special in ["", "\\\"", "\\\\", "\\u00e9", "é", "\\ud83d\\ude00"] {
            let pad = format!("{}{special}{}", "a".repeat(n), "b".repeat(n % 7 + 1));
            let body = format!(r#"[{{"note":"{pad}","id":"{pad}","modification_date":"2024-03-10T07:05:09.042Z"}}]"#);
            let out =
                wasm::detect_changes(resource, "", r#"{"startFrom":"beginning","now":0}"#, &wasm::BodyBuffer::from_bytes(body.as_bytes().to_vec()))
                    .unwrap();
            let events = js_sys::Array::from(&field(&out, "events"));
            let want: String = serde_json::from_str(&format!("\"{pad}\"")).unwrap();
            assert_eq!(field(&events.get(0), "objectId").as_string().unwrap(), want, "{body}");
            let cut = &body.as_bytes()[..10 + n];
            let err =
                wasm::detect_changes(resource, "", r#"{"startFrom":"beginning","now":0}"#, &wasm::BodyBuffer::from_bytes(cut.to_vec())).unwrap_err();
            assert_eq!(field(&err, "code").as_string().unwrap(), "body.not-json", "{}", String::from_utf8_lossy(cut));
        }
        // A raw control character anywhere in a skipped or a read string is not JSON.
        for control in ['\u{0}', '\t', '\u{1f}'] {
            for key in ["note", "id"] {
                let text = format!("{}{control}{}", "a".repeat(n), "b".repeat(n % 7 + 1));
                let body = format!(r#"[{{"{key}":"{text}","id":"7","modification_date":"2024-03-10T07:05:09.042Z"}}]"#);
                let err = wasm::detect_changes(
                    resource,
                    "",
                    r#"{"startFrom":"beginning","now":0}"#,
                    &wasm::BodyBuffer::from_bytes(body.as_bytes().to_vec()),
                )
                .unwrap_err();
                assert_eq!(field(&err, "code").as_string().unwrap(), "body.not-json", "{body:?}");
            }
        }
    }
}

/// Signing and verifying across the binding: a signed request verifies, a stale one fails with
/// a plain `{code, message}` object, and the message comes back as JSON text.
#[wasm_bindgen_test]
fn notifications_sign_and_verify_across_the_binding() {
    let body = r#"{"message":{"eventId":"e1","count":0,"events":[]}}"#;
    let headers = wasm::sign_notification(body, "e1", r#"{"signatureKey":"k","signing":"standard","now":1764576000000}"#).unwrap();
    let pairs: Vec<(String, String)> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
        .iter()
        .map(|name| (name.to_string(), field(&headers, name).as_string().unwrap()))
        .collect();
    let pairs = serde_json::to_string(&pairs).unwrap();
    let ok = wasm::verify_notification(body.as_bytes(), &pairs, r#"{"keys":["k"],"now":1764576001000}"#).unwrap();
    assert_eq!(field(&ok, "messageJson").as_string().unwrap(), r#"{"eventId":"e1","count":0,"events":[]}"#);
    assert_eq!(field(&ok, "scheme").as_string().unwrap(), "standard");
    assert_eq!(field(&ok, "timestamp").as_f64(), Some(1_764_576_000.0));
    let stale = wasm::verify_notification(body.as_bytes(), &pairs, r#"{"keys":["k"],"now":1764579600000}"#).unwrap_err();
    assert_eq!(field(&stale, "code").as_string().unwrap(), "webhook.timestamp");
    let bad = wasm::sign_notification(body, "e1", r#"{"signatureKey":"k","signing":"svix"}"#).unwrap_err();
    assert_eq!(field(&bad, "code").as_string().unwrap(), "webhook.signing");
}
