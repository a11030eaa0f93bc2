//! Reading only the fields detection needs out of raw response bytes.
//!
//! A hand-rolled, allocation-free JSON scanner: the body is walked once, the records array is
//! found by its path, and inside each record only the keys on one of the wanted paths (id,
//! dates) are decoded. Everything else is validated and skipped at byte speed: string bodies,
//! which are most of a body's bytes, are crossed 16 bytes at a time (wasm `simd128` when the
//! build enables it, SSE2 natively, 8-byte SWAR otherwise) looking only for `"`, `\` and
//! control characters. Strings without escapes come back borrowed from the body, so a record
//! costs no allocation unless it is emitted (the only other allocations: a wanted string with
//! escapes, a skipped value nested deeper than 64 levels, an error message).
//!
//! On a dotted path (`m.d`), a parent that is not an object (`"m": null`) leaves the field
//! missing; the serde visitor before marked the whole record "not an object".
//!
//! Accept/reject matches serde_json (`from_slice` with `IgnoredAny` for skipped values, which
//! is what this module used before, and what its property test compares against): the full
//! JSON grammar is checked everywhere; UTF-8 is checked in keys on the way to the records and
//! in the records, and in decoded values, but not inside skipped strings (serde does not
//! either, and a stray Latin-1 byte in a description must not fail a poll).

use crate::config::field::Segment;
use std::borrow::Cow;
use std::fmt;

/// How many fields one record yields: id, driving date, other date.
pub(crate) const SLOTS: usize = 3;

/// How many wanted paths a plan may hold (each fills one of the SLOTS; a slot may be named
/// twice, the later match wins).
const WANTED: usize = 8;

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

/// A record's JSON text, borrowed from the body (what `serde_json::value::RawValue` gave).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Raw<'a>(&'a str);

impl<'a> Raw<'a> {
    pub fn get(&self) -> &'a str {
        self.0
    }
}

/// The fields of one record, by slot; `not_object` when the array element was no object.
#[derive(Debug, Default)]
pub(crate) struct Fields<'a> {
    pub slots: [Scalar<'a>; SLOTS],
    pub not_object: bool,
    pub raw: Option<Raw<'a>>,
}

/// Field paths, parsed once ([`crate::config::FieldPath`]): the records array and the wanted fields.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub records: Vec<Segment>,
    pub fields: Vec<(usize, Vec<Segment>)>,
    pub raw: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Eof,
    Syntax,
    NoRecords,
}

/// Why a body was refused. `is_syntax`/`is_eof` keep the meaning serde_json's error had for
/// the caller: either means "not JSON"; neither means JSON without the records array.
#[derive(Clone, Debug)]
pub(crate) struct ScanError {
    kind: Kind,
    msg: Cow<'static, str>,
    line: usize,
    column: usize,
}

impl ScanError {
    pub fn is_syntax(&self) -> bool {
        self.kind == Kind::Syntax
    }
    pub fn is_eof(&self) -> bool {
        self.kind == Kind::Eof
    }
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Kind::NoRecords => f.write_str(&self.msg),
            _ => write!(f, "{} at line {} column {}", self.msg, self.line, self.column),
        }
    }
}

impl std::error::Error for ScanError {}

