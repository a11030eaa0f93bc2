//! The events of one detection, stored by column.
//!
//! A backfill makes an event of every record, so what an event costs is what a backfill costs.
//! An [`Event`] owns five strings; built per event, those allocations (and their frees) took
//! more time than finding the events. Here every event is a few fixed-size entries in shared
//! columns: its objectId appended to one string, its instant, its type and its 128-bit
//! `eventId` hash. The date text and the hex digits are written only when someone reads them:
//! the wasm binding writes them straight into the columns it hands to JS.

use super::{Event, EventType};
use crate::datefmt::{iso_utc, iso_utc_ascii, iso_utc_into};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

/// Events by column: `len`, `get`, `iter`, or the columns themselves for a host that
/// builds its own objects (see `src/wasm.rs`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Events {
    object_type: String,
    element_key: Option<String>,
    types: Vec<EventType>,
    instants: Vec<i64>,
    /// Every objectId, one after another; `id_ends[i]` is where the i-th ends (bytes).
    ids: String,
    id_ends: Vec<u32>,
    hashes: Vec<u128>,
    /// Empty unless the records' JSON was asked for (`raw`); then one per event.
    raw: Vec<Option<Value>>,
}

impl Events {
    /// No events yet, all of one objectType (and elementKey).
    pub fn new(object_type: &str, element_key: Option<&str>) -> Events {
        Events { object_type: object_type.to_owned(), element_key: element_key.map(str::to_owned), ..Events::default() }
    }

    pub(crate) fn push(&mut self, event_type: EventType, id: &str, instant: i64, hash: u128, raw: Option<Option<Value>>) {
        self.types.push(event_type);
        self.instants.push(instant);
        self.ids.push_str(id);
        // wasm32: the body, hence every id in it, is below 4 GiB.
        self.id_ends.push(self.ids.len() as u32);
        self.hashes.push(hash);
        if let Some(r) = raw {
            self.raw.push(r);
        }
    }

    /// How many events.
    pub fn len(&self) -> usize {
        self.types.len()
    }

    /// No events.
    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The objectType every event here carries (the resource's name).
    pub fn object_type(&self) -> &str {
        &self.object_type
    }

    /// The elementKey every event here carries, if the host gave one.
    pub fn element_key(&self) -> Option<&str> {
        self.element_key.as_deref()
    }

    /// CREATED or UPDATED, of the i-th event.
    pub fn event_type(&self, i: usize) -> EventType {
        self.types[i]
    }

    /// The i-th event's objectId (the record's id as text).
    pub fn object_id(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.id_ends[i - 1] as usize };
        &self.ids[start..self.id_ends[i] as usize]
    }

    /// The version's instant, epoch ms.
    pub fn instant(&self, i: usize) -> i64 {
        self.instants[i]
    }

    /// The XXH3-128 hash that [`event_id`](Events::event_id) writes in hex.
    pub fn hash(&self, i: usize) -> u128 {
        self.hashes[i]
    }

    /// The `eventId`: 32 lowercase hex digits (see [`super::event_id`]).
    pub fn event_id(&self, i: usize) -> String {
        let mut s = String::with_capacity(32);
        push_hex(self.hashes[i], &mut s);
        s
    }

    /// The record's JSON, when `raw` was asked for (`None` also where it was unreadable).
    pub fn raw(&self, i: usize) -> Option<&Value> {
        self.raw.get(i).and_then(Option::as_ref)
    }

    /// Whether the records' JSON was kept.
    pub fn has_raw(&self) -> bool {
        !self.raw.is_empty()
    }

    /// All objectIds, concatenated; `id_ends` says where each ends.
    pub fn ids(&self) -> &str {
        &self.ids
    }

    /// Byte offsets in [`ids`](Events::ids) where each objectId ends.
    pub fn id_ends(&self) -> &[u32] {
        &self.id_ends
    }

    /// Every event's type, in order.
    pub fn types(&self) -> &[EventType] {
        &self.types
    }

    /// Every event's instant (epoch ms), in order.
    pub fn instants(&self) -> &[i64] {
        &self.instants
    }

    /// The i-th event as an owned value.
    pub fn get(&self, i: usize) -> Option<Event> {
        (i < self.len()).then(|| Event {
            event_type: self.types[i],
            object_type: self.object_type.clone(),
            object_id: self.object_id(i).to_owned(),
            date: iso_utc(self.instants[i]),
            element_key: self.element_key.clone(),
            event_id: self.event_id(i),
            raw: self.raw(i).cloned(),
            instant: self.instants[i],
        })
    }

