//! Change detection against a date watermark, exactly once (DESIGN section 6).
//!
//! # The algorithm
//! A *version* is (objectId, instant), the instant being the updated date (or the created
//! date when `filterByUpdatedDate` is false). The state keeps a watermark `H`, the start
//! instant `from`, and the set `seen` of versions already emitted whose instant is at or
//! after `H - keep` (`keep` = lookback + pollDelay + createdCheckTolerance). A poll reads everything at or after the *floor*
//! `max(from, H - lookback - pollDelay)` (the query is rendered one precision step below it,
//! so `>` and `>=` clauses and coarser-than-data where clauses still return a superset),
//! and emits each version at or above the floor that is not in `seen`. Versions below the
//! floor are outside the contract (they became visible later than `lookback`).
//!
//! The watermark then moves to the newest instant read, but never past a *cap*: the
//! provider's clock at the start of the cycle (its `Date` header), because anything updated
//! while the cycle ran may have slipped behind the pages already read (cursor paging by id),
//! and the instant of records deferred by `filterByCurrentDate`. Whatever the cap holds
//! back is read again next poll and dropped by `seen`, so the cap costs re-reading, never
//! loss. The watermark never moves backwards, so `seen` always covers the window.
//!
//! A multi-page pass during which the listing visibly changed may have missed a row (offset
//! paging: see [`Detector::begin_pass`]); the cycle then reads the window again, up
//! to [`crate::cycle::MAX_PASSES`] passes. If no pass is clean the cycle is *unstable*: it
//! emits what it read and keeps the watermark, so the next poll reads the window again.
//!
//! `CREATED` is given to the first emission of an object (no version of it in `seen`) whose
//! created instant is at or after `max(from - createdCheckTolerance, H - keep)`: every
//! earlier emission of such an object would have an instant at or after its creation and
//! would still be in `seen`, so "first" is exact.
//!
//! # The bound
//! `seen` holds at most [`Options::max_seen`] entries (default [`DEFAULT_MAX_SEEN`]). Beyond
//! it the oldest entries are dropped and `evicted` remembers the newest instant dropped:
//! versions at or below it may be emitted again with the same `eventId` (at-least-once,
//! idempotent for consumers that dedupe on `eventId`), never lost.

mod dates;
mod events;
pub mod idset;
pub mod reconcile;
mod saved;
mod scan;
mod seen;

pub use dates::{DateKind, iso_utc};
pub use events::{Events, TextColumns, push_date, push_hex};
pub use idset::IdSet;
use reconcile::Reconciler;
pub use reconcile::{Held, Listing, Relist};

use crate::config::{DateSpec, FieldPath, Reconcile, ResourcePoller};
use crate::diag::{Diagnostic, Error};
use rustc_hash::FxHashMap as HashMap;
use scan::{Fields, Plan, Scalar};
use seen::{Added, Seen};
use serde::Serialize;
use serde_json::Value;

/// The default bound of [`State::seen`].
pub const DEFAULT_MAX_SEEN: usize = 10_000;

/// What detection needs to know about one resource poller.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The poller's name: the events' `objectType`.
    pub name: String,
    /// As written, for messages; `id_path` is what is read.
    pub id_field: String,
    /// `id_field`, parsed once: what the scanner reads.
    pub id_path: FieldPath,
    /// The updated date field, if configured.
    pub updated: Option<DateField>,
    /// The created date field, if configured.
    pub created: Option<DateField>,
    /// `false`: the created date drives detection (one event per object).
    pub filter_by_updated_date: bool,
    /// Drop records created after `now` (they are read again on a later poll). A record below
    /// the floor is old whatever its created date: an earlier poll handled it.
    pub filter_by_current_date: bool,
    /// `createdCheckTolerance` in ms: an object seen first whose created date is up to this much
    /// before the floor still counts as CREATED (clocks and indexing lag).
    pub created_check_tolerance_ms: i64,
    /// `pollDelay` in ms: how far behind `now` the floor stays, for providers that index late.
    pub poll_delay_ms: i64,
    /// Records per page (`pageSize`).
    pub page_size: u32,
    /// The resource url template; `None` when detecting over a body already in hand.
    pub url: Option<String>,
    /// `reconcile`: full listings and DELETED events ([`reconcile`]); `None`: off.
    pub reconcile: Option<Reconcile>,
}

/// One date field of a [`Spec`], compiled.
#[derive(Clone, Debug)]
pub struct DateField {
    /// As written, for messages; `segments` is what is read.
    pub path: String,
    /// `path`, parsed once: what the scanner reads.
    pub segments: FieldPath,
    /// The compiled format and zone.
    pub kind: DateKind,
    /// The format text as configured, for rendering the where clause.
    pub format: String,
    /// The zone as configured, for rendering the where clause.
    pub zone: String,
}

