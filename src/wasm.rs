//! The JavaScript binding layer: the only module that sees wasm-bindgen.
//!
//! Every function takes plain values (strings, numbers, bytes) and returns plain JS data.
//! Failures come back as `{code, message, column?, path?, hint?}` objects, which the
//! hand-written wrapper in `pkg/src` turns into `PollerError`s.

use crate::diag::Error;
use crate::{config, datefmt::DateFormat, detect, zone::Zone};
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
