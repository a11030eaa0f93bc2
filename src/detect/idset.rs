//! A set of objectIds in a compact text encoding, for the reconciliation's listings (DESIGN
//! section 13).
//!
//! A reconciliation compares the ids of a complete listing with those of the previous one,
//! so the state carries every id of the resource. Kept as JSON strings that would cost the
//! id's digits plus three bytes a piece (about 9 bytes per Keap id); here:
//! - ids that are canonical decimal numbers (`0`, `42`, never `042` or `-1`, at most
//!   `u64::MAX`) are sorted and written as the LEB128 varints of their gaps: dense ids cost
//!   one byte each, ids a million apart three;
//! - every other id is sorted and front-coded: the length of the prefix it shares with the
//!   one before, the length of the rest, the rest;
//! - the bytes are base64 (URL alphabet, no padding), so the set is one JSON string.
//!
//! The bound: `4/3 × (varint of the gap)` bytes per numeric id (1.34 for ids less than 128
//! apart), and `4/3 × (2 + the bytes after the shared prefix)` per other id. Encoding sorts
//! (n log n); comparing two decoded sets is one merge (linear).

use crate::diag::Error;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

/// A set of objectIds: numbers and other text kept apart, each sorted, without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdSet {
    nums: Vec<u64>,
    strs: Vec<String>,
    /// `push` appended out of order or a repeat: [`IdSet::seal`] sorts before reading.
    unsorted: bool,
}

impl IdSet {
    /// An empty set.
    pub fn new() -> IdSet {
        IdSet::default()
    }

    /// Adds an id given as text (a canonical number is kept as one).
    pub fn push_str(&mut self, id: &str) {
        match canonical(id) {
            Some(n) => self.push_num(n),
            None => {
                if self.strs.last().is_some_and(|l| l.as_str() >= id) {
                    self.unsorted = true;
                }
                self.strs.push(id.to_owned());
            }
        }
    }

    /// Adds a numeric id (its objectId is its digits).
    pub fn push_num(&mut self, n: u64) {
        if self.nums.last().is_some_and(|&l| l >= n) {
            self.unsorted = true;
        }
        self.nums.push(n);
    }

    /// Sorts and removes repeats; every read below needs it (`push` does not keep order).
    pub fn seal(&mut self) {
        if self.unsorted {
            heapsort(&mut self.nums);
            self.nums.dedup();
            heapsort(&mut self.strs);
            self.strs.dedup();
            self.unsorted = false;
        }
    }

    /// How many ids.
    pub fn len(&self) -> usize {
        self.nums.len() + self.strs.len()
    }

    /// No ids.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `id` (as text) is in the (sealed) set.
    pub fn contains(&self, id: &str) -> bool {
        match canonical(id) {
            Some(n) => self.nums.binary_search(&n).is_ok(),
            None => self.strs.binary_search_by(|s| s.as_str().cmp(id)).is_ok(),
        }
    }

    /// Removes `id` from the (sealed) set; `true` when it was there.
    pub fn remove(&mut self, id: &str) -> bool {
        match canonical(id) {
            Some(n) => self.nums.binary_search(&n).map(|i| self.nums.remove(i)).is_ok(),
            None => self.strs.binary_search_by(|s| s.as_str().cmp(id)).map(|i| self.strs.remove(i)).is_ok(),
        }
    }

    /// The ids of `self` that `other` lacks, as text, in order (both sealed): one merge.
    pub fn minus(&self, other: &IdSet) -> Vec<String> {
        self.merge(other, false)
    }

    /// The ids in both (sealed) sets, as text, in order: one merge.
    pub fn common(&self, other: &IdSet) -> Vec<String> {
        self.merge(other, true)
    }

    /// The ids of `self` that `other` has (`in_other`) or lacks: one merge for both
    /// [`minus`](IdSet::minus) and [`common`](IdSet::common), whose two copies cost the wasm
    /// more than the flag.
    fn merge(&self, other: &IdSet, in_other: bool) -> Vec<String> {
        let mut out = Vec::new();
        let mut j = 0;
        for &n in &self.nums {
            while j < other.nums.len() && other.nums[j] < n {
                j += 1;
            }
            if (other.nums.get(j) == Some(&n)) == in_other {
                out.push(n.to_string());
            }
        }
        let mut j = 0;
        for s in &self.strs {
            while j < other.strs.len() && other.strs[j] < *s {
                j += 1;
            }
            if (other.strs.get(j) == Some(s)) == in_other {
                out.push(s.clone());
            }
        }
        out
    }