impl Spec {
    /// Reads a resource poller (`{name, url, idField, datesConfiguration, ...}`) as JSON, with
    /// the configuration's lenient reader: values as strings or native JSON, the platform's
    /// defaults, `createdCheckTolerance` at either level.
    pub fn from_resource(resource: &Value) -> Result<Spec, Error> {
        let name = match resource.get("name") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            _ => return Err(Error::new("resource.name", "the resource needs a name (its key in the poller configuration)").at_path("name")),
        };
        Spec::from_poller(&ResourcePoller::from_value(&name, resource)?)
    }

    /// The [`Spec`] of a poller already read by `config` (the cycle's and `poll_url`'s path); compiles its date formats.
    pub fn from_poller(p: &ResourcePoller) -> Result<Spec, Error> {
        let field = |d: &Option<DateSpec>, which: &str| -> Result<Option<DateField>, Error> {
            let Some(d) = d else { return Ok(None) };
            let kind = DateKind::new(&d.format, &d.zone).map_err(|e| e.at_path(format!("datesConfiguration.{which}DateFormat")))?;
            Ok(Some(DateField { path: d.field.clone(), segments: d.path.clone(), kind, format: d.format.clone(), zone: d.zone.clone() }))
        };
        Ok(Spec {
            name: p.name.clone(),
            id_field: p.id_field.clone(),
            id_path: p.id_path.clone(),
            updated: field(&p.dates.updated, "updated")?,
            created: field(&p.dates.created, "created")?,
            filter_by_updated_date: p.filter_by_updated_date,
            filter_by_current_date: p.filter_by_current_date,
            created_check_tolerance_ms: p.created_check_tolerance_secs.saturating_mul(1000).min(i64::MAX as u64) as i64,
            poll_delay_ms: p.poll_delay_secs.saturating_mul(1000).min(i64::MAX as u64) as i64,
            page_size: p.page_size,
            url: p.url.clone(),
            reconcile: p.reconcile,
        })
    }

    /// The date field that defines versions and drives the watermark.
    pub fn driving(&self) -> &DateField {
        if self.filter_by_updated_date { self.updated.as_ref() } else { self.created.as_ref() }.expect("checked by from_resource")
    }
}

/// Persisted between polls as JSON (`{"v":1,...}`); round-trips through any string store.
/// Read back by hand ([`State::from_json`], module `saved`), not by serde's derive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct State {
    /// The state format's version: 1. Another version is refused rather than misread.
    pub v: u32,
    /// Epoch ms: the watermark `H`; `None` until something was read on a `beginning` start.
    pub watermark: Option<i64>,
    /// Epoch ms: nothing older is ever emitted; `None` for `beginning`. The `startFrom`
    /// instant, or for `"now"` the first poll's `now` minus `lookback + pollDelay` (a provider
    /// whose clock is behind ours stamps up to that much earlier what it writes after our start).
    pub from: Option<i64>,
    /// The newest instant dropped from `seen` by the bound (see the module docs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evicted: Option<i64>,
    /// Versions emitted at or after `H - keep`, as `[objectId, epoch ms]`, sorted by instant.
    pub seen: Vec<(String, i64)>,
    /// The last complete listing, when the poller reconciles ([`reconcile`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing: Option<Listing>,
    /// After full listings failed: when the next is tried ([`Relist`]); absent otherwise (and
    /// in a state written before it existed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relist: Option<Relist>,
}

impl State {
    /// Reads a saved state; refuses one that is not JSON of this shape or of another version.
    pub fn from_json(text: &str) -> Result<State, Error> {
        let v: Value = serde_json::from_str(text).map_err(|e| Error::new("state.invalid", format!("the saved state is not valid: {e}")))?;
        State::from_value(&v)
    }
    /// The state as JSON text, what a host saves.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("state serializes")
    }
}

/// Whether a version is an object's first (created after the watermark) or a later one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum EventType {
    /// The object's first emission, created after the watermark (or read again after its DELETED).
    Created,
    /// Any other version.
    Updated,
    /// Gone from a complete listing that the previous one had ([`reconcile`]).
    Deleted,
}

/// A host hands events back to `notify` as JSON (`notify::read_events`; `instant` is then 0:
/// only the serialized fields travel).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// CREATED or UPDATED.
    pub event_type: EventType,
    /// The poller's name.
    pub object_type: String,
    /// The record's id, as text.
    pub object_id: String,
    /// The version's instant (the updated date, or the created date when it drives), ISO UTC ms.
    pub date: String,
    /// `element.key`, when the host gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub element_key: Option<String>,
    /// XXH3-128 of (instance, objectType, objectId, instant), 32 hex digits ([`event_id`]): the same version
    /// always gets the same id, so consumers can dedupe repeats.
    pub event_id: String,
    /// The record's JSON, when `raw` was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<Value>,
    /// The version's instant in epoch ms (not serialized; `date` carries it).
    #[serde(skip)]
    pub instant: i64,
}

