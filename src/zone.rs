//! Zone names to rules: GMT/UTC, fixed offsets in every spelling people write, Java's short
//! ids (as `java.time.ZoneId.SHORT_IDS` maps them) and every IANA zone (our own compact table,
//! generated from chrono-tz: see [`Tz`] and `src/zone/tzdata.bin`).
//!
//! The table stops where chrono-tz's does, at the end of 2099; after that an IANA zone keeps the
//! offset of its last transition (the JDK extends the DST rules forever). Polling is about recent
//! dates, so the difference is documented rather than worked around.

use crate::diag::Error;
use std::sync::OnceLock;

/// A time zone: what turns an instant into local time and back. Small and `Copy`: IANA rules are shared in one table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset east of UTC, in seconds. `GMT` is `Fixed(0)`.
    Fixed(i32),
    /// `UTC` (offset 0), kept apart from GMT only because `z` spells the two differently.
    Utc,
    /// An IANA zone.
    Tz(Tz),
}

/// java.time `ZoneId.SHORT_IDS` (JDK 17). The three fixed ones are offsets there, not zones.
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("EST", "-05:00"),
    ("HST", "-10:00"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("MST", "-07:00"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
];

/// Epoch seconds chrono can represent comfortably; offsets outside are looked up at the edge.
const MAX_SECS: i64 = 8_000_000_000_000;

/// Every IANA zone's UTC offsets, written by `examples/gen_zones.rs` from chrono-tz (regenerate
/// with `cargo run --release --example gen_zones`; `tests/zone_table.rs` compares the two).
///
/// Format (all integers LEB128 varints; "zz" = zigzag-encoded signed):
/// ```text
/// zones  names_len  names (names_len bytes, UTF-8, '\n'-separated, chrono-tz's TZ_VARIANTS order)
/// distinct  table_index × zones  table_len × distinct  table × distinct
/// table := zz(first offset, s)  k  time × k  zz(offset - previous offset) × k  period  repeats
/// ```
/// A transition's `time` is its UTC second minus the previous one's (the first one's minus
/// -4,200,000,000), as `minutes << 1` when a whole number of minutes, else `seconds << 1 | 1`.
/// After the `k` listed transitions come `repeats` more, each the one `period` before it
/// 28 years (10,227 days) later with the same offset: DST rules repeat on that cycle within
/// 1901..2099, so a zone's regular tail up to 2099 is stored once.
/// Before its first transition a zone has the first offset; from a transition on, its offset.
/// Aliases (zones with identical tables) share one table.
static TZDATA: &[u8] = include_bytes!("zone/tzdata.bin");
const TZ_BASE: i64 = -4_200_000_000;
const TZ_CYCLE: i64 = 10_227 * 86_400;

/// An IANA zone: an index into the embedded table.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tz(u16);

impl std::fmt::Debug for Tz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Tz {
    /// The IANA name, e.g. `America/Los_Angeles`.
    pub fn name(self) -> &'static str {
        index().names[self.0 as usize]
    }

    /// Every IANA zone, in chrono-tz's `TZ_VARIANTS` order.
    pub fn all() -> impl Iterator<Item = Tz> {
        (0..index().names.len() as u16).map(Tz)
    }

    /// The zone with exactly this name.
    pub fn from_name(name: &str) -> Option<Tz> {
        index().names.iter().position(|n| *n == name).map(|i| Tz(i as u16))
    }

    /// The offset east of UTC, in seconds, at a UTC second.
    pub fn offset_at_secs(self, secs: i64) -> i32 {
        let ix = index();
        let t = ix.tables[self.0 as usize] as usize;
        let r = ix.rules[t].get_or_init(|| Rules::decode(ix.data[t]));
        let i = r.times.partition_point(|&t| t <= secs);
        if i == 0 { r.first } else { r.offsets[i - 1] }
    }

    /// The UTC seconds at which the offset changes, with the offset from then on (for tests).
    pub fn transitions(self) -> Vec<(i64, i32)> {
        let ix = index();
        let t = ix.tables[self.0 as usize] as usize;
        let r = ix.rules[t].get_or_init(|| Rules::decode(ix.data[t]));
        r.times.iter().copied().zip(r.offsets.iter().copied()).collect()
    }
}

struct Index {
    names: Vec<&'static str>,
    /// Per zone, its table.
    tables: Vec<u16>,
    /// Per table, its encoded bytes and, once used, its decoded rules.
    data: Vec<&'static [u8]>,
    rules: Vec<OnceLock<Rules>>,
}

