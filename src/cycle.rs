//! One poll cycle of one resource, sans-IO: requests out, responses in, events and state out.
//!
//! The cycle never performs I/O, reads a clock or draws randomness: the host sends the
//! requests, waits the delays, and feeds the responses back; jitter comes from a seed.

use crate::config::ResourcePoller;
use crate::datefmt::DateFormat;
use crate::detect::{self, Detector, Outcome, Spec, State};
use crate::diag::Error;
use crate::element::{Element, Refusal};
use crate::http::{self, Response, header};
use crate::template::{self, DateDefaults, Rounding};
use crate::zone::Zone;

pub use crate::element::hub::Auth;
pub use crate::element::{Api, HostAuth};

/// A poll request for the host to perform after waiting `delay_ms`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// What to send.
    pub http: http::Request,
    /// Wait this long before sending (0 for the first request and for next pages).
    pub delay_ms: u64,
    /// Credentials the host adds (`Bearer` on a direct element); `None`: the request is
    /// complete as it is (a hub's `Authorization` is in `http.headers`).
    pub auth: Option<HostAuth>,
    /// Refresh the access token before sending this request (a direct element's answer to a
    /// 401: the same request again, once, with a new token).
    pub refresh_token: bool,
}

/// Everything a cycle needs; `detect` carries `now`, `lookback_ms`, `start_from`,
/// `element_key` / `instance` (hashed into event ids), `records_field` and `raw`.
#[derive(Clone, Debug)]
pub struct CycleOptions {
    /// The resource, read once ([`Spec::from_resource`]).
    pub spec: Spec,
    /// The state saved by the last successful cycle; `None` on a first run.
    pub state: Option<State>,
    /// `now`, lookback, `startFrom` and the other detection options.
    pub detect: detect::Options,
    /// e.g. `https://api.cloud-elements.com/elements/api-v2`; the resource url is appended.
    pub base_url: String,
    /// Which API is polled: a hub (the default) or the provider's own (`direct`).
    pub api: Api,
    /// A hub's `Authorization` on every request; `None` for a hub that needs none (tests, the
    /// simulator) and for a direct element (the host adds its bearer token).
    pub auth: Option<Auth>,
    /// Seeds the backoff jitter.
    pub seed: u64,
    /// Retries of one request after 429 / 5xx before the cycle fails.
    pub max_retries: u32,
    /// The first backoff step; doubles per retry up to `max_backoff_ms`.
    pub base_backoff_ms: u64,
    /// The longest backoff step (a day at most, whatever this says).
    pub max_backoff_ms: u64,
    /// List in full now and compare with the last complete listing (DELETED events,
    /// [`crate::detect::reconcile`]), whatever the poller's `reconcile.everyHours` says.
    pub reconcile: bool,
}

impl CycleOptions {
    /// The defaults: a hub, no auth, seed 0, 5 retries, backoff from 1 s doubling to 60 s.
    pub fn new(spec: Spec, state: Option<State>, detect: detect::Options, base_url: impl Into<String>) -> Self {
        CycleOptions {
            spec,
            state,
            detect,
            base_url: base_url.into(),
            api: Api::Hub,
            auth: None,
            seed: 0,
            max_retries: 5,
            base_backoff_ms: 1000,
            max_backoff_ms: 60_000,
            reconcile: false,
        }
    }
}

#[derive(Debug)]
enum Phase {
    /// The next request is ready: a first request or a next page (`None`), or a retry.
    Ready(Option<Retry>),
    /// A request is out; waiting for `handle_response`.
    Waiting(Request, Option<Retry>),
    Done,
    Failed(Error),
}