/// What a detection or a cycle read and decided, for the summary and for tests.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Array elements read, over all pages.
    pub records: usize,
    /// Events emitted.
    pub events: usize,
    /// Of them, CREATED.
    pub created: usize,
    /// Of them, UPDATED.
    pub updated: usize,
    /// Below the floor: older than the watermark minus lookback.
    pub old: usize,
    /// Versions already emitted (in `seen`, or twice in this cycle).
    pub repeated: usize,
    /// Held back by `filterByCurrentDate`.
    pub deferred: usize,
    /// Read by a first poll and remembered without an event (the baseline, DESIGN section 6).
    pub baseline: usize,
    /// Stamped beyond `now` plus `max_clock_skew_ms`: emitted, kept out of the watermark.
    pub future: usize,
    /// Records with a per-record diagnostic.
    pub invalid: usize,
    /// Pages read.
    pub pages: usize,
    /// Entries in the new state's `seen`, and how many the bound dropped this time.
    pub seen: usize,
    /// Entries the bound dropped from `seen` this time.
    pub evicted: usize,
    /// Requests sent and retries made by a [`crate::cycle::PollCycle`] (0 for `detect`).
    pub requests: usize,
    /// Of the requests, retries after 429, 5xx or a transport failure.
    pub retries: usize,
    /// Passes over the listing (more than one when rows moved while paging).
    pub passes: usize,
    /// No pass was clean: the watermark was kept (see `Detector::begin_pass`).
    pub unstable: bool,
    /// The cycle listed the resource in full ([`reconcile`]).
    pub reconciled: bool,
    /// Ids in that listing.
    pub listed: usize,
    /// Of the events, DELETED.
    pub deleted: usize,
    /// Ids gone from the listing asked for by id; of them, found (the listing had missed them).
    pub verified: usize,
    /// Ids gone that were found by id after all.
    pub missed: usize,
    /// The listing lost more than `maxDrop` of the ids and is held: nothing was deleted.
    pub held: bool,
}

/// What one detection or cycle produced: deliver `events`, then save `state`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    /// New versions, in the order read, by column (see [`Events`]): a backfill makes one per record.
    pub events: Events,
    /// The state to save once the events are delivered.
    pub state: State,
    /// What was read and decided.
    pub stats: Stats,
    /// Warnings about records and the listing; none is fatal.
    pub diagnostics: Vec<Diagnostic>,
}

/// Everything besides the resource and the state.
#[derive(Clone, Debug)]
pub struct Options {
    /// Used only when there is no state: `"now"` (default), `"beginning"` or an ISO instant.
    pub start_from: String,
    /// Our clock, epoch ms: `startFrom: "now"` and `filterByCurrentDate`.
    pub now: i64,
    /// How late after its instant a version may become visible and still be emitted.
    pub lookback_ms: i64,
    /// Dotted path of the records array; `None` for a top-level array.
    pub records_field: Option<String>,
    /// `element.key` for the events; also the instance when `instance` is `None`.
    pub element_key: Option<String>,
    /// The instance (id or name) hashed into `eventId`; defaults to `element_key`.
    pub instance: Option<String>,
    /// Put each record's JSON in its event's `raw`.
    pub raw: bool,
    /// The bound of `seen` ([`DEFAULT_MAX_SEEN`]).
    pub max_seen: usize,
    /// The provider's clock when it answered (its `Date` header), the cap of the watermark.
    pub provider_now: Option<i64>,
    /// How far past `now` a provider's clock may plausibly be (default [`DEFAULT_MAX_CLOCK_SKEW_MS`]).
    /// A version stamped later is emitted once, with a diagnostic, but never moves the
    /// watermark: one bad date must not make every later poll ask for the far future.
    pub max_clock_skew_ms: i64,
}

/// The default of [`Options::max_clock_skew_ms`]: a day.
pub const DEFAULT_MAX_CLOCK_SKEW_MS: i64 = 86_400_000;

impl Default for Options {
    fn default() -> Self {
        Options {
            start_from: "now".into(),
            now: 0,
            lookback_ms: 0,
            records_field: None,
            element_key: None,
            instance: None,
            raw: false,
            max_seen: DEFAULT_MAX_SEEN,
            provider_now: None,
            max_clock_skew_ms: DEFAULT_MAX_CLOCK_SKEW_MS,
        }
    }
}

/// Detection over one complete response body.
pub fn detect(spec: &Spec, state: Option<&State>, body: &[u8], opts: &Options) -> Result<Outcome, Error> {
    let mut d = Detector::new(spec, state, opts)?;
    if let Some(p) = opts.provider_now {
        d.cap_at(p);
    }
    d.feed(body)?;
    d.finish()
}

/// Where a first poll starts (`startFrom`).
enum Start {
    Now(i64),
    At(i64),
    Beginning,
}

fn start_instant(start_from: &str, now: i64) -> Result<Start, Error> {
    match start_from.trim() {
        "now" | "" => Ok(Start::Now(now)),
        "beginning" => Ok(Start::Beginning),
        s => crate::datefmt::DateFormat::compile("iso8601").and_then(|f| f.parse(s, &crate::zone::Zone::UTC)).map(Start::At).map_err(|_| {
            Error::new("start-from.invalid", format!("startFrom must be \"now\", \"beginning\" or an ISO instant, not {s:?}"))
                .with_hint("for example 2024-01-01T00:00:00Z")
        }),
    }
}

