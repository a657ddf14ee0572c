//! The job summary: what a run did, in Markdown for `GITHUB_STEP_SUMMARY`. Pure; every value
//! that comes from outside goes through [`code`], [`cell`] or [`block`], which first replace
//! the run's secrets in the value, then cap its length, then escape it or set it in a span
//! or block it cannot break out of. In that order, a secret's `***` can never reopen what
//! escaping closed, and the action's own words are never touched.

pub(crate) mod contents;
pub(crate) mod functions;

use std::fmt::Write;

use crate::error_chain::with_causes;
use crate::fc::LayerName;
use crate::lifecycle::Decision;
use crate::outcome::{Failure, Outcome};
use crate::outside_text;
use crate::redact::Redactor;

/// The summary of a run that succeeded, dry runs included.
pub(crate) fn success(outcome: &Outcome, redactor: &Redactor) -> String {
    let name = code(redactor, outcome.layer_name.as_str());
    let mut text = heading(outcome, &name);
    text.push_str(&table(outcome, &name, redactor));
    text.push('\n');
    text.push_str(&functions::table(outcome, redactor));
    if let Some(contents) = &outcome.contents {
        text.push_str(&contents::section(contents, outcome.zip_bytes, redactor));
    }
    text
}

/// The title: what became of the layer `name` (set in code already), or would have.
fn heading(outcome: &Outcome, name: &str) -> String {
    match (&outcome.layer, &outcome.decision, outcome.dry_run) {
        (_, None, _) => format!("### Dry run: layer {name} packaged, not checked against FC\n\n"),
        (_, Some(Decision::Publish { .. }), true) => {
            format!("### Dry run: layer {name} would get a new version\n\n")
        }
        (_, Some(Decision::Reuse(layer)), true) => format!(
            "### Dry run: layer {name} is unchanged since version {}\n\n",
            layer.version
        ),
        (Some(layer), _, false) if outcome.published() => {
            format!("### Published layer {name} version {}\n\n", layer.version)
        }
        (Some(layer), _, false) => format!(
            "### Layer {name} unchanged: reused version {}\n\n",
            layer.version
        ),
        (None, _, false) => format!("### Layer {name}\n\n"),
    }
}

/// The layer's table: its version, the decision, the zip, runtimes, ACL and deletions.
fn table(outcome: &Outcome, name: &str, redactor: &Redactor) -> String {
    let mut text = "| | |\n|---|---|\n".to_owned();
    let mut row = |label: &str, value: String| {
        let _ = writeln!(text, "| {label} | {value} |");
    };
    row("Layer", name.to_owned());
    if let Some(layer) = &outcome.layer {
        row("Version", layer.version.to_string());
        row("ARN", code(redactor, &layer.layer_version_arn));
    }
    row("Result", result(outcome, redactor));
    row("Zip", zip_line(outcome, redactor));
    if let Some(staged) = &outcome.staged {
        row("Uploaded to", code(redactor, staged));
    }
    let runtimes = if outcome.runtimes.is_empty() {
        "none".to_owned()
    } else {
        outcome
            .runtimes
            .iter()
            .map(|runtime| code(redactor, runtime))
            .collect::<Vec<_>>()
            .join(", ")
    };
    row("Runtimes", runtimes);
    if let Some(acl) = outcome.acl {
        let verb = if outcome.dry_run {
            "would be set to"
        } else {
            "set to"
        };
        row("ACL", format!("{verb} {}", acl.name()));
    }
    let deleted = if outcome.deleted.is_empty() {
        "none".to_owned()
    } else {
        let list: Vec<String> = outcome.deleted.iter().map(i64::to_string).collect();
        list.join(", ")
    };
    let label = if outcome.dry_run {
        "Would delete"
    } else {
        "Deleted versions"
    };
    row(label, deleted);
    if !outcome.kept.is_empty() {
        let kept: Vec<String> = outcome
            .kept
            .iter()
            .map(|(version, users)| format!("{version}: used by {}", users.join(", ")))
            .collect();
        row("Kept, in use", cell(redactor, &kept.join("; ")));
    }
    text
}

/// Why the layer was published or reused, or why nothing was decided.
fn result(outcome: &Outcome, redactor: &Redactor) -> String {
    match &outcome.decision {
        None => "no credentials given, so the layer's versions were not read".to_owned(),
        Some(Decision::Publish { reason }) if outcome.dry_run => {
            format!("would publish: {}", cell(redactor, reason))
        }
        Some(Decision::Publish { reason }) => format!("published: {}", cell(redactor, reason)),
        Some(Decision::Reuse(layer)) => format!(
            "{}: code, runtimes, description and license equal version {}",
            if outcome.dry_run {
                "would skip"
            } else {
                "skipped"
            },
            layer.version
        ),
    }
}

/// The zip's size and CRC-64, as the summaries show them: `123 bytes, CRC-64/XZ 456`.
pub(crate) fn zip_line(outcome: &Outcome, redactor: &Redactor) -> String {
    let size = outcome
        .zip_bytes
        .map_or("size unknown".to_owned(), |size| format!("{size} bytes"));
    let checksum = outcome
        .checksum
        .as_deref()
        .map_or("unknown".to_owned(), |checksum| code(redactor, checksum));
    format!("{size}, CRC-64/XZ {checksum}")
}