/// A poll cycle: the driving contract.
///
/// 1. [`PollCycle::new`] renders the first url from the state's watermark.
/// 2. Loop: [`next_request`](PollCycle::next_request) returns the request to send; the host
///    waits its `delay_ms`, performs it and passes the result to
///    [`handle_response`](PollCycle::handle_response). Exactly one request is outstanding at a
///    time; calling `next_request` again before answering returns the same request.
/// 3. When `next_request` returns `None` the cycle is over (all pages read, or failed):
///    call [`finish`](PollCycle::finish) once. It returns the events and the new state, or
///    the error. Deliver the events, then save the state; on error keep the old state (the
///    next cycle reads the same window again and repeats nothing that was not delivered).
///
/// A host's loop (compiled, not run: the four host functions are the host's own I/O):
///
/// ```no_run
/// use elements_poller::cycle::{CycleOptions, PollCycle};
/// use elements_poller::detect::{self, Events, Spec, State};
/// use elements_poller::http::{Request, Response};
///
/// fn send(_request: &Request) -> (u16, Vec<(String, String)>, Vec<u8>) {
///     todo!("the host's HTTP client: status (0 for a transport failure), headers, body")
/// }
/// fn sleep_ms(_ms: u64) {
///     todo!("the host's timer")
/// }
/// fn deliver(_events: &Events) {
///     todo!("the host's notifications")
/// }
/// fn save(_state: &State) {
///     todo!("the host's store")
/// }
///
/// fn poll_once(resource: &serde_json::Value, state: Option<State>, now: i64) -> Result<(), elements_poller::Error> {
///     let spec = Spec::from_resource(resource)?;
///     let opts = detect::Options { now, ..detect::Options::default() };
///     let mut cycle = PollCycle::new(CycleOptions::new(spec, state, opts, "https://api.cloud-elements.com/elements/api-v2"))?;
///     while let Some(request) = cycle.next_request() {
///         sleep_ms(request.delay_ms);
///         let (status, headers, body) = send(&request.http);
///         cycle.handle_response(Response { status, headers: &headers, body: &body });
///     }
///     // On an error the old state is kept: the next cycle reads the same window again.
///     let outcome = cycle.finish()?;
///     deliver(&outcome.events);
///     save(&outcome.state);
///     Ok(())
/// }
/// ```
///
/// Responses: 2xx pages are read and the element's paging followed (a hub's
/// `elements-next-page-token`; Keap's `next` link until an empty or short page,
/// [`crate::element`]); 401/403 fail with `cycle.auth`, except a direct element's 401, which
/// is sent again once with [`Request::refresh_token`] (the host refreshes its bearer token); 429, 5xx and status 0 (a transport failure) are retried ([`RetryReason::of`])
/// after the delay [`Backoff`] decides (`Retry-After`, the Keap throttle/quota expiry headers,
/// or exponential backoff with seeded jitter), up to `max_retries` (`cycle.retries-exhausted`);
/// [`retry`](PollCycle::retry) says which request is a retry and why; other statuses fail with `cycle.http`; a body that is not
/// JSON fails with `body.not-json`. A reconciling cycle whose full listing fails that way (a
/// refusal of the credentials aside) does not fail: it polls the date window instead and its
/// state waits before the next listing (`reconcile.failed`, [`crate::detect::reconcile`]).
#[derive(Debug)]
pub struct PollCycle {
    detector: Detector,
    element: Element,
    phase: Phase,
    /// The next request is to be sent with a refreshed token.
    refresh_next: bool,
    /// A request was sent with a token refreshed for it and no page has been read since: a
    /// 401 now is final.
    refreshed: bool,
    backoff: Backoff,
    pages: usize,
    /// Pages read in the current pass.
    pass_pages: usize,
    passes: usize,
    last_date: Option<i64>,
    requests: usize,
    retries: usize,
    /// This cycle lists the resource in full ([`crate::detect::reconcile`]).
    reconciling: bool,
    /// The ids gone from the listing, asked for one by one, and the one asked for now.
    verify: Option<(Vec<String>, usize)>,
    /// A reconciling cycle's inputs, to poll the date window instead if its listing fails.
    fallback: Option<Box<Fallback>>,
    /// Why the full listing failed, once the cycle fell back to the date window.
    listing_error: Option<Error>,
}

/// What a reconciling cycle keeps to start over as an ordinary one ([`PollCycle::fall_back`]).
#[derive(Debug)]
struct Fallback {
    spec: Spec,
    state: Option<State>,
    detect: detect::Options,
    api: Api,
    base_url: String,
    auth: Option<Auth>,
    every_ms: Option<i64>,
}

/// `reconcile.maxDrop` for a cycle asked to reconcile a poller without `reconcile`.
const DEFAULT_MAX_DROP_PPM: u32 = (crate::config::model::DEFAULT_MAX_DROP * 1e6) as u32;

/// Passes over the listing per cycle: a multi-page pass that read a row updated after it
/// started is followed by another, up to this many (see `Detector::begin_pass`).
pub const MAX_PASSES: usize = 4;

/// How many pages one cycle follows before it assumes the provider's paging loops.
const MAX_PAGES: usize = 100_000;

