//! The functions' LATEST: the old list or the new, and none of this layer's versions in
//! use deleted, nor one a function is still moving off; the `functions` output of a step
//! that failed on a function.

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::functions::{ALIAS, Function, ours, planned};
use super::super::round::{LAYER, Round, RunRecord};
use super::super::schedule::{Call, Runs};
use super::release::{alias_of, versions_of};
use super::versions::{created, deleted};
use super::{rollout_failed, segments};

/// The ARNs of this layer's versions a function may be moved to in the round: those with
/// the zip's checksum, and every one a run created.
pub(super) fn candidate_arns(round: &Round) -> BTreeSet<String> {
    let mut candidates: BTreeSet<String> = round.after["layers"][LAYER]["versions"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, version)| version["codeChecksum"].as_str() == Some(round.checksum.as_str()))
        .filter_map(|(_, version)| version["layerVersionArn"].as_str().map(str::to_owned))
        .collect();
    for run in &round.runs {
        for exchange in &run.exchanges {
            if exchange.call == Call::CreateLayerVersion
                && let Some(arn) = exchange.reply_json()["layerVersionArn"].as_str()
            {
                candidates.insert(arn.to_owned());
            }
        }
    }
    candidates
}

/// The lists `function` may hold once moved in `region`: a candidate put in its own.
pub(super) fn new_lists(round: &Round, function: &Function, region: &str) -> Vec<Vec<String>> {
    candidate_arns(round)
        .iter()
        .map(|arn| planned(&function.layers, arn, &ours(region)))
        .filter(|list| list.len() <= 5)
        .collect()
}

/// A function's LATEST layers in `state`; `None` when the state does not hold it.
pub(super) fn latest(state: &Value, name: &str) -> Option<Vec<String>> {
    let function = &state["functions"][name];
    if function.is_null() {
        return None;
    }
    Some(
        function["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|arn| arn.as_str().map(str::to_owned))
            .collect(),
    )
}

/// The functions the round moves in `region`: those named, or with `functions: '*'` those
/// whose LATEST used a version of the layer at the start.
pub(super) fn moved<'a>(round: &'a Round, region: &str) -> Vec<&'a Function> {
    let ours = ours(region);
    round
        .scenario
        .functions
        .iter()
        .filter(|function| {
            !round.scenario.release.every_using
                || function.layers.iter().any(|arn| arn.starts_with(&ours))
        })
        .collect()
}

/// 5: a moved function's layers are the list it had, or that list with this layer's
/// version replaced in place (later versions of it dropped) or appended: never anything
/// else. A function not moved (not named, not using the layer under `functions: '*'`, or
/// a bystander) holds the list it had.
pub(super) fn functions_hold_the_old_list_or_the_new(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    let moved = moved(round, region);
    let every = round
        .scenario
        .functions
        .iter()
        .chain(&round.scenario.release.bystanders);
    for function in every {
        // A region no call reached holds nothing yet: nothing was changed there.
        let Some(now) = latest(&round.after, &function.name) else {
            continue;
        };
        if now == function.layers {
            continue;
        }
        let is_moved = moved.iter().any(|other| other.name == function.name);
        if !is_moved {
            fail(format!(
                "function {} was not to be moved, yet holds {now:?}, not {:?}",
                function.name, function.layers
            ));
        } else if !new_lists(round, function, region).contains(&now) {
            fail(format!(
                "function {} holds {now:?}: neither its old list {:?} nor this layer's version put in it",
                function.name, function.layers
            ));
        }
    }
}

/// No version of the layer deleted while a function's LATEST uses it, or the alias of a
/// function the round moves routes to a function version that uses it: checked on the
/// state each run left. Two runs at once may delete a version the other has just made and
/// moved a function to, a race neither can see: those versions are left out.
pub(super) fn no_version_in_use_deleted(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    let ours = ours(region);
    let moved = moved(round, region);
    for segment in segments(round) {
        let runs: Vec<&RunRecord> = segment.runs.iter().map(|&i| &round.runs[i]).collect();
        let racing: BTreeSet<i64> = if runs.len() > 1 {
            runs.iter().flat_map(|run| created(run)).collect()
        } else {
            BTreeSet::new()
        };
        let removed: BTreeSet<i64> = runs
            .iter()
            .flat_map(|run| deleted(run))
            .filter(|version| !racing.contains(version))
            .collect();
        if removed.is_empty() {
            continue;
        }
        let names = segment.after["functions"].as_object().into_iter().flatten();
        for (name, _) in names {
            let mut uses = vec![("LATEST".to_owned(), latest(segment.after, name))];
            let has_alias = round.scenario.release.alias_weight.is_some()
                && moved.iter().any(|function| &function.name == name);
            if let Some((main, canary)) = alias_of(segment.after, name).filter(|_| has_alias) {
                let versions = versions_of(segment.after, name);
                for routed in std::iter::once(main).chain(canary.into_keys()) {
                    let layers = versions.get(&routed).cloned();
                    uses.push((format!("alias {ALIAS} (version {routed})"), layers));
                }
            }
            for (place, layers) in uses {
                for arn in layers.unwrap_or_default() {
                    let version = arn.strip_prefix(&ours).and_then(|v| v.parse().ok());
                    if let Some(version) = version.filter(|v| removed.contains(v)) {
                        fail(format!(
                            "deleted version {version}, which function {name}'s {place} uses"
                        ));
                    }
                }
            }
        }
    }
}