    /// Every id of `other` added (both sealed; the result is sealed).
    pub fn union(&mut self, other: &IdSet) {
        self.nums.extend_from_slice(&other.nums);
        self.strs.extend(other.strs.iter().cloned());
        self.unsorted = true;
        self.seal();
    }

    /// Keeps at most `max` ids, dropping the smallest numbers first, then the first texts.
    pub fn truncate_to(&mut self, max: usize) {
        let over = self.len().saturating_sub(max);
        let from_nums = over.min(self.nums.len());
        self.nums.drain(..from_nums);
        self.strs.drain(..(over - from_nums).min(self.strs.len()));
    }

    /// The (sealed) set as text: see the module docs. The empty set is `""`.
    pub fn encode(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut bytes = Vec::with_capacity(self.nums.len() + 8);
        varint(self.nums.len() as u64, &mut bytes);
        let mut last = 0u64;
        for (i, &n) in self.nums.iter().enumerate() {
            // The first is written whole; each next one as its gap (at least 1: no repeats).
            varint(if i == 0 { n } else { n - last }, &mut bytes);
            last = n;
        }
        varint(self.strs.len() as u64, &mut bytes);
        let mut prev: &str = "";
        for s in &self.strs {
            let shared = shared_prefix(prev, s);
            varint(shared as u64, &mut bytes);
            varint((s.len() - shared) as u64, &mut bytes);
            bytes.extend_from_slice(&s.as_bytes()[shared..]);
            prev = s;
        }
        B64.encode(bytes)
    }

    /// Reads what [`encode`](IdSet::encode) wrote; anything else is `state.invalid`.
    pub fn decode(text: &str) -> Result<IdSet, Error> {
        let bad = |why: &str| Error::new("state.invalid", format!("the saved state's id set is not valid: {why}"));
        if text.is_empty() {
            return Ok(IdSet::new());
        }
        let bytes = B64.decode(text).map_err(|_| bad("not base64"))?;
        let mut r = Reader { bytes: &bytes, at: 0 };
        let count = r.varint().ok_or_else(|| bad("truncated"))?;
        // Each id takes at least one byte: a count beyond the bytes is corrupt, not a reason to allocate.
        if count > bytes.len() as u64 {
            return Err(bad("a count beyond its bytes"));
        }
        let mut nums = Vec::with_capacity(count as usize);
        let mut last = 0u64;
        for i in 0..count {
            let v = r.varint().ok_or_else(|| bad("truncated"))?;
            let n = if i == 0 { v } else { last.checked_add(v).filter(|_| v > 0).ok_or_else(|| bad("ids out of order"))? };
            nums.push(n);
            last = n;
        }
        let count = r.varint().ok_or_else(|| bad("truncated"))?;
        if count > bytes.len() as u64 {
            return Err(bad("a count beyond its bytes"));
        }
        let mut strs: Vec<String> = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let shared = r.varint().ok_or_else(|| bad("truncated"))? as usize;
            let rest = r.varint().ok_or_else(|| bad("truncated"))? as usize;
            let prev = strs.last().map_or("", String::as_str);
            let tail = r.take(rest).ok_or_else(|| bad("truncated"))?;
            if shared > prev.len() || !prev.is_char_boundary(shared) {
                return Err(bad("a prefix longer than the id before"));
            }
            let mut s = String::with_capacity(shared + rest);
            s.push_str(&prev[..shared]);
            s.push_str(std::str::from_utf8(tail).map_err(|_| bad("not UTF-8"))?);
            if strs.last().is_some_and(|p| p.as_str() >= s.as_str()) || canonical(&s).is_some() {
                return Err(bad("ids out of order"));
            }
            strs.push(s);
        }
        if r.at != bytes.len() {
            return Err(bad("bytes after the last id"));
        }
        Ok(IdSet { nums, strs, unsorted: false })
    }
}