/// Incremental detection over the pages of one cycle: `new`, then `feed` each page (and
/// `cap_at` with the provider clock), then `finish` once. Nothing is committed until
/// `finish`; a `feed` error poisons the detector so `finish` fails too.
#[derive(Debug)]
pub struct Detector {
    spec: Spec,
    opts: Options,
    plan: Plan,
    origin: Option<i64>,
    watermark: Option<i64>,
    evicted: Option<i64>,
    floor: i64,
    /// A first poll emits only versions at or after this (see [`Detector::new`]); the rest
    /// of what it reads is its baseline. `i64::MIN` once there is a state.
    emit_from: i64,
    created_floor: i64,
    keep: i64,
    /// objectId -> instants emitted (the state's `seen` plus this cycle's events).
    seen: Seen,
    /// The provider's clock at the start of the current pass, when it has several pages.
    pass_start: Option<i64>,
    /// This pass read a record updated since it started (see [`Detector::begin_pass`]).
    changed: bool,
    /// objectId -> instant last read in this multi-page pass.
    pass_read: HashMap<String, i64>,
    /// No clean pass: the watermark must not advance.
    unstable: bool,
    max_read: Option<i64>,
    cap: Option<i64>,
    events: Events,
    stats: Stats,
    diagnostics: Vec<Diagnostic>,
    poisoned: Option<Error>,
    id_buf: String,
    /// The text each event's id is hashed from, its prefix laid out once.
    event_key: EventKey,
    /// This page's object records, and how many of them had the created date field (slot 2).
    page_objects: usize,
    page_created: usize,
    /// The slot of the other date field: 2, or 1 when both dates are one field.
    other_slot: usize,
    /// The last complete listing, carried into the new state (a reconciling cycle replaces it).
    listing: Option<Listing>,
    /// Ids reported DELETED ([`Listing::gone`]): when one is read again its event is CREATED.
    gone: IdSet,
    gone_changed: bool,
    /// Ids emitted by this (not reconciling) cycle, for [`Listing::added`].
    added: IdSet,
    /// A reconciling cycle's listing.
    reconciler: Option<Reconciler>,
    /// The wait after failed full listings, carried into the new state until one completes.
    relist: Option<Relist>,
}

impl Detector {
    /// Starts detection over one resource: the floor from the state (or `start_from`), the `seen` set, the compiled fields.
    pub fn new(spec: &Spec, state: Option<&State>, opts: &Options) -> Result<Detector, Error> {
        let window = opts.lookback_ms.max(0).saturating_add(spec.poll_delay_ms);
        let keep = window.saturating_add(spec.created_check_tolerance_ms);
        let listing = state.and_then(|s| s.listing.clone());
        let gone = listing.as_ref().map(|l| IdSet::decode(&l.gone)).transpose()?.unwrap_or_default();
        let (origin, watermark, evicted, seen_list, emit_from) = match state {
            Some(s) => {
                if s.v != 1 {
                    return Err(Error::new("state.version", format!("state version {} is not supported", s.v)));
                }
                (s.from, s.watermark, s.evicted, s.seen.as_slice(), i64::MIN)
            }
            // The first poll is a baseline: it remembers every version it reads in `seen`,
            // and emits only those at or after `emit_from`.
            None => match start_instant(&opts.start_from, opts.now)? {
                // "now": nothing is emitted now, and what a provider whose clock is behind
                // ours stamps up to `window` before our start, and this poll did not read, is
                // emitted by the next polls: `from` is the start minus that allowance.
                Start::Now(now) => (Some(now.saturating_sub(window)), Some(now), None, &[][..], i64::MAX),
                Start::At(t) => (Some(t), Some(t), None, &[][..], t),
                Start::Beginning => (None, None, None, &[][..], i64::MIN),
            },
        };
        // Saturating: a saved state or options may hold any i64 (a hostile or corrupt one too).
        let floor = origin.unwrap_or(i64::MIN).max(watermark.map_or(i64::MIN, |h| h.saturating_sub(window)));
        let created_floor = origin
            .map_or(i64::MIN, |o| o.saturating_sub(spec.created_check_tolerance_ms))
            .max(watermark.map_or(i64::MIN, |h| h.saturating_sub(keep)))
            .max(evicted.map_or(i64::MIN, |e| e.saturating_add(1)));
        let mut seen = Seen::default();
        for (id, at) in seen_list {
            seen.add(id, None, *at);
        }
        let segments = |p: &FieldPath| p.segments().to_vec();
        let mut fields = vec![(0, segments(&spec.id_path)), (1, segments(&spec.driving().segments))];
        let other = if spec.filter_by_updated_date { spec.created.as_ref() } else { spec.updated.as_ref() };
        // One field for both dates (a Keap transaction's `transaction_date`) is read once, into
        // slot 1: the scanner fills one slot per member, so a second slot of it stays empty.
        let same_dates = other.is_some_and(|o| o.segments == spec.driving().segments);
        if let Some(o) = other.filter(|_| !same_dates) {
            fields.push((2, segments(&o.segments)));
        }
        let records = match opts.records_field.as_deref() {
            None | Some("") => Vec::new(),
            Some(r) => segments(&FieldPath::parse(r).map_err(|e| e.at_path("recordsField"))?),
        };
        let plan = Plan { records, fields, raw: opts.raw };
        Ok(Detector {
            spec: spec.clone(),
            opts: opts.clone(),
            plan,
            origin,
            watermark,
            evicted,
            floor,
            emit_from,
            created_floor,
            keep,
            seen,
            pass_start: None,
            changed: false,
            pass_read: HashMap::default(),
            unstable: false,
            max_read: None,
            cap: None,
            events: Events::new(&spec.name, opts.element_key.as_deref()),
            stats: Stats::default(),
            diagnostics: Vec::new(),
            poisoned: None,
            id_buf: String::new(),
            event_key: EventKey::new(opts.instance.as_deref().or(opts.element_key.as_deref()).unwrap_or(""), &spec.name),
            page_objects: 0,
            page_created: 0,
            other_slot: if same_dates { 1 } else { 2 },
            listing,
            gone,
            gone_changed: false,
            added: IdSet::new(),
            reconciler: None,
            relist: state.and_then(|s| s.relist.clone()),
        })
    }

