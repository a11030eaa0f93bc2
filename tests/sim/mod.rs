//! A deterministic simulation: a provider (a hub over a changing data set), a poller host,
//! a virtual clock and a seed, in the style of quinn-proto's `Pair` and str0m's `progress()`.
//!
//! The provider implements the CEQL where clause on the updated field (`>=` or `>`), orders
//! results (by updated then id, or by id), pages with offsets or cursors, stamps records with
//! its own (skewed) clock, shows some versions late, and injects 429s, 5xx and malformed
//! bodies. The host drives a poll cycle exactly as a real host would, persists state as a
//! string, and crashes at random points. [`Outcome::check`] compares what was delivered with
//! what could have been observed.
//!
//! With `keap` (a direct element, [`Config::keap_from_seed`]) the provider is Keap REST v1
//! instead: `since` on the updated date, offset/limit paging with an absolute `next` link that
//! drops `optional_properties` and is there on the last page too, `+0000` dates, the records
//! under `appointments`, access tokens that expire (401 until a request comes with a refreshed
//! token), and 429s with Keap's throttle headers and no `Retry-After`.

#![allow(dead_code)]

pub mod deletes;

use elements_poller::cycle::{self, Api, CycleOptions, HostAuth, PollCycle, Request};
use elements_poller::datefmt::DateFormat;
use elements_poller::detect::{self, EventType, Spec, State};
use elements_poller::http::{self, Response};
use elements_poller::zone::Zone;
use std::collections::HashMap;

/// splitmix64.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5851_f42d_4c95_7f2d)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    UpdatedThenId,
    Id,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    Offset,
    Cursor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Beginning,
    Now,
    /// An ISO instant this many ms after the virtual epoch (provider time).
    At(i64),
}

/// Everything one seed decides.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub order: Order,
    pub paging: Paging,
    pub page_size: u32,
    /// The where clause renders seconds while the data carries milliseconds.
    pub where_seconds: bool,
    pub where_strict: bool,
    pub records_field: Option<&'static str>,
    /// Provider clock minus ours.
    pub skew_ms: i64,
    pub lookback_ms: i64,
    pub p_late: f64,
    pub poll_interval_ms: i64,
    pub polls: usize,
    pub initial_objects: usize,
    pub mutations_per_interval: u64,
    pub p_burst: f64,
    pub latency_ms: i64,
    pub p_429: f64,
    pub p_5xx: f64,
    pub p_malformed: f64,
    pub p_crash_mid: f64,
    pub p_crash_after_delivery: f64,
    pub start: Start,
    pub max_seen: usize,
    /// `false`: no where clause at all (the Infusionsoft appointments preset): every poll
    /// lists everything and detection alone decides.
    pub where_clause: bool,
    /// The poller's `pollDelay`, in seconds.
    pub poll_delay_s: i64,
    /// Mutations stamped while the first poll is in flight (the baseline's hazard).
    pub first_poll_mutations: u64,
    /// The provider is Keap REST v1 itself (a direct element), not a hub.
    pub keap: bool,
    /// Keap: the chance that the access token expires before a request (401 until refreshed).
    pub p_expire: f64,
    /// The resource's `createdCheckTolerance`, in seconds (0 for every seed; the scripted
    /// boundary histories set it to put the created floor below the start).
    pub created_check_tolerance_s: i64,
}

/// Keap's REST base url: the cycle's `baseUrl` and the origin of its `next` links.
pub const KEAP_BASE: &str = "https://api.infusionsoft.com/crm/rest";

/// The virtual epoch: our clock starts here.
pub const T0: i64 = 1_700_000_000_000;

impl Config {
    pub fn from_seed(seed: u64) -> Config {
        let mut r = Rng::new(seed);
        let faults = r.chance(0.7);
        Config {
            seed,
            order: if r.chance(0.5) { Order::UpdatedThenId } else { Order::Id },
            paging: if r.chance(0.5) { Paging::Offset } else { Paging::Cursor },
            page_size: r.range(2, 8) as u32,
            where_seconds: r.chance(0.5),
            where_strict: r.chance(0.5),
            records_field: if r.chance(0.3) { Some("appointments") } else { None },
            skew_ms: match r.below(3) {
                0 => 0,
                1 => r.range(-3_600_000, 3_600_000),
                _ => r.range(-5_000, 5_000),
            },
            lookback_ms: r.range(5, 30) * 1000,
            p_late: if r.chance(0.6) { 0.2 } else { 0.0 },
            poll_interval_ms: r.range(5, 40) * 1000,
            polls: r.range(4, 10) as usize,
            initial_objects: r.range(0, 20) as usize,
            mutations_per_interval: r.range(1, 8) as u64,
            p_burst: 0.15,
            latency_ms: r.range(50, 3000),
            p_429: if faults { 0.06 } else { 0.0 },
            p_5xx: if faults { 0.06 } else { 0.0 },
            p_malformed: if faults { 0.03 } else { 0.0 },
            p_crash_mid: if faults { 0.03 } else { 0.0 },
            p_crash_after_delivery: if faults { 0.1 } else { 0.0 },
            start: match r.below(3) {
                0 => Start::Beginning,
                1 => Start::Now,
                _ => Start::At(-r.range(0, 1_800_000)),
            },
            max_seen: detect::DEFAULT_MAX_SEEN,
            // Drawn last so the other fields of a seed stay as they were.
            where_clause: !r.chance(0.15),
            poll_delay_s: r.pick(&[0, 0, 1, 5]),
            first_poll_mutations: r.pick(&[0, 2, 6]),
            keap: false,
            p_expire: 0.0,
            created_check_tolerance_s: 0,
        }
    }