impl PollCycle {
    /// Starts a cycle: reads the state, renders the first url. Fails on a resource detection cannot read (its url, dates or state).
    pub fn new(opts: CycleOptions) -> Result<PollCycle, Error> {
        let mut detect = opts.detect;
        if detect.records_field.as_deref().is_none_or(str::is_empty) {
            // Where the element puts the records when the host does not say (Keap's envelope key).
            detect.records_field = Element::records_field(opts.api, &opts.spec);
        }
        let mut detector = Detector::new(&opts.spec, opts.state.as_ref(), &detect)?;
        let every = opts.spec.reconcile.map(|r| r.every_ms);
        let state = opts.state.as_ref();
        let reconciling =
            detect::reconcile::due(every, state.and_then(|s| s.listing.as_ref()), state.and_then(|s| s.relist.as_ref()), detect.now, opts.reconcile);
        // A full listing: the same url from the beginning of time, so that its date clause (a
        // hub's where, Keap's since) lets every record through, on either element.
        let floor = if reconciling {
            detector.start_listing(opts.spec.reconcile.map_or(DEFAULT_MAX_DROP_PPM, |r| r.max_drop_ppm))?;
            None
        } else {
            detector.floor()
        };
        let rendered = render_poll_url(&opts.spec, floor)?;
        let element = Element::new(opts.api, join_url(&opts.base_url, &rendered), opts.spec.page_size, opts.auth.as_ref());
        let fallback = reconciling.then(|| {
            Box::new(Fallback {
                spec: opts.spec,
                state: opts.state,
                detect,
                api: opts.api,
                base_url: opts.base_url,
                auth: opts.auth,
                every_ms: every,
            })
        });
        Ok(PollCycle {
            detector,
            element,
            phase: Phase::Ready(None),
            refresh_next: false,
            refreshed: false,
            backoff: Backoff::new(opts.seed, opts.max_retries, opts.base_backoff_ms, opts.max_backoff_ms),
            pages: 0,
            pass_pages: 0,
            passes: 1,
            last_date: None,
            requests: 0,
            retries: 0,
            reconciling,
            verify: None,
            fallback,
            listing_error: None,
        })
    }

    /// Whether this cycle lists the resource in full and reports what is gone (DELETED); false
    /// once its listing failed and it polls the date window instead.
    pub fn is_reconciling(&self) -> bool {
        self.reconciling
    }

    /// The request to send now, or `None` when the cycle is over.
    pub fn next_request(&mut self) -> Option<Request> {
        match &self.phase {
            Phase::Ready(retry) => {
                let retry = *retry;
                let delay_ms = retry.map_or(0, |r| r.delay_ms);
                let refresh_token = std::mem::take(&mut self.refresh_next);
                self.refreshed |= refresh_token;
                let http = match &self.verify {
                    Some((ids, at)) => self.element.item(&ids[*at]),
                    None => self.element.request(),
                };
                let req = Request { http, delay_ms, auth: self.element.host_auth(), refresh_token };
                self.requests += 1;
                self.phase = Phase::Waiting(req.clone(), retry);
                Some(req)
            }
            Phase::Waiting(req, _) => Some(req.clone()),
            Phase::Done | Phase::Failed(_) => None,
        }
    }

    /// Why the request `next_request` returns (or last returned) is sent again, and after
    /// what: `None` for a first request or a next page. Hosts report retries from this rather
    /// than from their own reading of the status.
    pub fn retry(&self) -> Option<Retry> {
        match self.phase {
            Phase::Ready(r) | Phase::Waiting(_, r) => r,
            Phase::Done | Phase::Failed(_) => None,
        }
    }

