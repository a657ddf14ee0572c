//! The job summary's table of the rollout: one row per function of `functions`, with the
//! version of this layer it used before and after, its status and the time its update took
//! to become `Successful`. Every value from a server is set with [`code`] or [`cell`].

use crate::redact::Redactor;
use std::fmt::Write;

use super::{code, success};
use crate::lifecycle::Decision;
use crate::outcome::Outcome;
use crate::rollout::{AliasState, FunctionResult, FunctionStatus, Release};

/// The table, or nothing when no function was named.
pub(crate) fn table(outcome: &Outcome, redactor: &Redactor) -> String {
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
        let name = code(redactor, result.name.as_str());
        let status = status(&result.status, redactor);
        if outcome.dry_run {
            let list = |layers: &Option<Vec<String>>| match layers {
                None => "unknown".to_owned(),
                Some(layers) if layers.is_empty() => "none".to_owned(),
                Some(layers) => layers
                    .iter()
                    .map(|arn| mark(arn, result, not_yet, redactor))
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
            let before = result
                .before
                .as_deref()
                .map_or("none".to_owned(), |arn| code(redactor, arn));
            let took = result.took.map_or("—".to_owned(), |took| {
                format!("{:.1} s", took.as_secs_f64())
            });
            let after = result
                .after
                .as_deref()
                .map_or("none".to_owned(), |arn| code(redactor, arn));
            let _ = writeln!(text, "| {name} | {before} | {after} | {status} | {took} |");
        }
    }
    text.push('\n');
    text.push_str(&aliases(outcome, redactor));
    text
}

/// With `alias`: each function's version and where its alias sent traffic before and after.
fn aliases(outcome: &Outcome, redactor: &Redactor) -> String {
    let released: Vec<(&FunctionResult, &Release)> = outcome
        .functions
        .iter()
        .filter_map(|result| result.release.as_ref().map(|release| (result, release)))
        .collect();
    let Some((_, first)) = released.first() else {
        return String::new();
    };
    let mut text = format!(
        "#### Alias {}\n\n| function | function version | before | after |\n|---|---|---|---|\n",
        code(redactor, first.alias.as_str())
    );
    for (result, release) in released {
        let version = match (release.function_version, release.published) {
            (Some(version), true) => format!("{version} (published)"),
            (Some(version), false) => format!("{version} (reused)"),
            (None, _) => "—".to_owned(),
        };
        let _ = writeln!(
            text,
            "| {} | {version} | {} | {} |",
            code(redactor, result.name.as_str()),
            routing(release.before.as_ref(), "none"),
            routing(release.after.as_ref(), "—")
        );
    }
    text.push('\n');
    text
}

/// `7`, or `6, 10% to 7`; `unknown` when there is no state to show (before: the alias did
/// not exist; after: not moved, or a dry run that would publish first).
fn routing(state: Option<&AliasState>, unknown: &str) -> String {
    let Some(state) = state else {
        return unknown.to_owned();
    };
    let mut text = state.version.to_string();
    for (version, share) in &state.weights {
        let _ = write!(
            text,
            ", {}% to {version}",
            (share * 10_000.0).round() / 100.0
        );
    }
    text
}

/// The summary of a run whose version exists but whose rollout failed for some functions:
/// what the run did, the error, and the table.
pub(crate) fn failed(outcome: &Outcome, error_block: &str, redactor: &Redactor) -> String {
    let mut text = success(outcome, redactor);
    text.push_str("**Not every function was moved to the version; the step failed.**\n\n");
    text.push_str(error_block);
    text
}

fn status(status: &FunctionStatus, redactor: &Redactor) -> String {
    match status {
        FunctionStatus::Updated => "updated".to_owned(),
        FunctionStatus::Unchanged => "unchanged".to_owned(),
        FunctionStatus::WouldUpdate => "update".to_owned(),
        FunctionStatus::Failed(reason) => format!("failed: {}", code(redactor, reason)),
        FunctionStatus::TimedOut(reason) => format!("timed-out: {}", code(redactor, reason)),
    }
}

/// The ARN as a code span; the version this run would publish marked as such.
fn mark(arn: &str, result: &FunctionResult, not_yet: bool, redactor: &Redactor) -> String {
    if not_yet && result.after.as_deref() == Some(arn) {
        format!("{} (not published yet)", code(redactor, arn))
    } else {
        code(redactor, arn)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::fc::{FunctionName, Layer, LayerName};

    fn outcome(functions: Vec<FunctionResult>) -> Outcome {
        Outcome {
            layer_name: LayerName::parse("deps").expect("valid"),
            checksum: None,
            zip_bytes: None,
            runtimes: Vec::new(),
            dry_run: false,
            decision: None,
            layer: Some(Layer {
                layer_version_arn: "acs:fc:r:1:layers/deps/versions/2".to_owned(),
                version: 2,
                ..Layer::default()
            }),
            deleted: Vec::new(),
            kept: Default::default(),
            acl: None,
            staged: None,
            functions,
            region: None,
            upload_time: None,
            contents: None,
        }
    }

    fn result(name: &str, status: FunctionStatus) -> FunctionResult {
        FunctionResult {
            name: FunctionName::parse(name).expect("valid"),
            before: Some("acs:fc:r:1:layers/deps/versions/1".to_owned()),
            after: Some("acs:fc:r:1:layers/deps/versions/2".to_owned()),
            layers_before: None,
            layers_after: None,
            status,
            took: None,
            release: None,
        }
    }

    #[test]
    fn one_row_per_function_and_a_reason_cannot_break_the_table() {
        let mut updated = result("api", FunctionStatus::Updated);
        updated.took = Some(Duration::from_millis(2500));
        let failed = result(
            "worker",
            FunctionStatus::Failed("bad | row\n| injected | `code` |".to_owned()),
        );
        let table = table(&outcome(vec![updated, failed]), &Redactor::default());
        let rows: Vec<&str> = table
            .lines()
            .filter(|line| line.starts_with("| `"))
            .collect();
        assert_eq!(rows.len(), 2, "{table}");
        assert!(rows[0].ends_with("| updated | 2.5 s |"), "{table}");
        assert!(
            rows[1].contains("failed: `` bad \\| row \\| injected \\| `code` \\| ``"),
            "{table}"
        );
        assert_eq!(rows[1].matches(" | ").count(), 4, "five cells: {table}");
    }

    #[test]
    fn no_functions_no_table() {
        assert_eq!(table(&outcome(Vec::new()), &Redactor::default()), "");
    }
}