/// In-place heapsort: O(n log n) in a few hundred bytes of wasm, where each instantiation of
/// the standard library's sorts costs kilobytes (they took the wasm up by 15 KB gzipped). A
/// listing in id order (Keap's) is never sorted at all: `push` notices the order.
pub(super) fn heapsort<T: Ord>(v: &mut [T]) {
    fn sift<T: Ord>(v: &mut [T], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child] < v[child + 1] {
                child += 1;
            }
            if v[root] >= v[child] {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    for i in (0..v.len() / 2).rev() {
        sift(v, i, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// The number an id's text is exactly the digits of (no sign, no leading zero), if any.
///
/// One pass, without `str::parse` (a tenth of what a backfill spends on each event when every
/// id is a number) and without checked multiplies (which lower to 128-bit ones in the wasm):
/// 19 digits cannot overflow a `u64`, and 20 digits are compared with `u64::MAX`'s as text.
pub(super) fn canonical(id: &str) -> Option<u64> {
    let b = id.as_bytes();
    if b.is_empty() || b.len() > 20 || (b.len() > 1 && b[0] == b'0') || (b.len() == 20 && b > b"18446744073709551615".as_slice()) {
        return None;
    }
    let mut n = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.wrapping_mul(10).wrapping_add(u64::from(d));
    }
    Some(n)
}

fn shared_prefix(a: &str, b: &str) -> usize {
    let n = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    // Back to a character boundary: the rest is written as UTF-8 text.
    (0..=n).rev().find(|&i| b.is_char_boundary(i)).unwrap_or(0)
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            v |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let s = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> IdSet {
        let mut s = IdSet::new();
        for id in ids {
            s.push_str(id);
        }
        s.seal();
        s
    }

    #[test]
    fn round_trips_numbers_and_text_and_keeps_them_apart() {
        let s = set(&["42", "7", "007", "-1", "abc", "abd", "ab", "é1", "é2", "18446744073709551615", "42", "0"]);
        assert_eq!(s.len(), 11, "the repeat of 42 is one id");
        let back = IdSet::decode(&s.encode()).unwrap();
        assert_eq!(back, s);
        assert!(back.contains("007") && back.contains("7") && !back.contains("07"), "007 and 7 are two ids");
        assert_eq!(IdSet::decode("").unwrap(), IdSet::new());
        assert_eq!(IdSet::new().encode(), "");
    }

    #[test]
    fn dense_numbers_cost_a_byte_and_a_third() {
        let mut s = IdSet::new();
        for n in 1..=50_000u64 {
            s.push_num(n * 2);
        }
        s.seal();
        let len = s.encode().len();
        assert!(len <= 50_000 * 4 / 3 + 8, "{len} bytes");
    }

    #[test]
    fn minus_is_the_ids_gone() {
        let a = set(&["1", "2", "3", "x", "y"]);
        let b = set(&["2", "4", "y", "z"]);
        assert_eq!(a.minus(&b), ["1", "3", "x"]);
        assert_eq!(b.minus(&a), ["4", "z"]);
        assert_eq!(a.common(&b), ["2", "y"]);
        let mut c = a.clone();
        c.union(&b);
        assert_eq!(c, set(&["1", "2", "3", "4", "x", "y", "z"]));
        assert!(c.remove("4") && !c.remove("4") && c.remove("z"));
        c.truncate_to(3);
        assert_eq!(c, set(&["3", "x", "y"]));
    }

    #[test]
    fn heapsort_sorts() {
        let mut v: Vec<u64> = (0..1000u64).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % 97).collect();
        let mut want = v.clone();
        want.sort();
        heapsort(&mut v);
        assert_eq!(v, want);
        let mut e: Vec<u64> = vec![];
        heapsort(&mut e);
    }

    #[test]
    fn corrupt_text_is_refused_not_misread() {
        for bad in ["!!", "AQ", "/w", "AgEA", "AQEB"] {
            assert_eq!(IdSet::decode(bad).unwrap_err().code, "state.invalid", "{bad}");
        }
    }

    /// The encoding is the state's format: a listing saved by one version is read by the next,
    /// so the text is pinned byte for byte, here written out by hand from the module docs.
    /// Numbers 0, 7, 300 and u64::MAX (the 20-digit edge of a canonical number): the count,
    /// the first whole, then the gaps. Texts in byte order: `-1` and `007` are not canonical,
    /// `abc` shares all of `ab`, and `è` (c3 a8) shares only half a character with `é1`
    /// (c3 a9 31), so the prefix backs off to 0.
    #[test]
    fn the_encoding_is_pinned_byte_for_byte() {
        let s = set(&["abc", "300", "é1", "-1", "18446744073709551615", "è", "007", "0", "ab", "7"]);
        let mut bytes = vec![4, 0, 7, 0xa5, 0x02];
        // u64::MAX - 300, as a varint: nine groups of 7 bits, then the last bit.
        bytes.extend_from_slice(&[0xd3, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        bytes.push(6);
        for (shared, rest) in [(0, "-1"), (0, "007"), (0, "ab"), (2, "c"), (0, "è"), (0, "é1")] {
            bytes.extend_from_slice(&[shared, rest.len() as u8]);
            bytes.extend_from_slice(rest.as_bytes());
        }
        assert_eq!(s.encode(), B64.encode(&bytes));
        assert_eq!(s.encode(), "BAAHpQLT_f________8BBgACLTEAAzAwNwACYWICAWMAAsOoAAPDqTE");
        assert_eq!(IdSet::decode(&s.encode()).unwrap(), s);
        assert_eq!(
            s.minus(&IdSet::new()),
            ["0", "7", "300", "18446744073709551615", "-1", "007", "ab", "abc", "è", "é1"],
            "numbers first, each part in order"
        );
    }

    #[test]
    fn ids_pushed_out_of_order_or_twice_are_sorted_by_seal() {
        let mut down = IdSet::new();
        down.push_num(3);
        down.push_num(1);
        down.seal();
        let mut twice = IdSet::new();
        twice.push_num(2);
        twice.push_num(2);
        twice.seal();
        let mut text_down = IdSet::new();
        text_down.push_str("b");
        text_down.push_str("a");
        text_down.seal();
        let mut text_twice = IdSet::new();
        text_twice.push_str("x");
        text_twice.push_str("x");
        text_twice.seal();
        assert_eq!((down.minus(&IdSet::new()), twice.len()), (vec!["1".to_owned(), "3".to_owned()], 1));
        assert_eq!((text_down.minus(&IdSet::new()), text_twice.len()), (vec!["a".to_owned(), "b".to_owned()], 1));
        assert!(down.contains("1") && text_down.contains("a"));
    }

    /// Each corrupt text is refused for its own reason (the message names it), including the
    /// edges: a count equal to the bytes left, a prefix that ends inside a character.
    #[test]
    fn corrupt_text_names_what_is_wrong() {
        let cases: [(&[u8], &str); 10] = [
            // One number announced, no byte for it: a count equal to the bytes is not beyond them.
            (&[1], "truncated"),
            (&[0xff, 0xff, 0x03], "a count beyond its bytes"),
            (&[0, 3, 0], "truncated"),
            (&[0, 0x7f], "a count beyond its bytes"),
            (&[2, 1, 0], "ids out of order"),
            (&[0, 2, 0, 1, b'b', 0, 1, b'a'], "ids out of order"),
            (&[0, 1, 0, 1, b'7'], "ids out of order"),
            (&[0, 2, 0, 2, 0xc3, 0xa9, 1, 1, b'x'], "a prefix longer than the id before"),
            (&[0, 1, 0, 1, 0xff], "not UTF-8"),
            (&[0, 0, 0], "bytes after the last id"),
        ];
        for (bytes, why) in cases {
            let e = IdSet::decode(&B64.encode(bytes)).unwrap_err();
            assert!(e.message.ends_with(why), "{bytes:?}: {}", e.message);
        }
    }

    /// The one-pass reader against the rule it implements: all ASCII digits, no leading zero,
    /// within a `u64` (`str::parse` as the reference for the value).
    #[test]
    fn canonical_is_exactly_the_digits_of_a_u64() {
        let reference = |id: &str| {
            let b = id.as_bytes();
            (!b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b.len() == 1 || b[0] != b'0')).then(|| id.parse::<u64>().ok()).flatten()
        };
        let mut ids: Vec<String> = ["", "0", "00", "01", "7", "+5", "-1", " 1", "1 ", "1e3", "١", "18446744073709551615", "18446744073709551616"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        ids.extend(["99999999999999999999", "1844674407370955161a", "1844674407370955161/", "184467440737095516150"].map(str::to_owned));
        // Around every power of ten, and pseudo-random values of every length.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for k in 0..20u32 {
            let p = 10u64.pow(k);
            ids.extend([p - 1, p, p + 1].map(|n| n.to_string()));
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ids.push((x >> (k * 3)).to_string());
        }
        for id in &ids {
            assert_eq!(canonical(id), reference(id), "{id:?}");
        }
    }

    /// Rust's `u64` parser takes a leading `+`: "+5" must stay text, not become the number 5
    /// (it would then be reported, and compared, as "5").
    #[test]
    fn an_id_with_a_sign_is_text_not_the_number() {
        let mut s = IdSet::new();
        s.push_str("+5");
        s.seal();
        assert!(s.contains("+5") && !s.contains("5"));
        assert_eq!(s.minus(&IdSet::new()), vec!["+5".to_owned()]);
        let back = IdSet::decode(&s.encode()).unwrap();
        assert_eq!(back.minus(&IdSet::new()), vec!["+5".to_owned()]);
    }
}