    /// Feeds the response to the outstanding request. Ignored when none is outstanding.
    pub fn handle_response(&mut self, resp: Response<'_>) {
        if !matches!(self.phase, Phase::Waiting(..)) {
            return;
        }
        let date = header(resp.headers, "date").and_then(http::parse_date);
        self.last_date = date;
        if let Some(d) = date {
            // The provider's clock at (or before) the start of this cycle's reads: the
            // earliest Date seen caps the watermark.
            self.detector.cap_at(d);
        }
        // The transition table: a page, a refusal, a retry, or a failure.
        self.phase = match resp.status {
            200..=299 | 404 | 410 if self.verify.is_some() => {
                self.backoff.reset();
                self.refreshed = false;
                self.verified(resp)
            }
            200..=299 => {
                self.backoff.reset();
                self.refreshed = false;
                self.page(resp)
            }
            401 | 403 => match self.element.refused(resp.status, self.refreshed) {
                Refusal::RefreshToken => {
                    self.retries += 1;
                    self.refresh_next = true;
                    let retry = Retry { attempt: 1, reason: RetryReason::Auth, status: resp.status, delay_ms: 0, source: DelaySource::Refresh };
                    Phase::Ready(Some(retry))
                }
                Refusal::Fail(e) => Phase::Failed(e),
            },
            s => match RetryReason::of(s) {
                None => Phase::Failed(Error::new("cycle.http", format!("the hub answered HTTP {s}"))),
                Some(reason) => match self.backoff.retry(reason, s, resp.headers, date) {
                    Some(retry) => {
                        self.retries += 1;
                        Phase::Ready(Some(retry))
                    }
                    None => Phase::Failed(Error::new("cycle.retries-exhausted", format!("HTTP {s} after {} retries", self.backoff.max_retries))),
                },
            },
        };
        // A refusal of our credentials would refuse the date window too: that one fails.
        if matches!(self.phase, Phase::Failed(_)) && self.reconciling && !matches!(resp.status, 401 | 403) {
            self.fall_back();
        }
    }

    /// The full listing failed: compare nothing, and start over as an ordinary cycle (the date
    /// window from the state's watermark, a fresh detection) so that a listing that keeps
    /// failing does not stall the resource's polls. Its state waits before the next listing
    /// ([`detect::Relist`]); `finish` says why in a `reconcile.failed` warning.
    fn fall_back(&mut self) {
        let Some(f) = self.fallback.take() else { return };
        let fresh = Detector::new(&f.spec, f.state.as_ref(), &f.detect).and_then(|d| {
            let url = render_poll_url(&f.spec, d.floor())?;
            Ok((d, url))
        });
        // The same inputs built this cycle's detection and url: this cannot fail, and if it
        // did the cycle's own failure stands.
        let Ok((mut detector, url)) = fresh else { return };
        let Phase::Failed(e) = std::mem::replace(&mut self.phase, Phase::Ready(None)) else { return };
        if let Some(every) = f.every_ms {
            detector.listing_failed(every);
        }
        self.detector = detector;
        self.element = Element::new(f.api, join_url(&f.base_url, &url), f.spec.page_size, f.auth.as_ref());
        self.listing_error = Some(e);
        self.reconciling = false;
        self.verify = None;
        self.backoff.reset();
        (self.refresh_next, self.refreshed, self.last_date) = (false, false, None);
        (self.pages, self.pass_pages, self.passes) = (0, 0, 1);
    }

    fn page(&mut self, resp: Response<'_>) -> Phase {
        let link = self.element.link(&resp);
        if self.pass_pages == 0 {
            self.detector.begin_pass(link.is_some(), self.last_date);
        }
        let before = self.detector.stats().records;
        if let Err(e) = self.detector.feed(resp.body) {
            return Phase::Failed(e);
        }
        let records = self.detector.stats().records - before;
        self.pages += 1;
        self.pass_pages += 1;
        match self.element.advance(link, records) {
            Err(e) => Phase::Failed(e),
            Ok(true) if self.pages >= MAX_PAGES => {
                Phase::Failed(Error::new("cycle.paging-loop", format!("the listing went on past {MAX_PAGES} pages")))
            }
            Ok(true) => Phase::Ready(None),
            Ok(false) => {
                if self.pass_pages == 1 {
                    // One page read whole: nothing could slide past the reader (Keap links a
                    // next page even from the last one, so the pass began as a multi-page one).
                    self.detector.single_page_pass();
                }
                if self.reconciling {
                    // One pass over the full listing, not up to MAX_PASSES: a version it may
                    // have missed is read by the next poll, the watermark kept where it was.
                    if self.detector.pass_changed() {
                        self.detector.mark_unstable();
                    }
                    return self.listed();
                }
                if !self.detector.pass_changed() {
                    Phase::Done
                } else if self.passes < MAX_PASSES {
                    // Rows may have slid past the pages read: read the window again.
                    self.element.restart();
                    self.pass_pages = 0;
                    self.passes += 1;
                    Phase::Ready(None)
                } else {
                    self.detector.mark_unstable();
                    Phase::Done
                }
            }
        }
    }

