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
    let v = wasm::validate_config("{not json").unwrap();
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
        let view = buf.spare(chunk.len() + 5).unwrap();
        assert_eq!(view.length() as usize, chunk.len() + 5);
        view.subarray(0, chunk.len() as u32).copy_from(chunk);
        buf.commit(chunk.len()).unwrap();
    }
    assert_eq!(buf.length(), body.len());
    let _ = buf.spare(3).unwrap();
    assert_eq!(field(&buf.commit(4).unwrap_err(), "code").as_string().unwrap(), "body.commit");
    assert_eq!(buf.length(), body.len(), "a spare view that was not committed is not part of the body");
    let out = wasm::detect_changes(resource, "", r#"{"startFrom":"beginning","now":0}"#, &buf).unwrap();
    assert_eq!(object_ids(&out), vec!["7".to_owned()]);
}

/// The objectIds of an outcome in the binding's column form: one string and its ends, counted
/// in UTF-16 code units as JS `slice` counts them.
fn object_ids(out: &JsValue) -> Vec<String> {
    let ids: Vec<u16> = field(out, "ids").as_string().unwrap().encode_utf16().collect();
    let ends = js_sys::Uint32Array::from(field(out, "idEnds")).to_vec();
    let mut at = 0;
    ends.iter()
        .map(|&end| {
            let s = String::from_utf16(&ids[at..end as usize]).unwrap();
            at = end as usize;
            s
        })
        .collect()
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
            let want: String = serde_json::from_str(&format!("\"{pad}\"")).unwrap();
            assert_eq!(object_ids(&out), vec![want], "{body}");
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

/// The simd128 loads never read past the body's end: with the bytes after it in the buffer
/// (a spare view never committed) all `"`, all `\\` or all letters, a body cut anywhere reads
/// exactly as it does alone: the same objectIds, or the same error. A load past the end would
/// see a closing quote, an escape or more of a string where the body has none. The bodies
/// start strings at every offset from their end, the first of them at the body's first byte.
#[wasm_bindgen_test]
fn detect_changes_reads_nothing_past_the_end_of_the_body() {
    let resource = r#"{"name":"appointments","idField":"id","datesConfiguration":{"updatedDateField":"modification_date"}}"#;
    let opts = r#"{"startFrom":"beginning","now":0}"#;
    let outcome = |r: Result<JsValue, JsValue>| match r {
        Ok(out) => Ok(object_ids(&out)),
        Err(e) => Err((field(&e, "code").as_string(), field(&e, "message").as_string())),
    };
    let records = br#"[{"id":"abcdefghijklmnopqrstuvwxyz0123456789","modification_date":"2024-03-10T07:05:09.042Z","note":"x"},{"ab":1,"id":"7"}]"#;
    let string = format!("\"{}\"", "a".repeat(40));
    for body in [&records[..], string.as_bytes()] {
        for cut in 0..=body.len() {
            let alone = outcome(wasm::detect_changes(resource, "", opts, &wasm::BodyBuffer::from_bytes(body[..cut].to_vec())));
            for filler in [b'"', b'\\', b'a'] {
                let mut buf = wasm::BodyBuffer::new(cut + 64);
                buf.spare(cut).unwrap().copy_from(&body[..cut]);
                buf.commit(cut).unwrap();
                buf.spare(64).unwrap().fill(filler, 0, 64);
                let shown = format!("{} then {:?}", String::from_utf8_lossy(&body[..cut]), filler as char);
                assert_eq!(outcome(wasm::detect_changes(resource, "", opts, &buf)), alone, "{shown}");
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

/// Issue 13: an integer beyond 2^53 − 1 in a result trapped the module (serde-wasm-bindgen
/// refused it and an `expect` panicked), on a body `validate_config` accepts, a far-future date
/// or a saved state. Such integers come back as their digits, and read back in a state.
#[wasm_bindgen_test]
fn integers_beyond_two_to_the_53_come_back_as_their_digits() {
    let body =
        r#"{"name":"x","element":{"key":"infusionsoftrest"},"extra":{"big":12345678901234567890,"neg":-9007199254740993,"safe":9007199254740991}}"#;
    let extra = field(&wasm::normalize_config(body).unwrap(), "extra");
    assert_eq!(field(&extra, "big").as_string().unwrap(), "12345678901234567890");
    assert_eq!(field(&extra, "neg").as_string().unwrap(), "-9007199254740993");
    assert_eq!(field(&extra, "safe").as_f64().unwrap(), 9_007_199_254_740_991.0);

    let resource = r#"{"name":"a","idField":"id","datesConfiguration":{"updatedDateField":"d"}}"#;
    let far = "99999999-01-01T00:00:00.000Z";
    let at =
        elements_poller::datefmt::DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap().parse(far, &elements_poller::zone::Zone::UTC).unwrap();
    let buf = wasm::BodyBuffer::from_bytes(format!(r#"[{{"id":1,"d":"{far}"}}]"#).into_bytes());
    let opts = r#"{"startFrom":"beginning","now":1704067200000}"#;
    let out = wasm::detect_changes(resource, "", opts, &buf).unwrap();
    // The state crosses as JSON text (pkg/src/api.js parses it), its instants exact.
    let saved: String = field(&out, "state").as_string().unwrap();
    assert!(saved.contains(&format!("\"{at}\"")), "the instant as its digits in {saved}");
    let again = wasm::detect_changes(resource, &saved, opts, &buf).unwrap();
    assert_eq!(field(&again, "count").as_f64(), Some(0.0), "the saved state knows the version");
    // parseDate returns a JS number: such an instant is an error there, not a rounded number.
    let e = wasm::parse_date(far, "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "GMT").unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "date.parse.out-of-range");
}

/// Issue 13: the status was a `u16`, so 65736 read as 200. Only whole numbers 100-599 are
/// statuses; anything else is a transport failure (0).
#[wasm_bindgen_test]
fn statuses_beyond_http_are_transport_failures() {
    let resource = r#"{"name":"a","url":"/hubs/crm/a","idField":"id","datesConfiguration":{"updatedDateField":"d"}}"#;
    let body = wasm::BodyBuffer::from_bytes(br#"[{"id":1,"d":"2024-03-10T07:05:09.042Z"}]"#.to_vec());
    let run = |status: f64| {
        let mut c =
            wasm::WasmPollCycle::new(resource, "", r#"{"baseUrl":"http://hub.invalid","maxRetries":0,"detect":{"startFrom":"beginning"}}"#).unwrap();
        assert!(!c.next_request().unwrap().is_null());
        c.handle_response(status, "[]", &body).unwrap();
        assert!(c.next_request().unwrap().is_null());
        c.finish()
    };
    assert!(run(200.0).is_ok());
    for status in [65736.0, -65336.0, 4_294_967_496.0, 200.9, 0.0, f64::NAN, 99.0, 600.0] {
        let e = run(status).unwrap_err();
        assert_eq!(field(&e, "code").as_string().unwrap(), "cycle.retries-exhausted", "status {status}");
    }
}

/// Issue 13: a url template of 1 MB took seconds; beyond 16 KB it is one clear error.
#[wasm_bindgen_test]
fn a_url_beyond_the_limit_is_one_error_everywhere() {
    let url = format!("/hubs/crm/a?q={}", "${}".repeat(350_000));
    let resource = format!(r#"{{"name":"a","url":"{url}","idField":"id","datesConfiguration":{{"updatedDateField":"d"}}}}"#);
    let e = wasm::render_poll_url(&resource, "", "").unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "poller.url.too-long");
    let Err(e) = wasm::WasmPollCycle::new(&resource, "", r#"{"baseUrl":"http://hub.invalid"}"#) else { panic!("a PollCycle on a 1 MB url") };
    assert_eq!(field(&e, "code").as_string().unwrap(), "poller.url.too-long");
}

/// Issue 13: room the module's memory cannot give (a hostile server streaming more than wasm32
/// can address) aborted the module; it is an error, and the buffer keeps its body.
#[wasm_bindgen_test]
fn a_body_beyond_the_memory_is_an_error_not_an_abort() {
    let mut buf = wasm::BodyBuffer::from_bytes(b"[1]".to_vec());
    for n in [usize::MAX, usize::MAX - 2, 1 << 31] {
        let e = buf.spare(n).unwrap_err();
        assert_eq!(field(&e, "code").as_string().unwrap(), "body.too-large", "spare({n})");
        assert_eq!(buf.length(), 3);
    }
    let view = buf.spare(2).unwrap();
    view.copy_from(b",2");
    buf.commit(2).unwrap();
    assert_eq!(buf.length(), 5);
}

/// The delivery machine across the binding: a saved outbox entry in (its extra fields ignored,
/// its numbers read as JS wrote them), the transition and the new state out.
#[wasm_bindgen_test]
fn next_delivery_reads_an_outbox_entry_and_says_what_comes_next() {
    let entry = r#"{"v":1,"kind":"webhook","attempts":1,"nextAttemptAt":4000.0,"lastError":"HTTP 500"}"#;
    let out = wasm::next_delivery(entry, r#"{"kind":"answered","status":429,"headers":[["Retry-After","100"]]}"#, "", 5000.0, 5001.0).unwrap();
    assert_eq!(field(&out, "action").as_string().unwrap(), "retry");
    assert_eq!(field(&out, "failure").as_string().unwrap(), "throttled");
    assert_eq!(field(&out, "delayMs").as_f64(), Some(100_000.0), "Retry-After beats the schedule's 16 s");
    let state = field(&out, "state");
    assert_eq!(field(&state, "attempts").as_f64(), Some(2.0));
    assert_eq!(field(&state, "nextAttemptAt").as_f64(), Some(105_001.0));
    assert_eq!(field(&state, "lastAttemptAt").as_f64(), Some(5000.0));
    assert_eq!(field(&state, "lastStatus").as_f64(), Some(429.0));
    let dead = wasm::next_delivery(entry, r#"{"kind":"no-answer"}"#, r#"{"maxRetries":1}"#, 0.0, 0.0).unwrap();
    assert_eq!(field(&dead, "action").as_string().unwrap(), "dead");
    let e = wasm::next_delivery(entry, r#"{"kind":"perhaps"}"#, "", 0.0, 0.0).unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "options.invalid");
}

#[wasm_bindgen_test]
fn pollers_and_identity_come_from_the_core() {
    let body = r#"{"name":"crm","element":{"key":"infusionsoftrest"},"configuration":{"event.poller.refresh_interval":"5","event.poller.configuration":"{\"b\":{\"url\":\"/b\"},\"a\":{\"url\":\"/a\"}}"}}"#;
    let list = js_sys::Array::from(&wasm::pollers(body).unwrap());
    let names: Vec<String> = list.iter().map(|p| field(&p, "name").as_string().unwrap()).collect();
    assert_eq!(names, ["b", "a"]);
    assert_eq!(wasm::refresh_interval_ms(body).unwrap(), 300_000.0);
    let id = wasm::instance_identity(body, r#"{"baseUrl":"https://hub/","elementToken":"token-1"}"#).unwrap();
    assert_eq!(field(&id, "instanceId").as_string().unwrap(), "crm~c660017fa79e427d");
    assert!(field(&wasm::instance_identity("", "").unwrap(), "instanceId").is_undefined());
}
