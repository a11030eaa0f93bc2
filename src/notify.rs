//! Notification envelopes: batches of at most `batch_size` events, signed with HMAC-SHA256,
//! and the delivery retry schedule. Sans-IO: this builds requests, the host sends them.

use crate::detect::{Event, EventType};
use crate::diag::Error;
use crate::http::Request;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How notifications are built and signed; see [`NotifyOptions::new`] for the defaults.
#[derive(Clone, Debug)]
pub struct NotifyOptions {
    /// The element instance id (or name) the events came from.
    pub instance_id: Option<String>,
    /// `element.key`: the envelope's `elementKey`.
    pub element_key: Option<String>,
    /// Where the notifications are POSTed.
    pub callback_url: String,
    /// `event.notification.signature.key`: when set, each request is signed.
    pub signature_key: Option<String>,
    /// More keys after `signature_key`, for key rotation: the Standard Webhooks signature
    /// lists one signature per key (the Elements header, a single value, uses the first key).
    pub more_keys: Vec<String>,
    /// Which signature headers to send (the Cloud Elements one by default).
    pub signing: Signing,
    /// The attempt's time (epoch ms): the Standard Webhooks `webhook-timestamp`.
    pub now_ms: i64,
    /// At most this many events per notification (the platform sends up to 10).
    pub batch_size: usize,
}

impl NotifyOptions {
    /// Unsigned Elements notifications to `callback_url`, 10 events each, at time 0 (set `now_ms`).
    pub fn new(callback_url: impl Into<String>) -> Self {
        NotifyOptions {
            instance_id: None,
            element_key: None,
            callback_url: callback_url.into(),
            signature_key: None,
            more_keys: Vec::new(),
            signing: Signing::Elements,
            now_ms: 0,
            batch_size: 10,
        }
    }

    /// The signing keys, parsed: none when no (non-empty) key is set.
    pub fn keys(&self) -> Result<Vec<Key>, Error> {
        self.signature_key.iter().chain(&self.more_keys).filter(|k| !k.is_empty()).map(|k| Key::parse(k)).collect()
    }
}

/// The body of one notification: `{"message": Message}`.
#[derive(Serialize)]
struct Body<'a> {
    message: Message<'a>,
}

/// One notification's message.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Message<'a> {
    /// Deterministic id of the batch (a hash of its events' ids): the same batch rebuilt after
    /// a crash has the same id, so receivers can dedupe whole notifications too.
    event_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    instance_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    element_key: Option<&'a str>,
    /// Events in this notification.
    count: usize,
    events: &'a [Event],
}

/// The id of a batch: 32 hex digits of sha256 over its event ids.
pub fn batch_id(events: &[Event]) -> String {
    let mut h = Sha256::new();
    for e in events {
        h.update(e.event_id.as_bytes());
        h.update(b"\n");
    }
    hex(&h.finalize()[..16])
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `sha256=<base64(HMAC-SHA256(key, body))>`: the `Elements-Webhook-Signature` value.
pub fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// The events a host hands back (JSON text: the array detection returned), for
/// [`build_notifications`]. Read by hand from a `serde_json::Value`, not by a serde derive on
/// [`Event`]: those visitors were 3 KB of the gzipped wasm. What the derive accepted is accepted
/// (`elementKey` and `raw` optional, unknown keys ignored), and an error names the event and
/// its field; `instant` is 0 (only the serialized fields travel).
pub fn read_events(text: &str) -> Result<Vec<Event>, Error> {
    let invalid = |why: String| Error::new("events.invalid", format!("events must be the events detection returned: {why}"));
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    let list = v.as_array().ok_or_else(|| invalid("not an array".into()))?;
    list.iter().enumerate().map(|(i, e)| read_event(e).map_err(|why| invalid(format!("events[{i}]{why}")))).collect()
}

fn read_event(v: &serde_json::Value) -> Result<Event, String> {
    use serde_json::Value;
    let o = v.as_object().ok_or(" must be an object")?;
    let text = |key: &str| match o.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!(".{key} must be a string")),
        None => Err(format!(".{key} is missing")),
    };
    let event_type = match o.get("eventType").and_then(Value::as_str) {
        Some("CREATED") => EventType::Created,
        Some("UPDATED") => EventType::Updated,
        Some("DELETED") => EventType::Deleted,
        _ => return Err(".eventType must be CREATED, UPDATED or DELETED".into()),
    };
    let element_key = match o.get("elementKey") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(".elementKey must be a string".into()),
    };
    Ok(Event {
        event_type,
        object_type: text("objectType")?,
        object_id: text("objectId")?,
        date: text("date")?,
        element_key,
        event_id: text("eventId")?,
        raw: o.get("raw").filter(|r| !r.is_null()).cloned(),
        instant: 0,
    })
}

