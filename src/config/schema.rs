//! A JSON Schema (draft 2020-12) of the body, for editors' completion and hover help.
//!
//! It describes the lenient input (strings or native values, the poller configuration as an
//! object or a string) and allows unknown keys everywhere, as the platform does; the rules a
//! schema cannot say (placeholders, url templates, date patterns, zones) are
//! [`super::validate`]'s.
//!
//! The schema is JSON text (`schema.json`) parsed on demand: built with `json!` it was the
//! largest function in the wasm (~40 KB of code); as text it is ~8 KB that gzip shrinks to ~2 KB.
//! The tests below keep it in step with the model's key names and defaults.

use serde_json::Value;

/// The schema of a `POST /instances` body.
pub fn schema() -> Value {
    serde_json::from_str(include_str!("schema.json")).expect("schema.json is valid JSON (checked by the tests)")
}

#[cfg(test)]
mod tests {
    use super::super::model::*;
    use super::*;

    #[test]
    fn names_the_models_keys_and_defaults() {
        let s = schema();
        let conf = s["properties"]["configuration"]["properties"].as_object().unwrap();
        let mut keys: Vec<&str> = conf.keys().map(String::as_str).collect();
        let mut want = CONFIGURATION_KEYS.to_vec();
        keys.sort_unstable();
        want.sort_unstable();
        assert_eq!(keys, want);
        assert_eq!(conf[POLLER_API]["enum"], serde_json::json!(Api::NAMES));
        assert_eq!(conf[POLLER_API]["default"], Api::default().name());
        let poller = &s["$defs"]["poller"]["properties"];
        for k in POLLER_KEYS.iter().chain([&FILTER_BY_UPDATED_DATE_ALIAS]) {
            assert!(poller.get(*k).is_some(), "{k}");
        }
        let dates = &poller["datesConfiguration"]["properties"];
        for k in DATES_KEYS {
            assert!(dates.get(k).is_some(), "{k}");
        }
        assert_eq!(dates["updatedDateFormat"]["default"], DEFAULT_DATE_FORMAT);
        assert_eq!(dates["updatedDateTimezone"]["default"], DEFAULT_ZONE);
        assert_eq!(dates["createdDateFormat"]["default"], DEFAULT_DATE_FORMAT);
        assert_eq!(dates["createdDateTimezone"]["default"], DEFAULT_ZONE);
    }
}
