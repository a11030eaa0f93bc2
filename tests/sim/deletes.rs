//! The deletes simulation (DESIGN section 13): a provider whose records are created, updated,
//! deleted and created again (the same id back) while listings run, a host that drives
//! reconciling cycles exactly as a real one does, pages that fail after their retries, truncated
//! bodies, and crashes mid-listing and between delivery and save. [`Run::check`] holds the
//! deliveries to the contract:
//! - no false delete: a DELETED for an object that existed throughout the cycle that said so;
//! - no missed delete: an object of the previous complete listing that was gone throughout a
//!   complete (not held) listing is reported by it;
//! - each DELETED once (a repeat only after a crash between delivery and save, same eventId);
//! - an object reported DELETED whose next event is not CREATED (when it comes back).
//!
//! Listings are sorted by id with offset paging or by updated date: a row deleted mid-listing
//! slides the rest back across a page boundary, the hazard that asking by id answers.

use super::Rng;
use elements_poller::cycle::{Api, CycleOptions, PollCycle, Request};
use elements_poller::datefmt::DateFormat;
use elements_poller::detect::{self, EventType, IdSet, Spec, State};
use elements_poller::http::{self, Response};
use elements_poller::zone::Zone;
use std::collections::{BTreeMap, HashSet};

const T0: i64 = 1_700_000_000_000;
const KEAP_BASE: &str = "https://api.infusionsoft.com/crm/rest";
const HUB_BASE: &str = "https://hub.example/elements/api-v2";

/// What one seed decides.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub keap: bool,
    pub by_id: bool,
    pub page_size: usize,
    pub initial: usize,
    pub cycles: usize,
    pub interval_ms: i64,
    /// `reconcile.everyHours`, in ms.
    pub every_ms: i64,
    pub max_drop: f64,
    /// Mutations per second of virtual time.
    pub rate: f64,
    pub p_delete: f64,
    pub p_recreate: f64,
    /// One moment of the run deletes this share of the records at once (0: none).
    pub mass_delete: f64,
    pub p_5xx: f64,
    /// A page answered 400: the cycle fails (`cycle.http`).
    pub p_fail: f64,
    pub p_truncated: f64,
    pub p_crash_mid: f64,
    pub p_crash_after_delivery: f64,
    /// The chance that a cycle is asked to reconcile whatever the schedule.
    pub p_force: f64,
    /// From the third cycle on (until the quiet end), every full listing fails: a 503 past its
    /// retries or a truncated page. The resource's date-window polls must go on meanwhile.
    pub broken_listing: bool,
}

impl Config {
    pub fn from_seed(seed: u64) -> Config {
        let mut r = Rng::new(seed ^ 0xde1e7e);
        let faults = r.chance(0.75);
        Config {
            seed,
            keap: r.chance(0.5),
            by_id: r.chance(0.7),
            page_size: r.range(2, 6) as usize,
            initial: r.range(0, 30) as usize,
            cycles: r.range(6, 14) as usize,
            interval_ms: r.range(5, 30) * 1000,
            every_ms: r.pick(&[36_000, 60_000, 120_000]),
            max_drop: r.pick(&[0.3, 0.5, 0.9]),
            rate: r.pick(&[0.2, 0.5, 1.0]),
            p_delete: r.pick(&[0.2, 0.35]),
            p_recreate: r.pick(&[0.0, 0.15]),
            mass_delete: if r.chance(0.2) { r.pick(&[0.6, 0.95]) } else { 0.0 },
            p_5xx: if faults { 0.08 } else { 0.0 },
            p_fail: if faults { 0.02 } else { 0.0 },
            p_truncated: if faults { 0.03 } else { 0.0 },
            p_crash_mid: if faults { 0.03 } else { 0.0 },
            p_crash_after_delivery: if faults { 0.1 } else { 0.0 },
            p_force: 0.15,
            // Drawn last: the seeds' other draws stay what they were.
            broken_listing: r.chance(0.3),
        }
    }

    pub fn resource(&self) -> serde_json::Value {
        let hours = self.every_ms as f64 / 3_600_000.0;
        let url = if self.keap {
            "/v1/appointments?since=${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}".to_owned()
        } else {
            "/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}'".to_owned()
        };
        serde_json::json!({
            "name": "appointments", "url": url, "idField": "id", "pageSize": self.page_size,
            "datesConfiguration": {"updatedDateField": "modification_date", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
                "createdDateField": "creation_date", "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"},
            "reconcile": {"everyHours": hours, "maxDrop": self.max_drop}
        })
    }
}