/// A step that failed once it reached the functions it moves (its version was settled)
/// failed on a function: its outputs are written all the same, `functions` naming each
/// failed function with its `error`. (`functions: '*'` reads with GetFunction, before
/// anything, only functions listed without layers: never one it moves.)
pub(super) fn failed_step_writes_functions(
    round: &Round,
    run: &RunRecord,
    fail: &mut impl FnMut(String),
) {
    let moved = moved(round, "cn-hangzhou");
    let reached = run.exchanges.iter().any(|exchange| {
        let moved_one = || {
            let path = &exchange.path;
            moved
                .iter()
                .any(|function| path.ends_with(&format!("/functions/{}", function.name)))
        };
        (exchange.call == Call::GetFunction && moved_one())
            || matches!(
                exchange.call,
                Call::UpdateFunction
                    | Call::GetAlias
                    | Call::CreateAlias
                    | Call::UpdateAlias
                    | Call::PublishFunctionVersion
                    | Call::ListFunctionVersions
            )
    });
    if run.succeeded() || !reached {
        return;
    }
    if !rollout_failed(run) {
        fail(format!(
            "failed after reaching the functions, but `functions` names no failed function: {:?}",
            run.output("functions")
        ));
        return;
    }
    let functions: Value =
        serde_json::from_str(&run.output("functions").unwrap_or_default()).unwrap_or_default();
    for function in functions.as_array().into_iter().flatten() {
        let error = function["error"].as_str().unwrap_or_default();
        let not_moved = function["status"] == "failed" || function["status"] == "timed-out";
        if not_moved && error.trim().is_empty() {
            fail(format!(
                "function {} failed, and `functions` gives no error",
                function["name"]
            ));
        }
    }
}

/// #25: no version of the layer deleted while a function the round moves is `InProgress`
/// or `Failed` on its way off it (the version in the list it had before the update, or in
/// the list it lists now), as the service held the functions just before each delete.
/// Versions two runs at once made are left out, as in [`no_version_in_use_deleted`].
pub(super) fn no_version_deleted_mid_move(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    let ours = ours(region);
    let moved = moved(round, region);
    let racing: BTreeSet<i64> = match round.scenario.runs {
        Runs::Together => round.runs.iter().flat_map(created).collect(),
        _ => BTreeSet::new(),
    };
    let deletes = round
        .runs
        .iter()
        .flat_map(|run| &run.exchanges)
        .filter(|exchange| exchange.call == Call::DeleteLayerVersion && exchange.applied_ok());
    for exchange in deletes {
        let Some(version) = exchange.path.rsplit('/').next() else {
            continue;
        };
        let Ok(number) = version.parse::<i64>() else {
            continue;
        };
        let Some(functions) = &exchange.functions_before else {
            continue;
        };
        if racing.contains(&number) {
            continue;
        }
        let arn = format!("{ours}{number}");
        for function in &moved {
            let held = &functions[&function.name];
            let status = held["lastUpdateStatus"].as_str().unwrap_or_default();
            if status != "InProgress" && status != "Failed" {
                continue;
            }
            let lists = |field: &str| {
                held[field]
                    .as_array()
                    .is_some_and(|layers| layers.iter().any(|layer| layer == arn.as_str()))
            };
            if lists("layersBeforeUpdate") || lists("layers") {
                fail(format!(
                    "deleted version {number} while function {}'s move off it was {status}",
                    function.name
                ));
            }
        }
    }
}

/// #25: a run alone that succeeded leaves every function it moved `Successful` (on the
/// list it gave it, which the checks above hold to): a function still `InProgress` or
/// `Failed` is never reported moved. Two runs at once are left out (the other may have
/// written since).
pub(super) fn succeeded_only_when_successful(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    if round.scenario.dry_run {
        return;
    }
    for segment in segments(round) {
        let [index] = segment.runs[..] else {
            continue;
        };
        // The step's exit code: a region's view counts a region whose rollout failed, its
        // outputs written, as succeeded.
        if !round.runs[index].output.status.success() {
            continue;
        }
        for function in moved(round, region) {
            let held = &segment.after["functions"][&function.name];
            let status = held["lastUpdateStatus"].as_str().unwrap_or("Successful");
            if !held.is_null() && status != "Successful" {
                fail(format!(
                    "run {} succeeded, yet left function {} {status}",
                    index + 1,
                    function.name
                ));
            }
        }
    }
}
