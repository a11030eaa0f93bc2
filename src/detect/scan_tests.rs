//! The scanner against serde_json: hand-written cases, then a property test on random
//! documents (valid, mutated and truncated) that compares it with the serde_json visitor this
//! module used before (kept below as the oracle).

use super::*;
use crate::config::field::Segment;
use proptest::prelude::*;

/// Dotted names only: the oracle below walks plain keys.
fn split(s: &str) -> Vec<Segment> {
    if s.is_empty() { Vec::new() } else { s.split('.').map(|k| Segment::Key(k.to_owned())).collect() }
}

fn plan(records: &str, fields: &[&str]) -> Plan {
    Plan { records: split(records), fields: fields.iter().enumerate().map(|(i, f)| (i, split(f))).collect(), raw: false }
}

type Found = Vec<(usize, [Scalar<'static>; SLOTS], bool, Option<String>)>;

fn owned(s: &Scalar<'_>) -> Scalar<'static> {
    match s {
        Scalar::Str(s) => Scalar::Str(Cow::Owned(s.to_string())),
        Scalar::Missing => Scalar::Missing,
        Scalar::Int(n) => Scalar::Int(*n),
        Scalar::UInt(n) => Scalar::UInt(*n),
        Scalar::Float(x) => Scalar::Float(*x),
        Scalar::Other(w) => Scalar::Other(w),
    }
}

fn ours(body: &[u8], plan: &Plan) -> Result<Found, ScanError> {
    let mut got = Vec::new();
    scan(body, plan, |i, f| got.push((i, f.slots.each_ref().map(owned), f.not_object, f.raw.map(|r| r.get().to_owned()))))?;
    Ok(got)
}

#[test]
fn reads_only_wanted_fields_including_dotted_and_escaped() {
    let body = br#"[{"id": 7, "x": {"deep": [1, {"a": "b"}]}, "m": {"d": "2024-01-01", "e": 1}, "s": "a\"b"},
                    "not a record", {"id": "q\u0041", "m": null}]"#;
    let got = ours(body, &plan("", &["id", "m.d", "s"])).unwrap();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].1, [Scalar::UInt(7), Scalar::Str("2024-01-01".into()), Scalar::Str("a\"b".into())]);
    assert!(got[1].2);
    assert_eq!(got[2].1[0], Scalar::Str("qA".into()));
    assert_eq!(got[2].1[1], Scalar::Missing, "m is null, so m.d is missing");
    assert!(!got[2].2, "a null on a dotted path does not make the record a non-object");
}

