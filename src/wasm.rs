//! The JavaScript binding layer: the only module that sees wasm-bindgen.
//!
//! Every function takes plain values (strings, numbers, bytes) and returns plain JS data.
//! Failures come back as `{code, message, column?, path?, hint?}` objects, which the
//! hand-written wrapper in `pkg/src` turns into `PollerError`s.

use crate::diag::Error;
use crate::{config, datefmt::DateFormat, detect, template, zone::Zone};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize + ?Sized>(v: &T) -> JsValue {
    let s = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&s).expect("core values serialize to JS")
}

fn err(e: Error) -> JsValue {
    to_js(&e)
}

#[wasm_bindgen(js_name = parseDate)]
pub fn parse_date(text: &str, format: &str, zone: &str) -> Result<f64, JsValue> {
    let zone = Zone::parse(zone).map_err(err)?;
    let f = DateFormat::compile(format).map_err(err)?;
    f.parse(text, &zone).map(|ms| ms as f64).map_err(err)
}

#[wasm_bindgen(js_name = formatDate)]
pub fn format_date(ms: f64, format: &str, zone: &str) -> Result<String, JsValue> {
    if !ms.is_finite() || ms.fract() != 0.0 {
        return Err(err(Error::new("date.instant.invalid", format!("{ms} is not a whole number of epoch milliseconds"))));
    }
    let zone = Zone::parse(zone).map_err(err)?;
    let f = DateFormat::compile(format).map_err(err)?;
    Ok(f.format(ms as i64, &zone))
}

/// `zone` empty when none is given: lints that depend on the zone are then skipped.
#[wasm_bindgen(js_name = lintDateFormat)]
pub fn lint_date_format(pattern: &str, zone: &str) -> JsValue {
    to_js(&crate::datefmt::lint(pattern, (!zone.is_empty()).then_some(zone)))
}

#[derive(Serialize)]
struct Validation {
    ok: bool,
    diagnostics: Vec<crate::Diagnostic>,
}

/// `input` is the body as JSON text; the wrapper stringifies objects.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(input: &str) -> JsValue {
    let diagnostics = config::validate(input);
    let ok = !diagnostics.iter().any(|d| d.severity == crate::Severity::Error);
    to_js(&Validation { ok, diagnostics })
}

/// `resource` and `state` are JSON text (`state` empty on a first run); `body` the raw bytes.
#[wasm_bindgen(js_name = detectChanges)]
pub fn detect_changes(resource: &str, state: &str, start_from: &str, body: &[u8], now: f64) -> Result<JsValue, JsValue> {
    let resource: serde_json::Value =
        serde_json::from_str(resource).map_err(|e| err(Error::new("resource.not-json", e.to_string())))?;
    let spec = detect::Spec::from_resource(&resource).map_err(err)?;
    let state: Option<detect::State> = if state.is_empty() {
        None
    } else {
        Some(serde_json::from_str(state).map_err(|e| err(Error::new("state.invalid", format!("the saved state is not valid: {e}"))))?)
    };
    let opts = detect::Options { start_from: start_from.to_owned(), now: now as i64, ..detect::Options::default() };
    let out = detect::detect(&spec, state.as_ref(), body, &opts).map_err(err)?;
    Ok(to_js(&out))
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
    config::normalize(input).map(|v| to_js(&v)).map_err(err)
}

#[wasm_bindgen(js_name = buildInstance)]
pub fn build_instance(spec: &str) -> Result<JsValue, JsValue> {
    let spec: serde_json::Value = serde_json::from_str(spec).map_err(|e| err(Error::new("build.spec", format!("the spec is not JSON: {e}"))))?;
    config::build_instance(&spec).map(|v| to_js(&v)).map_err(err)
}

#[wasm_bindgen(js_name = renderCurl)]
pub fn render_curl(input: &str, opts: &str) -> Result<String, JsValue> {
    Ok(config::render_curl(&body(input)?, &options(opts)?))
}

#[wasm_bindgen(js_name = instanceRequest)]
pub fn instance_request(input: &str, opts: &str) -> Result<JsValue, JsValue> {
    config::instance_request(&body(input)?, &options(opts)?).map(|r| to_js(&r)).map_err(err)
}

/// The ready resource pollers of an element (`infusionsoftrest`), or `undefined`.
#[wasm_bindgen]
pub fn presets(element: &str) -> JsValue {
    config::presets::all(element).map(|v| to_js(&v)).unwrap_or(JsValue::UNDEFINED)
}

/// The element keys that have presets.
#[wasm_bindgen(js_name = presetElements)]
pub fn preset_elements() -> Vec<String> {
    config::presets::elements().iter().map(|s| s.to_string()).collect()
}

/// `resource` is one poller as JSON text, with its `name`.
#[wasm_bindgen(js_name = renderPollUrl)]
pub fn render_poll_url(resource: &str, watermark: f64, now: f64) -> Result<String, JsValue> {
    let value: serde_json::Value = serde_json::from_str(resource).map_err(|e| err(Error::new("resource.not-json", e.to_string())))?;
    let name = value.get("name").and_then(|n| n.as_str()).unwrap_or("resource").to_owned();
    let poller = config::ResourcePoller::from_value(&name, &value).map_err(err)?;
    template::render_poll_url(&poller, watermark as i64, now as i64).map_err(err)
}

#[wasm_bindgen(js_name = configSchema)]
pub fn config_schema() -> JsValue {
    to_js(&config::schema())
}

/// 1-based `{line, column, exact}` of the value at `path` in JSON `text`, or `null`.
#[wasm_bindgen(js_name = locateConfigPath)]
pub fn locate_config_path(text: &str, path: &str) -> JsValue {
    config::locate_nearest(text, path).map(|l| to_js(&l)).unwrap_or(JsValue::NULL)
}
