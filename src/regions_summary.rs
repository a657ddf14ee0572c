//! The job summary of a step over several regions: one row per region (version, ARN,
//! published or reused, how the zip went and how long it took, the error), and a line when
//! the regions' version numbers differ. Pure; every value from outside goes through
//! [`crate::summary`]'s code spans and cells.

use crate::redact::Redactor;
use std::fmt::Write;
use std::time::Duration;

use crate::fc::LayerName;
use crate::lifecycle::Decision;
use crate::outcome::{Failure, RegionRun};
use crate::summary::{cell, code, functions, zip_line};

/// The summary's Markdown for `runs`, in the order the regions were listed.
pub(crate) fn regions(layer_name: &LayerName, runs: &[RegionRun], redactor: &Redactor) -> String {
    let failed = runs.iter().filter(|run| run.result.is_err()).count();
    let decided = |publish: bool| {
        runs.iter()
            .filter_map(|run| run.result.as_ref().ok()?.decision.as_ref())
            .filter(|decision| matches!(decision, Decision::Publish { .. }) == publish)
            .count()
    };
    let dry_run = runs
        .iter()
        .any(|run| run.result.as_ref().is_ok_and(|outcome| outcome.dry_run));
    let (heading, published, reused) = match dry_run {
        true => ("Dry run: layer", "would publish", "would reuse"),
        false => ("Layer", "published", "reused"),
    };
    let mut text = format!(
        "### {heading} {} in {} regions: {} {published}, {} {reused}, {failed} failed\n\n",
        code(redactor, layer_name.as_str()),
        runs.len(),
        decided(true),
        decided(false),
    );
    text.push_str("| Region | Version | ARN | Result | Upload | Took | Error |\n");
    text.push_str("|---|---|---|---|---|---|---|\n");
    for run in runs {
        text.push_str(&row(run, redactor));
    }
    text.push('\n');
    if let Some(drift) = drift(runs) {
        let _ = writeln!(text, "{}\n", cell(redactor, &drift));
    }
    if let Some(outcome) = runs.iter().find_map(|run| run.result.as_ref().ok()) {
        let _ = writeln!(text, "Zip: {}\n", zip_line(outcome, redactor));
    }
    // Each region's functions, under its name: they are that region's own.
    for run in runs {
        let outcome = match &run.result {
            Ok(outcome) => outcome,
            Err(Failure::Rollout(outcome)) => outcome,
            Err(_) => continue,
        };
        let functions = functions::table(outcome, redactor);
        if !functions.is_empty() {
            let _ = writeln!(text, "##### {}\n", code(redactor, run.region.as_str()));
            text.push_str(&functions);
        }
    }
    text
}

/// One region's row.
fn row(run: &RegionRun, redactor: &Redactor) -> String {
    let region = code(redactor, run.region.as_str());
    let took = seconds(run.took);
    let outcome = match &run.result {
        Err(failure) => {
            let error = cell(redactor, &failure.to_string());
            return format!("| {region} | | | failed | | {took} | {error} |\n");
        }
        Ok(outcome) => outcome,
    };
    let (version, arn) = match &outcome.layer {
        Some(layer) => (
            layer.version.to_string(),
            code(redactor, &layer.layer_version_arn),
        ),
        None => (String::new(), String::new()),
    };
    let result = match (&outcome.decision, outcome.dry_run) {
        (None, _) => "not checked".to_owned(),
        (Some(Decision::Publish { .. }), true) => "would publish".to_owned(),
        (Some(Decision::Reuse(layer)), true) => format!("would reuse {}", layer.version),
        (Some(Decision::Publish { .. }), false) => "published".to_owned(),
        (Some(Decision::Reuse(_)), false) => "reused".to_owned(),
    };
    let upload = match (&outcome.upload_time, &outcome.staged) {
        (None, _) => String::new(),
        (Some(time), None) => format!("inline, {}", seconds(*time)),
        (Some(time), Some(staged)) => format!("OSS {}, {}", code(redactor, staged), seconds(*time)),
    };
    format!("| {region} | {version} | {arn} | {result} | {upload} | {took} | |\n")
}

/// `1.5 s`.
fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

/// A line saying the regions that succeeded hold different version numbers, which is
/// reported rather than forced: FC numbers each region's versions on its own.
pub(crate) fn drift(runs: &[RegionRun]) -> Option<String> {
    let versions: Vec<(String, i64)> = runs
        .iter()
        .filter_map(|run| {
            let layer = run.result.as_ref().ok()?.layer.as_ref()?;
            Some((run.region.to_string(), layer.version))
        })
        .collect();
    let first = versions.first()?.1;
    if versions.iter().all(|(_, version)| *version == first) {
        return None;
    }
    let list: Vec<String> = versions
        .iter()
        .map(|(region, version)| format!("{region} {version}"))
        .collect();
    Some(format!(
        "The regions hold different version numbers (FC numbers each region's versions on its own): {}",
        list.join(", ")
    ))
}
