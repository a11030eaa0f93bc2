//! The JavaScript binding layer: the only module that sees wasm-bindgen.
//!
//! Every function takes plain values (strings, numbers, bytes) and returns plain JS data.
//! Failures come back as `{code, message, column?, path?, hint?}` objects, which the
//! hand-written wrapper in `pkg/src` turns into `PollerError`s.

use crate::diag::Error;
use crate::{config, cycle, datefmt::DateFormat, delivery, detect, http, notify, zone::Zone};
use serde::Serialize;
use wasm_bindgen::prelude::*;

mod exact;

/// A core value as plain JS data. Integers beyond ±(2^53 − 1) become strings of their digits
/// (see [`exact`]), so no input can make this fail; should it fail all the same, the caller
/// gets an `internal` error rather than a trap.
///
/// Through JSON text and the engine's `JSON.parse`, not serde-wasm-bindgen: one serializer
/// (serde_json's, which the state and the raw records need anyway) instead of a second
/// instance of every type's `Serialize` for JS values, and one dependency fewer.
fn to_js<T: Serialize + ?Sized>(v: &T) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&json_text(v)?).map_err(|_| internal("JSON.parse refused the core's JSON"))
}

/// Built by hand: it must not go through `to_js`, whose failure it reports.
fn internal(message: &str) -> JsValue {
    let o = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&o, &"code".into(), &"internal".into());
    let _ = js_sys::Reflect::set(&o, &"message".into(), &format!("a result could not be converted to JavaScript: {message}").into());
    o.into()
}

fn err(e: Error) -> JsValue {
    to_js(&e).unwrap_or_else(|e| e)
}

/// `text` read with `format` in `zone`, as epoch ms; beyond what a JS number holds exactly is
/// `date.parse.out-of-range`.
#[wasm_bindgen(js_name = parseDate)]
pub fn parse_date(text: &str, format: &str, zone: &str) -> Result<f64, JsValue> {
    let zone = Zone::parse(zone).map_err(err)?;
    let f = DateFormat::compile(format).map_err(err)?;
    let ms = f.parse(text, &zone).map_err(err)?;
    // A pattern reads years up to 99,999,999; a JS number holds only 2^53 exactly.
    if ms.unsigned_abs() > exact::MAX_SAFE {
        return Err(err(Error::new("date.parse.out-of-range", format!("{text:?} is beyond the instants a JavaScript number holds exactly"))));
    }
    Ok(ms as f64)
}

/// Epoch ms `ms` in `format` and `zone`; a fraction, NaN or infinity is `date.instant.invalid`.
#[wasm_bindgen(js_name = formatDate)]
pub fn format_date(ms: f64, format: &str, zone: &str) -> Result<String, JsValue> {
    if !ms.is_finite() || ms.fract() != 0.0 {
        return Err(err(Error::new("date.instant.invalid", format!("{ms} is not a whole number of epoch milliseconds"))));
    }
    let zone = Zone::parse(zone).map_err(err)?;
    let f = DateFormat::compile(format).map_err(err)?;
    Ok(f.format(ms as i64, &zone))
}

/// The pattern's compile error and an unknown zone as error diagnostics, then the lints.
/// `zone` empty when none is given: lints that depend on the zone are then skipped.
#[wasm_bindgen(js_name = lintDateFormat)]
pub fn lint_date_format(pattern: &str, zone: &str) -> Result<JsValue, JsValue> {
    let as_diagnostic = |e: Error| {
        let mut d = crate::Diagnostic::error(e.code, "", e.message);
        d.hint = e.hint;
        d
    };
    let mut out: Vec<crate::Diagnostic> = DateFormat::compile(pattern).err().map(as_diagnostic).into_iter().collect();
    if !zone.is_empty() {
        out.extend(Zone::parse(zone).err().map(as_diagnostic));
    }
    out.extend(crate::datefmt::lint(pattern, (!zone.is_empty()).then_some(zone)));
    to_js(&out)
}

#[derive(Serialize)]
struct Validation {
    ok: bool,
    diagnostics: Vec<crate::Diagnostic>,
}

/// `input` is the body as JSON text; the wrapper stringifies objects.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(input: &str) -> Result<JsValue, JsValue> {
    let diagnostics = config::validate(input);
    let ok = !diagnostics.iter().any(|d| d.severity == crate::Severity::Error);
    to_js(&Validation { ok, diagnostics })
}

