//! The simulation proof of DESIGN section 6: thousands of seeds against a simulated hub, and
//! against Keap REST v1 polled directly (`Config::keap_from_seed`).
//! `cargo test --test sim` runs 10,000 seeds; `cargo test --release --test sim -- --ignored`
//! runs the 1,000,000-seed soak.

#[path = "sim/mod.rs"]
mod sim;

use sim::{Config, Naive, Ours, Tally, run};

fn sweep(seeds: std::ops::Range<u64>, poller: &dyn sim::Poller) -> (Tally, Vec<u64>) {
    sweep_with(seeds, poller, Config::from_seed)
}

fn sweep_with(seeds: std::ops::Range<u64>, poller: &dyn sim::Poller, config: fn(u64) -> Config) -> (Tally, Vec<u64>) {
    let mut total = Tally::default();
    let mut bad = Vec::new();
    for seed in seeds {
        let cfg = config(seed);
        let (out, provider) = run(&cfg, poller);
        let t = out.check(&provider);
        if !t.clean() {
            bad.push(seed);
        }
        total.add(&t);
    }
    (total, bad)
}

fn assert_exactly_once(range: std::ops::Range<u64>) {
    let (t, bad) = sweep(range.clone(), &Ours);
    assert!(
        bad.is_empty(),
        "seeds {:?} broke the contract (first: {:?}); tally {t:?}",
        &bad[..bad.len().min(20)],
        bad.first().map(|&s| Config::from_seed(s))
    );
    assert!(t.observable > 0 && t.delivered >= t.observable);
    println!("seeds {range:?}: {t:?}");
}

// Four slices so the test harness spreads 10,000 seeds over the cores.
#[test]
fn exactly_once_seeds_0_2500() {
    assert_exactly_once(0..2500);
}
#[test]
fn exactly_once_seeds_2500_5000() {
    assert_exactly_once(2500..5000);
}
#[test]
fn exactly_once_seeds_5000_7500() {
    assert_exactly_once(5000..7500);
}
#[test]
fn exactly_once_seeds_7500_10000() {
    assert_exactly_once(7500..10_000);
}

/// Keap REST v1 polled directly: offset paging by `next` links (on the last page too), the
/// dropped `optional_properties` put back, expiring tokens refreshed once, Keap's 429s.
fn assert_exactly_once_on_keap(range: std::ops::Range<u64>) {
    let (t, bad) = sweep_with(range.clone(), &Ours, Config::keap_from_seed);
    assert!(
        bad.is_empty(),
        "keap seeds {:?} broke the contract (first: {:?}); tally {t:?}",
        &bad[..bad.len().min(20)],
        bad.first().map(|&s| Config::keap_from_seed(s))
    );
    assert!(t.observable > 0 && t.delivered >= t.observable);
    println!("keap seeds {range:?}: {t:?}");
}

#[test]
fn exactly_once_on_keap_seeds_0_1500() {
    assert_exactly_once_on_keap(0..1500);
}
#[test]
fn exactly_once_on_keap_seeds_1500_3000() {
    assert_exactly_once_on_keap(1500..3000);
}

/// The Keap runs exercise what they are for: multi-page listings ended by a short or empty
/// page under a `next` link, and tokens refreshed mid-cycle.
#[test]
fn keap_runs_page_and_refresh_tokens() {
    let (mut pages, mut multi, mut unauthorized, mut refreshed) = (0, 0, 0, 0);
    for seed in 0..300 {
        let cfg = Config::keap_from_seed(seed);
        let (out, provider) = run(&cfg, &Ours);
        assert!(out.check(&provider).clean(), "seed {seed}");
        pages += provider.requests;
        multi += usize::from(out.requests > out.cycles * 2);
        unauthorized += provider.unauthorized;
        refreshed += provider.refreshed;
    }
    assert!(pages > 0 && multi > 0, "multi-page listings: {multi}");
    // A 401 is answered by one refresh unless the process died first (the next cycle then
    // meets the expired token again): never more refreshes than 401s, and no refresh loop.
    assert!(refreshed > 0 && refreshed <= unauthorized, "{unauthorized} 401s, {refreshed} refreshes");
}