    /// A seed's run against Keap REST v1 polled directly: offset paging with `next` links (Keap
    /// pages only by offset), the records under the envelope key the element knows, tokens
    /// that expire when the seed has faults.
    pub fn keap_from_seed(seed: u64) -> Config {
        let c = Config::from_seed(seed);
        let faults = c.p_5xx > 0.0;
        Config { keap: true, paging: Paging::Offset, records_field: None, p_expire: if faults { 0.05 } else { 0.0 }, ..c }
    }

    fn where_format(&self) -> &'static str {
        if self.where_seconds { "yyyy-MM-dd'T'HH:mm:ss'Z'" } else { "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" }
    }

    pub fn resource(&self) -> serde_json::Value {
        if self.keap {
            return self.keap_resource();
        }
        let op = if self.where_strict { ">" } else { ">=" };
        let url = if self.where_clause {
            format!("/hubs/crm/appointments?where=modification_date{op}'${{gmtDate:{}}}'", self.where_format())
        } else {
            "/hubs/crm/appointments".to_string()
        };
        serde_json::json!({
            "name": "appointments",
            "url": url,
            "idField": "id",
            "pageSize": self.page_size.to_string(),
            "datesConfiguration": {
                "updatedDateField": "modification_date", "updatedDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "updatedDateTimezone": "GMT",
                "createdDateField": "creation_date", "createdDateFormat": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", "createdDateTimezone": "GMT"
            },
            "createdCheckTolerance": self.created_check_tolerance_s,
            "pollDelay": self.poll_delay_s
        })
    }

    /// Keap's appointments, `since` from the floor (or listed whole, as Keap lists opportunities
    /// and notes), `optional_properties` that Keap's `next` links drop.
    fn keap_resource(&self) -> serde_json::Value {
        let url = if self.where_clause {
            format!("/v1/appointments?since=${{gmtDate:{}}}&optional_properties=custom_fields", self.where_format())
        } else {
            "/v1/appointments?optional_properties=custom_fields".to_string()
        };
        let keap = "yyyy-MM-dd'T'HH:mm:ss.SSSZ";
        serde_json::json!({
            "name": "appointments",
            "url": url,
            "idField": "id",
            "pageSize": self.page_size,
            "datesConfiguration": {
                "updatedDateField": "modification_date", "updatedDateFormat": keap, "updatedDateTimezone": "GMT",
                "createdDateField": "creation_date", "createdDateFormat": keap, "createdDateTimezone": "GMT"
            },
            "createdCheckTolerance": 0,
            "pollDelay": self.poll_delay_s
        })
    }

    /// How far before the start a provider whose clock is behind ours may stamp a version
    /// that the baseline did not read and that must still be emitted (DESIGN section 6).
    pub fn allowance_ms(&self) -> i64 {
        self.lookback_ms + self.poll_delay_s * 1000
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Version {
    /// Provider-clock instant stamped on the record.
    pub u: i64,
    /// Virtual (our-clock) time at which the API starts showing it.
    pub vis: i64,
}

#[derive(Clone, Debug)]
pub struct Obj {
    pub id: u64,
    pub created: i64,
    pub versions: Vec<Version>,
}

impl Obj {
    fn shown(&self, t: i64) -> Option<Version> {
        self.versions.iter().filter(|v| v.vis <= t).max_by_key(|v| v.u).copied()
    }
}

/// The hub: the full history of every object, decided up front from the seed.
pub struct Provider {
    pub objs: Vec<Obj>,
    cfg: Config,
    rng: Rng,
    ms: DateFormat,
    s: DateFormat,
    /// Keap's `+0000` form.
    keap_ms: DateFormat,
    /// Keap: the access token has expired; requests get 401 until one comes with a refreshed token.
    expired: bool,
    pub requests: usize,
    /// Keap: 401s answered, and requests sent with a refreshed token.
    pub unauthorized: usize,
    pub refreshed: usize,
}

impl Provider {
    pub fn new(cfg: &Config) -> Provider {
        let mut r = Rng::new(cfg.seed.wrapping_mul(31).wrapping_add(7));
        let mut objs: Vec<Obj> = Vec::new();
        // Virtual times of mutations: the initial population in the hour before we start,
        // then mutations spread over the whole run, many of them while cycles are running.
        let mut times: Vec<(i64, usize)> = Vec::new();
        for _ in 0..cfg.initial_objects {
            times.push((T0 - r.range(1_000, 3_600_000), 1));
        }
        let horizon = cfg.poll_interval_ms * cfg.polls as i64 + 60_000;
        let count = cfg.mutations_per_interval * cfg.polls as u64;
        for _ in 0..count {
            let n = if r.chance(cfg.p_burst) { r.range(3, 12) as usize } else { 1 };
            times.push((T0 + r.range(0, horizon), n));
        }
        // While the first poll is in flight (its first request leaves at T0), some in the very
        // millisecond it starts: with a provider clock behind ours, these are stamped before
        // our start.
        for i in 0..cfg.first_poll_mutations {
            times.push((if i == 0 { T0 } else { T0 + r.range(0, 4_000) }, 1));
        }
        times.sort();
        let mut next_id = 1u64;
        let mut last_at = i64::MIN;
        for (t, n) in times {
            // One instant per mutation and strictly increasing: a burst shares its instant.
            let t = t.max(last_at + 1);
            last_at = t;
            let u = t + cfg.skew_ms;
            let mut touched = Vec::new();
            for _ in 0..n {
                let vis = if r.chance(cfg.p_late) { t + r.range(1, cfg.lookback_ms) } else { t };
                let update = !objs.is_empty() && r.chance(0.55);
                if update {
                    let i = r.below(objs.len() as u64) as usize;
                    if touched.contains(&i) || objs[i].versions.last().is_some_and(|v| v.u >= u) {
                        continue;
                    }
                    touched.push(i);
                    objs[i].versions.push(Version { u, vis });
                } else {
                    touched.push(objs.len());
                    objs.push(Obj { id: next_id, created: u, versions: vec![Version { u, vis }] });
                    next_id += 1;
                }
            }
        }
        Provider::scripted(cfg, objs)
    }

    /// A hub over a given history (the boundary scenarios) instead of one drawn from the seed;
    /// faults are still drawn from the seed when the configuration asks for them.
    pub fn scripted(cfg: &Config, objs: Vec<Obj>) -> Provider {
        Provider {
            objs,
            cfg: cfg.clone(),
            rng: Rng::new(cfg.seed ^ 0xabcdef),
            ms: DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap(),
            s: DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss'Z'").unwrap(),
            keap_ms: DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSSZ").unwrap(),
            expired: false,
            requests: 0,
            unauthorized: 0,
            refreshed: 0,
        }
    }

    /// The hub's `Date` header: its clock, to the second.
    fn date_header(&self, t: i64) -> (String, String) {
        let p = t + self.cfg.skew_ms;
        let d = chrono::DateTime::from_timestamp_millis(p).unwrap();
        ("Date".into(), d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
    }

    /// Serves `req` at virtual time `t`.
    pub fn serve(&mut self, req: &Request, t: i64) -> (u16, Vec<(String, String)>, Vec<u8>) {
        if self.cfg.keap {
            return self.serve_keap(req, t);
        }
        self.requests += 1;
        let date = self.date_header(t);
        if self.rng.chance(self.cfg.p_429) {
            let h = match self.rng.below(3) {
                0 => ("Retry-After".to_string(), self.rng.range(1, 5).to_string()),
                1 => {
                    let at = chrono::DateTime::from_timestamp_millis(t + self.cfg.skew_ms + self.rng.range(1, 5) * 1000).unwrap();
                    ("Retry-After".to_string(), at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
                }
                _ => {
                    let at = chrono::DateTime::from_timestamp_millis(t + self.cfg.skew_ms + self.rng.range(1, 3) * 1000).unwrap();
                    ("x-keap-product-throttle-expiry-time".to_string(), at.to_rfc3339())
                }
            };
            let mut headers = vec![date, h];
            headers.push(("x-keap-product-throttle-available".into(), "0".into()));
            return (429, headers, b"{\"message\":\"Request Throttled\"}".to_vec());
        }
        if self.rng.chance(self.cfg.p_5xx) {
            return (self.rng.pick(&[500, 502, 503, 504]), vec![date], b"upstream error".to_vec());
        }
        let query = req.http.url.split_once('?').map_or("", |(_, q)| q);
        let mut floor: Option<(bool, i64)> = None;
        let mut page_size = 200usize;
        let mut token: Option<String> = None;
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = http::decode_component(v);
            match k {
                "where" => {
                    let rest = v.strip_prefix("modification_date").expect("where on the updated field");
                    let (strict, lit) =
                        if let Some(l) = rest.strip_prefix(">=") { (false, l) } else { (true, rest.strip_prefix('>').expect("operator")) };
                    let lit = lit.trim_matches('\'');
                    let at = self.ms.parse(lit, &Zone::UTC).or_else(|_| self.s.parse(lit, &Zone::UTC)).expect("where literal parses");
                    floor = Some((strict, at));
                }
                "pageSize" => page_size = v.parse().unwrap(),
                "nextPage" => token = Some(v),
                _ => {}
            }
        }
        let mut rows: Vec<(u64, i64, i64)> = self
            .objs
            .iter()
            .filter_map(|o| o.shown(t).map(|v| (o.id, v.u, o.created)))
            .filter(|&(_, u, _)| match floor {
                None => true,
                Some((true, f)) => u > f,
                Some((false, f)) => u >= f,
            })
            .collect();
        match self.cfg.order {
            Order::UpdatedThenId => rows.sort_by_key(|&(id, u, _)| (u, id)),
            Order::Id => rows.sort_by_key(|&(id, _, _)| id),
        }
        let (page, next): (Vec<_>, Option<String>) = match self.cfg.paging {
            Paging::Offset => {
                let off: usize = token.map_or(0, |t| t.trim_start_matches('o').parse().unwrap());
                let page: Vec<_> = rows.iter().skip(off).take(page_size).copied().collect();
                let next = (off + page_size < rows.len()).then(|| format!("o{}", off + page_size));
                (page, next)
            }
            Paging::Cursor => {
                // Keyset paging: the token is the sort key of the last row returned.
                let after: Option<(i64, u64)> = token.map(|t| {
                    let (u, id) = t.trim_start_matches('c').split_once('_').unwrap();
                    (u.parse().unwrap(), id.parse().unwrap())
                });
                let key = |&(id, u, _): &(u64, i64, i64)| match self.cfg.order {
                    Order::UpdatedThenId => (u, id),
                    Order::Id => (0, id),
                };
                let rest: Vec<_> = rows.iter().filter(|r| after.is_none_or(|a| key(r) > a)).copied().collect();
                let page: Vec<_> = rest.iter().take(page_size).copied().collect();
                let next = (rest.len() > page_size).then(|| {
                    let (u, id) = key(page.last().unwrap());
                    format!("c{u}_{id}")
                });
                (page, next)
            }
        };
        let mut body = String::from(if self.cfg.records_field.is_some() { "{\"count\":0,\"appointments\":[" } else { "[" });
        for (i, (id, u, created)) in page.iter().enumerate() {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                "{{\"id\":{id},\"title\":\"Visit \\\"{id}\\\"\",\"creation_date\":\"{}\",\"modification_date\":\"{}\",\"contact_id\":{},\"notes\":[1,{{\"a\":null}}]}}",
                self.ms.format(*created, &Zone::UTC),
                self.ms.format(*u, &Zone::UTC),
                id * 7
            ));
        }
        body.push_str(if self.cfg.records_field.is_some() { "]}" } else { "]" });
        if self.rng.chance(self.cfg.p_malformed) {
            body.truncate(body.len() / 2);
            if body.is_empty() {
                body.push('{');
            }
        }
        let mut headers = vec![date, ("elements-total-count".into(), rows.len().to_string())];
        if let Some(n) = next {
            headers.push(("elements-next-page-token".into(), n));
        }
        (200, headers, body.into_bytes())
    }
}