#[test]
fn finds_a_nested_records_array_and_rejects_bad_bodies() {
    let body = br#"{"count": 2, "appointments": [{"id": 1}, {"id": 2}], "next": null}"#;
    assert_eq!(scan(body, &plan("appointments", &["id"]), |_, _| {}).unwrap(), 2);
    let e = scan(body, &plan("", &["id"]), |_, _| {}).unwrap_err();
    assert!(!e.is_syntax() && !e.is_eof(), "an object is not a top-level array: {e}");
    let p = plan("", &["id"]);
    for (bad, eof) in [
        (&b"[{\"id\": 1}"[..], true),
        (b"[] x", false),
        (b"", true),
        (b"[{\"id\": 1}}", false),
        (b"[{\"id\": tru}]", false),
        (b"[{\"id\": 1, \"x\": nul", true),
        (b"[{\"id\": 1} {\"id\": 2}]", false),
        (b"[{\"id\": \"abc", true),
        (b"[{\"id\": \"a\x01b\"}]", false),
        (b"[{\"id\": \"a\\qb\"}]", false),
        (b"[{\"x\": \"a\\u12G4\"}]", false),
        (b"[{\"id\": 01}]", false),
        (b"[{\"x\": -}]", false),
        (b"[{\"x\": 1.}]", false),
        (b"[{\"x\": [1,]}]", false),
        (b"[{\"x\": {\"a\" 1}}]", false),
        (b"[{\"x\": {1: 1}}]", false),
        (b"[{\"id\": \"\\ud800\"}]", false),
        (b"[{\"id\": \"\\udc00\"}]", false),
        (b"[{\"id\": 1e999}]", false),
        (b"[{\"i\xffd\": 1}]", false),
    ] {
        let e = scan(bad, &p, |_, _| {}).expect_err(&String::from_utf8_lossy(bad));
        assert!(e.is_syntax() || e.is_eof(), "{e}");
        assert_eq!(e.is_eof(), eof, "{}: {e}", String::from_utf8_lossy(bad));
        assert!(oracle(bad, &p).is_err(), "serde_json agrees: {}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn decodes_escapes_numbers_and_keeps_raw() {
    let body =
        br#"[{"b": 18446744073709551616, "id": "\ud83d\ude00\u00e9\n\/", "n": -9223372036854775808, "u": 18446744073709551615, "z": -0, "f": 1.5e3},
                    {"id": 1, "n": true, "u": [1, {"a": []}], "b": {"k": "v"}, "z": null}]"#;
    let mut p = plan("", &["id", "n", "u"]);
    p.fields.push((0, split("b")));
    p.raw = true;
    let got = ours(body, &p).unwrap();
    assert_eq!(got[0].1, [Scalar::Str("😀é\n/".into()), Scalar::Int(i64::MIN), Scalar::UInt(u64::MAX)]);
    assert_eq!(got[1].1, [Scalar::Other("an object"), Scalar::Other("a boolean"), Scalar::Other("an array")], "the later `b` fills slot 0 again");
    assert_eq!(got[1].3.as_deref(), Some(r#"{"id": 1, "n": true, "u": [1, {"a": []}], "b": {"k": "v"}, "z": null}"#));
    let got = ours(body, &plan("", &["b", "z", "f"])).unwrap();
    assert_eq!(got[0].1, [Scalar::Float(18446744073709551616.0), Scalar::Float(-0.0), Scalar::Float(1500.0)]);
    assert!(matches!(got[0].1[1], Scalar::Float(z) if z.is_sign_negative()));
    assert_eq!(got[1].1[1], Scalar::Other("null"));
}

#[test]
fn skips_any_nesting_without_recursion() {
    let nest = |n: usize| format!("[{{\"x\": {}0{}, \"id\": 1}}]", "[{\"a\":".repeat(n), "}]".repeat(n)).into_bytes();
    let p = plan("", &["id"]);
    for n in [1, 50, 63, 64, 65, 127, 128, 129, 200, 100_000] {
        assert!(scan(&nest(n), &p, |_, _| {}).is_ok(), "nesting {n}");
        assert!(oracle(&nest(n), &p).is_ok(), "serde_json agrees at nesting {n}");
        let mut bad = nest(n);
        let at = bad.len() - ", \"id\": 1}]".len() - 1;
        bad[at] = if bad[at] == b'}' { b']' } else { b'}' };
        assert!(scan(&bad, &p, |_, _| {}).unwrap_err().is_syntax(), "a mismatched closer at nesting {n}");
    }
}

#[test]
fn strings_of_every_length_around_the_wide_step() {
    let p = plan("", &["s"]);
    for n in 0..70 {
        for special in ["", "\\\"", "\\\\", "\\u0041", "é"] {
            let text = format!("{}{special}{}", "a".repeat(n), "b".repeat(n % 17));
            let body = format!("[{{\"skip\": \"{text}\", \"s\": \"{text}\"}}]");
            assert_eq!(ours(body.as_bytes(), &p).unwrap(), oracle(body.as_bytes(), &p).unwrap(), "{body}");
            // Cut inside the string: both must call it truncated.
            let cut = &body.as_bytes()[..12 + n];
            assert!(scan(cut, &p, |_, _| {}).unwrap_err().is_eof());
        }
    }
}

// ---------------------------------------------------------------------------------------
// The oracle: the serde_json visitor this module was before (with one fix: a value that is
// not an object on a dotted path leaves the fields missing instead of marking the record).

mod serde_oracle {
    use super::super::{Plan, SLOTS, Scalar};
    use crate::config::field::Segment;
    use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::value::RawValue;
    use std::borrow::Cow;
    use std::fmt;

    pub type Out = Vec<(usize, [Scalar<'static>; SLOTS], bool, Option<String>)>;

    pub fn scan(body: &[u8], plan: &Plan) -> Result<Out, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let mut root = Root { plan, depth: 0, out: Vec::new(), found: false };
        (&mut root).deserialize(&mut de)?;
        de.end()?;
        if !root.found {
            return Err(de::Error::custom("no records array"));
        }
        Ok(root.out)
    }

    struct Root<'p> {
        plan: &'p Plan,
        depth: usize,
        out: Out,
        found: bool,
    }

    impl<'de> DeserializeSeed<'de> for &mut Root<'_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for &mut Root<'_> {
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
                let wanted = || self.plan.fields.iter().map(|(s, p)| (*s, p.as_slice())).collect();
                let mut slots: [Scalar<'static>; SLOTS] = Default::default();
                let mut not_object = false;
                let raw = if self.plan.raw {
                    let Some(raw) = seq.next_element::<&'de RawValue>()? else { break };
                    let mut rd = serde_json::Deserializer::from_str(raw.get());
                    Record { wanted: wanted(), slots: &mut slots, not_object: &mut not_object, nested: false }
                        .deserialize(&mut rd)
                        .map_err(de::Error::custom)?;
                    Some(raw.get().to_owned())
                } else {
                    let seed = Record { wanted: wanted(), slots: &mut slots, not_object: &mut not_object, nested: false };
                    if seq.next_element_seed(seed)?.is_none() {
                        break;
                    }
                    None
                };
                self.out.push((self.out.len(), slots, not_object, raw));
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let want = self.plan.records.get(self.depth).and_then(|s| if let Segment::Key(k) = s { Some(k.as_str()) } else { None });
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

    struct Record<'p, 'o> {
        wanted: Vec<(usize, &'p [Segment])>,
        slots: &'o mut [Scalar<'static>; SLOTS],
        not_object: &'o mut bool,
        nested: bool,
    }

    impl Record<'_, '_> {
        fn not_object(self) {
            if !self.nested {
                *self.not_object = true;
            }
        }
    }

    impl<'de> DeserializeSeed<'de> for Record<'_, '_> {
        type Value = ();
        fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Record<'_, '_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a record object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                let mut leaf = None;
                let mut deeper = 0;
                for (slot, path) in &self.wanted {
                    if matches!(&path[0], Segment::Key(k) if *k == *key) {
                        if path.len() == 1 {
                            leaf = Some(*slot);
                        } else {
                            deeper += 1;
                        }
                    }
                }
                if let Some(slot) = leaf {
                    self.slots[slot] = map.next_value::<ScalarOut>()?.0;
                } else if deeper > 0 {
                    let wanted = self
                        .wanted
                        .iter()
                        .filter(|(_, p)| p.len() > 1 && matches!(&p[0], Segment::Key(k) if *k == *key))
                        .map(|(s, p)| (*s, &p[1..]))
                        .collect();
                    map.next_value_seed(Record { wanted, slots: &mut *self.slots, not_object: &mut *self.not_object, nested: true })?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            self.not_object();
            Ok(())
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
        fn visit_unit<E: de::Error>(self) -> Result<(), E> {
            self.not_object();
            Ok(())
        }
    }

    struct ScalarOut(Scalar<'static>);

    impl<'de> de::Deserialize<'de> for ScalarOut {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(ScalarVisitor)
        }
    }

    struct ScalarVisitor;

    impl<'de> Visitor<'de> for ScalarVisitor {
        type Value = ScalarOut;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string or a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(ScalarOut(Scalar::Str(Cow::Owned(v.to_owned()))))
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
}

fn oracle(body: &[u8], plan: &Plan) -> Result<serde_oracle::Out, serde_json::Error> {
    serde_oracle::scan(body, plan)
}

// ---------------------------------------------------------------------------------------
// Random documents.

/// A JSON value written by hand, so that the text varies where JSON lets it: whitespace,
/// escapes spelled `\uXXXX` (surrogate pairs included), number spellings.
#[derive(Clone, Debug)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String, u8),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// Keys drawn from a few names, so that wanted paths (`id`, `m.d`, `data`) are often hit.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("id".to_owned()),
        Just("m".to_owned()),
        Just("d".to_owned()),
        Just("data".to_owned()),
        "[a-z]{1,3}",
        "[ -~é😀\u{7f}\n\t\"\\\\]{0,4}"
    ]
}

fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        (-1e300f64..1e300).prop_map(|x| format!("{x:e}")),
        (-1e6f64..1e6).prop_map(|x| x.to_string()),
        Just("-0".to_owned()),
        Just("123456789012345678901234567890".to_owned()),
        Just("-123456789012345678901234567890".to_owned()),
        Just("0.5E-3".to_owned()),
    ]
}

fn value() -> impl Strategy<Value = J> {
    let leaf = prop_oneof![
        Just(J::Null),
        any::<bool>().prop_map(J::Bool),
        number().prop_map(J::Num),
        ("[ -~é😀\u{7f}\n\t\"\\\\]{0,40}", any::<u8>()).prop_map(|(s, e)| J::Str(s, e)),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![prop::collection::vec(inner.clone(), 0..6).prop_map(J::Arr), prop::collection::vec((key(), inner), 0..6).prop_map(J::Obj)]
    })
}

fn write(j: &J, ws: &mut impl Iterator<Item = u8>, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(s, style) => string(s, *style, out),
        J::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(ws, out);
                write(v, ws, out);
                pad(ws, out);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pad(ws, out);
                string(k, 0, out);
                pad(ws, out);
                out.push(':');
                pad(ws, out);
                write(v, ws, out);
            }
            out.push('}');
        }
    }
}