/// The detection options a host passes as JSON (camelCase); `now` and `startFrom` included.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DetectOptions {
    start_from: Option<String>,
    now: f64,
    lookback: Option<f64>,
    records_field: Option<String>,
    element_key: Option<String>,
    instance: Option<String>,
    raw: bool,
    max_seen: Option<usize>,
    max_clock_skew: Option<f64>,
}

impl DetectOptions {
    fn core(self) -> detect::Options {
        let d = detect::Options::default();
        detect::Options {
            start_from: self.start_from.unwrap_or(d.start_from),
            now: self.now as i64,
            lookback_ms: self.lookback.map_or(d.lookback_ms, |l| l.max(0.0) as i64),
            records_field: self.records_field.filter(|f| !f.is_empty()),
            element_key: self.element_key,
            instance: self.instance,
            raw: self.raw,
            max_seen: self.max_seen.unwrap_or(d.max_seen),
            max_clock_skew_ms: self.max_clock_skew.map_or(d.max_clock_skew_ms, |m| m.max(0.0) as i64),
            provider_now: None,
        }
    }
}

fn spec(resource: &str) -> Result<detect::Spec, JsValue> {
    let resource: serde_json::Value = serde_json::from_str(resource).map_err(|e| err(Error::new("resource.not-json", e.to_string())))?;
    detect::Spec::from_resource(&resource).map_err(err)
}

fn state(text: &str) -> Result<Option<detect::State>, JsValue> {
    if text.is_empty() {
        return Ok(None);
    }
    // Instants beyond 2^53 − 1 that `to_js` wrote as digit strings are read back by the
    // state's own reader.
    detect::State::from_json(text).map(Some).map_err(err)
}

/// A response body in wasm memory, written in place from JS. A fetch stream's chunks land here
/// directly, so a body is copied once on its way in (as a native host reading a socket copies
/// it once), not into a JS buffer first and then again into wasm memory.
#[wasm_bindgen(js_name = BodyBuffer)]
pub struct BodyBuffer {
    bytes: Vec<u8>,
    /// The length of the view `spare` last handed out and `commit` has not settled.
    open: usize,
}

#[wasm_bindgen(js_class = BodyBuffer)]
impl BodyBuffer {
    /// `capacity` is a hint (a server's `content-length`): room that cannot be had is not an
    /// error, the buffer grows as it is written instead.
    #[wasm_bindgen(constructor)]
    pub fn new(capacity: usize) -> BodyBuffer {
        let mut bytes = Vec::new();
        let _ = bytes.try_reserve_exact(capacity);
        BodyBuffer { bytes, open: 0 }
    }

    /// A whole body at once: wasm-bindgen copies `bytes` into wasm memory and the buffer takes
    /// that allocation as it is.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: Vec<u8>) -> BodyBuffer {
        BodyBuffer { bytes, open: 0 }
    }

    /// `n` zeroed bytes at the end, as a view into wasm memory for JS to fill, then `commit`.
    /// The view is valid until the next call into the module (memory may grow and move).
    /// A body the module's memory cannot hold is an error (`body.too-large`), not an abort:
    /// the buffer keeps what it had.
    pub fn spare(&mut self, n: usize) -> Result<js_sys::Uint8Array, JsValue> {
        self.bytes.truncate(self.bytes.len() - self.open);
        self.open = 0;
        let at = self.bytes.len();
        if self.bytes.try_reserve(n).is_err() {
            return Err(err(Error::new("body.too-large", format!("a body of {at} + {n} bytes does not fit in the wasm module's memory"))));
        }
        // Zeroed rather than left uninitialized: every byte of the Vec is then initialized
        // whatever JS writes, at the cost of a memset per chunk.
        self.bytes.resize(at + n, 0);
        self.open = n;
        // SAFETY: the view covers initialized bytes of `self.bytes`; JS uses it before its next
        // call into the module, the only thing that could move or free them.
        Ok(unsafe { js_sys::Uint8Array::view(&self.bytes[at..]) })
    }

    /// Keeps the first `n` bytes of the last `spare` view as part of the body.
    pub fn commit(&mut self, n: usize) -> Result<(), JsValue> {
        if n > self.open {
            return Err(err(Error::new("body.commit", format!("commit({n}) after spare({}): at most the spare length", self.open))));
        }
        self.bytes.truncate(self.bytes.len() - self.open + n);
        self.open = 0;
        Ok(())
    }

    /// The committed length in bytes.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> usize {
        self.bytes.len() - self.open
    }
}

