//! Reading a saved state ([`State`], with its [`Listing`] and [`Relist`]) back from JSON.
//!
//! By hand from a `serde_json::Value`, not by serde's derive: the derived visitors of these
//! structs (maps, sequences and `Option`s, field by field) were 4.5 KB of the gzipped wasm,
//! where `Value` is read by code the wasm has anyway. The rules are the derive's: required
//! fields are named when missing, optional ones may be absent or `null`, unknown keys are
//! ignored, and each error names its field.
//!
//! One rule is added: an instant (`watermark`, `from`, `evicted`, a `seen` entry's) may be a
//! string of digits, which is how the package hands JS an integer beyond 2^53 − 1 (`to_js`),
//! so a state that went through `JSON.parse` and back reads as it was written.

use super::State;
use super::reconcile::{Held, Listing, Relist};
use crate::diag::Error;
use serde_json::Value;

type Map = serde_json::Map<String, Value>;

impl State {
    /// The state in `v`: `state.invalid` naming the field that is wrong, or `state.version`.
    /// The version is checked first: another version's fields may mean other things.
    pub(super) fn from_value(v: &Value) -> Result<State, Error> {
        let invalid = |why: String| Error::new("state.invalid", format!("the saved state is not valid: {why}"));
        let o = object(v, "the state").map_err(invalid)?;
        let version = count(o, "v").map_err(invalid)?;
        if version != 1 {
            return Err(Error::new("state.version", format!("state version {version} is not supported (this release reads version 1)")));
        }
        Self::fields(o).map_err(invalid)
    }

    fn fields(o: &Map) -> Result<State, String> {
        let seen = match o.get("seen") {
            None => Vec::new(),
            Some(Value::Array(a)) => a.iter().map(seen_entry).collect::<Result<_, _>>()?,
            Some(_) => return Err("seen must be an array of [objectId, epoch ms] pairs".into()),
        };
        Ok(State {
            v: 1,
            watermark: instant(o, "watermark")?,
            from: instant(o, "from")?,
            evicted: instant(o, "evicted")?,
            seen,
            listing: present(o, "listing").map(Listing::from_value).transpose()?,
            relist: present(o, "relist").map(Relist::from_value).transpose()?,
        })
    }
}

impl Listing {
    /// The listing as the state saved it: `at`, `n` and `ids` required, `added`, `gone` and
    /// `held` optional.
    pub fn from_value(v: &Value) -> Result<Listing, String> {
        let o = object(v, "listing")?;
        let held = match present(o, "held") {
            None => None,
            Some(h) => {
                let h = object(h, "listing.held")?;
                Some(Held { at: int(h, "held.at")?, n: count(h, "held.n")? })
            }
        };
        Ok(Listing {
            at: int(o, "at")?,
            n: count(o, "n")?,
            ids: text(o, "ids")?.ok_or("missing field `ids`")?,
            added: text(o, "added")?.unwrap_or_default(),
            gone: text(o, "gone")?.unwrap_or_default(),
            held,
        })
    }
}

impl Relist {
    /// The wait after failed full listings: `at`, `failures` and `since` required, `added`
    /// optional.
    pub fn from_value(v: &Value) -> Result<Relist, String> {
        let o = object(v, "relist")?;
        let failures = count(o, "relist.failures")?;
        Ok(Relist {
            at: int(o, "relist.at")?,
            failures: u32::try_from(failures).map_err(|_| format!("relist.failures must be a count, not {failures}"))?,
            since: int(o, "relist.since")?,
            added: text(o, "relist.added")?.unwrap_or_default(),
        })
    }
}

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Map, String> {
    v.as_object().ok_or_else(|| format!("{what} must be an object"))
}

/// The last segment of a dotted name: the key in its object.
fn key(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// The value of an optional field: `None` when absent or `null`.
fn present<'a>(o: &'a Map, name: &str) -> Option<&'a Value> {
    o.get(key(name)).filter(|v| !v.is_null())
}

fn int(o: &Map, name: &str) -> Result<i64, String> {
    match o.get(key(name)) {
        None => Err(format!("missing field `{name}`")),
        Some(v) => v.as_i64().ok_or_else(|| format!("{name} must be an integer")),
    }
}