impl Provider {
    /// The rows visible at `t` from `floor` (`(strict, instant)`), in the seed's order.
    fn rows(&self, t: i64, floor: Option<(bool, i64)>) -> Vec<(u64, i64, i64)> {
        let mut rows: Vec<(u64, i64, i64)> = self
            .objs
            .iter()
            .filter_map(|o| o.shown(t).map(|v| (o.id, v.u, o.created)))
            .filter(|&(_, u, _)| match floor {
                None => true,
                Some((true, f)) => u > f,
                Some((false, f)) => u >= f,
            })
            .collect();
        match self.cfg.order {
            Order::UpdatedThenId => rows.sort_by_key(|&(id, u, _)| (u, id)),
            Order::Id => rows.sort_by_key(|&(id, _, _)| id),
        }
        rows
    }

    /// Keap REST v1's `GET /v1/appointments` at virtual time `t` (facts §1, §5, §6).
    fn serve_keap(&mut self, req: &Request, t: i64) -> (u16, Vec<(String, String)>, Vec<u8>) {
        self.requests += 1;
        let date = self.date_header(t);
        assert_eq!(req.auth, Some(HostAuth::Bearer), "a direct request asks the host for its bearer token");
        assert!(req.http.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("authorization")), "the core holds no token");
        let (path, query) = req.http.url.split_once('?').unwrap_or((&req.http.url, ""));
        assert!(path.trim_end_matches('/') == format!("{KEAP_BASE}/v1/appointments"), "{path}");
        // The token: a request with a refreshed one is served; an expired one gets the
        // gateway's 401 until then.
        if req.refresh_token {
            self.refreshed += 1;
            self.expired = false;
        } else if !self.expired && self.rng.chance(self.cfg.p_expire) {
            self.expired = true;
        }
        if self.expired {
            self.unauthorized += 1;
            let body = br#"{"fault":{"faultstring":"Invalid access token","detail":{"errorcode":"oauth.v2.InvalidAccessToken"}}}"#;
            return (401, vec![date], body.to_vec());
        }
        let quota = |available: i64| {
            vec![
                ("x-keap-product-throttle-limit".to_string(), "1500".to_string()),
                ("x-keap-product-throttle-available".to_string(), available.to_string()),
                ("x-keap-product-quota-available".to_string(), "149000".to_string()),
            ]
        };
        if self.rng.chance(self.cfg.p_429) {
            // No Retry-After on Keap: its throttle headers, with or without an expiry.
            let mut headers = vec![date];
            headers.extend(quota(0));
            if self.rng.chance(0.5) {
                let at = chrono::DateTime::from_timestamp_millis(t + self.cfg.skew_ms + self.rng.range(1, 3) * 1000).unwrap();
                headers.push(("x-keap-product-throttle-expiry-time".to_string(), at.to_rfc3339()));
            }
            return (429, headers, br#"{"code":"429","message":"Quota Exceeded","status":"Request Throttled","details":null}"#.to_vec());
        }
        if self.rng.chance(self.cfg.p_5xx) {
            return (self.rng.pick(&[500, 502, 503, 504]), vec![date], br#"{"message":"Internal Server Error"}"#.to_vec());
        }
        let mut since: Option<String> = None;
        let (mut limit, mut offset) = (1000usize, 0usize);
        let mut optional = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "since" => since = Some(http::decode_component(v)),
                "limit" => limit = v.parse().expect("limit is a number"),
                "offset" => offset = v.parse().expect("offset is a number"),
                "optional_properties" => optional |= v == "custom_fields",
                _ => {}
            }
        }
        assert!(optional, "every page asks for custom_fields: the element puts back what Keap's next link drops ({})", req.http.url);
        let floor = since.as_deref().map(|lit| {
            let at = self.ms.parse(lit, &Zone::UTC).or_else(|_| self.s.parse(lit, &Zone::UTC)).expect("since parses");
            // Whether Keap's `since` is inclusive is not stated: the seed decides.
            (self.cfg.where_strict, at)
        });
        let rows = self.rows(t, floor);
        let page: Vec<_> = rows.iter().skip(offset).take(limit).copied().collect();
        let mut records = Vec::new();
        for (id, u, created) in &page {
            records.push(format!(
                r#"{{"id":{id},"title":"Visit {id}","creation_date":"{}","modification_date":"{}","contact_id":{},"custom_fields":[{{"id":1,"content":null}}]}}"#,
                self.keap_ms.format(*created, &Zone::UTC),
                self.keap_ms.format(*u, &Zone::UTC),
                id * 7
            ));
        }
        // Keap's link, on the last page too: `limit` is what this page returned, `offset` moves
        // on by the limit asked for, `since` echoed, `order=id` added, `optional_properties` dropped.
        let mut next = format!("{KEAP_BASE}/v1/appointments/?limit={}&offset={}", page.len().min(limit), offset + limit);
        if let Some(s) = &since {
            next.push_str(&format!("&since={}", http::encode_component(s)));
        }
        next.push_str("&order=id");
        let previous = format!("{KEAP_BASE}/v1/appointments/?limit={limit}&offset={}", offset.saturating_sub(limit));
        let mut body = format!(
            r#"{{"appointments":[{}],"count":{},"next":"{next}","previous":"{previous}","sync_token":"s{t}"}}"#,
            records.join(","),
            page.len()
        );
        if self.rng.chance(self.cfg.p_malformed) {
            body.truncate(body.len() / 2);
        }
        let mut headers = vec![date];
        headers.extend(quota(1499));
        (200, headers, body.into_bytes())
    }
}