    /// The full listing is complete: the ids gone since the last one are deleted at once when
    /// it was one page (read in one response, it cannot have missed a row), else each is
    /// asked for by id first (a row deleted mid-listing slides the rest back across a page).
    fn listed(&mut self) -> Phase {
        let gone = self.detector.reconcile_candidates();
        if gone.is_empty() {
            Phase::Done
        } else if self.pages == 1 {
            self.detector.gone_confirmed();
            Phase::Done
        } else {
            self.verify = Some((gone, 0));
            Phase::Ready(None)
        }
    }

    /// The answer for an id gone from the listing: a record (the listing missed it), or a
    /// 404 / 410 with a JSON body (gone). A 404 that is not JSON is not the provider saying
    /// "no such record" (Keap answers an unknown url with an HTML page): the cycle fails.
    fn verified(&mut self, resp: Response<'_>) -> Phase {
        let exists = (200..=299).contains(&resp.status);
        // JSON: an object or array, or nothing at all; an HTML page starts with `<`.
        let json = matches!(resp.body.iter().find(|b| !b.is_ascii_whitespace()), None | Some(b'{' | b'['));
        if !exists && !json {
            return Phase::Failed(
                Error::new("reconcile.item-url", format!("asking for a record by id got HTTP {} with a body that is not JSON", resp.status))
                    .with_hint("reconciliation asks for each id gone from a multi-page listing at the list's url plus /{id}; this provider does not serve records there"),
            );
        }
        let Some((ids, at)) = self.verify.as_mut() else { return Phase::Done };
        self.detector.gone_verified(&ids[*at], exists);
        *at += 1;
        if *at == ids.len() { Phase::Done } else { Phase::Ready(None) }
    }

    /// Progress so far (pages, records, events found); final figures come from `finish`.
    pub fn progress(&self) -> detect::Stats {
        self.detector.stats()
    }

    /// True once `next_request` would return `None`.
    pub fn is_over(&self) -> bool {
        matches!(self.phase, Phase::Done | Phase::Failed(_))
    }

    /// The events and the new state, or why the cycle failed (keep the old state then).
    pub fn finish(self) -> Result<Outcome, Error> {
        match self.phase {
            Phase::Failed(e) => Err(e),
            Phase::Done => {
                let mut out = self.detector.finish()?;
                if let Some(e) = self.listing_error {
                    let next = out.state.relist.as_ref().map_or(String::new(), |r| format!("; the next is tried at {}", detect::iso_utc(r.at)));
                    out.diagnostics.push(
                        crate::diag::Diagnostic::warning(
                            "reconcile.failed",
                            "",
                            format!("the full listing failed ({}: {}): nothing was compared or deleted, and this cycle polled the date window instead{next}", e.code, e.message),
                        )
                        .with_hint("the wait doubles from 5 minutes per failed listing, up to reconcile.everyHours; reconcile on demand to try now"),
                    );
                }
                out.stats.requests = self.requests;
                out.stats.retries = self.retries;
                out.stats.passes = self.passes;
                if out.stats.unstable {
                    out.diagnostics.push(crate::diag::Diagnostic::warning(
                        "cycle.unstable-listing",
                        "",
                        format!(
                            "the listing changed during each of {} passes; the watermark was kept so the next poll reads this window again",
                            self.passes
                        ),
                    ));
                }
                Ok(out)
            }
            _ => Err(Error::new("cycle.unfinished", "finish was called before the cycle was over")),
        }
    }
}

/// Why a request is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RetryReason {
    /// Status 0: no answer (connection refused or reset, a timeout).
    Transport,
    /// 429: the provider asked us to slow down.
    Throttled,
    /// 5xx: the provider failed.
    Server,
    /// 401 on a direct element: sent again once, with a refreshed access token.
    Auth,
}

impl RetryReason {
    /// The retry policy of a poll request: which statuses are retried (`None`: not retried).
    pub fn of(status: u16) -> Option<RetryReason> {
        match status {
            0 => Some(RetryReason::Transport),
            429 => Some(RetryReason::Throttled),
            500..=599 => Some(RetryReason::Server),
            _ => None,
        }
    }
}

/// Where a retry's delay came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DelaySource {
    /// The response's `Retry-After` (seconds, or an HTTP date against its `Date`).
    RetryAfter,
    /// Keap's `x-keap-product-throttle-*` / `-quota-*` headers: the exhausted window's expiry.
    Keap,
    /// Exponential backoff with seeded jitter.
    Backoff,
    /// No wait but the host's token refresh (a [`RetryReason::Auth`] retry).
    Refresh,
}

