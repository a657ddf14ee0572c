//! A seeded chaos run: rounds of the real action binary against the local service behind a
//! front that injects faults drawn from each round's seed, with the action's promises
//! checked after every round (see [`invariants`]).
//!
//! `CHAOS_ROUNDS` (default 100) rounds are played, seeded `CHAOS_SEED`, `CHAOS_SEED + 1`, …
//! (a fresh seed each run when unset, printed); `CHAOS_PARALLEL` at once (default 6: a round
//! mostly waits on backoffs and timeouts). A broken invariant prints the round's seed, its
//! scenario and schedule; `bash bench/chaos 1 SEED` plays that round alone.
//!
//! - [`schedule`]: the seeded draw: scenario and faults.
//! - [`functions`]: the functions' part of the draw: versions, aliases, `alias`,
//!   `functions: '*'`, functions not moved, and faults on those calls.
//! - [`mid_update`]: reruns and runs at once over functions mid-update.
//! - [`front`]: the service behind the faulty front, a listener per run.
//! - [`round`]: one round played: the runs and the state they left.
//! - [`invariants`]: the promises, checked.
//! - [`replays`]: defects the random rounds found, each kept as a round of its own.

mod front;
mod functions;
mod invariants;
mod mid_update;
mod replays;
mod round;
mod schedule;

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

fn setting(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.trim().parse().ok()
}

#[test]
fn chaos_rounds_keep_every_invariant() {
    let rounds = setting("CHAOS_ROUNDS").unwrap_or(100);
    let parallel = setting("CHAOS_PARALLEL").unwrap_or(6).max(1);
    let first_seed = setting("CHAOS_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |time| time.as_secs() % 1_000_000 * 1000)
    });
    println!("chaos: {rounds} round(s) from seed {first_seed}, {parallel} at once");

    let next = AtomicU64::new(0);
    let violations = Mutex::new(Vec::new());
    let tally = Mutex::new(Tally::default());
    std::thread::scope(|scope| {
        for _ in 0..parallel {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= rounds {
                        break;
                    }
                    let played = round::play(first_seed + index);
                    tally.lock().expect("tally").add(&played);
                    let broken = invariants::check(&played);
                    if !broken.is_empty() {
                        violations
                            .lock()
                            .expect("violations")
                            .push(report(&played, &broken));
                    }
                }
            });
        }
    });
    println!("chaos: {}", tally.lock().expect("tally"));
    let violations = violations.into_inner().expect("violations");
    assert!(
        violations.is_empty(),
        "{} round(s) broke an invariant:\n\n{}",
        violations.len(),
        violations.join("\n\n")
    );
}

/// What was played, for the closing line: rounds, runs, faults served, outcomes.
#[derive(Default)]
struct Tally {
    rounds: u64,
    runs: u64,
    succeeded: u64,
    faults: u64,
    calls: u64,
    /// Rounds with `alias`, `functions: '*'`, functions not moved, functions mid-update.
    alias: u64,
    every_using: u64,
    bystanders: u64,
    mid_update: u64,
    /// Function versions published and alias writes applied.
    published: u64,
    alias_writes: u64,
    /// Runs whose keep-versions spared a version in use, by a LATEST or by an alias.
    kept_in_use: u64,
    kept_for_alias: u64,
}

impl Tally {
    fn add(&mut self, round: &round::Round) {
        self.rounds += 1;
        let release = &round.scenario.release;
        self.alias += u64::from(release.alias_weight.is_some());
        self.every_using += u64::from(release.every_using);
        self.bystanders += u64::from(!release.bystanders.is_empty());
        self.mid_update += u64::from(mid_update::drawn(&round.scenario));
        let applied = |calls: &[schedule::Call]| {
            round
                .runs
                .iter()
                .flat_map(|run| &run.exchanges)
                .filter(|exchange| calls.contains(&exchange.call) && exchange.applied_ok())
                .count() as u64
        };
        self.published += applied(&[schedule::Call::PublishFunctionVersion]);
        self.alias_writes += applied(&[schedule::Call::CreateAlias, schedule::Call::UpdateAlias]);
        for run in &round.runs {
            let stdout = run.stdout();
            let kept: Vec<&str> = stdout
                .lines()
                .filter(|line| line.contains("keep-versions: kept "))
                .collect();
            self.kept_in_use += u64::from(!kept.is_empty());
            self.kept_for_alias += u64::from(kept.iter().any(|line| line.contains("alias")));
            self.runs += 1;
            self.succeeded += u64::from(run.succeeded());
            self.calls += run.exchanges.len() as u64;
            self.faults += run
                .exchanges
                .iter()
                .filter(|exchange| exchange.fault.is_some())
                .count() as u64;
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rounds, {} runs ({} succeeded), {} calls, {} faults served; rounds with alias {}, \
             functions '*' {}, functions not moved {}, functions mid-update {}; {} function versions published, {} alias \
             writes; runs that kept versions in use {} (for an alias {})",
            self.rounds,
            self.runs,
            self.succeeded,
            self.calls,
            self.faults,
            self.alias,
            self.every_using,
            self.bystanders,
            self.mid_update,
            self.published,
            self.alias_writes,
            self.kept_in_use,
            self.kept_for_alias
        )
    }
}

fn report(round: &round::Round, broken: &[String]) -> String {
    let mut text = format!(
        "seed {} (replay: bash bench/chaos 1 {})\n  scenario: {:?}\n  schedule: {}\n  broken:\n",
        round.seed, round.seed, round.scenario, round.schedule
    );
    for what in broken {
        text.push_str(&format!("    - {what}\n"));
    }
    for (index, run) in round.runs.iter().enumerate() {
        text.push_str(&format!(
            "  run {} exit {:?}; calls: {}\n",
            index + 1,
            run.output.status.code(),
            run.exchanges
                .iter()
                .map(|exchange| match exchange.fault {
                    Some(fault) => format!("{:?}[{fault:?}]", exchange.call),
                    None => format!("{:?}", exchange.call),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ));
        for line in run
            .stdout()
            .lines()
            .filter(|line| !line.starts_with("::add-mask::"))
        {
            text.push_str(&format!("    | {line}\n"));
        }
    }
    text
}