impl BodyBuffer {
    fn body(&self) -> &[u8] {
        &self.bytes[..self.length()]
    }
}

/// An outcome for JS in one compact form: the events as columns (`pkg/src/api.js` builds the
/// objects), the state as JSON text, the small stats and diagnostics as objects. Building each
/// event object field by field through serde-wasm-bindgen cost more than finding the event.
fn outcome_to_js(o: &detect::Outcome) -> Result<JsValue, JsValue> {
    let ev = &o.events;
    let n = ev.len();
    let types: Vec<u8> = ev
        .types()
        .iter()
        .map(|t| match t {
            detect::EventType::Created => 0u8,
            detect::EventType::Updated => 1u8,
            detect::EventType::Deleted => 2u8,
        })
        .collect();
    // Ends in UTF-16 code units: what JS `slice` counts (the byte ends when every id is ASCII).
    let id_ends: Vec<u32> = if ev.ids().is_ascii() {
        ev.id_ends().to_vec()
    } else {
        let mut at = 0u32;
        (0..n)
            .map(|i| {
                at += ev.object_id(i).encode_utf16().count() as u32;
                at
            })
            .collect()
    };
    // Dates and eventIds become text only here, straight into their columns (ASCII: their
    // byte ends are their UTF-16 ends).
    let text = ev.text_columns();
    let out = js_sys::Object::new();
    let set = |k: &str, v: JsValue| {
        let _ = js_sys::Reflect::set(&out, &JsValue::from_str(k), &v);
    };
    set("count", JsValue::from(n as u32));
    if n > 0 {
        set("objectType", JsValue::from_str(ev.object_type()));
        if let Some(k) = ev.element_key() {
            set("elementKey", JsValue::from_str(k));
        }
    }
    set("types", js_sys::Uint8Array::from(&types[..]).into());
    set("ids", JsValue::from_str(ev.ids()));
    set("idEnds", js_sys::Uint32Array::from(&id_ends[..]).into());
    set("dates", JsValue::from_str(&text.dates));
    set("dateEnds", js_sys::Uint32Array::from(&text.date_ends[..]).into());
    set("eventIds", JsValue::from_str(&text.event_ids));
    // JSON text for `JSON.parse`, integers beyond 2^53 written as exact digit strings (as
    // `to_js` writes them), so nothing is rounded on its way to JS.
    // `raw: true`: the records' JSON, one array (null where a record's text was unreadable).
    if ev.has_raw() {
        let raw: Vec<Option<&serde_json::Value>> = (0..n).map(|i| ev.raw(i)).collect();
        set("raw", JsValue::from_str(&json_text(&raw)?));
    }
    set("state", JsValue::from_str(&json_text(&o.state)?));
    set("stats", to_js(&o.stats)?);
    set("diagnostics", to_js(&o.diagnostics)?);
    Ok(out.into())
}

/// A value as JSON text through [`exact::Exact`].
fn json_text<T: Serialize + ?Sized>(v: &T) -> Result<String, JsValue> {
    serde_json::to_string(&exact::Exact(v)).map_err(|e| internal(&e.to_string()))
}

/// `resource`, `state` (empty on a first run) and `options` are JSON text.
#[wasm_bindgen(js_name = detectChanges)]
pub fn detect_changes(resource: &str, state_json: &str, options_json: &str, body: &BodyBuffer) -> Result<JsValue, JsValue> {
    let opts: DetectOptions = options(options_json)?;
    let out = detect::detect(&spec(resource)?, state(state_json)?.as_ref(), body.body(), &opts.core()).map_err(err)?;
    outcome_to_js(&out)
}

/// The cycle's options, with the detection options nested under `detect` (nesting rather
/// than `#[serde(flatten)]`, which buffers every value through serde's `Content`: ~10 KB of wasm).
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CycleOptions {
    detect: DetectOptions,
    base_url: String,
    /// `"hub"` (default) or `"direct"`: `api.js` reads it from the instance (`pollerApi`).
    api: Option<String>,
    auth: Option<Auth>,
    seed: f64,
    max_retries: Option<u32>,
    backoff_ms: Option<f64>,
    max_backoff_ms: Option<f64>,
    /// List in full now (DELETED events), whatever `reconcile.everyHours` says.
    reconcile: bool,
}