    /// Makes this a reconciling detection ([`reconcile`]): every id read is kept, and compared
    /// with the last complete listing once the listing is complete
    /// ([`reconcile_candidates`](Detector::reconcile_candidates)). `max_drop_ppm`: see
    /// [`Reconcile::max_drop_ppm`].
    pub fn start_listing(&mut self, max_drop_ppm: u32) -> Result<(), Error> {
        self.reconciler = Some(Reconciler::new(self.listing.as_ref(), self.relist.as_ref(), max_drop_ppm, self.opts.now)?);
        self.stats.reconciled = true;
        Ok(())
    }

    /// A full listing failed at `now` and this detection is its date-window fallback: the new
    /// state waits before the next scheduled full listing ([`Relist::after_failure`]).
    pub fn listing_failed(&mut self, every_ms: i64) {
        self.relist = Some(Relist::after_failure(self.relist.take(), every_ms, self.opts.now));
    }

    /// The listing is complete: the ids of the last complete listing it lacks (none when held
    /// or the first). Each is then confirmed by [`gone_confirmed`](Detector::gone_confirmed)
    /// or [`gone_verified`](Detector::gone_verified).
    pub fn reconcile_candidates(&mut self) -> Vec<String> {
        self.reconciler.as_mut().map(|r| r.compare().to_vec()).unwrap_or_default()
    }

    /// Every candidate is gone: the listing was one page, read at once.
    pub fn gone_confirmed(&mut self) {
        if let Some(r) = self.reconciler.as_mut() {
            r.confirm_all();
        }
    }

    /// The provider's answer for one candidate asked for by id: `exists` keeps it.
    pub fn gone_verified(&mut self, id: &str, exists: bool) {
        if let Some(r) = self.reconciler.as_mut() {
            self.stats.verified += 1;
            self.stats.missed += usize::from(exists);
            r.verified(id, exists);
        }
    }

    /// What was read so far, for progress reports (`events` counted as they are found).
    pub fn stats(&self) -> Stats {
        Stats { events: self.events.len(), ..self.stats.clone() }
    }

    /// The oldest instant this poll must read (`None`: from the beginning). A query renders
    /// it one precision step lower (see [`crate::template::Rounding::Below`]).
    pub fn floor(&self) -> Option<i64> {
        (self.floor != i64::MIN).then_some(self.floor)
    }

    /// The provider's clock at the start of the cycle: the watermark will not pass it.
    pub fn cap_at(&mut self, provider_now: i64) {
        self.lower_cap(provider_now);
    }

    /// Starts a pass over the listing; call before feeding its first page, with
    /// `multi_page` true when more pages follow (the first response's next-page token) and
    /// the provider's clock from that response's `Date`.
    ///
    /// Why: with offset paging over a listing sorted by updated date, an update during the
    /// pass moves a row from a page already read towards the end, and every unread row
    /// between slides back one place: the row at the page boundary is never read. The pass
    /// counts as *changed* (and the cycle reads the window again) when it reads
    /// - a row updated since the pass started (an update is stamped at or after it; the last
    ///   row moved is read at its new place, since nothing later shifts it back). Created
    ///   rows are appended at the end and shift nothing, so they do not count when the
    ///   created date is known;
    /// - an object twice: with a new instant, a version that became visible late moved it
    ///   (stamped before the pass started, so the first check misses it); with the same
    ///   instant, a late row was inserted before the reader and pushed this one onto the
    ///   next page, and that late row may itself move later in the pass.
    ///
    /// Known gap (see the report of the simulation): two late-visible updates in one pass,
    /// the second of a row the first pushed past the reader, leave no trace in what is read.
    pub fn begin_pass(&mut self, multi_page: bool, provider_now: Option<i64>) {
        self.pass_start = if multi_page { provider_now.or(Some(i64::MIN)) } else { None };
        self.pass_read.clear();
        // Without the provider's clock every multi-page pass counts as changed.
        self.changed = multi_page && provider_now.is_none();
    }

    /// The pass began as a multi-page one but its first page was its last (Keap links a next
    /// page from every page; only a short page says the end): one page read whole cannot have
    /// had rows slide past the reader, so the pass is clean.
    pub fn single_page_pass(&mut self) {
        self.changed = false;
    }

    /// Whether the pass just read may have missed rows (see [`Detector::begin_pass`]).
    pub fn pass_changed(&self) -> bool {
        self.changed
    }

    /// The host gave up on a clean pass: keep the watermark where it was so that the next
    /// poll reads this window again (rows missed here are still there unless updated since).
    pub fn mark_unstable(&mut self) {
        self.unstable = true;
    }

