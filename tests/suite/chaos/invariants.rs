//! The promises the action makes, checked against a played [`Round`]: the service's state
//! before and after, and each run's exit code, outputs, summary, log and exchanges.

use std::collections::{BTreeMap, BTreeSet};

use super::round::{BUCKET, LAYER, Round, RunRecord};
use super::schedule::{Call, Fault, Runs};

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
    let value: serde_json::Value = serde_json::from_str(&run.output(name)?).ok()?;
    match &value[region] {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// One region of a `regions` round, as if it were a round of its own: its state, the calls
/// under its prefix, and its outputs out of `layerVersionArns` and `versions`.
fn region_view(round: &Round, region: &str, after: &serde_json::Value) -> Round {
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
        before: serde_json::Value::Null,
        after: after.clone(),
        regions_after: Vec::new(),
        runs,
        checksum: round.checksum.clone(),
        zip_size: round.zip_size,
        secrets: Vec::new(),
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
            calm_runs_succeed(round, run, &mut fail);
            tolerable_faults_are_tolerated(round, run, &mut fail);
        }
    }
    let mut fail = |what: String| broken.push(format!("round: {what}"));
    rerun_adds_no_second_version(round, &mut fail);
    functions_hold_the_old_list_or_the_new(round, region, &mut fail);
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