/// One POST per batch of at most `batch_size` events (empty input, no requests).
/// Fails only on a key written `whsec_...` whose rest is not base64.
pub fn build_notifications(events: &[Event], opts: &NotifyOptions) -> Result<Vec<Request>, Error> {
    let keys = opts.keys()?;
    let requests = events
        .chunks(opts.batch_size.max(1))
        .map(|chunk| {
            let id = batch_id(chunk);
            let body = serde_json::to_string(&Body {
                message: Message {
                    event_id: id.clone(),
                    instance_id: opts.instance_id.as_deref(),
                    element_key: opts.element_key.as_deref(),
                    count: chunk.len(),
                    events: chunk,
                },
            })
            .expect("events serialize");
            let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned()), ("Elements-Webhook-Id".to_owned(), id.clone())];
            // Signed over the exact bytes sent: the receiver verifies before parsing.
            headers.extend(signature_headers(opts.signing, &keys, &id, opts.now_ms, body.as_bytes()));
            Request { method: "POST".into(), url: opts.callback_url.clone(), headers, body: Some(body) }
        })
        .collect();
    Ok(requests)
}

/// Delivery retries: 9 of them, the x-th after 2^(2x) seconds (4 s, 16 s, ... ~3 days).
pub fn retry_schedule() -> Vec<u64> {
    (1..=9u32).map(|x| (1u64 << (2 * x)) * 1000).collect()
}

/// Which signature headers a notification carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Signing {
    /// `Elements-Webhook-Signature: sha256=<base64 HMAC of the body>`, as the platform sends.
    #[default]
    Elements,
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
    Standard,
    /// Both sets of headers, for receivers moving from one scheme to the other.
    Both,
}

impl Signing {
    /// `elements`, `standard` or `both` (the JS option's words); anything else is `webhook.signing`.
    pub fn parse(text: &str) -> Result<Signing, Error> {
        match text {
            "elements" => Ok(Signing::Elements),
            "standard" => Ok(Signing::Standard),
            "both" => Ok(Signing::Both),
            other => Err(Error::new("webhook.signing", format!("signing must be \"elements\", \"standard\" or \"both\", not {other:?}"))),
        }
    }
}

/// The Standard Webhooks prefix of a key written as base64.
const WHSEC: &str = "whsec_";

/// base64 as keys and signatures are written, with or without padding.
const B64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new().with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// The bytes of a signing key: `whsec_<base64>` (the Standard Webhooks form) is the decoded
/// bytes; any other text (the platform's `event.notification.signature.key`) is its UTF-8
/// bytes. So a raw key `K` and `whsec_` + base64(K) are the same key, for both schemes.
#[derive(Clone, PartialEq, Eq)]
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    // A key never reaches a log, not even through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A key as a user writes it; an empty key is refused (it would sign with nothing).
    pub fn parse(text: &str) -> Result<Key, Error> {
        let bytes = match text.strip_prefix(WHSEC) {
            // The message never quotes the key: it is a secret.
            Some(b64) => B64.decode(b64).map_err(|_| {
                Error::new("webhook.key", "a key written whsec_... must be base64 after the prefix")
                    .with_hint("a raw key K is written whsec_ followed by base64 of K's UTF-8 bytes")
            })?,
            None => text.as_bytes().to_vec(),
        };
        if bytes.is_empty() {
            return Err(Error::new("webhook.key", "a signing key must not be empty"));
        }
        Ok(Key(bytes))
    }

    /// The `whsec_<base64>` form of this key (what the `standardwebhooks` package takes).
    pub fn to_whsec(&self) -> String {
        format!("{WHSEC}{}", base64::engine::general_purpose::STANDARD.encode(&self.0))
    }

    fn mac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }
}