/// Calls `f(index, fields)` for every element of the records array in `body`.
pub(crate) fn scan<'de, F>(body: &'de [u8], plan: &Plan, f: F) -> Result<usize, ScanError>
where
    F: FnMut(usize, Fields<'de>),
{
    let mut wanted = Wanted::default();
    for (slot, path) in &plan.fields {
        // An empty path names no key, and a slot past SLOTS has nowhere to go: neither matches.
        // Detection asks for three paths at most; WANTED leaves room.
        if !path.is_empty() && *slot < SLOTS && wanted.n < WANTED {
            wanted.push(*slot, path);
        }
    }
    let mut p = Parser { b: body, i: 0 };
    let mut walk = Walk { plan, wanted, f, count: 0, found: false };
    let mut run = || {
        p.ws();
        walk.value(&mut p, 0)?;
        p.ws();
        if p.i < body.len() {
            return Err(p.error(Kind::Syntax, "trailing characters"));
        }
        Ok(())
    };
    run().map_err(|e| e.locate(body))?;
    if !walk.found {
        return Err(ScanError {
            kind: Kind::NoRecords,
            msg: format!("no records array at {:?}", crate::config::FieldPath::from_segments(plan.records.clone()).to_string()).into(),
            line: 0,
            column: 0,
        });
    }
    Ok(walk.count)
}

/// The wanted paths whose remaining part starts at the current object, without allocating.
#[derive(Clone, Copy, Default)]
struct Wanted<'p> {
    n: usize,
    items: [(usize, &'p [Segment]); WANTED],
    /// Bit `k` set when a path's next key is `k` bytes long (63: that long or longer). Most
    /// keys of a record have a length no wanted key has, and skip the comparisons.
    lengths: u64,
}

impl<'p> Wanted<'p> {
    fn push(&mut self, slot: usize, path: &'p [Segment]) {
        self.items[self.n] = (slot, path);
        self.n += 1;
        if let Segment::Key(k) = &path[0] {
            self.lengths |= 1 << k.len().min(63);
        }
    }

    #[inline(always)]
    fn may_match(&self, key: &[u8]) -> bool {
        self.lengths >> key.len().min(63) & 1 != 0
    }
}

/// The open containers of a skipped value, one bit each (`true`: object). The first 64 levels
/// live in a word; only a deeper (hostile) body spills to the heap.
#[derive(Default)]
struct Containers {
    top: u64,
    bits: u32,
    spill: Vec<u64>,
}

impl Containers {
    #[inline(always)]
    fn push(&mut self, object: bool) {
        if self.bits == 64 {
            self.spill.push(self.top);
            self.bits = 0;
        }
        self.top = (self.top << 1) | u64::from(object);
        self.bits += 1;
    }

    #[inline(always)]
    fn top(&self) -> Option<bool> {
        (self.bits > 0).then_some(self.top & 1 == 1)
    }

    #[inline(always)]
    fn pop(&mut self) {
        self.top >>= 1;
        self.bits -= 1;
        if self.bits == 0
            && let Some(word) = self.spill.pop()
        {
            self.top = word;
            self.bits = 64;
        }
    }
}

struct Walk<'p, F> {
    plan: &'p Plan,
    wanted: Wanted<'p>,
    f: F,
    count: usize,
    found: bool,
}

impl<'p, F> Walk<'p, F> {
    /// A value at `level` of the records path (recursion bounded by the path's length).
    fn value<'de>(&mut self, p: &mut Parser<'de>, level: usize) -> Result<(), Fail>
    where
        F: FnMut(usize, Fields<'de>),
    {
        let want = self.plan.records.get(level);
        match (p.peek(), want) {
            (Some(b'['), None) => {
                self.found = true;
                p.i += 1;
                self.records(p)
            }
            (Some(b'['), Some(Segment::Index(want))) => {
                p.i += 1;
                p.ws();
                if p.peek() == Some(b']') {
                    p.i += 1;
                    return Ok(());
                }
                let mut n = 0usize;
                loop {
                    p.ws();
                    if !self.found && n == *want {
                        self.value(p, level + 1)?;
                    } else {
                        p.skip_any()?;
                    }
                    n += 1;
                    if p.next_member(b']')? {
                        return Ok(());
                    }
                }
            }
            (Some(b'{'), Some(Segment::Key(want))) => {
                p.i += 1;
                p.ws();
                if p.peek() == Some(b'}') {
                    p.i += 1;
                    return Ok(());
                }
                loop {
                    let key = p.key()?;
                    p.colon()?;
                    if !self.found && key == want.as_str() {
                        self.value(p, level + 1)?;
                    } else {
                        p.skip_value()?;
                    }
                    if p.next_member(b'}')? {
                        return Ok(());
                    }
                }
            }
            _ => p.skip_any(),
        }
    }

    fn records<'de>(&mut self, p: &mut Parser<'de>) -> Result<(), Fail>
    where
        F: FnMut(usize, Fields<'de>),
    {
        p.ws();
        if p.peek() == Some(b']') {
            p.i += 1;
            return Ok(());
        }
        loop {
            p.ws();
            let start = p.i;
            let mut fields = Fields::default();
            if p.peek() == Some(b'{') {
                p.i += 1;
                p.object(&self.wanted, &mut fields)?;
            } else {
                p.skip_any()?;
                fields.not_object = true;
            }
            if self.plan.raw {
                let text = std::str::from_utf8(&p.b[start..p.i])
                    .map_err(|e| p.error_at(start + e.valid_up_to(), Kind::Syntax, "invalid unicode code point"))?;
                fields.raw = Some(Raw(text));
            }
            (self.f)(self.count, fields);
            self.count += 1;
            if p.next_member(b']')? {
                return Ok(());
            }
        }
    }
}

/// A failure inside the scanner: small, so that every `Result` on the hot path stays small;
/// lines and columns are counted once, on the way out.
#[derive(Clone, Copy, Debug)]
struct Fail {
    kind: Kind,
    msg: &'static str,
    at: usize,
}

impl Fail {
    #[cold]
    fn locate(self, body: &[u8]) -> ScanError {
        let before = &body[..self.at.min(body.len())];
        let line = before.iter().filter(|&&c| c == b'\n').count() + 1;
        let column = before.len() - before.iter().rposition(|&c| c == b'\n').map_or(0, |n| n + 1) + 1;
        ScanError { kind: self.kind, msg: self.msg.into(), line, column }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips whitespace. Bodies from APIs rarely have any between tokens, so one compare
    /// (every token byte is above the space) decides the common case.
    #[inline(always)]
    fn ws(&mut self) {
        if let Some(&c) = self.b.get(self.i)
            && c <= b' '
        {
            self.ws_run();
        }
    }

    fn ws_run(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    #[cold]
    fn error_at(&self, at: usize, kind: Kind, msg: &'static str) -> Fail {
        Fail { kind, msg, at }
    }

    #[cold]
    fn error(&self, kind: Kind, msg: &'static str) -> Fail {
        self.error_at(self.i, kind, msg)
    }

    /// Something else than `expected` at the cursor: the end of the body or a wrong byte.
    #[cold]
    fn unexpected(&self, expected: &'static str) -> Fail {
        if self.i >= self.b.len() { self.error(Kind::Eof, "EOF while parsing a value") } else { self.error(Kind::Syntax, expected) }
    }

    #[inline(always)]
    fn colon(&mut self) -> Result<(), Fail> {
        if self.peek() == Some(b':') {
            self.i += 1;
            self.ws();
            return Ok(());
        }
        self.colon_spaced()
    }

    fn colon_spaced(&mut self) -> Result<(), Fail> {
        self.ws();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("expected `:`"));
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    /// After a member of an array or object: `true` at its `close`, `false` after a comma.
    /// (Compares in a chain rather than a `match`, which wasm builds turn into a jump table
    /// whose indirect branch costs more than the two compares.)
    #[inline(always)]
    fn next_member(&mut self, close: u8) -> Result<bool, Fail> {
        self.ws();
        let c = self.peek();
        if c == Some(b',') {
            self.i += 1;
            Ok(false)
        } else if c == Some(close) {
            self.i += 1;
            Ok(true)
        } else {
            Err(self.unexpected(if close == b']' { "expected `,` or `]`" } else { "expected `,` or `}`" }))
        }
    }

    /// With the cursor after an opening quote: moves past the closing one, checking escapes
    /// and control characters. Returns the content's end and whether it holds escapes.
    #[inline(always)]
    fn string(&mut self) -> Result<(usize, bool), Fail> {
        let mut escaped = false;
        loop {
            let (at, quote) = wide::find(self.b, self.i);
            if quote {
                self.i = at + 1;
                return Ok((at, escaped));
            }
            self.i = at;
            match self.peek() {
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(_) => return Err(self.error(Kind::Syntax, "control character (\\u0000-\\u001F) found while parsing a string")),
                None => return Err(self.error(Kind::Eof, "EOF while parsing a string")),
            }
        }
    }

    #[cold]
    fn escape(&mut self) -> Result<(), Fail> {
        self.i += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
            Some(b'u') => {
                self.i += 1;
                for _ in 0..4 {
                    match self.peek() {
                        Some(c) if c.is_ascii_hexdigit() => self.i += 1,
                        Some(_) => return Err(self.error(Kind::Syntax, "invalid escape")),
                        None => return Err(self.error(Kind::Eof, "EOF while parsing a string")),
                    }
                }
            }
            Some(_) => return Err(self.error(Kind::Syntax, "invalid escape")),
            None => return Err(self.error(Kind::Eof, "EOF while parsing a string")),
        }
        Ok(())
    }

    /// Like `string`, for text that is read (keys, wanted values), also noting whether every
    /// byte is ASCII so that UTF-8 needs no second look.
    #[inline(always)]
    fn string_read(&mut self) -> Result<(usize, bool, bool), Fail> {
        let (mut escaped, mut ascii) = (false, true);
        loop {
            let (at, quote) = wide::find_read(self.b, self.i);
            if quote {
                self.i = at + 1;
                return Ok((at, escaped, ascii));
            }
            self.i = at;
            match self.peek() {
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(0x80..=0xff) => {
                    ascii = false;
                    self.i += 1;
                }
                Some(_) => return Err(self.error(Kind::Syntax, "control character (\\u0000-\\u001F) found while parsing a string")),
                None => return Err(self.error(Kind::Eof, "EOF while parsing a string")),
            }
        }
    }

    /// A string that is read, not skipped: borrowed when it has no escapes.
    fn string_value(&mut self) -> Result<Cow<'a, str>, Fail> {
        let start = self.i;
        let (end, escaped, ascii) = self.string_read()?;
        if escaped || !ascii {
            return self.text(start, end, escaped);
        }
        // SAFETY: every byte is below 0x80 (`string_read` saw no other), so this is UTF-8.
        Ok(Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(&self.b[start..end]) }))
    }

    /// The text of a string with escapes or non-ASCII bytes: decoded, or checked as UTF-8.
    #[cold]
    fn text(&self, start: usize, end: usize, escaped: bool) -> Result<Cow<'a, str>, Fail> {
        let raw = &self.b[start..end];
        if escaped {
            decode(raw).map(Cow::Owned).map_err(|(at, msg)| self.error_at(start + at, Kind::Syntax, msg))
        } else {
            std::str::from_utf8(raw)
                .map(Cow::Borrowed)
                .map_err(|e| self.error_at(start + e.valid_up_to(), Kind::Syntax, "invalid unicode code point"))
        }
    }

    /// An object key, with the cursor before its opening quote (after whitespace or not).
    #[inline(always)]
    fn key(&mut self) -> Result<Cow<'a, str>, Fail> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("key must be a string"));
        }
        self.i += 1;
        self.string_value()
    }

    /// The members of a record (or of a nested object on a wanted path), with the cursor
    /// after `{`. `wanted` holds the slots whose remaining path starts here.
    fn object(&mut self, wanted: &Wanted<'_>, out: &mut Fields<'a>) -> Result<(), Fail> {
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            // A record's keys are read on the spot, as bytes: a key is compared, never kept,
            // and most are plain ASCII without escapes.
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.unexpected("key must be a string"));
            }
            self.i += 1;
            let start = self.i;
            let (end, escaped, ascii) = self.string_read()?;
            let text;
            let key: &[u8] = if escaped || !ascii {
                text = self.text(start, end, escaped)?;
                text.as_bytes()
            } else {
                &self.b[start..end]
            };
            self.colon()?;
            let mut leaf = None;
            // Which wanted paths go deeper through this key, as bits: most keys match none,
            // and building the next level's `Wanted` is only worth it when one does.
            let mut through = 0u32;
            let candidates = if wanted.may_match(key) { &wanted.items[..wanted.n] } else { &[] };
            for (k, &(slot, path)) in candidates.iter().enumerate() {
                if matches!(&path[0], Segment::Key(name) if same(name.as_bytes(), key)) {
                    if path.len() == 1 {
                        leaf = Some(slot);
                    } else {
                        through |= 1 << k;
                    }
                }
            }
            self.member(wanted, leaf, through, out)?;
            if self.next_member(b'}')? {
                return Ok(());
            }
        }
    }

    /// The value of a member (or element) that `leaf` or the paths in `through` go on into.
    #[inline(always)]
    fn member(&mut self, wanted: &Wanted<'_>, leaf: Option<usize>, through: u32, out: &mut Fields<'a>) -> Result<(), Fail> {
        if let Some(slot) = leaf {
            self.scalar(&mut out.slots[slot])
        } else if through != 0 {
            let mut deeper = Wanted::default();
            for (k, &(slot, path)) in wanted.items[..wanted.n].iter().enumerate() {
                if through & (1 << k) != 0 {
                    deeper.push(slot, &path[1..]);
                }
            }
            match self.peek() {
                Some(b'{') => {
                    self.i += 1;
                    self.object(&deeper, out)
                }
                Some(b'[') => {
                    self.i += 1;
                    self.array(&deeper, out)
                }
                // A scalar where a path goes deeper leaves its fields missing.
                _ => self.skip_any(),
            }
        } else {
            self.skip_value()
        }
    }

    /// The elements of an array on a wanted path (`items[0].created`), with the cursor after
    /// `[`. Only the paths whose next segment is an index look at it; the rest stay missing.
    #[cold]
    fn array(&mut self, wanted: &Wanted<'_>, out: &mut Fields<'a>) -> Result<(), Fail> {
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        let mut n = 0usize;
        loop {
            self.ws();
            let mut leaf = None;
            let mut through = 0u32;
            for (k, &(slot, path)) in wanted.items[..wanted.n].iter().enumerate() {
                if path[0] == Segment::Index(n) {
                    if path.len() == 1 {
                        leaf = Some(slot);
                    } else {
                        through |= 1 << k;
                    }
                }
            }
            self.member(wanted, leaf, through, out)?;
            n += 1;
            if self.next_member(b']')? {
                return Ok(());
            }
        }
    }

    /// A value at a wanted path into `dst`, cursor at its first byte. Written in place: a
    /// `Scalar` returned through memory and copied on is read back whole right after the
    /// callee wrote it field by field, a store-forwarding stall on every wanted field.
    #[inline(never)]
    fn scalar(&mut self, dst: &mut Scalar<'a>) -> Result<(), Fail> {
        let other = match self.peek() {
            Some(b'"') => {
                self.i += 1;
                let start = self.i;
                let (end, escaped, ascii) = self.string_read()?;
                // Each branch stores its own value: merged, the two would meet in a temporary
                // that is copied on with wider loads than the stores that wrote it.
                if escaped || !ascii {
                    *dst = Scalar::Str(self.text(start, end, escaped)?);
                } else {
                    // SAFETY: every byte is below 0x80 (`string_read` saw no other), so this is UTF-8.
                    *dst = Scalar::Str(Cow::Borrowed(unsafe { std::str::from_utf8_unchecked(&self.b[start..end]) }));
                }
                return Ok(());
            }
            Some(b'-' | b'0'..=b'9') => {
                *dst = self.number()?;
                return Ok(());
            }
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            _ => return Err(self.unexpected("expected value")),
        };
        self.skip_value()?;
        *dst = Scalar::Other(other);
        Ok(())
    }

    /// Moves past a number, checking its grammar; `true` when it has no fraction or exponent.
    #[inline(always)]
    fn skip_number(&mut self) -> Result<bool, Fail> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.i += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error(Kind::Syntax, "invalid number"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("invalid number")),
        }
        let mut int = true;
        if self.peek() == Some(b'.') {
            self.i += 1;
            int = false;
            self.some_digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            int = false;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
        }
        Ok(int)
    }

    #[inline(always)]
    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), Fail> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.unexpected("invalid number"));
        }
        self.digits();
        Ok(())
    }

    /// A number at a wanted path, typed the way serde_json types it: non-negative integers
    /// as `UInt`, negative ones as `Int`, the rest (and `-0`, and integers past 64 bits) as
    /// `Float`.
    #[inline(always)]
    fn number(&mut self) -> Result<Scalar<'a>, Fail> {
        let start = self.i;
        let int = self.skip_number()?;
        let text = &self.b[start..self.i];
        if int {
            let (neg, digits) = match text {
                [b'-', rest @ ..] => (true, rest),
                _ => (false, text),
            };
            // Up to 19 digits cannot overflow u64, so the common case needs no checked
            // arithmetic (which wasm32 lowers to a 128-bit multiply call).
            let (n, fits) = if digits.len() <= 19 {
                (digits.iter().fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')), true)
            } else {
                let mut n: u64 = 0;
                let fits = digits.iter().all(|&d| match n.checked_mul(10).and_then(|m| m.checked_add(u64::from(d - b'0'))) {
                    Some(m) => {
                        n = m;
                        true
                    }
                    None => false,
                });
                (n, fits)
            };
            if fits {
                if !neg {
                    return Ok(Scalar::UInt(n));
                }
                let v = (n as i64).wrapping_neg();
                return Ok(if v >= 0 { Scalar::Float(-(n as f64)) } else { Scalar::Int(v) });
            }
        }
        // The grammar was checked above, so the text is ASCII and Rust's float syntax accepts it.
        let x: f64 = std::str::from_utf8(text).ok().and_then(|t| t.parse().ok()).unwrap_or(f64::NAN);
        if !x.is_finite() {
            return Err(self.error_at(start, Kind::Syntax, "number out of range"));
        }
        Ok(Scalar::Float(x))
    }

    #[inline(always)]
    fn literal(&mut self, word: &'static [u8]) -> Result<(), Fail> {
        let end = self.i + word.len();
        match self.b.get(self.i..end) {
            Some(w) if same(w, word) => {
                self.i = end;
                Ok(())
            }
            _ => Err(self.wrong_literal(word)),
        }
    }

    /// Reports the first wrong byte of a literal, or the end of a truncated body.
    #[cold]
    fn wrong_literal(&mut self, word: &'static [u8]) -> Fail {
        let end = self.i + word.len();
        while self.i < end && self.peek() == Some(word[word.len() - (end - self.i)]) {
            self.i += 1;
        }
        self.unexpected("expected ident")
    }

    /// Skips one value, cursor at its first byte. Strings and numbers, most of what is
    /// skipped, go straight to their loops.
    #[inline(always)]
    fn skip_value(&mut self) -> Result<(), Fail> {
        match self.peek() {
            Some(b'"') => {
                self.i += 1;
                self.string().map(drop)
            }
            Some(b'-' | b'0'..=b'9') => self.skip_number().map(drop),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => self.skip_nested(),
        }
    }

    /// Skips any value. Iterative, one bit per open container (serde_json sets no depth limit
    /// on skipped values, so neither does this).
    fn skip_nested(&mut self) -> Result<(), Fail> {
        let mut open = Containers::default();
        loop {
            // One value.
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    self.string()?;
                }
                Some(c @ (b'{' | b'[')) => {
                    self.i += 1;
                    self.ws();
                    let close = if c == b'{' { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.i += 1;
                    } else {
                        open.push(c == b'{');
                        if c == b'{' {
                            self.member_key()?;
                        }
                        continue;
                    }
                }
                Some(b'-' | b'0'..=b'9') => {
                    self.skip_number()?;
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                _ => return Err(self.unexpected("expected value")),
            }
            // Then closers, until a comma asks for the next value or the outermost one is done.
            loop {
                let Some(object) = open.top() else { return Ok(()) };
                if self.next_member(if object { b'}' } else { b']' })? {
                    open.pop();
                } else {
                    if object {
                        self.member_key()?;
                    } else {
                        self.ws();
                    }
                    break;
                }
            }
        }
    }

    /// Where serde_json would decode the value (`deserialize_any`) rather than skip it, a
    /// scalar is checked as it would be: `1e999` or a lone surrogate there is an error.
    fn skip_any(&mut self) -> Result<(), Fail> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number().map(drop),
            Some(b'"') => {
                self.i += 1;
                self.string_value().map(drop)
            }
            _ => self.skip_value(),
        }
    }

    /// A skipped object's key and colon, leaving the cursor at the value.
    fn member_key(&mut self) -> Result<(), Fail> {
        self.ws();
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("key must be a string"));
        }
        self.i += 1;
        self.string()?;
        self.colon()
    }
}