#[test]
fn ours_against_the_platform_rule() {
    let seeds = 0..2000;
    let (ours, _) = sweep(seeds.clone(), &Ours);
    let (naive, _) = sweep(seeds.clone(), &Naive);
    println!("\n{:<28} {:>12} {:>12}", format!("seeds {seeds:?}"), "ours", "naive");
    type Row = (&'static str, fn(&Tally) -> u64);
    let rows: [Row; 10] = [
        ("observable versions", |t| t.observable),
        ("events delivered", |t| t.delivered),
        ("lost", |t| t.lost),
        ("duplicated", |t| t.duplicated),
        ("repeats after crash", |t| t.crash_repeats),
        ("misclassified", |t| t.misclassified),
        ("phantom", |t| t.phantom),
        ("cycles failed", |t| t.failed_cycles),
        ("cycles without a clean pass", |t| t.unstable_cycles),
        ("lost in those cycles only", |t| t.lost_unstable),
    ];
    for (name, f) in rows {
        println!("{name:<28} {:>12} {:>12}", f(&ours), f(&naive));
    }
    assert!(naive.lost > 0 && naive.duplicated > 0, "the naive rule should lose and duplicate: {naive:?}");
    assert_eq!((ours.lost, ours.duplicated, ours.misclassified), (0, 0, 0));
}

#[test]
#[ignore = "soak: cargo test --release --test sim -- --ignored"]
fn soak_one_million_seeds() {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    // Contiguous shares, the last one ending at exactly 2,000,000 whatever the thread count.
    let bound = move |i: u64| 1_000_000 + 1_000_000 * i / threads;
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            std::thread::spawn(move || {
                let (mut t, mut b) = sweep(bound(i)..bound(i + 1), &Ours);
                // And a tenth as many seeds against Keap polled directly.
                let (kt, kb) = sweep_with(bound(i) / 10..bound(i + 1) / 10, &Ours, Config::keap_from_seed);
                t.add(&kt);
                b.extend(kb);
                (t, b)
            })
        })
        .collect();
    let mut total = Tally::default();
    let mut bad = Vec::new();
    for h in handles {
        let (t, b) = h.join().unwrap();
        total.add(&t);
        bad.extend(b);
    }
    println!("soak: {total:?}");
    assert!(bad.is_empty(), "seeds {:?} broke the contract", &bad[..bad.len().min(20)]);
}

/// `SIM_SEED=74 cargo test --test sim one_seed -- --ignored --nocapture`: one run, narrated.
#[test]
#[ignore = "diagnosis of one seed"]
fn one_seed() {
    let seed: u64 = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0);
    let cfg = Config::from_seed(seed);
    println!("{cfg:?}");
    let (out, provider) = run(&cfg, &Ours);
    let t = out.check(&provider);
    println!("{t:?}");
    println!(
        "origin {:?}; spans {:?}; unsaved {:?}",
        out.origin.map(|o| o - sim::T0),
        out.spans.iter().map(|(a, b)| (a - sim::T0, b - sim::T0)).collect::<Vec<_>>(),
        out.unsaved
    );
    for o in &provider.objs {
        let vs: Vec<_> = o.versions.iter().map(|v| (v.u - sim::T0, v.vis - sim::T0)).collect();
        println!("obj {} created {} versions(u,vis) {:?}", o.id, o.created - sim::T0, vs);
    }
    for d in &out.delivered {
        println!("delivered cycle {} obj {} at {} created {}", d.cycle, d.id, d.instant - sim::T0, d.created);
    }
    println!("lost {:?}", t.lost_versions.iter().map(|(id, u)| (id, u - sim::T0)).collect::<Vec<_>>());
}