    /// Each event as an owned value, in the order found.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = Event> + '_ {
        (0..self.len()).map(|i| self.get(i).expect("in range"))
    }

    /// Every event as an owned value (tests, and hosts that want plain structs).
    pub fn to_vec(&self) -> Vec<Event> {
        self.iter().collect()
    }

    /// The events' text columns, for a host that builds its own objects: what `src/wasm.rs`
    /// hands to JS, and what `examples/detect_file.rs` times beside the detection so that the
    /// native figure does the same work as the wasm call.
    pub fn text_columns(&self) -> TextColumns {
        let n = self.len();
        // Each date and eventId written in place at a fixed offset of one zeroed column: no
        // per-event copy or UTF-8 check (in wasm a small copy is a `memory.copy` call).
        let mut event_ids = vec![0u8; 32 * n];
        for (dst, &h) in event_ids.chunks_exact_mut(32).zip(&self.hashes) {
            if let Ok(dst) = dst.try_into() {
                hex_into(h, dst);
            }
        }
        let mut dates = vec![0u8; 24 * n];
        let fixed = dates.chunks_exact_mut(24).zip(&self.instants).all(|(dst, &at)| dst.try_into().is_ok_and(|dst| iso_utc_ascii(at, dst)));
        let (dates, date_ends) = if fixed {
            // wasm32: under 4 GiB of text, as the ids' ends.
            (ascii(dates), (1..=n).map(|i| (24 * i) as u32).collect())
        } else {
            // A year outside 0000-9999 is longer: every date written one after another.
            let mut text = String::with_capacity(24 * n);
            let ends = self
                .instants
                .iter()
                .map(|&at| {
                    push_date(at, &mut text);
                    text.len() as u32
                })
                .collect();
            (text, ends)
        };
        TextColumns { dates, date_ends, event_ids: ascii(event_ids) }
    }
}

/// Text known to be ASCII as a `String`: one check of the whole column (were it ever not
/// ASCII, the text is kept, with replacement characters, rather than panicking).
fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The dates and eventIds of [`Events`] as text, one string each: dates one after another
/// (`date_ends[i]` is where the i-th ends, in bytes, which are ASCII), eventIds 32 hex digits each.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TextColumns {
    /// Every event's `date` (ISO UTC, ms), one after another.
    pub dates: String,
    /// Where each date ends in `dates`.
    pub date_ends: Vec<u32>,
    /// Every `eventId`, 32 lowercase hex digits each.
    pub event_ids: String,
}

impl<'a> IntoIterator for &'a Events {
    type Item = Event;
    type IntoIter = Box<dyn ExactSizeIterator<Item = Event> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl IntoIterator for Events {
    type Item = Event;
    type IntoIter = std::vec::IntoIter<Event>;
    fn into_iter(self) -> Self::IntoIter {
        self.to_vec().into_iter()
    }
}

/// As a sequence of [`Event`] objects, the shape `notify` and the hosts read.
impl Serialize for Events {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len()))?;
        for e in self {
            seq.serialize_element(&e)?;
        }
        seq.end()
    }
}

/// `h` as 32 lowercase hex digits, appended.
pub fn push_hex(h: u128, out: &mut String) {
    let mut buf = [0u8; 32];
    hex_into(h, &mut buf);
    // Hex digits are ASCII: every byte is a char.
    out.extend(buf.iter().map(|&b| b as char));
}

/// `h` as 32 lowercase hex digits (ASCII) in `out`.
fn hex_into(h: u128, out: &mut [u8; 32]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in h.to_be_bytes().iter().enumerate() {
        out[2 * i] = HEX[(b >> 4) as usize];
        out[2 * i + 1] = HEX[(b & 15) as usize];
    }
}