struct Rules {
    first: i32,
    times: Box<[i64]>,
    offsets: Box<[i32]>,
}

fn varint(b: &mut &'static [u8]) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some((&byte, rest)) = b.split_first() {
        *b = rest;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

fn zigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut b = TZDATA;
        let zones = varint(&mut b) as usize;
        let names_len = varint(&mut b) as usize;
        let (names, rest) = b.split_at(names_len);
        b = rest;
        let names: Vec<&'static str> = std::str::from_utf8(names).unwrap_or_default().split('\n').collect();
        let distinct = varint(&mut b) as usize;
        let tables: Vec<u16> = (0..zones).map(|_| varint(&mut b) as u16).collect();
        let lens: Vec<usize> = (0..distinct).map(|_| varint(&mut b) as usize).collect();
        let data = lens
            .into_iter()
            .map(|n| {
                let (d, rest) = b.split_at(n);
                b = rest;
                d
            })
            .collect();
        Index { names, tables, data, rules: (0..distinct).map(|_| OnceLock::new()).collect() }
    })
}

impl Rules {
    fn decode(mut b: &'static [u8]) -> Rules {
        let first = zigzag(varint(&mut b)) as i32;
        let k = varint(&mut b) as usize;
        let (mut times, mut offsets) = (Vec::with_capacity(k), Vec::with_capacity(k));
        let mut t = TZ_BASE;
        for _ in 0..k {
            let d = varint(&mut b);
            t += if d & 1 == 0 { (d >> 1) as i64 * 60 } else { (d >> 1) as i64 };
            times.push(t);
        }
        let mut o = first;
        for _ in 0..k {
            o += zigzag(varint(&mut b)) as i32;
            offsets.push(o);
        }
        let period = varint(&mut b) as usize;
        let repeats = varint(&mut b) as usize;
        for i in k..k + repeats {
            // The generator only writes a period within the listed transitions.
            let Some(j) = i.checked_sub(period).filter(|_| period > 0) else { break };
            times.push(times[j] + TZ_CYCLE);
            offsets.push(offsets[j]);
        }
        Rules { first, times: times.into(), offsets: offsets.into() }
    }
}

impl Zone {
    /// UTC, spelled `UTC` by `z`.
    pub const UTC: Zone = Zone::Utc;
    /// GMT, offset 0, spelled `GMT` by `z`.
    pub const GMT: Zone = Zone::Fixed(0);

    /// A zone by name: `GMT`, `UTC`, `Z`, an offset (`+05:30`,
    /// `GMT+05:30`), a Java short id or an IANA name; an unknown name is `zone.unknown` with
    /// the closest names.
    pub fn parse(name: &str) -> Result<Zone, Error> {
        Zone::lookup(name).ok_or_else(|| Zone::unknown(name))
    }

    /// [`Zone::parse`] without the error: `None` for an unknown name, at no more cost than a
    /// known one (the "did you mean" search of [`Zone::unknown`] is not made).
    pub fn lookup(name: &str) -> Option<Zone> {
        let n = name.trim();
        match n {
            "GMT" | "Z" | "UT" | "Etc/GMT" => return Some(Zone::GMT),
            "UTC" | "Etc/UTC" => return Some(Zone::Utc),
            _ => {}
        }
        if let Some(z) = parse_offset_zone(n) {
            return Some(z);
        }
        if let Some((_, target)) = SHORT_IDS.iter().find(|(id, _)| *id == n) {
            return Zone::lookup(target);
        }
        if let Some(tz) = Tz::from_name(n) {
            return Some(Zone::Tz(tz));
        }
        // People type zone names in any case; the exact spelling is only a convenience.
        if n.is_ascii() && !n.is_empty() {
            if let Some(tz) = Tz::all().find(|tz| tz.name().eq_ignore_ascii_case(n)) {
                return Some(Zone::Tz(tz));
            }
            for (id, target) in SHORT_IDS {
                if id.eq_ignore_ascii_case(n) {
                    return Zone::lookup(target);
                }
            }
            for fixed in ["GMT", "UTC", "UT", "Z"] {
                if fixed.eq_ignore_ascii_case(n) {
                    return Zone::lookup(fixed);
                }
            }
        }
        None
    }

    /// The error of an unknown zone name, with the closest known names (a search over every
    /// name: ~0.5 ms).
    pub fn unknown(name: &str) -> Error {
        let n = name.trim();
        let close = suggestions(n);
        let e = Error::new(
            "zone.unknown",
            if close.is_empty() {
                format!("unknown time zone {name:?}")
            } else {
                format!("unknown time zone {name:?}; did you mean {}?", close.join(", "))
            },
        );
        e.with_hint("use GMT, UTC, a fixed offset such as -08:00, a Java short id such as PST, or an IANA name such as America/Los_Angeles")
    }