    fn lower_cap(&mut self, at: i64) {
        self.cap = Some(self.cap.map_or(at, |c| c.min(at)));
    }

    /// Reads one page. On error (not JSON, no records array) the cycle must fail.
    pub fn feed(&mut self, body: &[u8]) -> Result<(), Error> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        let page = self.stats.pages;
        self.stats.pages += 1;
        // Taken for the scan (the records call back into `self`), not copied per page.
        let plan = std::mem::take(&mut self.plan);
        (self.page_objects, self.page_created) = (0, 0);
        let res = scan::scan(body, &plan, |i, f| self.record(page, i, f));
        self.plan = plan;
        match res {
            Ok(_) => {
                self.check_created_field(page, body);
                Ok(())
            }
            Err(e) => {
                let err = if e.is_syntax() || e.is_eof() {
                    Error::new("body.not-json", format!("the response body is not valid JSON: {e}"))
                } else {
                    Error::new("body.no-records", format!("the response body has no records array: {e}"))
                        .with_hint("set the records field (e.g. \"appointments\") when the hub wraps the list in an object")
                };
                self.poisoned = Some(err.clone());
                Err(err)
            }
        }
    }

    /// A configured created field that no record of a page has is a configuration mistake
    /// (every event would come out UPDATED): one diagnostic for the page, not silence.
    fn check_created_field(&mut self, page: usize, body: &[u8]) {
        let Some(created) = self.spec.created.as_ref().filter(|_| self.spec.filter_by_updated_date) else { return };
        if self.page_objects == 0 || self.page_created > 0 {
            return;
        }
        // The cold path: read the first record's keys to show what the records do have.
        let records = self.opts.records_field.as_deref().and_then(|r| FieldPath::parse(r).ok()).unwrap_or_default();
        let doc: Option<Value> = std::str::from_utf8(body).ok().and_then(|t| serde_json::from_str(t).ok());
        let first = doc.as_ref().and_then(|d| records.get(d)).and_then(Value::as_array).and_then(|a| a.iter().find_map(Value::as_object));
        let keys = first.map(|m| m.keys().take(20).map(String::as_str).collect::<Vec<_>>().join(", ")).unwrap_or_default();
        let prefix = self.opts.records_field.as_deref().unwrap_or("");
        let where_ = if page > 0 { format!(" of page {}", page + 1) } else { String::new() };
        self.diagnostics.push(
            Diagnostic::warning(
                "record.created-field.missing",
                prefix,
                format!("no record{where_} has the created date field {:?}; the first record has: {keys}", created.path),
            )
            .with_hint("check datesConfiguration.createdDateField: without a created date every event is UPDATED"),
        );
    }

    fn diag(&mut self, page: usize, i: usize, code: &'static str, msg: String) {
        self.stats.invalid += 1;
        let prefix = self.opts.records_field.as_deref().unwrap_or("");
        let where_ = if page > 0 { format!(" (page {})", page + 1) } else { String::new() };
        self.diagnostics.push(Diagnostic::warning(code, format!("{prefix}[{i}]"), format!("record {i}{where_}: {msg}")));
    }

    fn record(&mut self, page: usize, i: usize, f: Fields<'_>) {
        self.stats.records += 1;
        if f.not_object {
            return self.diag(page, i, "record.not-object", "is not a JSON object".into());
        }
        self.page_objects += 1;
        if f.slots[self.other_slot] != Scalar::Missing {
            self.page_created += 1;
        }
        if let Some(what) = unusable_id(&f.slots[0]) {
            let msg = format!("has {what} id at {:?}", self.spec.id_field);
            return self.diag(page, i, "record.missing-id", msg);
        }
        if self.reconciler.is_some() {
            self.list_id(&f);
        }
        // A numeric id is written out as text only once the record is known to matter: most
        // records of a poll are older than the window, and formatting costs more than reading
        // the date.
        let mut buf = std::mem::take(&mut self.id_buf);
        match self.spec.driving().kind.read(&f.slots[1]) {
            Err(e) => {
                let msg = format!(
                    "({}) {} at {:?}: {}",
                    id_text(&f.slots[0], &mut buf),
                    if e.code == "record.missing-date" { "no date" } else { "bad date" },
                    self.spec.driving().path,
                    e.message
                );
                self.diag(page, i, e.code, msg);
            }
            Ok(at) if at < self.floor && self.pass_start.is_none() => {
                // The common case of a poll without a where clause: skip the rest early.
                self.stats.old += 1;
            }
            Ok(at) => {
                let id = id_text(&f.slots[0], &mut buf);
                self.record_at(&f, id, at);
            }
        }
        self.id_buf = buf;
    }

    /// A reconciling cycle keeps every id it reads (whatever its date: it exists).
    fn list_id(&mut self, f: &Fields<'_>) {
        let Some(r) = self.reconciler.as_mut() else { return };
        match f.slots[0] {
            Scalar::UInt(n) => r.listed.push_num(n),
            Scalar::Int(n) if n >= 0 => r.listed.push_num(n as u64),
            _ => {
                let mut buf = std::mem::take(&mut self.id_buf);
                r.listed.push_str(id_text(&f.slots[0], &mut buf));
                self.id_buf = buf;
            }
        }
    }

    /// A record with a usable id and a readable driving date.
    fn record_at(&mut self, f: &Fields<'_>, id: &str, at: i64) {
        let created = if self.spec.filter_by_updated_date {
            match (&self.spec.created, &f.slots[self.other_slot]) {
                (Some(c), v) if *v != Scalar::Missing => c.kind.read(v).ok(),
                _ => None,
            }
        } else {
            Some(at)
        };
        if let Some(ts) = self.pass_start {
            if at >= ts && created.is_none_or(|c| c < ts) {
                self.changed = true;
            }
            // An object read twice in one pass: with a new instant, an update moved its row
            // (a version visible late is stamped before the pass started, so the check
            // above misses it); with the same instant, a row visible late was inserted
            // before the reader and pushed this one onto the next page. Either way the
            // listing changed under the reader.
            if self.pass_read.insert(id.to_owned(), at).is_some() {
                self.changed = true;
            }
        }
        // The floor before the deferral below (but after the pass's bookkeeping above, which
        // must see every record): a record below the floor was handled by an earlier poll, and
        // deferring it would hold the watermark below the floor for as long as its created date
        // is in the future (a clock-skew artifact stalling the watermark). The early skip in
        // `record` does the same on a one-page pass, so both passes count it old.
        if at < self.floor {
            self.stats.old += 1;
            return;
        }
        if self.spec.filter_by_current_date && created.is_some_and(|c| c > self.opts.now) {
            // Read again next poll: keep the watermark at or below it so it stays in the window.
            self.stats.deferred += 1;
            return self.lower_cap(at);
        }
        let future = at > self.opts.now.saturating_add(self.opts.max_clock_skew_ms.max(0));
        if !future {
            self.max_read = Some(self.max_read.map_or(at, |m| m.max(at)));
        }
        let number = match f.slots[0] {
            Scalar::UInt(n) => Some(n),
            _ => None,
        };
        let first = match self.seen.add(id, number, at) {
            Added::Repeat => {
                self.stats.repeated += 1;
                return;
            }
            Added::New { first } => first,
        };
        if at < self.emit_from {
            // The baseline: remembered in `seen`, so that a later poll does not emit it. (A
            // far-future version here is not emitted, so it gets no "emitted" diagnostic; it
            // is kept out of the watermark all the same.)
            self.stats.baseline += 1;
            return;
        }
        if future {
            // Emitted once (it stays in `seen`: it is newer than any watermark), said so, and
            // kept out of the watermark.
            self.stats.future += 1;
            self.diagnostics.push(
                Diagnostic::warning(
                    "record.future-date",
                    self.opts.records_field.as_deref().unwrap_or(""),
                    format!(
                        "record {id:?} is stamped {}, beyond our clock plus {} h: it is emitted, and the watermark does not move to it",
                        iso_utc(at),
                        self.opts.max_clock_skew_ms / 3_600_000
                    ),
                )
                .with_hint("a bad date at the provider, or a clock far ahead: raise maxClockSkew if the provider's clock really is that far ahead"),
            );
        }
        // Only while reconciliation is on: a listing left from a poller that turned it off (or
        // from one asked for on demand) collects nothing.
        if self.spec.reconcile.is_some() && (self.listing.is_some() || self.relist.is_some()) && self.reconciler.is_none() {
            self.added.push_str(id);
        }
        let back = !self.gone.is_empty() && self.gone.remove(id);
        self.gone_changed |= back;
        let event_type = if back || (first && created.is_some_and(|c| c >= self.created_floor)) { EventType::Created } else { EventType::Updated };
        match event_type {
            EventType::Created => self.stats.created += 1,
            _ => self.stats.updated += 1,
        }
        let hash = self.event_key.hash(id, at);
        let raw = self.opts.raw.then(|| f.raw.and_then(|r| serde_json::from_str(r.get()).ok()));
        self.events.push(event_type, id, at, hash, raw);
    }

    /// Commits: the new watermark, the pruned and bounded `seen`, the events.
    pub fn finish(self) -> Result<Outcome, Error> {
        if let Some(e) = self.poisoned {
            return Err(e);
        }
        let advance = if self.unstable { None } else { self.max_read.map(|m| self.cap.map_or(m, |c| c.min(m))) };
        let watermark = self.watermark.max(advance);
        let low = watermark.map_or(i64::MIN, |h| h.saturating_sub(self.keep));
        let mut seen = self.seen.into_kept(low);
        seen.sort_unstable_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        let mut evicted = self.evicted;
        let mut stats = self.stats;
        if seen.len() > self.opts.max_seen {
            let first = seen.len() - self.opts.max_seen;
            evicted = evicted.max(Some(seen[first - 1].1));
            stats.evicted = first;
            seen.drain(..first);
        }
        let (mut events, mut diagnostics, mut listing, mut gone) = (self.events, self.diagnostics, self.listing, self.gone);
        // A complete listing ends the wait after failed ones.
        let mut relist = if self.reconciler.is_some() { None } else { self.relist };
        let mut gone_changed = self.gone_changed;
        if let Some(mut r) = self.reconciler {
            r.listed.seal();
            let instance = self.opts.instance.as_deref().or(self.opts.element_key.as_deref()).unwrap_or("");
            let (now, prev_at, raw) = (self.opts.now, r.prev_at(), self.opts.raw.then_some(None));
            // The eventIds of DELETED and of CREATED-again name the previous listing's instant,
            // not `now`: a re-run after a crash before the state was saved gives the same ids.
            let hash = |id: &str, tag: &str| event_hash(instance, &self.spec.name, &format!("{id}\x1f{tag}"), prev_at);
            stats.listed = r.listed.len();
            stats.held = r.is_held();
            if !r.is_held() {
                // Read again after their DELETED, with no new version to emit: CREATED now.
                for id in r.listed.common(&gone) {
                    gone.remove(&id);
                    stats.created += 1;
                    events.push(EventType::Created, &id, now, hash(&id, "CREATED"), raw.clone());
                }
            }
            let (deleted, l) = r.finish(&mut gone, &mut diagnostics);
            for id in &deleted {
                events.push(EventType::Deleted, id, now, hash(id, "DELETED"), raw.clone());
            }
            stats.deleted = deleted.len();
            listing = Some(l);
            gone_changed = true;
        }
        if let Some(l) = listing.as_mut().filter(|_| gone_changed) {
            l.gone = gone.encode();
        }
        // Before a first complete listing the wait after failed ones keeps them.
        let added_to = match (listing.as_mut(), relist.as_mut()) {
            (Some(l), _) => Some(&mut l.added),
            (None, Some(r)) => Some(&mut r.added),
            (None, None) => None,
        };
        if let Some(to) = added_to.filter(|_| !self.added.is_empty()) {
            let mut added = IdSet::decode(to)?;
            added.union(&{
                let mut a = self.added;
                a.seal();
                a
            });
            // Bounded while listings keep failing; an id dropped here can only miss its DELETED.
            added.truncate_to(reconcile::MAX_ADDED);
            *to = added.encode();
        }
        stats.events = events.len();
        stats.unstable = self.unstable;
        stats.seen = seen.len();
        Ok(Outcome { events, state: State { v: 1, watermark, from: self.origin, evicted, seen, listing, relist }, stats, diagnostics })
    }
}

