//! Reruns and runs at once over functions mid-update (#25), drawn from a stream of their
//! own so that a seed drawn before them still draws the same round otherwise: the first run
//! given a `function-update-timeout` shorter than an update, so that it leaves its functions
//! `InProgress` for the next run (a rerun, or the other run at once); or flaky functions,
//! whose first update ends `Failed` with the new layers left listed. Such rounds have older
//! versions, and mostly `keep-versions`, so that a version deleted while a function is
//! still moving off it would show.

use super::schedule::{Rng, Runs, Scenario};

/// The first run's `function-update-timeout` in a round that leaves functions `InProgress`.
const SHORT_TIMEOUT_SECS: u32 = 1;

/// The round `seed`'s mid-update part, if it has one.
pub fn draw(seed: u64, scenario: &mut Scenario) {
    let mut rng = Rng::new(seed ^ 0x2525_2525_2525_2525);
    let eligible = scenario.runs != Runs::Once
        && !scenario.dry_run
        && scenario.seeded_versions > 0
        && !scenario.functions.is_empty();
    if !eligible || !rng.chance(60) {
        return;
    }
    if scenario.keep_versions.is_none() && rng.chance(75) {
        scenario.keep_versions = Some(1);
    }
    if rng.chance(50) {
        // The update outlasts the first run's wait, and ends within the next run's.
        scenario.first_update_timeout = Some(SHORT_TIMEOUT_SECS);
        scenario.update_delay_millis = *rng.pick(&[2000, 3000]);
        return;
    }
    let mut any = false;
    for function in &mut scenario.functions {
        function.flaky = !function.fails && rng.chance(60);
        any |= function.flaky;
    }
    if !any && let Some(first) = scenario.functions.iter_mut().find(|f| !f.fails) {
        first.flaky = true;
    }
}

/// Whether the round leaves a function mid-update on purpose: its first run may time out,
/// or a flaky function's first update fail.
pub fn drawn(scenario: &Scenario) -> bool {
    scenario.first_update_timeout.is_some() || scenario.functions.iter().any(|f| f.flaky)
}

/// The run `index`'s `function-update-timeout`, when the round shortens it.
pub fn timeout_of(scenario: &Scenario, index: usize) -> Option<String> {
    let short = scenario.first_update_timeout.filter(|_| index == 0)?;
    Some(short.to_string())
}