    /// Offset east of UTC, in seconds, in force at the UTC instant `ms`.
    pub fn offset_at(&self, ms: i64) -> i32 {
        match *self {
            Zone::Fixed(s) => s,
            Zone::Utc => 0,
            Zone::Tz(tz) => tz_offset(tz, ms.div_euclid(1000)),
        }
    }

    /// The UTC instant of a local wall-clock time (ms since the epoch, read as if UTC).
    /// A time in a gap moves forward by the gap; one in a fold takes the earlier offset.
    #[inline(always)]
    pub fn local_to_utc(&self, local_ms: i64) -> i64 {
        local_ms.saturating_sub(self.offset_for_local(local_ms) as i64 * 1000)
    }

    /// The offset to subtract from a local wall-clock time, with java.time's gap/fold rule.
    /// (Inline for fixed offsets, which most APIs' dates are in: there a call per date costs
    /// more than the answer.)
    #[inline(always)]
    pub fn offset_for_local(&self, local_ms: i64) -> i32 {
        match *self {
            Zone::Fixed(s) => s,
            Zone::Utc => 0,
            Zone::Tz(tz) => Self::tz_offset_for_local(tz, local_ms),
        }
    }

    fn tz_offset_for_local(tz: Tz, local_ms: i64) -> i32 {
        let local = local_ms.div_euclid(1000);
        // Transitions are at least days apart in every zone that matters, so the offsets a day
        // either side are the only candidates.
        let before = tz_offset(tz, local.saturating_sub(86_400));
        let after = tz_offset(tz, local.saturating_add(86_400));
        let valid = |o: i32| tz_offset(tz, local.saturating_sub(o as i64)) == o;
        match (valid(before), valid(after)) {
            (true, true) => before.max(after),
            (true, false) => before,
            (false, true) => after,
            (false, false) => {
                let guess = tz_offset(tz, local);
                if valid(guess) {
                    guess
                } else {
                    // A gap: read the wall time with the offset before it, i.e. move forward.
                    before.min(after)
                }
            }
        }
    }

    /// `z`'s spelling: `GMT`, `UTC`, or `GMT+hh:mm`. IANA zones use the offset form because
    /// the JDK's localized names ("PDT") are a table we do not carry.
    pub fn short_name(&self, ms: i64) -> String {
        match *self {
            Zone::Utc => "UTC".into(),
            _ => gmt_offset_name(self.offset_at(ms)),
        }
    }

    /// `zzzz`'s spelling, with the same caveat as [`Zone::short_name`].
    pub fn long_name(&self, ms: i64) -> String {
        match *self {
            Zone::Utc => "Coordinated Universal Time".into(),
            Zone::Fixed(0) => "Greenwich Mean Time".into(),
            _ => gmt_offset_name(self.offset_at(ms)),
        }
    }
}

fn gmt_offset_name(off: i32) -> String {
    if off == 0 {
        return "GMT".into();
    }
    let sign = if off < 0 { '-' } else { '+' };
    let m = off.unsigned_abs() / 60;
    format!("GMT{sign}{:02}:{:02}", m / 60, m % 60)
}

fn tz_offset(tz: Tz, secs: i64) -> i32 {
    tz.offset_at_secs(secs.clamp(-MAX_SECS, MAX_SECS))
}

/// `GMT+01:00`, `UTC-3`, `+05:30`, `-8:00`, `+0530`, `+05`, `+05:30:00`.
fn parse_offset_zone(n: &str) -> Option<Zone> {
    let rest = n.strip_prefix("GMT").or_else(|| n.strip_prefix("UTC")).or_else(|| n.strip_prefix("UT")).unwrap_or(n);
    parse_offset(rest).map(Zone::Fixed)
}

/// A signed offset in seconds, up to ±18:00 as java.time allows.
pub(crate) fn parse_offset(s: &str) -> Option<i32> {
    let (sign, digits) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let parts: Vec<&str> = digits.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h] if h.len() <= 2 => (*h, "0", "0"),
        [hm] if hm.len() == 4 => (&hm[..2], &hm[2..], "0"),
        [hms] if hms.len() == 6 => (&hms[..2], &hms[2..4], &hms[4..]),
        [h, m] if h.len() <= 2 && m.len() == 2 => (*h, *m, "0"),
        [h, m, s] if h.len() <= 2 && m.len() == 2 && s.len() == 2 => (*h, *m, *s),
        _ => return None,
    };
    let (h, m, sec): (i32, i32, i32) = (h.parse().ok()?, m.parse().ok()?, sec.parse().ok()?);
    let total = h * 3600 + m * 60 + sec;
    (m < 60 && sec < 60 && total <= 18 * 3600).then_some(sign * total)
}