/// Why a record's id field cannot name an object, or `None` when it can.
fn unusable_id(v: &Scalar<'_>) -> Option<String> {
    match v {
        Scalar::Str(s) if !s.is_empty() => None,
        Scalar::Int(_) | Scalar::UInt(_) => None,
        Scalar::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e15 => None,
        Scalar::Missing => Some("no".to_owned()),
        Scalar::Other(w) => Some(format!("{w} as")),
        _ => Some("an unusable".to_owned()),
    }
}

/// The objectId of a usable id (see [`unusable_id`]): a string as it is, a number as digits.
fn id_text<'a>(v: &'a Scalar<'_>, buf: &'a mut String) -> &'a str {
    buf.clear();
    // Digits by itoa, not by `fmt` (which cost a tenth of a backfill when every id is a
    // number); serde_json writes its numbers with the same code, so the wasm has it once.
    let mut digits = itoa::Buffer::new();
    buf.push_str(match v {
        Scalar::Str(s) => return s,
        Scalar::Int(n) => digits.format(*n),
        Scalar::UInt(n) => digits.format(*n),
        Scalar::Float(x) => digits.format(*x as i64),
        _ => return buf,
    });
    buf
}

/// The deterministic event id of a version: 32 lowercase hex digits of XXH3-128 (seed 0) of
/// `instance 0x1f objectType 0x1f objectId 0x1f epoch-ms` (the instant in decimal). A contract
/// (CHANGELOG.md): the same version always gets the same id, in every release from 0.2 on.
pub fn event_id(instance: &str, object_type: &str, object_id: &str, at: i64) -> String {
    let mut s = String::with_capacity(32);
    push_hex(event_hash(instance, object_type, object_id, at), &mut s);
    s
}