#[derive(serde::Deserialize)]
struct Auth {
    user: String,
    organization: String,
    element: String,
}

/// One poll cycle of one resource, driven by the JS host (see `crate::cycle::PollCycle`).
#[wasm_bindgen(js_name = PollCycle)]
pub struct WasmPollCycle {
    inner: Option<cycle::PollCycle>,
}

#[wasm_bindgen(js_class = PollCycle)]
impl WasmPollCycle {
    /// A cycle over one resource (JSON text), from a saved state (empty: none), with the
    /// detection and cycle options (JSON text).
    #[wasm_bindgen(constructor)]
    pub fn new(resource: &str, state_json: &str, options_json: &str) -> Result<WasmPollCycle, JsValue> {
        let o: CycleOptions = options(options_json)?;
        let mut c = cycle::CycleOptions::new(spec(resource)?, state(state_json)?, o.detect.core(), o.base_url);
        if let Some(a) = &o.api {
            c.api =
                config::Api::parse(a).ok_or_else(|| err(Error::new("options.invalid", format!("api must be \"hub\" or \"direct\", not {a:?}"))))?;
        }
        c.auth = o.auth.map(|a| cycle::Auth { user: a.user, organization: a.organization, element: a.element });
        c.seed = o.seed as u64;
        c.max_retries = o.max_retries.unwrap_or(c.max_retries);
        c.base_backoff_ms = o.backoff_ms.map_or(c.base_backoff_ms, |b| b as u64);
        c.max_backoff_ms = o.max_backoff_ms.map_or(c.max_backoff_ms, |b| b as u64);
        c.reconcile = o.reconcile;
        Ok(WasmPollCycle { inner: Some(cycle::PollCycle::new(c).map_err(err)?) })
    }

    /// `{method, url, headers, delayMs, retry?, auth?, refreshToken?}`, or `null` when the cycle
    /// is over. `retry` (`{attempt, reason, status, delayFrom}`) when the request is sent again,
    /// and why; `auth: "bearer"` when the host adds `Authorization: Bearer <token>` (a direct
    /// element); `refreshToken: true` when it must refresh that token first (after a 401).
    #[wasm_bindgen(js_name = nextRequest)]
    pub fn next_request(&mut self) -> Result<JsValue, JsValue> {
        let Some(c) = self.inner.as_mut() else { return Ok(JsValue::NULL) };
        let Some(req) = c.next_request() else { return Ok(JsValue::NULL) };
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Retry {
            attempt: u32,
            reason: cycle::RetryReason,
            status: u16,
            delay_from: cycle::DelaySource,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out {
            method: String,
            url: String,
            headers: serde_json::Map<String, serde_json::Value>,
            delay_ms: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            retry: Option<Retry>,
            #[serde(skip_serializing_if = "Option::is_none")]
            auth: Option<cycle::HostAuth>,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            refresh_token: bool,
        }
        let retry = c.retry().map(|r| Retry { attempt: r.attempt, reason: r.reason, status: r.status, delay_from: r.source });
        let headers = req.http.headers.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
        let (auth, refresh_token) = (req.auth, req.refresh_token);
        to_js(&Out { method: req.http.method, url: req.http.url, headers, delay_ms: req.delay_ms, retry, auth, refresh_token })
    }

    /// `headers` is a JSON array of `[name, value]` pairs, as `verifyNotification` takes them
    /// (one reader of header lists in the wasm, not a map's as well: about 1 KB). `status` is
    /// any JS number: the core decides which are HTTP statuses (`http::status`), the rest are
    /// transport failures.
    #[wasm_bindgen(js_name = handleResponse)]
    pub fn handle_response(&mut self, status: f64, headers_json: &str, body: &BodyBuffer) -> Result<(), JsValue> {
        let headers: Vec<(String, String)> = serde_json::from_str(headers_json)
            .map_err(|e| err(Error::new("response.headers", format!("headers must be an object of strings: {e}"))))?;
        if let Some(c) = self.inner.as_mut() {
            c.handle_response(http::Response { status: http::status(status), headers: &headers, body: body.body() });
        }
        Ok(())
    }

    /// Whether this cycle lists the resource in full and reports what is gone (DELETED): the
    /// core's decision (`reconcile.everyHours`, or the `reconcile` option).
    #[wasm_bindgen(getter)]
    pub fn reconciling(&self) -> bool {
        self.inner.as_ref().is_some_and(cycle::PollCycle::is_reconciling)
    }

    /// The stats read so far (`pages`, `records`, `events`, ...), for progress reports.
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        self.inner.as_ref().map_or(Ok(JsValue::NULL), |c| to_js(&c.progress()))
    }