/// `a == b` for short byte strings (keys), without a loop: the compiler turns a comparison
/// loop into a `memcmp` call, which wasm runs as an out-of-line byte loop.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Two overlapping words cover every length from one word to two; longer keys go on in
    // whole words first.
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().unwrap());
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().unwrap());
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => {
            let mut k = 0;
            while k + 8 < n {
                if word(a, k) != word(b, k) {
                    return false;
                }
                k += 8;
            }
            word(a, n - 8) == word(b, n - 8)
        }
    }
}

/// The last few bytes of a body, one at a time: the index of the first byte at or after `i`
/// that `stop` names (or `b.len()`), and whether it is a `"`.
#[cold]
#[inline(never)]
fn tail(b: &[u8], mut i: usize, stop: fn(u8) -> bool) -> (usize, bool) {
    while let Some(&c) = b.get(i) {
        if stop(c) {
            return (i, c == b'"');
        }
        i += 1;
    }
    (i, false)
}

/// The bytes that end a run of skipped string content: `"`, `\` and control characters.
fn is_special(c: u8) -> bool {
    c == b'"' || c == b'\\' || c < 0x20
}

/// The bytes that end a run of string content that is read (`string_read`): also non-ASCII
/// (noted, then passed).
fn stops_read(c: u8) -> bool {
    is_special(c) || c >= 0x80
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
#[path = "scan_simd128.rs"]
mod wide;

#[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
mod wide {
    use core::arch::x86_64::*;

    /// The index of the first `"`, `\` or control byte at or after `i` (or `b.len()`), and
    /// whether it is the `"`: told by the compare that found it, since reading the byte back
    /// would wait on a load. 16 bytes per step while 16 remain, then byte by byte.
    #[inline(always)]
    pub fn find(b: &[u8], mut i: usize) -> (usize, bool) {
        // SAFETY: SSE2 is enabled (the cfg above); every load reads 16 bytes inside `b`.
        unsafe {
            let (quote, backslash, low) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8), _mm_set1_epi8(0x1f));
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                let q = _mm_cmpeq_epi8(v, quote);
                // Unsigned `v < 0x20` is `min(v, 0x1f) == v`: SSE2 only compares signed bytes.
                let control = _mm_cmpeq_epi8(_mm_min_epu8(v, low), v);
                let hit = _mm_or_si128(_mm_or_si128(q, _mm_cmpeq_epi8(v, backslash)), control);
                let mask = _mm_movemask_epi8(hit);
                if mask != 0 {
                    return (i + mask.trailing_zeros() as usize, mask & mask.wrapping_neg() & _mm_movemask_epi8(q) != 0);
                }
                i += 16;
            }
        }
        super::tail(b, i, super::is_special)
    }

    /// Like `find`, also stopping at non-ASCII bytes.
    #[inline(always)]
    pub fn find_read(b: &[u8], mut i: usize) -> (usize, bool) {
        // SAFETY: as in `find`.
        unsafe {
            let (quote, backslash, space) = (_mm_set1_epi8(b'"' as i8), _mm_set1_epi8(b'\\' as i8), _mm_set1_epi8(0x20));
            while i + 16 <= b.len() {
                let v = _mm_loadu_si128(b.as_ptr().add(i) as *const __m128i);
                let q = _mm_cmpeq_epi8(v, quote);
                // Signed, bytes from 0x80 are negative: one compare finds control and non-ASCII.
                let hit = _mm_or_si128(_mm_or_si128(q, _mm_cmpeq_epi8(v, backslash)), _mm_cmplt_epi8(v, space));
                let mask = _mm_movemask_epi8(hit);
                if mask != 0 {
                    return (i + mask.trailing_zeros() as usize, mask & mask.wrapping_neg() & _mm_movemask_epi8(q) != 0);
                }
                i += 16;
            }
        }
        super::tail(b, i, super::stops_read)
    }
}