/// One delivered event, as the checker sees it.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub id: String,
    pub instant: i64,
    pub created: bool,
    pub event_id: String,
    pub cycle: usize,
}

/// A cycle driver: ours (PollCycle) or the platform's naive rule.
pub trait Driver {
    fn next_request(&mut self) -> Option<Request>;
    fn handle_response(&mut self, status: u16, headers: &[(String, String)], body: &[u8]);
    /// The events and the state to persist.
    /// The events, the state to persist, and whether the cycle had a clean pass.
    fn finish(self: Box<Self>) -> Result<(Vec<Delivered>, String, bool), String>;
}

/// How a poller is built for one cycle from the persisted state and our clock.
pub trait Poller {
    fn cycle(&self, cfg: &Config, state: Option<&str>, now: i64, seed: u64) -> Box<dyn Driver>;
}

pub struct Ours;

struct OursDriver(PollCycle);

impl Driver for OursDriver {
    fn next_request(&mut self) -> Option<Request> {
        self.0.next_request()
    }
    fn handle_response(&mut self, status: u16, headers: &[(String, String)], body: &[u8]) {
        self.0.handle_response(Response { status, headers, body });
    }
    fn finish(self: Box<Self>) -> Result<(Vec<Delivered>, String, bool), String> {
        let out = self.0.finish().map_err(|e| e.code.to_string())?;
        if std::env::var_os("SIM_DEBUG").is_some() {
            println!("cycle stats {:?} watermark {:?}", out.stats, out.state.watermark.map(|w| w - T0));
        }
        let ev = out
            .events
            .into_iter()
            .map(|e| Delivered { id: e.object_id, instant: e.instant, created: e.event_type == EventType::Created, event_id: e.event_id, cycle: 0 })
            .collect();
        Ok((ev, out.state.to_json(), !out.stats.unstable))
    }
}