    /// `{events, state, stats, diagnostics}`; throws the cycle's error. Callable once.
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let c = self.inner.take().ok_or_else(|| err(Error::new("cycle.finished", "finish() was already called on this cycle")))?;
        outcome_to_js(&c.finish().map_err(err)?)
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct NotifyOptions {
    instance_id: Option<String>,
    element_key: Option<String>,
    callback_url: String,
    signature_key: Option<String>,
    /// More keys, for rotation (a signature per key in `webhook-signature`).
    signature_keys: Vec<String>,
    signing: Option<String>,
    now: f64,
    batch_size: Option<usize>,
}

impl NotifyOptions {
    fn core(self) -> Result<notify::NotifyOptions, JsValue> {
        let mut n = notify::NotifyOptions::new(self.callback_url);
        n.instance_id = self.instance_id;
        n.element_key = self.element_key;
        n.signature_key = self.signature_key;
        n.more_keys = self.signature_keys;
        n.signing = self.signing.as_deref().map_or(Ok(notify::Signing::Elements), notify::Signing::parse).map_err(err)?;
        n.now_ms = self.now as i64;
        n.batch_size = self.batch_size.unwrap_or(n.batch_size);
        Ok(n)
    }
}

/// `events` as JSON text (what detection returned); one signed request per batch.
#[wasm_bindgen(js_name = buildNotifications)]
pub fn build_notifications(events_json: &str, options_json: &str) -> Result<JsValue, JsValue> {
    let events = notify::read_events(events_json).map_err(err)?;
    let n = options::<NotifyOptions>(options_json)?.core()?;
    #[derive(Serialize)]
    struct Out {
        method: String,
        url: String,
        headers: serde_json::Map<String, serde_json::Value>,
        body: String,
    }
    let out: Vec<Out> = notify::build_notifications(&events, &n)
        .map_err(err)?
        .into_iter()
        .map(|r| Out {
            method: r.method,
            url: r.url,
            headers: r.headers.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect(),
            body: r.body.unwrap_or_default(),
        })
        .collect();
    to_js(&out)
}

/// The signature headers of one delivery attempt of a built notification (its `body` and
/// `id`), at the time `now` in the options: a retry re-signs with a fresh Standard Webhooks
/// timestamp, the id staying. Options as `buildNotifications`' (the signing ones are read).
#[wasm_bindgen(js_name = signNotification)]
pub fn sign_notification(body: &str, id: &str, options_json: &str) -> Result<JsValue, JsValue> {
    let n = options::<NotifyOptions>(options_json)?.core()?;
    let headers = notify::signature_headers(n.signing, &n.keys().map_err(err)?, id, n.now_ms, body.as_bytes());
    let headers: serde_json::Map<String, serde_json::Value> = headers.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    to_js(&headers)
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct VerifyOptions {
    keys: Vec<String>,
    tolerance_seconds: Option<f64>,
    now: f64,
    scheme: Option<String>,
}

/// Checks a received notification (see `notify::verify_notification`). `headers_json` is a
/// JSON array of `[name, value]` pairs, so a header given twice is seen as such.
/// Returns `{messageJson, id, timestamp, scheme}`: the message as JSON text, for `JSON.parse`
/// to read as JS reads any JSON (numbers beyond 2^53 included).
#[wasm_bindgen(js_name = verifyNotification)]
pub fn verify_notification(body: &[u8], headers_json: &str, options_json: &str) -> Result<JsValue, JsValue> {
    let headers: Vec<(String, String)> = serde_json::from_str(headers_json)
        .map_err(|e| err(Error::new("webhook.malformed", format!("headers must be [name, value] pairs of strings: {e}"))))?;
    let o: VerifyOptions = options(options_json)?;
    let keys = o.keys.iter().map(|k| notify::Key::parse(k)).collect::<Result<Vec<_>, _>>().map_err(err)?;
    let scheme = o.scheme.as_deref().map(notify::Scheme::parse).transpose().map_err(err)?;
    let tolerance_s = o.tolerance_seconds.map_or(notify::DEFAULT_TOLERANCE_S, |t| t as i64);
    let v = notify::verify_notification(body, &headers, &notify::VerifyOptions { keys, tolerance_s, now_ms: o.now as i64, scheme }).map_err(err)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        message_json: String,
        id: Option<String>,
        timestamp: Option<f64>,
        scheme: notify::Scheme,
    }
    let message_json = serde_json::to_string(&v.message).expect("a JSON value serializes");
    to_js(&Out { message_json, id: v.id, timestamp: v.timestamp.map(|t| t as f64), scheme: v.scheme })
}

/// Delivery retries in ms: 9 of them, the x-th after 2^(2x) seconds.
#[wasm_bindgen(js_name = retrySchedule)]
pub fn retry_schedule() -> Vec<f64> {
    notify::retry_schedule().into_iter().map(|ms| ms as f64).collect()
}

/// A number of a saved delivery state, read as leniently as JS wrote it (a fraction, a
/// missing or unreadable field is what the machine would start from).
fn state_number(v: &serde_json::Value, key: &str) -> Option<i64> {
    v.get(key).and_then(serde_json::Value::as_f64).filter(|n| n.is_finite()).map(|n| n.round() as i64)
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct DeliveryPolicy {
    schedule: Option<Vec<f64>>,
    max_retries: Option<f64>,
    scale: Option<f64>,
}

/// A plain struct, not an internally tagged enum: those buffer every value through serde's
/// `Content`, which costs wasm size (as `#[serde(flatten)]` does).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct DeliveryOutcome {
    kind: String,
    status: f64,
    headers: Vec<(String, String)>,
}

/// One transition of `delivery::Delivery`: `state_json` is what the host saved with the
/// notification (an outbox entry: its `attempts`, `nextAttemptAt`, ... are read, the rest
/// ignored), `outcome_json` `{kind: "answered", status, headers: [[name, value]]}`, `{kind:
/// "no-answer"}`, `{kind: "consumed"}` or `{kind: "consumer-failed"}`, `policy_json`
/// `{schedule?, maxRetries?, scale?}` (the platform's by default). Returns `{action:
/// "delivered" | "retry" | "dead", state, attempt?, delayMs?, failure?}`.
#[wasm_bindgen(js_name = nextDelivery)]
pub fn next_delivery(state_json: &str, outcome_json: &str, policy_json: &str, attempted_at: f64, now: f64) -> Result<JsValue, JsValue> {
    let saved: serde_json::Value = serde_json::from_str(state_json).unwrap_or_default();
    let state = delivery::DeliveryState {
        attempts: state_number(&saved, "attempts").map_or(0, |n| n.clamp(0, u32::MAX as i64) as u32),
        next_attempt_at: state_number(&saved, "nextAttemptAt").unwrap_or(0),
        last_attempt_at: state_number(&saved, "lastAttemptAt"),
        last_status: state_number(&saved, "lastStatus").and_then(|n| u16::try_from(n).ok()),
        dead_at: state_number(&saved, "deadAt"),
    };
    let p: DeliveryPolicy = options(policy_json)?;
    let mut policy = delivery::Policy::default();
    if let Some(s) = p.schedule {
        policy.schedule = s.into_iter().map(|ms| if ms.is_finite() { ms.max(0.0) as u64 } else { 0 }).collect();
        policy.max_retries = policy.schedule.len() as u32;
    }
    if let Some(m) = p.max_retries {
        policy.max_retries = if m.is_nan() { 0 } else { m.clamp(0.0, u32::MAX as f64) as u32 };
    }
    policy.scale = p.scale.unwrap_or(1.0);
    let o: DeliveryOutcome = options(outcome_json)?;
    let outcome = match o.kind.as_str() {
        // A number that is no HTTP status is no answer, as for the cycle (`http::status`).
        "answered" => match http::status(o.status) {
            0 => delivery::Outcome::NoAnswer,
            status => delivery::Outcome::Answered { status, headers: &o.headers },
        },
        "no-answer" => delivery::Outcome::NoAnswer,
        "consumed" => delivery::Outcome::Consumed,
        "consumer-failed" => delivery::Outcome::ConsumerFailed,
        k => {
            return Err(err(Error::new(
                "options.invalid",
                format!("a delivery outcome's kind is \"answered\", \"no-answer\", \"consumed\" or \"consumer-failed\", not {k:?}"),
            )));
        }
    };
    let mut d = delivery::Delivery::new(policy, state);
    let next = d.handle(outcome, attempted_at as i64, now as i64);
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out<'a> {
        action: &'static str,
        state: &'a delivery::DeliveryState,
        #[serde(skip_serializing_if = "Option::is_none")]
        attempt: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        delay_ms: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        failure: Option<delivery::Failure>,
    }
    let out = match next {
        delivery::Next::Delivered => Out { action: "delivered", state: d.state(), attempt: None, delay_ms: None, failure: None },
        delivery::Next::Retry { attempt, delay_ms, failure } => {
            Out { action: "retry", state: d.state(), attempt: Some(attempt), delay_ms: Some(delay_ms), failure: Some(failure) }
        }
        delivery::Next::Dead { failure } => {
            Out { action: "dead", state: d.state(), attempt: Some(d.state().attempts), delay_ms: None, failure: Some(failure) }
        }
    };
    to_js(&out)
}