/// `sha256=<base64>` of the body with `key`: the `Elements-Webhook-Signature` value.
pub fn sign_elements(key: &Key, body: &[u8]) -> String {
    let mut mac = key.mac();
    mac.update(body);
    format!("sha256={}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// `v1,<base64>` of `id.timestamp.body`: one entry of a `webhook-signature` list.
pub fn sign_standard(key: &Key, id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = key.mac();
    standard_content(&mut mac, id, timestamp, body);
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

/// What a Standard Webhooks signature covers: `{id}.{timestamp}.{body}`.
fn standard_content(mac: &mut Hmac<Sha256>, id: &str, timestamp: impl std::fmt::Display, body: &[u8]) {
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
}

/// The signature headers of one attempt: none without keys. `id` is the notification's id
/// (the same on every retry); `now_ms` the attempt's time, so a retry gets a fresh timestamp
/// and signature while its id stays.
pub fn signature_headers(signing: Signing, keys: &[Key], id: &str, now_ms: i64, body: &[u8]) -> Vec<(String, String)> {
    let Some(first) = keys.first() else { return Vec::new() };
    let mut out = Vec::new();
    if signing != Signing::Standard {
        out.push(("Elements-Webhook-Signature".to_owned(), sign_elements(first, body)));
    }
    if signing != Signing::Elements {
        let ts = now_ms.div_euclid(1000);
        let list: Vec<String> = keys.iter().map(|k| sign_standard(k, id, ts, body)).collect();
        out.push(("webhook-id".to_owned(), id.to_owned()));
        out.push(("webhook-timestamp".to_owned(), ts.to_string()));
        out.push(("webhook-signature".to_owned(), list.join(" ")));
    }
    out
}

/// The scheme a request was verified with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// `Elements-Webhook-Signature` over the body.
    Elements,
    /// Standard Webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    Standard,
}

impl Scheme {
    /// `elements` or `standard`; anything else is `webhook.scheme`.
    pub fn parse(text: &str) -> Result<Scheme, Error> {
        match text {
            "elements" => Ok(Scheme::Elements),
            "standard" => Ok(Scheme::Standard),
            other => Err(Error::new("webhook.scheme", format!("scheme must be \"elements\" or \"standard\", not {other:?}"))),
        }
    }
}

/// What a receiver checks a request against.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Any of these keys may have signed it (key rotation).
    pub keys: Vec<Key>,
    /// Standard Webhooks: how far `webhook-timestamp` may be from `now`, either way.
    pub tolerance_s: i64,
    /// The receiver's clock, epoch ms.
    pub now_ms: i64,
    /// Accept only this scheme; `None`: Standard Webhooks when its headers are there, else Elements.
    pub scheme: Option<Scheme>,
}

/// The Standard Webhooks default tolerance, as the `standardwebhooks` package has it.
pub const DEFAULT_TOLERANCE_S: i64 = 300;

/// A verified notification.
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The body's `message`.
    pub message: serde_json::Value,
    /// The notification's id as signed: `webhook-id`, or the message's `eventId` (Elements
    /// signs the body only, so its `Elements-Webhook-Id` header is not trusted).
    pub id: Option<String>,
    /// `webhook-timestamp` (seconds), Standard Webhooks only.
    pub timestamp: Option<i64>,
    /// Which scheme's signature matched.
    pub scheme: Scheme,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new("webhook.malformed", message)
}

