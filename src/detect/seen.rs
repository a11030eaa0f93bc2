//! The versions already emitted, by objectId: the state's `seen` plus this cycle's events.
//!
//! A backfill holds one entry per record, so the key is what a hash map of ids costs most
//! on. An id whose text is exactly the digits of a `u64` (every Keap and Infusionsoft id) is
//! kept as that number: no allocation of its own, nothing to free, and hashed in one multiply
//! (a `String` key was a tenth of a backfill in allocation and freeing, another tenth in
//! hashing and rehashing its text). Any other id is kept as its text. The mapping is by the
//! text alone, so `"42"` read from a string field and `42` read as a number are one object,
//! as they are one `objectId`.

use super::idset::canonical;
use rustc_hash::FxHashMap as HashMap;
use std::collections::hash_map::Entry;

#[derive(Debug, Default)]
pub(super) struct Seen(HashMap<Key, Versions>);

/// One map for both kinds of id (one instance of the map's code in the wasm, not two): a
/// text id's lookup allocates its key, which becomes the entry's key when the id is new, as
/// the `String` key of a new id did before; only a repeat pays for it twice.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Key {
    Num(u64),
    Text(Box<str>),
}

/// What [`Seen::add`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Added {
    /// This version was already there.
    Repeat,
    /// A new version; `first` when the object had none.
    New { first: bool },
}

impl Seen {
    /// Adds the version `at` of `id`. `number`: the id as the number it was read as, when it
    /// was (`id` is then that number's digits), which saves reading the digits back.
    pub(super) fn add(&mut self, id: &str, number: Option<u64>, at: i64) -> Added {
        debug_assert!(number.is_none() || number == canonical(id), "{id:?} is not the digits of {number:?}");
        let key = match number.or_else(|| canonical(id)) {
            Some(n) => Key::Num(n),
            None => Key::Text(id.into()),
        };
        match self.0.entry(key) {
            Entry::Vacant(v) => {
                v.insert(Versions::One(at));
                Added::New { first: true }
            }
            Entry::Occupied(o) if o.get().contains(at) => Added::Repeat,
            Entry::Occupied(mut o) => {
                o.get_mut().push(at);
                Added::New { first: false }
            }
        }
    }

    /// The versions at or after `low`, as `(objectId, instant)` in no particular order.
    pub(super) fn into_kept(self, low: i64) -> Vec<(String, i64)> {
        let mut out = Vec::new();
        for (key, versions) in self.0 {
            let id = || match &key {
                Key::Num(n) => n.to_string(),
                Key::Text(t) => t.to_string(),
            };
            match versions {
                Versions::One(at) if at >= low => out.push((id(), at)),
                Versions::One(_) => {}
                Versions::Many(ats) => out.extend(ats.into_iter().filter(|&at| at >= low).map(|at| (id(), at))),
            }
        }
        out
    }
}

/// The instants of one object: nearly always one, so one needs no allocation of its own.
#[derive(Debug)]
enum Versions {
    One(i64),
    Many(Vec<i64>),
}

impl Versions {
    fn contains(&self, at: i64) -> bool {
        match self {
            Versions::One(v) => *v == at,
            Versions::Many(vs) => vs.contains(&at),
        }
    }

    fn push(&mut self, at: i64) {
        match self {
            Versions::One(v) => *self = Versions::Many(vec![*v, at]),
            Versions::Many(vs) => vs.push(at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_and_its_digits_are_one_object_and_other_text_is_not() {
        let mut s = Seen::default();
        assert_eq!(s.add("42", None, 1), Added::New { first: true });
        assert_eq!(s.add("42", Some(42), 1), Added::Repeat);
        assert_eq!(s.add("42", None, 2), Added::New { first: false });
        // Not the digits of a number: a leading zero, a sign, text.
        for id in ["042", "+42", "-42", "4x", ""] {
            assert_eq!(s.add(id, None, 1), Added::New { first: true }, "{id:?}");
            assert_eq!(s.add(id, None, 1), Added::Repeat, "{id:?}");
        }
        // u64::MAX is a number; one more is text.
        assert_eq!(s.add("18446744073709551615", Some(u64::MAX), 1), Added::New { first: true });
        assert_eq!(s.add("18446744073709551616", None, 1), Added::New { first: true });
        let mut kept = s.into_kept(2);
        kept.sort();
        assert_eq!(kept, vec![("42".to_owned(), 2)]);
    }

    #[test]
    fn kept_versions_come_back_as_the_text_they_were_added_as() {
        let mut s = Seen::default();
        for (id, at) in [("7", 5), ("7", 9), ("007", 9), ("a.b", 3), ("18446744073709551615", 4)] {
            s.add(id, None, at);
        }
        let mut kept = s.into_kept(4);
        kept.sort();
        let want: Vec<(String, i64)> =
            [("007", 9), ("18446744073709551615", 4), ("7", 5), ("7", 9)].iter().map(|&(i, a)| (i.to_owned(), a)).collect();
        assert_eq!(kept, want);
    }
}