impl Poller for Ours {
    fn cycle(&self, cfg: &Config, state: Option<&str>, now: i64, seed: u64) -> Box<dyn Driver> {
        let spec = Spec::from_resource(&cfg.resource()).unwrap();
        let state = state.map(|s| State::from_json(s).expect("persisted state reads back"));
        let start_from = match cfg.start {
            Start::Beginning => "beginning".to_string(),
            Start::Now => "now".to_string(),
            Start::At(off) => detect::iso_utc(T0 + off),
        };
        let d = detect::Options {
            start_from,
            now,
            lookback_ms: cfg.lookback_ms,
            records_field: cfg.records_field.map(str::to_owned),
            element_key: Some("infusionsoftrest".into()),
            instance: Some("instance-1".into()),
            max_seen: cfg.max_seen,
            ..detect::Options::default()
        };
        let base = if cfg.keap { KEAP_BASE } else { "https://hub.example/elements/api-v2" };
        let mut o = CycleOptions::new(spec, state, d, base);
        o.seed = seed;
        if cfg.keap {
            o.api = Api::Direct;
        } else {
            o.auth = Some(cycle::Auth { user: "u".into(), organization: "o".into(), element: "e".into() });
        }
        Box::new(OursDriver(PollCycle::new(o).unwrap()))
    }
}

