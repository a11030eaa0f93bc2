//! Reading only the fields detection needs out of raw response bytes.
//!
//! A body is walked once with serde_json over the borrowed bytes: the records array is found
//! by its path, and inside each record only the keys on one of the wanted paths (id, dates)
//! are decoded; every other value is skipped without being built. Strings without escapes
//! come back borrowed from the body, so a record costs no allocation unless it is emitted.

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// How many fields one record yields: id, driving date, other date.
pub(crate) const SLOTS: usize = 3;

/// A scalar found at a wanted path.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) enum Scalar<'a> {
    #[default]
    Missing,
    Str(Cow<'a, str>),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// An object, array, boolean or null where a scalar was expected.
    Other(&'static str),
}

/// The fields of one record, by slot; `not_object` when the array element was no object.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub slots: [Scalar<'a>; SLOTS],
    pub not_object: bool,
    pub raw: Option<&'a RawValue>,
}

/// Dotted paths, split once: the records array and the wanted fields.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub records: Vec<String>,
    pub fields: Vec<(usize, Vec<String>)>,
    pub raw: bool,
}

/// Calls `f(index, fields)` for every element of the records array in `body`.
pub(crate) fn scan<'de, F>(body: &'de [u8], plan: &Plan, f: F) -> Result<usize, serde_json::Error>
where
    F: FnMut(usize, Fields<'de>),
{
    let mut de = serde_json::Deserializer::from_slice(body);
    let mut root = Root { plan, depth: 0, f, count: 0, found: false };
    (&mut root).deserialize(&mut de)?;
    de.end()?;
    if !root.found {
        return Err(de::Error::custom(format_args!("no records array at {:?}", plan.records.join("."))));
    }
    Ok(root.count)
}

struct Root<'p, F> {
    plan: &'p Plan,
    depth: usize,
    f: F,
    count: usize,
    found: bool,
}

impl<'de, F: FnMut(usize, Fields<'de>)> DeserializeSeed<'de> for &mut Root<'_, F> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(usize, Fields<'de>)> Visitor<'de> for &mut Root<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a records array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        if self.depth != self.plan.records.len() {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(());
        }
        self.found = true;
        loop {
            let fields = if self.plan.raw {
                // Raw mode keeps the record's bytes for the event, then reads its fields.
                let Some(raw) = seq.next_element::<&'de RawValue>()? else { break };
                let mut fields = Fields::default();
                let mut rd = serde_json::Deserializer::from_str(raw.get());
                let seed = Record { wanted: self.plan.fields.iter().map(|(s, p)| (*s, p.as_slice())).collect(), out: &mut fields };
                seed.deserialize(&mut rd).map_err(de::Error::custom)?;
                fields.raw = Some(raw);
                fields
            } else {
                let mut fields = Fields::default();
                let seed = Record { wanted: self.plan.fields.iter().map(|(s, p)| (*s, p.as_slice())).collect(), out: &mut fields };
                if seq.next_element_seed(seed)?.is_none() {
                    break;
                }
                fields
            };
            (self.f)(self.count, fields);
            self.count += 1;
        }
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let want = self.plan.records.get(self.depth).map(String::as_str);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if want == Some(&*key) && !self.found {
                self.depth += 1;
                map.next_value_seed(&mut *self)?;
                self.depth -= 1;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    // Anything else where the records should be: nothing found, reported by `scan`.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

/// One record (or a nested object on the way to a dotted field): `wanted` holds the slots
/// whose remaining path starts here.
struct Record<'p, 'o, 'de> {
    wanted: Vec<(usize, &'p [String])>,
    out: &'o mut Fields<'de>,
}

impl<'de> DeserializeSeed<'de> for Record<'_, '_, 'de> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Record<'_, '_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a record object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let mut leaf = None;
            let mut deeper = 0;
            for (slot, path) in &self.wanted {
                if path[0] == *key {
                    if path.len() == 1 {
                        leaf = Some(*slot);
                    } else {
                        deeper += 1;
                    }
                }
            }
            if let Some(slot) = leaf {
                self.out.slots[slot] = map.next_value::<ScalarOut<'de>>()?.0;
            } else if deeper > 0 {
                let wanted = self.wanted.iter().filter(|(_, p)| p.len() > 1 && p[0] == *key).map(|(s, p)| (*s, &p[1..])).collect();
                map.next_value_seed(Record { wanted, out: &mut *self.out })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.out.not_object = true;
        Ok(())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.out.not_object = true;
        Ok(())
    }
}

struct ScalarOut<'de>(Scalar<'de>);

impl<'de> de::Deserialize<'de> for ScalarOut<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = ScalarOut<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Str(Cow::Borrowed(v))))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Str(Cow::Owned(v.to_owned()))))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Str(Cow::Owned(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::UInt(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Float(v)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Other("a boolean")))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(ScalarOut(Scalar::Other("null")))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ScalarOut(Scalar::Other("an object")))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ScalarOut(Scalar::Other("an array")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(records: &str, fields: &[&str]) -> Plan {
        let split = |s: &str| if s.is_empty() { Vec::new() } else { s.split('.').map(str::to_owned).collect() };
        Plan { records: split(records), fields: fields.iter().enumerate().map(|(i, f)| (i, split(f))).collect(), raw: false }
    }

    #[test]
    fn reads_only_wanted_fields_including_dotted_and_escaped() {
        let body = br#"[{"id": 7, "x": {"deep": [1, {"a": "b"}]}, "m": {"d": "2024-01-01", "e": 1}, "s": "a\"b"},
                        "not a record", {"id": "q\u0041", "m": null}]"#;
        let mut got = Vec::new();
        let n = scan(body, &plan("", &["id", "m.d", "s"]), |i, f| got.push((i, f.slots.clone(), f.not_object))).unwrap();
        assert_eq!(n, 3);
        assert_eq!(got[0].1, [Scalar::UInt(7), Scalar::Str("2024-01-01".into()), Scalar::Str("a\"b".into())]);
        assert!(got[1].2);
        assert_eq!(got[2].1[0], Scalar::Str("qA".into()));
        assert_eq!(got[2].1[1], Scalar::Missing, "m is null, so m.d is missing");
    }

    #[test]
    fn finds_a_nested_records_array_and_rejects_bad_bodies() {
        let body = br#"{"count": 2, "appointments": [{"id": 1}, {"id": 2}], "next": null}"#;
        assert_eq!(scan(body, &plan("appointments", &["id"]), |_, _| {}).unwrap(), 2);
        assert!(scan(body, &plan("", &["id"]), |_, _| {}).is_err(), "an object is not a top-level array");
        assert!(scan(b"[{\"id\": 1}", &plan("", &["id"]), |_, _| {}).is_err(), "truncated");
        assert!(scan(b"[] x", &plan("", &["id"]), |_, _| {}).is_err(), "trailing text");
    }
}