/// A `Retry-After` value in ms (delay-seconds, or an HTTP date read against `now`; at most a
/// day), or `undefined` when it says nothing readable.
#[wasm_bindgen(js_name = retryAfterMs)]
pub fn retry_after_ms(value: &str, now: f64) -> Option<f64> {
    let headers = [("retry-after".to_owned(), value.to_owned())];
    cycle::retry_after_ms(&headers, Some(now as i64)).map(|ms| ms as f64)
}

fn body(input: &str) -> Result<serde_json::Value, JsValue> {
    config::parse_body(input).map(serde_json::Value::Object).map_err(err)
}

fn options<T: serde::de::DeserializeOwned + Default>(json: &str) -> Result<T, JsValue> {
    if json.is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(json).map_err(|e| err(Error::new("options.invalid", format!("invalid options: {e}"))))
}

/// The canonical form of a body (JSON text in, plain JS object out).
#[wasm_bindgen(js_name = normalizeConfig)]
pub fn normalize_config(input: &str) -> Result<JsValue, JsValue> {
    to_js(&config::normalize(input).map_err(err)?)
}

/// A `POST /instances` body from a short spec (JSON text); `build.*` errors name the spec's key.
#[wasm_bindgen(js_name = buildInstance)]
pub fn build_instance(spec: &str) -> Result<JsValue, JsValue> {
    let spec: serde_json::Value = serde_json::from_str(spec).map_err(|e| err(Error::new("build.spec", format!("the spec is not JSON: {e}"))))?;
    to_js(&config::build_instance(&spec).map_err(err)?)
}