fn count(o: &Map, name: &str) -> Result<usize, String> {
    let n = int(o, name)?;
    usize::try_from(n).map_err(|_| format!("{name} must be a count, not {n}"))
}

fn text(o: &Map, name: &str) -> Result<Option<String>, String> {
    match o.get(key(name)) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

/// An instant in epoch ms: an integer, or its digits as a string (see the module docs).
fn epoch_ms(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        v => v.as_i64(),
    }
}

fn instant(o: &Map, name: &str) -> Result<Option<i64>, String> {
    present(o, name).map(|v| epoch_ms(v).ok_or_else(|| format!("{name} must be an instant in epoch ms"))).transpose()
}

fn seen_entry(v: &Value) -> Result<(String, i64), String> {
    match v.as_array().map(Vec::as_slice) {
        Some([Value::String(id), at]) => epoch_ms(at).map(|at| (id.clone(), at)),
        _ => None,
    }
    .ok_or_else(|| "each entry of seen must be an [objectId, epoch ms] pair".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> State {
        State {
            v: 1,
            watermark: Some(1_700_000_000_123),
            from: Some(-5),
            evicted: Some(1_699_999_999_000),
            seen: vec![("a".into(), 1_700_000_000_000), ("b".into(), i64::MAX)],
            listing: Some(Listing { at: 9, n: 2, ids: "AQI".into(), added: "AQ".into(), gone: "Aw".into(), held: Some(Held { at: 10, n: 1 }) }),
            relist: Some(Relist { at: 5, failures: 2, since: 3, added: "AQ".into() }),
        }
    }

    #[test]
    fn every_field_reads_back_as_written() {
        let s = full();
        assert_eq!(State::from_json(&s.to_json()).unwrap(), s);
        let bare = State { v: 1, watermark: None, from: None, evicted: None, seen: Vec::new(), listing: None, relist: None };
        assert_eq!(State::from_json(&bare.to_json()).unwrap(), bare);
        assert_eq!(
            State::from_json(r#"{"v":1,"watermark":null,"listing":null,"relist":null,"later":[1]}"#).unwrap(),
            bare,
            "null is absent; unknown keys are ignored"
        );
    }

    #[test]
    fn instants_written_as_digit_strings_read_as_integers() {
        let text = r#"{"v":1,"watermark":"9007199254740993","from":"-1","seen":[["a","9007199254740995"]]}"#;
        let s = State::from_json(text).unwrap();
        assert_eq!((s.watermark, s.from, s.seen[0].1), (Some(9_007_199_254_740_993), Some(-1), 9_007_199_254_740_995));
    }

    #[test]
    fn a_bad_state_names_its_field() {
        for (text, want) in [
            ("[]", "the state must be an object"),
            (r#"{"watermark":1}"#, "`v`"),
            (r#"{"v":"1"}"#, "v must be an integer"),
            (r#"{"v":1,"watermark":1.5}"#, "watermark must be an instant"),
            (r#"{"v":1,"from":"soon"}"#, "from must be an instant"),
            (r#"{"v":1,"seen":{}}"#, "seen must be an array"),
            (r#"{"v":1,"seen":[["a",1,2]]}"#, "each entry of seen"),
            (r#"{"v":1,"seen":[[1,1]]}"#, "each entry of seen"),
            (r#"{"v":1,"listing":{"at":1,"n":0}}"#, "`ids`"),
            (r#"{"v":1,"relist":{"at":1,"since":0}}"#, "`relist.failures`"),
            (r#"{"v":1,"relist":{"at":1,"failures":-1,"since":0}}"#, "relist.failures must be a count"),
            (r#"{"v":1,"relist":{"at":1,"failures":1,"since":0,"added":7}}"#, "relist.added must be a string"),
        ] {
            let e = State::from_json(text).unwrap_err();
            assert_eq!(e.code, "state.invalid", "{text}");
            assert!(e.message.contains(want), "{text}: {}", e.message);
        }
    }

    #[test]
    fn another_version_is_refused_before_its_fields_are_read() {
        let e = State::from_json(r#"{"v":2,"seen":"a new shape"}"#).unwrap_err();
        assert_eq!(e.code, "state.version");
    }
}