/// One object's life: (from, until) spans of our clock during which it exists.
#[derive(Clone, Debug, Default)]
pub struct Life {
    pub alive: Vec<(i64, i64)>,
    pub created: i64,
    pub updated: i64,
}

impl Life {
    fn is_alive(&self, t: i64) -> bool {
        self.alive.iter().any(|&(a, b)| a <= t && t < b)
    }
    /// Alive at every instant of `[s, e]`.
    fn alive_throughout(&self, s: i64, e: i64) -> bool {
        self.alive.iter().any(|&(a, b)| a <= s && e < b)
    }
    /// Gone at every instant of `[s, e]`.
    fn gone_throughout(&self, s: i64, e: i64) -> bool {
        !self.alive.iter().any(|&(a, b)| a <= e && s < b)
    }
}

/// A provider: a hub or Keap over a set of objects that changes as the virtual clock runs.
pub struct Provider {
    cfg: Config,
    rng: Rng,
    pub objs: BTreeMap<u64, Life>,
    next_id: u64,
    next_mutation: i64,
    mass_at: Option<i64>,
    fmt: DateFormat,
}

impl Provider {
    pub fn new(cfg: &Config) -> Provider {
        let mut p = Provider {
            cfg: cfg.clone(),
            rng: Rng::new(cfg.seed.wrapping_mul(7919)),
            objs: BTreeMap::new(),
            next_id: 1,
            next_mutation: T0,
            mass_at: None,
            fmt: DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap(),
        };
        for i in 0..cfg.initial {
            let at = T0 - 3_600_000 + i as i64 * 1000;
            p.objs.insert(p.next_id, Life { alive: vec![(i64::MIN, i64::MAX)], created: at, updated: at });
            p.next_id += 1;
        }
        if cfg.mass_delete > 0.0 {
            p.mass_at = Some(T0 + p.rng.range(1, cfg.cycles as i64) * cfg.interval_ms);
        }
        p.next_mutation = T0 + p.gap();
        p
    }

    fn gap(&mut self) -> i64 {
        (self.rng.range(1, (2000.0 / self.cfg.rate) as i64)).max(1)
    }

    /// Applies every mutation due by `t`.
    pub fn advance(&mut self, t: i64) {
        while self.next_mutation <= t {
            let at = self.next_mutation;
            self.mutate(at);
            self.next_mutation = at + self.gap();
        }
        if let Some(m) = self.mass_at.filter(|&m| m <= t) {
            self.mass_at = None;
            let alive: Vec<u64> = self.objs.iter().filter(|(_, l)| l.is_alive(m)).map(|(&id, _)| id).collect();
            let n = (alive.len() as f64 * self.cfg.mass_delete) as usize;
            for id in alive.into_iter().take(n) {
                end(self.objs.get_mut(&id).unwrap(), m);
            }
        }
    }