/// The platform's documented rule: emit if updated > the last poll time, the watermark is the
/// poll's start time (our clock), CREATED if created == updated. Retries like ours.
pub struct Naive;

struct NaiveDriver {
    url: String,
    token: Option<String>,
    now: i64,
    last: Option<i64>,
    ms: DateFormat,
    records_field: Option<&'static str>,
    pending: bool,
    done: Option<Result<(), String>>,
    delay: u64,
    retries: u32,
    events: Vec<Delivered>,
}

impl Poller for Naive {
    fn cycle(&self, cfg: &Config, state: Option<&str>, now: i64, _seed: u64) -> Box<dyn Driver> {
        let start = match cfg.start {
            Start::Beginning => None,
            Start::Now => Some(now),
            Start::At(off) => Some(T0 + off),
        };
        let last: Option<i64> = match state {
            Some(s) => s.parse().ok(),
            None => start,
        };
        let fmt = DateFormat::compile(cfg.where_format()).unwrap();
        let op = if cfg.where_strict { ">" } else { ">=" };
        let lit = fmt.format(last.unwrap_or(0), &Zone::UTC);
        let url = if cfg.where_clause {
            format!(
                "https://hub.example/elements/api-v2/hubs/crm/appointments?where={}&pageSize={}",
                encode(&format!("modification_date{op}'{lit}'")),
                cfg.page_size
            )
        } else {
            format!("https://hub.example/elements/api-v2/hubs/crm/appointments?pageSize={}", cfg.page_size)
        };
        Box::new(NaiveDriver {
            url,
            token: None,
            now,
            last,
            ms: DateFormat::compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").unwrap(),
            records_field: cfg.records_field,
            pending: false,
            done: None,
            delay: 0,
            retries: 0,
            events: Vec::new(),
        })
    }
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

impl Driver for NaiveDriver {
    fn next_request(&mut self) -> Option<Request> {
        if self.done.is_some() {
            return None;
        }
        self.pending = true;
        let mut url = self.url.clone();
        if let Some(t) = &self.token {
            url.push_str("&nextPage=");
            url.push_str(&encode(t));
        }
        Some(Request {
            http: http::Request { method: "GET".into(), url, headers: vec![], body: None },
            delay_ms: std::mem::take(&mut self.delay),
            auth: None,
            refresh_token: false,
        })
    }
    fn handle_response(&mut self, status: u16, headers: &[(String, String)], body: &[u8]) {
        if status != 200 {
            self.retries += 1;
            self.delay = 2000;
            if self.retries > 5 {
                self.done = Some(Err("retries".into()));
            }
            return;
        }
        let v: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => {
                self.done = Some(Err("body".into()));
                return;
            }
        };
        let rows = match self.records_field {
            Some(f) => v[f].as_array().cloned().unwrap_or_default(),
            None => v.as_array().cloned().unwrap_or_default(),
        };
        for r in rows {
            let u = self.ms.parse(r["modification_date"].as_str().unwrap(), &Zone::UTC).unwrap();
            let c = self.ms.parse(r["creation_date"].as_str().unwrap(), &Zone::UTC).unwrap();
            if self.last.is_none_or(|l| u > l) {
                let id = r["id"].to_string();
                let event_id = detect::event_id("instance-1", "appointments", &id, u);
                self.events.push(Delivered { id, instant: u, created: c == u, event_id, cycle: 0 });
            }
        }
        match headers.iter().find(|(k, _)| k == "elements-next-page-token") {
            Some((_, t)) => self.token = Some(t.clone()),
            None => self.done = Some(Ok(())),
        }
    }
    fn finish(self: Box<Self>) -> Result<(Vec<Delivered>, String, bool), String> {
        match self.done {
            Some(Ok(())) => Ok((self.events, self.now.to_string(), true)),
            Some(Err(e)) => Err(e),
            None => Err("unfinished".into()),
        }
    }
}