fn bad_signature(message: impl Into<String>) -> Error {
    Error::new("webhook.signature", message)
}

/// The value of header `name` (any case); a header given twice is malformed rather than
/// guessed at, since a proxy and the receiver could pick different copies.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, Error> {
    let mut found = headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let first = found.next();
    if found.next().is_some() {
        return Err(malformed(format!("the {name} header is given more than once")));
    }
    Ok(first)
}

/// Whether any key's MAC (`content` fed by `feed`) equals any of `candidates` (base64).
/// Each comparison is `verify_slice`: constant-time in the bytes compared, never `==`.
fn any_matches<'a>(keys: &[Key], candidates: impl Iterator<Item = &'a str> + Clone, feed: impl Fn(&mut Hmac<Sha256>)) -> bool {
    let mut matched = false;
    for key in keys {
        let mut mac = key.mac();
        feed(&mut mac);
        for candidate in candidates.clone() {
            if let Ok(bytes) = B64.decode(candidate.trim()) {
                matched |= mac.clone().verify_slice(&bytes).is_ok();
            }
        }
    }
    matched
}

/// Checks a received notification: its signature over the raw `body` bytes with one of the
/// keys, and for Standard Webhooks that its timestamp is within the tolerance of `now`. Then
/// parses the body. Errors: `webhook.signature` (unsigned, or no signature matches),
/// `webhook.timestamp` (signed, but outside the tolerance: a replay or a skewed clock),
/// `webhook.malformed` (headers or body not as the schemes have them), `webhook.key`.
pub fn verify_notification(body: &[u8], headers: &[(String, String)], o: &VerifyOptions) -> Result<Verified, Error> {
    if o.keys.is_empty() {
        return Err(Error::new("webhook.key", "verifying needs a key (or several keys)"));
    }
    let standard = header(headers, "webhook-signature")?;
    let elements = header(headers, "elements-webhook-signature")?;
    let scheme = match (o.scheme, standard, elements) {
        (Some(Scheme::Standard), None, _) => {
            return Err(bad_signature("no webhook-signature header: the request is not signed with Standard Webhooks"));
        }
        (Some(Scheme::Elements), _, None) => {
            return Err(bad_signature("no Elements-Webhook-Signature header: the request is not signed the Elements way"));
        }
        (Some(s), _, _) => s,
        (None, Some(_), _) => Scheme::Standard,
        (None, None, Some(_)) => Scheme::Elements,
        (None, None, None) => return Err(bad_signature("the request is not signed: no webhook-signature or Elements-Webhook-Signature header")),
    };
    let (id, timestamp) = match scheme {
        Scheme::Standard => {
            let list = standard.unwrap_or_default();
            let id = header(headers, "webhook-id")?.ok_or_else(|| malformed("webhook-signature without a webhook-id header"))?;
            let ts_text = header(headers, "webhook-timestamp")?.ok_or_else(|| malformed("webhook-signature without a webhook-timestamp header"))?;
            let ts = parse_timestamp(ts_text)?;
            // Entries are `v1,<base64>`; other versions are skipped, as the spec says.
            let v1 = list.split(' ').filter_map(|e| e.strip_prefix("v1,"));
            if !any_matches(&o.keys, v1, |mac| standard_content(mac, id, ts, body)) {
                return Err(bad_signature("no webhook-signature entry matches the body with the key(s) given"));
            }
            // Checked after the signature, so this code means: authentic, but not fresh.
            let now_s = o.now_ms.div_euclid(1000);
            let tolerance = o.tolerance_s.max(0);
            if ts < now_s.saturating_sub(tolerance) {
                return Err(Error::new(
                    "webhook.timestamp",
                    format!("webhook-timestamp is {}s old, beyond the tolerance of {tolerance}s", now_s - ts),
                ));
            }
            if ts > now_s.saturating_add(tolerance) {
                return Err(Error::new(
                    "webhook.timestamp",
                    format!("webhook-timestamp is {}s in the future, beyond the tolerance of {tolerance}s", ts - now_s),
                ));
            }
            (Some(id.to_owned()), Some(ts))
        }
        Scheme::Elements => {
            let value = elements.unwrap_or_default().trim();
            let Some(b64) = value.strip_prefix("sha256=") else {
                return Err(malformed("Elements-Webhook-Signature must be sha256=<base64>"));
            };
            if !any_matches(&o.keys, std::iter::once(b64), |mac| mac.update(body)) {
                return Err(bad_signature("Elements-Webhook-Signature does not match the body with the key(s) given"));
            }
            (None, None)
        }
    };
    // Through `str` as the rest of the core reads JSON: `from_slice` would link a second copy
    // of serde_json's parser into the wasm.
    let text = std::str::from_utf8(body).map_err(|_| malformed("the body is not UTF-8 JSON"))?;
    let mut parsed: serde_json::Value = serde_json::from_str(text).map_err(|e| malformed(format!("the body is not JSON: {e}")))?;
    let message = match parsed.get_mut("message") {
        Some(m @ serde_json::Value::Object(_)) => m.take(),
        _ => return Err(malformed("the body is not a notification: no {\"message\": {...}} object")),
    };
    let id = id.or_else(|| message.get("eventId").and_then(|v| v.as_str()).map(str::to_owned));
    Ok(Verified { message, id, timestamp, scheme })
}