/// The XXH3-128 hash whose hex digits are [`event_id`].
pub fn event_hash(instance: &str, object_type: &str, object_id: &str, at: i64) -> u128 {
    EventKey::new(instance, object_type).hash(object_id, at)
}

/// The text an eventId is the hash of, for one instance and objectType: a detector lays out
/// `instance 0x1f objectType 0x1f` once and adds only each event's id and instant to it (no
/// allocation per event, three copies instead of seven), and any length is one one-shot hash
/// (no streaming fallback for long ids: less code in the wasm).
#[derive(Debug)]
struct EventKey {
    text: Vec<u8>,
    prefix: usize,
}

impl EventKey {
    fn new(instance: &str, object_type: &str) -> EventKey {
        let mut text = Vec::with_capacity(instance.len() + object_type.len() + 48);
        for part in [instance.as_bytes(), b"\x1f", object_type.as_bytes(), b"\x1f"] {
            text.extend_from_slice(part);
        }
        EventKey { prefix: text.len(), text }
    }

    fn hash(&mut self, object_id: &str, at: i64) -> u128 {
        self.text.truncate(self.prefix);
        self.text.extend_from_slice(object_id.as_bytes());
        self.text.push(0x1f);
        self.text.extend_from_slice(itoa::Buffer::new().format(at).as_bytes());
        xxhash_rust::xxh3::xxh3_128(&self.text)
    }
}
