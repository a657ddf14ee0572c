//! The layer's versions: one per run, outputs that name what exists, deletes shown and
//! reported; a dry run that writes nothing; uploads closed and objects whole.

use std::collections::BTreeSet;

use super::super::round::{BUCKET, LAYER, Round, RunRecord};
use super::super::schedule::{Call, Runs};
use super::rollout_failed;

/// The versions a run's applied creates made, from the service's replies.
pub(super) fn created(run: &RunRecord) -> Vec<i64> {
    run.exchanges
        .iter()
        .filter(|exchange| exchange.call == Call::CreateLayerVersion && exchange.applied_ok())
        .filter_map(|exchange| exchange.reply_json()["version"].as_i64())
        .collect()
}

/// 1: one run never makes two versions, whatever it retried.
pub(super) fn at_most_one_version_per_run(run: &RunRecord, fail: &mut impl FnMut(String)) {
    let created = created(run);
    if created.len() > 1 {
        fail(format!("created versions {created:?}: more than one"));
    }
}

/// 1: a rerun after a failure, or a second run of the same content, reuses the version.
pub(super) fn rerun_adds_no_second_version(round: &Round, fail: &mut impl FnMut(String)) {
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
pub(super) fn outputs_name_what_exists(
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
pub(super) fn deleted(run: &RunRecord) -> Vec<i64> {
    run.exchanges
        .iter()
        .filter(|exchange| exchange.call == Call::DeleteLayerVersion && exchange.applied_ok())
        .filter_map(|exchange| exchange.path.rsplit('/').next()?.parse().ok())
        .collect()
}

/// 6: deletes touch only versions the run's own listing showed, never the output version,
/// and `deletedVersions` lists each one removed.
pub(super) fn deletes_are_shown_and_reported(
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

/// 7: a dry run sends no write, to a layer, a bucket, a function or an alias.
pub(super) fn dry_run_writes_nothing(run: &RunRecord, fail: &mut impl FnMut(String)) {
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
                | Call::UpdateFunction
                | Call::PublishFunctionVersion
                | Call::CreateAlias
                | Call::UpdateAlias
        );
        if write {
            fail(format!("a dry run sent {:?}", exchange.call));
        }
    }
}

/// 4: no multipart upload left open; every object the round wrote holds the whole zip.
pub(super) fn uploads_are_closed_and_objects_whole(round: &Round, fail: &mut impl FnMut(String)) {
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