/// Without 128-bit SIMD, 8 bytes at a time in a plain word. Compiled for tests everywhere, so
/// that the unit tests check it against the byte loop on any machine.
#[cfg(not(any(all(target_arch = "wasm32", target_feature = "simd128"), all(target_arch = "x86_64", target_feature = "sse2"))))]
use swar as wide;

#[cfg(any(test, not(any(all(target_arch = "wasm32", target_feature = "simd128"), all(target_arch = "x86_64", target_feature = "sse2")))))]
mod swar {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;

    /// The index of the first `"`, `\` or control byte at or after `i` (or `b.len()`), and
    /// whether it is the `"`. 8 bytes per step (SWAR) while 8 remain, then byte by byte.
    #[inline(always)]
    pub fn find(b: &[u8], mut i: usize) -> (usize, bool) {
        while let Some(chunk) = b.get(i..i + 8) {
            let w = u64::from_le_bytes(chunk.try_into().unwrap());
            let q = w ^ (LO * u64::from(b'"'));
            let s = w ^ (LO * u64::from(b'\\'));
            // A byte's high bit is set when it is zero (q, s) or below 0x20; borrows only
            // create false hits above a real one, and the lowest hit is the one used.
            let quote = q.wrapping_sub(LO) & !q & HI;
            let hit = (quote | s.wrapping_sub(LO) & !s | w.wrapping_sub(LO * 0x20) & !w) & HI;
            if hit != 0 {
                return (i + (hit.trailing_zeros() / 8) as usize, hit & hit.wrapping_neg() & quote != 0);
            }
            i += 8;
        }
        super::tail(b, i, super::is_special)
    }