/// The body as a cURL command, secrets masked unless `reveal`.
#[wasm_bindgen(js_name = renderCurl)]
pub fn render_curl(input: &str, opts: &str) -> Result<String, JsValue> {
    Ok(config::render_curl(&body(input)?, &options(opts)?))
}

/// The `POST /instances` request (`{method, url, headers, body}`) that creates the instance.
#[wasm_bindgen(js_name = instanceRequest)]
pub fn instance_request(input: &str, opts: &str) -> Result<JsValue, JsValue> {
    to_js(&config::instance_request(&body(input)?, &options(opts)?).map_err(err)?)
}

/// The body with its secrets masked (`remove`: left out), by the rule `renderCurl` masks with.
#[wasm_bindgen(js_name = redactSecrets)]
pub fn redact_secrets(input: &str, remove: bool) -> Result<JsValue, JsValue> {
    let how = if remove { config::Redaction::Remove } else { config::Redaction::Mask };
    to_js(&config::redact(&body(input)?, how))
}

/// The resource pollers of a body (JSON text) as hosts poll them: `[{name, ...poller}]` in the
/// order written (`config::poller_entries`).
#[wasm_bindgen]
pub fn pollers(input: &str) -> Result<JsValue, JsValue> {
    to_js(&config::poller_entries(&body_map(input)?).map_err(err)?)
}