/// What one run delivered and which cycles it can be held to.
pub struct Outcome {
    pub delivered: Vec<Delivered>,
    /// (first page read, last page read) of every cycle whose events were delivered.
    pub spans: Vec<(i64, i64)>,
    /// Whether each of those cycles had a clean pass (see `Detector::begin_pass`).
    pub stable: Vec<bool>,
    /// Cycles whose events were delivered but whose state was not saved.
    pub unsaved: Vec<bool>,
    /// The oldest instant that must be emitted: the start, or for `startFrom: "now"` the
    /// baseline's start minus the allowance.
    pub origin: Option<i64>,
    /// `startFrom: "now"`: when the last first poll (a cycle without state) finished
    /// reading. What was visible before it is the baseline: emitting it is not required.
    pub baseline_end: Option<i64>,
    pub cycles: usize,
    pub failed_cycles: usize,
    pub requests: usize,
}

/// The host: polls every interval, delivers events, then saves the state, and crashes.
pub fn run(cfg: &Config, poller: &dyn Poller) -> (Outcome, Provider) {
    run_on(cfg, Provider::new(cfg), poller)
}

/// [`run`] against a given provider (a scripted history).
pub fn run_on(cfg: &Config, mut provider: Provider, poller: &dyn Poller) -> (Outcome, Provider) {
    let mut rng = Rng::new(cfg.seed ^ 0x1234_5678);
    let mut store: Option<String> = None;
    let mut clock = T0;
    let mut out = Outcome {
        delivered: vec![],
        spans: vec![],
        stable: vec![],
        unsaved: vec![],
        origin: None,
        baseline_end: None,
        cycles: 0,
        failed_cycles: 0,
        requests: 0,
    };
    out.origin = match cfg.start {
        Start::Beginning => None,
        Start::Now => Some(T0),
        Start::At(off) => Some(T0 + off),
    };
    for k in 0..cfg.polls {
        clock = clock.max(T0 + k as i64 * cfg.poll_interval_ms);
        let baseline = store.is_none() && cfg.start == Start::Now;
        if baseline {
            // "now" is resolved by each cycle that starts without state; the last such
            // cycle's is the one the kept state (if any) carries. A provider whose clock is
            // behind ours stamps what it writes after that start up to the allowance earlier.
            out.origin = Some(clock - cfg.allowance_ms());
        }
        let mut driver = poller.cycle(cfg, store.as_deref(), clock, cfg.seed.wrapping_add(k as u64));
        let mut span: Option<(i64, i64)> = None;
        let mut crashed = false;
        while let Some(req) = driver.next_request() {
            clock += req.delay_ms as i64;
            let (status, headers, body) = provider.serve(&req, clock);
            out.requests += 1;
            if std::env::var_os("SIM_DEBUG").is_some() {
                println!(
                    "  t={} {} -> {status} {}",
                    clock - T0,
                    http::decode_component(req.http.url.split_once('?').map_or("", |q| q.1)),
                    String::from_utf8_lossy(&body).chars().take(400).collect::<String>()
                );
            }
            if status == 200 {
                span = Some((span.map_or(clock, |s| s.0), clock));
            }
            driver.handle_response(status, &headers, &body);
            clock += rng.range(1, cfg.latency_ms);
            if rng.chance(cfg.p_crash_mid) {
                // The process dies mid-cycle: nothing delivered, nothing saved.
                crashed = true;
                break;
            }
        }
        out.cycles += 1;
        if crashed {
            out.failed_cycles += 1;
            continue;
        }
        match driver.finish() {
            Ok((events, state, stable)) => {
                if baseline {
                    out.baseline_end = span.map(|s| s.1);
                }
                let idx = out.spans.len();
                out.spans.push(span.expect("a finished cycle read a page"));
                out.stable.push(stable);
                out.delivered.extend(events.into_iter().map(|mut e| {
                    e.cycle = idx;
                    e
                }));
                let crash = rng.chance(cfg.p_crash_after_delivery);
                out.unsaved.push(crash);
                if !crash {
                    store = Some(state);
                }
            }
            Err(_) => out.failed_cycles += 1,
        }
    }
    (out, provider)
}