/// Up to three known names closest to `name`, by edit distance (case-insensitive), also
/// comparing the city part so `Kolkata` finds `Asia/Kolkata`.
fn suggestions(name: &str) -> Vec<String> {
    let lower: Vec<char> = name.chars().take(64).map(|c| c.to_ascii_lowercase()).collect();
    if lower.is_empty() {
        return Vec::new();
    }
    let limit = (lower.len() / 3).max(2);
    // The distance is at least the difference in length: skip what cannot be close.
    let near = |c: &str| c.len().abs_diff(lower.len()) <= limit;
    let mut scored: Vec<(usize, &str)> = Vec::new();
    let names = Tz::all().map(|t| t.name()).chain(SHORT_IDS.iter().map(|(id, _)| *id)).chain(["GMT", "UTC"]);
    // Buffers reused across the ~600 candidates: this runs on every unknown name.
    let mut cand_chars: Vec<char> = Vec::new();
    let mut rows = (Vec::new(), Vec::new());
    let mut distance = |name: &str, rows: &mut (Vec<usize>, Vec<usize>)| {
        cand_chars.clear();
        cand_chars.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        edit_distance(&lower, &cand_chars, rows)
    };
    for cand in names {
        let mut d = usize::MAX;
        if near(cand) {
            d = distance(cand, &mut rows);
        }
        if let Some(city) = cand.rsplit('/').next().filter(|c| c.len() < cand.len() && near(c)) {
            d = d.min(distance(city, &mut rows));
        }
        if d <= limit {
            scored.push((d, cand));
        }
    }
    scored.sort();
    scored.into_iter().take(3).map(|(_, n)| n.to_string()).collect()
}

fn edit_distance(a: &[char], b: &[char], (prev, cur): &mut (Vec<usize>, Vec<usize>)) -> usize {
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(prev, cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_offsets() {
        assert_eq!(Zone::parse("GMT").unwrap(), Zone::GMT);
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::UTC);
        assert_eq!(Zone::parse("-8:00").unwrap(), Zone::Fixed(-8 * 3600));
        assert_eq!(Zone::parse("GMT+05:30").unwrap(), Zone::Fixed(5 * 3600 + 1800));
        assert_eq!(Zone::parse("UTC-3").unwrap(), Zone::Fixed(-3 * 3600));
        assert_eq!(Zone::parse("+0530").unwrap(), Zone::Fixed(5 * 3600 + 1800));
        assert_eq!(Zone::parse("EST").unwrap(), Zone::Fixed(-5 * 3600));
        assert_eq!(Zone::parse("PST").unwrap(), Zone::Tz(Tz::from_name("America/Los_Angeles").unwrap()));
        assert_eq!(Zone::parse("IST").unwrap(), Zone::Tz(Tz::from_name("Asia/Kolkata").unwrap()));
        assert_eq!(Zone::parse("europe/paris").unwrap(), Zone::Tz(Tz::from_name("Europe/Paris").unwrap()));
        assert!(Zone::parse("+19:00").is_err());
    }

    #[test]
    fn unknown_zone_suggests_close_names() {
        let e = Zone::parse("Asia/Kolkatta").unwrap_err();
        assert_eq!(e.code, "zone.unknown");
        assert!(e.message.contains("Asia/Kolkatta") && e.message.contains("Asia/Kolkata"), "{}", e.message);
        let e = Zone::parse("Mars/Olympus").unwrap_err();
        assert_eq!(e.code, "zone.unknown");
    }

    #[test]
    fn gap_moves_forward_and_fold_takes_the_earlier_offset() {
        let ny = Zone::parse("America/New_York").unwrap();
        // 2024-03-10 02:30 does not exist: it is read as 03:30 EDT = 07:30Z.
        let gap = 1_710_037_800_000; // 2024-03-10T02:30 as if UTC
        assert_eq!(ny.local_to_utc(gap), gap + 5 * 3_600_000);
        // 2024-11-03 01:30 happens twice: the first, EDT (-4), wins.
        let fold = 1_730_597_400_000; // 2024-11-03T01:30 as if UTC
        assert_eq!(ny.local_to_utc(fold), fold + 4 * 3_600_000);
    }
}
