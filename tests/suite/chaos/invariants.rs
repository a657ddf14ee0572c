//! The promises the action makes, checked against a played [`Round`]: the service's state
//! before and after, and each run's exit code, outputs, summary, log and exchanges.

//!
//! - [`versions`]: the layer's versions, deletes, dry runs, uploads.
//! - [`functions`]: the functions' layers, versions in use, outputs of a failed rollout.
//! - [`release`]: `alias`: function versions and the alias's routing.

mod functions;
mod release;
mod versions;

use std::collections::BTreeMap;

use serde_json::Value;

use super::round::{Round, RunRecord};
use super::schedule::{Call, Fault, Runs};
use functions::succeeded_only_when_successful;
use functions::{failed_step_writes_functions, functions_hold_the_old_list_or_the_new};
use functions::{moved, no_version_deleted_mid_move, no_version_in_use_deleted};
use release::{alias_on_the_old_state_or_the_new, one_function_version_per_run};
use versions::uploads_are_closed_and_objects_whole;
use versions::{at_most_one_version_per_run, deletes_are_shown_and_reported};
use versions::{dry_run_writes_nothing, outputs_name_what_exists, rerun_adds_no_second_version};

/// Every invariant a round broke, in words; empty when it kept them all. With `regions`,
/// what concerns the step as a whole (secrets, the exit code, calm rounds) is checked once,
/// and the rest in each region, on the calls under its path prefix and its state.
pub fn check(round: &Round) -> Vec<String> {
    if round.scenario.regions.is_empty() {
        return check_scope(round, "cn-hangzhou", true);
    }
    let mut broken = Vec::new();
    for (index, run) in round.runs.iter().enumerate() {
        let mut fail = |what: String| broken.push(format!("run {}: {what}", index + 1));
        no_secret_printed(round, run, &mut fail);
        calm_runs_succeed(round, run, &mut fail);
        // Every region's outputs are written when the step succeeds.
        if run.succeeded() && !round.scenario.dry_run {
            for region in &round.scenario.regions {
                if region_output(run, "versions", region).is_none() {
                    fail(format!(
                        "succeeded without {region}'s version in `versions`"
                    ));
                }
            }
        }
    }
    for (region, after) in &round.regions_after {
        let view = region_view(round, region, after);
        for what in check_scope(&view, region, false) {
            broken.push(format!("[{region}] {what}"));
        }
    }
    broken
}

/// `name` (`versions` or `layerVersionArns`) of `region`, from a run's JSON output.
fn region_output(run: &RunRecord, name: &str, region: &str) -> Option<String> {
    let value: Value = serde_json::from_str(&run.output(name)?).ok()?;
    match &value[region] {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// One region of a `regions` round, as if it were a round of its own: its state, the calls
/// under its prefix, and its outputs out of `layerVersionArns` and `versions`.
fn region_view(round: &Round, region: &str, after: &Value) -> Round {
    let prefix = format!("/{region}/");
    let runs = round
        .runs
        .iter()
        .map(|run| {
            let mut outputs = String::new();
            let version = region_output(run, "versions", region);
            if let (Some(version), Some(arn)) =
                (&version, region_output(run, "layerVersionArns", region))
            {
                outputs = format!(
                    "layerVersionArn={arn}\nversion={version}\ncodeChecksum={}\n",
                    run.output("codeChecksum").unwrap_or_default()
                );
            }
            RunRecord {
                output: run.output.clone(),
                outputs_file: outputs,
                summary: String::new(),
                exchanges: run
                    .exchanges
                    .iter()
                    .filter(|exchange| exchange.path.starts_with(&prefix))
                    .cloned()
                    .collect(),
                region_succeeded: Some(version.is_some()),
            }
        })
        .collect();
    let mut scenario = round.scenario.clone();
    scenario.regions = Vec::new();
    Round {
        seed: round.seed,
        scenario,
        schedule: round.schedule.clone(),
        // Each region starts with the same functions, versions and aliases.
        before: round.before.clone(),
        after: after.clone(),
        regions_after: Vec::new(),
        // A region no call had reached between the runs still held what it starts with.
        between: round
            .regions_between
            .iter()
            .find(|(name, _)| name == region)
            .map(|(_, state)| match state["functions"].is_null() {
                true => round.before.clone(),
                false => state.clone(),
            }),
        regions_between: Vec::new(),
        runs,
        checksum: round.checksum.clone(),
        zip_size: round.zip_size,
        secrets: Vec::new(),
    }
}

/// A stretch of the round between two states of the service, and the runs played in it:
/// each run alone when they ran one after the other, both when at once.
pub(super) struct Segment<'a> {
    pub before: &'a Value,
    pub after: &'a Value,
    pub runs: Vec<usize>,
}

pub(super) fn segments(round: &Round) -> Vec<Segment<'_>> {
    match (&round.between, round.runs.len()) {
        (Some(between), 2) => vec![
            Segment {
                before: &round.before,
                after: between,
                runs: vec![0],
            },
            Segment {
                before: between,
                after: &round.after,
                runs: vec![1],
            },
        ],
        _ => vec![Segment {
            before: &round.before,
            after: &round.after,
            runs: (0..round.runs.len()).collect(),
        }],
    }
}