/// The state bound (DESIGN: "if the bound is reached, degrade to re-emitting with the same
/// eventId, never to loss"): with room for only two versions, repeats are expected; losses,
/// phantoms and repeats under a different eventId are not.
#[test]
fn a_tiny_state_bound_repeats_with_the_same_ids_and_loses_nothing() {
    let mut total = Tally::default();
    for seed in 0..1000 {
        let cfg = Config { max_seen: 2, ..Config::from_seed(seed) };
        let (out, provider) = run(&cfg, &Ours);
        let t = out.check(&provider);
        assert_eq!((t.lost, t.phantom, t.event_id_mismatch), (0, 0, 0), "seed {seed}: {t:?}");
        total.add(&t);
    }
    println!(
        "max_seen 2 over 1000 seeds: {} repeats beyond crashes, {} after crashes, {} delivered",
        total.duplicated, total.crash_repeats, total.delivered
    );
    assert!(total.duplicated > 0, "the bound should have been reached");
}

/// A configuration without faults for the scripted histories below: every cycle is delivered
/// and saved, so each one can be held to the contract.
fn quiet(base: Config, tolerance_s: i64, poll_delay_s: i64) -> Config {
    Config {
        records_field: None,
        skew_ms: 0,
        lookback_ms: 10_000,
        poll_interval_ms: 10_000,
        polls: 3,
        latency_ms: 50,
        p_429: 0.0,
        p_5xx: 0.0,
        p_malformed: 0.0,
        p_crash_mid: 0.0,
        p_crash_after_delivery: 0.0,
        start: sim::Start::At(-60_000),
        max_seen: elements_poller::detect::DEFAULT_MAX_SEEN,
        poll_delay_s,
        created_check_tolerance_s: tolerance_s,
        ..base
    }
}

/// Every way the provider can list and page, over one page or several.
fn listings() -> Vec<Config> {
    use sim::{Order, Paging};
    let mut out = Vec::new();
    for order in [Order::UpdatedThenId, Order::Id] {
        for paging in [Paging::Offset, Paging::Cursor] {
            for page_size in [2, 50] {
                // (where clause, strict `>`, seconds)
                for (where_clause, where_strict, where_seconds) in
                    [(false, false, false), (true, false, false), (true, true, false), (true, false, true), (true, true, true)]
                {
                    out.push(Config { order, paging, page_size, where_clause, where_strict, where_seconds, ..Config::from_seed(0) });
                }
            }
        }
    }
    out
}

fn obj(id: u64, created: i64, versions: &[(i64, i64)]) -> sim::Obj {
    sim::Obj { id, created, versions: versions.iter().map(|&(u, vis)| sim::Version { u, vis }).collect() }
}