    fn mutate(&mut self, at: i64) {
        let alive: Vec<u64> = self.objs.iter().filter(|(_, l)| l.is_alive(at)).map(|(&id, _)| id).collect();
        let dead: Vec<u64> = self.objs.iter().filter(|(_, l)| !l.is_alive(at)).map(|(&id, _)| id).collect();
        let roll = (self.rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        if roll < self.cfg.p_delete && !alive.is_empty() {
            let id = alive[self.rng.below(alive.len() as u64) as usize];
            end(self.objs.get_mut(&id).unwrap(), at);
        } else if roll < self.cfg.p_delete + self.cfg.p_recreate && !dead.is_empty() {
            // The same id back (a restore, or a provider that reuses ids).
            let id = dead[self.rng.below(dead.len() as u64) as usize];
            let l = self.objs.get_mut(&id).unwrap();
            l.alive.push((at, i64::MAX));
            l.created = at;
            l.updated = at;
        } else if roll < 0.75 || alive.is_empty() {
            self.objs.insert(self.next_id, Life { alive: vec![(at, i64::MAX)], created: at, updated: at });
            self.next_id += 1;
        } else {
            let id = alive[self.rng.below(alive.len() as u64) as usize];
            self.objs.get_mut(&id).unwrap().updated = at;
        }
    }

    fn record(&self, id: u64, l: &Life) -> String {
        format!(
            "{{\"id\":{id},\"creation_date\":\"{}\",\"modification_date\":\"{}\"}}",
            self.fmt.format(l.created, &Zone::UTC),
            self.fmt.format(l.updated, &Zone::UTC)
        )
    }

    pub fn serve(&mut self, req: &Request, t: i64) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.advance(t);
        let date = ("Date".to_owned(), chrono::DateTime::from_timestamp_millis(t).unwrap().format("%a, %d %b %Y %H:%M:%S GMT").to_string());
        if self.rng.chance(self.cfg.p_5xx) {
            return (503, vec![date], b"{\"message\":\"unavailable\"}".to_vec());
        }
        if self.rng.chance(self.cfg.p_fail) {
            return (400, vec![date], b"{\"message\":\"bad request\"}".to_vec());
        }
        let broken = self.cfg.broken_listing && t >= T0 + 2 * self.cfg.interval_ms;
        let (path, query) = req.http.url.split_once('?').unwrap_or((&req.http.url, ""));
        let list = if self.cfg.keap { format!("{KEAP_BASE}/v1/appointments") } else { format!("{HUB_BASE}/hubs/crm/appointments") };
        if let Some(id) = path.strip_prefix(&format!("{list}/")) {
            let id: u64 = id.parse().expect("a numeric id");
            return match self.objs.get(&id).filter(|l| l.is_alive(t)) {
                Some(l) => (200, vec![date], self.record(id, l).into_bytes()),
                None => (404, vec![date], format!("{{\"message\":\"no appointment {id}\"}}").into_bytes()),
            };
        }
        assert_eq!(path.trim_end_matches('/'), list);
        let mut floor = i64::MIN;
        let (mut size, mut offset) = (200usize, 0usize);
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = http::decode_component(v);
            match k {
                "where" => {
                    let lit = v.trim_start_matches("modification_date>=").trim_matches('\'');
                    floor = self.fmt.parse(lit, &Zone::UTC).expect("where literal");
                }
                "since" => floor = self.fmt.parse(&v, &Zone::UTC).expect("since literal"),
                "pageSize" | "limit" => size = v.parse().unwrap(),
                "nextPage" => offset = v.trim_start_matches('o').parse().unwrap(),
                "offset" => offset = v.parse().unwrap(),
                _ => {}
            }
        }
        // A full listing renders the epoch (so does a first poll, with no watermark yet).
        let full = floor < T0 - 86_400_000;
        if broken && full && self.rng.chance(0.5) {
            return (503, vec![date], b"{\"message\":\"unavailable\"}".to_vec());
        }
        let mut rows: Vec<(u64, &Life)> = self.objs.iter().filter(|(_, l)| l.is_alive(t) && l.updated >= floor).map(|(&id, l)| (id, l)).collect();
        if !self.cfg.by_id {
            rows.sort_by_key(|(id, l)| (l.updated, *id));
        }
        let page: Vec<String> = rows.iter().skip(offset).take(size).map(|(id, l)| self.record(*id, l)).collect();
        let more = offset + size < rows.len();
        let mut headers = vec![date];
        let mut body = if self.cfg.keap {
            // Keap links a next page from every page, the last one too.
            let next =
                format!("{list}?limit={size}&offset={}&since={}", offset + size, http::encode_component(&self.fmt.format(floor.max(0), &Zone::UTC)));
            format!("{{\"appointments\":[{}],\"count\":{},\"next\":\"{next}\"}}", page.join(","), rows.len())
        } else {
            if more {
                headers.push(("elements-next-page-token".into(), format!("o{}", offset + size)));
            }
            format!("[{}]", page.join(","))
        };
        if self.rng.chance(self.cfg.p_truncated) || (broken && full) {
            body.truncate(body.len() / 2);
        }
        (200, headers, body.into_bytes())
    }
}

fn end(l: &mut Life, at: i64) {
    if let Some(last) = l.alive.last_mut().filter(|s| s.1 == i64::MAX) {
        last.1 = at;
    }
}

/// One delivered event.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub id: String,
    pub kind: EventType,
    pub event_id: String,
    pub cycle: usize,
}

/// A cycle whose events were delivered.
#[derive(Clone, Debug)]
pub struct Cycle {
    pub span: (i64, i64),
    pub saved: bool,
    pub reconciled: bool,
    pub held: bool,
    pub held_said: bool,
    /// Ids gone from a multi-page listing that were found by id (it had missed them).
    pub slid: usize,
    /// Its full listing failed and it polled the date window instead (`reconcile.failed`).
    pub fell_back: bool,
    /// The listing the state carried before it and after it (when it reconciled).
    pub before: Option<IdSet>,
    pub after: Option<IdSet>,
}

