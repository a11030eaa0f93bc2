//! Deletes, by reconciliation (DESIGN section 13).
//!
//! A poll by date cannot see a record that was deleted. A resource poller with `reconcile`
//! lists the resource in full every `everyHours` (or when the host asks) and compares the
//! ids with the previous *complete* listing; each id gone gives one DELETED event.
//!
//! Never a false delete:
//! - the listing in the state changes only when a whole listing succeeds: a page that failed
//!   after its retries, a truncated or malformed body, an aborted or killed cycle keep the old
//!   listing, so an incomplete listing is compared with nothing;
//! - a listing read over several pages may have missed a row that slid back across a page
//!   boundary when another row was deleted mid-listing (offset paging). So each id gone from a
//!   multi-page listing is asked for by id (`GET …/{id}`) before it is reported: a 404 (or 410)
//!   with a JSON body confirms it; a record there keeps it; anything else fails the listing;
//! - a listing with more than `maxDrop` fewer ids than the last one is *held*: nothing is
//!   deleted, a `reconcile.held` warning says so, and the next cycle lists again; a second
//!   complete listing confirms the drop.
//!
//! A full listing that fails does not stall the resource: the cycle polls the date window
//! instead, as an ordinary cycle would (the watermark rules unchanged), and the state records
//! when the next full listing is tried ([`Relist`]): [`RELIST_AFTER_MS`] after the first
//! failure, doubled per failure in a row, never later than `everyHours`. A cycle asked to
//! reconcile lists whatever the wait. Before a first complete listing the ids those polls
//! emit wait in [`Relist::added`], and the first complete listing is compared with them.
//!
//! An id reported DELETED is kept in `gone` (bounded by [`MAX_GONE`]); when it is read again
//! its event is CREATED.

use super::idset::{IdSet, heapsort};
use crate::diag::{Diagnostic, Error};
use serde::Serialize;

/// The most ids `gone` remembers; beyond it the smallest are forgotten (one of them that comes
/// back is then UPDATED, not CREATED).
pub const MAX_GONE: usize = 10_000;

/// The most ids [`Listing::added`] holds (they are reset by every complete listing).
pub const MAX_ADDED: usize = 100_000;

/// The reconciliation's part of the state: the last complete listing.
///
/// Read back by hand ([`Listing::from_value`], with the rest of the state), not by serde's derive.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Listing {
    /// Our clock (epoch ms, the cycle's `now`) at the cycle that read it.
    pub at: i64,
    /// How many ids it had.
    pub n: usize,
    /// Its ids, encoded ([`IdSet::encode`]).
    pub ids: String,
    /// Ids emitted (CREATED or UPDATED) by the polls since, encoded: compared at the next
    /// listing as if it had them, so an object created and deleted between two listings gets
    /// its DELETED too.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub added: String,
    /// Ids reported DELETED and not read since ([`MAX_GONE`] at most), encoded.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gone: String,
    /// A later complete listing that shrank by more than `maxDrop` and was held (nothing
    /// deleted): the next listing confirms or undoes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// A held listing: when it was read and how many ids it had.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Held {
    /// Our clock at the cycle that read it.
    pub at: i64,
    /// Its ids.
    pub n: usize,
}

/// The wait after a first failed full listing before the next is tried (5 minutes).
pub const RELIST_AFTER_MS: i64 = 300_000;

/// Full listings failed in a row, and when the next is tried: in the state until one completes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Relist {
    /// Our clock (epoch ms): no scheduled full listing before it.
    pub at: i64,
    /// Failed full listings in a row.
    pub failures: u32,
    /// Our clock at the first of them: the instant in the eventIds of a first complete
    /// listing's DELETED (as [`Listing::at`] is for a later one), the same at a re-run.
    pub since: i64,
    /// Before the first complete listing, the ids the polls emitted, encoded ([`Listing::added`]
    /// has them once there is one): the first complete listing is compared with them, so one
    /// that was reported and is gone by then gets its DELETED.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub added: String,
}