/// Issue 13: random seeds almost never stamp a version in the very millisecond of a boundary,
/// so a comparison there turned from `<` into `<=` passed 10,000 seeds. This history puts one
/// on each: at `startFrom` and one millisecond before it, at the watermark, at the floor of the
/// next poll (the watermark minus lookback and pollDelay), and an object created exactly at
/// that poll's created floor (the floor minus createdCheckTolerance). Run under every listing,
/// with and without a tolerance and a pollDelay, and with a tiny state bound.
#[test]
fn versions_exactly_on_the_boundaries() {
    use sim::T0;
    let mut runs = 0;
    for listing in listings() {
        for (tolerance_s, poll_delay_s) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let cfg = quiet(listing.clone(), tolerance_s, poll_delay_s);
            let start = T0 - 60_000; // Start::At(-60_000)
            let watermark = T0 - 10_000; // the newest instant the first poll reads
            let floor = watermark - cfg.allowance_ms(); // the second poll's floor
            let created_floor = floor - tolerance_s * 1000;
            let (early, late) = (T0 - 200_000, T0 + 5_000); // visible before the first poll, between the first two
            let history = vec![
                obj(1, start - 1, &[(start - 1, early)]),                             // before the start: never emitted
                obj(2, start, &[(start, early)]),                                     // at the start: CREATED
                obj(3, start + 1_000, &[(watermark, early)]),                         // sets the watermark
                obj(4, floor, &[(floor, late)]),                                      // created at the floor, seen late: CREATED
                obj(5, created_floor, &[(created_floor, late), (floor + 500, late)]), // created at the created floor: CREATED
                obj(6, start + 2_000, &[(start + 2_000, early), (watermark, late)]),  // updated at the watermark, seen late
                obj(7, start + 3_000, &[(start + 3_000, early), (floor, late)]),      // updated at the floor, seen late
            ];
            for max_seen in [cfg.max_seen, 2] {
                let cfg = Config { max_seen, ..cfg.clone() };
                let (out, provider) = sim::run_on(&cfg, sim::Provider::scripted(&cfg, history.clone()), &Ours);
                let t = out.check(&provider);
                let at = format!("{cfg:?}: {t:?}");
                // The history reaches what it is for: three cycles, all clean, eight versions owed
                // (objects 2, 3, 4 and 5's second version, 6 and 7 twice).
                assert_eq!((t.cycles, t.failed_cycles, t.unstable_cycles, t.observable), (3, 0, 0, 8), "{at}");
                if max_seen == 2 {
                    // The bound repeats versions (same eventId) and may lose a CREATED to an
                    // eviction; it never loses a version nor emits one before the start.
                    assert_eq!((t.lost, t.phantom, t.early, t.event_id_mismatch), (0, 0, 0, 0), "{at}");
                } else {
                    assert!(t.clean(), "{at}");
                }
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 320);
}

/// Issue 13: the created floor is one past the newest instant the state bound evicted. An
/// object whose creation version was evicted is not known to have been emitted, but anything
/// created at or before the evicted instant may have been: its next version is UPDATED. (At
/// `e` instead of `e + 1`, object 1's update came out CREATED a second time.)
#[test]
fn an_object_created_at_the_evicted_instant_is_not_created_again() {
    use sim::T0;
    let mut runs = 0;
    for listing in listings() {
        // Two polls: a third would re-emit object 2, evicted by the second (at-least-once).
        let cfg = Config { max_seen: 2, polls: 2, ..quiet(listing, 0, 0) };
        let start = T0 - 60_000;
        let (early, late) = (T0 - 200_000, T0 + 5_000);
        // The first poll reads three creations; the bound keeps two, so `evicted` is object 1's.
        let history = vec![
            obj(1, start + 100, &[(start + 100, early), (start + 400, late)]),
            obj(2, start + 200, &[(start + 200, early)]),
            obj(3, start + 300, &[(start + 300, early)]),
        ];
        let (out, provider) = sim::run_on(&cfg, sim::Provider::scripted(&cfg, history), &Ours);
        let t = out.check(&provider);
        assert!(t.clean(), "{cfg:?}: {t:?}");
        assert_eq!((t.cycles, t.observable, t.delivered), (2, 4, 4), "{cfg:?}: {t:?}");
        runs += 1;
    }
    assert_eq!(runs, 40);
}

/// DESIGN section 13: deletes and re-creates interleaved with updates, pages that fail and
/// bodies cut short during reconciliation, crashes mid-listing and after delivery, listings
/// that lose most of their ids at once; on a hub and on Keap, offset paging by id or by date.
fn deletes_sweep(seeds: std::ops::Range<u64>) {
    use sim::deletes::{Config, Tally, run};
    let mut total = Tally::default();
    let mut bad = Vec::new();
    for seed in seeds.clone() {
        let cfg = Config::from_seed(seed);
        let (out, provider) = run(&cfg, 3);
        let t = out.check(&provider, true);
        if !t.clean() {
            bad.push((seed, t.clone()));
        }
        total.add(&t);
    }
    assert!(bad.is_empty(), "{} seeds broke the deletes contract, first {:?}: {:?}", bad.len(), bad[0].0, bad[0].1);
    assert!(
        total.deleted > 0 && total.held > 0 && total.crash_repeats > 0 && total.failed > 0 && total.slid > 0 && total.fell_back > 0,
        "the sweep reached every hazard: {total:?}"
    );
    println!("deletes, seeds {seeds:?}: {total:?}");
}

#[test]
fn deletes_never_false_never_missed_once_each_seeds_0_500() {
    deletes_sweep(0..500);
}
#[test]
fn deletes_never_false_never_missed_once_each_seeds_500_1000() {
    deletes_sweep(500..1000);
}
