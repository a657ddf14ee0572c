//! `alias`: one function version per function per run, none when the alias already routes
//! to a version with the new list; the alias on its old routing or the wanted one.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::super::functions::ALIAS;
use super::super::round::{Round, RunRecord};
use super::super::schedule::Call;
use super::functions::{moved, new_lists};
use super::{Segment, segments};

/// A function's versions in `state`: id → layers.
pub(super) fn versions_of(state: &Value, name: &str) -> BTreeMap<String, Vec<String>> {
    fc_local::functions::view::versions_in(state, name)
        .into_iter()
        .map(|version| (version.version_id, version.layers))
        .collect()
}

/// Where [`ALIAS`] of a function routes in `state`: its main version and its canary.
pub(super) fn alias_of(state: &Value, name: &str) -> Option<(String, BTreeMap<String, f64>)> {
    let alias = fc_local::functions::view::aliases_in(state, name).remove(ALIAS)?;
    Some((alias.version_id, alias.additional_version_weight))
}

type Routing = (String, BTreeMap<String, f64>);

/// The function whose call `path` is (`…/functions/{name}/…`).
fn function_of(path: &str) -> Option<&str> {
    path.split("/functions/").nth(1)?.split('/').next()
}

/// The versions a run's applied PublishFunctionVersion calls made, by function.
fn published(run: &RunRecord) -> BTreeMap<String, Vec<String>> {
    let mut made: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for exchange in &run.exchanges {
        if exchange.call != Call::PublishFunctionVersion || !exchange.applied_ok() {
            continue;
        }
        let reply = exchange.reply_json();
        let id = match &reply["versionId"] {
            Value::String(id) => id.clone(),
            other => other.to_string(),
        };
        if let Some(name) = function_of(&exchange.path) {
            made.entry(name.to_owned()).or_default().push(id);
        }
    }
    made
}

/// One function version per function per run: at most one applied publish each, at most
/// one new version per run in the state, and none when the alias already routed to a
/// version with the list the new one holds.
pub(super) fn one_function_version_per_run(round: &Round, fail: &mut impl FnMut(String)) {
    for (index, run) in round.runs.iter().enumerate() {
        for (name, made) in published(run) {
            if made.len() > 1 {
                fail(format!(
                    "run {} published versions {made:?} of function {name}",
                    index + 1
                ));
            }
        }
    }
    for segment in segments(round) {
        let names = segment.after["functions"].as_object().into_iter().flatten();
        for (name, _) in names {
            let count = |state: &Value| versions_of(state, name).len();
            let new = count(segment.after).saturating_sub(count(segment.before));
            if new > segment.runs.len() {
                fail(format!(
                    "function {name} has {new} new version(s) after {} run(s)",
                    segment.runs.len()
                ));
            }
        }
        if segment.runs.len() == 1 {
            published_although_routed(round, &segment, fail);
        }
    }
}

/// A publish by the segment's one run, although before it the alias routed to a version
/// whose layers are the published version's.
fn published_although_routed(round: &Round, segment: &Segment<'_>, fail: &mut impl FnMut(String)) {
    for (name, made) in published(&round.runs[segment.runs[0]]) {
        let Some((main, canary)) = alias_of(segment.before, &name) else {
            continue;
        };
        let before = versions_of(segment.before, &name);
        let after = versions_of(segment.after, &name);
        for id in made {
            let Some(layers) = after.get(&id) else {
                continue;
            };
            let mut routed = std::iter::once(main.clone()).chain(canary.keys().cloned());
            if let Some(same) = routed.find(|version| before.get(version) == Some(layers)) {
                fail(format!(
                    "function {name}: published version {id}, though alias {ALIAS} already routed to version {same} with the same layers"
                ));
            }
        }
    }
}

/// Where the alias is sent for `version` to get `weight` percent, from `before`.
fn wanted(before: Option<&Routing>, version: &str, weight: u8) -> Routing {
    match before {
        Some((main, _)) if weight < 100 && main == version => before.cloned().unwrap_or_default(),
        Some((main, _)) if weight < 100 => (
            main.clone(),
            BTreeMap::from([(version.to_owned(), f64::from(weight) / 100.0)]),
        ),
        _ => (version.to_owned(), BTreeMap::new()),
    }
}

fn same(a: &Routing, b: &Routing) -> bool {
    a.0 == b.0
        && a.1.len() == b.1.len()
        && a.1
            .iter()
            .all(|(version, share)| b.1.get(version).is_some_and(|o| (o - share).abs() < 1e-6))
}

/// The alias on the old state or the new, never a third: after each run (each pair of runs
/// at once), a moved function's alias routes as before, or as `alias-weight` wants for a
/// version holding a list the round may move the function to (at once, from either run's).
pub(super) fn alias_on_the_old_state_or_the_new(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    let Some(weight) = round.scenario.release.alias_weight else {
        return;
    };
    for segment in segments(round) {
        for function in moved(round, region) {
            let name = &function.name;
            // A region no call reached holds nothing yet: nothing was changed there.
            if segment.after["functions"][name].is_null() {
                continue;
            }
            let after = alias_of(segment.after, name);
            let before = alias_of(segment.before, name);
            if after.is_none() && before.is_none() {
                continue;
            }
            let lists = new_lists(round, function, region);
            let targets: Vec<String> = versions_of(segment.after, name)
                .into_iter()
                .filter(|(_, layers)| lists.contains(layers))
                .map(|(id, _)| id)
                .collect();
            let mut allowed: Vec<Option<Routing>> = vec![before.clone()];
            for _ in 0..segment.runs.len() {
                let steps: BTreeSet<usize> = (0..allowed.len()).collect();
                for from in steps {
                    for target in &targets {
                        allowed.push(Some(wanted(allowed[from].as_ref(), target, weight)));
                    }
                }
            }
            let kept = allowed.iter().any(|state| match (state, &after) {
                (Some(state), Some(after)) => same(state, after),
                (None, None) => true,
                _ => false,
            });
            if !kept {
                fail(format!(
                    "function {name}: alias {ALIAS} routes {after:?}: neither as before ({before:?}) nor to a version with the new layers at {weight}% (versions {targets:?})"
                ));
            }
        }
    }
}
