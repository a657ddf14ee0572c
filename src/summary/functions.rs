//! The job summary's table of the rollout: one row per function of `functions`, with the
//! version of this layer it used before and after, its status and the time its update took
//! to become `Successful`. Every value from a server is set with [`code`] or [`cell`].

use std::fmt::Write;

use super::{code, success};
use crate::lifecycle::Decision;
use crate::outcome::Outcome;
use crate::rollout::{FunctionResult, FunctionStatus};

/// The table, or nothing when no function was named.
pub fn table(outcome: &Outcome) -> String {
    if outcome.functions.is_empty() {
        return String::new();
    }
    // In a dry run that would publish, the version shown does not exist yet.
    let not_yet = outcome.dry_run && matches!(outcome.decision, Some(Decision::Publish { .. }));
    let mut text = if outcome.dry_run {
        "#### Functions (dry run: nothing was changed)\n\n| function | layers before | layers after | would |\n|---|---|---|---|\n".to_owned()
    } else {
        "#### Functions\n\n| function | before | after | status | time to `Successful` |\n|---|---|---|---|---|\n".to_owned()
    };
    for result in &outcome.functions {
        let name = code(result.name.as_str());
        let status = status(&result.status);
        if outcome.dry_run {
            let list = |layers: &Option<Vec<String>>| match layers {
                None => "unknown".to_owned(),
                Some(layers) if layers.is_empty() => "none".to_owned(),
                Some(layers) => layers
                    .iter()
                    .map(|arn| mark(arn, result, not_yet))
                    .collect::<Vec<_>>()
                    .join("<br>"),
            };
            let _ = writeln!(
                text,
                "| {name} | {} | {} | {status} |",
                list(&result.layers_before),
                list(&result.layers_after)
            );
        } else {
            let before = result.before.as_deref().map_or("none".to_owned(), code);
            let took = result.took.map_or("—".to_owned(), |took| {
                format!("{:.1} s", took.as_secs_f64())
            });
            let _ = writeln!(
                text,
                "| {name} | {before} | {} | {status} | {took} |",
                code(&result.after)
            );
        }
    }
    text.push('\n');
    text
}

/// The summary of a run whose version exists but whose rollout failed for some functions:
/// what the run did, the error, and the table.
pub fn failed(outcome: &Outcome, error_block: &str) -> String {
    let mut text = success(outcome);
    text.push_str("**Not every function was moved to the version; the step failed.**\n\n");
    text.push_str(error_block);
    text
}

fn status(status: &FunctionStatus) -> String {
    match status {
        FunctionStatus::Updated => "updated".to_owned(),
        FunctionStatus::Unchanged => "unchanged".to_owned(),
        FunctionStatus::WouldUpdate => "update".to_owned(),
        FunctionStatus::Failed(reason) => format!("failed: {}", code(reason)),
    }
}

/// The ARN as a code span; the version this run would publish marked as such.
fn mark(arn: &str, result: &FunctionResult, not_yet: bool) -> String {
    if not_yet && arn == result.after {
        format!("{} (not published yet)", code(arn))
    } else {
        code(arn)
    }
}