fn pad(ws: &mut impl Iterator<Item = u8>, out: &mut String) {
    for _ in 0..ws.next().unwrap_or(0) % 4 / 3 {
        out.push([' ', '\n', '\t', '\r'][ws.next().unwrap_or(0) as usize % 4]);
    }
}

/// `style` picks which characters are spelled as `\uXXXX` escapes beyond the required ones.
fn string(s: &str, style: u8, out: &mut String) {
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        let spell = style & 1 == 1 && (i as u8).wrapping_add(style).is_multiple_of(3);
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' if !spell => out.push_str("\\n"),
            '\t' if !spell => out.push_str("\\t"),
            '/' if style & 2 == 2 => out.push_str("\\/"),
            c if spell || (c as u32) < 0x20 => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A body: the records either at the top or under `data`, among other members.
fn document() -> impl Strategy<Value = (String, bool)> {
    let records = prop::collection::vec(
        prop_oneof![
            4 => prop::collection::vec((key(), value()), 0..8).prop_map(J::Obj),
            1 => value(),
        ],
        0..6,
    )
    .prop_map(J::Arr);
    (records, prop::collection::vec((key(), value()), 0..3), any::<bool>(), prop::collection::vec(any::<u8>(), 64)).prop_map(
        |(records, mut others, nested, ws)| {
            let j = if nested {
                let at = others.len() / 2;
                others.insert(at, ("data".to_owned(), records));
                J::Obj(others)
            } else {
                records
            };
            let mut out = String::new();
            write(&j, &mut ws.into_iter().cycle(), &mut out);
            (out, nested)
        },
    )
}

#[derive(Clone, Debug)]
enum Mutation {
    None,
    Truncate(usize),
    Delete(usize),
    Insert(usize, u8),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop::sample::select(b"{}[]\",:\\ 0123456789-+.eEtrufalsn\x01x".to_vec());
    prop_oneof![
        2 => Just(Mutation::None),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => (any::<usize>(), byte.clone()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => (any::<usize>(), byte).prop_map(|(i, b)| Mutation::Replace(i, b)),
    ]
}

/// Applies a mutation at a character boundary and on ASCII only, so the text stays UTF-8:
/// serde_json checks UTF-8 in some skipped places and not others, which is no part of the
/// contract (the hand-written cases cover bad UTF-8 in keys and values).
fn mutate(text: &str, m: &Mutation) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    let ascii: Vec<usize> = (0..b.len()).filter(|&i| b[i].is_ascii()).collect();
    let boundaries: Vec<usize> = (0..=b.len()).filter(|&i| text.is_char_boundary(i)).collect();
    match *m {
        Mutation::None => {}
        Mutation::Truncate(i) => b.truncate(boundaries[i % boundaries.len()]),
        Mutation::Delete(i) if !ascii.is_empty() => {
            b.remove(ascii[i % ascii.len()]);
        }
        Mutation::Insert(i, c) => b.insert(boundaries[i % boundaries.len()], c),
        Mutation::Replace(i, c) if !ascii.is_empty() => b[ascii[i % ascii.len()]] = c,
        _ => {}
    }
    b
}

fn same(a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match (a, b) {
        // serde_json (without `float_roundtrip`) may round the last bit differently.
        (Scalar::Float(x), Scalar::Float(y)) => x == y || ((x - y) / x).abs() < 1e-15,
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, .. ProptestConfig::default() })]

    #[test]
    fn agrees_with_serde_json((text, nested) in document(), m in mutation(), fields in prop::sample::select(vec![
        vec!["id", "d"], vec!["id", "m.d", "m"], vec!["m.d", "m.m.d", "data"], vec!["d.id", "id", "m.id"],
    ]), raw in any::<bool>()) {
        let body = mutate(&text, &m);
        let mut p = plan(if nested { "data" } else { "" }, &fields);
        p.raw = raw;
        let want = oracle(&body, &p);
        let got = ours(&body, &p);
        let shown = String::from_utf8_lossy(&body);
        match (&want, &got) {
            (Ok(w), Ok(g)) => {
                prop_assert_eq!(w.len(), g.len(), "{}", shown);
                for (w, g) in w.iter().zip(g) {
                    prop_assert!(w.1.iter().zip(&g.1).all(|(a, b)| same(a, b)), "{}\nserde: {:?}\nours: {:?}", shown, w, g);
                    prop_assert_eq!((w.0, w.2, &w.3), (g.0, g.2, &g.3), "{}", shown);
                }
            }
            (Err(w), Err(g)) => {
                // Not JSON for serde_json is not JSON for us. The converse may not hold: the
                // old visitor re-read raw records through `Error::custom`, which turned a bad
                // escape inside a record into a data error ("no records"); ours says "not JSON".
                if w.is_syntax() || w.is_eof() {
                    prop_assert!(g.is_syntax() || g.is_eof(), "{}\nserde: {}\nours: {}", shown, w, g);
                }
                if !(g.is_syntax() || g.is_eof()) {
                    prop_assert!(!(w.is_syntax() || w.is_eof()), "{}\nserde: {}\nours: {}", shown, w, g);
                }
            }
            _ => prop_assert!(false, "{}\nserde: {:?}\nours: {:?}", shown, want.map(|_| "accepts"), got.map(|_| "accepts")),
        }
    }
}

