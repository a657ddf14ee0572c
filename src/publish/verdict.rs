//! How the step ends, said in one place whatever ended it: the failure reported, the
//! outputs written, the job summary written. A failure never leaves outputs a later step
//! could take for success; a version that exists always has its outputs written, even when
//! the step fails after it (a function not moved, another region failed).

use super::outputs;
use crate::error_chain::with_causes;
use crate::fc::LayerName;
use crate::outcome::{Failure, Outcome, RegionRun};
use crate::package::Contents;
use crate::regions_summary;
use crate::report::Reporter;
use crate::summary;

/// What the pipeline came to, before anything of it is reported.
pub(crate) enum Ended {
    /// Before any region ran: the inputs, the role, the package or what is inside.
    Early(Failure),
    /// A dry run given no credentials: packaged and checked, nothing called.
    Offline(Box<Outcome>),
    /// Every region's pipeline ran; `contents` is what is inside the zip of `zip_bytes`, the
    /// same in each.
    Regions {
        listed: bool,
        runs: Vec<RegionRun>,
        contents: Option<Contents>,
        zip_bytes: Option<u64>,
    },
}

/// Reports `ended` and writes its outputs and summary: the step's verdict. `layer_name` is
/// `None` only when the inputs were not valid. In a `dry_run`, whatever would fail the real
/// run fails the step as [`Failure::WouldFail`], with the outputs the real run would write.
pub(crate) fn conclude(
    layer_name: Option<&LayerName>,
    ended: Ended,
    dry_run: bool,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let gate = |failure| would_fail(dry_run, failure);
    match ended {
        Ended::Early(failure) => Err(failed(layer_name, gate(failure), reporter)),
        Ended::Offline(outcome) => one_region(layer_name, Ok(*outcome), dry_run, reporter),
        Ended::Regions {
            listed: false,
            runs,
            contents,
            ..
        } => match <[RegionRun; 1]>::try_from(runs) {
            Ok([run]) => {
                let with_contents = |mut outcome: Outcome| {
                    outcome.contents = contents;
                    outcome
                };
                let result = match run.result {
                    Err(Failure::Rollout(outcome)) => {
                        Err(Failure::Rollout(Box::new(with_contents(*outcome))))
                    }
                    other => other.map(with_contents),
                };
                one_region(layer_name, result, dry_run, reporter)
            }
            Err(runs) => several(layer_name, runs, None, None, dry_run, reporter),
        },
        Ended::Regions {
            listed: true,
            runs,
            contents,
            zip_bytes,
        } => several(layer_name, runs, contents, zip_bytes, dry_run, reporter),
    }
}

/// `failure` as a dry run's: what the real run would have failed on. Once.
fn would_fail(dry_run: bool, failure: Failure) -> Failure {
    match failure {
        Failure::WouldFail(_) => failure,
        failure if dry_run => Failure::WouldFail(Box::new(failure)),
        failure => failure,
    }
}

/// One region's end: its outputs when a version exists, the summary, the failure.
fn one_region(
    layer_name: Option<&LayerName>,
    result: Result<Outcome, Failure>,
    dry_run: bool,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let gate = |failure| would_fail(dry_run, failure);
    match result {
        Ok(outcome) => {
            if let Err(failure) = outputs::write(&outcome, reporter) {
                return Err(failed(layer_name, gate(failure), reporter));
            }
            reporter.summary(&summary::success(&outcome, &reporter.redactor()));
            Ok(outcome)
        }
        // The version exists (in a dry run, would): its outputs are written for a later step
        // to report, `functions` naming those not moved.
        Err(Failure::Rollout(outcome)) => {
            let failure = match outputs::write(&outcome, reporter) {
                Ok(()) => Failure::Rollout(outcome),
                Err(failure) => failure,
            };
            Err(failed(layer_name, gate(failure), reporter))
        }
        Err(failure) => Err(failed(layer_name, gate(failure), reporter)),
    }
}

/// The end of a step over the regions `regions` listed: each failed region reported,
/// drifting versions said, the summary (what is inside, then a row per region), the
/// outputs of those that succeeded.
fn several(
    layer_name: Option<&LayerName>,
    runs: Vec<RegionRun>,
    contents: Option<Contents>,
    zip_bytes: Option<u64>,
    dry_run: bool,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    for run in &runs {
        if let Err(failure) = &run.result {
            reporter.error(&format!("[{}] {failure}", run.region));
        }
    }
    if let Some(drift) = regions_summary::drift(&runs) {
        reporter.info(&drift);
    }
    // What is inside is the same in every region: said once, before the regions' table.
    if let Some(contents) = &contents {
        let markdown = summary::contents::section(contents, zip_bytes, &reporter.redactor());
        reporter.summary(&markdown);
    }
    if let Some(layer_name) = layer_name {
        let markdown = regions_summary::regions(layer_name, &runs, &reporter.redactor());
        reporter.summary(&markdown);
    }
    let result = verdict_of(runs, reporter).map_err(|f| would_fail(dry_run, f));
    if let Err(failure) = &result {
        reporter.error(&failure.to_string());
        if dry_run {
            let markdown = summary::failure(layer_name, failure, &reporter.redactor());
            reporter.summary(&markdown);
        }
    }
    result
}

/// The first region's outcome when every region succeeded; the outputs of those that
/// published or reused a version (in a dry run, would), written all at once.
fn verdict_of(runs: Vec<RegionRun>, reporter: &mut impl Reporter) -> Result<Outcome, Failure> {
    let attempted = runs.len();
    let mut first = None;
    let mut succeeded = Vec::new();
    let mut failed = Vec::new();
    for (index, run) in runs.into_iter().enumerate() {
        let outcome = match run.result {
            Ok(outcome) => outcome,
            // The version exists; only a function was not moved: its outputs are written.
            Err(Failure::Rollout(outcome)) => {
                failed.push((run.region, Failure::Rollout(outcome.clone())));
                *outcome
            }
            Err(failure) => {
                failed.push((run.region, failure));
                continue;
            }
        };
        if index == 0 {
            first = Some(outcome.clone());
        }
        succeeded.push(outcome);
    }
    // A step where every region failed writes nothing a later step could take for success.
    if !succeeded.is_empty() {
        outputs::write_regions(first.as_ref(), &succeeded, reporter)?;
    }
    match (failed.is_empty(), first) {
        (true, Some(first)) => Ok(first),
        _ => Err(Failure::Regions { failed, attempted }),
    }
}

/// Reports `failure` with its causes and writes the failure's summary.
fn failed(
    layer_name: Option<&LayerName>,
    failure: Failure,
    reporter: &mut impl Reporter,
) -> Failure {
    reporter.error(&with_causes(&failure));
    let markdown = summary::failure(layer_name, &failure, &reporter.redactor());
    reporter.summary(&markdown);
    failure
}