/// Whether the run failed only because a function was not moved: the version exists, and
/// its outputs are written for a later step to report.
fn rollout_failed(run: &RunRecord) -> bool {
    !run.succeeded()
        && run
            .output("functions")
            .is_some_and(|functions| functions.contains(r#""status":"failed""#))
}

/// Whether the round asked for something that must fail: a function whose update ends
/// `Failed`, or one with five layers already.
fn doomed_by_design(round: &Round) -> bool {
    // Two runs at once that publish two versions both roll them out: the later update
    // wins, and the other run rightly fails, saying which version FC lists.
    let racing = round.scenario.runs == Runs::Together && !round.scenario.functions.is_empty();
    racing
        || round
            .scenario
            .functions
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

/// The versions a run's applied creates made, from the service's replies.
fn created(run: &RunRecord) -> Vec<i64> {
    run.exchanges
        .iter()
        .filter(|exchange| exchange.call == Call::CreateLayerVersion && exchange.applied_ok())
        .filter_map(|exchange| exchange.reply_json()["version"].as_i64())
        .collect()
}

/// 1: one run never makes two versions, whatever it retried.
fn at_most_one_version_per_run(run: &RunRecord, fail: &mut impl FnMut(String)) {
    let created = created(run);
    if created.len() > 1 {
        fail(format!("created versions {created:?}: more than one"));
    }
}

/// 1: a rerun after a failure, or a second run of the same content, reuses the version.
fn rerun_adds_no_second_version(round: &Round, fail: &mut impl FnMut(String)) {
    if round.scenario.runs != Runs::Twice || !round.scenario.skip_unchanged {
        return;
    }
    let all: Vec<i64> = round.runs.iter().flat_map(created).collect();
    if all.len() > 1 {
        fail(format!("two runs in a row created versions {all:?}"));
    }
}

/// 2 and 6: a successful run's outputs name a version with the zip's checksum that exists
/// (unless the other run of the round deleted it since), `published` says whether this run
/// made it, and `deletedVersions` lists what its deletes removed.
fn outputs_name_what_exists(
    round: &Round,
    index: usize,
    run: &RunRecord,
    whole: bool,
    fail: &mut impl FnMut(String),
) {
    if !run.succeeded() && !rollout_failed(run) {
        return;
    }
    if run.output("codeChecksum").as_deref() != Some(round.checksum.as_str()) {
        fail(format!(
            "codeChecksum {:?}, the zip's is {}",
            run.output("codeChecksum"),
            round.checksum
        ));
    }
    let Some(version) = run.output("version").filter(|v| !v.is_empty()) else {
        if !round.scenario.dry_run {
            fail("succeeded without a version output".to_owned());
        }
        return;
    };
    let Ok(version) = version.parse::<i64>() else {
        fail(format!("version output {version:?} is not a number"));
        return;
    };
    let arn = run.output("layerVersionArn").unwrap_or_default();
    if !arn.ends_with(&format!(":layers/{LAYER}/versions/{version}")) {
        fail(format!("ARN {arn} does not name version {version}"));
    }
    let deleted_by_other = round
        .runs
        .iter()
        .enumerate()
        .filter(|(other, _)| *other != index)
        .flat_map(|(_, other)| deleted(other))
        .any(|gone| gone == version);
    let recorded = &round.after["layers"][LAYER]["versions"][version.to_string()];
    if recorded.is_null() {
        if !deleted_by_other {
            fail(format!("output version {version} does not exist"));
        }
    } else if recorded["codeChecksum"].as_str() != Some(round.checksum.as_str()) {
        fail(format!(
            "output version {version} has checksum {}, not the zip's",
            recorded["codeChecksum"]
        ));
    }
    let mine = created(run);
    let published = run.output("published").as_deref() == Some("true");
    if round.scenario.dry_run || !whole {
        return;
    }
    let made_by_another_run = round
        .runs
        .iter()
        .enumerate()
        .any(|(other, record)| other != index && created(record).contains(&version));
    match (published, mine.first()) {
        (true, Some(&own)) if own == version => {}
        // Two runs at once with the same zip: a run whose create's outcome was unknown
        // cannot tell its version from the other's, and takes the newest.
        (true, _) if made_by_another_run && create_outcome_unknown(run) => {}
        (true, _) => fail(format!(
            "published=true for version {version}, but this run created {mine:?}"
        )),
        (false, Some(&own)) => fail(format!(
            "published=false, yet this run created version {own} (outputs name {version})"
        )),
        (false, None) => {}
    }
}

/// Whether the run said that a create's outcome was unknown to it (a fault, or a reply
/// that came too late on a loaded machine).
fn create_outcome_unknown(run: &RunRecord) -> bool {
    run.stdout()
        .contains("the version may have been created all the same")
}

/// Whether the machine's pace made the action give up on a reply that was coming: a
/// fault the schedule did not draw, so the round is not calm.
fn timed_out(run: &RunRecord) -> bool {
    run.stdout().contains("did not answer while")
}

/// The versions whose fate the run said it could not learn.
fn said_uncertain(run: &RunRecord) -> BTreeSet<i64> {
    run.stdout()
        .lines()
        .filter_map(|line| {
            let rest = line.split("keep-versions: version ").nth(1)?;
            let (version, tail) = rest.split_once(' ')?;
            tail.starts_with("may or may not have been deleted")
                .then(|| version.parse().ok())
                .flatten()
        })
        .collect()
}

/// The versions a run's applied deletes removed.
fn deleted(run: &RunRecord) -> Vec<i64> {
    run.exchanges
        .iter()
        .filter(|exchange| exchange.call == Call::DeleteLayerVersion && exchange.applied_ok())
        .filter_map(|exchange| exchange.path.rsplit('/').next()?.parse().ok())
        .collect()
}

/// 6: deletes touch only versions the run's own listing showed, never the output version,
/// and `deletedVersions` lists each one removed.
fn deletes_are_shown_and_reported(
    round: &Round,
    index: usize,
    run: &RunRecord,
    whole: bool,
    fail: &mut impl FnMut(String),
) {
    let shown: BTreeSet<i64> = run
        .exchanges
        .iter()
        .filter(|exchange| {
            exchange.call == Call::ListLayerVersions && exchange.maybe_delivered_ok()
        })
        .flat_map(|exchange| {
            exchange.reply_json()["layers"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|layer| layer["version"].as_i64())
        .collect();
    let removed = deleted(run);
    for version in &removed {
        if !shown.contains(version) {
            fail(format!(
                "deleted version {version}, which its listing never showed"
            ));
        }
        if run.output("version").as_deref() == Some(&version.to_string()) {
            fail(format!("deleted version {version}, the one it outputs"));
        }
    }
    if run.succeeded() && whole {
        let reported: BTreeSet<i64> = run
            .output("deletedVersions")
            .unwrap_or_default()
            .split(',')
            .filter_map(|version| version.trim().parse().ok())
            .collect();
        let removed: BTreeSet<i64> = removed.into_iter().collect();
        // A version another run of the round removed while this run's reply was lost may
        // be counted by both: neither can tell. Never one that no run removed.
        let removed_by_others: BTreeSet<i64> = round
            .runs
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .flat_map(|(_, other)| deleted(other))
            .collect();
        let unexplained: Vec<&i64> = reported
            .iter()
            .filter(|version| !removed.contains(version) && !removed_by_others.contains(version))
            .collect();
        let said_uncertain = said_uncertain(run);
        let unreported: Vec<&i64> = removed
            .iter()
            .filter(|version| !reported.contains(version) && !said_uncertain.contains(version))
            .collect();
        if !unreported.is_empty() || !unexplained.is_empty() {
            fail(format!(
                "deletedVersions says {reported:?}, its deletes removed {removed:?}"
            ));
        }
    }
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

/// 5: a function's layers are the list it had, or that list with this layer's version
/// replaced in place (later versions of it dropped) or appended: never anything else.
fn functions_hold_the_old_list_or_the_new(
    round: &Round,
    region: &str,
    fail: &mut impl FnMut(String),
) {
    let ours = format!("acs:fc:{region}:1234567890123456:layers/{LAYER}/versions/");
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
    for function in &round.scenario.functions {
        // A region no call reached holds nothing yet: nothing was changed there.
        if round.after["functions"][&function.name].is_null() {
            continue;
        }
        let now: Vec<String> = round.after["functions"][&function.name]["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|arn| arn.as_str().map(str::to_owned))
            .collect();
        if now == function.layers {
            continue;
        }
        let planned = |arn: &String| {
            let mut list = function.layers.clone();
            match list.iter().position(|layer| layer.starts_with(&ours)) {
                Some(first) => {
                    list[first] = arn.clone();
                    let mut index = 0;
                    list.retain(|layer| {
                        index += 1;
                        index - 1 <= first || !layer.starts_with(&ours)
                    });
                }
                None => list.push(arn.clone()),
            }
            list
        };
        let allowed = candidates
            .iter()
            .map(planned)
            .any(|list| list.len() <= 5 && list == now);
        if !allowed {
            fail(format!(
                "function {} holds {now:?}: neither its old list {:?} nor this layer's version put in it",
                function.name, function.layers
            ));
        }
    }
}

/// 7: a dry run sends no write.
fn dry_run_writes_nothing(run: &RunRecord, fail: &mut impl FnMut(String)) {
    for exchange in &run.exchanges {
        let write = matches!(
            exchange.call,
            Call::CreateLayerVersion
                | Call::DeleteLayerVersion
                | Call::PutLayerAcl
                | Call::PutObject
                | Call::InitiateMultipartUpload
                | Call::UploadPart
                | Call::CompleteMultipartUpload
        );
        if write {
            fail(format!("a dry run sent {:?}", exchange.call));
        }
    }
}

/// 4: no multipart upload left open; every object the round wrote holds the whole zip.
fn uploads_are_closed_and_objects_whole(round: &Round, fail: &mut impl FnMut(String)) {
    // An upload whose InitiateMultipartUpload reply was lost is one the action never learnt
    // the id of; it holds no part, costs nothing, and cannot be told from another run's
    // upload of the same key, so aborting it could break that run. Every other is closed.
    let unknown_to_the_action = round
        .runs
        .iter()
        .flat_map(|run| &run.exchanges)
        .filter(|exchange| {
            exchange.call == Call::InitiateMultipartUpload
                && exchange.applied_ok()
                && exchange.fault.is_some()
        })
        .count() as u64;
    let open = round.after["openUploads"].as_u64().unwrap_or(0);
    if open > unknown_to_the_action {
        fail(format!(
            "{open} multipart upload(s) left open, {unknown_to_the_action} of them never known to the action"
        ));
    }
    if round.after["openUploadsWithParts"].as_u64().unwrap_or(0) != 0 {
        fail(format!(
            "{} multipart upload(s) holding parts left open",
            round.after["openUploadsWithParts"]
        ));
    }
    let objects = round.after["ossObjects"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    for (name, size) in objects {
        let existed = !round.before["ossObjects"][&name].is_null();
        let ours = name.starts_with(&format!("{BUCKET}/")) || !existed;
        if ours && size.as_u64() != Some(round.zip_size) {
            fail(format!(
                "object {name} holds {size} bytes, the zip is {}",
                round.zip_size
            ));
        }
    }
}