/// One retry of a request: the how-manieth in a row, why, and after how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// 1 for the first retry of a request.
    pub attempt: u32,
    /// Why the request is sent again.
    pub reason: RetryReason,
    /// The status that asked for it (0: transport failure).
    pub status: u16,
    /// How long to wait before sending it.
    pub delay_ms: u64,
    /// Where that wait came from.
    pub source: DelaySource,
}

/// The longest any retry waits: a provider's (or a host's) huge number is not a reason to wait longer.
const DAY_MS: i64 = 86_400_000;

/// How long to wait before retrying a request the provider did not serve, and when to give
/// up: the provider's word (`Retry-After`, Keap's throttle and quota expiry headers) when it
/// gives one, else exponential backoff with "equal jitter" drawn from a seed; at most
/// `max_retries` retries in a row ([`Backoff::reset`] after a success).
#[derive(Clone, Debug)]
pub struct Backoff {
    attempt: u32,
    rng: u64,
    max_retries: u32,
    base_ms: u64,
    max_ms: u64,
}

impl Backoff {
    /// `base_ms` is the first step, doubled per retry up to `max_ms` (both at least 1 ms).
    pub fn new(seed: u64, max_retries: u32, base_ms: u64, max_ms: u64) -> Backoff {
        Backoff { attempt: 0, rng: seed ^ 0x9e37_79b9_7f4a_7c15, max_retries, base_ms: base_ms.max(1), max_ms: max_ms.max(1) }
    }

    /// Retries in a row so far.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A request succeeded: the next failure starts the count again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// The next retry after a response with `status` and `headers` (`date`: its `Date`
    /// header as epoch ms), or `None` once `max_retries` retries have been spent.
    pub fn retry(&mut self, reason: RetryReason, status: u16, headers: &[(String, String)], date: Option<i64>) -> Option<Retry> {
        self.attempt += 1;
        if self.attempt > self.max_retries {
            return None;
        }
        let (delay_ms, source) = match (retry_after_ms(headers, date), keap_wait_ms(headers, date)) {
            (Some(ms), _) => (ms, DelaySource::RetryAfter),
            (None, Some(ms)) => (ms, DelaySource::Keap),
            (None, None) => (self.jittered(), DelaySource::Backoff),
        };
        Some(Retry { attempt: self.attempt, reason, status, delay_ms, source })
    }

    /// Exponential backoff with "equal jitter": half the step fixed, half drawn.
    fn jittered(&mut self) -> u64 {
        let step = self.base_ms.saturating_mul(1u64 << (self.attempt - 1).min(30)).min(self.max_ms).min(DAY_MS as u64);
        step / 2 + self.next_rand() % (step - step / 2 + 1)
    }