/// The invariants over one region's state; `whole` when the round had one region, so
/// that what only the step as a whole says (the exit code, `published`,
/// `deletedVersions`, the summary) is checked too.
fn check_scope(round: &Round, region: &str, whole: bool) -> Vec<String> {
    let mut broken = Vec::new();
    for (index, run) in round.runs.iter().enumerate() {
        let mut fail = |what: String| broken.push(format!("run {}: {what}", index + 1));
        at_most_one_version_per_run(run, &mut fail);
        outputs_name_what_exists(round, index, run, whole, &mut fail);
        deletes_are_shown_and_reported(round, index, run, whole, &mut fail);
        if round.scenario.dry_run {
            dry_run_writes_nothing(run, &mut fail);
        }
        if whole {
            no_secret_printed(round, run, &mut fail);
            exit_code_matches_outputs(run, &mut fail);
            failed_step_writes_functions(round, run, &mut fail);
            calm_runs_succeed(round, run, &mut fail);
            tolerable_faults_are_tolerated(round, run, &mut fail);
        }
    }
    let mut fail = |what: String| broken.push(format!("round: {what}"));
    rerun_adds_no_second_version(round, &mut fail);
    functions_hold_the_old_list_or_the_new(round, region, &mut fail);
    no_version_in_use_deleted(round, region, &mut fail);
    no_version_deleted_mid_move(round, region, &mut fail);
    succeeded_only_when_successful(round, region, &mut fail);
    one_function_version_per_run(round, &mut fail);
    alias_on_the_old_state_or_the_new(round, region, &mut fail);
    uploads_are_closed_and_objects_whole(round, &mut fail);
    if whole && round.scenario.dry_run && round.before != round.after {
        fail("a dry run changed the service's state".to_owned());
    }
    broken
}

/// 3: no secret, token or lent credential in the log, the outputs or the summary, but on
/// the `::add-mask::` lines that hide them.
fn no_secret_printed(round: &Round, run: &RunRecord, fail: &mut impl FnMut(String)) {
    let stdout: String = run
        .stdout()
        .lines()
        .filter(|line| !line.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n");
    for (place, text) in [
        ("stdout", stdout),
        ("stderr", run.stderr()),
        ("the outputs", run.outputs_file.clone()),
        ("the summary", run.summary.clone()),
    ] {
        for secret in &round.secrets {
            if text.contains(secret.as_str()) {
                fail(format!(
                    "a secret ({} chars) appears in {place}",
                    secret.len()
                ));
            }
        }
    }
}

/// Whether the run failed only because a function was not moved (failed, or its wait ran
/// out): the version exists, and its outputs are written for a later step to report.
fn rollout_failed(run: &RunRecord) -> bool {
    !run.succeeded()
        && run.output("functions").is_some_and(|functions| {
            functions.contains(r#""status":"failed""#)
                || functions.contains(r#""status":"timed-out""#)
        })
}

/// Whether the round asked for something that must fail: a function whose update ends
/// `Failed`, or one with five layers already.
fn doomed_by_design(round: &Round) -> bool {
    // Two runs at once that publish two versions both roll them out: the later update
    // wins, and the other run rightly fails, saying which version FC lists.
    let racing = round.scenario.runs == Runs::Together && !round.scenario.functions.is_empty();
    // A round that leaves functions mid-update on purpose: its first run may time out, or
    // a flaky function's first update fail (what a run that succeeds leaves is checked all the same).
    racing
        || super::mid_update::drawn(&round.scenario)
        || moved(round, "cn-hangzhou")
            .iter()
            .any(|function| function.fails || function.layers.len() >= 5)
}

/// 2: exit 0 exactly when outputs were written, but for a failed rollout, whose version
/// exists and whose outputs say which function failed.
fn exit_code_matches_outputs(run: &RunRecord, fail: &mut impl FnMut(String)) {
    let wrote = !run.outputs_file.trim().is_empty();
    if (run.succeeded() || rollout_failed(run)) != wrote {
        fail(format!(
            "exit {:?} but outputs {}",
            run.output.status.code(),
            if wrote { "written" } else { "not written" }
        ));
    }
}

/// Whether the machine's pace made the action give up on a reply that was coming: a
/// fault the schedule did not draw, so the round is not calm.
fn timed_out(run: &RunRecord) -> bool {
    run.stdout().contains("did not answer while")
}

/// A run succeeds when nothing went wrong in its round: no fault served, and no reply given
/// up on because the machine was slow.
fn calm_runs_succeed(round: &Round, run: &RunRecord, fail: &mut impl FnMut(String)) {
    let round_calm = !doomed_by_design(round)
        && round.runs.iter().all(|run| {
            !timed_out(run)
                && run
                    .exchanges
                    .iter()
                    .all(|exchange| exchange.fault.is_none())
        });
    if round_calm && !run.succeeded() {
        fail("met no fault, yet failed".to_owned());
    }
}

/// `retries` covers every call: a run alone whose every fault was transient, and no call
/// met more of them than `retries`, succeeds.
fn tolerable_faults_are_tolerated(round: &Round, run: &RunRecord, fail: &mut impl FnMut(String)) {
    if round.scenario.runs == Runs::Together || timed_out(run) || doomed_by_design(round) {
        return;
    }
    let mut per_call: BTreeMap<Call, u32> = BTreeMap::new();
    for exchange in &run.exchanges {
        let Some(fault) = exchange.fault else {
            continue;
        };
        let transient = match fault {
            Fault::Status { status, .. } => status != 403,
            Fault::DropBefore | Fault::DropAfter | Fault::CutReply | Fault::Stall => true,
            Fault::WrongCrc => exchange.call != Call::HeadObject,
            Fault::Garble => false,
        };
        if !transient {
            return;
        }
        *per_call.entry(exchange.call).or_default() += 1;
    }
    let within = per_call
        .values()
        .all(|count| *count <= round.scenario.retries);
    if within && !per_call.is_empty() && !run.succeeded() {
        fail(format!(
            "met only transient faults, at most retries={} per call ({per_call:?}), yet failed",
            round.scenario.retries
        ));
    }
}