pub struct Run {
    pub delivered: Vec<Delivered>,
    pub cycles: Vec<Cycle>,
    pub failed: usize,
    pub requests: usize,
}

fn listing_of(state: Option<&str>) -> Option<IdSet> {
    let s = State::from_json(state?).unwrap();
    s.listing.map(|l| IdSet::decode(&l.ids).unwrap())
}

/// The host: a cycle every interval; deliver, then save; crashes. `settle` quiet cycles at the
/// end (no faults, no mutations, each asked to reconcile) let every delete be reported.
pub fn run(cfg: &Config, settle: usize) -> (Run, Provider) {
    let mut provider = Provider::new(cfg);
    let mut rng = Rng::new(cfg.seed ^ 0x51ab);
    let spec = Spec::from_resource(&cfg.resource()).unwrap();
    let mut store: Option<String> = None;
    let mut clock = T0;
    let mut out = Run { delivered: vec![], cycles: vec![], failed: 0, requests: 0 };
    for k in 0..cfg.cycles + settle {
        let quiet = k >= cfg.cycles;
        if quiet {
            provider.cfg.p_5xx = 0.0;
            provider.cfg.p_fail = 0.0;
            provider.cfg.p_truncated = 0.0;
            provider.cfg.broken_listing = false;
            provider.next_mutation = i64::MAX;
            provider.mass_at = None;
        }
        clock = clock.max(T0 + k as i64 * cfg.interval_ms);
        let state = store.as_deref().map(|s| State::from_json(s).unwrap());
        let opts = detect::Options { now: clock, start_from: "beginning".into(), instance: Some("i-1".into()), ..Default::default() };
        let base = if cfg.keap { KEAP_BASE } else { HUB_BASE };
        let mut co = CycleOptions::new(spec.clone(), state, opts, base);
        co.api = if cfg.keap { Api::Direct } else { Api::Hub };
        co.seed = cfg.seed + k as u64;
        co.base_backoff_ms = 100;
        co.max_backoff_ms = 1000;
        co.reconcile = quiet || rng.chance(cfg.p_force);
        let mut cycle = PollCycle::new(co).unwrap();
        let start = clock;
        let mut crashed = false;
        while let Some(req) = cycle.next_request() {
            clock += req.delay_ms as i64;
            let (status, headers, body) = provider.serve(&req, clock);
            out.requests += 1;
            cycle.handle_response(Response { status, headers: &headers, body: &body });
            clock += rng.range(50, 1500);
            if !quiet && rng.chance(cfg.p_crash_mid) {
                crashed = true;
                break;
            }
        }
        if crashed {
            out.failed += 1;
            continue;
        }
        let reconciled = cycle.is_reconciling();
        let o = match cycle.finish() {
            Ok(o) => o,
            Err(_) => {
                out.failed += 1;
                continue;
            }
        };
        let idx = out.cycles.len();
        for i in 0..o.events.len() {
            out.delivered.push(Delivered {
                id: o.events.object_id(i).to_owned(),
                kind: o.events.event_type(i),
                event_id: o.events.event_id(i),
                cycle: idx,
            });
        }
        let saved = quiet || !rng.chance(cfg.p_crash_after_delivery);
        let new_state = o.state.to_json();
        out.cycles.push(Cycle {
            span: (start, clock),
            saved,
            reconciled,
            held: o.stats.held,
            slid: o.stats.missed,
            held_said: o.diagnostics.iter().any(|d| d.code == "reconcile.held"),
            fell_back: o.diagnostics.iter().any(|d| d.code == "reconcile.failed"),
            before: listing_of(store.as_deref()),
            after: listing_of(Some(&new_state)),
        });
        assert_eq!(reconciled, o.stats.reconciled);
        if saved {
            store = Some(new_state);
        }
    }
    (out, provider)
}