/// The event's `date` (ISO UTC, ms), appended without allocating for years 0000-9999.
pub fn push_date(ms: i64, out: &mut String) {
    let mut buf = [0u8; 24];
    match iso_utc_into(ms, &mut buf) {
        Some(text) => out.push_str(text),
        None => out.push_str(&iso_utc(ms)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_give_back_each_event_as_pushed() {
        let mut ev = Events::new("contacts", Some("infusionsoftrest"));
        ev.push(EventType::Created, "a", 1_000, 0xab, None);
        ev.push(EventType::Updated, "é-2", -1, u128::MAX, None);
        ev.push(EventType::Updated, "", 253_402_300_800_000, 1, None);
        assert_eq!(ev.len(), 3);
        assert_eq!((ev.object_id(0), ev.object_id(1), ev.object_id(2)), ("a", "é-2", ""));
        let e = ev.get(1).unwrap();
        assert_eq!((e.event_type, e.object_type.as_str(), e.element_key.as_deref()), (EventType::Updated, "contacts", Some("infusionsoftrest")));
        assert_eq!((e.date.as_str(), e.instant), ("1969-12-31T23:59:59.999Z", -1));
        assert_eq!(e.event_id, "f".repeat(32));
        assert_eq!(ev.event_id(0), format!("{:032x}", 0xab));
        // Year 10000: the slow path of the date writer.
        assert_eq!(ev.get(2).unwrap().date, iso_utc(253_402_300_800_000));
        assert!(ev.get(3).is_none());
        let json = serde_json::to_value(&ev).unwrap();
        assert_eq!(json[0]["objectId"], "a");
        assert_eq!(json.as_array().unwrap().len(), 3);
    }

    #[test]
    fn dates_written_in_place_match_the_formatter() {
        let mut s = String::new();
        for ms in [i64::MIN / 4, -62_167_219_200_001, 0, 1_704_067_200_123, 253_402_300_799_999, 253_402_300_800_000] {
            s.clear();
            push_date(ms, &mut s);
            assert_eq!(s, iso_utc(ms), "{ms}");
        }
    }

    /// Issue 13 (mutation testing): the columns a host reads without `get` (src/wasm.rs builds
    /// its JS events from them; no native test reads them otherwise) say what `get` says.
    #[test]
    fn the_columns_a_host_reads_agree_with_get() {
        let empty = Events::new("deals", None);
        assert!(empty.is_empty() && !empty.has_raw());
        assert_eq!((empty.object_type(), empty.element_key()), ("deals", None));
        let mut ev = Events::new("contacts", Some("infusionsoftrest"));
        ev.push(EventType::Created, "a", 1_000, 0xab, Some(None));
        ev.push(EventType::Updated, "bc", -7, u128::MAX - 1, Some(Some(serde_json::json!({"id": "bc"}))));
        assert!(!ev.is_empty() && ev.has_raw());
        assert_eq!((ev.object_type(), ev.element_key()), ("contacts", Some("infusionsoftrest")));
        assert_eq!((ev.ids(), ev.id_ends()), ("abc", &[1u32, 3][..]));
        assert_eq!((ev.types(), ev.instants()), (&[EventType::Created, EventType::Updated][..], &[1_000i64, -7][..]));
        assert_eq!((ev.event_type(1), ev.instant(1), ev.hash(0), ev.hash(1)), (EventType::Updated, -7, 0xab, u128::MAX - 1));
        assert_eq!((ev.raw(0), ev.raw(1)), (None, Some(&serde_json::json!({"id": "bc"}))));
        let owned: Vec<Event> = (&ev).into_iter().collect();
        assert_eq!(owned, ev.clone().into_iter().collect::<Vec<_>>());
        assert_eq!(owned.iter().map(|e| e.object_id.as_str()).collect::<Vec<_>>(), ["a", "bc"]);
        // The text columns: each date and eventId where its end says, as `get` writes them,
        // on the fixed layout (every year in 0000-9999) and on the general one (a year past
        // 9999 is longer than 24 bytes).
        let check = |ev: &Events| {
            let text = ev.text_columns();
            let mut start = 0;
            for (i, &end) in text.date_ends.iter().enumerate() {
                let e = ev.get(i).unwrap();
                assert_eq!(&text.dates[start..end as usize], e.date);
                assert_eq!(&text.event_ids[32 * i..32 * i + 32], e.event_id);
                start = end as usize;
            }
            assert_eq!((text.date_ends.len(), text.dates.len(), text.event_ids.len()), (ev.len(), start, 32 * ev.len()));
            text
        };
        assert_eq!(check(&ev).date_ends, [24, 48]);
        ev.push(EventType::Updated, "d", 253_402_300_800_000, 5, Some(None));
        ev.push(EventType::Created, "e", 0, 6, Some(None));
        assert_eq!(check(&ev).date_ends, [24, 48, 74, 98]);
        assert_eq!(Events::new("deals", None).text_columns(), TextColumns::default());
    }
}