impl Relist {
    /// A full listing failed at `now`: the next waits [`RELIST_AFTER_MS`] doubled per failure
    /// in a row before this one (`prev`), at most `every_ms`.
    pub fn after_failure(prev: Option<Relist>, every_ms: i64, now: i64) -> Relist {
        let (failures, since, added) = prev.map_or((0, now, String::new()), |r| (r.failures, r.since, r.added));
        let failures = failures.saturating_add(1);
        let wait = RELIST_AFTER_MS.saturating_mul(1 << (failures - 1).min(30)).min(every_ms);
        Relist { at: now.saturating_add(wait), failures, since, added }
    }
}

/// Whether a cycle at `now` lists in full: asked for (`force`), or reconciliation is on, the
/// wait after failed listings (`relist`) is over, and there is no complete listing yet, one
/// was held, or the last is `every_ms` old.
pub fn due(every_ms: Option<i64>, listing: Option<&Listing>, relist: Option<&Relist>, now: i64, force: bool) -> bool {
    match (force, every_ms, listing) {
        (true, _, _) => true,
        (false, None, _) => false,
        (false, Some(_), _) if relist.is_some_and(|r| now < r.at) => false,
        (false, Some(_), None) => true,
        (false, Some(every), Some(l)) => l.held.is_some() || now.saturating_sub(l.at) >= every,
    }
}

/// What the comparison decided, for the cycle (which asks for the candidates by id).
#[derive(Debug)]
pub(crate) struct Reconciler {
    now: i64,
    max_drop_ppm: u32,
    /// The previous complete listing, decoded; `None` before the first.
    prev: Option<IdSet>,
    prev_at: i64,
    held_before: bool,
    /// This listing's ids.
    pub(crate) listed: IdSet,
    /// Ids of `prev` that this listing lacks, still to be confirmed.
    pub(crate) candidates: Vec<String>,
    /// Confirmed gone.
    confirmed: Vec<String>,
    /// Candidates found by id: the listing missed them.
    survivors: IdSet,
    /// The drop was beyond `maxDrop` and is held.
    held: bool,
}

impl Reconciler {
    pub(crate) fn new(listing: Option<&Listing>, relist: Option<&Relist>, max_drop_ppm: u32, now: i64) -> Result<Reconciler, Error> {
        let mut prev = listing.map(|l| IdSet::decode(&l.ids)).transpose()?;
        if let (Some(p), Some(l)) = (prev.as_mut(), listing.filter(|l| !l.added.is_empty())) {
            p.union(&IdSet::decode(&l.added)?);
        }
        // No complete listing yet, but polls after failed ones reported ids: compared with them.
        let early = relist.filter(|r| listing.is_none() && !r.added.is_empty());
        if let Some(r) = early {
            prev = Some(IdSet::decode(&r.added)?);
        }
        Ok(Reconciler {
            now,
            max_drop_ppm,
            prev,
            // In the state either way: a re-run after a crash names the same instant.
            prev_at: listing.map(|l| l.at).or(early.map(|r| r.since)).unwrap_or(now),
            held_before: listing.is_some_and(|l| l.held.is_some()),
            listed: IdSet::new(),
            candidates: Vec::new(),
            confirmed: Vec::new(),
            survivors: IdSet::new(),
            held: false,
        })
    }

    /// The listing is complete: which ids of the previous one are gone. Empty when there was no
    /// previous listing, and when the drop is beyond `maxDrop` for the first time (held).
    pub(crate) fn compare(&mut self) -> &[String] {
        self.listed.seal();
        let Some(prev) = &self.prev else { return &[] };
        let gone = prev.minus(&self.listed);
        // In u64 (no u128 division in the wasm): ids number far below 2^44.
        let drop_ppm = (gone.len() as u64).saturating_mul(1_000_000).checked_div(prev.len() as u64).unwrap_or(0);
        if drop_ppm > u64::from(self.max_drop_ppm) && !self.held_before {
            self.held = true;
            return &[];
        }
        self.candidates = gone;
        &self.candidates
    }

    /// Every candidate is gone (a one-page listing cannot have missed a row).
    pub(crate) fn confirm_all(&mut self) {
        self.confirmed.append(&mut self.candidates);
    }