/// The word-at-a-time search (used without SIMD) and the SIMD one agree with the byte loop on
/// where a string's content ends and whether it ends at a quote, for every special byte at
/// every offset around the step widths, after plain ASCII or non-ASCII filler.
#[test]
fn wide_searches_agree_with_the_byte_loop() {
    for filler in [b'a', 0xc3] {
        for n in 0..40 {
            for special in [b'"', b'\\', 0x00, 0x1f, b'\t', 0x20, 0x7f, 0x80, 0xff] {
                for trailing in [0, 1, 20] {
                    let mut b = vec![filler; n];
                    b.push(special);
                    b.extend(std::iter::repeat_n(b'"', trailing));
                    for from in [0, n / 2] {
                        let want = super::tail(&b, from, super::is_special);
                        assert_eq!(super::swar::find(&b, from), want, "swar find {b:?} from {from}");
                        assert_eq!(super::wide::find(&b, from), want, "wide find {b:?} from {from}");
                        let want = super::tail(&b, from, super::stops_read);
                        assert_eq!(super::swar::find_read(&b, from), want, "swar find_read {b:?} from {from}");
                        assert_eq!(super::wide::find_read(&b, from), want, "wide find_read {b:?} from {from}");
                    }
                }
            }
        }
    }
}

/// The loop-free key comparison: equal strings of every length up to three words, and one
/// differing byte at every position, or one length off.
#[test]
fn same_compares_keys_of_every_length() {
    for n in 0..40 {
        let a: Vec<u8> = (0..n).map(|k| b'a' + (k % 26) as u8).collect();
        assert!(super::same(&a, &a.clone()), "{n}");
        for k in 0..n {
            let mut b = a.clone();
            b[k] ^= 0x20;
            assert!(!super::same(&a, &b), "{n} differing at {k}");
        }
        assert!(!super::same(&a, &[a.as_slice(), b"x"].concat()), "{n} and one more");
    }
}