/// Which API a body polls, `"hub"` or `"direct"` (`config::poller_api`); an unknown value is
/// the `config.poller-api` error validation reports.
#[wasm_bindgen(js_name = pollerApi)]
pub fn poller_api(input: &str) -> Result<String, JsValue> {
    Ok(config::poller_api(&body_map(input)?).map_err(err)?.name().to_owned())
}

/// The milliseconds between polls a body asks for (`config::refresh_interval_ms`).
#[wasm_bindgen(js_name = refreshIntervalMs)]
pub fn refresh_interval_ms(input: &str) -> Result<f64, JsValue> {
    Ok(config::refresh_interval_ms(&body_map(input)?) as f64)
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Whereabouts {
    id: Option<String>,
    base_url: Option<String>,
    element_token: Option<String>,
}

/// `{elementKey, instanceId}` of a body (JSON text; empty: no body) by the one identity rule
/// (`config::instance_identity`; a direct body's fingerprint comes from the body itself);
/// `where_json` `{id?, baseUrl?, elementToken?}`.
#[wasm_bindgen(js_name = instanceIdentity)]
pub fn instance_identity(input: &str, where_json: &str) -> Result<JsValue, JsValue> {
    let b = if input.is_empty() { None } else { Some(body_map(input)?) };
    let w: Whereabouts = options(where_json)?;
    let at = config::Whereabouts { id: w.id.as_deref(), base_url: w.base_url.as_deref(), element_token: w.element_token.as_deref() };
    to_js(&config::instance_identity(b.as_ref(), &at))
}

fn body_map(input: &str) -> Result<serde_json::Map<String, serde_json::Value>, JsValue> {
    config::parse_body(input).map_err(err)
}

/// The ready resource pollers of an element (`infusionsoftrest`), or `undefined`.
#[wasm_bindgen]
pub fn presets(element: &str) -> Result<JsValue, JsValue> {
    config::presets::all(element).map_or(Ok(JsValue::UNDEFINED), |v| to_js(&v))
}

/// The ready resource pollers of an element polled through its own API (`direct`), or `undefined`.
#[wasm_bindgen(js_name = directPresets)]
pub fn direct_presets(element: &str) -> Result<JsValue, JsValue> {
    config::presets::all_for(element, config::Api::Direct).map_or(Ok(JsValue::UNDEFINED), |v| to_js(&v))
}

/// The element keys that have presets.
#[wasm_bindgen(js_name = presetElements)]
pub fn preset_elements() -> Vec<String> {
    config::presets::elements().iter().map(|s| s.to_string()).collect()
}

/// `resource` is one poller as JSON text, with its `name`; `state_json` a saved state (empty:
/// none) and `options_json` the detection options (`now`, `lookback`, `startFrom`). The url the
/// next poll sends, by the cycle's own rule (`cycle::poll_url`).
#[wasm_bindgen(js_name = renderPollUrl)]
pub fn render_poll_url(resource: &str, state_json: &str, options_json: &str) -> Result<String, JsValue> {
    let value: serde_json::Value = serde_json::from_str(resource).map_err(|e| err(Error::new("resource.not-json", e.to_string())))?;
    let name = value.get("name").and_then(|n| n.as_str()).unwrap_or("resource").to_owned();
    let poller = config::ResourcePoller::from_value(&name, &value).map_err(err)?;
    let opts: DetectOptions = options(options_json)?;
    cycle::poll_url(&poller, state(state_json)?.as_ref(), &opts.core()).map_err(err)
}

/// The JSON Schema of a `POST /instances` body, for editors.
#[wasm_bindgen(js_name = configSchema)]
pub fn config_schema() -> Result<JsValue, JsValue> {
    to_js(&config::schema())
}

/// The JSON paths of a body's secret values: what the cURL form masks, and CLI excerpts
/// hide. A body that cannot be read has none.
#[wasm_bindgen(js_name = secretPaths)]
pub fn secret_paths(input: &str) -> Vec<String> {
    config::parse_body(input).map(|b| config::secret_paths(&serde_json::Value::Object(b))).unwrap_or_default()
}

/// 1-based `{line, column, exact}` of the value at `path` in JSON `text` (its nearest
/// ancestor when it is missing, `exact` false), or `null`.
#[wasm_bindgen(js_name = locateConfigPath)]
pub fn locate_config_path(text: &str, path: &str) -> Result<JsValue, JsValue> {
    config::locate_nearest(text, path).map_or(Ok(JsValue::NULL), |l| to_js(&l))
}