    /// The answer to the candidate `id` asked for by id: `exists` (it was missed) or gone.
    pub(crate) fn verified(&mut self, id: &str, exists: bool) {
        if exists {
            self.survivors.push_str(id);
        } else {
            self.confirmed.push(id.to_owned());
        }
    }

    /// The instant in the DELETED events' ids: the previous listing's (the same at a re-run
    /// after a crash, so the eventIds repeat and consumers can drop the repeat).
    pub(crate) fn prev_at(&self) -> i64 {
        self.prev_at
    }

    /// The ids confirmed gone, and the new listing for the state (`gone` is the caller's).
    pub(crate) fn finish(mut self, gone: &mut IdSet, diagnostics: &mut Vec<Diagnostic>) -> (Vec<String>, Listing) {
        if self.held {
            let prev = self.prev.as_ref().expect("held only against a previous listing");
            let lost = prev.minus(&self.listed).len();
            diagnostics.push(
                Diagnostic::warning(
                    "reconcile.held",
                    "",
                    // Whole percents, in integers: float formatting would add kilobytes to the wasm.
                    format!(
                        "the full listing has {} ids, {lost} of the {} of the last complete listing gone ({}%, beyond maxDrop {}%): nothing is deleted until the next complete listing confirms it",
                        self.listed.len(),
                        prev.len(),
                        lost * 100 / prev.len().max(1),
                        self.max_drop_ppm / 10_000
                    ),
                )
                .with_hint("if the records really were deleted, the next poll (a full listing again) reports them; raise reconcile.maxDrop to allow larger drops at once"),
            );
            let listing = Listing {
                at: self.prev_at,
                n: prev.len(),
                ids: prev.encode(),
                // The ids this listing has that the last lacks: compared next time, so that one
                // deleted before then gets its DELETED.
                added: {
                    let mut new = IdSet::new();
                    for id in self.listed.minus(prev) {
                        new.push_str(&id);
                    }
                    new.seal();
                    new.encode()
                },
                gone: String::new(),
                held: Some(Held { at: self.now, n: self.listed.len() }),
            };
            return (Vec::new(), listing);
        }
        self.survivors.seal();
        self.listed.union(&self.survivors);
        let mut deleted = std::mem::take(&mut self.confirmed);
        // The id set's heapsort (already in the wasm for its strings): `sort_unstable` on
        // strings would add another instantiation of the standard library's sort (~3 KB).
        heapsort(&mut deleted);
        for id in &deleted {
            gone.push_str(id);
        }
        gone.seal();
        gone.truncate_to(MAX_GONE);
        let listing =
            Listing { at: self.now, n: self.listed.len(), ids: self.listed.encode(), added: String::new(), gone: String::new(), held: None };
        (deleted, listing)
    }