/// A record tree for the field-path property: objects and arrays of scalars, with keys that
/// need the grammar's quoting.
fn record_tree() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        "[a-z0-9 ]{0,6}".prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        any::<bool>().prop_map(Value::from),
        Just(Value::Null),
    ];
    let key = prop::sample::select(vec!["a", "b", "id", "a.b", "x[0]", "it's", "ü", "created_at"]);
    leaf.prop_recursive(4, 40, 5, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..5).prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

/// A path through `v` chosen by `picks` (each byte picks a member or an element), and at the
/// end sometimes a step that leads nowhere, so missing values are covered too.
fn path_through(v: &serde_json::Value, picks: &[u8]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut at = v;
    for &p in picks {
        match at {
            serde_json::Value::Object(m) if !m.is_empty() => {
                let (k, next) = m.iter().nth(p as usize % m.len()).unwrap();
                out.push(Segment::Key(k.clone()));
                at = next;
            }
            serde_json::Value::Array(a) if !a.is_empty() => {
                let i = p as usize % a.len();
                out.push(Segment::Index(i));
                at = &a[i];
            }
            _ => {
                if p % 3 == 0 {
                    out.push(if p % 2 == 0 { Segment::Key("nowhere".into()) } else { Segment::Index(p as usize) });
                }
                break;
            }
        }
    }
    out
}