/// The tally of one or many runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub seeds: u64,
    pub observable: u64,
    pub delivered: u64,
    pub lost: u64,
    /// Shown throughout only cycles that found no clean pass (documented degrade).
    pub lost_unstable: u64,
    pub unstable_cycles: u64,
    /// Repeats not explained by a crash between delivery and save.
    pub duplicated: u64,
    /// Repeats after a crash between delivery and save (at-least-once, same eventId).
    pub crash_repeats: u64,
    /// Events of versions that never existed.
    pub phantom: u64,
    /// Events of versions stamped before the start (`from`): nothing older is ever emitted.
    pub early: u64,
    /// First event of an object created after the start not CREATED, or CREATED twice.
    pub misclassified: u64,
    /// A CREATED event repeated for a newer version after a crash re-run.
    pub crash_reclassified: u64,
    pub event_id_mismatch: u64,
    /// (objectId, instant) of lost versions, for diagnosis.
    pub lost_versions: Vec<(u64, i64)>,
    pub cycles: u64,
    pub failed_cycles: u64,
    pub requests: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.seeds += o.seeds;
        self.observable += o.observable;
        self.delivered += o.delivered;
        self.lost += o.lost;
        self.lost_unstable += o.lost_unstable;
        self.unstable_cycles += o.unstable_cycles;
        self.duplicated += o.duplicated;
        self.crash_repeats += o.crash_repeats;
        self.phantom += o.phantom;
        self.early += o.early;
        self.misclassified += o.misclassified;
        self.crash_reclassified += o.crash_reclassified;
        self.event_id_mismatch += o.event_id_mismatch;
        self.cycles += o.cycles;
        self.failed_cycles += o.failed_cycles;
        self.requests += o.requests;
    }
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.phantom == 0 && self.early == 0 && self.misclassified == 0 && self.event_id_mismatch == 0
    }
}

impl Outcome {
    /// Compares the deliveries with the provider's history.
    pub fn check(&self, p: &Provider) -> Tally {
        let mut t = Tally {
            seeds: 1,
            cycles: self.cycles as u64,
            failed_cycles: self.failed_cycles as u64,
            requests: self.requests as u64,
            ..Tally::default()
        };
        t.delivered = self.delivered.len() as u64;
        t.unstable_cycles = self.stable.iter().filter(|s| !**s).count() as u64;
        let objs: HashMap<String, &Obj> = p.objs.iter().map(|o| (o.id.to_string(), o)).collect();
        // Required: shown throughout some delivered cycle, at or after the start.
        for o in &p.objs {
            for v in &o.versions {
                let until = o.versions.iter().filter(|w| w.u > v.u).map(|w| w.vis).min().unwrap_or(i64::MAX);
                let held = |stable: bool| {
                    v.vis < until
                        && self.origin.is_none_or(|f| v.u >= f)
                        && self.baseline_end.is_none_or(|b| v.vis > b)
                        && self.spans.iter().zip(&self.stable).any(|(&(s, e), &st)| st == stable && v.vis <= s && e < until)
                };
                let (observable, at_risk) = (held(true), held(false));
                if observable || at_risk {
                    let id = o.id.to_string();
                    let delivered = self.delivered.iter().any(|d| d.id == id && d.instant == v.u);
                    if observable {
                        t.observable += 1;
                        if !delivered {
                            t.lost += 1;
                            t.lost_versions.push((o.id, v.u));
                        }
                    } else if !delivered {
                        t.lost_unstable += 1;
                    }
                }
            }
        }
        // Repeats and ids.
        let mut by_version: HashMap<(&str, i64), Vec<&Delivered>> = HashMap::new();
        for d in &self.delivered {
            match objs.get(&d.id) {
                Some(o) if o.versions.iter().any(|v| v.u == d.instant) => {}
                _ => t.phantom += 1,
            }
            if self.origin.is_some_and(|f| d.instant < f) {
                t.early += 1;
            }
            by_version.entry((d.id.as_str(), d.instant)).or_default().push(d);
        }
        let mut ids: HashMap<&str, (&str, i64)> = HashMap::new();
        for (key, ds) in &by_version {
            for w in ds.windows(2) {
                if w[1].event_id != w[0].event_id {
                    t.event_id_mismatch += 1;
                }
                // Explained when the earlier delivery's cycle never saved its state.
                if self.unsaved[w[0].cycle] { t.crash_repeats += 1 } else { t.duplicated += 1 }
            }
            if ids.insert(ds[0].event_id.as_str(), *key).is_some_and(|prev| prev != *key) {
                t.event_id_mismatch += 1;
            }
        }
        // CREATED: the first event of an object created after the start; later ones UPDATED.
        let mut first: HashMap<&str, &Delivered> = HashMap::new();
        for d in &self.delivered {
            let Some(o) = objs.get(&d.id) else { continue };
            match first.get(d.id.as_str()) {
                None => {
                    first.insert(&d.id, d);
                    // An object the baseline may have read is not new to us: either type fits.
                    let after_baseline = self.baseline_end.is_none_or(|b| o.versions.iter().all(|v| v.vis > b));
                    if self.origin.is_none_or(|f| o.created >= f) && after_baseline && !d.created {
                        t.misclassified += 1;
                    }
                }
                Some(f0) => {
                    if d.created {
                        let same = f0.instant == d.instant;
                        let after_crash = self.delivered.iter().any(|x| x.id == d.id && x.cycle < d.cycle && self.unsaved[x.cycle]);
                        if same || after_crash {
                            // A repeat of the first event, or a re-run from a state saved
                            // before the object was first seen: at-least-once territory.
                            if !same {
                                t.crash_reclassified += 1;
                            }
                        } else {
                            t.misclassified += 1;
                        }
                    }
                }
            }
        }
        t
    }
}