    /// Like `find`, also stopping at non-ASCII bytes. Keys and wanted values are short: a
    /// byte loop is enough.
    #[inline(always)]
    pub fn find_read(b: &[u8], i: usize) -> (usize, bool) {
        super::tail(b, i, super::stops_read)
    }
}

/// Decodes a string's escaped content (escapes already checked for shape by `string`).
/// Errors carry the offset in `s` and serde_json's wording.
fn decode(s: &[u8]) -> Result<String, (usize, &'static str)> {
    let hex = |at: usize| s[at..at + 4].iter().fold(0u32, |n, &c| n * 16 + (c as char).to_digit(16).unwrap_or(0));
    let mut out = String::with_capacity(s.len());
    let mut k = 0;
    loop {
        // A run of plain bytes, checked as UTF-8 where it stands, so that an error names the
        // bad byte's place in the body (serde_json's too, unless escapes follow it, where its
        // column is approximate: see the tests). Escapes only ever add valid UTF-8, and no
        // character's bytes can span an escape, whose `\` is ASCII.
        let end = s[k..].iter().position(|&c| c == b'\\').map_or(s.len(), |n| k + n);
        out.push_str(std::str::from_utf8(&s[k..end]).map_err(|e| (k + e.valid_up_to(), "invalid unicode code point"))?);
        k = end;
        if k == s.len() {
            return Ok(out);
        }
        let e = s[k + 1];
        k += 2;
        let unit = match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let hi = hex(k);
                k += 4;
                let cp = match hi {
                    0xD800..=0xDBFF => {
                        if s.get(k..k + 2) != Some(b"\\u") {
                            return Err((k, "lone leading surrogate in hex escape"));
                        }
                        let lo = hex(k + 2);
                        if !(0xDC00..=0xDFFF).contains(&lo) {
                            return Err((k, "lone leading surrogate in hex escape"));
                        }
                        k += 6;
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    }
                    // Named at its last hex digit, where serde_json names it.
                    0xDC00..=0xDFFF => return Err((k - 1, "lone trailing surrogate in hex escape")),
                    _ => hi,
                };
                out.push(char::from_u32(cp).ok_or((k, "invalid unicode code point"))?);
                continue;
            }
            other => other, // `"`, `\` and `/` stand for themselves.
        };
        out.push(char::from(unit));
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