fn reference(v: Option<&serde_json::Value>) -> Scalar<'static> {
    use serde_json::Value;
    match v {
        None => Scalar::Missing,
        Some(Value::String(s)) => Scalar::Str(Cow::Owned(s.clone())),
        Some(Value::Number(n)) => {
            n.as_u64().map(Scalar::UInt).or_else(|| n.as_i64().map(Scalar::Int)).unwrap_or_else(|| Scalar::Float(n.as_f64().unwrap()))
        }
        Some(Value::Bool(_)) => Scalar::Other("a boolean"),
        Some(Value::Null) => Scalar::Other("null"),
        Some(Value::Object(_)) => Scalar::Other("an object"),
        Some(Value::Array(_)) => Scalar::Other("an array"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, .. ProptestConfig::default() })]

    /// DESIGN section 5: whatever path the grammar accepts, the scanner reads the value that
    /// `JSON.parse` (here serde_json) and the grammar would, indices and quoted names included.
    #[test]
    fn field_paths_read_what_the_grammar_names(record in record_tree(), picks in prop::collection::vec(any::<u8>(), 1..6)) {
        let serde_json::Value::Object(_) = &record else { return Ok(()) };
        let segments = path_through(&record, &picks);
        prop_assume!(!segments.is_empty() && matches!(segments[0], Segment::Key(_)));
        let path = crate::config::FieldPath::from_segments(segments.clone());
        // What a user would write, read back by the one grammar.
        let text = path.to_string();
        let parsed = crate::config::FieldPath::parse(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(&parsed, &path, "{}", text);
        let want = reference(parsed.get(&record));
        let body = serde_json::to_vec(&serde_json::Value::Array(vec![record.clone()])).unwrap();
        let p = Plan { records: vec![], fields: vec![(0, parsed.segments().to_vec())], raw: false };
        let got = ours(&body, &p).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same(&got[0].1[0], &want), "{} in {}\nwant {:?}\ngot {:?}", text, record, want, got[0].1[0]);
    }
}

/// Issue 13 (mutation testing): what a plan cannot want is left out, without a panic: an empty
/// path (it names no key), a slot past SLOTS (nowhere to put it), a path beyond WANTED.
#[test]
fn an_empty_path_a_slot_past_the_slots_and_paths_beyond_wanted_match_nothing() {
    let body = br#"[{"id": 7, "a": 1}]"#;
    let mut p = plan("", &["id"]);
    p.fields.push((1, Vec::new()));
    p.fields.push((SLOTS, split("a")));
    assert_eq!(ours(body, &p).unwrap()[0].1, [Scalar::UInt(7), Scalar::Missing, Scalar::Missing]);
    let mut p = plan("", &[]);
    p.fields = (0..WANTED).map(|_| (0, split("x"))).collect();
    p.fields.push((1, split("a")));
    assert_eq!(ours(body, &p).unwrap()[0].1, [Scalar::Missing, Scalar::Missing, Scalar::Missing], "the ninth path is not wanted");
}