/// The summary of a run that failed: the error as reported, RequestId included.
pub(crate) fn failure(
    layer_name: Option<&LayerName>,
    failure: &Failure,
    redactor: &Redactor,
) -> String {
    if let Failure::WouldFail(found) = failure {
        return would_fail(layer_name, failure, found, redactor);
    }
    if let Failure::Rollout(outcome) = failure {
        return functions::failed(outcome, &block(redactor, &failure.to_string()), redactor);
    }
    let mut text = match layer_name {
        Some(name) => format!(
            "### Layer {} was not published\n\n",
            code(redactor, name.as_str())
        ),
        None => "### No layer was published\n\n".to_owned(),
    };
    if let Some(version) = failure.published_version() {
        let _ = write!(
            text,
            "Version {version} was created; a rerun reuses it and finishes the rest.\n\n"
        );
    }
    text.push_str(&block(redactor, &with_causes(failure)));
    text.push_str(&details(failure, redactor));
    text
}

/// The summary of a dry run that found what would fail the real run (`found`): said as
/// such, the error, then what `found` shows (the inputs, the findings, the functions).
fn would_fail(
    layer_name: Option<&LayerName>,
    failure: &Failure,
    found: &Failure,
    redactor: &Redactor,
) -> String {
    let mut text = match layer_name {
        Some(name) => format!(
            "### Dry run: layer {} would fail\n\n",
            code(redactor, name.as_str())
        ),
        None => "### Dry run: would fail\n\n".to_owned(),
    };
    text.push_str("Nothing was uploaded, created, changed or deleted.\n\n");
    text.push_str(&block(redactor, &with_causes(failure)));
    if let Failure::Rollout(outcome) = found {
        text.push_str(&functions::table(outcome, redactor));
    }
    text.push_str(&details(found, redactor));
    text
}

/// What a failure shows beside its error: each invalid input, or what is inside the zip.
fn details(failure: &Failure, redactor: &Redactor) -> String {
    let mut text = String::new();
    if let Failure::Inputs(errors) = failure {
        for error in errors {
            let _ = writeln!(text, "- {}", cell(redactor, &error.to_string()));
        }
        text.push('\n');
    }
    if let Failure::Contents { contents, .. } = failure {
        text.push_str(&contents::section(contents, None, redactor));
    }
    text
}

/// `text` as an inline code span that no backtick, pipe or line break in it can end, its
/// secrets redacted and its length capped first.
pub(crate) fn code(redactor: &Redactor, text: &str) -> String {
    let clean = single_line(&value(redactor, text)).replace('|', "\\|");
    let fence = "`".repeat(longest_run(&clean, '`') + 1);
    format!("{fence} {clean} {fence}")
}

/// Plain table text, on one line, with Markdown's active characters escaped, its secrets
/// redacted and its length capped first.
pub(crate) fn cell(redactor: &Redactor, text: &str) -> String {
    let text = value(redactor, text);
    let mut escaped = String::with_capacity(text.len());
    for c in single_line(&text).chars() {
        if "\\`*_[]<>|#!~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `text` in a fenced block longer than any backtick run inside it, its secrets redacted
/// and its length capped first (at a few values' worth: an error names several), in the
/// middle, so that the cause at its end stays.
fn block(redactor: &Redactor, text: &str) -> String {
    let redacted = redactor.redact(text);
    let text = outside_text::shortened_to(&redacted, 4 * outside_text::MAX_SHOWN_BYTES);
    let fence = "`".repeat(longest_run(&text, '`').max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n\n", text.replace('\r', ""))
}

/// One value as it may be shown: secrets replaced, then capped.
fn value(redactor: &Redactor, text: &str) -> String {
    outside_text::capped(&redactor.redact(text)).into_owned()
}

fn single_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn longest_run(text: &str, wanted: char) -> usize {
    text.chars()
        .fold((0, 0), |(longest, current), c| {
            let current = if c == wanted { current + 1 } else { 0 };
            (longest.max(current), current)
        })
        .0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_hold_backticks_pipes_and_line_breaks() {
        let none = Redactor::default();
        assert_eq!(code(&none, "plain"), "` plain `");
        assert_eq!(code(&none, "a`b"), "`` a`b ``");
        assert_eq!(code(&none, "a|b\nc"), "` a\\|b c `");
    }

    #[test]
    fn cells_escape_markdown() {
        let none = Redactor::default();
        assert_eq!(
            cell(&none, "<img src=x> *bold* [x](y)"),
            "\\<img src=x\\> \\*bold\\* \\[x\\](y)"
        );
    }

    #[test]
    fn blocks_outlast_fences_inside() {
        let none = Redactor::default();
        assert_eq!(block(&none, "x ```` y"), "`````text\nx ```` y\n`````\n\n");
        assert_eq!(block(&none, "plain"), "```text\nplain\n```\n\n");
    }

    #[test]
    fn secrets_are_redacted_in_values_before_escaping() {
        let mut redactor = Redactor::default();
        redactor.add("`");
        redactor.add("s");
        assert_eq!(code(&redactor, "a`s"), "` a****** `");
        assert_eq!(cell(&redactor, "<s>"), "\\<\\*\\*\\*\\>");
        assert_eq!(block(&redactor, "x`"), "```text\nx***\n```\n\n");
    }
}