    /// splitmix64: a tiny deterministic generator for the jitter.
    fn next_rand(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// A `Retry-After` header in ms, at most a day: delay-seconds, or an HTTP date read against
/// `reference` (the response's `Date`, or the host's `now`); `None` when absent or unreadable.
pub fn retry_after_ms(headers: &[(String, String)], reference: Option<i64>) -> Option<u64> {
    let v = header(headers, "retry-after")?.trim();
    if let Ok(s) = v.parse::<f64>() {
        // NaN clamps to NaN and casts to 0.
        return Some((s * 1000.0).clamp(0.0, DAY_MS as f64) as u64);
    }
    let (at, d) = (http::parse_date(v)?, reference?);
    Some(at.saturating_sub(d).clamp(0, DAY_MS) as u64)
}

/// Keap: wait for the exhausted window (throttle per second, quota per day) to expire.
fn keap_wait_ms(headers: &[(String, String)], date: Option<i64>) -> Option<u64> {
    let mut keap: Option<i64> = None;
    for kind in ["throttle", "quota"] {
        let available = header(headers, &format!("x-keap-product-{kind}-available")).and_then(|v| v.trim().parse::<i64>().ok());
        if available.is_some_and(|a| a > 0) {
            continue;
        }
        if let Some(ms) = header(headers, &format!("x-keap-product-{kind}-expiry-time")).and_then(|v| parse_expiry(v.trim(), date)) {
            keap = Some(keap.map_or(ms, |k| k.max(ms)));
        }
    }
    keap.map(|ms| ms.clamp(0, DAY_MS) as u64)
}

/// A Keap expiry: an instant (ISO or HTTP date, or epoch s / ms) relative to the response
/// `Date`, or a bare small number taken as seconds to wait.
fn parse_expiry(v: &str, date: Option<i64>) -> Option<i64> {
    if let Ok(n) = v.parse::<f64>() {
        return match (n, date) {
            // Saturating: any number may stand in the header, and `d` may be before 1970.
            (n, Some(d)) if n > 1e11 => Some((n as i64).saturating_sub(d)),
            (n, Some(d)) if n > 1e9 => Some(((n * 1000.0) as i64).saturating_sub(d)),
            (n, _) if n <= 1e9 => Some((n * 1000.0) as i64),
            _ => None,
        };
    }
    let at = DateFormat::compile("iso8601").ok().and_then(|f| f.parse(v, &Zone::UTC).ok()).or_else(|| http::parse_date(v))?;
    Some(at.saturating_sub(date?))
}

fn join_url(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") || base.is_empty() {
        return path.to_owned();
    }
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}

/// The resource url for a floor: the one rule for what a poll sends, used by the cycle and by
/// the console's preview ([`poll_url`]). Each variable renders one step of its own precision
/// below the floor (`Rounding::Below`), so `>` and `>=` clauses, and clauses coarser than the
/// data, all return a superset of what detection needs. Bare `${date}` speaks the driving
/// field's format and zone.
pub fn render_poll_url(spec: &Spec, floor: Option<i64>) -> Result<String, Error> {
    let url = spec.url.as_deref().ok_or_else(|| Error::new("resource.url", "the resource needs a url").at_path("url"))?;
    let d = spec.driving();
    let defaults = DateDefaults { format: d.format.clone(), zone: d.zone.clone() };
    template::render_with(url, floor.unwrap_or(0), &defaults, Rounding::Below).map_err(|e| e.at_path("url"))
}

/// The url the next poll of `resource` sends from `state` (or, without one, from
/// `opts.start_from`): what [`PollCycle::new`] renders, for previews. The floor is the
/// watermark minus `lookback` and `pollDelay` (never below `from`).
pub fn poll_url(resource: &ResourcePoller, state: Option<&State>, opts: &detect::Options) -> Result<String, Error> {
    let spec = Spec::from_poller(resource)?;
    let floor = Detector::new(&spec, state, opts)?.floor();
    render_poll_url(&spec, floor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(url: &str, fmt: &str) -> Spec {
        Spec::from_resource(&serde_json::json!({"name": "appointments", "url": url, "idField": "id",
            "datesConfiguration": {"updatedDateField": "modification_date", "updatedDateFormat": fmt}}))
        .unwrap()
    }

    #[test]
    fn renders_one_precision_step_below_the_floor() {
        let s = spec("/hubs/crm/appointments?where=modification_date>='${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}'", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        let u = render_poll_url(&s, Some(1_710_054_309_042)).unwrap();
        assert_eq!(http::decode_component(u.split_once("where=").unwrap().1), "modification_date>='2024-03-10T07:05:08Z'");
        let s2 = Spec { url: Some("/x?since=${epoch:s}&d=${date}".into()), ..s.clone() };
        let u = render_poll_url(&s2, Some(1_000_000)).unwrap();
        assert_eq!(u, "/x?since=999&d=1970-01-01T00%3A16%3A39.999Z".replace("%3A", ":"));
        assert!(render_poll_url(&Spec { url: Some("/x?${nope}".into()), ..s }, None).is_err());
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn which_statuses_are_retried() {
        assert_eq!(RetryReason::of(0), Some(RetryReason::Transport));
        assert_eq!(RetryReason::of(429), Some(RetryReason::Throttled));
        assert_eq!(RetryReason::of(500), Some(RetryReason::Server));
        assert_eq!(RetryReason::of(599), Some(RetryReason::Server));
        for s in [200, 301, 400, 401, 404, 428, 430, 600] {
            assert_eq!(RetryReason::of(s), None, "{s}");
        }
    }

    #[test]
    fn backoff_doubles_with_jitter_within_each_step_and_is_seeded() {
        let mut b = Backoff::new(7, 10, 1000, 8000);
        let delays: Vec<u64> = (0..6).map(|_| b.retry(RetryReason::Server, 503, &[], None).unwrap().delay_ms).collect();
        for (i, d) in delays.iter().enumerate() {
            let step = (1000u64 << i).min(8000);
            assert!((step / 2..=step).contains(d), "retry {} waited {d} ms, outside [{}, {step}]", i + 1, step / 2);
        }
        let mut again = Backoff::new(7, 10, 1000, 8000);
        let same: Vec<u64> = (0..6).map(|_| again.retry(RetryReason::Server, 503, &[], None).unwrap().delay_ms).collect();
        assert_eq!(delays, same, "the same seed draws the same jitter");
        let mut other = Backoff::new(8, 10, 1000, 8000);
        let different: Vec<u64> = (0..6).map(|_| other.retry(RetryReason::Server, 503, &[], None).unwrap().delay_ms).collect();
        assert_ne!(delays, different, "another seed draws other jitter");
    }

    #[test]
    fn backoff_gives_up_after_max_retries_in_a_row_and_reset_starts_again() {
        let mut b = Backoff::new(0, 2, 10, 10);
        let r1 = b.retry(RetryReason::Transport, 0, &[], None).unwrap();
        assert_eq!((r1.attempt, r1.reason, r1.status, r1.source), (1, RetryReason::Transport, 0, DelaySource::Backoff));
        assert_eq!(b.retry(RetryReason::Server, 502, &[], None).unwrap().attempt, 2);
        assert_eq!(b.retry(RetryReason::Server, 502, &[], None), None);
        assert_eq!(b.attempt(), 3, "the refused third counts too");
        b.reset();
        assert_eq!(b.attempt(), 0);
        assert_eq!(b.retry(RetryReason::Throttled, 429, &[], None).unwrap().attempt, 1);
        assert_eq!(Backoff::new(0, 0, 10, 10).retry(RetryReason::Server, 500, &[], None), None, "max_retries 0: no retry");
    }

    #[test]
    fn the_provider_s_word_beats_backoff() {
        let mut b = Backoff::new(0, 5, 1000, 60_000);
        let date = http::parse_date("Wed, 21 Oct 2015 07:28:00 GMT");
        let r = b.retry(RetryReason::Throttled, 429, &h(&[("Retry-After", "7")]), None).unwrap();
        assert_eq!((r.delay_ms, r.source), (7000, DelaySource::RetryAfter));
        let r = b.retry(RetryReason::Throttled, 429, &h(&[("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT")]), date).unwrap();
        assert_eq!((r.delay_ms, r.source), (10_000, DelaySource::RetryAfter));
        // An HTTP date with no Date to read it against says nothing: backoff.
        assert_eq!(
            b.retry(RetryReason::Server, 503, &h(&[("retry-after", "Wed, 21 Oct 2015 07:28:10 GMT")]), None).unwrap().source,
            DelaySource::Backoff
        );
        assert_eq!(retry_after_ms(&h(&[("retry-after", "1e12")]), None), Some(DAY_MS as u64), "at most a day");
        assert_eq!(retry_after_ms(&h(&[("retry-after", "-3")]), None), Some(0));
        assert_eq!(retry_after_ms(&h(&[("retry-after", "soon")]), Some(0)), None);
        let mut b = Backoff::new(0, 5, 1000, 60_000);
        let keap = h(&[("x-keap-product-throttle-available", "0"), ("x-keap-product-throttle-expiry-time", "3")]);
        let r = b.retry(RetryReason::Throttled, 429, &keap, None).unwrap();
        assert_eq!((r.delay_ms, r.source), (3000, DelaySource::Keap));
        let spare = h(&[("x-keap-product-throttle-available", "5"), ("x-keap-product-throttle-expiry-time", "3")]);
        assert_eq!(
            b.retry(RetryReason::Throttled, 429, &spare, None).unwrap().source,
            DelaySource::Backoff,
            "a window with room left is not waited for"
        );
    }

    #[test]
    fn a_cycle_says_which_request_is_a_retry() {
        let s = spec("/hubs/crm/appointments", "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
        let mut opts = CycleOptions::new(s, None, detect::Options { start_from: "beginning".into(), ..Default::default() }, "https://hub");
        opts.max_retries = 1;
        let mut c = PollCycle::new(opts).unwrap();
        c.next_request().unwrap();
        assert_eq!(c.retry(), None, "a first request is no retry");
        c.handle_response(Response { status: 503, headers: &h(&[("retry-after", "2")]), body: b"" });
        let req = c.next_request().unwrap();
        let r = c.retry().unwrap();
        assert_eq!((r.attempt, r.reason, r.status, r.delay_ms, req.delay_ms), (1, RetryReason::Server, 503, 2000, 2000));
        c.handle_response(Response { status: 0, headers: &[], body: b"" });
        assert!(c.next_request().is_none());
        assert_eq!(c.retry(), None);
        assert_eq!(c.finish().unwrap_err().code, "cycle.retries-exhausted");
    }
}
