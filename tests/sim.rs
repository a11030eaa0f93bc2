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