    /// Whether this listing was held.
    pub(crate) fn is_held(&self) -> bool {
        self.held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(ids: &[u64], at: i64) -> Listing {
        let mut s = IdSet::new();
        for &i in ids {
            s.push_num(i);
        }
        s.seal();
        Listing { at, n: s.len(), ids: s.encode(), added: String::new(), gone: String::new(), held: None }
    }

    #[test]
    fn when_a_cycle_lists_in_full() {
        let l = listing(&[1], 1000);
        assert!(due(None, None, None, 0, true), "asked for");
        assert!(!due(None, Some(&l), None, 10_000_000, false), "off");
        assert!(due(Some(3_600_000), None, None, 0, false), "no listing yet");
        assert!(!due(Some(3_600_000), Some(&l), None, 3_600_999, false));
        assert!(due(Some(3_600_000), Some(&l), None, 3_601_000, false));
        let held = Listing { held: Some(Held { at: 2000, n: 0 }), ..l.clone() };
        assert!(due(Some(3_600_000), Some(&held), None, 2001, false), "a held listing is confirmed at once");
        let wait = Relist { at: 5000, failures: 1, since: 0, added: String::new() };
        assert!(!due(Some(3_600_000), None, Some(&wait), 4999, false), "a failed first listing waits too");
        assert!(!due(Some(3_600_000), Some(&held), Some(&wait), 4999, false));
        assert!(due(Some(3_600_000), Some(&held), Some(&wait), 5000, false));
        assert!(due(Some(3_600_000), Some(&l), Some(&wait), 4999, true), "asked for, whatever the wait");
    }

    #[test]
    fn a_failed_listing_waits_longer_each_time_up_to_every_hours() {
        let every = 3_600_000;
        let r1 = Relist::after_failure(None, every, 0);
        assert_eq!((r1.at, r1.failures, r1.since), (300_000, 1, 0));
        let r2 = Relist::after_failure(Some(Relist { added: "AQE".into(), ..r1 }), every, 1000);
        assert_eq!(r2, Relist { at: 601_000, failures: 2, since: 0, added: "AQE".into() }, "the first failure and the ids reported are kept");
        let r5 = Relist::after_failure(Some(Relist { at: 0, failures: 4, since: 0, added: String::new() }), every, 0);
        assert_eq!(r5.at, 3_600_000, "at most everyHours (80 minutes capped at 60)");
        let far = Relist::after_failure(Some(Relist { at: 0, failures: u32::MAX, since: 0, added: String::new() }), every, i64::MAX - 5);
        assert_eq!((far.at, far.failures), (i64::MAX, u32::MAX), "saturating");
    }

    #[test]
    fn a_saved_listing_reads_back_and_a_bad_one_names_its_field() {
        let l = Listing { held: Some(Held { at: 7, n: 2 }), added: "AQ".into(), ..listing(&[1, 5], 1000) };
        let read = |text: &str| Listing::from_value(&serde_json::from_str(text).unwrap());
        let back = read(&serde_json::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l);
        let plain = read(r#"{"at":1,"n":0,"ids":"","other":true}"#).unwrap();
        assert_eq!(plain, Listing { at: 1, n: 0, ids: String::new(), added: String::new(), gone: String::new(), held: None });
        for (text, field) in [
            (r#"{"n":0,"ids":""}"#, "`at`"),
            (r#"{"at":1,"n":0}"#, "`ids`"),
            (r#"{"at":1.5,"n":0,"ids":""}"#, "at must be an integer"),
            (r#"{"at":1,"n":-1,"ids":""}"#, "n must be a count"),
            (r#"{"at":1,"n":0,"ids":3}"#, "ids must be a string"),
            (r#"{"at":1,"n":0,"ids":"","held":{"at":1}}"#, "`held.n`"),
            (r#"[1,0,""]"#, "listing must be an object"),
        ] {
            let e = read(text).unwrap_err();
            assert!(e.contains(field), "{text}: {e}");
        }
    }

    #[test]
    fn a_drop_beyond_max_drop_is_held_once() {
        let prev = listing(&[1, 2, 3, 4], 5);
        let mut r = Reconciler::new(Some(&prev), None, 500_000, 9).unwrap();
        r.listed.push_num(1);
        assert!(r.compare().is_empty(), "3 of 4 gone: held");
        let (deleted, l) = r.finish(&mut IdSet::new(), &mut Vec::new());
        assert!(deleted.is_empty());
        assert_eq!((l.at, l.n, l.held), (5, 4, Some(Held { at: 9, n: 1 })), "the last listing kept");
        let mut r = Reconciler::new(Some(&l), None, 500_000, 20).unwrap();
        r.listed.push_num(1);
        assert_eq!(r.compare(), ["2", "3", "4"], "confirmed by the second listing");
        r.confirm_all();
        let mut gone = IdSet::new();
        let (deleted, l) = r.finish(&mut gone, &mut Vec::new());
        assert_eq!(deleted, ["2", "3", "4"]);
        assert_eq!((l.at, l.n, l.held), (20, 1, None));
        assert!(gone.contains("3"));
    }

    /// "More than maxDrop" is held: a drop of exactly maxDrop deletes at once.
    #[test]
    fn a_drop_of_exactly_max_drop_is_not_held() {
        let prev = listing(&[1, 2, 3, 4], 5);
        let mut r = Reconciler::new(Some(&prev), None, 500_000, 9).unwrap();
        r.listed.push_num(1);
        r.listed.push_num(2);
        assert_eq!(r.compare(), ["3", "4"], "2 of 4 gone: 50%, not beyond 0.5");
        assert!(!r.is_held());
    }
}
