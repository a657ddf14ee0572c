//! The job summary: what a run did, in Markdown for `GITHUB_STEP_SUMMARY`. Pure; every value
//! that comes from outside is set in code spans or blocks that it cannot break out of.

pub mod contents;
pub(crate) mod functions;

use std::fmt::Write;

use crate::fc::LayerName;
use crate::lifecycle::Decision;
use crate::outcome::{Failure, Outcome};

/// The summary of a run that succeeded, dry runs included.
pub fn success(outcome: &Outcome) -> String {
    let name = code(outcome.layer_name.as_str());
    let mut text = match (&outcome.layer, &outcome.decision, outcome.dry_run) {
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
    };
    text.push_str("| | |\n|---|---|\n");
    let mut row = |label: &str, value: String| {
        let _ = writeln!(text, "| {label} | {value} |");
    };
    row("Layer", name.clone());
    if let Some(layer) = &outcome.layer {
        row("Version", layer.version.to_string());
        row("ARN", code(&layer.layer_version_arn));
    }
    let why = match &outcome.decision {
        None => "no credentials given, so the layer's versions were not read".to_owned(),
        Some(Decision::Publish { reason }) if outcome.dry_run => {
            format!("would publish: {}", cell(reason))
        }
        Some(Decision::Publish { reason }) => format!("published: {}", cell(reason)),
        Some(Decision::Reuse(layer)) => format!(
            "{}: code, runtimes, description and license equal version {}",
            if outcome.dry_run {
                "would skip"
            } else {
                "skipped"
            },
            layer.version
        ),
    };
    row("Result", why);
    let size = outcome
        .zip_bytes
        .map_or("size unknown".to_owned(), |size| format!("{size} bytes"));
    let checksum = outcome
        .checksum
        .as_deref()
        .map_or("unknown".to_owned(), code);
    row("Zip", format!("{size}, CRC-64/XZ {checksum}"));
    if let Some(staged) = &outcome.staged {
        row("Uploaded to", code(staged));
    }
    let runtimes = if outcome.runtimes.is_empty() {
        "none".to_owned()
    } else {
        outcome
            .runtimes
            .iter()
            .map(|runtime| code(runtime))
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
    text.push('\n');
    text.push_str(&functions::table(outcome));
    if let Some(contents) = &outcome.contents {
        text.push_str(&contents::section(contents, outcome.zip_bytes));
    }
    text
}

/// The summary of a run that failed: the error as reported, RequestId included.
pub fn failure(layer_name: Option<&LayerName>, failure: &Failure) -> String {
    if let Failure::Rollout(outcome) = failure {
        return functions::failed(outcome, &block(&failure.to_string()));
    }
    let mut text = match layer_name {
        Some(name) => format!("### Layer {} was not published\n\n", code(name.as_str())),
        None => "### No layer was published\n\n".to_owned(),
    };
    if let Some(version) = failure.published_version() {
        let _ = write!(
            text,
            "Version {version} was created; a rerun reuses it and finishes the rest.\n\n"
        );
    }
    text.push_str(&block(&failure.to_string()));
    if let Failure::Inputs(errors) = failure {
        for error in errors {
            let _ = writeln!(text, "- {}", cell(&error.to_string()));
        }
        text.push('\n');
    }
    if let Failure::Contents { contents, .. } = failure {
        text.push_str(&contents::section(contents, None));
    }
    text
}

/// `text` as an inline code span that no backtick, pipe or line break in it can end.
pub(crate) fn code(text: &str) -> String {
    let clean = single_line(text).replace('|', "\\|");
    let fence = "`".repeat(longest_run(&clean, '`') + 1);
    format!("{fence} {clean} {fence}")
}

/// Plain table text, on one line, with Markdown's active characters escaped.
pub(crate) fn cell(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in single_line(text).chars() {
        if "\\`*_[]<>|#!~".contains(c) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// `text` in a fenced block longer than any backtick run inside it.
fn block(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}text\n{}\n{fence}\n\n", text.replace('\r', ""))
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
        assert_eq!(code("plain"), "` plain `");
        assert_eq!(code("a`b"), "`` a`b ``");
        assert_eq!(code("a|b\nc"), "` a\\|b c `");
    }

    #[test]
    fn cells_escape_markdown() {
        assert_eq!(
            cell("<img src=x> *bold* [x](y)"),
            "\\<img src=x\\> \\*bold\\* \\[x\\](y)"
        );
    }

    #[test]
    fn blocks_outlast_fences_inside() {
        assert_eq!(block("x ```` y"), "`````text\nx ```` y\n`````\n\n");
        assert_eq!(block("plain"), "```text\nplain\n```\n\n");
    }
}