/// Issue 13 (mutation testing): a refused body's error says why, and for a syntax error where
/// (detection puts this text in its `body.not-json` / `body.no-records` message).
#[test]
fn a_refused_body_says_why_and_where() {
    let p = plan("appointments", &["id"]);
    assert_eq!(scan(b"[1,\n x]", &plan("", &["id"]), |_, _| {}).unwrap_err().to_string(), "expected value at line 2 column 2");
    assert_eq!(scan(br#"{"count": 0}"#, &p, |_, _| {}).unwrap_err().to_string(), r#"no records array at "appointments""#);
}

/// Issue 13 (mutation testing): a records path through an array index (`pages[1]`) takes that
/// element and no other; an index past the end, or an empty array, is "no records".
#[test]
fn a_records_path_through_an_index_takes_that_element_only() {
    let p = |records: Vec<Segment>| Plan { records, fields: vec![(0, split("id"))], raw: false };
    let pages = || vec![Segment::Key("pages".into()), Segment::Index(1)];
    let body = br#"{"pages": [[{"id": 1}], [{"id": 2}, {"id": 3}], [{"id": 4}]], "n": 3}"#;
    let ids = |body: &[u8], plan: &Plan| ours(body, plan).unwrap().iter().map(|r| r.1[0].clone()).collect::<Vec<_>>();
    assert_eq!(ids(body, &p(pages())), [Scalar::UInt(2), Scalar::UInt(3)]);
    assert_eq!(ids(body, &p(vec![Segment::Key("pages".into()), Segment::Index(0)])), [Scalar::UInt(1)]);
    assert_eq!(ids(b" [ [{\"id\": 5}] , [{\"id\": 6}] ] ", &p(vec![Segment::Index(1)])), [Scalar::UInt(6)]);
    for body in [&br#"{"pages": [[{"id": 1}]]}"#[..], br#"{"pages": []}"#, br#"{"pages": [ ]}"#, br#"{"pages": {"1": []}}"#] {
        let e = scan(body, &p(pages()), |_, _| {}).unwrap_err();
        assert!(!e.is_syntax() && !e.is_eof(), "{}: {e}", String::from_utf8_lossy(body));
    }
    // The elements skipped on the way are still checked: a bad one is not JSON.
    let e = scan(br#"{"pages": [[{"id": 1}], [{"id": 2}], [01]]}"#, &p(pages()), |_, _| {}).unwrap_err();
    assert!(e.is_syntax(), "{e}");
}

/// Issue 13 (mutation testing): a refused body's message names serde_json's reason and the
/// place serde_json names (the line and column of the offending byte), for each kind of error
/// the scanner reports: a missing `,` in an array and in an object, an escape, a lone
/// surrogate, bytes that are not UTF-8 in a key, a value and a kept raw record, on the first
/// line and later.
#[test]
fn errors_name_the_reason_and_place_serde_json_names() {
    let p = plan("", &["id"]);
    let mut raw = plan("", &["id"]);
    raw.raw = true;
    for (body, plan, want) in [
        (&b"[1 2]"[..], &p, "expected `,` or `]` at line 1 column 4"),
        (b"[{\"id\": 1 \"x\": 2}]", &p, "expected `,` or `}` at line 1 column 11"),
        (b"[{\"id\": 1},\n {\"x\": [1,\n 2 3]}]", &p, "expected `,` or `]` at line 3 column 4"),
        (b"[{\"id\": 1}\n\n x", &p, "expected `,` or `]` at line 3 column 2"),
        (b"[{\"id\": \"ab\\qc\"}]", &p, "invalid escape at line 1 column 13"),
        (b"[{\"id\": \"ab\\ud800x\"}]", &p, "lone leading surrogate in hex escape at line 1 column 18"),
        (b"[{\"id\": \"ab\\udc00x\"}]", &p, "lone trailing surrogate in hex escape at line 1 column 17"),
        (b"[{\"ab\xffd\": 1}]", &p, "invalid unicode code point at line 1 column 6"),
        (b"[{\"id\": \"ab\xff\"}]", &p, "invalid unicode code point at line 1 column 12"),
        (b"[{\"id\": 1}, {\"x\": \"ab\xff\"}]", &raw, "invalid unicode code point at line 1 column 22"),
        // After escapes, the place is the byte's in the body, not in the decoded text.
        (b"[{\"id\": \"\\n\\n\\nab\xff\"}]", &p, "invalid unicode code point at line 1 column 18"),
        (b"[{\"\\u0069d\xff\": 1}]", &p, "invalid unicode code point at line 1 column 11"),
        (b"[{\"id\": \"\\na\xffbcdef\"}]", &p, "invalid unicode code point at line 1 column 13"),
        (b"[{\"id\": 1}, {\"x\": \"\\\"\\\"\xe2\x82\"}]", &raw, "invalid unicode code point at line 1 column 24"),
    ] {
        let shown = String::from_utf8_lossy(body);
        assert_eq!(scan(body, plan, |_, _| {}).expect_err(&shown).to_string(), want, "{shown}");
        // serde_json names the same place (its wording for surrogates differs).
        let place = &want[want.find(" at line").unwrap()..];
        assert!(oracle(body, plan).expect_err(&shown).to_string().ends_with(place), "{shown}");
    }
    // Where escapes follow the bad byte, serde_json's column is approximate by its own account
    // (`as_str` counts back from the closing quote in decoded bytes, which escapes shrink): it
    // names a byte after the bad one. Ours names the bad byte itself.
    for (body, ours_at, serde_json_at) in [
        (&b"[{\"id\": \"a\xff\\n\"}]"[..], "column 11", "column 12"),
        (b"[{\"id\": \"\\t\xc3\\n\"}]", "column 12", "column 13"),
        (b"[{\"id\": \"a\xffbcd\\n\\tef\"}]", "column 11", "column 13"),
        (b"[{\"a\xff\\u0062\": 1}]", "column 5", "column 10"),
    ] {
        let shown = String::from_utf8_lossy(body);
        let e = scan(body, &p, |_, _| {}).expect_err(&shown).to_string();
        assert_eq!(e, format!("invalid unicode code point at line 1 {ours_at}"), "{shown}");
        assert!(oracle(body, &p).expect_err(&shown).to_string().ends_with(serde_json_at), "{shown}");
    }
}

/// Issue 13 (mutation testing): a string that is read outside a record (a key on the way to
/// the records, an element of the records array that is no object) is decoded and checked as
/// serde_json does: an escaped key still names the records, bad UTF-8 and a lone surrogate
/// there are errors.
#[test]
fn keys_before_the_records_and_strings_among_them_are_decoded_and_checked() {
    let p = plan("data", &["id"]);
    assert_eq!(ours(br#"{"d\u0061ta": [{"id": 1}]}"#, &p).unwrap().len(), 1, "an escaped key names the records");
    assert_eq!(ours(br#"{"caf\u00e9": 0, "data": ["x\u00e9", {"id": 2}]}"#, &p).unwrap().len(), 2);
    for bad in [&b"{\"\xff\": 0, \"data\": []}"[..], b"{\"data\": [\"a\xffb\"]}", br#"{"data": ["a\ud800"]}"#, br#"{"\udc00": 0, "data": []}"#] {
        let e = scan(bad, &p, |_, _| {}).expect_err(&String::from_utf8_lossy(bad));
        assert!(e.is_syntax(), "{}: {e}", String::from_utf8_lossy(bad));
        assert!(oracle(bad, &p).is_err(), "serde_json agrees: {}", String::from_utf8_lossy(bad));
    }
}

/// Issue 13 (mutation testing): an empty object on the records path, at the top or deeper,
/// is JSON without the records, and what follows it is still read.
#[test]
fn an_empty_object_on_the_records_path_is_no_records() {
    let p = |records: &str| Plan { records: split(records), fields: vec![(0, split("id"))], raw: false };
    for (body, records) in [(&b"{}"[..], "data"), (b" { } ", "data"), (br#"{"data": {}, "n": 1}"#, "data.items"), (br#"{"data": { }}"#, "data.items")]
    {
        let e = scan(body, &p(records), |_, _| {}).unwrap_err();
        assert!(!e.is_syntax() && !e.is_eof(), "{}: {e}", String::from_utf8_lossy(body));
    }
    assert_eq!(ours(br#"{"data": {}, "data": {"items": [{"id": 3}]}}"#, &p("data.items")).unwrap()[0].1[0], Scalar::UInt(3));
}

/// Issue 13 (mutation testing): several wanted paths through one array element (`items[0].a`
/// and `items[0].b`) each find their field.
#[test]
fn two_paths_through_one_array_element_both_find_their_field() {
    let body = br#"[{"id": 1, "items": [{"a": "x", "b": "y"}]}]"#;
    let p = Plan {
        records: vec![],
        fields: vec![
            (0, split("id")),
            (1, vec![Segment::Key("items".into()), Segment::Index(0), Segment::Key("a".into())]),
            (2, vec![Segment::Key("items".into()), Segment::Index(0), Segment::Key("b".into())]),
        ],
        raw: false,
    };
    assert_eq!(ours(body, &p).unwrap()[0].1, [Scalar::UInt(1), Scalar::Str("x".into()), Scalar::Str("y".into())]);
}