/// `webhook-timestamp`: whole seconds, ASCII digits only (at most 15, far beyond any date).
fn parse_timestamp(text: &str) -> Result<i64, Error> {
    let t = text.trim();
    if t.is_empty() || t.len() > 15 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("webhook-timestamp must be whole seconds since the epoch"));
    }
    Ok(t.parse().expect("at most 15 digits fit an i64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 (key "Jefe"), the digest in base64.
        assert_eq!(sign("Jefe", b"what do ya want for nothing?"), "sha256=W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
    }

    #[test]
    fn events_read_back_as_detection_wrote_them_and_a_bad_one_is_named() {
        let e = |t: EventType, key: Option<&str>, raw: Option<serde_json::Value>| Event {
            event_type: t,
            object_type: "tasks".into(),
            object_id: "7".into(),
            date: "2024-03-10T07:05:09.042Z".into(),
            element_key: key.map(str::to_owned),
            event_id: "0123456789abcdef0123456789abcdef".into(),
            raw,
            instant: 0,
        };
        let all = vec![
            e(EventType::Created, Some("infusionsoftrest"), None),
            e(EventType::Updated, None, Some(serde_json::json!({"id": 7}))),
            e(EventType::Deleted, None, None),
        ];
        assert_eq!(read_events(&serde_json::to_string(&all).unwrap()).unwrap(), all);
        let plain = r#"[{"eventType":"UPDATED","objectType":"tasks","objectId":"7","date":"2024-03-10T07:05:09.042Z","eventId":"0123456789abcdef0123456789abcdef","elementKey":null,"raw":null,"more":1}]"#;
        assert_eq!(read_events(plain).unwrap(), vec![e(EventType::Updated, None, None)], "null is absent; unknown keys are ignored");
        for (text, want) in [
            ("{}", "not an array"),
            ("[1]", "events[0] must be an object"),
            (r#"[{"eventType":"MOVED"}]"#, "events[0].eventType must be CREATED, UPDATED or DELETED"),
            (r#"[{"eventType":"CREATED","objectType":"t","objectId":7}]"#, "events[0].objectId must be a string"),
            (r#"[{"eventType":"CREATED","objectType":"t","objectId":"7","date":"d"}]"#, "events[0].eventId is missing"),
            (
                r#"[{"eventType":"CREATED","objectType":"t","objectId":"7","date":"d","eventId":"x","elementKey":3}]"#,
                "events[0].elementKey must be a string",
            ),
            ("[", "EOF"),
        ] {
            let err = read_events(text).unwrap_err();
            assert_eq!(err.code, "events.invalid");
            assert!(err.message.contains(want), "{text}: {}", err.message);
        }
    }

    #[test]
    fn schedule() {
        let s = retry_schedule();
        assert_eq!(s.len(), 9);
        assert_eq!((s[0], s[1], s[8]), (4_000, 16_000, 262_144_000));
    }
}

#[cfg(test)]
mod signing_tests {
    use super::*;
    use crate::detect::{EventType, event_id, iso_utc};
    use proptest::prelude::*;

    fn events(n: usize) -> Vec<Event> {
        (0..n)
            .map(|i| {
                let at = 1_710_054_309_042 + i as i64;
                Event {
                    event_type: EventType::Updated,
                    object_type: "appointments".into(),
                    object_id: i.to_string(),
                    date: iso_utc(at),
                    element_key: None,
                    event_id: event_id("inst", "appointments", &i.to_string(), at),
                    raw: None,
                    instant: at,
                }
            })
            .collect()
    }

    fn header_of<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
        header(&r.headers, name).unwrap()
    }

    fn opts(keys: &[&str], now_ms: i64) -> VerifyOptions {
        VerifyOptions { keys: keys.iter().map(|k| Key::parse(k).unwrap()).collect(), tolerance_s: DEFAULT_TOLERANCE_S, now_ms, scheme: None }
    }

    fn standard(keys: &[&str], now_ms: i64) -> Request {
        let mut o = NotifyOptions::new("https://example.com/hook");
        o.signature_key = Some(keys[0].to_owned());
        o.more_keys = keys[1..].iter().map(|k| k.to_string()).collect();
        o.signing = Signing::Standard;
        o.now_ms = now_ms;
        build_notifications(&events(3), &o).unwrap().remove(0)
    }

    fn verify(r: &Request, o: &VerifyOptions) -> Result<Verified, Error> {
        verify_notification(r.body.as_deref().unwrap().as_bytes(), &r.headers, o)
    }

    const NOW: i64 = 1_764_576_000_123;

    #[test]
    fn the_standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks specification and its libraries' tests.
        let key = Key::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let sig = sign_standard(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#);
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_raw_key_and_its_whsec_form_are_the_same_key() {
        let raw = Key::parse("s3cret").unwrap();
        let whsec = raw.to_whsec();
        assert_eq!(whsec, format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode("s3cret")));
        assert_eq!(Key::parse(&whsec).unwrap(), raw);
        assert_eq!(sign_elements(&raw, b"body"), sign("s3cret", b"body"), "a raw key signs as before");
        assert_eq!(Key::parse("whsec_***").unwrap_err().code, "webhook.key");
        assert!(!Key::parse("whsec_***").unwrap_err().message.contains("***"), "the key is never quoted");
        assert_eq!(Key::parse("").unwrap_err().code, "webhook.key");
        assert_eq!(Key::parse("whsec_").unwrap_err().code, "webhook.key");
        assert_eq!(format!("{raw:?}"), "Key(..)");
    }

    #[test]
    fn signing_picks_the_headers() {
        let mut o = NotifyOptions::new("https://example.com/hook");
        o.signature_key = Some("k".into());
        o.now_ms = NOW;
        let elements = build_notifications(&events(1), &o).unwrap().remove(0);
        assert!(header_of(&elements, "Elements-Webhook-Signature").is_some());
        assert!(header_of(&elements, "webhook-signature").is_none());
        o.signing = Signing::Both;
        let both = build_notifications(&events(1), &o).unwrap().remove(0);
        assert_eq!(header_of(&both, "Elements-Webhook-Signature"), header_of(&elements, "Elements-Webhook-Signature"));
        assert_eq!(header_of(&both, "webhook-timestamp"), Some("1764576000"), "seconds of the attempt's time");
        assert_eq!(header_of(&both, "webhook-id"), header_of(&both, "Elements-Webhook-Id"));
        let s = standard(&["k"], NOW);
        assert!(header_of(&s, "Elements-Webhook-Signature").is_none());
        assert_eq!(Signing::parse("svix").unwrap_err().code, "webhook.signing");
        o.signature_key = None;
        o.signing = Signing::Standard;
        assert!(header_of(&build_notifications(&events(1), &o).unwrap()[0], "webhook-id").is_none(), "no key, unsigned");
        o.signature_key = Some("whsec_!".into());
        assert_eq!(build_notifications(&events(1), &o).unwrap_err().code, "webhook.key");
    }

    #[test]
    fn the_webhook_id_is_the_events_and_stays_across_retries() {
        let (a, b) = (standard(&["k"], NOW), standard(&["k"], NOW + 3_600_000));
        assert_eq!(header_of(&a, "webhook-id"), header_of(&b, "webhook-id"));
        assert_eq!(header_of(&a, "webhook-id"), Some(batch_id(&events(3)).as_str()));
        assert_ne!(header_of(&a, "webhook-signature"), header_of(&b, "webhook-signature"), "a retry is signed afresh");
        assert_eq!(a.body, b.body);
    }

    #[test]
    fn verifies_what_it_signs_and_says_what_failed() {
        let r = standard(&["k"], NOW);
        let v = verify(&r, &opts(&["k"], NOW + 299_000)).unwrap();
        assert_eq!((v.scheme, v.timestamp), (Scheme::Standard, Some(NOW / 1000)));
        assert_eq!(v.message["count"], 3);
        assert_eq!(v.id.as_deref(), header_of(&r, "webhook-id"));

        let code = |r: &Request, o: &VerifyOptions| verify(r, o).unwrap_err().code;
        let mut tampered = r.clone();
        tampered.body = Some(r.body.as_deref().unwrap().replace("\"count\":3", "\"count\":4"));
        assert_eq!(code(&tampered, &opts(&["k"], NOW)), "webhook.signature");
        assert_eq!(code(&r, &opts(&["other"], NOW)), "webhook.signature");
        assert_eq!(code(&r, &opts(&["k"], NOW + 301_000)), "webhook.timestamp", "a replay after the window");
        assert_eq!(code(&r, &opts(&["k"], NOW - 301_000)), "webhook.timestamp", "from the future");
        // A replay with a fresh timestamp: the signature covers the old one.
        let mut replayed = r.clone();
        for h in replayed.headers.iter_mut().filter(|(k, _)| k == "webhook-timestamp") {
            h.1 = ((NOW + 3_600_000) / 1000).to_string();
        }
        assert_eq!(code(&replayed, &opts(&["k"], NOW + 3_600_000)), "webhook.signature");
        let without = |name: &str| Request { headers: r.headers.iter().filter(|(k, _)| k != name).cloned().collect(), ..r.clone() };
        assert_eq!(code(&without("webhook-id"), &opts(&["k"], NOW)), "webhook.malformed");
        assert_eq!(code(&without("webhook-timestamp"), &opts(&["k"], NOW)), "webhook.malformed");
        assert_eq!(code(&without("webhook-signature"), &opts(&["k"], NOW)), "webhook.signature", "unsigned");
        let mut twice = r.clone();
        twice.headers.push(("Webhook-Id".into(), "other".into()));
        assert_eq!(code(&twice, &opts(&["k"], NOW)), "webhook.malformed");
        let mut bad_ts = r.clone();
        bad_ts.headers.retain(|(k, _)| k != "webhook-timestamp");
        bad_ts.headers.push(("webhook-timestamp".into(), "-5".into()));
        assert_eq!(code(&bad_ts, &opts(&["k"], NOW)), "webhook.malformed");
        assert_eq!(code(&r, &VerifyOptions { keys: vec![], ..opts(&["k"], NOW) }), "webhook.key");
    }

    #[test]
    fn key_rotation_lists_a_signature_per_key() {
        let r = standard(&["old", "whsec_bmV3"], NOW);
        assert_eq!(header_of(&r, "webhook-signature").unwrap().split(' ').count(), 2);
        for key in ["old", "new", "whsec_bmV3"] {
            assert!(verify(&r, &opts(&[key], NOW)).is_ok(), "{key}");
        }
        assert!(verify(&standard(&["new"], NOW), &opts(&["retired", "new"], NOW)).is_ok(), "a receiver may hold several keys");
    }

    #[test]
    fn the_elements_scheme_and_a_required_scheme() {
        let mut o = NotifyOptions::new("https://example.com/hook");
        o.signature_key = Some("k".into());
        let r = build_notifications(&events(2), &o).unwrap().remove(0);
        let v = verify(&r, &opts(&["k"], NOW)).unwrap();
        assert_eq!((v.scheme, v.timestamp), (Scheme::Elements, None));
        assert_eq!(v.id.as_deref(), header_of(&r, "Elements-Webhook-Id"), "the message's eventId, which the body signs");
        assert_eq!(verify(&r, &opts(&["x"], NOW)).unwrap_err().code, "webhook.signature");
        let strict = VerifyOptions { scheme: Some(Scheme::Standard), ..opts(&["k"], NOW) };
        assert_eq!(verify(&r, &strict).unwrap_err().code, "webhook.signature", "a receiver that requires Standard Webhooks");
        let mut prefixless = r.clone();
        for h in prefixless.headers.iter_mut().filter(|(k, _)| k == "Elements-Webhook-Signature") {
            h.1 = h.1.trim_start_matches("sha256=").to_owned();
        }
        assert_eq!(verify(&prefixless, &opts(&["k"], NOW)).unwrap_err().code, "webhook.malformed");
    }

    #[test]
    fn a_signed_body_that_is_no_notification_is_malformed() {
        let key = Key::parse("k").unwrap();
        for body in [&b"not json"[..], b"[1]", br#"{"message": 3}"#, b"{}"] {
            let headers = signature_headers(Signing::Standard, std::slice::from_ref(&key), "msg_1", NOW, body);
            assert_eq!(verify_notification(body, &headers, &opts(&["k"], NOW)).unwrap_err().code, "webhook.malformed");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]
        // Hostile input is an error with one of the codes, never a panic.
        #[test]
        fn hostile_requests_are_errors(
            body in proptest::collection::vec(any::<u8>(), 0..64),
            headers in proptest::collection::vec((
                prop_oneof![Just("webhook-id".to_owned()), Just("webhook-timestamp".to_owned()), Just("webhook-signature".to_owned()),
                            Just("Elements-Webhook-Signature".to_owned()), "[a-zA-Z-]{0,12}"],
                prop_oneof![".{0,40}", "v1,[A-Za-z0-9+/=]{0,48}( v[0-9],[A-Za-z0-9+/=]{0,48})?", "sha256=[A-Za-z0-9+/=]{0,48}", "[0-9]{0,20}"],
            ), 0..6),
            now_ms in any::<i64>(),
            tolerance_s in any::<i64>(),
        ) {
            let o = VerifyOptions { keys: vec![Key::parse("k").unwrap()], tolerance_s, now_ms, scheme: None };
            if let Err(e) = verify_notification(&body, &headers, &o) {
                prop_assert!(["webhook.signature", "webhook.timestamp", "webhook.malformed"].contains(&e.code), "{}", e.code);
            }
            // Signed for real, the same body still never panics (it is then only malformed or fine).
            let key = Key::parse("k").unwrap();
            let signed = signature_headers(Signing::Both, &[key], "msg_x", now_ms, &body);
            if let Err(e) = verify_notification(&body, &signed, &o) {
                prop_assert!(["webhook.malformed", "webhook.timestamp"].contains(&e.code), "{}", e.code);
            }
        }
    }
}