/// The tally of one or many runs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub seeds: u64,
    pub deleted: u64,
    pub false_deletes: u64,
    pub missed_deletes: u64,
    pub duplicated: u64,
    pub crash_repeats: u64,
    pub not_created_again: u64,
    pub held: u64,
    pub held_unsaid: u64,
    pub held_deleted: u64,
    pub reconciled: u64,
    /// Rows a multi-page listing missed (a delete slid them back) and asking by id found.
    pub slid: u64,
    /// Cycles whose full listing failed and that polled the date window instead.
    pub fell_back: u64,
    pub failed: u64,
    pub requests: u64,
    /// Objects gone at the end that a listing had and whose last event is not DELETED, and
    /// objects there whose last event is.
    pub unsettled: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.seeds += o.seeds;
        self.deleted += o.deleted;
        self.false_deletes += o.false_deletes;
        self.missed_deletes += o.missed_deletes;
        self.duplicated += o.duplicated;
        self.crash_repeats += o.crash_repeats;
        self.not_created_again += o.not_created_again;
        self.held += o.held;
        self.held_unsaid += o.held_unsaid;
        self.held_deleted += o.held_deleted;
        self.reconciled += o.reconciled;
        self.slid += o.slid;
        self.fell_back += o.fell_back;
        self.failed += o.failed;
        self.requests += o.requests;
        self.unsettled += o.unsettled;
    }
    pub fn clean(&self) -> bool {
        self.false_deletes == 0
            && self.missed_deletes == 0
            && self.duplicated == 0
            && self.not_created_again == 0
            && self.held_unsaid == 0
            && self.held_deleted == 0
            && self.unsettled == 0
    }
}

impl Run {
    pub fn check(&self, p: &Provider, settled: bool) -> Tally {
        let mut t = Tally { seeds: 1, failed: self.failed as u64, requests: self.requests as u64, ..Tally::default() };
        let life = |id: &str| p.objs.get(&id.parse::<u64>().unwrap());
        for (idx, c) in self.cycles.iter().enumerate() {
            t.reconciled += u64::from(c.reconciled);
            t.slid += c.slid as u64;
            t.fell_back += u64::from(c.fell_back);
            let deleted: Vec<&Delivered> = self.delivered.iter().filter(|d| d.cycle == idx && d.kind == EventType::Deleted).collect();
            if c.held {
                t.held += 1;
                t.held_unsaid += u64::from(!c.held_said);
                t.held_deleted += deleted.len() as u64;
            }
            for d in &deleted {
                t.deleted += 1;
                if life(&d.id).is_none_or(|l| l.alive_throughout(c.span.0, c.span.1)) {
                    t.false_deletes += 1;
                }
            }
            // Missed: an object of the previous complete listing gone throughout this one.
            if c.reconciled && !c.held {
                let ids: HashSet<&str> = deleted.iter().map(|d| d.id.as_str()).collect();
                if let Some(before) = &c.before {
                    for id in before.minus(&IdSet::new()) {
                        if life(&id).is_some_and(|l| l.gone_throughout(c.span.0, c.span.1)) && !ids.contains(id.as_str()) {
                            t.missed_deletes += 1;
                        }
                    }
                }
            }
        }
        // Each DELETED once: a repeat only after a cycle that delivered it without saving.
        let mut by_id: BTreeMap<&str, Vec<&Delivered>> = BTreeMap::new();
        for d in &self.delivered {
            by_id.entry(d.id.as_str()).or_default().push(d);
        }
        for events in by_id.values() {
            for w in events.windows(2) {
                let (a, b) = (w[0], w[1]);
                if a.kind == EventType::Deleted && b.kind == EventType::Deleted {
                    if self.cycles[a.cycle].saved || a.event_id != b.event_id {
                        t.duplicated += 1;
                    } else {
                        t.crash_repeats += 1;
                    }
                }
                // Back after its DELETED (the state saved it): the next event is CREATED.
                if a.kind == EventType::Deleted && b.kind != EventType::Deleted && self.cycles[a.cycle].saved && b.kind != EventType::Created {
                    t.not_created_again += 1;
                }
            }
        }
        if settled {
            // What the saved states know of: listed, or emitted. Each one gone at the end
            // has DELETED as its last event (of the saved cycles), and no other has.
            let end = self.cycles.last().map_or(T0, |c| c.span.1);
            let saved: Vec<&Delivered> = self.delivered.iter().filter(|d| self.cycles[d.cycle].saved).collect();
            let mut known: HashSet<String> =
                self.cycles.iter().filter(|c| c.saved).filter_map(|c| c.after.as_ref()).flat_map(|s| s.minus(&IdSet::new())).collect();
            known.extend(saved.iter().map(|d| d.id.clone()));
            for (id, l) in &p.objs {
                let last = saved.iter().rev().find(|d| d.id == id.to_string()).map(|d| d.kind);
                let alive = l.is_alive(end);
                if (!alive && known.contains(&id.to_string()) && last != Some(EventType::Deleted)) || (alive && last == Some(EventType::Deleted)) {
                    if std::env::var_os("SIM_DEBUG").is_some() {
                        println!("unsettled {id}: alive {alive}, last {last:?}");
                    }
                    t.unsettled += 1;
                }
            }
        }
        t
    }
}
